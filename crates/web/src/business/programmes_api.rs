//! The programmes' JSON API (issue 18): the public lists of events and trainings, their
//! calendar files, registration from anyone (the same 202 whatever the address, rate-limited
//! per client), the private link (its token in the body, never in a path: show, confirm,
//! cancel, the certificate), and staff under `/api/v1/staff/…` (publish, check-in and
//! attendance lists, check-in, certificates, the front desk's visits and badges). Each
//! handler serves both programmes (`const TRAINING: bool`). Handlers never log bodies,
//! addresses or tokens.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::business::programmes::registrations::{NewRegistration, RECEIVED};
use clearboard_core::business::programmes::sessions::NewSession;
use clearboard_core::business::programmes::visits::NewVisit;
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ports::Programme;
use serde::Deserialize;
use serde_json::json;

use crate::business::support_api::{base, limited};
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth, ClientIp, TokenBody};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(list::<false>))
        .route("/api/v1/trainings", get(list::<true>))
        .route("/api/v1/events/{id}/calendar.ics", get(calendar::<false>))
        .route("/api/v1/trainings/{id}/calendar.ics", get(calendar::<true>))
        .route("/api/v1/events/{id}/registrations", post(register::<false>))
        .route("/api/v1/trainings/{id}/registrations", post(register::<true>))
        .route("/api/v1/events/registration", post(by_token::<false>))
        .route("/api/v1/trainings/registration", post(by_token::<true>))
        .route("/api/v1/events/registration/confirm", post(confirm::<false>))
        .route("/api/v1/trainings/registration/confirm", post(confirm::<true>))
        .route("/api/v1/events/registration/cancel", post(cancel::<false>))
        .route("/api/v1/trainings/registration/cancel", post(cancel::<true>))
        .route("/api/v1/trainings/registration/certificate", post(certificate_by_token))
        .route("/api/v1/staff/events", get(staff_list::<false>).post(publish::<false>))
        .route("/api/v1/staff/trainings", get(staff_list::<true>).post(publish::<true>))
        .route("/api/v1/staff/events/{id}/registrations", get(attendance::<false>))
        .route("/api/v1/staff/trainings/{id}/registrations", get(attendance::<true>))
        .route("/api/v1/staff/events/registrations/{id}/check-in", post(check_in::<false>))
        .route("/api/v1/staff/trainings/registrations/{id}/attendance", post(check_in::<true>))
        .route("/api/v1/staff/trainings/registrations/{id}/certificate", get(certificate))
        .route("/api/v1/staff/visits", get(visits).post(record_visit))
        .route("/api/v1/staff/visits/{id}/departure", post(depart))
        .route("/api/v1/staff/visits/{id}/badge", get(badge))
}

pub(crate) fn programme(training: bool) -> Programme {
    if training { Programme::Training } else { Programme::Event }
}

fn plural(training: bool) -> &'static str {
    if training { "trainings" } else { "events" }
}

/// Registrations are for sessions, whose ids are UUIDs: anything else is not found.
fn session_id(id: &str) -> Result<&str, AppError> {
    uuid::Uuid::parse_str(id).map(|_| id).map_err(|_| AppError::new(ErrorCode::NotFound))
}

async fn list<const TRAINING: bool>(State(st): State<AppState>) -> Result<Response, AppError> {
    let items = st.cb.programmes().upcoming(programme(TRAINING)).await?;
    Ok(Json(json!({ plural(TRAINING): items })).into_response())
}

async fn calendar<const TRAINING: bool>(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let ics = st.cb.programmes().calendar(programme(TRAINING), session_id(&id)?).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"session.ics\"")],
        ics,
    )
        .into_response())
}

/// A registration as people send it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistrationBody {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub postal_address: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// Events: "invite me to future events" (outreach's list, with its double opt-in).
    #[serde(default)]
    pub invitations: Option<bool>,
}

impl RegistrationBody {
    pub(crate) fn into_new(self, training: bool, lang: &str) -> Result<NewRegistration, AppError> {
        let lang = self.lang.as_deref().unwrap_or(lang);
        if !matches!(lang, "en" | "fr") {
            return Err(AppError::new(ErrorCode::ValidationFailed).detail("`lang` is `en` or `fr`").field("lang"));
        }
        if training && self.phone.as_deref().is_some_and(|p| !p.trim().is_empty()) {
            return Err(AppError::new(ErrorCode::ValidationFailed).detail("a training asks no phone").field("phone"));
        }
        Ok(NewRegistration {
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            postal_address: self.postal_address,
            lang: lang.to_string(),
            invitations: self.invitations.unwrap_or(false),
        })
    }
}

/// The one answer to every accepted registration (identical bytes for every address).
pub(crate) fn received() -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "received", "message": RECEIVED }))).into_response()
}

