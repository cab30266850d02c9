//! Extractors: JSON bodies with our error catalogue, the signed-in principal (bearer token or
//! session cookie), and the client address behind trusted proxies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::CookieJar;
use clearboard_core::identity::principal::Principal;
use clearboard_core::platform::error_codes::ErrorCode;
use serde::de::DeserializeOwned;

use crate::platform::error::AppError;
use crate::platform::state::AppState;

/// A JSON body; rejections become catalogue errors without echoing the values sent.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    /// Every body of the API is a JSON object: an array (which serde would read field by field
    /// into a struct), a string or a number is refused with 422, like a wrong field type.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(axum::extract::rejection::JsonRejection::from(axum::extract::rejection::MissingJsonContentType::default()).into());
        }
        let bytes = bytes::Bytes::from_request(req, state).await.map_err(axum::extract::rejection::JsonRejection::from)?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first.is_some_and(|b| b != b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() {
            return Err(AppError::new(ErrorCode::InvalidBody).detail("the body must be a JSON object"));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(r) => Err(r.into()),
        }
    }
}

/// `Content-Type: application/json` or any `application/*+json`, parameters allowed (as axum's
/// own `Json` extractor accepts).
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A query string; one that cannot be read (a parameter missing, repeated or of the wrong type)
/// is 400 `malformed_query` in our error format, without echoing the values sent.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(_) => Err(AppError::new(ErrorCode::MalformedQuery)),
        }
    }
}

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// The token a request carries, if any (bearer first, then the session cookie).
pub fn presented_token(parts: &Parts, state: &AppState) -> Option<(String, Via)> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))
    {
        return Some((t.trim().to_string(), Via::Bearer));
    }
    let jar = CookieJar::from_headers(&parts.headers);
    jar.get(state.config.session_cookie_name()).map(|c| (c.value().to_string(), Via::Cookie))
}

/// A signed-in person. Rejects with 401 `unauthenticated`.
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Principal,
    pub via: Via,
}

/// Checks the token only (no policy acknowledgement check).
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Auth, AppError> {
    let Some((token, via)) = presented_token(parts, state) else {
        return Err(AppError::new(ErrorCode::Unauthenticated));
    };
    let principal = state.cb.sessions().authenticate(&token).await?;
    Ok(Auth { principal, via })
}

/// API calls a person may make while a significant policy change awaits their
/// acknowledgement: acknowledging it, reading their status, signing out, deleting the account.
fn ack_exempt(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    matches!(
        (method, path),
        (&Method::POST, "/api/v1/me/policy-acknowledgements")
            | (&Method::GET, "/api/v1/me/policy")
            | (&Method::DELETE, "/api/v1/sessions/current")
            | (&Method::DELETE, "/api/v1/sessions")
            | (&Method::DELETE, "/api/v1/me")
    )
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    /// A signed-in person who is up to date with the policy (C-CHG-2): until they acknowledge
    /// the latest significant version, requests are refused with 428 `policy_ack_required`.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = authenticate(parts, state).await?;
        if !ack_exempt(&parts.method, parts.uri.path())
            && let Some(v) = state.cb.policy_versions().ack_required(&auth.principal).await?
        {
            return Err(AppError::new(ErrorCode::PolicyAckRequired).detail(format!(
                "the privacy policy changed significantly on {}: read it at /privacy, then acknowledge version {} with POST /api/v1/me/policy-acknowledgements",
                v.published_on, v.version
            )));
        }
        Ok(auth)
    }
}

/// An optional signed-in person (pages that work for both).
#[derive(Debug, Clone)]
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match authenticate(parts, state).await {
            Ok(a) => Ok(Self(Some(a))),
            Err(e) if e.status() == StatusCode::UNAUTHORIZED => Ok(Self(None)),
            Err(e) => Err(e),
        }
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the rightmost
/// `X-Forwarded-For` hop that is not itself a trusted proxy (the leftmost can be forged).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

pub fn in_block(ip: IpAddr, (net, bits): (IpAddr, u8)) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = u32::from(bits.min(32));
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = u32::from(bits.min(128));
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

/// Parses `10.0.0.0/8`, `::1` or `192.168.1.5` into a block.
pub fn parse_block(s: &str) -> Option<(IpAddr, u8)> {
    match s.split_once('/') {
        Some((ip, bits)) => Some((ip.trim().parse().ok()?, bits.trim().parse().ok()?)),
        None => {
            let ip: IpAddr = s.trim().parse().ok()?;
            Some((ip, if ip.is_ipv4() { 32 } else { 128 }))
        }
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let trusted = |ip: IpAddr| state.config.trusted_proxies.iter().any(|b| in_block(ip, *b));
        if !trusted(peer) {
            return Ok(Self(peer));
        }
        let hops: Vec<IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        Ok(Self(hops.into_iter().rev().find(|ip| !trusted(*ip)).unwrap_or(peer)))
    }
}

/// The rate-limit key of a client address.
pub fn ip_key(ip: &ClientIp) -> Vec<u8> {
    ip.0.to_string().into_bytes()
}

/// The rate-limit key of an email: its blind index, so the limiter's memory holds no address.
pub fn email_key(st: &AppState, email: &str) -> Vec<u8> {
    st.cb.blind_email(email.trim())
}

/// The body of every call that carries a private link's token (support, programmes, careers):
/// the token travels in a POST body, never in a path or a query.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks() {
        let b = parse_block("10.0.0.0/8").unwrap();
        assert!(in_block("10.1.2.3".parse().unwrap(), b));
        assert!(!in_block("11.1.2.3".parse().unwrap(), b));
        assert!(in_block("::1".parse().unwrap(), parse_block("::1").unwrap()));
        assert!(parse_block("nonsense").is_none());
    }
}
