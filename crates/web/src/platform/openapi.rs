//! The OpenAPI 3.1 description of the JSON API, written out by hand beside the routes it
//! describes (a test checks that every API route is in it, and nothing else).

use axum::Json;
use serde_json::{Value, json};

fn error_response(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn json_body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn ok(schema: &str, desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

/// The document.
pub fn spec() -> Value {
    let mut doc = paths_and_schemas();
    add_common_responses(&mut doc);
    doc
}

/// The answers every operation of a kind can give, added where an operation does not already
/// describe them: a JSON body can be malformed (400), of the wrong content type (415), too
/// large (413) or invalid (422); a query string can be malformed (400); a secured operation
/// can meet no session (401) or a person who has not acknowledged the latest significant
/// policy version (428).
fn add_common_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else { continue };
        for op in ops.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let json_body = op.pointer("/requestBody/content/application~1json").is_some();
            let has_query = op.get("parameters").and_then(Value::as_array).is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            let secured = op.get("security").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut add = |code: &str, desc: &str| {
                responses.entry(code.to_string()).or_insert_with(|| error_response(desc));
            };
            if has_body {
                add("400", "Malformed body");
                add("413", "Too large");
                if json_body {
                    add("415", "Not a JSON body (`Content-Type: application/json`)");
                    add("422", "Invalid input");
                }
            }
            if has_query {
                add("400", "Malformed query string");
            }
            if secured {
                add("401", "Not signed in");
                add("428", "The latest significant policy version is not acknowledged yet");
            }
        }
    }
}

