//! The paths and schemas of the support desk's API in the OpenAPI document (routes in
//! `business::support_api`): the contact request from anyone, the private link, the
//! signed-in requester's tickets, and the staff desk.

use serde_json::{Value, json};

use super::build::{auth, error_response, id_param, json_body, ok};

pub fn paths() -> Value {
    let auth = auth();
    let reason = json!({ "name": "reason", "in": "query", "required": true, "schema": { "type": "string", "enum": ["support_request", "rights_request"] } });
    let message = json!({ "name": "message", "in": "path", "required": true, "schema": { "type": "string" }, "description": "the id of the message the attachment came with" });
    let bin = json!({ "schema": { "type": "string", "format": "binary" } });
    let file = |what: &str| json!({ "description": what, "content": { "image/jpeg": bin, "image/png": bin, "image/webp": bin } });
    let status = json!({ "name": "status", "in": "query", "schema": { "type": "string", "enum": ["open", "waiting", "closed", "all"] } });
    json!({
        "/api/v1/support/requests": { "post": { "summary": "A message for the support desk from anyone (no account needed): names, email, optional phone, subject, message, optional screenshot (sniffed, metadata and GPS removed, encrypted). The answer is the same for every address; an acknowledgement with a private link (its token in the URL fragment) is emailed. `topic: privacy` writes to the privacy contact: a message asking for a right also becomes a rights request.",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SupportRequest" } },
                "multipart/form-data": { "schema": { "type": "object", "properties": { "first_name": { "type": "string" }, "last_name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" }, "subject": { "type": "string" }, "message": { "type": "string" }, "lang": { "type": "string" }, "topic": { "type": "string" }, "attachment": { "type": "string", "format": "binary" } } } } } },
            "responses": { "202": ok("SupportReceived", "Received (the same answer for every address)"), "413": error_response("Too large"), "415": error_response("The attachment is not a PNG, JPEG or WebP image (by content)"), "422": error_response("Invalid"), "429": error_response("Rate limited") } } },
        "/api/v1/support/ticket": { "post": { "summary": "The ticket a private link opens (the token in the body, never the URL)", "requestBody": json_body("SupportToken"),
            "responses": { "200": ok("SupportTicket", "The ticket and its thread"), "410": error_response("The link is invalid or no longer works (`link_invalid`)") } } },
        "/api/v1/support/ticket/replies": { "post": { "summary": "The requester answers through the private link (reopens the ticket)", "requestBody": json_body("SupportTokenReply"),
            "responses": { "200": ok("SupportTicket", "The ticket and its thread"), "410": error_response("The link is invalid or no longer works"), "415": error_response("Not an image"), "422": error_response("Invalid message") } } },
        "/api/v1/support/ticket/attachment": { "post": { "summary": "Download an attachment of the ticket a private link opens (token and message id in the body, never the URL)", "requestBody": json_body("SupportTokenFile"),
            "responses": { "200": file("The attachment (`Content-Disposition: attachment`)"), "404": error_response("No such attachment"), "410": error_response("The link is invalid or no longer works") } } },
        "/api/v1/me/support/tickets/{id}/attachments/{message}": { "get": { "summary": "Download an attachment of one of my tickets", "security": auth, "parameters": [id_param(), message.clone()],
            "responses": { "200": file("The attachment"), "401": error_response("Not signed in"), "404": error_response("Not found") } } },
        "/api/v1/staff/support/tickets/{id}/attachments/{message}": { "get": { "summary": "Open an attachment for a reason: written, allowed or refused, to the requester's audit trail", "security": auth, "parameters": [id_param(), message, reason.clone()],
            "responses": { "200": file("The attachment"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("No reason") } } },
        "/api/v1/me/support/tickets": { "get": { "summary": "My support tickets (written signed in or from my account's address), newest first", "security": auth,
            "responses": { "200": ok("SupportTickets", "Tickets"), "401": error_response("Not signed in") } } },
        "/api/v1/me/support/tickets/{id}": { "get": { "summary": "One of my tickets with its thread", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("SupportTicket", "The ticket and its thread"), "401": error_response("Not signed in"), "404": error_response("Not found") } } },
        "/api/v1/me/support/tickets/{id}/replies": { "post": { "summary": "Answer one of my tickets", "security": auth, "parameters": [id_param()], "requestBody": json_body("SupportMessageBody"),
            "responses": { "200": ok("SupportTicket", "The ticket and its thread"), "401": error_response("Not signed in"), "404": error_response("Not found"), "422": error_response("Invalid") } } },
        "/api/v1/staff/support/tickets": { "get": { "summary": "The support queue (no personal data): open tickets first, soonest due first, with the date each closed ticket is erased (staff with current training)", "security": auth, "parameters": [status],
            "responses": { "200": ok("SupportTickets", "Tickets"), "401": error_response("Not signed in"), "403": error_response("Not staff, or training out of date (refusal audited)"), "422": error_response("Unknown status") } } },
        "/api/v1/staff/support/tickets/{id}": {
            "get": { "summary": "Open a ticket for a reason: written, allowed or refused, to the requester's audit trail", "security": auth, "parameters": [id_param(), reason],
                "responses": { "200": ok("SupportTicket", "The ticket and its thread"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("No reason") } },
            "patch": { "summary": "Change a ticket's status (open, waiting, closed) or take it", "security": auth, "parameters": [id_param()], "requestBody": json_body("SupportTicketPatch"),
                "responses": { "200": ok("SupportTicketSummary", "The ticket"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("Not found"), "422": error_response("Invalid") } }
        },
        "/api/v1/staff/support/tickets/{id}/replies": { "post": { "summary": "Answer a ticket by email (with its reference), in the thread; `canned` sends a canned answer in the requester's language", "security": auth, "parameters": [id_param()], "requestBody": json_body("SupportStaffReply"),
            "responses": { "201": ok("SupportTicket", "The ticket and its thread"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("Invalid") } } },
        "/api/v1/staff/support/canned": { "get": { "summary": "The canned answers, in English and French", "security": auth,
            "responses": { "200": ok("SupportCannedList", "Canned answers"), "401": error_response("Not signed in"), "403": error_response("Not allowed") } } }
    })
}

