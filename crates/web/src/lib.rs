//! The HTTP face of clearboard: the JSON API under `/api/v1`, the HTML pages, health and
//! metrics, and the security middleware (CSP, CSRF, rate limits, request ids, no-store).
//!
//! Handlers parse input into domain types, call one core method and render. They never log
//! bodies, query strings, emails or tokens; errors carry a stable code and a request id.

#![recursion_limit = "512"]

pub mod api;
pub mod app_pages;
pub mod assets;
pub mod boards_api;
pub mod consent;
pub mod error;
pub mod extract;
pub mod health;
pub mod i18n;
pub mod middleware;
pub mod openapi;
pub mod pages;
pub mod policy_pages;
pub mod privacy_pages;
pub mod ratelimit;
pub mod requests_api;
pub mod rights_api;
pub mod state;
pub mod telemetry;
pub mod ws;

pub use state::{AppState, WebConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;

/// Maximum size of an ordinary request body (JSON and forms).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let csrf = middleware::csrf_layer(&state.config.public_url);
    Router::new()
        .merge(health::routes())
        .merge(api::routes())
        .merge(boards_api::routes())
        .merge(pages::routes())
        .merge(app_pages::routes())
        .merge(policy_pages::routes())
        .merge(assets::routes())
        .merge(consent::routes())
        .merge(rights_api::routes())
        .merge(requests_api::routes())
        .merge(privacy_pages::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(state.clone(), consent::layer))
        .layer(csrf)
        .layer(axum::middleware::from_fn_with_state(state.clone(), consent::registry))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .with_state(state)
}
