//! The pieces every part of the OpenAPI document is made of: an error answer, a JSON body, a
//! success answer with its schema, ids in paths, the security of signed-in operations, the
//! `Error` schema (its `code` an enum generated from the error catalogue), and the answers
//! every operation of a kind can give.

use clearboard_core::platform::error_codes::ErrorCode;
use serde_json::{Map, Value, json};

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// An error answer: the catalogue's JSON.
pub fn error_response(desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema_ref("Error") } } })
}

/// A required JSON request body of the component schema `schema`.
pub fn json_body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema_ref(schema) } } })
}

/// A success answer whose JSON body is the component schema `schema`.
pub fn ok(schema: &str, desc: &str) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema_ref(schema) } } })
}

/// A success answer of bytes, in one of `types`.
pub fn bytes(desc: &str, types: &[&str]) -> Value {
    let content: Map<String, Value> =
        types.iter().map(|t| (t.to_string(), json!({ "schema": { "type": "string", "format": "binary" } }))).collect();
    json!({ "description": desc, "content": content })
}

/// A success answer without a body (204).
pub fn no_content(desc: &str) -> Value {
    json!({ "description": desc })
}

/// A path parameter holding a canonical UUID.
pub fn uuid_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } })
}

/// The `{id}` path parameter.
pub fn id_param() -> Value {
    uuid_param("id")
}

/// The security of operations for signed-in people: a bearer token or the session cookie.
pub fn auth() -> Value {
    json!([{ "bearer": [] }, { "cookie": [] }])
}

/// The schema of every error answer; `code` lists the whole catalogue.
pub fn error_schema() -> Value {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let by_status: Vec<String> = ErrorCode::ALL.iter().map(|c| format!("`{}` {}", c.as_str(), c.status())).collect();
    json!({
        "type": "object", "required": ["error"], "additionalProperties": false,
        "properties": { "error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": false,
            "properties": {
                "code": { "type": "string", "enum": codes, "description": format!("A stable code of the error catalogue; each has one status: {}.", by_status.join(", ")) },
                "message": { "type": "string", "description": "What went wrong, for people, in English or French (`?lang=`, else `Accept-Language`)." },
                "detail": { "type": "string", "description": "The rule or bound that failed, when there is one (never for 5xx; never a value that was sent)." },
                "field": { "type": "string", "description": "The field at fault, for input errors." },
                "organisations": { "type": "array", "description": "With `organisation_choice_required`: the organisations to choose for (ids and names, the organisation's).",
                    "items": { "type": "object", "required": ["id", "name"], "additionalProperties": false,
                               "properties": { "id": { "type": "string" }, "name": { "type": "string" } } } },
                "request_id": { "type": "string", "description": "Also in the `x-request-id` header and in the logs: give it to support." }
            }
        } }
    })
}

/// The answers every operation of a kind can give, added where an operation does not already
/// describe them: a JSON body can be malformed (400), of the wrong content type (415), too
/// large (413) or invalid (422); a query string can be malformed (400); a secured operation
/// can meet no session (401) or a person who has not acknowledged the latest significant
/// policy version (428).
pub fn add_common_responses(doc: &mut Value) {
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
