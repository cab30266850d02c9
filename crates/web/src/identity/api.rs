//! The identity API under `/api/v1`: accounts, activation, sessions, profile, picture, and
//! staff access to an account.
//! Every authenticated response is `Cache-Control: no-store` (set by the middleware).

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use clearboard_core::identity::accounts::{NewAccount, ProfileChange};
use clearboard_core::identity::activation::Registered;
use clearboard_core::identity::sessions::{SessionKind, SignIn as CoreSignIn};
use clearboard_core::identity::staff::Reason;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::SubjectId;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use crate::identity::cookies::{clear_session_cookie, device_cookie, presented_device, session_cookie};
use crate::platform::error::{AppError, localised};
use crate::platform::extract::{ApiJson, Auth, ClientIp, presented_token};
use crate::platform::extract::{email_key, ip_key};
use crate::platform::i18n::answer_lang;
use crate::platform::limits::PICTURE_BODY_LIMIT;
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::upload_bytes;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts", post(create_account))
        .route("/api/v1/accounts/activation", post(activate_account))
        .route("/api/v1/sessions", post(create_session).get(list_sessions).delete(end_all_sessions))
        .route("/api/v1/sessions/current", delete(end_session))
        .route("/api/v1/me", get(me).patch(update_me).delete(delete_me))
        .route(
            "/api/v1/me/picture",
            get(get_picture).put(put_picture).delete(delete_picture).layer(DefaultBodyLimit::max(PICTURE_BODY_LIMIT)),
        )
        .route("/api/v1/staff/me", get(staff_me))
        .route("/api/v1/staff/lookup", post(staff_lookup))
        .route("/api/v1/staff/accounts/{id}", get(staff_view_account))
}

fn deny_unknown_password<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    String::deserialize(d).map(Zeroizing::new)
}

/// A password given in a change: absent is `None`; `null` is refused like any other value that
/// is not a string (the document says string), rather than read as "absent".
fn opt_password<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Zeroizing<String>>, D::Error> {
    String::deserialize(d).map(|s| Some(Zeroizing::new(s)))
}

/// A field that can change but not be removed: absent is "unchanged", `null` is refused (422)
/// instead of being read as "unchanged" (found by the API fuzzer: `{"last_name": null}` → 200).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `POST /api/v1/accounts`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    email: String,
    #[serde(deserialize_with = "deny_unknown_password")]
    password: Zeroizing<String>,
    first_name: String,
    last_name: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    /// The answer to the consent-based marketing question, if it was asked (never assumed).
    #[serde(default)]
    marketing: Option<bool>,
}

impl From<SignUp> for NewAccount {
    fn from(s: SignUp) -> Self {
        NewAccount {
            email: s.email,
            password: s.password,
            first_name: s.first_name,
            last_name: s.last_name,
            phone: s.phone,
            birth_date: s.birth_date,
            region: s.region,
            locale: s.locale,
        }
    }
}

fn rate_limited() -> AppError {
    AppError::new(ErrorCode::RateLimited).retry_after(60)
}

/// The one answer to every sign-up when mail is configured: the same status and bytes for a
/// new address and for one that has an account (issue 11 finding 11).
pub fn pending_answer(t: &crate::platform::i18n::Texts) -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "pending_activation", "message": t.check_mailbox }))).into_response()
}

async fn create_account(
    State(st): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ApiJson(body): ApiJson<SignUp>,
) -> Result<Response, AppError> {
    let t = answer_lang(&headers, &uri, body.locale.as_deref());
    if !st.limiter.check(st.cb.clock(), Scope::SignUpIp, &ip_key(&ip))
        || !st.limiter.check(st.cb.clock(), Scope::SignUpAddress, &email_key(&st, &body.email))
    {
        return Err(rate_limited());
    }
    let marketing = body.marketing;
    let lang = body.locale.clone().unwrap_or_else(|| t.lang.into());
    let mut input: NewAccount = body.into();
    input.locale = input.locale.or_else(|| Some(t.lang.to_string()));
    let registered = st.cb.accounts().register(input, st.config.public_url.trim_end_matches('/')).await.map_err(|e| localised(e, t))?;
    let (account, answer) = match registered {
        Registered::Created(profile) => {
            (Some((profile.region.clone(), profile.id.clone())), (StatusCode::CREATED, Json(profile)).into_response())
        }
        Registered::Pending(account) => (account, pending_answer(t)),
    };
    if let (Some(granted), Some((region, subject))) = (marketing, account) {
        let who = clearboard_core::identity::principal::Principal { subject, region, token_hash: Vec::new() };
        st.cb.consents().set_subject(&who, "marketing", granted, "sign_up", &lang).await?;
        crate::business::newsletter::follow_consent(&st, &who, "marketing", granted, "sign_up").await;
    }
    Ok(answer)
}