async fn register<const TRAINING: bool>(
    State(st): State<AppState>,
    ip: ClientIp,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    ApiJson(b): ApiJson<RegistrationBody>,
) -> Result<Response, AppError> {
    limited(&st, &ip)?;
    let new = b.into_new(TRAINING, crate::platform::i18n::answer_lang(&headers, &uri, None).lang)?;
    st.cb.programmes().register(programme(TRAINING), session_id(&id)?, new, &base(&st)).await?;
    Ok(received())
}

async fn by_token<const TRAINING: bool>(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    let (session, registration) = st.cb.programmes().by_token(programme(TRAINING), &b.token).await?;
    Ok(Json(json!({ "session": session, "registration": registration })).into_response())
}

async fn confirm<const TRAINING: bool>(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    let (session, registration) = st.cb.programmes().confirm(programme(TRAINING), &b.token, &base(&st)).await?;
    Ok(Json(json!({ "session": session, "registration": registration })).into_response())
}

async fn cancel<const TRAINING: bool>(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    st.cb.programmes().cancel(programme(TRAINING), &b.token, &base(&st)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn pdf(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/pdf"), (header::CONTENT_DISPOSITION, "attachment; filename=\"certificate.pdf\"")], bytes)
        .into_response()
}

async fn certificate_by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    Ok(pdf(st.cb.programmes().certificate_by_token(&b.token).await?))
}

/// What staff publish.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionBody {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub price: Option<serde_json::Value>,
    #[serde(default)]
    pub trainer: Option<String>,
}

fn instant(field: &'static str, raw: Option<&str>) -> Result<Option<i64>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).map_err(|_| {
                AppError::new(ErrorCode::ValidationFailed).detail("an RFC 3339 date and time, e.g. 2026-03-01T09:00:00Z").field(field)
            })?;
            Ok(Some(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)))
        }
    }
}

impl SessionBody {
    pub(crate) fn into_new(self) -> Result<NewSession, AppError> {
        Ok(NewSession {
            starts_at: instant("starts_at", self.starts_at.as_deref())?,
            ends_at: instant("ends_at", self.ends_at.as_deref())?,
            title: self.title,
            description: self.description,
            place: self.place,
            capacity: self.capacity,
            price: match self.price {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s),
                Some(other) => Some(other.to_string()),
            },
            trainer: self.trainer,
        })
    }
}

async fn publish<const TRAINING: bool>(
    State(st): State<AppState>,
    auth: Auth,
    ApiJson(b): ApiJson<SessionBody>,
) -> Result<Response, AppError> {
    let id = st.cb.programmes().publish(&auth.principal, programme(TRAINING), b.into_new()?).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn staff_list<const TRAINING: bool>(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let items = st.cb.programmes().sessions_for_staff(&auth.principal, programme(TRAINING)).await?;
    Ok(Json(json!({ plural(TRAINING): items })).into_response())
}

#[derive(Deserialize)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

/// Opening someone's data names the reason `events` (the only one these lists serve).
fn events_reason(q: &ReasonQuery) -> Result<(), AppError> {
    match crate::identity::api::parse_reason(&q.reason)? {
        clearboard_core::identity::staff::Reason::Events => Ok(()),
        _ => Err(AppError::new(ErrorCode::Forbidden)),
    }
}

async fn attendance<const TRAINING: bool>(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<ReasonQuery>,
) -> Result<Response, AppError> {
    events_reason(&q)?;
    Ok(Json(st.cb.programmes().attendance_list(&auth.principal, programme(TRAINING), session_id(&id)?).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Present {
    #[serde(default = "yes")]
    present: bool,
}

fn yes() -> bool {
    true
}

async fn check_in<const TRAINING: bool>(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Present>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.programmes().check_in(&auth.principal, programme(TRAINING), &id, b.present).await?).into_response())
}

async fn certificate(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Query(q): Query<ReasonQuery>,
) -> Result<Response, AppError> {
    events_reason(&q)?;
    Ok(pdf(st.cb.programmes().certificate(&auth.principal, &id).await?))
}

async fn visits(State(st): State<AppState>, auth: Auth, Query(q): Query<ReasonQuery>) -> Result<Response, AppError> {
    events_reason(&q)?;
    Ok(Json(json!({ "visits": st.cb.programmes().visits(&auth.principal).await? })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VisitBody {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub host: String,
}

impl From<VisitBody> for NewVisit {
    fn from(b: VisitBody) -> Self {
        NewVisit { first_name: b.first_name, last_name: b.last_name, phone: b.phone, host: b.host }
    }
}

async fn record_visit(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<VisitBody>) -> Result<Response, AppError> {
    Ok((StatusCode::CREATED, Json(st.cb.programmes().record_visit(&auth.principal, b.into()).await?)).into_response())
}

async fn depart(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.programmes().depart(&auth.principal, &id).await?).into_response())
}

async fn badge(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.programmes().badge(&auth.principal, &id).await?).into_response())
}
