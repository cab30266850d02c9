//! The component schemas of success bodies (what each operation answers), beside the views
//! of core and the handlers of web that produce them. The suite checks every JSON answer it
//! receives against its operation's schema (`clearboard_testkit::catalogue`).

use serde_json::{Map, Value, json};

const STRING: &str = "string";

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

/// `{ key: [items] }`: the lists the API answers with.
fn list(key: &str, item: &str) -> Value {
    json!({ "type": "object", "required": [key], "properties": { key: { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } } } })
}

/// Every success body schema, by name.
pub fn answers() -> Value {
    let mut all = Map::new();
    for part in [identity(), boards(), privacy()] {
        if let Value::Object(m) = part {
            all.extend(m);
        }
    }
    Value::Object(all)
}

fn identity() -> Value {
    json!({
        "SignUpPending": {
            "type": "object", "required": ["status", "message"],
            "description": "The one answer to every sign-up when mail is configured, whether the address is new or has an account.",
            "properties": { "status": { "type": "string", "const": "pending_activation" }, "message": { "type": "string" } }
        },
        "Activated": { "type": "object", "required": ["activated"], "properties": { "activated": { "type": "boolean", "const": true } } },
        "Session": {
            "type": "object",
            "required": ["token", "token_type", "device_cookie", "subject_id", "region", "idle_timeout_seconds", "absolute_timeout_seconds"],
            "properties": {
                "token": { "type": "string" }, "token_type": { "type": "string", "const": "Bearer" },
                "device_cookie": { "type": "string", "description": "Send it back in `X-Device-Cookie` at later sign-ins: failures elsewhere then never lock this client out (browsers get it as the cb_device cookie)." },
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
        "Deleted": {
            "type": "object", "required": ["deleted", "key_destroyed", "receipt"],
            "properties": { "deleted": { "type": "boolean" }, "key_destroyed": { "type": "boolean" }, "receipt": { "$ref": "#/components/schemas/SignedReceipt" } }
        },
        "PictureSet": { "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } },
        "StaffMe": {
            "type": "object", "required": ["role", "trained_at", "training_current"],
            "properties": { "role": { "type": "string" }, "trained_at": { "type": ["string", "null"] }, "training_current": { "type": "boolean" } }
        },
        "AccountRef": { "type": "object", "required": ["id", "region"], "properties": { "id": { "type": "string", "format": "uuid" }, "region": { "type": "string" } } },
        "SignedReceipt": {
            "type": "object", "required": ["receipt", "signature", "key_id", "algorithm"],
            "description": "Ed25519 over `receipt` serialised as compact JSON with its keys sorted (check it at /api/v1/receipts/verify).",
            "properties": { "receipt": { "type": "object" }, "signature": { "type": "string" }, "key_id": { "type": "string" }, "algorithm": { "type": "string" } }
        },
        "OpenApi": { "type": "object", "required": ["openapi", "info", "paths", "components"], "properties": { "openapi": { "const": "3.1.0" } } }
    })
}

fn boards() -> Value {
    json!({
        "Org": {
            "type": "object", "required": ["id", "name", "personal", "role", "region"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "personal": { "type": "boolean" },
                            "role": { "type": "string", "enum": ["owner", "admin", "member"] }, "region": { "type": "string" } }
        },
        "Orgs": list("orgs", "Org"),
        "Member": {
            "type": "object", "required": ["id", "name", "role", "joined_at"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "name": { "type": "string" }, "role": { "type": "string" }, "joined_at": { "type": "string" } }
        },
        "Members": list("members", "Member"),
        "Invitation": {
            "type": "object", "required": ["id", "role", "status", "bound_to_email", "created_at", "expires_at"],
            "properties": { "id": { "type": "string" }, "role": { "type": "string" }, "status": { "type": "string", "enum": ["pending", "accepted", "revoked", "expired"] },
                            "bound_to_email": { "type": "boolean" }, "created_at": { "type": "string" }, "expires_at": { "type": "string" } }
        },
        "Invitations": list("invitations", "Invitation"),
        "InvitationCreated": {
            "type": "object", "required": ["id", "token", "url", "expires_at", "invitation"],
            "properties": { "id": { "type": "string" }, "token": { "type": "string", "description": "Shown once; it travels in the link's fragment" },
                            "url": { "type": "string" }, "expires_at": { "type": "string" }, "invitation": { "$ref": "#/components/schemas/Invitation" } }
        },
        "BoardSummary": {
            "type": "object", "required": ["id", "org_id", "org_name", "title", "created_at"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "org_id": { "type": "string", "format": "uuid" }, "org_name": { "type": "string" },
                            "title": { "type": "string" }, "created_at": { "type": "string" } }
        },
        "Boards": list("boards", "BoardSummary"),
        "LegendEntry": {
            "type": "object", "required": ["id", "name", "color"],
            "properties": { "id": { "type": "string" }, "name": { "type": "string" }, "color": { "type": "string" } }
        },
        "Board": {
            "type": "object", "required": ["id", "org_id", "title", "legend", "locked", "controlled", "anonymous", "vote_tokens", "votes_hidden", "seq", "created_at", "you"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "org_id": { "type": "string", "format": "uuid" }, "title": { "type": "string" },
                "legend": { "type": "array", "items": { "$ref": "#/components/schemas/LegendEntry" } },
                "locked": { "type": "boolean" }, "controlled": { "type": "boolean" }, "anonymous": { "type": "boolean" },
                "vote_tokens": { "type": "integer" }, "seq": { "type": "integer" }, "created_at": { "type": "string" },
                "votes_hidden": { "type": "boolean", "description": "The vote's counts are hidden until the facilitator reveals them" },
                "timer": { "$ref": "#/components/schemas/Timer" },
                "zones": { "type": "array", "items": { "$ref": "#/components/schemas/Zone" } },
                "join_code": { "type": "string", "description": "Facilitators only" },
                "you": { "type": "object", "required": ["role", "name", "votes_left"],
                         "properties": { "role": { "type": "string" }, "name": { "type": "string" }, "votes_left": { "type": "integer" } } }
            }
        },
        "BoardWithCards": {
            "type": "object", "required": ["board", "cards"],
            "properties": { "board": { "$ref": "#/components/schemas/Board" }, "cards": { "type": "array", "items": { "$ref": "#/components/schemas/Card" } } }
        },
        "BoardExport": {
            "type": "object", "required": ["board", "cards"],
            "properties": {
                "board": { "type": "object", "required": ["id", "title", "legend", "anonymous"],
                           "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "anonymous": { "type": "boolean" },
                                           "legend": { "type": "array", "items": { "$ref": "#/components/schemas/LegendEntry" } },
                                           "zones": { "type": "array", "items": { "$ref": "#/components/schemas/Zone" } } } },
                "cards": { "type": "array", "items": { "type": "object",
                    "required": ["id", "kind", "text", "url", "media_type", "category", "color", "status", "likes", "votes", "position", "created_at", "comments"],
                    "properties": {
                        "id": { "type": "string" }, "kind": { "type": "string" }, "text": { "type": "string" }, "url": nullable(STRING),
                        "media_type": nullable(STRING), "category": nullable(STRING), "color": { "type": "string" }, "status": { "type": "string" },
                        "likes": { "type": "integer" }, "votes": { "type": ["integer", "null"], "description": "null while the vote hides its results" },
                        "position": { "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2 },
                        "created_at": { "type": "string" }, "author": { "type": "string", "description": "Left out on anonymous boards" },
                        "zone": { "type": ["string", "null"], "description": "The id of the zone the card is in (by its position), if any" },
                        "comments": { "type": "array", "items": { "type": "object", "required": ["text", "created_at"],
                            "properties": { "text": { "type": "string" }, "created_at": { "type": "string" }, "author": { "type": "string" } } } }
                    } } }
            }
        },
        "Timer": {
            "type": "object", "description": "The board's countdown by the server's clock; left out when none is set",
            "required": ["running", "remaining_ms", "pause_participation", "participation_paused"],
            "properties": { "running": { "type": "boolean" }, "remaining_ms": { "type": "integer" }, "ends_at": { "type": "string" },
                            "pause_participation": { "type": "boolean" }, "participation_paused": { "type": "boolean" } }
        },
        "Results": {
            "type": "object", "required": ["results"],
            "properties": { "results": { "type": "array", "items": { "type": "object", "required": ["rank", "id", "text", "category", "votes", "likes"],
                "properties": { "rank": { "type": "integer", "minimum": 1 }, "id": { "type": "string", "format": "uuid" }, "text": { "type": "string" }, "url": { "type": "string" },
                                "category": nullable(STRING), "votes": { "type": "integer" }, "likes": { "type": "integer" } } } } }
        },
        "HistoryOutcome": {
            "type": "object", "required": ["action", "cards", "deleted", "skipped", "undo_left", "redo_left"],
            "properties": { "action": { "type": ["string", "null"], "enum": ["create", "edit", "move", "style", "delete", "group_move", null], "description": "null: nothing to undo or redo" },
                            "cards": { "type": "array", "items": { "$ref": "#/components/schemas/CardChanged" } },
                            "deleted": { "type": "array", "items": { "type": "string", "format": "uuid" } },
                            "skipped": { "type": "array", "items": { "type": "string", "format": "uuid" }, "description": "Cards someone else changed since: left as they are" },
                            "undo_left": { "type": "integer" }, "redo_left": { "type": "integer" } }
        },
        "CardsMoved": { "type": "object", "required": ["cards"], "properties": { "cards": { "type": "array", "items": { "$ref": "#/components/schemas/CardChanged" } } } },
        "JoinCode": { "type": "object", "required": ["join_code", "url"], "properties": { "join_code": { "type": "string" }, "url": { "type": "string" } } },
        "Comment": {
            "type": "object", "required": ["id", "card_id", "text", "mine", "created_at"],
            "properties": { "id": { "type": "string", "format": "uuid" }, "card_id": { "type": "string", "format": "uuid" }, "text": { "type": "string" },
                            "author": { "type": "string", "description": "Left out on anonymous boards" }, "mine": { "type": "boolean" }, "created_at": { "type": "string" } }
        },
        "Card": {
            "description": "A card as I see it, with its reactions and comments",
            "allOf": [{ "$ref": "#/components/schemas/CardReacted" }, { "required": ["comments"] }]
        },
        "CardReacted": {
            "description": "A card with its reactions (answers to likes, votes and approvals; comments left out)",
            "allOf": [{ "$ref": "#/components/schemas/CardChanged" }, { "required": ["likes", "liked", "my_votes"] }]
        },
        "CardChanged": {
            "description": "A card's own fields (the answer to a change: reactions and comments are not read)",
            "type": "object",
            "required": ["id", "board_id", "kind", "text", "x", "y", "color", "category", "status", "version", "created_at", "updated_at", "mine"],
            "properties": {
                "id": { "type": "string", "format": "uuid" }, "board_id": { "type": "string", "format": "uuid" },
                "kind": { "type": "string", "enum": ["text", "link", "image", "video"] }, "text": { "type": "string" },
                "url": { "type": "string" }, "media_url": { "type": "string" }, "media_type": { "type": "string" },
                "x": { "type": "integer" }, "y": { "type": "integer" }, "color": { "type": "string" }, "category": nullable(STRING),
                "status": { "type": "string" }, "version": { "type": "integer" }, "created_at": { "type": "string" }, "updated_at": { "type": "string" },
                "author": { "type": "string", "description": "Left out on anonymous boards" },
                "likes": { "type": "integer" }, "votes": { "type": "integer", "description": "Left out while the board's vote hides its results" }, "mine": { "type": "boolean" }, "liked": { "type": "boolean" },
                "my_votes": { "type": "integer" }, "comments": { "type": "array", "items": { "$ref": "#/components/schemas/Comment" } }
            }
        },
        "Participant": {
            "type": "object", "required": ["token", "token_type", "board_id", "participant_id"],
            "properties": { "token": { "type": "string" }, "token_type": { "const": "Bearer" }, "board_id": { "type": "string", "format": "uuid" },
                            "participant_id": { "type": "string", "format": "uuid" } }
        },
        "Joined": {
            "type": "object", "required": ["token", "token_type", "board_id", "participant_id", "recovery_code"],
            "properties": { "token": { "type": "string" }, "token_type": { "const": "Bearer" }, "board_id": { "type": "string", "format": "uuid" },
                            "participant_id": { "type": "string", "format": "uuid" },
                            "recovery_code": { "type": "string", "description": "Shown this once; kept only as a keyed hash. Brings the participant back after their session ended (POST /api/v1/participants/recover)" } }
        },
        "ParticipantContent": {
            "type": "object", "required": ["exported_at", "user_content"],
            "properties": { "exported_at": { "type": "string" },
                            "user_content": { "type": "object", "required": ["cards", "comments", "likes", "votes", "participant"],
                                "properties": { "cards": { "type": "array" }, "comments": { "type": "array" }, "likes": { "type": "array" }, "votes": { "type": "array" },
                                                "participant": { "type": ["object", "null"] } } } }
        }
    })
}

fn privacy() -> Value {
    let cell = json!({ "type": "object", "required": ["value"], "properties": { "value": { "type": ["integer", "null"], "description": "null when fewer than k people (suppressed)" } } });
    let page_cell = json!({ "type": "object", "required": ["page", "views", "visitors"], "properties": { "page": { "type": "string" }, "views": cell, "visitors": cell } });
    json!({
        "VisitorRecord": {
            "type": "object", "required": ["consent_id", "choices", "page_views"],
            "properties": { "consent_id": nullable(STRING),
                "choices": { "type": "array", "items": { "type": "object", "required": ["purpose", "granted", "method", "at", "proof"],
                    "properties": { "purpose": { "type": "string" }, "granted": { "type": "boolean" }, "method": { "type": "string" }, "at": { "type": "string" }, "proof": { "type": "string" } } } },
                "page_views": { "type": "array", "items": { "type": "object", "required": ["page", "at", "ip_address", "operating_system", "browser", "browser_language"],
                    "properties": { "page": { "type": "string" }, "at": { "type": "string" }, "ip_address": nullable(STRING), "operating_system": { "type": "string" },
                                    "browser": { "type": "string" }, "browser_language": { "type": "string" } } } } }
        },
        "VisitorErased": {
            "type": "object", "required": ["consent_records", "page_views"],
            "properties": { "consent_records": { "type": "integer" }, "page_views": { "type": "integer" } }
        },
        "VersionInfo": {
            "type": "object", "required": ["version", "published_on", "recorded_at", "significant", "summary_en", "summary_fr", "current"],
            "properties": { "version": { "type": "string" }, "published_on": { "type": "string" }, "recorded_at": { "type": "string" }, "significant": { "type": "boolean" },
                            "summary_en": { "type": "string" }, "summary_fr": { "type": "string" }, "current": { "type": "boolean" } }
        },
        "PolicyHistory": {
            "type": "object", "required": ["current_version", "versions"],
            "properties": { "current_version": { "type": "string" }, "versions": { "type": "array", "items": { "$ref": "#/components/schemas/VersionInfo" } } }
        },
        "PolicyStatus": {
            "type": "object", "required": ["current_version", "published", "acknowledgement_required", "acknowledgements"],
            "properties": {
                "current_version": { "type": "string" }, "published": { "type": "string" },
                "acknowledgement_required": { "oneOf": [{ "$ref": "#/components/schemas/VersionInfo" }, { "type": "null" }], "description": "The version to acknowledge before anything else, if any (C-CHG-2)" },
                "acknowledgements": { "type": "array", "items": { "type": "object", "required": ["version", "how", "at"],
                    "properties": { "version": { "type": "string" }, "how": { "type": "string" }, "at": { "type": "string" } } } }
            }
        },
        "Acknowledged": { "type": "object", "required": ["version", "acknowledged_at"], "properties": { "version": { "type": "string" }, "acknowledged_at": { "type": "string" } } },
        "PurposeConsent": {
            "type": "object", "required": ["purpose", "title", "text", "granted", "since", "method"],
            "properties": { "purpose": { "type": "string" }, "title": { "type": "string" }, "text": { "type": "string" }, "granted": { "type": "boolean" },
                            "since": nullable(STRING), "method": nullable(STRING) }
        },
        "Consents": list("consents", "PurposeConsent"),
        "Statistics": {
            "type": "object", "required": ["from", "to", "k", "epsilon", "visitors", "visits", "page_views", "pages", "sections", "days", "funnel", "suppressed_cells"],
            "description": "Aggregates only, k-anonymous (C-USE-5)",
            "properties": {
                "from": { "type": "string" }, "to": { "type": "string" }, "k": { "type": "integer" }, "epsilon": { "type": ["number", "null"] },
                "visitors": cell, "visits": cell, "page_views": cell, "pages": { "type": "array", "items": page_cell }, "sections": { "type": "array", "items": page_cell },
                "days": { "type": "array", "items": { "type": "object", "required": ["day", "visitors"], "properties": { "day": { "type": "string" }, "visitors": cell } } },
                "funnel": { "type": "array", "items": { "type": "object", "required": ["page", "visitors"], "properties": { "page": { "type": "string" }, "visitors": cell } } },
                "suppressed_cells": { "type": "integer" }
            }
        },
        "RuleStatus": {
            "type": "object", "required": ["rule", "category", "trigger", "period", "enforcement", "due", "held"],
            "properties": { "rule": { "type": "string" }, "category": { "type": "string" }, "trigger": { "type": "string" },
                            "period": { "description": "The policy's period: whole days or calendar months", "oneOf": [
                                { "type": "object", "required": ["days"], "additionalProperties": false, "properties": { "days": { "type": "integer", "minimum": 0 } } },
                                { "type": "object", "required": ["months"], "additionalProperties": false, "properties": { "months": { "type": "integer", "minimum": 1 } } }] },
                            "enforcement": { "enum": ["purge_sessions", "purge_page_views", "purge_visitor_consents", "purge_closed_requests", "purge_idle_participants", "purge_closed_tickets", "purge_ended_contracts", "purge_unconfirmed_contacts", "purge_inactive_contacts", "purge_ended_events", "purge_ended_visits", "purge_ended_trainings", "purge_stale_applications", "at_trigger", "purge_backups", null] },
                            "due": { "type": "integer" }, "held": { "type": "integer" } }
        },
        "RunReport": {
            "type": "object", "required": ["region", "rule", "due", "purged", "held", "at"],
            "properties": { "region": { "type": "string" }, "rule": { "type": "string" }, "due": { "type": "integer" }, "purged": { "type": "integer" },
                            "held": { "type": "integer" }, "at": { "type": "string" } }
        },
        "RetentionRuns": list("runs", "RunReport"),
        "Hold": {
            "type": "object", "required": ["id", "region", "subject_id", "category", "reason", "until", "created_at", "created_by", "released_at"],
            "properties": { "id": { "type": "string" }, "region": { "type": "string" }, "subject_id": { "type": "string" }, "category": { "type": "string" },
                            "reason": { "type": "string" }, "until": { "type": "string" }, "created_at": { "type": "string" }, "created_by": { "type": "string" },
                            "released_at": nullable(STRING) }
        },
        "Holds": list("holds", "Hold"),
        "RetentionStatus": {
            "type": "object", "required": ["rules", "runs", "holds"],
            "properties": { "rules": { "type": "array", "items": { "$ref": "#/components/schemas/RuleStatus" } },
                            "runs": { "type": "array", "items": { "$ref": "#/components/schemas/RunReport" } },
                            "holds": { "type": "array", "items": { "$ref": "#/components/schemas/Hold" } } }
        },
        "Export": {
            "type": "object", "required": ["id", "state", "created_at", "ready_at", "expires_at", "size", "download_url"],
            "properties": { "id": { "type": "string" }, "state": { "type": "string", "enum": ["queued", "running", "ready", "failed", "expired", "revoked"] },
                            "created_at": { "type": "string" }, "ready_at": nullable(STRING), "expires_at": nullable(STRING), "size": nullable("integer"),
                            "download_url": { "type": ["string", "null"], "description": "A plain path that needs the owner's session, while the archive can be downloaded" } }
        },
        "Exports": list("exports", "Export"),
        "Imported": { "type": "object", "required": ["boards", "cards"], "properties": { "boards": { "type": "integer" }, "cards": { "type": "integer" } } },
        "PrivacyOverview": {
            "type": "object", "required": ["subject", "region", "categories", "consents", "exports", "requests", "disclosures", "legal_holds", "access_log"],
            "description": "Everything held about me (C-DSR-1): by category with its purposes, legal bases, recipients and retention; consents, exports, requests, disclosures, legal holds, and who accessed my data",
            "properties": {
                "subject": { "type": "string" }, "region": { "type": "string" },
                "categories": { "type": "array", "items": { "type": "object", "required": ["id", "title", "description", "source", "stored", "data", "purposes", "retention"],
                    "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" }, "source": { "type": "string" },
                                    "stored": { "type": "boolean" }, "data": { "description": "What is stored of this category, as in the export" },
                                    "purposes": { "type": "array", "items": { "type": "object", "required": ["id", "title", "legal_basis", "recipients"] } },
                                    "retention": { "type": "array", "items": { "type": "object", "required": ["period", "from", "description"],
                                        "properties": { "period": { "type": "string", "description": "ISO 8601 duration (P30D, P13M)" }, "from": { "type": "string" }, "description": { "type": "string" } } } } } } },
                "consents": { "type": "array", "items": { "$ref": "#/components/schemas/PurposeConsent" } },
                "exports": { "type": "array", "items": { "$ref": "#/components/schemas/Export" } },
                "requests": { "type": "array", "items": { "type": "object" } },
                "disclosures": { "type": "array", "items": { "type": "object" } },
                "legal_holds": { "type": "array", "items": { "type": "object", "required": ["category", "reason", "until"] } },
                "access_log": { "type": "array", "items": { "type": "object", "required": ["at", "who", "what", "why"] } },
                "integrations": { "type": "array", "items": { "$ref": "#/components/schemas/Integration" } }
            }
        },
        "CodeSent": { "type": "object", "required": ["status", "message"], "properties": { "status": { "const": "sent" }, "message": { "type": "string" } } },
        "Received": {
            "type": "object", "required": ["status", "message"], "description": "The one answer to every submission, whether or not the address is known",
            "properties": { "status": { "const": "received" }, "message": { "type": "string" } }
        },
        "RequestState": { "type": "object", "required": ["state"], "properties": { "state": { "type": "string" } } },
        "Created": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } },
        "QueueItem": {
            "type": "object",
            "required": ["id", "kind", "regime", "channel", "on_behalf", "state", "received_at", "acknowledge_by", "answer_by", "extended_to", "due", "overdue", "matched_account", "has_document", "events"],
            "properties": {
                "id": { "type": "string" }, "kind": { "type": "string" }, "regime": { "type": "string" }, "channel": { "type": "string" }, "on_behalf": { "type": "string" },
                "state": { "type": "string" }, "received_at": { "type": "string" }, "acknowledge_by": { "type": "string" }, "answer_by": { "type": "string" },
                "extended_to": nullable(STRING), "due": { "type": "string" }, "overdue": { "type": "boolean" }, "matched_account": { "type": "boolean" },
                "has_document": { "type": "boolean" }, "events": { "type": "array", "items": { "type": "object" } }
            }
        },
        "Queue": list("requests", "QueueItem"),
        "RequestDetail": {
            "type": "object", "required": ["request", "contact"],
            "properties": { "request": { "$ref": "#/components/schemas/QueueItem" },
                            "contact": { "type": "object", "required": ["email", "name", "details", "person_email"],
                                         "properties": { "email": { "type": "string" }, "name": nullable(STRING), "details": nullable(STRING), "person_email": nullable(STRING) } } }
        },
        "RequestCompleted": {
            "type": "object", "required": ["request", "answer"],
            "properties": { "request": { "$ref": "#/components/schemas/QueueItem" },
                            "answer": { "type": "object", "description": "`export` for access and portability, `receipt` for erasure, empty otherwise" } }
        },
        "ReceiptCheck": { "type": "object", "required": ["valid"], "properties": { "valid": { "type": "boolean" } } }
    })
}
