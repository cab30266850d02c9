//! The paths and schemas of the integrations' API in the OpenAPI document (routes in
//! `integrations::api`): the person's integrations, disconnecting, the Drive import and its
//! progress.

use serde_json::{Value, json};

use super::build::{auth, error_response, id_param, json_body, ok, uuid_param};

pub fn paths() -> Value {
    let auth = auth();
    let provider = json!({ "name": "provider", "in": "path", "required": true, "schema": { "type": "string", "enum": ["google-drive"] } });
    json!({
        "/api/v1/me/integrations": { "get": { "summary": "The integrations the policy declares, and mine: connected or not, the scopes granted, when connected and last used (C-SCOPE-2)", "security": auth,
            "responses": { "200": ok("Integrations", "Integrations"), "401": error_response("Not signed in") } } },
        "/api/v1/me/integrations/{provider}": { "delete": { "summary": "Disconnect: the grant is revoked at the provider, the tokens deleted (C-3P-1)", "security": auth, "parameters": [provider],
            "responses": { "200": ok("IntegrationDisconnected", "Disconnected (or was not connected)"), "401": error_response("Not signed in"), "404": error_response("No such integration") } } },
        "/api/v1/me/integrations/google-drive/picker-token": { "post": { "summary": "A short-lived Google access token for the Picker in my own browser (drive.file: it shows my Drive and grants access to what I pick); never cached", "security": auth,
            "responses": { "200": ok("PickerToken", "The token and when it expires"), "401": error_response("Not signed in"), "409": error_response("Google Drive is not connected"), "503": error_response("Google failed or did not answer") } } },
        "/api/v1/boards/{id}/imports/google-drive": { "post": { "summary": "Import files picked in Google Drive onto a board: a job; images and videos become cards (metadata and GPS removed, encrypted), documents link cards to the original. Only the ids given are fetched.", "security": auth, "parameters": [id_param()], "requestBody": json_body("DriveImportRequest"),
            "responses": { "202": ok("DriveImport", "The job, queued"), "401": error_response("Not signed in"), "404": error_response("No such board"), "409": error_response("Google Drive is not connected (`integration_not_connected`), or the board is locked"), "422": error_response("Invalid file ids") } } },
        "/api/v1/boards/{id}/imports/google-drive/{import}": { "get": { "summary": "An import's progress and each file's outcome, with words for each failure", "security": auth, "parameters": [id_param(), uuid_param("import")],
            "responses": { "200": ok("DriveImport", "The job"), "401": error_response("Not signed in"), "404": error_response("Not found") } } }
    })
}

pub fn schemas() -> Value {
    let s = json!({ "type": "string" });
    let ns = json!({ "type": ["string", "null"] });
    let n = json!({ "type": "integer", "minimum": 0 });
    json!({
        "Integration": {
            "type": "object", "additionalProperties": false,
            "required": ["id", "name", "provider", "connected", "scopes", "connected_at", "last_used_at", "connect_page"],
            "properties": { "id": s, "name": s, "provider": s, "connected": { "type": "boolean" }, "scopes": { "type": "array", "items": s },
                "connected_at": ns, "last_used_at": ns, "connect_page": s }
        },
        "Integrations": { "type": "object", "additionalProperties": false, "required": ["integrations"], "properties": { "integrations": { "type": "array", "items": { "$ref": "#/components/schemas/Integration" } } } },
        "IntegrationDisconnected": { "type": "object", "additionalProperties": false, "required": ["provider", "disconnected"], "properties": { "provider": s, "disconnected": { "type": "boolean" } } },
        "PickerToken": { "type": "object", "additionalProperties": false, "required": ["access_token", "expires_at"], "properties": { "access_token": s, "expires_at": s } },
        "DriveImportRequest": { "type": "object", "additionalProperties": false, "required": ["file_ids"], "properties": { "file_ids": { "type": "array", "minItems": 1, "maxItems": 50, "items": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$" } } } },
        "DriveImportFile": {
            "type": "object", "additionalProperties": false, "required": ["file_id", "status", "kind", "card_id", "error", "message"],
            "properties": { "file_id": s, "status": { "enum": ["pending", "imported", "failed"] }, "kind": { "enum": ["image", "video", "link", null] },
                "card_id": ns, "error": ns, "message": ns }
        },
        "DriveImport": {
            "type": "object", "additionalProperties": false, "required": ["id", "board_id", "status", "total", "done", "failed", "created_at", "updated_at", "files"],
            "properties": { "id": s, "board_id": s, "status": { "enum": ["queued", "running", "done", "partial", "failed"] }, "total": n, "done": n, "failed": n,
                "created_at": s, "updated_at": s, "files": { "type": "array", "items": { "$ref": "#/components/schemas/DriveImportFile" } } }
        }
    })
}
