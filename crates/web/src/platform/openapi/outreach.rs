//! The paths and schemas of the outreach API in the OpenAPI document: newsletter subscriptions
//! (public) and the staff campaigns (routes in `business::newsletter` and
//! `business::campaigns_api`). The newsletter's confirmation and unsubscribe are pages, not
//! API operations.

use serde_json::{Value, json};

use super::build::{auth, error_response, id_param, json_body, no_content, ok};

pub fn paths() -> Value {
    let auth = auth();
    let optional = |schema: &str| json!({ "required": false, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    json!({
        "/api/v1/newsletter/subscriptions": { "post": { "summary": "Subscribe to the news, event invitations or phone calls (double opt-in: a link to confirm is emailed; nothing else is sent before it is confirmed). The answer is the same whether or not the address is known.",
            "requestBody": json_body("NewsletterSubscription"),
            "responses": { "202": ok("Received", "Received"), "422": error_response("Invalid subscription"), "429": error_response("Too many attempts") } } },
        "/api/v1/staff/campaigns": {
            "get": { "summary": "Every campaign with its progress (marketing staff, admin)", "security": auth,
                     "responses": { "200": ok("Campaigns", "Campaigns"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired") } },
            "post": { "summary": "Write a campaign for a list, in Markdown, with an optional French variant (marketing staff, admin)", "security": auth,
                      "requestBody": json_body("NewCampaign"),
                      "responses": { "201": ok("Created", "Written"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"), "422": error_response("Invalid campaign") } }
        },
        "/api/v1/staff/campaigns/{id}": { "get": { "summary": "A campaign's status and progress: sent, skipped (no consent at send time), failed, interrupted (never sent again)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("CampaignStatus", "Status"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"), "404": error_response("No such campaign") } } },
        "/api/v1/staff/campaigns/{id}/preview": { "get": { "summary": "The message as rendered (HTML and plain text) in a language", "security": auth,
            "parameters": [id_param(), { "name": "lang", "in": "query", "required": false, "schema": { "enum": ["en", "fr"] } }],
            "responses": { "200": ok("CampaignPreview", "Preview"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"), "404": error_response("No such campaign") } } },
        "/api/v1/staff/campaigns/{id}/test": { "post": { "summary": "Send the campaign to one's own address, marked as a test", "security": auth, "parameters": [id_param()], "requestBody": optional("CampaignTest"),
            "responses": { "204": no_content("Sent"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"), "404": error_response("No such campaign") } } },
        "/api/v1/staff/call-list": { "get": { "summary": "The phone-marketing call list: numbers of those who consent, now, to be called (marketing staff, admin; each person's entry is audited)", "security": auth,
            "responses": { "200": ok("CallList", "Call list"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired") } } },
        "/api/v1/staff/campaigns/{id}/send": { "post": { "summary": "Send now (a rate-limited, resumable job; each recipient's consent is read at send time) or schedule for `at`", "security": auth, "parameters": [id_param()], "requestBody": optional("CampaignSend"),
            "responses": { "202": ok("CampaignStatus", "Started or scheduled"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"), "404": error_response("No such campaign"), "409": error_response("Being sent or sent"), "422": error_response("Invalid time") } } }
    })
}

/// What the operations read and answer.
pub fn schemas() -> Value {
    let nullable = json!({ "type": ["string", "null"] });
    json!({
        "NewsletterSubscription": {
            "type": "object", "additionalProperties": false, "required": ["email"],
            "properties": {
                "email": { "type": "string", "maxLength": 254 },
                "lang": { "enum": ["en", "fr"] },
                "lists": { "type": "array", "items": { "enum": ["newsletter", "event_invitations", "phone"] } },
                "phone": { "type": "string", "description": "Only with the `phone` list: a number is kept only with that consent" }
            }
        },
        "NewCampaign": {
            "type": "object", "additionalProperties": false, "required": ["list", "subject", "body_markdown"],
            "properties": {
                "list": { "enum": ["newsletter", "event_invitations"] }, "subject": { "type": "string" }, "body_markdown": { "type": "string" },
                "subject_fr": { "type": "string" }, "body_markdown_fr": { "type": "string" }
            }
        },
        "CampaignTest": { "type": "object", "additionalProperties": false, "properties": { "lang": { "enum": ["en", "fr"] } } },
        "CampaignSend": { "type": "object", "additionalProperties": false, "properties": { "at": { "type": "string", "format": "date-time" } } },
        "CampaignStatus": {
            "type": "object",
            "required": ["id", "list", "subject", "status", "sent", "skipped", "failed", "interrupted", "created_at", "scheduled_at", "started_at", "finished_at"],
            "properties": {
                "id": { "type": "string" }, "list": { "type": "string" }, "subject": { "type": "string" },
                "status": { "enum": ["draft", "scheduled", "sending", "sent"] },
                "sent": { "type": "integer" }, "skipped": { "type": "integer" }, "failed": { "type": "integer" }, "interrupted": { "type": "integer" },
                "created_at": { "type": "string" }, "scheduled_at": nullable, "started_at": nullable, "finished_at": nullable
            }
        },
        "Campaigns": { "type": "object", "required": ["campaigns"], "properties": { "campaigns": { "type": "array", "items": { "$ref": "#/components/schemas/CampaignStatus" } } } },
        "CallList": { "type": "object", "required": ["entries"], "properties": { "entries": { "type": "array", "items": { "type": "object", "required": ["phone", "lang"], "properties": { "phone": { "type": "string" }, "lang": { "type": "string" } } } } } },
        "CampaignPreview": { "type": "object", "required": ["subject", "html", "text"], "properties": { "subject": { "type": "string" }, "html": { "type": "string" }, "text": { "type": "string" } } }
    })
}
