//! Liveness, readiness and metrics. `/metrics` is not public: it is served on its own
//! listener (`metrics_listen`, loopback by default) and, only when `metrics_token` is set, on
//! the public listener to requests bearing that token. Anyone else gets the ordinary 404.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(public_metrics))
}

/// The router of the metrics listener: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).fallback(crate::platform::error::not_found).with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when every store answers; `503 draining` once the node is going away (SIGTERM), so
/// the proxy sends new requests and reconnecting sockets to another node.
async fn readyz(State(st): State<AppState>) -> Response {
    if st.cb.draining() {
        // The catalogue's `unavailable` (with Retry-After); `X-Readiness: draining` says why
        // (a server error's detail is not shown).
        let mut res = crate::platform::error::AppError::new(clearboard_core::platform::error_codes::ErrorCode::Unavailable)
            .detail("draining: this node is going away; other nodes serve")
            .into_response();
        res.headers_mut().insert("x-readiness", HeaderValue::from_static("draining"));
        return res;
    }
    match st.cb.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

/// Whether the request bears the metrics token (compared in constant time).
fn bears_token(headers: &HeaderMap, token: &str) -> bool {
    use sha2::Digest;
    use subtle::ConstantTimeEq;
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) else {
        return false;
    };
    // Hashed first, so the comparison takes the same time whatever the lengths.
    let (a, b) = (sha2::Sha256::digest(given.as_bytes()), sha2::Sha256::digest(token.as_bytes()));
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

async fn public_metrics(State(st): State<AppState>, headers: HeaderMap) -> Response {
    match st.config.metrics_token.as_deref() {
        Some(t) if bears_token(&headers, t) => metrics(State(st)).await,
        _ => crate::platform::error::not_found().await.into_response(),
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    match &st.metrics {
        Some(h) => {
            let mut res = h.render().into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
            res
        }
        None => crate::platform::error::not_found().await.into_response(),
    }
}
