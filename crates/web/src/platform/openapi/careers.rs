//! The paths and schemas of careers' API in the OpenAPI document (routes in
//! `business::careers_api`): the open posts, an application from anyone, the candidate's
//! private link, and the staff pipeline.

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, ok};

pub fn paths() -> Value {
    let auth = auth();
    let reason = json!({ "name": "reason", "in": "query", "required": true, "schema": { "type": "string", "enum": ["recruitment"] } });
    let lang = json!({ "name": "lang", "in": "query", "schema": { "type": "string", "enum": ["en", "fr"] } });
    let job = json!({ "name": "job", "in": "query", "schema": { "type": "string" } });
    let link = |summary: &str, schema: &str| {
        json!({ "post": { "summary": summary, "requestBody": json_body("CareersToken"),
        "responses": { "200": ok(schema, "Done"), "410": error_response("The link is invalid or no longer works (`link_invalid`)") } } })
    };
    json!({
        "/api/v1/jobs": { "get": { "summary": "The open job posts, newest first", "parameters": [lang], "responses": { "200": ok("Jobs", "Posts"), "422": error_response("Unknown language") } } },
        "/api/v1/jobs/{id}/applications": { "post": { "summary": "An application from anyone (no account needed): names, email, phone, cover letter, the CV as a PDF (typed by its bytes, rewritten without its metadata, encrypted with the applicant's own key) and the optional talent-pool consent (only an explicit yes counts). The answer is the same for every address; an acknowledgement with a private link (its token in the URL fragment) is emailed.",
            "parameters": [id_param()],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["first_name", "last_name", "email", "phone", "cover_letter", "cv"], "properties": { "first_name": { "type": "string" }, "last_name": { "type": "string" }, "email": { "type": "string" }, "phone": { "type": "string" }, "cover_letter": { "type": "string" }, "cv": { "type": "string", "format": "binary" }, "talent_pool": { "type": "string", "enum": ["yes", "no"] }, "lang": { "type": "string", "enum": ["en", "fr"] } } } } } },
            "responses": { "202": ok("CareersReceived", "Received (the same answer for every address)"), "404": error_response("No open post"), "413": error_response("Too large"), "415": error_response("The CV is not a PDF (by its bytes), or the body is not multipart"), "422": error_response("Invalid"), "429": error_response("Rate limited") } } },
        "/api/v1/careers/application": link("The application a private link opens (the token in the body, never the URL)", "Application"),
        "/api/v1/careers/application/export": link("A copy of the application with its CV (base64), through the private link", "ApplicationExport"),
        "/api/v1/careers/application/talent-pool/withdraw": link("Withdraw the talent-pool consent (the application then follows the two-year rule)", "Application"),
        "/api/v1/careers/application/erase": link("Erase the application at once (its key first, then the row and the CV)", "ApplicationErased"),
        "/api/v1/staff/jobs": { "post": { "summary": "Publish a job post (recruiters and admins with current training)", "security": auth, "requestBody": json_body("NewJob"),
            "responses": { "201": ok("Created", "The post's id"), "401": error_response("Not signed in"), "403": error_response("Not a recruiter, or training out of date (audited)"), "422": error_response("Invalid") } } },
        "/api/v1/staff/applications": { "get": { "summary": "The recruitment pipeline (no personal data), with the date each application is erased", "security": auth, "parameters": [job],
            "responses": { "200": ok("Applications", "Applications"), "401": error_response("Not signed in"), "403": error_response("Not a recruiter, or training out of date (audited)") } } },
        "/api/v1/staff/applications/{id}": { "get": { "summary": "Open an application for the reason `recruitment`: written, allowed or refused, to the applicant's audit trail", "security": auth, "parameters": [id_param(), reason.clone()],
            "responses": { "200": ok("Application", "The application"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("No reason") } } },
        "/api/v1/staff/applications/{id}/cv": { "get": { "summary": "Download a CV for the reason `recruitment` (the PDF without its metadata; audited)", "security": auth, "parameters": [id_param(), reason],
            "responses": { "200": bytes("The CV (`attachment`)", &["application/pdf"]), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("No reason") } } },
        "/api/v1/staff/applications/{id}/decision": { "post": { "summary": "A decision (reviewing, interview, offer, rejected), emailed to the candidate in their language", "security": auth, "parameters": [id_param()], "requestBody": json_body("Decision"),
            "responses": { "200": ok("ApplicationSummary", "The application"), "401": error_response("Not signed in"), "403": error_response("Not allowed (audited)"), "404": error_response("Not found"), "422": error_response("Unknown status") } } }
    })
}

pub fn schemas() -> Value {
    let s = json!({ "type": "string" });
    let ns = json!({ "type": ["string", "null"] });
    let summary = json!({
        "type": "object", "required": ["id", "job_id", "status", "talent_pool", "created_at", "last_contact_at", "erase_after"],
        "properties": { "id": s, "job_id": s, "status": { "enum": ["new", "reviewing", "interview", "offer", "rejected"] }, "talent_pool": { "type": "boolean" },
            "created_at": s, "last_contact_at": s, "erase_after": ns }
    });
    let application = json!({
        "type": "object", "required": ["id", "job_id", "job_title", "status", "first_name", "last_name", "email", "cover_letter", "talent_pool", "created_at"],
        "properties": { "id": s, "job_id": s, "job_title": s, "status": s, "first_name": s, "last_name": s, "email": s, "phone": ns, "lang": s,
            "cover_letter": s, "talent_pool": { "type": "boolean" }, "talent_pool_proof": { "type": ["object", "null"] },
            "created_at": s, "updated_at": s, "last_contact_at": s, "erase_after": ns }
    });
    json!({
        "Jobs": { "type": "object", "required": ["jobs"], "properties": { "jobs": { "type": "array", "items": {
            "type": "object", "required": ["id", "title", "description", "status", "created_at"],
            "properties": { "id": s, "title": s, "description": s, "place": ns, "status": s, "created_at": s } } } } },
        "CareersReceived": { "type": "object", "required": ["status", "message"], "additionalProperties": false,
            "description": "The one answer to every accepted application, whatever the address.",
            "properties": { "status": { "type": "string", "const": "received" }, "message": s } },
        "CareersToken": { "type": "object", "required": ["token"], "additionalProperties": false, "properties": { "token": s } },
        "Application": application,
        "ApplicationExport": { "type": "object", "required": ["application", "cv_pdf_base64"], "properties": { "application": { "$ref": "#/components/schemas/Application" }, "cv_pdf_base64": s } },
        "ApplicationErased": { "type": "object", "required": ["erased"], "properties": { "erased": { "type": "integer" } } },
        "NewJob": { "type": "object", "required": ["title"], "additionalProperties": false,
            "properties": { "title": { "type": "string", "maxLength": 200 }, "title_fr": ns, "description": ns, "description_fr": ns, "place": ns } },
        "Applications": { "type": "object", "required": ["applications"], "properties": { "applications": { "type": "array", "items": { "$ref": "#/components/schemas/ApplicationSummary" } } } },
        "ApplicationSummary": summary,
        "Decision": { "type": "object", "required": ["status"], "additionalProperties": false, "properties": { "status": { "enum": ["reviewing", "interview", "offer", "rejected"] } } }
    })
}
