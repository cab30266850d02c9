//! Cross-cutting HTTP concerns: a request id on every request (in logs, in the
//! `x-request-id` header and in error bodies), one access-log line per request (method, the
//! matched route template, status, time; never the raw path, query strings, bodies, IPs or
//! tokens), metrics labelled the same way (bounded label sets), security headers, `no-store`
//! by default, and CSRF protection.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clearboard_core::platform::error_codes::ErrorCode;
use tower_http::csrf::{CsrfLayer, ProtectionError};

use crate::platform::error::AppError;
use crate::platform::error_page::{Asked, finish};
use crate::platform::request_id::RequestId;
use crate::platform::state::AppState;

/// The label of a request's route: the template it matched (`/api/v1/cards/{id}`), never the
/// raw path, so neither ids nor secrets (invitation tokens, join codes) reach a log line or a
/// metric, and unknown paths all share one label (bounded cardinality).
pub fn route_label(req: &Request) -> String {
    match req.extensions().get::<MatchedPath>() {
        Some(m) => m.as_str().to_string(),
        None => UNMATCHED.to_string(),
    }
}

/// The label of every request that matched no route.
pub const UNMATCHED: &str = "{unmatched}";

/// The method as a label from a fixed set (custom methods would make new series).
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

pub async fn request_context(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = clearboard_vault::random::bytes::<12>().map(hex::encode).unwrap_or_else(|_| "unknown".into());
    let rid = RequestId(id);
    req.extensions_mut().insert(rid.clone());
    let method = method_label(req.method());
    let path = route_label(&req);
    #[allow(clippy::disallowed_methods)] // a duration measurement, not a business clock
    let started = std::time::Instant::now();
    let wants_page = !req.uri().path().starts_with("/api/") && accepts_html(req.headers());
    let asked = crate::platform::i18n::from_query(req.uri().query());
    let lang = asked.unwrap_or_else(|| crate::platform::i18n::from_headers(req.headers())).lang;
    // A language chosen on a page is remembered (the functional `cb_lang` cookie).
    let remember = asked
        .filter(|q| {
            wants_page
                && req.method() == axum::http::Method::GET
                && crate::platform::i18n::from_cookie(req.headers()).map(|c| c.lang) != Some(q.lang)
        })
        .map(|q| crate::platform::i18n::lang_cookie(q.lang, st.config.secure_cookies()));
    let span = tracing::info_span!("request", request_id = %rid.0);
    let res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    let contact = || st.cb.policy().doc().controller.privacy_contact.clone();
    let mut res = finish(res, &Asked { wants_page, lang, request_id: &rid, contact: &contact });
    if let Ok(v) = HeaderValue::from_str(&rid.0) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
    }
    if let Some(cookie) = remember.filter(|_| res.status().as_u16() < 400) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    tracing::info!(target: "clearboard::http", parent: &span, method, route = %path, status, ms = elapsed.as_millis() as u64, "request");
    let labels = [("method", method.to_string()), ("route", path), ("status", status.to_string())];
    metrics::counter!("clearboard_http_requests_total", &labels).increment(1);
    metrics::histogram!("clearboard_http_request_duration_seconds", &labels[..2]).record(elapsed.as_secs_f64());
    res
}

fn accepts_html(h: &axum::http::HeaderMap) -> bool {
    h.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
    };
    if !h.contains_key("content-security-policy") {
        set(h, "content-security-policy", CSP);
    }
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "permissions-policy", "camera=(), microphone=(), geolocation=(), browsing-topics=(), interest-cohort=()");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    if state.config.secure_cookies() {
        set(h, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// CSRF protection (Sec-Fetch-Site / Origin), with our JSON error on refusal.
pub fn csrf_layer(public_url: &str) -> CsrfLayer<impl FnMut(ProtectionError) -> Response + Clone + use<>> {
    let origin = public_url.trim_end_matches('/').to_string();
    let layer = CsrfLayer::new();
    let layer = match layer.clone().add_trusted_origin(&origin) {
        Ok(l) => l,
        Err(_) => {
            tracing::warn!("the public URL is not a valid origin; CSRF protection relies on Sec-Fetch-Site and Host only");
            layer
        }
    };
    layer.with_rejection_response(|_e: ProtectionError| AppError::new(ErrorCode::CrossSiteRequestRefused).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&axum::http::Method::GET), "GET");
        assert_eq!(method_label(&axum::http::Method::from_bytes(b"FOOBAR").unwrap()), "OTHER");
    }
}
