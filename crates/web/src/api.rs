//! The JSON API under `/api/v1` (accounts, sessions, profile, picture, staff access).
//! Every authenticated response is `Cache-Control: no-store` (set by the middleware).

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use clearboard_core::identity::accounts::{NewAccount, ProfileChange};
use clearboard_core::identity::activation::Registered;
use clearboard_core::identity::sessions::{SessionKind, SignIn as CoreSignIn};
use clearboard_core::identity::staff::Reason;
use clearboard_core::platform::ids::SubjectId;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::error::AppError;
use crate::extract::{ApiJson, Auth, ClientIp, presented_token};
use crate::ratelimit::Scope;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(crate::openapi::document))
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
        .route("/api/v1/me/policy", get(my_policy))
        .route("/api/v1/me/consents", get(my_consents).put(set_my_consents))
        .route("/api/v1/staff/statistics", get(statistics))
        .route("/api/v1/me/policy-acknowledgements", post(acknowledge_policy))
        .route("/api/v1/policy/versions", get(policy_versions))
        .route("/api/v1/staff/retention", get(retention_status))
        .route("/api/v1/staff/retention/runs", post(retention_run))
        .route("/api/v1/staff/legal-holds", get(list_holds).post(place_hold))
        .route("/api/v1/staff/legal-holds/{id}", delete(release_hold))
}

/// Pictures may be up to the configured maximum; the body limit leaves room for multipart framing.
const PICTURE_BODY_LIMIT: usize = 8 * 1024 * 1024;

fn deny_unknown_password<'de, D: Deserializer<'de>>(d: D) -> Result<Zeroizing<String>, D::Error> {
    String::deserialize(d).map(Zeroizing::new)
}

fn opt_password<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Zeroizing<String>>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(Zeroizing::new))
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
    let mut e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many attempts; wait a minute and try again");
    e.retry_after = Some(60);
    e
}

pub fn ip_key(ip: &ClientIp) -> Vec<u8> {
    ip.0.to_string().into_bytes()
}

/// The rate-limit key of an email: its blind index, so the limiter's memory holds no address.
pub fn email_key(st: &AppState, email: &str) -> Vec<u8> {
    st.cb.blind_email(email.trim())
}

/// The language of an API answer: `?lang=`, else the language the body names, else
/// `Accept-Language`.
pub fn answer_lang(headers: &HeaderMap, uri: &axum::http::Uri, body_locale: Option<&str>) -> &'static crate::i18n::Texts {
    crate::i18n::from_query(uri.query())
        .or_else(|| body_locale.filter(|l| matches!(*l, "en" | "fr")).map(crate::i18n::texts))
        .unwrap_or_else(|| crate::i18n::from_headers(headers))
}

/// A core error as an API error, with the words people read in their language where the
/// catalogue has them (a refused password's reason, throttles).
pub fn localised(e: clearboard_core::CoreError, t: &crate::i18n::Texts) -> AppError {
    use clearboard_core::CoreError as E;
    let text = match &e {
        E::PasswordTooWeak { reason, .. } => Some(crate::i18n::password_too_weak(t.lang, reason)),
        E::Throttled { .. } => Some(t.too_many_attempts.to_string()),
        E::Busy { .. } => Some(t.server_busy.to_string()),
        _ => None,
    };
    let mut err = AppError::from(e);
    if let Some(text) = text {
        err.message = text;
    }
    err
}

/// The one answer to every sign-up when mail is configured: the same status and bytes for a
/// new address and for one that has an account (issue 11 finding 11).
pub fn pending_answer(t: &crate::i18n::Texts) -> Response {
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
        let who = clearboard_core::identity::sessions::Principal { subject, region, token_hash: Vec::new() };
        st.cb.consents().set_subject(&who, "marketing", granted, "sign_up", &lang).await?;
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
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    phone: Option<Option<String>>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, deserialize_with = "opt_password")]
    new_password: Option<Zeroizing<String>>,
    #[serde(default, deserialize_with = "opt_password")]
    current_password: Option<Zeroizing<String>>,
    #[serde(default)]
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
    let receipt = st.cb.accounts().delete_from(&auth.principal, b.password, Some(&ip.0.to_string())).await.map_err(|e| localised(e, t))?;
    Ok(signed_out_response(&st, Some(json!({ "deleted": true, "key_destroyed": true, "receipt": receipt }))))
}

/// Reads an uploaded file: a multipart form's `file` field, or the raw body.
pub async fn upload_bytes(st: &AppState, headers: &HeaderMap, req: Request) -> Result<Bytes, AppError> {
    upload_bytes_max(st, headers, req, st.cb.settings().picture_max_bytes, PICTURE_BODY_LIMIT).await
}

/// [`upload_bytes`] with its own limits: `max` for the file, `raw_limit` for a raw body.
pub async fn upload_bytes_max(st: &AppState, headers: &HeaderMap, req: Request, max: usize, raw_limit: usize) -> Result<Bytes, AppError> {
    let too_large =
        || AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the file is too large (at most {max} bytes)"));
    let multipart = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut form = Multipart::from_request(req, st)
            .await
            .map_err(|_| AppError::new(StatusCode::BAD_REQUEST, "malformed_multipart", "the form could not be read"))?;
        while let Some(field) = form.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                AppError::new(StatusCode::BAD_REQUEST, "malformed_multipart", "the form could not be read")
            }
        })? {
            if field.name() == Some("file") {
                return field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        AppError::new(StatusCode::BAD_REQUEST, "malformed_multipart", "the file could not be read")
                    }
                });
            }
        }
        Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "the form has no `file` field").field("file"))
    } else {
        axum::body::to_bytes(req.into_body(), raw_limit).await.map_err(|_| too_large())
    }
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