pub fn schemas() -> Value {
    let s = json!({ "type": "string" });
    let ns = json!({ "type": ["string", "null"] });
    json!({
        "SupportRequest": {
            "type": "object", "additionalProperties": false, "required": ["first_name", "last_name", "email", "subject", "message"],
            "properties": {
                "first_name": { "type": "string", "maxLength": 100 }, "last_name": { "type": "string", "maxLength": 100 },
                "email": { "type": "string", "format": "email" }, "phone": ns, "subject": { "type": "string", "maxLength": 200 },
                "message": { "type": "string", "maxLength": 10000 }, "lang": { "enum": ["en", "fr", null] }, "topic": { "enum": ["general", "privacy", "", null] },
                "attachment_base64": { "type": ["string", "null"], "description": "A PNG, JPEG or WebP image, rebuilt without its metadata and encrypted" }
            }
        },
        "SupportReceived": {
            "type": "object", "required": ["status", "message"], "additionalProperties": false,
            "description": "The one answer to every accepted message, whatever the address.",
            "properties": { "status": { "type": "string", "const": "received" }, "message": s }
        },
        "SupportToken": { "type": "object", "additionalProperties": false, "required": ["token"], "properties": { "token": s } },
        "SupportTokenReply": { "type": "object", "additionalProperties": false, "required": ["token", "message"], "properties": { "token": s, "message": s, "attachment_base64": ns } },
        "SupportTokenFile": { "type": "object", "additionalProperties": false, "required": ["token", "message_id"], "properties": { "token": s, "message_id": s } },
        "SupportMessageBody": { "type": "object", "additionalProperties": false, "required": ["message"], "properties": { "message": s } },
        "SupportStaffReply": { "type": "object", "additionalProperties": false, "properties": { "body": ns, "canned": ns } },
        "SupportTicketPatch": { "type": "object", "additionalProperties": false, "properties": { "status": { "enum": ["open", "waiting", "closed", null] }, "assign_to_me": { "type": ["boolean", "null"] } } },
        "SupportMessage": {
            "type": "object", "additionalProperties": false, "required": ["id", "author", "channel", "at", "text", "attachment_type"],
            "properties": { "id": s, "author": { "enum": ["requester", "staff"] }, "channel": s, "at": { "type": "string", "format": "date-time" }, "text": s, "attachment_type": ns }
        },
        "SupportTicket": {
            "type": "object", "additionalProperties": false,
            "required": ["id", "reference", "status", "topic", "channel", "title", "first_name", "last_name", "email", "phone", "lang", "created_at", "updated_at", "due_at", "closed_at", "rights_request_id", "messages"],
            "properties": {
                "id": s, "reference": s, "status": { "enum": ["open", "waiting", "closed"] }, "topic": { "enum": ["general", "privacy"] }, "channel": s,
                "title": s, "first_name": s, "last_name": s, "email": s, "phone": ns, "lang": { "enum": ["en", "fr"] },
                "created_at": s, "updated_at": s, "due_at": ns, "closed_at": ns, "rights_request_id": ns,
                "messages": { "type": "array", "items": { "$ref": "#/components/schemas/SupportMessage" } }
            }
        },
        "SupportTicketSummary": {
            "type": "object", "additionalProperties": false,
            "required": ["id", "reference", "status", "topic", "channel", "assigned", "created_at", "updated_at", "due_at", "overdue", "closed_at", "erase_after"],
            "properties": {
                "id": s, "reference": s, "status": { "enum": ["open", "waiting", "closed"] }, "topic": { "enum": ["general", "privacy"] }, "channel": s,
                "assigned": { "type": "boolean" }, "created_at": s, "updated_at": s, "due_at": ns, "overdue": { "type": "boolean" }, "closed_at": ns,
                "erase_after": { "type": ["string", "null"], "description": "When the retention rule erases this closed ticket with its key" }
            }
        },
        "SupportTickets": { "type": "object", "required": ["tickets"], "properties": { "tickets": { "type": "array", "items": { "$ref": "#/components/schemas/SupportTicketSummary" } } } },
        "SupportCannedList": {
            "type": "object", "required": ["canned"],
            "properties": { "canned": { "type": "array", "items": { "type": "object", "required": ["id", "en", "fr"], "properties": { "id": s, "en": s, "fr": s } } } }
        }
    })
}
