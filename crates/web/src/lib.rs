//! The HTTP face of clearboard: the JSON API under `/api/v1`, the HTML pages, health and
//! metrics, and the security middleware (CSP, CSRF, rate limits, request ids, no-store), in
//! the rooms of the domain: `platform` (errors, middleware, extractors, state, texts, assets,
//! the OpenAPI document, telemetry, health, rate limits), `pages` (what every HTML page
//! shares, and the landing page), `identity`, `boards`, `privacy`, `business` and `integrations`
//! (each room's API and pages).
//!
//! Handlers parse input into domain types, call one core method and render. They never log
//! bodies, query strings, emails or tokens; errors carry a stable code and a request id.

#![recursion_limit = "512"]

pub mod boards;
pub mod business;
pub mod identity;
pub mod integrations;
pub mod pages;
pub mod platform;
pub mod privacy;

pub use platform::limits::BODY_LIMIT;
pub use platform::state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let csrf = platform::middleware::csrf_layer(&state.config.public_url);
    Router::new()
        .merge(platform::health::routes())
        .merge(platform::openapi::routes())
        .merge(identity::api::routes())
        .merge(privacy::api::routes())
        .merge(boards::api::routes())
        .merge(boards::workshop_api::routes())
        .merge(business::billing_api::routes())
        .merge(business::partners_api::routes())
        .merge(business::billing_pages::routes())
        .merge(pages::landing::routes())
        .merge(identity::pages::routes())
        .merge(boards::pages::routes())
        .merge(boards::recovery::routes())
        .merge(privacy::policy_pages::routes())
        .merge(privacy::visitor_record::routes())
        .merge(privacy::legal::routes())
        .merge(platform::assets::routes())
        .merge(privacy::consent::routes())
        .merge(privacy::rights_api::routes())
        .merge(privacy::requests_api::routes())
        .merge(privacy::centre_pages::routes())
        .merge(privacy::staff_pages::routes())
        .merge(business::support_api::routes())
        .merge(business::support_pages::routes())
        .merge(business::support_files::routes())
        .merge(business::newsletter::routes())
        .merge(business::campaigns_api::routes())
        .merge(business::programmes_api::routes())
        .merge(business::programmes_pages::routes())
        .merge(integrations::api::routes())
        .merge(integrations::pages::routes())
        .merge(business::careers_api::routes())
        .merge(business::careers_pages::routes())
        .fallback(platform::error::not_found)
        .method_not_allowed_fallback(platform::error::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(platform::card_guard::refuse_card_numbers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), privacy::consent::layer))
        .layer(csrf)
        .layer(axum::middleware::from_fn_with_state(state.clone(), privacy::consent::registry))
        .layer(axum::middleware::from_fn_with_state(state.clone(), platform::middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), platform::middleware::request_context))
        .with_state(state)
}