fn parse_reason(s: &str) -> Result<Reason, AppError> {
    Reason::parse(s).ok_or_else(|| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "name a reason: support_request, rights_request, contract or security_incident",
        )
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
    reason: String,
}

async fn staff_view_account(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<ReasonQuery>,
) -> Result<Response, AppError> {
    let reason = parse_reason(&q.reason)?;
    // Staff-ness is checked before the id is even parsed, so non-staff learn nothing; the
    // training gate is `view_account`'s, which records a refusal in the person's own trail.
    st.cb.staff().member_record(&auth.principal).await?;
    let id = SubjectId::parse(&id).ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "not_found", "not found"))?;
    let profile = st.cb.staff().view_account(&auth.principal, &id, reason).await?;
    Ok(Json(profile).into_response())
}

async fn my_policy(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let required = st.cb.policy_versions().ack_required(&auth.principal).await?;
    let region = st.cb.region(&auth.principal.region)?;
    let acks: Vec<Value> = region
        .store
        .acks_of(&auth.principal.subject)
        .await
        .map_err(clearboard_core::CoreError::from)?
        .into_iter()
        .map(|(d, m, at)| json!({ "version": d, "how": m, "at": clearboard_core::platform::clock::rfc3339(at) }))
        .collect();
    let p = st.cb.policy();
    Ok(Json(json!({
        "current_version": p.digest(),
        "published": p.doc().meta.published,
        "acknowledgement_required": required,
        "acknowledgements": acks,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    version: String,
}

async fn acknowledge_policy(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<Acknowledge>) -> Result<Response, AppError> {
    let at = st.cb.policy_versions().acknowledge(&auth.principal, &b.version, "api").await?;
    Ok((StatusCode::CREATED, Json(json!({ "version": b.version, "acknowledged_at": clearboard_core::platform::clock::rfc3339(at) })))
        .into_response())
}

async fn policy_versions(State(st): State<AppState>) -> Result<Response, AppError> {
    let history = st.cb.policy_versions().history().await?;
    Ok(Json(json!({ "current_version": st.cb.policy().digest(), "versions": history })).into_response())
}

async fn retention_status(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    st.cb.staff().on_duty(&auth.principal).await?;
    let r = st.cb.retention();
    Ok(Json(json!({ "rules": r.status().await?, "runs": r.runs(50).await?, "holds": r.holds(&auth.principal).await? })).into_response())
}

async fn retention_run(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let role = st.cb.staff().on_duty(&auth.principal).await?;
    if !matches!(role, clearboard_core::identity::staff::Role::PrivacyOfficer | clearboard_core::identity::staff::Role::Admin) {
        return Err(clearboard_core::CoreError::Forbidden.into());
    }
    Ok(Json(json!({ "runs": st.cb.retention().run().await? })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    subject_id: String,
    category: String,
    reason: String,
    /// `YYYY-MM-DD` (the hold ends at 00:00 UTC that day).
    until: String,
}

async fn place_hold(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<NewHold>) -> Result<Response, AppError> {
    st.cb.staff().on_duty(&auth.principal).await?;
    let subject = SubjectId::parse(&b.subject_id).ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, "not_found", "not found"))?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let until = time::Date::parse(&b.until, &fmt).map_err(|_| {
        AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "write the end date as YYYY-MM-DD").field("until")
    })?;
    let hold = st
        .cb
        .retention()
        .place_hold(&auth.principal, &subject, &b.category, &b.reason, clearboard_core::platform::clock::midnight_ms(until))
        .await?;
    Ok((StatusCode::CREATED, Json(hold)).into_response())
}

async fn list_holds(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "holds": st.cb.retention().holds(&auth.principal).await? })).into_response())
}

async fn release_hold(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    st.cb.staff().on_duty(&auth.principal).await?;
    if uuid::Uuid::try_parse(&id).is_err() {
        return Err(AppError::new(StatusCode::NOT_FOUND, "not_found", "not found"));
    }
    st.cb.retention().release_hold(&auth.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn my_consents(State(st): State<AppState>, auth: Auth, headers: HeaderMap) -> Result<Response, AppError> {
    let lang = crate::i18n::from_headers(&headers).lang;
    let consents = st.cb.consents().of_subject(&auth.principal, lang).await?;
    Ok(Json(json!({ "consents": consents })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetConsent {
    purpose: String,
    granted: bool,
}

async fn set_my_consents(
    State(st): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    ApiJson(b): ApiJson<SetConsent>,
) -> Result<Response, AppError> {
    let lang = crate::i18n::from_headers(&headers).lang;
    st.cb.consents().set_subject(&auth.principal, &b.purpose, b.granted, "privacy_centre", lang).await?;
    Ok(Json(json!({ "consents": st.cb.consents().of_subject(&auth.principal, lang).await? })).into_response())
}

#[derive(Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    days: Option<i64>,
}

/// Aggregated statistics only (no rows), for staff.
async fn statistics(
    State(st): State<AppState>,
    auth: Auth,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<StatsQuery>,
) -> Result<Response, AppError> {
    st.cb.staff().on_duty(&auth.principal).await?;
    let days = q.days.unwrap_or(30).clamp(1, 400);
    let to = st.cb.now() + 1; // up to and including now (the window is half-open)
    let stats = st.cb.navigation().statistics(to - days * clearboard_core::platform::clock::DAY, to).await?;
    Ok(Json(stats).into_response())
}
