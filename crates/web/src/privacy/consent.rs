//! The consent window, the cookie registry and first-party statistics on the web
//! (C-COOK-1..5, C-USE-3, C-DATA-8).
//!
//! - Until a visitor has chosen, every HTML page carries the consent window (plain HTML forms,
//!   no script): "Reject all" and "Accept all" side by side and alike, per-purpose settings on a
//!   second layer, and a close button that refuses. Nothing but essential cookies exists before.
//!   The page template renders it (`base.html` includes `consent_window.html`): [`layer`] marks
//!   the request ([`WindowWanted`]), the page context turns the mark into a [`ConsentWindow`]
//!   ([`window`]); no response body is ever rewritten.
//! - `Sec-GPC: 1` refuses (and withdraws an earlier "accept") without any form, and is recorded.
//! - With consent to statistics and no GPC, a page view of the public website is recorded and
//!   the analytics cookie is set once, with its 13-month lifetime from that first deposit; later
//!   visits never extend it.
//! - Every `Set-Cookie` the server sends is checked against the policy's cookie list: an
//!   undeclared cookie, or one living longer than declared, is dropped and reported.

use axum::Form;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::privacy::consent::VisitorConsent;
use clearboard_core::privacy::navigation::{COUNTED_PAGES, Visit};
use serde::Deserialize;
use serde_json::json;

use crate::platform::error::AppError;
use crate::platform::extract::ClientIp;
use crate::platform::i18n::{ConsentTexts, consent_texts};
use crate::platform::state::AppState;

pub const CONSENT_COOKIE: &str = "cb_consent";
pub const ANALYTICS_COOKIE: &str = "cb_aid";

pub fn routes() -> Router<AppState> {
    Router::new().route("/consent", post(submit)).route("/.well-known/gpc.json", get(gpc_json))
}

async fn gpc_json(State(st): State<AppState>) -> Response {
    let mut res = axum::Json(json!({ "gpc": true, "lastUpdate": st.cb.policy().doc().meta.published })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    res
}

fn gpc(headers: &HeaderMap) -> bool {
    headers.get("sec-gpc").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "1")
}

