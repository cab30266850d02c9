//! The OpenAPI 3.1 description of the JSON API, written out by hand beside the routes it
//! describes, one file per room (`identity`, `boards`, `privacy`, `support`, `business` for billing, `outreach`, `programmes`, `careers`, `integrations`, `workshop` for templates, zones and the drawn exports), with the schemas of what
//! operations read (`schemas`) and answer (`answers`). Every operation documents its success
//! body (or a 204); every error answer is the `Error` schema, whose `code` is the error
//! catalogue's enum (`build::error_schema`). The suite checks that every API route is in it
//! and nothing else, that every `$ref` resolves, and every answer it receives against it.

mod answers;
mod boards;
mod build;
mod business;
mod careers;
mod identity;
mod integrations;
mod outreach;
mod privacy;
mod programmes;
mod schemas;
mod support;
mod workshop;

use axum::Json;
use serde_json::{Map, Value, json};

/// The document.
pub fn spec() -> Value {
    let mut paths = Map::new();
    paths.insert(
        "/api/v1/openapi.json".into(),
        json!({ "get": { "summary": "This document", "responses": { "200": build::ok("OpenApi", "OpenAPI document") } } }),
    );
    let mut schemas = Map::new();
    schemas.insert("Error".into(), build::error_schema());
    for part in [
        identity::paths(),
        boards::paths(),
        privacy::paths(),
        support::paths(),
        business::paths(),
        outreach::paths(),
        programmes::paths(),
        careers::paths(),
        integrations::paths(),
        workshop::paths(),
    ] {
        if let Value::Object(m) = part {
            for (k, v) in m {
                // Two rooms describing one path or one schema name: the later would silently
                // replace the earlier (as a newsletter `Subscription` once replaced billing's).
                assert!(paths.insert(k.clone(), v).is_none(), "the OpenAPI path {k} is described twice");
            }
        }
    }
    for part in [
        schemas::requests(),
        answers::answers(),
        support::schemas(),
        business::schemas(),
        outreach::schemas(),
        programmes::schemas(),
        careers::schemas(),
        integrations::schemas(),
        workshop::schemas(),
    ] {
        if let Value::Object(m) = part {
            for (k, v) in m {
                assert!(schemas.insert(k.clone(), v).is_none(), "the OpenAPI schema {k} is defined twice");
            }
        }
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "clearboard API",
            "version": "1",
            "description": "Boards of idea cards with an executable privacy policy. Every error answer has the shape {error: {code, message, detail?, field?, request_id}}: `code` is one of the error catalogue's (the `Error` schema lists them, each with its status), `message` is for people in English or French. Any authenticated call answers 428 `policy_ack_required` while a significant policy change awaits the person's acknowledgement (except reading and acknowledging it, signing out and deleting the account)."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "cb_session" }
            },
            "schemas": schemas
        },
        "paths": paths
    });
    build::add_common_responses(&mut doc);
    doc
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

/// The route of the document itself.
pub fn routes() -> axum::Router<crate::platform::state::AppState> {
    axum::Router::new().route("/api/v1/openapi.json", axum::routing::get(document))
}
