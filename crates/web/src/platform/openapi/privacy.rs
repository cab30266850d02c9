//! The paths of the privacy API in the OpenAPI document: policy status and history,
//! consents, retention and legal holds, statistics, the privacy centre, exports and imports,
//! rights requests and the staff queue, disclosures, receipts (routes in `privacy::api`,
//! `privacy::rights_api` and `privacy::requests_api`).

use serde_json::{Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, no_content, ok};

pub fn paths() -> Value {
    let auth = auth();
    json!({
        "/api/v1/me/policy": { "get": { "summary": "The policy version and my acknowledgements (allowed while an acknowledgement is due)", "security": auth,
            "responses": { "200": ok("PolicyStatus", "Status"), "401": error_response("Not signed in") } } },
        "/api/v1/me/policy-acknowledgements": { "post": { "summary": "Acknowledge a policy version (C-CHG-2); this is not consent", "security": auth,
            "requestBody": json_body("Acknowledge"),
            "responses": { "201": ok("Acknowledged", "Recorded"), "401": error_response("Not signed in"), "422": error_response("Not the current or required version") } } },
        "/api/v1/policy/versions": { "get": { "summary": "Every published policy version (public)", "responses": { "200": ok("PolicyHistory", "History") } } },
        "/api/v1/staff/retention": { "get": { "summary": "Retention rules, what is due, latest runs, legal holds (staff)", "security": auth,
            "responses": { "200": ok("RetentionStatus", "Status"), "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
        "/api/v1/staff/retention/runs": { "post": { "summary": "Run the retention scheduler now (privacy officer, admin)", "security": auth,
            "responses": { "200": ok("RetentionRuns", "Runs"), "401": error_response("Not signed in"), "403": error_response("Not allowed") } } },
        "/api/v1/staff/legal-holds": {
            "get": { "summary": "Legal holds (staff)", "security": auth, "responses": { "200": ok("Holds", "Holds"), "401": error_response("Not signed in"), "403": error_response("Not staff") } },
            "post": { "summary": "Place a legal hold (privacy officer, admin; audited)", "security": auth, "requestBody": json_body("NewHold"),
                      "responses": { "201": ok("Hold", "Placed"), "401": error_response("Not signed in"), "403": error_response("Not allowed or training expired"),
                                     "404": error_response("No such subject"), "422": error_response("Invalid hold") } }
        },
        "/api/v1/staff/legal-holds/{id}": { "delete": { "summary": "Release a legal hold (privacy officer, admin; audited)", "security": auth,
            "parameters": [id_param()],
            "responses": { "204": no_content("Released"), "401": error_response("Not signed in"), "403": error_response("Not allowed"), "404": error_response("No such hold") } } },
        "/api/v1/me/consents": {
            "get": { "summary": "My choices for consent-based purposes (no record means no)", "security": auth, "responses": { "200": ok("Consents", "Consents"), "401": error_response("Not signed in") } },
            "put": { "summary": "Give or withdraw consent to a purpose (recorded with its proof)", "security": auth, "requestBody": json_body("SetConsent"),
                     "responses": { "200": ok("Consents", "Consents"), "401": error_response("Not signed in"), "422": error_response("Not a consent-based purpose") } }
        },
        "/api/v1/me/consent-record": {
            "get": { "summary": "A visitor's own records, found by this browser's cookies only (cb_consent, cb_aid): recorded cookie choices and page views",
                     "responses": { "200": ok("VisitorRecord", "The visitor's choices and page views (empty without the cookies)") } },
            "delete": { "summary": "Erase this browser's recorded cookie choices and page views, and remove the cookies",
                     "responses": { "200": ok("VisitorErased", "How many records went"), "403": error_response("Cross-site request refused") } }
        },
        "/api/v1/staff/statistics": { "get": { "summary": "Aggregated website statistics (k-anonymous; no rows)", "security": auth,
            "parameters": [{ "name": "days", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 400 } }],
            "responses": { "200": ok("Statistics", "Statistics"), "401": error_response("Not signed in"), "403": error_response("Not staff") } } },
        "/api/v1/me/privacy": { "get": { "summary": "Privacy centre: everything held about me by category, with purposes, legal bases, recipients, retention; consents, exports, requests, disclosures, legal holds, and who accessed my data", "security": auth, "responses": { "200": ok("PrivacyOverview", "Overview"), "401": error_response("Not signed in") } } },
        "/api/v1/me/exports": {
            "get": { "summary": "My exports", "security": auth, "responses": { "200": ok("Exports", "Exports"), "401": error_response("Not signed in") } },
            "post": { "summary": "Start an export of all my data (ZIP: data.json under /privacy/export-schema.json, CSV per category, media, README); built in the background", "security": auth,
                      "responses": { "202": ok("Export", "Queued; poll the Location"), "401": error_response("Not signed in"), "409": error_response("An export is already being prepared") } }
        },
        "/api/v1/me/exports/{id}": { "get": { "summary": "An export's state (queued, running, ready, failed, expired, revoked), with `download_url` while it can be downloaded (24 hours; a plain path that needs my session)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("Export", "Export"), "401": error_response("Not signed in"), "404": error_response("No such export of mine") } } },
        "/api/v1/me/exports/{id}/download": { "get": { "summary": "The ZIP, for its signed-in owner only (session cookie or bearer token; no secret in the URL), for 24 hours after it is ready; signing out everywhere, a password change and erasure revoke it", "security": auth,
            "parameters": [id_param()],
            "responses": { "200": bytes("The archive", &["application/zip"]), "401": error_response("Not signed in"), "404": error_response("No such export of mine"),
                           "409": error_response("Not ready yet, or it failed"), "410": error_response("Expired or revoked (`export_gone`): ask for a new one") } } },
        "/api/v1/me/imports": { "post": { "summary": "Import a clearboard export: its boards and cards are recreated in my personal workspace, all or nothing. The upload (at most 1 GiB) is spooled sealed as it arrives; the archive is read with at most 64 MiB held per import: at most 10,000 files, 255-byte names, 16 MiB for data.json, 50 MiB per other file, 2 GiB in all, compression at most 100:1 per file and overall; overlapping files and archives inside the archive are refused. One import at a time per person.", "security": auth,
            "requestBody": { "required": true, "content": { "application/zip": {}, "multipart/form-data": { "schema": { "type": "object", "properties": { "file": { "type": "string", "format": "binary" } } } } } },
            "responses": { "201": ok("Imported", "Boards and cards created"), "401": error_response("Not signed in"), "409": error_response("Another import of mine is running"),
                           "413": error_response("Over a bound (`payload_too_large` for the upload, `import_too_large` for the archive), with the reason"),
                           "422": error_response("Not a clearboard export, or a malformed or unsafe archive (`import_invalid`), with the reason") } } },
        "/api/v1/requests/{id}/download-code": { "post": { "summary": "For the copy answering an agent's or a parent's access request: email a one-time code (8 digits, 15 minutes, single use) to the address that made the request",
            "parameters": [id_param()],
            "responses": { "202": ok("CodeSent", "Sent"), "404": error_response("No such request with a copy to download"), "410": error_response("The copy expired or was revoked"), "429": error_response("Too many codes") } } },
        "/api/v1/requests/{id}/download": { "post": { "summary": "The copy answering an agent's or a parent's access request, with the emailed code (in the body, never the URL)",
            "parameters": [id_param()], "requestBody": json_body("DownloadCode"),
            "responses": { "200": bytes("The archive", &["application/zip"]), "404": error_response("No such request with a copy to download"),
                           "410": error_response("The copy expired or was revoked"), "422": error_response("Wrong or expired code") } } },
        "/api/v1/receipts/verify": { "post": { "summary": "Check an erasure receipt's signature against this service's published key (/.well-known/clearboard-receipts.json)", "requestBody": json_body("VerifyReceipt"),
            "responses": { "200": ok("ReceiptCheck", "Whether the signature is valid") } } },
        "/api/v1/requests": { "post": { "summary": "A rights request from anyone (access, portability, rectification, erasure, restriction, objection, ccpa_know, ccpa_delete); for oneself, as an agent or as a parent. The answer is the same whether or not the address is known; a link to confirm is emailed.",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RightsRequest" } }, "multipart/form-data": { "schema": { "type": "object" } } } },
            "responses": { "202": ok("Received", "Received"), "409": error_response("A request of this kind for this address is in progress"), "422": error_response("Invalid request"), "429": error_response("Too many attempts") } } },
        "/api/v1/requests/verify": { "post": { "summary": "Confirm a request with the emailed link's token", "requestBody": json_body("Token"),
            "responses": { "200": ok("RequestState", "Confirmed"), "410": error_response("Invalid or expired link") } } },
        "/api/v1/requests/confirm": { "post": { "summary": "The person the request is about confirms it from their own mailbox (needed for an agent's request, and for a parent's request other than erasure)", "requestBody": json_body("Token"),
            "responses": { "200": ok("RequestState", "Confirmed"), "410": error_response("Invalid or expired link") } } },
        "/api/v1/staff/requests": {
            "get": { "summary": "The queue of open requests, soonest due first, with deadlines and overdue flags", "security": auth, "responses": { "200": ok("Queue", "Queue"), "401": error_response("Not signed in"), "403": error_response("Not allowed to work requests") } },
            "post": { "summary": "Enter a request received by email (verified like any other)", "security": auth, "requestBody": json_body("RightsRequest"),
                      "responses": { "201": ok("Created", "Recorded"), "401": error_response("Not signed in"), "403": error_response("Not allowed to work requests"), "422": error_response("Invalid request") } }
        },
        "/api/v1/staff/requests/{id}": { "get": { "summary": "One request with its contact details (access is audited)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("RequestDetail", "Request"), "403": error_response("Not allowed"), "404": error_response("No such request") } } },
        "/api/v1/staff/requests/{id}/document": { "get": { "summary": "Open a request's proof document through the staff gate, for a reason (C-ID-1; audited in the person's trail)", "security": auth,
            "parameters": [id_param(), { "name": "reason", "in": "query", "required": true, "schema": { "$ref": "#/components/schemas/Reason" } }],
            "responses": { "200": bytes("The document as it was sent", &["application/octet-stream"]), "401": error_response("Not signed in"),
                           "403": error_response("Not staff, reason not allowed, or training expired"), "404": error_response("No such request, or its document was deleted when it closed"),
                           "422": error_response("No valid reason") } } },
        "/api/v1/staff/requests/{id}/extend": { "post": { "summary": "Extend the deadline once, with reasons sent to the person, before it passes", "security": auth, "parameters": [id_param()], "requestBody": json_body("ReasonText"),
            "responses": { "200": ok("QueueItem", "Extended"), "403": error_response("Not allowed"), "409": error_response("Too late, already extended or closed"), "422": error_response("No reasons") } } },
        "/api/v1/staff/requests/{id}/refuse": { "post": { "summary": "Refuse, with the reason and the right to complain sent to the person; a CCPA deletion only with one of its two exceptions (C-CCPA-5)", "security": auth, "parameters": [id_param()], "requestBody": json_body("RefuseRequest"),
            "responses": { "200": ok("QueueItem", "Refused"), "403": error_response("Not allowed"), "409": error_response("Closed"), "422": error_response("No reason") } } },
        "/api/v1/staff/requests/{id}/complete": { "post": { "summary": "Complete: access/portability/ccpa_know build and send the export; erasure/ccpa_delete erase and send the signed receipt; other kinds need a note", "security": auth, "parameters": [id_param()], "requestBody": json_body("Note"),
            "responses": { "200": ok("RequestCompleted", "Completed"), "403": error_response("Not allowed"), "409": error_response("Not confirmed yet, or closed") } } },
        "/api/v1/staff/disclosures": { "post": { "summary": "Record a disclosure to a declared recipient (the person is told beforehand unless a legal reason is recorded)", "security": auth, "requestBody": json_body("Disclosure"),
            "responses": { "201": ok("Created", "Recorded"), "403": error_response("Not allowed"), "404": error_response("No such person"), "422": error_response("Undeclared recipient or missing basis") } } }
    })
}