fn paths_and_schemas() -> Value {
    let auth = json!([{ "bearer": [] }, { "cookie": [] }]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "clearboard API",
            "version": "1",
            "description": "Boards of idea cards with an executable privacy policy. Errors always have the shape {error: {code, message, field?, request_id}}. Any authenticated call answers 428 `policy_ack_required` while a significant policy change awaits the person's acknowledgement (except reading and acknowledging it, signing out and deleting the account)."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "cb_session" }
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                        "code": { "type": "string" }, "message": { "type": "string" },
                        "field": { "type": "string" }, "request_id": { "type": "string" } } } }
                },
                "SignUp": {
                    "type": "object", "additionalProperties": false,
                    "required": ["email", "password", "first_name", "last_name", "birth_date"],
                    "properties": {
                        "email": { "type": "string", "format": "email", "maxLength": 254 },
                        "password": { "type": "string", "minLength": 12, "maxLength": 1024 },
                        "first_name": { "type": "string", "minLength": 1, "maxLength": 100 },
                        "last_name": { "type": "string", "minLength": 1, "maxLength": 100 },
                        "phone": { "type": ["string", "null"] },
                        "birth_date": { "type": "string", "format": "date", "description": "Used only to check the minimum age (16); never stored." },
                        "region": { "type": ["string", "null"], "enum": ["eu", "us", null] },
                        "locale": { "type": ["string", "null"], "enum": ["en", "fr", null] },
                        "marketing": { "type": ["boolean", "null"], "description": "The answer to the marketing consent question, if asked (never pre-ticked)." }
                    }
                },
                "RightsRequest": {
                    "type": "object", "additionalProperties": false, "required": ["kind", "email"],
                    "properties": {
                        "kind": { "enum": ["access", "portability", "rectification", "erasure", "restriction", "objection", "ccpa_know", "ccpa_delete"] },
                        "email": { "type": "string", "format": "email" }, "name": { "type": ["string", "null"] }, "details": { "type": ["string", "null"], "maxLength": 5000 },
                        "on_behalf": { "enum": ["self", "agent", "guardian", "", null] }, "person_email": { "type": ["string", "null"] },
                        "document_base64": { "type": ["string", "null"], "description": "An agent's signed permission or a parent's proof (stored encrypted, deleted when the request closes)" },
                        "lang": { "enum": ["en", "fr", null] }
                    }
                },
                "Token": { "type": "object", "required": ["token"], "properties": { "token": { "type": "string" } } },
                "DownloadCode": { "type": "object", "required": ["code"], "additionalProperties": false, "properties": { "code": { "type": "string", "pattern": "^[0-9]{8}$" } } },
                "ReasonText": { "type": "object", "additionalProperties": false, "properties": { "reason": { "type": "string" } } },
                "Note": { "type": "object", "additionalProperties": false, "properties": { "note": { "type": "string" } } },
                "VerifyReceipt": { "type": "object", "required": ["receipt", "signature"], "properties": { "receipt": { "type": "object" }, "signature": { "type": "string" } } },
                "Disclosure": {
                    "type": "object", "additionalProperties": false, "required": ["subject_id", "recipient", "legal_basis", "scope"],
                    "properties": { "subject_id": { "type": "string", "format": "uuid" }, "recipient": { "type": "string" }, "legal_basis": { "type": "string" }, "scope": { "type": "string" },
                                    "contact": { "type": ["string", "null"], "format": "email" }, "withhold_notice_reason": { "type": ["string", "null"] } }
                },
                "SignUpPending": {
                    "type": "object", "required": ["status", "message"],
                    "description": "The one answer to every sign-up when mail is configured, whether the address is new or has an account.",
                    "properties": { "status": { "type": "string", "const": "pending_activation" }, "message": { "type": "string" } }
                },
                "Activation": {
                    "type": "object", "additionalProperties": false, "required": ["token"],
                    "properties": { "token": { "type": "string", "description": "From the `#token=` fragment of the emailed link" } }
                },
                "Activated": { "type": "object", "required": ["activated"], "properties": { "activated": { "type": "boolean", "const": true } } },
                "SignIn": {
                    "type": "object", "additionalProperties": false, "required": ["email", "password"],
                    "properties": { "email": { "type": "string" }, "password": { "type": "string" } }
                },
                "Session": {
                    "type": "object",
                    "required": ["token", "token_type", "device_cookie", "subject_id", "region", "idle_timeout_seconds", "absolute_timeout_seconds"],
                    "properties": {
                        "token": { "type": "string" }, "token_type": { "type": "string", "const": "Bearer" },
                        "device_cookie": { "type": "string", "description": "Send it back in `X-Device-Cookie` at later sign-ins: failures elsewhere then never lock this client out (browsers get it as the cb_device cookie)." },
                        "subject_id": { "type": "string", "format": "uuid" }, "region": { "type": "string" },
                        "idle_timeout_seconds": { "type": "integer" }, "absolute_timeout_seconds": { "type": "integer" }
                    }
                },
                "Sessions": {
                    "type": "object", "required": ["sessions"],
                    "properties": { "sessions": { "type": "array", "items": { "type": "object",
                        "required": ["kind", "created_at", "last_seen_at", "current"],
                        "properties": { "kind": { "type": "string" }, "created_at": { "type": "string" },
                                        "last_seen_at": { "type": "string" }, "current": { "type": "boolean" } } } } }
                },
                "Revoked": { "type": "object", "required": ["revoked"], "properties": { "revoked": { "type": "integer" } } },
                "Profile": {
                    "type": "object",
                    "required": ["id", "region", "email", "first_name", "last_name", "phone", "has_picture", "locale", "created_at", "updated_at"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" }, "region": { "type": "string" },
                        "email": { "type": "string" }, "first_name": { "type": "string" }, "last_name": { "type": "string" },
                        "phone": { "type": ["string", "null"] }, "has_picture": { "type": "boolean" },
                        "locale": { "type": "string" }, "created_at": { "type": "string" }, "updated_at": { "type": "string" }
                    }
                },
                "ProfileChange": {
                    "type": "object", "additionalProperties": false,
                    "description": "Changing email or password needs current_password.",
                    "properties": {
                        "first_name": { "type": "string" }, "last_name": { "type": "string" },
                        "phone": { "type": ["string", "null"] }, "email": { "type": "string" },
                        "new_password": { "type": "string" }, "current_password": { "type": "string" },
                        "locale": { "type": "string", "enum": ["en", "fr"] }
                    }
                },
                "DeleteMe": { "type": "object", "additionalProperties": false, "properties": { "password": { "type": "string" } } },
                "Deleted": { "type": "object", "required": ["deleted", "key_destroyed"], "properties": { "deleted": { "type": "boolean" }, "key_destroyed": { "type": "boolean" } } },
                "PictureSet": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } },
                "StaffMe": {
                    "type": "object", "required": ["role", "trained_at", "training_current"],
                    "properties": { "role": { "type": "string" }, "trained_at": { "type": ["string", "null"] }, "training_current": { "type": "boolean" } }
                },
                "StaffLookup": {
                    "type": "object", "additionalProperties": false, "required": ["email", "reason"],
                    "properties": { "email": { "type": "string" }, "reason": { "$ref": "#/components/schemas/Reason" } }
                },
                "Reason": { "type": "string", "enum": ["support_request", "rights_request", "contract", "security_incident"] },
                "SetConsent": { "type": "object", "additionalProperties": false, "required": ["purpose", "granted"], "properties": { "purpose": { "type": "string" }, "granted": { "type": "boolean" } } },
                "NewOrg": { "type": "object", "additionalProperties": false, "required": ["name"], "properties": { "name": { "type": "string", "maxLength": 80 } } },
                "NewInvitation": { "type": "object", "additionalProperties": false, "properties": {
                    "role": { "type": "string", "enum": ["member", "admin"] },
                    "email": { "type": ["string", "null"], "format": "email", "description": "Only the account with this address may accept" } } },
                "AcceptInvitation": { "type": "object", "additionalProperties": false, "required": ["token"], "properties": { "token": { "type": "string" } } },
                "NewBoard": { "type": "object", "additionalProperties": false, "required": ["title"], "properties": { "title": { "type": "string", "maxLength": 120 }, "org_id": { "type": "string", "format": "uuid" } } },
                "BoardPatch": { "type": "object", "additionalProperties": false, "description": "Only the fields given change; a field that is absent or null stays as it is.", "properties": {
                    "title": { "type": ["string", "null"] }, "locked": { "type": ["boolean", "null"] }, "controlled": { "type": ["boolean", "null"] }, "anonymous": { "type": ["boolean", "null"] },
                    "vote_tokens": { "type": ["integer", "null"], "minimum": 0, "maximum": 99 },
                    "legend": { "type": ["array", "null"], "maxItems": 50, "items": { "type": "object", "required": ["id", "name", "color"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "color": { "type": "string", "pattern": "^#[0-9a-fA-F]{6}$" } } } } } },
                "NewCard": { "type": "object", "additionalProperties": false, "required": ["kind"], "properties": {
                    "kind": { "type": "string", "enum": ["text", "link"] }, "text": { "type": "string", "maxLength": 500 }, "url": { "type": "string", "maxLength": 2048 },
                    "x": { "type": "integer" }, "y": { "type": "integer" }, "color": { "type": "string" }, "category": { "type": "string" } } },
                "CardPatch": { "type": "object", "additionalProperties": false, "properties": {
                    "base_version": { "type": "integer" }, "text": { "type": "string" }, "url": { "type": "string" }, "x": { "type": "integer" }, "y": { "type": "integer" },
                    "color": { "type": "string" }, "category": { "type": ["string", "null"] } } },
                "NewComment": { "type": "object", "additionalProperties": false, "required": ["text"], "properties": { "text": { "type": "string", "maxLength": 1000 } } },
                "Join": { "type": "object", "additionalProperties": false, "required": ["code", "pseudonym"], "properties": { "code": { "type": "string" }, "pseudonym": { "type": "string", "maxLength": 40 } } },
                "Acknowledge": { "type": "object", "additionalProperties": false, "required": ["version"], "properties": { "version": { "type": "string" } } },
                "NewHold": {
                    "type": "object", "additionalProperties": false, "required": ["subject_id", "category", "reason", "until"],
                    "properties": { "subject_id": { "type": "string", "format": "uuid" }, "category": { "type": "string" },
                                    "reason": { "type": "string", "maxLength": 500 }, "until": { "type": "string", "format": "date" } }
                },
                "AccountRef": { "type": "object", "required": ["id", "region"], "properties": { "id": { "type": "string" }, "region": { "type": "string" } } }
            }
        },
        "paths": {
            "/api/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI document" } } } },
            "/api/v1/accounts": { "post": {
                "summary": "Sign up (age 16+)", "requestBody": json_body("SignUp"),
                "responses": { "201": ok("Profile", "Created at once (no mail server configured)"),
                               "202": ok("SignUpPending", "With a mail server: the same answer for every address; a new one gets an activation link"),
                               "400": error_response("Malformed JSON"), "409": error_response("Email taken (only without a mail server)"),
                               "413": error_response("Too large"), "415": error_response("Not JSON"),
                               "422": error_response("Invalid input, under 16, or password_too_weak (the reason in the message)"), "429": error_response("Rate limited"),
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
                "responses": { "204": { "description": "Signed out" }, "401": error_response("Not signed in") } } },
            "/api/v1/me": {
                "get": { "summary": "My profile", "security": auth, "responses": { "200": ok("Profile", "Profile"), "401": error_response("Not signed in") } },
                "patch": { "summary": "Change my profile", "security": auth, "requestBody": json_body("ProfileChange"),
                           "responses": { "200": ok("Profile", "Profile"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong current password"),
                                          "409": error_response("Email taken"), "415": error_response("Not JSON"), "422": error_response("Invalid input or password_too_weak"),
                                          "429": error_response("Too many wrong current passwords"), "503": error_response("Busy") } },
                "delete": { "summary": "Delete my account (destroys my key first)", "security": auth, "requestBody": json_body("DeleteMe"),
                            "responses": { "200": ok("Deleted", "Deleted"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong password"),
                                           "415": error_response("Not JSON"), "422": error_response("Invalid body"),
                                           "429": error_response("Too many wrong passwords"), "503": error_response("Busy") } }
            },
            "/api/v1/me/picture": {
                "get": { "summary": "My profile picture", "security": auth,
                         "responses": { "200": { "description": "Image", "content": { "image/png": {}, "image/jpeg": {}, "image/webp": {} } },
                                        "401": error_response("Not signed in"), "404": error_response("No picture") } },
                "put": { "summary": "Set my profile picture (PNG, JPEG or WebP, decided by content; metadata stripped)", "security": auth,
                         "requestBody": { "required": true, "content": {
                             "application/octet-stream": { "schema": { "type": "string", "format": "binary" } },
                             "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                         "responses": { "200": ok("PictureSet", "Stored"), "401": error_response("Not signed in"), "413": error_response("Too large"),
                                        "415": error_response("Not an image"), "422": error_response("No file") } },
                "delete": { "summary": "Remove my profile picture", "security": auth, "responses": { "204": { "description": "Removed" }, "401": error_response("Not signed in") } }
            },
            "/api/v1/staff/me": { "get": { "summary": "My staff role and training status", "security": auth,
                "responses": { "200": ok("StaffMe", "Staff"), "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
            "/api/v1/staff/lookup": { "post": { "summary": "Find an account by email, for a reason (audited)", "security": auth, "requestBody": json_body("StaffLookup"),
                "responses": { "200": ok("AccountRef", "Found"), "401": error_response("Not signed in"), "403": error_response("Not staff, reason not allowed, or training expired"),
                               "404": error_response("No such account"), "422": error_response("Invalid body") } } },
            "/api/v1/me/policy": { "get": { "summary": "The policy version and my acknowledgements (allowed while an acknowledgement is due)", "security": auth,
                "responses": { "200": { "description": "Status" }, "401": error_response("Not signed in") } } },
            "/api/v1/me/policy-acknowledgements": { "post": { "summary": "Acknowledge a policy version (C-CHG-2); this is not consent", "security": auth,
                "requestBody": json_body("Acknowledge"),
                "responses": { "201": { "description": "Recorded" }, "401": error_response("Not signed in"), "422": error_response("Not the current or required version") } } },
            "/api/v1/policy/versions": { "get": { "summary": "Every published policy version (public)", "responses": { "200": { "description": "History" } } } },
            "/api/v1/staff/retention": { "get": { "summary": "Retention rules, what is due, latest runs, legal holds (staff)", "security": auth,
                "responses": { "200": { "description": "Status" }, "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
            "/api/v1/staff/retention/runs": { "post": { "summary": "Run the retention scheduler now (privacy officer, admin)", "security": auth,
                "responses": { "200": { "description": "Runs" }, "401": error_response("Not signed in"), "403": error_response("Not allowed") } } },
            "/api/v1/staff/legal-holds": {
                "get": { "summary": "Legal holds (staff)", "security": auth, "responses": { "200": { "description": "Holds" }, "401": error_response("Not signed in"), "403": error_response("Not staff") } },
                "post": { "summary": "Place a legal hold (privacy officer, admin; audited)", "security": auth, "requestBody": json_body("NewHold"),
                          "responses": { "201": { "description": "Placed" }, "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"),
                                         "404": error_response("No such subject"), "422": error_response("Invalid hold") } }
            },
            "/api/v1/staff/legal-holds/{id}": { "delete": { "summary": "Release a legal hold (privacy officer, admin; audited)", "security": auth,
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
                "responses": { "204": { "description": "Released" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("No such hold") } } },
            "/api/v1/me/consents": {
                "get": { "summary": "My choices for consent-based purposes (no record means no)", "security": auth, "responses": { "200": { "description": "Consents" }, "401": error_response("Not signed in") } },
                "put": { "summary": "Give or withdraw consent to a purpose (recorded with its proof)", "security": auth, "requestBody": json_body("SetConsent"),
                         "responses": { "200": { "description": "Consents" }, "401": error_response("Not signed in"), "422": error_response("Not a consent-based purpose") } }
            },
            "/api/v1/staff/statistics": { "get": { "summary": "Aggregated website statistics (k-anonymous; no rows)", "security": auth,
                "parameters": [{ "name": "days", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 400 } }],
                "responses": { "200": { "description": "Statistics" }, "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
            "/api/v1/me/privacy": { "get": { "summary": "Privacy centre: everything held about me by category, with purposes, legal bases, recipients, retention; consents, exports, requests, disclosures, legal holds, and who accessed my data", "security": auth, "responses": { "200": { "description": "Overview" }, "401": error_response("Not signed in") } } },
            "/api/v1/me/exports": {
                "get": { "summary": "My exports", "security": auth, "responses": { "200": { "description": "Exports" }, "401": error_response("Not signed in") } },
                "post": { "summary": "Start an export of all my data (ZIP: data.json under /privacy/export-schema.json, CSV per category, media, README); built in the background", "security": auth,
                          "responses": { "202": { "description": "Queued; poll the Location" }, "401": error_response("Not signed in"), "409": error_response("An export is already being prepared") } }
            },
            "/api/v1/me/exports/{id}": { "get": { "summary": "An export's state (queued, running, ready, failed, expired, revoked), with `download_url` while it can be downloaded (24 hours; a plain path that needs my session)", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "Export" }, "401": error_response("Not signed in"), "404": error_response("No such export of mine") } } },
            "/api/v1/me/exports/{id}/download": { "get": { "summary": "The ZIP, for its signed-in owner only (session cookie or bearer token; no secret in the URL), for 24 hours after it is ready; signing out everywhere, a password change and erasure revoke it", "security": auth,
                "parameters": [id_param()],
                "responses": { "200": { "description": "The archive", "content": { "application/zip": {} } }, "401": error_response("Not signed in"), "404": error_response("No such export of mine"),
                               "409": error_response("Not ready yet, or it failed"), "410": error_response("Expired or revoked (`export_gone`): ask for a new one") } } },
            "/api/v1/me/imports": { "post": { "summary": "Import a clearboard export: its boards and cards are recreated in my personal workspace, all or nothing. The upload (at most 1 GiB) is spooled sealed as it arrives; the archive is read with at most 64 MiB held per import: at most 10,000 files, 255-byte names, 16 MiB for data.json, 50 MiB per other file, 2 GiB in all, compression at most 100:1 per file and overall; overlapping files and archives inside the archive are refused. One import at a time per person.", "security": auth,
                "requestBody": { "required": true, "content": { "application/zip": {}, "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
                "responses": { "201": { "description": "Boards and cards created" }, "401": error_response("Not signed in"), "409": error_response("Another import of mine is running"),
                               "413": error_response("Over a bound (`payload_too_large` for the upload, `import_too_large` for the archive), with the reason"),
                               "422": error_response("Not a clearboard export, or a malformed or unsafe archive (`import_invalid`), with the reason") } } },
            "/api/v1/requests/{id}/download-code": { "post": { "summary": "For the copy answering an agent's or a parent's access request: email a one-time code (8 digits, 15 minutes, single use) to the address that made the request",
                "parameters": [id_param()],
                "responses": { "202": { "description": "Sent" }, "404": error_response("No such request with a copy to download"), "410": error_response("The copy expired or was revoked"), "429": error_response("Too many codes") } } },
            "/api/v1/requests/{id}/download": { "post": { "summary": "The copy answering an agent's or a parent's access request, with the emailed code (in the body, never the URL)",
                "parameters": [id_param()], "requestBody": json_body("DownloadCode"),
                "responses": { "200": { "description": "The archive", "content": { "application/zip": {} } }, "404": error_response("No such request with a copy to download"),
                               "410": error_response("The copy expired or was revoked"), "422": error_response("Wrong or expired code") } } },
            "/api/v1/receipts/verify": { "post": { "summary": "Check an erasure receipt's signature against this service's published key (/.well-known/clearboard-receipts.json)", "requestBody": json_body("VerifyReceipt"),
                "responses": { "200": { "description": "{valid}" } } } },
            "/api/v1/requests": { "post": { "summary": "A rights request from anyone (access, portability, rectification, erasure, restriction, objection, ccpa_know, ccpa_delete); for oneself, as an agent or as a parent. The answer is the same whether or not the address is known; a link to confirm is emailed.",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RightsRequest" } }, "multipart/form-data": { "schema": { "type": "object" } } } },
                "responses": { "202": { "description": "Received" }, "409": error_response("A request of this kind for this address is in progress"), "422": error_response("Invalid request"), "429": error_response("Too many attempts") } } },
            "/api/v1/requests/verify": { "post": { "summary": "Confirm a request with the emailed link's token", "requestBody": json_body("Token"),
                "responses": { "200": { "description": "{state}" }, "410": error_response("Invalid or expired link") } } },
            "/api/v1/requests/confirm": { "post": { "summary": "The person the request is about confirms it from their own mailbox (needed for an agent's request, and for a parent's request other than erasure)", "requestBody": json_body("Token"),
                "responses": { "200": { "description": "{state}" }, "410": error_response("Invalid or expired link") } } },
            "/api/v1/staff/requests": {
                "get": { "summary": "The queue of open requests, soonest due first, with deadlines and overdue flags", "security": auth, "responses": { "200": { "description": "Queue" }, "401": error_response("Not signed in"), "403": error_response("Not allowed to work requests") } },
                "post": { "summary": "Enter a request received by email (verified like any other)", "security": auth, "requestBody": json_body("RightsRequest"),
                          "responses": { "201": { "description": "Recorded" }, "401": error_response("Not signed in"), "403": error_response("Not allowed to work requests"), "422": error_response("Invalid request") } }
            },
            "/api/v1/staff/requests/{id}": { "get": { "summary": "One request with its contact details (access is audited)", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "Request" }, "403": error_response("Not allowed"), "404": error_response("No such request") } } },
            "/api/v1/staff/requests/{id}/extend": { "post": { "summary": "Extend the deadline once, with reasons sent to the person, before it passes", "security": auth, "parameters": [id_param()], "requestBody": json_body("ReasonText"),
                "responses": { "200": { "description": "Extended" }, "403": error_response("Not allowed"), "409": error_response("Too late, already extended or closed"), "422": error_response("No reasons") } } },
            "/api/v1/staff/requests/{id}/refuse": { "post": { "summary": "Refuse, with the reason and the right to complain sent to the person", "security": auth, "parameters": [id_param()], "requestBody": json_body("ReasonText"),
                "responses": { "200": { "description": "Refused" }, "403": error_response("Not allowed"), "409": error_response("Closed"), "422": error_response("No reason") } } },
            "/api/v1/staff/requests/{id}/complete": { "post": { "summary": "Complete: access/portability/ccpa_know build and send the export; erasure/ccpa_delete erase and send the signed receipt; other kinds need a note", "security": auth, "parameters": [id_param()], "requestBody": json_body("Note"),
                "responses": { "200": { "description": "Completed" }, "403": error_response("Not allowed"), "409": error_response("Not confirmed yet, or closed") } } },
            "/api/v1/staff/disclosures": { "post": { "summary": "Record a disclosure to a declared recipient (the person is told beforehand unless a legal reason is recorded)", "security": auth, "requestBody": json_body("Disclosure"),
                "responses": { "201": { "description": "Recorded" }, "403": error_response("Not allowed"), "404": error_response("No such person"), "422": error_response("Undeclared recipient or missing basis") } } },
            "/api/v1/orgs": {
                "get": { "summary": "My organisations (a personal workspace is created on first use)", "security": auth, "responses": { "200": { "description": "Organisations" }, "401": error_response("Not signed in") } },
                "post": { "summary": "Create an organisation", "security": auth, "requestBody": json_body("NewOrg"), "responses": { "201": { "description": "Created" }, "401": error_response("Not signed in"), "422": error_response("Invalid name") } }
            },
            "/api/v1/orgs/{id}/members": { "get": { "summary": "Members of an organisation", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "Members" }, "401": error_response("Not signed in"), "404": error_response("Not a member") } } },
            "/api/v1/orgs/{id}/members/{member}": { "delete": { "summary": "Remove a member, or leave", "security": auth,
                "parameters": [id_param(), { "name": "member", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
                "responses": { "204": { "description": "Removed" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Last owner") } } },
            "/api/v1/orgs/{id}/invitations": {
                "get": { "summary": "Invitations of an organisation, without their tokens (owners, admins)", "security": auth, "parameters": [id_param()],
                    "responses": { "200": { "description": "Invitations" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } },
                "post": { "summary": "Create a single-use invitation link, optionally for one email address (owners, admins)", "security": auth, "parameters": [id_param()],
                "requestBody": json_body("NewInvitation"),
                "responses": { "201": { "description": "Invitation; its token is shown once and travels in the link's fragment" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid") } } },
            "/api/v1/orgs/{id}/invitations/{invitation}": { "delete": { "summary": "Revoke an unused invitation (owners, admins)", "security": auth,
                "parameters": [id_param(), { "name": "invitation", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } }],
                "responses": { "204": { "description": "Revoked" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "409": error_response("Already used or revoked") } } },
            "/api/v1/invitations/accept": { "post": { "summary": "Join the organisation of an invitation", "security": auth, "requestBody": json_body("AcceptInvitation"),
                "responses": { "200": { "description": "Joined" }, "401": error_response("Not signed in"), "422": error_response("Invalid or expired") } } },
            "/api/v1/boards": {
                "get": { "summary": "Boards of my organisations", "security": auth, "responses": { "200": { "description": "Boards" }, "401": error_response("Not signed in") } },
                "post": { "summary": "Create a board", "security": auth, "requestBody": json_body("NewBoard"),
                          "responses": { "201": { "description": "Board" }, "401": error_response("Not signed in"), "404": error_response("No such organisation"), "422": error_response("Invalid") } }
            },
            "/api/v1/boards/{id}": {
                "get": { "summary": "A board and the cards I may see (authors left out on anonymous boards)", "security": auth, "parameters": [id_param()],
                         "responses": { "200": { "description": "Board" }, "401": error_response("Not signed in"), "404": error_response("Not found (also for other organisations' boards)") } },
                "delete": { "summary": "Delete the board and everything on it (facilitators)", "security": auth, "parameters": [id_param()],
                            "responses": { "204": { "description": "Deleted" }, "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found") } },
                "patch": { "summary": "Title, legend, lock, controlled and anonymous modes, votes per person (facilitators)", "security": auth, "parameters": [id_param()],
                           "requestBody": json_body("BoardPatch"),
                           "responses": { "200": { "description": "Board" }, "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found"), "422": error_response("Invalid") } }
            },
            "/api/v1/boards/{id}/export": { "get": { "summary": "Export as JSON or CSV (facilitators)", "security": auth,
                "parameters": [id_param(), { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["json", "csv"] } }],
                "responses": { "200": { "description": "Export" }, "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found"), "422": error_response("Unknown format") } } },
            "/api/v1/boards/{id}/cards": { "post": { "summary": "Add a card: JSON {kind: text|link, …}, or multipart (kind = image|video, file, text, x, y)", "security": auth, "parameters": [id_param()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewCard" } },
                    "multipart/form-data": { "schema": { "type": "object", "properties": { "kind": { "type": "string", "enum": ["image", "video"] }, "file": { "type": "string", "format": "binary" }, "text": { "type": "string" }, "x": { "type": "integer" }, "y": { "type": "integer" } } } } } },
                "responses": { "201": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "413": error_response("Too large"),
                               "415": error_response("Not an image or video (by content)"), "422": error_response("Invalid or board locked") } } },
            "/api/v1/boards/{id}/ws": { "get": { "summary": "WebSocket: a snapshot or a replay (?since=seq), then changes in sequence order and presence", "security": auth,
                "parameters": [id_param(), { "name": "since", "in": "query", "schema": { "type": "integer" } }],
                "responses": { "101": { "description": "Switching protocols" }, "401": error_response("Not signed in"), "403": error_response("Cross-site origin"), "404": error_response("Not found") } } },
            "/api/v1/cards/{id}": {
                "get": { "summary": "One card as I see it", "security": auth, "parameters": [id_param()],
                         "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("No such card visible to me") } },
                "patch": { "summary": "Change a card; fields left out stay; last writer wins per field (author, facilitators)", "security": auth, "parameters": [id_param()],
                           "requestBody": json_body("CardPatch"),
                           "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid or locked") } },
                "delete": { "summary": "Delete a card (author, facilitators)", "security": auth, "parameters": [id_param()],
                            "responses": { "204": { "description": "Deleted" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Locked") } }
            },
            "/api/v1/cards/{id}/approve": { "post": { "summary": "Publish a pending card (facilitators)", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found") } } },
            "/api/v1/cards/{id}/like": {
                "put": { "summary": "Like", "security": auth, "parameters": [id_param()], "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Locked or pending") } },
                "delete": { "summary": "Unlike", "security": auth, "parameters": [id_param()], "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Locked or pending") } }
            },
            "/api/v1/cards/{id}/votes": {
                "post": { "summary": "Add one dot vote (within the board's votes per person)", "security": auth, "parameters": [id_param()], "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("No votes left, locked or pending") } },
                "delete": { "summary": "Take back one vote", "security": auth, "parameters": [id_param()], "responses": { "200": { "description": "Card" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("No vote to take back") } }
            },
            "/api/v1/cards/{id}/comments": { "post": { "summary": "Comment on a card", "security": auth, "parameters": [id_param()], "requestBody": json_body("NewComment"),
                "responses": { "201": { "description": "Comment" }, "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Invalid or locked") } } },
            "/api/v1/cards/{id}/media": { "get": { "summary": "A card's image or video (decrypted; nosniff, sandboxed)", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "Media" }, "401": error_response("Not signed in"), "404": error_response("Not found") } } },
            "/api/v1/comments/{id}": { "delete": { "summary": "Delete a comment (author, facilitators)", "security": auth, "parameters": [id_param()],
                "responses": { "204": { "description": "Deleted" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } } },
            "/api/v1/boards/{id}/join-code": { "post": { "summary": "Give the board a new join code; the old one stops working (facilitators)", "security": auth, "parameters": [id_param()],
                "responses": { "200": { "description": "The new code and link" }, "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found") } } },
            "/api/v1/join": { "post": { "summary": "Join a board by code with a pseudonym, without an account", "requestBody": json_body("Join"),
                "responses": { "201": { "description": "Participant session" }, "404": error_response("No board has this code"), "422": error_response("Invalid pseudonym"), "429": error_response("Rate limited") } } },
            "/api/v1/participants/me": { "delete": { "summary": "Leave the board and erase everything I posted (participants)", "security": auth,
                "responses": { "204": { "description": "Erased" }, "401": error_response("Not signed in"), "404": error_response("Not a participant") } } },
            "/api/v1/staff/accounts/{id}": { "get": { "summary": "Open an account, for a reason (audited)", "security": auth,
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } },
                    { "name": "reason", "in": "query", "required": true, "schema": { "$ref": "#/components/schemas/Reason" } }
                ],
                "responses": { "200": ok("Profile", "Profile"), "401": error_response("Not signed in"), "403": error_response("Not staff, reason not allowed, or training expired"),
                               "404": error_response("No such account"), "422": error_response("Missing reason") } } }
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

/// The route of the document itself.
pub fn routes() -> axum::Router<crate::platform::state::AppState> {
    axum::Router::new().route("/api/v1/openapi.json", axum::routing::get(document))
}
