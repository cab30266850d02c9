//! The paths and schemas of the board as a workshop tool in the OpenAPI document: templates,
//! zones, and the PNG and PDF exports (routes in `boards::workshop_api`).

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, ok};

fn zone_param() -> Value {
    json!({ "name": "zone", "in": "path", "required": true, "schema": { "type": "string", "maxLength": 16 } })
}

pub fn paths() -> Value {
    let auth = auth();
    let picture = |kind: &str, mime: &str| {
        json!({ "get": { "summary": format!("The board drawn as {kind} (facilitators): its zones and published cards with their text, colour and category; vote counts only once revealed; authors only on boards that show them. Texts in `?lang=` or the `Accept-Language` language."),
            "security": auth, "parameters": [id_param()],
            "responses": { "200": bytes(&format!("The {kind} (`attachment`)"), &[mime]), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found") } } })
    };
    json!({
        "/api/v1/board-templates": { "get": { "summary": "The templates a board can be made from, with their zones and categories, in the request's language", "security": auth,
            "responses": { "200": ok("Templates", "Templates"), "401": error_response("Not signed in") } } },
        "/api/v1/boards/{id}/zones": { "post": { "summary": "Add a zone (facilitators)", "security": auth, "parameters": [id_param()], "requestBody": json_body("NewZone"),
            "responses": { "201": ok("Board", "The board with its zones"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("Not found"), "422": error_response("Invalid zone, or 24 already") } } },
        "/api/v1/boards/{id}/zones/{zone}": {
            "patch": { "summary": "Rename, move, resize or recolour a zone (facilitators)", "security": auth, "parameters": [id_param(), zone_param()], "requestBody": json_body("ZonePatch"),
                "responses": { "200": ok("Board", "The board with its zones"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("No such zone"), "422": error_response("Invalid") } },
            "delete": { "summary": "Remove a zone; its cards stay where they are (facilitators)", "security": auth, "parameters": [id_param(), zone_param()],
                "responses": { "200": ok("Board", "The board with its zones"), "401": error_response("Not signed in"), "403": error_response("Not a facilitator"), "404": error_response("No such zone") } }
        },
        "/api/v1/boards/{id}/export.png": picture("a PNG image", "image/png"),
        "/api/v1/boards/{id}/export.pdf": picture("a one-page PDF", "application/pdf"),
    })
}

pub fn schemas() -> Value {
    let int = json!({ "type": "integer" });
    json!({
        "Zone": { "type": "object", "additionalProperties": false, "required": ["id", "title", "x", "y", "w", "h", "color"],
            "description": "A named area of the board, drawn behind the cards; a card belongs to the zone holding the point 104 px right of and 40 px below its top-left corner",
            "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "x": int, "y": int, "w": int, "h": int, "color": { "type": "string" } } },
        "NewZone": { "type": "object", "additionalProperties": false, "required": ["title", "x", "y", "w", "h"],
            "properties": { "title": { "type": "string", "maxLength": 60 }, "x": int, "y": int, "w": { "type": "integer", "minimum": 80, "maximum": 20000 },
                            "h": { "type": "integer", "minimum": 80, "maximum": 20000 }, "color": { "type": ["string", "null"], "pattern": "^#[0-9a-fA-F]{6}$" } } },
        "ZonePatch": { "type": "object", "additionalProperties": false, "description": "Only the fields given change.",
            "properties": { "title": { "type": ["string", "null"], "maxLength": 60 }, "x": { "type": ["integer", "null"] }, "y": { "type": ["integer", "null"] },
                            "w": { "type": ["integer", "null"] }, "h": { "type": ["integer", "null"] }, "color": { "type": ["string", "null"] } } },
        "Templates": { "type": "object", "required": ["templates"], "properties": { "templates": { "type": "array", "items": { "type": "object",
            "required": ["id", "name", "description", "zones", "categories"],
            "properties": { "id": { "type": "string", "enum": ["retrospective", "swot", "brainstorm", "lean_coffee"] }, "name": { "type": "string" }, "description": { "type": "string" },
                            "zones": { "type": "array", "items": { "type": "string" } }, "categories": { "type": "array", "items": { "type": "string" } } } } } } },
    })
}
