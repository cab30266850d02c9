//! What every route of the web layer stands on: the error every handler answers with, the
//! middleware (request ids, access log, security headers, CSRF), extractors (JSON bodies,
//! the signed-in principal, the client address), the shared state, interface texts in English
//! and French, embedded assets, the OpenAPI document, telemetry, health and metrics, rate
//! limits, body-size limits and the card-number guard. It must not hold a room's handlers.

pub mod assets;
pub mod card_guard;
pub mod error;
pub mod error_page;
pub mod extract;
pub mod health;
pub mod i18n;
pub mod limits;
pub mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod request_id;
pub mod state;
pub mod telemetry;
pub mod upload;
