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

/// The document.
pub fn spec() -> Value {
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
                        "locale": { "type": ["string", "null"], "enum": ["en", "fr", null] }
                    }
                },
                "SignIn": {
                    "type": "object", "additionalProperties": false, "required": ["email", "password"],
                    "properties": { "email": { "type": "string" }, "password": { "type": "string" } }
                },
                "Session": {
                    "type": "object",
                    "required": ["token", "token_type", "subject_id", "region", "idle_timeout_seconds", "absolute_timeout_seconds"],
                    "properties": {
                        "token": { "type": "string" }, "token_type": { "type": "string", "const": "Bearer" },
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
                "responses": { "201": ok("Profile", "Created"), "400": error_response("Malformed JSON"), "409": error_response("Email taken"),
                               "413": error_response("Too large"), "415": error_response("Not JSON"), "422": error_response("Invalid input or under 16"), "429": error_response("Rate limited") } } },
            "/api/v1/sessions": {
                "post": { "summary": "Sign in (a new token every time)", "requestBody": json_body("SignIn"),
                          "responses": { "201": ok("Session", "Signed in"), "400": error_response("Malformed JSON"), "401": error_response("Wrong email or password"),
                                         "415": error_response("Not JSON"), "422": error_response("Invalid body"), "429": error_response("Rate limited") } },
                "get": { "summary": "My live sessions", "security": auth, "responses": { "200": ok("Sessions", "Sessions"), "401": error_response("Not signed in") } },
                "delete": { "summary": "Sign out everywhere", "security": auth, "responses": { "200": ok("Revoked", "Signed out"), "401": error_response("Not signed in") } }
            },
            "/api/v1/sessions/current": { "delete": { "summary": "Sign out", "security": auth,
                "responses": { "204": { "description": "Signed out" }, "401": error_response("Not signed in") } } },
            "/api/v1/me": {
                "get": { "summary": "My profile", "security": auth, "responses": { "200": ok("Profile", "Profile"), "401": error_response("Not signed in") } },
                "patch": { "summary": "Change my profile", "security": auth, "requestBody": json_body("ProfileChange"),
                           "responses": { "200": ok("Profile", "Profile"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong current password"),
                                          "409": error_response("Email taken"), "415": error_response("Not JSON"), "422": error_response("Invalid input") } },
                "delete": { "summary": "Delete my account (destroys my key first)", "security": auth, "requestBody": json_body("DeleteMe"),
                            "responses": { "200": ok("Deleted", "Deleted"), "400": error_response("Malformed JSON"), "401": error_response("Not signed in or wrong password"),
                                           "415": error_response("Not JSON"), "422": error_response("Invalid body") } }
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