fn valid_visitor_id(s: &str) -> bool {
    s.len() == 22 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn cookie_header(st: &AppState, name: &str, value: String, max_age_s: i64) -> HeaderValue {
    let mut c = Cookie::new(name.to_string(), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(st.config.secure_cookies());
    c.set_max_age(time::Duration::seconds(max_age_s));
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn consent_cookie(st: &AppState, c: &VisitorConsent) -> HeaderValue {
    let max_age = ((c.expires_at - st.cb.now()) / 1000).max(0);
    cookie_header(st, CONSENT_COOKIE, st.cb.consents().encode(c), max_age)
}

/// A `Set-Cookie` that removes the cookie `name` from the browser.
pub(crate) fn remove_cookie(st: &AppState, name: &str) -> HeaderValue {
    cookie_header(st, name, String::new(), 0)
}

/// The analytics cookie's whole lifetime from now, in seconds: its declared calendar months
/// (C-COOK-5: 13 months from the first deposit, never 395 days).
fn analytics_max_age(st: &AppState) -> i64 {
    let now = st.cb.now();
    st.cb.policy().cookie(ANALYTICS_COOKIE).and_then(|c| c.expires_at(now)).map_or(0, |end| (end - now) / 1000)
}

/// The consent window as the page template renders it, in the page's language.
#[derive(Debug, Clone)]
pub struct ConsentWindow {
    pub texts: &'static ConsentTexts,
    /// (cookie, purpose) of every cookie that needs consent, from the policy.
    pub purposes: Vec<(String, String)>,
    /// Where the choice returns to (this page).
    pub return_to: String,
}

/// Put on a page request by [`layer`] when the page must carry the consent window: no choice
/// is on record (and no GPC signal makes one), or the page is the cookie list, which always
/// offers the choice again.
#[derive(Debug, Clone)]
pub struct WindowWanted {
    return_to: String,
}

/// The consent window for a page in `lang`, if [`layer`] asked for one.
pub fn window(st: &AppState, extensions: &Extensions, lang: &str) -> Option<ConsentWindow> {
    let wanted = extensions.get::<WindowWanted>()?;
    let purposes = st
        .cb
        .policy()
        .doc()
        .cookies
        .iter()
        .filter(|c| c.kind.needs_consent())
        .map(|c| (c.name.clone(), c.purpose.get(lang).to_string()))
        .collect();
    Some(ConsentWindow { texts: consent_texts(lang), purposes, return_to: wanted.return_to.clone() })
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    statistics: Option<String>,
    #[serde(default, rename = "return")]
    ret: String,
    #[serde(default)]
    lang: Option<String>,
}

/// A local path to return to (never another site).
fn safe_return(p: &str) -> String {
    if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && p.len() < 512 && !p.chars().any(char::is_control) {
        p.to_string()
    } else {
        "/".into()
    }
}

async fn submit(State(st): State<AppState>, ip: ClientIp, headers: HeaderMap, Form(f): Form<ConsentForm>) -> Response {
    let jar = CookieJar::from_headers(&headers);
    let existing = jar.get(CONSENT_COOKIE).and_then(|c| st.cb.consents().decode(c.value()));
    let (statistics, method) = match f.choice.as_str() {
        "accept" => (true, "banner"),
        "save" => (f.statistics.is_some(), "settings"),
        "reject" | "close" => (false, "banner"),
        _ => {
            return AppError::new(ErrorCode::ValidationFailed)
                .detail("choose accept, reject, save or close")
                .field("choice")
                .into_response();
        }
    };
    // Global Privacy Control wins over an "accept" (C-SHARE-6).
    let (statistics, method) = if statistics && gpc(&headers) { (false, "gpc") } else { (statistics, method) };
    let lang = f.lang.as_deref().unwrap_or_else(|| crate::platform::i18n::from_headers(&headers).lang);
    let repeat = existing.as_ref().is_some_and(|e| e.statistics == statistics);
    if !repeat && !st.limiter.check(&st.cb, crate::platform::ratelimit::Scope::ConsentIp, ip.0.to_string().as_bytes()).await {
        metrics::counter!("clearboard_rate_limited_total", "scope" => "consent").increment(1);
        return AppError::new(ErrorCode::RateLimited).detail("too many choices from this address").into_response();
    }
    let chosen = match st.cb.consents().record_visitor(existing.as_ref(), statistics, method, lang).await {
        Ok(c) => c,
        Err(e) => return crate::platform::error::AppError::from(e).into_response(),
    };
    let mut res = Redirect::to(&safe_return(&f.ret)).into_response();
    res.headers_mut().append(header::SET_COOKIE, consent_cookie(&st, &chosen));
    if !statistics && let Some(aid) = jar.get(ANALYTICS_COOKIE).map(|c| c.value().to_string()).filter(|v| valid_visitor_id(v)) {
        // Withdrawal: what was collected under the earlier consent goes too.
        let _ = st.cb.navigation().forget(&aid).await;
        res.headers_mut().append(header::SET_COOKIE, remove_cookie(&st, ANALYTICS_COOKIE));
    }
    res
}

/// Applies the visitor's choice to every HTML page: GPC, page-view collection, the analytics
/// cookie, and asks for the consent window ([`WindowWanted`]) when no choice is on record.
pub async fn layer(State(st): State<AppState>, ip: ClientIp, mut req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let path = req.uri().path().to_string();
    let full = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| path.clone());
    let jar = CookieJar::from_headers(&headers);
    let mut state = jar.get(CONSENT_COOKIE).and_then(|c| st.cb.consents().decode(c.value()));
    let gpc_on = gpc(&headers);
    let aid = jar.get(ANALYTICS_COOKIE).map(|c| c.value().to_string()).filter(|v| valid_visitor_id(v));
    // A GPC signal is a choice (a refusal, recorded below): it needs no window.
    let show = (state.is_none() && !gpc_on) || path == "/cookies";
    if show {
        req.extensions_mut().insert(WindowWanted { return_to: safe_return(&full) });
    }
    let mut res = next.run(req).await;
    let is_html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return res;
    }
    let mut set: Vec<HeaderValue> = Vec::new();
    if gpc_on && state.as_ref().is_none_or(|s| s.statistics) {
        // Recorded once: afterwards the stored choice is already a refusal. A client that keeps
        // no cookie would be recorded on every page: past the per-address rate the refusal is
        // still applied (nothing is collected), but no new row is written.
        if st.limiter.check(&st.cb, crate::platform::ratelimit::Scope::ConsentIp, ip.0.to_string().as_bytes()).await {
            if let Ok(c) = st.cb.consents().record_visitor(state.as_ref(), false, "gpc", "en").await {
                set.push(consent_cookie(&st, &c));
                state = Some(c);
            }
        } else {
            metrics::counter!("clearboard_rate_limited_total", "scope" => "consent").increment(1);
            state = Some(clearboard_core::privacy::consent::VisitorConsent { consent_id: String::new(), statistics: false, expires_at: 0 });
        }
        if let Some(a) = &aid {
            let _ = st.cb.navigation().forget(a).await;
            set.push(remove_cookie(&st, ANALYTICS_COOKIE));
        }
    }
    // Nothing is counted when the statistics module is switched off (its processing is then
    // absent from the policy too).
    let analytics = state.as_ref().is_some_and(|s| s.statistics) && !gpc_on && st.cb.module_enabled("statistics");
    if analytics && res.status() == StatusCode::OK && COUNTED_PAGES.contains(&path.as_str()) {
        let visitor = match &aid {
            Some(a) => a.clone(),
            None => {
                let id = clearboard_vault::random::bytes::<16>()
                    .map(|b| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b))
                    .unwrap_or_default();
                // Set once, with its whole lifetime from now; never refreshed (C-COOK-5).
                set.push(cookie_header(&st, ANALYTICS_COOKIE, id.clone(), analytics_max_age(&st)));
                id
            }
        };
        let visit = Visit {
            visitor_id: &visitor,
            ip: ip.0,
            user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            accept_language: headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or(""),
            page: &path,
        };
        if let Err(e) = st.cb.navigation().record(visit).await {
            tracing::warn!(error = %e, "page view not recorded");
        }
    } else if !analytics && aid.is_some() && state.as_ref().is_some_and(|s| !s.statistics) {
        // An analytics cookie without consent (left from before a refusal): remove it.
        set.push(remove_cookie(&st, ANALYTICS_COOKIE));
    }
    for v in set {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if show {
        // The page depends on the visitor's choice: never cache it.
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Every cookie the server sets must be declared in the policy, within its lifetime.
pub async fn registry(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let values: Vec<HeaderValue> = res.headers().get_all(header::SET_COOKIE).iter().cloned().collect();
    if values.is_empty() {
        return res;
    }
    res.headers_mut().remove(header::SET_COOKIE);
    for v in values {
        match check_cookie(&st, &v) {
            Ok(()) => {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Err(why) => {
                tracing::error!(event = "cookie.registry_violation", why = %why, "a cookie not allowed by the policy was dropped");
                metrics::counter!("clearboard_cookie_registry_violations_total").increment(1);
            }
        }
    }
    res
}

fn check_cookie(st: &AppState, v: &HeaderValue) -> Result<(), String> {
    let c = Cookie::parse(v.to_str().map_err(|_| "not text".to_string())?.to_string()).map_err(|_| "unparsable".to_string())?;
    let name = c.name();
    let declared = name.strip_prefix("__Host-").unwrap_or(name);
    let decl = st.cb.policy().cookie(declared).ok_or_else(|| format!("`{declared}` is not in the policy's cookie list"))?;
    let removal = c.max_age().is_some_and(|m| m.whole_seconds() <= 0);
    if removal {
        return Ok(());
    }
    // The declared lifetime from now, in whole seconds, plus the second the response may have
    // taken since the cookie's Max-Age was computed.
    let now = st.cb.now();
    let max = decl.expires_at(now).map(|end| (end - now) / 1000 + 1);
    match (decl.lifetime(), max, c.max_age(), c.expires()) {
        (None, _, None, None) => Ok(()),
        (None, _, _, _) => Err(format!("`{declared}` is declared as a session cookie but has a lifetime")),
        (Some(_), Some(max), Some(m), _) if m.whole_seconds() <= max => Ok(()),
        (Some(p), _, Some(_), _) => Err(format!("`{declared}` lives longer than the {} declared", p.label("en"))),
        (Some(_), _, None, _) => Err(format!("`{declared}` needs an explicit Max-Age")),
    }
}
