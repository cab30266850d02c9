//! The paths and schemas of the programmes' API in the OpenAPI document (routes in
//! `business::programmes_api`): events and trainings, their calendar files, registration
//! from anyone, the private link, and staff (publishing, check-in and attendance lists,
//! certificates, the front desk's visits and badges).

use serde_json::{Map, Value, json};

use super::build::{auth, bytes, error_response, id_param, json_body, no_content, ok, uuid_param};

/// The paths one programme (`events` or `trainings`) shares with the other.
fn programme_paths(plural: &str, title: &str) -> Map<String, Value> {
    let auth = auth();
    let reason = json!({ "name": "reason", "in": "query", "required": true, "schema": { "type": "string", "enum": ["events"] } });
    let list = format!("{title}List");
    let v = json!({
        format!("/api/v1/{plural}"): { "get": { "summary": format!("The {plural} still to come (or undated), with the seats left; no personal data"),
            "responses": { "200": ok(&list, "Sessions") } } },
        format!("/api/v1/{plural}/{{id}}/calendar.ics"): { "get": { "summary": "The session's calendar file (RFC 5545): the session only, never an attendee", "parameters": [uuid_param("id")],
            "responses": { "200": bytes("The calendar file", &["text/calendar"]), "404": error_response("Not found"), "422": error_response("The session has no date yet") } } },
        format!("/api/v1/{plural}/{{id}}/registrations"): { "post": { "summary": "Register (no account needed). The answer is the same for every address; the confirmation link (its token in the URL fragment) is emailed. Rate-limited per client.",
            "parameters": [uuid_param("id")], "requestBody": json_body("ProgrammeRegistrationRequest"),
            "responses": { "202": ok("ProgrammeReceived", "Received (the same answer for every address)"), "404": error_response("No such session"), "422": error_response("Invalid, or the session is over"), "429": error_response("Rate limited") } } },
        format!("/api/v1/{plural}/registration"): { "post": { "summary": "What a private link opens (the token in the body, never the URL)", "requestBody": json_body("ProgrammeToken"),
            "responses": { "200": ok("ProgrammeRegistrationWithSession", "The registration and its session"), "410": error_response("The link is invalid or no longer works") } } },
        format!("/api/v1/{plural}/registration/confirm"): { "post": { "summary": "Confirm from the mailbox: a seat if one is left, else the waiting list; the calendar file's link is emailed", "requestBody": json_body("ProgrammeToken"),
            "responses": { "200": ok("ProgrammeRegistrationWithSession", "The registration and its session"), "410": error_response("The link is invalid or no longer works") } } },
        format!("/api/v1/{plural}/registration/cancel"): { "post": { "summary": "Cancel: the registration is erased at once (key first), and the first on the waiting list takes the seat", "requestBody": json_body("ProgrammeToken"),
            "responses": { "204": no_content("Cancelled and erased"), "410": error_response("The link is invalid or no longer works") } } },
        format!("/api/v1/staff/{plural}"): {
            "get": { "summary": "Every session, for staff (support, marketing, admins with current training); no personal data", "security": auth,
                "responses": { "200": ok(&list, "Sessions"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date") } },
            "post": { "summary": "Publish a session (only free ones: a price other than zero is refused)", "security": auth, "requestBody": json_body("ProgrammeSessionRequest"),
                "responses": { "201": ok("ProgrammeCreated", "Published"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date"), "422": error_response("Invalid") } }
        },
        format!("/api/v1/staff/{plural}/{{id}}/registrations"): { "get": { "summary": "The check-in (or attendance) list, opened for the reason `events`: written, allowed or refused, to each attendee's audit trail", "security": auth, "parameters": [uuid_param("id"), reason],
            "responses": { "200": ok("ProgrammeAttendanceList", "The session and its registrations"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "422": error_response("No reason") } } }
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn paths() -> Value {
    let auth = auth();
    let reason = json!({ "name": "reason", "in": "query", "required": true, "schema": { "type": "string", "enum": ["events"] } });
    let mut m = programme_paths("events", "ProgrammeEvent");
    m.extend(programme_paths("trainings", "ProgrammeTraining"));
    let check_in = |summary: &str| {
        json!({ "post": { "summary": summary, "security": auth, "parameters": [id_param()], "requestBody": json_body("ProgrammePresent"),
            "responses": { "200": ok("ProgrammeRegistration", "The registration"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "404": error_response("Not found"), "409": error_response("Not a registered attendee") } } })
    };
    m.insert(
        "/api/v1/staff/events/registrations/{id}/check-in".into(),
        check_in("Check an attendee in at the door (`present: false` undoes it); in the attendee's trail"),
    );
    m.insert(
        "/api/v1/staff/trainings/registrations/{id}/attendance".into(),
        check_in("The trainer marks an attendee present (or not); in the attendee's trail"),
    );
    let extra = json!({
        "/api/v1/trainings/registration/certificate": { "post": { "summary": "The attendee's certificate of attendance (PDF, English and French), once the trainer marked them present", "requestBody": json_body("ProgrammeToken"),
            "responses": { "200": bytes("The certificate", &["application/pdf"]), "409": error_response("Not marked present"), "410": error_response("The link is invalid or no longer works") } } },
        "/api/v1/staff/trainings/registrations/{id}/certificate": { "get": { "summary": "An attendee's certificate for staff (reason `events`; in the attendee's trail)", "security": auth, "parameters": [id_param(), reason],
            "responses": { "200": bytes("The certificate", &["application/pdf"]), "401": error_response("Not signed in"), "403": error_response("Not allowed (audited)"), "404": error_response("Not found"), "409": error_response("Not marked present"), "422": error_response("No reason") } } },
        "/api/v1/staff/visits": {
            "get": { "summary": "The front desk's visits, newest first, in clear (reason `events`; each visitor's trail records the opening)", "security": auth, "parameters": [reason],
                "responses": { "200": ok("ProgrammeVisits", "Visits"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date (audited)"), "422": error_response("No reason") } },
            "post": { "summary": "Record a visitor's arrival (names, optional phone, host): sealed with the visitor's own key", "security": auth, "requestBody": json_body("ProgrammeVisitRequest"),
                "responses": { "201": ok("ProgrammeVisit", "The visit"), "401": error_response("Not signed in"), "403": error_response("Not allowed, or training out of date"), "422": error_response("Invalid") } }
        },
        "/api/v1/staff/visits/{id}/departure": { "post": { "summary": "Record the departure (the retention period starts)", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("ProgrammeVisit", "The visit"), "401": error_response("Not signed in"), "403": error_response("Not allowed (audited)"), "404": error_response("Not found") } } },
        "/api/v1/staff/visits/{id}/badge": { "get": { "summary": "What the badge shows: names, host, arrival; never the phone", "security": auth, "parameters": [id_param()],
            "responses": { "200": ok("ProgrammeBadge", "The badge"), "401": error_response("Not signed in"), "403": error_response("Not allowed (audited)"), "404": error_response("Not found") } } }
    });
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    Value::Object(m)
}

pub fn schemas() -> Value {
    let s = json!({ "type": "string" });
    let ns = json!({ "type": ["string", "null"] });
    let session = json!({
        "type": "object", "additionalProperties": false,
        "required": ["id", "programme", "title", "description", "starts_at", "ends_at", "place", "online", "capacity", "trainer", "seats_left", "open"],
        "properties": {
            "id": s, "programme": { "enum": ["event", "training"] }, "title": s, "description": ns, "starts_at": ns, "ends_at": ns, "place": ns,
            "online": { "type": "boolean" }, "capacity": { "type": ["integer", "null"] }, "trainer": ns, "seats_left": { "type": ["integer", "null"] }, "open": { "type": "boolean" }
        }
    });
    json!({
        "ProgrammeSession": session,
        "ProgrammeEventList": { "type": "object", "required": ["events"], "properties": { "events": { "type": "array", "items": { "$ref": "#/components/schemas/ProgrammeSession" } } } },
        "ProgrammeTrainingList": { "type": "object", "required": ["trainings"], "properties": { "trainings": { "type": "array", "items": { "$ref": "#/components/schemas/ProgrammeSession" } } } },
        "ProgrammeRegistrationRequest": {
            "type": "object", "additionalProperties": false, "required": ["first_name", "last_name", "email"],
            "properties": {
                "first_name": { "type": "string", "maxLength": 100 }, "last_name": { "type": "string", "maxLength": 100 }, "email": { "type": "string", "format": "email" },
                "phone": { "type": ["string", "null"], "description": "Events only, optional" },
                "postal_address": { "type": ["string", "null"], "description": "Trainings only, required (the certificate is addressed to it)" },
                "lang": { "enum": ["en", "fr", null] },
                "invitations": { "type": ["boolean", "null"], "description": "Events: invite me to future events (outreach's list, double opt-in)" }
            }
        },
        "ProgrammeReceived": {
            "type": "object", "required": ["status", "message"], "additionalProperties": false,
            "description": "The one answer to every accepted registration, whatever the address.",
            "properties": { "status": { "type": "string", "const": "received" }, "message": s }
        },
        "ProgrammeCreated": { "type": "object", "additionalProperties": false, "required": ["id"], "properties": { "id": s } },
        "ProgrammeToken": { "type": "object", "additionalProperties": false, "required": ["token"], "properties": { "token": s } },
        "ProgrammePresent": { "type": "object", "additionalProperties": false, "properties": { "present": { "type": "boolean" } } },
        "ProgrammeRegistration": {
            "type": "object", "additionalProperties": false,
            "required": ["id", "session_id", "state", "first_name", "last_name", "email", "phone", "postal_address", "created_at", "confirmed_at", "checked_in_at"],
            "properties": {
                "id": s, "session_id": s, "state": { "enum": ["pending", "registered", "waiting"] }, "first_name": s, "last_name": s, "email": s,
                "phone": ns, "postal_address": ns, "created_at": s, "confirmed_at": ns, "checked_in_at": ns
            }
        },
        "ProgrammeRegistrationWithSession": {
            "type": "object", "additionalProperties": false, "required": ["session", "registration"],
            "properties": { "session": { "$ref": "#/components/schemas/ProgrammeSession" }, "registration": { "$ref": "#/components/schemas/ProgrammeRegistration" } }
        },
        "ProgrammeAttendanceList": {
            "type": "object", "additionalProperties": false, "required": ["session", "erase_after", "registrations"],
            "properties": {
                "session": { "$ref": "#/components/schemas/ProgrammeSession" },
                "erase_after": { "type": ["string", "null"], "description": "When the retention rule erases these registrations with their keys" },
                "registrations": { "type": "array", "items": { "$ref": "#/components/schemas/ProgrammeRegistration" } }
            }
        },
        "ProgrammeSessionRequest": {
            "type": "object", "additionalProperties": false, "required": ["title"],
            "properties": {
                "title": { "type": "string", "maxLength": 200 }, "description": ns, "starts_at": { "type": ["string", "null"], "format": "date-time" },
                "ends_at": { "type": ["string", "null"], "format": "date-time" }, "place": { "type": ["string", "null"], "description": "A place, or `online`" },
                "capacity": { "type": ["integer", "null"], "minimum": 1 }, "price": { "description": "Only free sessions for now: none or zero" }, "trainer": ns
            }
        },
        "ProgrammeVisitRequest": {
            "type": "object", "additionalProperties": false, "required": ["first_name", "last_name", "host"],
            "properties": { "first_name": s, "last_name": s, "phone": ns, "host": s }
        },
        "ProgrammeVisit": {
            "type": "object", "additionalProperties": false, "required": ["id", "first_name", "last_name", "phone", "host", "arrived_at", "departed_at", "erase_after"],
            "properties": { "id": s, "first_name": s, "last_name": s, "phone": ns, "host": s, "arrived_at": s, "departed_at": ns, "erase_after": ns }
        },
        "ProgrammeVisits": { "type": "object", "required": ["visits"], "properties": { "visits": { "type": "array", "items": { "$ref": "#/components/schemas/ProgrammeVisit" } } } },
        "ProgrammeBadge": {
            "type": "object", "additionalProperties": false, "required": ["first_name", "last_name", "host", "arrived_at"],
            "properties": { "first_name": s, "last_name": s, "host": s, "arrived_at": s }
        }
    })
}
