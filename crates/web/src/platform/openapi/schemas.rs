//! The component schemas of request bodies (what each operation reads), beside the
//! structures of web and core that read them.

use serde_json::{Value, json};

/// Every request body schema, by name.
pub fn requests() -> Value {
    json!({
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
                "on_behalf": { "enum": ["self", "agent", "guardian", "lost_address", "", null] }, "person_email": { "type": ["string", "null"] },
                "document_base64": { "type": ["string", "null"], "description": "An agent's signed permission or a parent's proof (stored encrypted, deleted when the request closes)" },
                "lang": { "enum": ["en", "fr", null] }
            }
        },
        "Token": { "type": "object", "required": ["token"], "properties": { "token": { "type": "string" } } },
        "DownloadCode": { "type": "object", "required": ["code"], "additionalProperties": false, "properties": { "code": { "type": "string", "pattern": "^[0-9]{8}$" } } },
        "ReasonText": { "type": "object", "additionalProperties": false, "properties": { "reason": { "type": "string" } } },
        "RefuseRequest": { "type": "object", "additionalProperties": false, "properties": { "reason": { "type": "string" },
            "exception": { "enum": ["legal_obligation", "needed_to_provide_services"], "description": "Required to refuse a CCPA deletion, and only for one" } } },
        "Note": { "type": "object", "additionalProperties": false, "properties": { "note": { "type": "string" } } },
        "VerifyReceipt": { "type": "object", "required": ["receipt", "signature"], "properties": { "receipt": { "type": "object" }, "signature": { "type": "string" } } },
        "Disclosure": {
            "type": "object", "additionalProperties": false, "required": ["subject_id", "recipient", "legal_basis", "scope"],
            "properties": { "subject_id": { "type": "string", "format": "uuid" }, "recipient": { "type": "string" }, "legal_basis": { "type": "string" }, "scope": { "type": "string" },
                            "contact": { "type": ["string", "null"], "format": "email" }, "withhold_notice_reason": { "type": ["string", "null"] } }
        },
        "Activation": {
            "type": "object", "additionalProperties": false, "required": ["token"],
            "properties": { "token": { "type": "string", "description": "From the `#token=` fragment of the emailed link" } }
        },
        "SignIn": {
            "type": "object", "additionalProperties": false, "required": ["email", "password"],
            "properties": { "email": { "type": "string" }, "password": { "type": "string" } }
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
        "DeleteMe": { "type": "object", "additionalProperties": false, "properties": {
            "password": { "type": "string" },
            "organisations": { "type": "object", "description": "For each organisation I own with other members (by id): pass it on to one of them (`{\"transfer_to\": \"<member id>\"}`) or `\"delete\"` it with its boards (issue 14).",
                "additionalProperties": { "oneOf": [
                    { "type": "string", "enum": ["delete"] },
                    { "type": "object", "required": ["transfer_to"], "additionalProperties": false, "properties": { "transfer_to": { "type": "string" } } }
                ] } } } },
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
        "NewBoard": { "type": "object", "additionalProperties": false, "required": ["title"], "properties": { "title": { "type": "string", "maxLength": 120 }, "org_id": { "type": "string", "format": "uuid" },
            "template": { "type": ["string", "null"], "enum": ["retrospective", "swot", "brainstorm", "lean_coffee", null], "description": "The board starts with the template's zones and categories (GET /api/v1/board-templates)" },
            "lang": { "type": ["string", "null"], "enum": ["en", "fr", null], "description": "The language of the template's zone titles and categories; by default the request's" } } },
        "BoardPatch": { "type": "object", "additionalProperties": false, "description": "Only the fields given change; a field that is absent or null stays as it is.", "properties": {
            "title": { "type": ["string", "null"] }, "locked": { "type": ["boolean", "null"] }, "controlled": { "type": ["boolean", "null"] }, "anonymous": { "type": ["boolean", "null"] },
            "vote_tokens": { "type": ["integer", "null"], "minimum": 0, "maximum": 99 },
            "votes_hidden": { "type": ["boolean", "null"], "description": "true opens a vote whose counts stay hidden (to facilitators too); false reveals them" },
            "legend": { "type": ["array", "null"], "maxItems": 50, "items": { "type": "object", "required": ["id", "name", "color"], "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "color": { "type": "string", "pattern": "^#[0-9a-fA-F]{6}$" } } } } } },
        "NewCard": { "type": "object", "additionalProperties": false, "required": ["kind"], "properties": {
            "kind": { "type": "string", "enum": ["text", "link"] }, "text": { "type": "string", "maxLength": 500 }, "url": { "type": "string", "maxLength": 2048 },
            "x": { "type": "integer" }, "y": { "type": "integer" }, "color": { "type": "string" }, "category": { "type": "string" } } },
        "CardPatch": { "type": "object", "additionalProperties": false, "properties": {
            "base_version": { "type": "integer" }, "text": { "type": "string" }, "url": { "type": "string" }, "x": { "type": "integer" }, "y": { "type": "integer" },
            "color": { "type": "string" }, "category": { "type": ["string", "null"] } } },
        "TimerAction": { "type": "object", "additionalProperties": false, "required": ["action"], "properties": {
            "action": { "type": "string", "enum": ["start", "pause", "resume", "stop"] },
            "seconds": { "type": ["integer", "null"], "minimum": 1, "maximum": 14400, "description": "start only (default 300)" },
            "pause_participation": { "type": ["boolean", "null"], "description": "start only: when it ends, only facilitators can add, edit or vote until they resume" } } },
        "GroupMove": { "type": "object", "additionalProperties": false, "required": ["moves"], "properties": {
            "moves": { "type": "array", "minItems": 1, "maxItems": 500, "items": { "type": "object", "additionalProperties": false, "required": ["card", "x", "y"],
                "properties": { "card": { "type": "string", "format": "uuid" }, "x": { "type": "integer" }, "y": { "type": "integer" } } } } } },
        "NewComment": { "type": "object", "additionalProperties": false, "required": ["text"], "properties": { "text": { "type": "string", "maxLength": 1000 } } },
        "Join": { "type": "object", "additionalProperties": false, "required": ["code", "pseudonym"], "properties": { "code": { "type": "string" }, "pseudonym": { "type": "string", "maxLength": 40 } } },
        "Recover": { "type": "object", "additionalProperties": false, "required": ["code"], "properties": { "code": { "type": "string", "description": "The recovery code shown once at join (in the body, never in a URL)" } } },
        "Acknowledge": { "type": "object", "additionalProperties": false, "required": ["version"], "properties": { "version": { "type": "string" } } },
        "NewHold": {
            "type": "object", "additionalProperties": false, "required": ["subject_id", "category", "reason", "until"],
            "properties": { "subject_id": { "type": "string", "format": "uuid" }, "category": { "type": "string" },
                            "reason": { "type": "string", "maxLength": 500 }, "until": { "type": "string", "format": "date" } }
        }
    })
}
