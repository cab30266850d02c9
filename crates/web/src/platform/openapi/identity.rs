//! The paths of the identity API in the OpenAPI document: accounts, activation, sessions,
//! profile and picture, staff access to an account (routes in `identity::api`).

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, no_content, ok};

pub fn paths() -> Value {
    let auth = auth();
    json!({
        "/api/v1/accounts": { "post": {
            "summary": "Sign up (age 16+)", "requestBody": json_body("SignUp"),
            "responses": { "201": ok("Profile", "Created at once (no mail server configured)"),
                           "202": ok("SignUpPending", "With a mail server: the same answer for every address; a new one gets an activation link"),
                           "400": error_response("Malformed JSON"), "409": error_response("Email taken (only without a mail server)"),
                           "413": error_response("Too large"), "415": error_response("Not JSON"),
                           "422": error_response("Invalid input, under 16, or `password_too_weak` (the reason in `detail`)"), "429": error_response("Rate limited"),
                           "503": error_response("Busy") } } },
        "/api/v1/accounts/activation": { "post": {
            "summary": "Activate an account with the token of its emailed link", "requestBody": json_body("Activation"),
            "responses": { "200": ok("Activated", "Activated"), "400": error_response("Malformed JSON"), "410": error_response("Invalid or expired link"),
                           "415": error_response("Not JSON"), "422": error_response("Invalid body") } } },
        "/api/v1/sessions": {
            "post": { "summary": "Sign in (a new token every time)", "requestBody": json_body("SignIn"),
                      "parameters": [{ "name": "X-Device-Cookie", "in": "header", "required": false, "schema": { "type": "string" },
                                       "description": "The device_cookie of an earlier sign-in to this account" }],
                      "responses": { "201": ok("Session", "Signed in"), "400": error_response("Malformed JSON"), "401": error_response("Wrong email or password"),
                                     "415": error_response("Not JSON"), "422": error_response("Invalid body"),
                                     "429": error_response("Rate limited, or this client is locked out of this account for a while"), "503": error_response("Busy") } },
            "get": { "summary": "My live sessions", "security": auth, "responses": { "200": ok("Sessions", "Sessions"), "401": error_response("Not signed in") } },
            "delete": { "summary": "Sign out everywhere", "security": auth, "responses": { "200": ok("Revoked", "Signed out"), "401": error_response("Not signed in") } }
        },
        "/api/v1/sessions/current": { "delete": { "summary": "Sign out", "security": auth,
            "responses": { "204": no_content("Signed out"), "401": error_response("Not signed in") } } },
        "/api/v1/me": {
            "get": { "summary": "My profile", "security": auth, "responses": { "200": ok("Profile", "Profile"), "401": error_response("Not signed in") } },
            "patch": { "summary": "Change my profile", "security": auth, "requestBody": json_body("ProfileChange"),
                       "responses": { "200": ok("Profile", "Profile"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong current password"),
                                      "409": error_response("Email taken"), "415": error_response("Not JSON"), "422": error_response("Invalid input or password_too_weak"),
                                      "429": error_response("Too many wrong current passwords"), "503": error_response("Busy") } },
            "delete": { "summary": "Delete my account (destroys my key first)", "security": auth, "requestBody": json_body("DeleteMe"),
                        "responses": { "200": ok("Deleted", "Deleted"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong password"),
                                       "409": error_response("Organisations to choose for first (`organisation_choice_required`, listing them)"),
                                       "415": error_response("Not JSON"), "422": error_response("Invalid body or choice"),
                                       "429": error_response("Too many wrong passwords"), "503": error_response("Busy") } }
        },
        "/api/v1/me/picture": {
            "get": { "summary": "My profile picture", "security": auth,
                     "responses": { "200": bytes("Image", &["image/png", "image/jpeg", "image/webp"]),
                                    "401": error_response("Not signed in"), "404": error_response("No picture") } },
            "put": { "summary": "Set my profile picture (PNG, JPEG or WebP, decided by content; metadata stripped)", "security": auth,
                     "requestBody": { "required": true, "content": {
                         "application/octet-stream": { "schema": { "type": "string", "format": "binary" } },
                         "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                     "responses": { "200": ok("PictureSet", "Stored"), "401": error_response("Not signed in"), "413": error_response("Too large"),
                                    "415": error_response("Not an image"), "422": error_response("No file") } },
            "delete": { "summary": "Remove my profile picture", "security": auth, "responses": { "204": no_content("Removed"), "401": error_response("Not signed in") } }
        },
        "/api/v1/staff/me": { "get": { "summary": "My staff role and training status", "security": auth,
            "responses": { "200": ok("StaffMe", "Staff"), "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
        "/api/v1/staff/lookup": { "post": { "summary": "Find an account by email, for a reason (audited)", "security": auth, "requestBody": json_body("StaffLookup"),
            "responses": { "200": ok("AccountRef", "Found"), "401": error_response("Not signed in"), "403": error_response("Not staff, reason not allowed, or training expired"),
                           "404": error_response("No such account"), "422": error_response("Invalid body") } } },
        "/api/v1/staff/accounts/{id}": { "get": { "summary": "Open an account, for a reason (audited)", "security": auth,
            "parameters": [
                id_param(),
                { "name": "reason", "in": "query", "required": true, "schema": { "$ref": "#/components/schemas/Reason" } }
            ],
            "responses": { "200": ok("Profile", "Profile"), "401": error_response("Not signed in"), "403": error_response("Not staff, reason not allowed, or training expired"),
                           "404": error_response("No such account"), "422": error_response("Missing reason") } } }
    })
}
