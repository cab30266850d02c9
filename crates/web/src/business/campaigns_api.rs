//! The staff campaigns API (`/api/v1/staff/campaigns`): write, list, preview, test-send,
//! schedule or send, and follow a campaign's progress; and the phone-marketing call list
//! (`/api/v1/staff/call-list`); the staff page of campaigns and their progress
//! (`/staff/campaigns`). The rules (the staff gate, the
//! `marketing` role, consent at send time, idempotent sends) are core's
//! (`business::outreach::campaigns`); sending now starts the rate-limited job in the
//! background and answers at once.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use clearboard_core::business::outreach::campaigns::NewCampaign;
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/staff/campaigns", get(list).post(create))
        .route("/api/v1/staff/campaigns/{id}", get(status))
        .route("/api/v1/staff/campaigns/{id}/preview", get(preview))
        .route("/api/v1/staff/campaigns/{id}/test", post(test_send))
        .route("/api/v1/staff/campaigns/{id}/send", post(send))
        .route("/api/v1/staff/call-list", get(call_list))
        .route("/staff/campaigns", get(staff_page))
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "staff_campaigns.html")]
struct StaffCampaignsPage {
    t: &'static crate::platform::i18n::Texts,
    signed_in: bool,
    contact: String,
    consent: Option<crate::privacy::consent::ConsentWindow>,
    campaigns: Vec<clearboard_core::business::outreach::campaigns::CampaignStatus>,
}

/// The staff page: every campaign and its job's progress (counts only).
async fn staff_page(State(st): State<AppState>, ctx: crate::pages::ctx::PageCtx) -> Response {
    let Some(auth) = &ctx.auth else { return axum::response::Redirect::to("/signin").into_response() };
    match st.cb.outreach().campaign_list(&auth.principal).await {
        Ok(campaigns) => StaffCampaignsPage {
            t: ctx.t,
            signed_in: true,
            contact: crate::pages::ctx::contact(&st),
            consent: ctx.consent.clone(),
            campaigns,
        }
        .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// The phone-marketing call list (audited per person in core).
async fn call_list(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "entries": st.cb.outreach().call_list(&auth.principal).await? })).into_response())
}

fn base(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_string()
}

fn campaign_id(id: &str) -> Result<(), AppError> {
    uuid::Uuid::try_parse(id).map(|_| ()).map_err(|_| AppError::new(ErrorCode::NotFound))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    list: String,
    subject: String,
    body_markdown: String,
    #[serde(default)]
    subject_fr: Option<String>,
    #[serde(default)]
    body_markdown_fr: Option<String>,
}

async fn create(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<CreateBody>) -> Result<Response, AppError> {
    let n = NewCampaign {
        list: b.list,
        subject: b.subject,
        body_markdown: b.body_markdown,
        subject_fr: b.subject_fr,
        body_markdown_fr: b.body_markdown_fr,
    };
    let id = st.cb.outreach().create_campaign(&auth.principal, n).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn list(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "campaigns": st.cb.outreach().campaign_list(&auth.principal).await? })).into_response())
}

async fn status(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    campaign_id(&id)?;
    Ok(Json(st.cb.outreach().campaign_status(&auth.principal, &id).await?).into_response())
}

#[derive(Deserialize)]
struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
}

async fn preview(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<LangQuery>) -> Result<Response, AppError> {
    campaign_id(&id)?;
    let p = st.cb.outreach().preview(&auth.principal, &id, q.lang.as_deref().unwrap_or("en")).await?;
    Ok(Json(json!({ "subject": p.subject, "html": p.body.html, "text": p.body.text })).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TestBody {
    #[serde(default)]
    lang: Option<String>,
}

/// An optional JSON body: empty is the default.
fn optional<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> Result<T, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|_| AppError::new(ErrorCode::InvalidBody))
}

async fn test_send(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, body: Bytes) -> Result<Response, AppError> {
    campaign_id(&id)?;
    let lang = optional::<TestBody>(&body)?.lang.unwrap_or_else(|| "en".into());
    st.cb.outreach().test_send(&auth.principal, &id, &lang, &base(&st)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SendBody {
    /// When to send (RFC 3339); now when left out.
    #[serde(default)]
    at: Option<String>,
}

async fn send(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, body: Bytes) -> Result<Response, AppError> {
    campaign_id(&id)?;
    let at = match optional::<SendBody>(&body)?.at {
        Some(at) => {
            let t = time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).map_err(|_| {
                AppError::new(ErrorCode::ValidationFailed).detail("write `at` as RFC 3339, like 2027-01-31T09:00:00Z").field("at")
            })?;
            Some(i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
        }
        None => None,
    };
    let s = st.cb.outreach().schedule(&auth.principal, &id, at).await?;
    if s.status == "sending" {
        let (cb, base) = (st.cb.clone(), base(&st));
        tokio::spawn(async move {
            if let Err(e) = cb.outreach().send_all(&id, &base).await {
                tracing::warn!(error = %e, "a campaign's send job stopped; the scheduler resumes it");
            }
        });
    }
    Ok((StatusCode::ACCEPTED, Json(s)).into_response())
}