/// `POST /api/v1/accounts/activation`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activation {
    token: String,
}

async fn activate_account(State(st): State<AppState>, ApiJson(b): ApiJson<Activation>) -> Result<Response, AppError> {
    st.cb.accounts().activate(&b.token).await?;
    Ok(Json(json!({ "activated": true })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    email: String,
    #[serde(deserialize_with = "deny_unknown_password")]
    password: Zeroizing<String>,
}

#[derive(Serialize)]
struct SessionCreated<'a> {
    token: &'a str,
    token_type: &'static str,
    /// Send it back in `X-Device-Cookie` at the next sign-in (browsers get it as a cookie).
    device_cookie: &'a str,
    subject_id: String,
    region: String,
    idle_timeout_seconds: i64,
    absolute_timeout_seconds: i64,
}

async fn create_session(State(st): State<AppState>, ip: ClientIp, req: Request) -> Result<Response, AppError> {
    let (parts, body) = req.into_parts();
    let presented = presented_token(&parts, &st).map(|(t, _)| Zeroizing::new(t));
    let device = presented_device(&st, &parts.headers);
    let t = answer_lang(&parts.headers, &parts.uri, None);
    let req = Request::from_parts(parts, body);
    let ApiJson(body) = ApiJson::<SignIn>::from_request(req, &st).await?;
    if !st.limiter.check(st.cb.clock(), Scope::SignInIp, &ip_key(&ip)) {
        tracing::info!(event = "auth.sign_in", outcome = "rate_limited");
        return Err(rate_limited());
    }
    let attempt = CoreSignIn {
        email: &body.email,
        password: body.password,
        kind: SessionKind::Bearer,
        replaces: presented.as_deref().map(String::as_str),
        device: device.as_deref(),
    };
    let signed = st.cb.sessions().sign_in_with(attempt).await.map_err(|e| localised(e, t))?;
    let (token, principal) = (signed.token, signed.principal);
    let s = st.cb.settings();
    let out = SessionCreated {
        token: &token,
        token_type: "Bearer",
        device_cookie: &signed.device_cookie,
        subject_id: principal.subject.to_string(),
        region: principal.region.to_string(),
        idle_timeout_seconds: s.session_idle_ms / 1000,
        absolute_timeout_seconds: s.session_absolute_ms / 1000,
    };
    let mut res = (StatusCode::CREATED, Json(out)).into_response();
    res.headers_mut().append(header::SET_COOKIE, session_cookie(&st, &token));
    res.headers_mut().append(header::SET_COOKIE, device_cookie(&st, &signed.device_cookie));
    Ok(res)
}

fn signed_out_response(st: &AppState, body: Option<serde_json::Value>) -> Response {
    let mut res = match body {
        Some(b) => (StatusCode::OK, Json(b)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    };
    res.headers_mut().append(header::SET_COOKIE, clear_session_cookie(st));
    // ASVS V14.3.1: the browser forgets what it held for this site.
    res.headers_mut().insert("clear-site-data", HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""));
    res
}

async fn end_session(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    st.cb.sessions().sign_out(&auth.principal).await?;
    Ok(signed_out_response(&st, None))
}

async fn end_all_sessions(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let n = st.cb.sessions().sign_out_everywhere(&auth.principal).await?;
    Ok(signed_out_response(&st, Some(json!({ "revoked": n }))))
}

async fn list_sessions(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let list = st.cb.sessions().list(&auth.principal).await?;
    Ok(Json(json!({ "sessions": list })).into_response())
}

async fn me(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(st.cb.accounts().me(&auth.principal).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[serde(default, deserialize_with = "present")]
    first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    email: Option<String>,
    #[serde(default, deserialize_with = "opt_password")]
    new_password: Option<Zeroizing<String>>,
    #[serde(default, deserialize_with = "opt_password")]
    current_password: Option<Zeroizing<String>>,
    #[serde(default, deserialize_with = "present")]
    locale: Option<String>,
}

async fn update_me(
    State(st): State<AppState>,
    auth: Auth,
    ip: ClientIp,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ApiJson(b): ApiJson<UpdateMe>,
) -> Result<Response, AppError> {
    let t = answer_lang(&headers, &uri, None);
    let change = ProfileChange {
        first_name: b.first_name,
        last_name: b.last_name,
        phone: b.phone,
        email: b.email,
        new_password: b.new_password,
        current_password: b.current_password,
        locale: b.locale,
        client: Some(ip.0.to_string()),
    };
    Ok(Json(st.cb.accounts().update(&auth.principal, change).await.map_err(|e| localised(e, t))?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteMe {
    #[serde(default, deserialize_with = "opt_password")]
    password: Option<Zeroizing<String>>,
    /// The choice for each organisation I own with other members (issue 14).
    #[serde(default)]
    organisations: Option<std::collections::BTreeMap<String, crate::identity::departure::ApiChoice>>,
}

async fn delete_me(
    State(st): State<AppState>,
    auth: Auth,
    ip: ClientIp,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ApiJson(b): ApiJson<DeleteMe>,
) -> Result<Response, AppError> {
    let t = answer_lang(&headers, &uri, None);
    let decisions = crate::identity::departure::api_decisions(b.organisations)?;
    let base = crate::business::support_api::base(&st);
    let receipt = st
        .cb
        .accounts()
        .delete_from(&auth.principal, b.password, Some(&ip.0.to_string()), &decisions, &base)
        .await
        .map_err(|e| localised(e, t))?;
    Ok(signed_out_response(&st, Some(json!({ "deleted": true, "key_destroyed": true, "receipt": receipt }))))
}

async fn put_picture(State(st): State<AppState>, auth: Auth, headers: HeaderMap, req: Request) -> Result<Response, AppError> {
    let bytes = upload_bytes(&st, &headers, req).await?;
    let kind = st.cb.accounts().set_picture(&auth.principal, &bytes).await?;
    Ok(Json(json!({ "type": kind.mime() })).into_response())
}

async fn get_picture(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let pic = st.cb.accounts().picture(&auth.principal).await?;
    let mut res = pic.bytes.to_vec().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(pic.mime));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"picture\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(res)
}

async fn delete_picture(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    st.cb.accounts().remove_picture(&auth.principal).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A staff access's reason, or 422 naming the reasons there are.
pub(crate) fn parse_reason(s: &str) -> Result<Reason, AppError> {
    Reason::parse(s).ok_or_else(|| {
        AppError::new(ErrorCode::ValidationFailed)
            .detail("name a reason: support_request, rights_request, contract, security_incident or events")
            .field("reason")
    })
}

async fn staff_me(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let (row, role) = st.cb.staff().member_record(&auth.principal).await?;
    let current = clearboard_core::identity::staff::training_current(st.cb.policy(), row.trained_at, st.cb.now());
    Ok(Json(json!({
        "role": role,
        "trained_at": row.trained_at.map(clearboard_core::platform::clock::rfc3339),
        "training_current": current,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffLookup {
    email: String,
    reason: String,
}

async fn staff_lookup(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<StaffLookup>) -> Result<Response, AppError> {
    let reason = parse_reason(&b.reason)?;
    let found = st.cb.staff().find_account(&auth.principal, &b.email, reason).await?;
    Ok(Json(found).into_response())
}

#[derive(Deserialize)]
pub struct ReasonQuery {
    #[serde(default)]
    pub(crate) reason: String,
}

async fn staff_view_account(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::platform::extract::ApiQuery(q): crate::platform::extract::ApiQuery<ReasonQuery>,
) -> Result<Response, AppError> {
    let reason = parse_reason(&q.reason)?;
    // Staff-ness is checked before the id is even parsed, so non-staff learn nothing; the
    // training gate is `view_account`'s, which records a refusal in the person's own trail.
    st.cb.staff().member_record(&auth.principal).await?;
    let id = SubjectId::parse(&id).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let profile = st.cb.staff().view_account(&auth.principal, &id, reason).await?;
    Ok(Json(profile).into_response())
}
