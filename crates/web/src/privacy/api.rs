//! The privacy API under `/api/v1`: a person's policy status and acknowledgements, their
//! consents, the policy history, and for staff the retention status, runs, legal holds and
//! aggregated statistics. Every authenticated response is `Cache-Control: no-store`.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::platform::ids::SubjectId;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
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
    let subject = SubjectId::parse(&b.subject_id).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let until = time::Date::parse(&b.until, &fmt)
        .map_err(|_| AppError::new(ErrorCode::ValidationFailed).detail("write the end date as YYYY-MM-DD").field("until"))?;
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
        return Err(AppError::new(ErrorCode::NotFound));
    }
    st.cb.retention().release_hold(&auth.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn my_consents(State(st): State<AppState>, auth: Auth, headers: HeaderMap) -> Result<Response, AppError> {
    let lang = crate::platform::i18n::from_headers(&headers).lang;
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
    let lang = crate::platform::i18n::from_headers(&headers).lang;
    st.cb.consents().set_subject(&auth.principal, &b.purpose, b.granted, "privacy_centre", lang).await?;
    crate::business::newsletter::follow_consent(&st, &auth.principal, &b.purpose, b.granted, "privacy_centre").await;
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
    crate::platform::extract::ApiQuery(q): crate::platform::extract::ApiQuery<StatsQuery>,
) -> Result<Response, AppError> {
    st.cb.staff().on_duty(&auth.principal).await?;
    let days = q.days.unwrap_or(30).clamp(1, 400);
    let to = st.cb.now() + 1; // up to and including now (the window is half-open)
    let stats = st.cb.navigation().statistics(to - days * clearboard_core::platform::clock::DAY, to).await?;
    Ok(Json(stats).into_response())
}
