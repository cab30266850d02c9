//! Cross-cutting HTTP concerns: a request id on every request (in logs, in the
//! `x-request-id` header and in error bodies), one access-log line per request (method, the
//! matched route template, status, time; never the raw path, query strings, bodies, IPs or
//! tokens), metrics labelled the same way (bounded label sets), security headers, `no-store`
//! by default, and CSRF protection.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::csrf::{CsrfLayer, ProtectionError};

use crate::platform::error::{AppError, ErrorMarker, with_request_id};
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
    let lang_fr = crate::platform::i18n::from_headers(req.headers()).lang == "fr"
        || req.uri().query().is_some_and(|q| q.split('&').any(|p| p == "lang=fr"));
    let span = tracing::info_span!("request", request_id = %rid.0);
    let mut res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    if res.status().as_u16() >= 400 && res.extensions().get::<ErrorMarker>().is_none() && !is_html_or_json(&res) {
        // A rejection from the framework or a plain-text answer: the catalogue's error instead.
        res = crate::platform::error::for_status(res.status()).into_response();
    }
    if res.extensions().get::<ErrorMarker>().is_some() {
        res = if wants_page {
            error_page(res, &rid, lang_fr, st.cb.policy().doc().controller.privacy_contact.clone()).await
        } else {
            add_request_id_to_error(res, &rid).await
        };
    }
    if let Ok(v) = HeaderValue::from_str(&rid.0) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), v);
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

fn is_html_or_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html") || c.starts_with("application/json"))
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "error_page.html")]
struct ErrorPage {
    t: &'static crate::platform::i18n::Texts,
    signed_in: bool,
    contact: String,
    heading: &'static str,
    explanation: &'static str,
    code: String,
    request_id: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
}

/// An error as an HTML page (for people browsing pages): its title and explanation in their
/// language, the stable code and the request id. API paths always get the JSON body.
async fn error_page(res: Response, rid: &RequestId, fr: bool, contact: String) -> Response {
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let code = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_else(|| "error".into());
    let (heading, explanation) = crate::platform::error::page_words(parts.status, fr);
    let t = crate::platform::i18n::texts(if fr { "fr" } else { "en" });
    let page = ErrorPage { t, signed_in: false, consent: None, contact, heading, explanation, code, request_id: rid.0.clone() };
    let mut out = (parts.status, page).into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out.extensions_mut().insert(ErrorMarker);
    out
}

async fn add_request_id_to_error(res: Response, rid: &RequestId) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => {
            with_request_id(&mut v, rid);
            let out = serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec());
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(out)
        }
        Err(_) => Body::from(bytes),
    };
    Response::from_parts(parts, body)
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
    layer.with_rejection_response(|_e: ProtectionError| {
        let mut res = AppError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request_refused",
            "this request came from another site and was refused (cross-site request forgery protection)",
        )
        .into_response();
        res.extensions_mut().insert(ErrorMarker);
        res
    })
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
