//! The cookies of identity: the session cookie (HttpOnly, SameSite=Lax, host-only, `Secure`
//! behind https, no expiry) and the device cookie that keeps a known device out of another
//! client's sign-in throttle (also sent by API clients in `X-Device-Cookie`).

use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::platform::state::AppState;

/// The device cookie (OWASP device cookies, see `clearboard_core::platform::throttle`): functional,
/// HttpOnly, SameSite=Strict, `__Host-` and `Secure` behind https, for 90 days. API clients
/// get its value in the sign-in answer and send it back in `X-Device-Cookie`.
pub fn device_cookie_name(st: &AppState) -> &'static str {
    if st.config.secure_cookies() { "__Host-cb_device" } else { "cb_device" }
}

pub const DEVICE_HEADER: &str = "x-device-cookie";

pub fn device_cookie(st: &AppState, value: &str) -> HeaderValue {
    let mut c = Cookie::new(device_cookie_name(st), value.to_string());
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(st.config.secure_cookies());
    c.set_max_age(time::Duration::milliseconds(st.cb.settings().throttle.device_cookie_ttl_ms));
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The device cookie a request presents: the header (API clients), else the cookie.
pub fn presented_device(st: &AppState, headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(DEVICE_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    axum_extra::extract::CookieJar::from_headers(headers).get(device_cookie_name(st)).map(|c| c.value().to_string())
}

/// The session cookie: HttpOnly, SameSite=Lax, host-only, `Secure` behind https, and no
/// expiry (it ends with the browser; the server's idle and absolute timeouts still apply).
fn session_cookie_with(st: &AppState, value: String, remove: bool) -> HeaderValue {
    let mut c = Cookie::new(st.config.session_cookie_name(), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(st.config.secure_cookies());
    if remove {
        c.set_max_age(time::Duration::ZERO);
    }
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value for a session token.
pub fn session_cookie(st: &AppState, token: &str) -> HeaderValue {
    session_cookie_with(st, token.to_string(), false)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(st: &AppState) -> HeaderValue {
    session_cookie_with(st, String::new(), true)
}
