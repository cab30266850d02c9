//! Careers' JSON API: the open posts (`GET /api/v1/jobs`), an application from anyone
//! (`POST /api/v1/jobs/{id}/applications`, multipart with the CV; the same 202 whatever the
//! address, rate-limited per client), the candidate's private link (its token in the body,
//! never in a path), and the staff pipeline under `/api/v1/staff/…`. Handlers never log
//! bodies, addresses or tokens.

use axum::Json;
use axum::Router;
use axum::extract::multipart::MultipartError;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::business::programmes::careers::service::{CV_MAX, NewApplication, NewJob, RECEIVED};
use clearboard_core::platform::error_codes::ErrorCode;
use serde::Deserialize;
use serde_json::json;

use crate::business::support_api::{base, limited};
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth, ClientIp, TokenBody};
use crate::platform::state::AppState;
use crate::platform::upload::multipart_error;

pub(crate) const APPLICATION_LIMIT: usize = CV_MAX + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", get(jobs))
        .route("/api/v1/jobs/{id}/applications", post(apply).layer(DefaultBodyLimit::max(APPLICATION_LIMIT * 2)))
        .route("/api/v1/careers/application", post(by_token))
        .route("/api/v1/careers/application/export", post(export_by_token))
        .route("/api/v1/careers/application/talent-pool/withdraw", post(withdraw))
        .route("/api/v1/careers/application/erase", post(erase_by_token))
        .route("/api/v1/staff/jobs", post(create_job))
        .route("/api/v1/staff/applications", get(pipeline))
        .route("/api/v1/staff/applications/{id}", get(open))
        .route("/api/v1/staff/applications/{id}/cv", get(cv))
        .route("/api/v1/staff/applications/{id}/decision", post(decide))
}

/// The one answer to every accepted application (identical bytes for every address).
pub(crate) fn received() -> Response {
    (StatusCode::ACCEPTED, Json(json!({ "status": "received", "message": RECEIVED }))).into_response()
}

/// Reads an application from a multipart form: the text fields (through the card-number
/// guard) and the `cv` file.
pub(crate) async fn read_application(st: &AppState, req: Request, lang: &str) -> Result<NewApplication, AppError> {
    let bad = |e: MultipartError| multipart_error(&e, || AppError::new(ErrorCode::PayloadTooLarge));
    let mut form = Multipart::from_request(req, st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
    let mut a = NewApplication { lang: lang.to_string(), ..NewApplication::default() };
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "cv" {
            a.cv = field.bytes().await.map_err(bad)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        crate::platform::card_guard::check_text(&text)?;
        match name.as_str() {
            "first_name" => a.first_name = text,
            "last_name" => a.last_name = text,
            "email" => a.email = text,
            "phone" => a.phone = Some(text),
            "cover_letter" => a.cover_letter = text,
            // Unticked boxes send nothing: only an explicit yes counts (never pre-ticked).
            "talent_pool" => a.talent_pool = matches!(text.trim(), "yes" | "true" | "on" | "1"),
            "lang" if matches!(text.as_str(), "en" | "fr") => a.lang = text,
            _ => {}
        }
    }
    Ok(a)
}

async fn jobs(State(st): State<AppState>, Query(q): Query<LangQuery>) -> Result<Response, AppError> {
    let lang = match q.lang.as_deref() {
        None | Some("en") => "en",
        Some("fr") => "fr",
        Some(_) => return Err(AppError::new(ErrorCode::ValidationFailed).detail("`lang` is `en` or `fr`").field("lang")),
    };
    Ok(Json(json!({ "jobs": st.cb.careers().jobs(lang).await? })).into_response())
}

#[derive(Deserialize, Default)]
struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
}

async fn apply(State(st): State<AppState>, ip: ClientIp, Path(id): Path<String>, req: Request) -> Result<Response, AppError> {
    limited(&st, &ip)?;
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("multipart/form-data") {
        return Err(
            AppError::new(ErrorCode::UnsupportedMediaType).detail("send the application as multipart/form-data with the CV in `cv`")
        );
    }
    let lang = crate::platform::i18n::answer_lang(req.headers(), req.uri(), None).lang;
    let new = read_application(&st, req, lang).await?;
    st.cb.careers().apply(&id, new, &base(&st)).await?;
    Ok(received())
}

async fn by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    Ok(Json(st.cb.careers().by_token(&b.token).await?).into_response())
}

async fn export_by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    Ok(Json(st.cb.careers().export_by_token(&b.token).await?).into_response())
}

async fn withdraw(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    Ok(Json(st.cb.careers().withdraw_talent_pool(&b.token).await?).into_response())
}

async fn erase_by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenBody>) -> Result<Response, AppError> {
    let erased = st.cb.careers().erase_by_token(&b.token).await?;
    Ok(Json(json!({ "erased": erased })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JobBody {
    title: String,
    #[serde(default)]
    title_fr: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    description_fr: Option<String>,
    #[serde(default)]
    place: Option<String>,
}

async fn create_job(State(st): State<AppState>, auth: Auth, ApiJson(b): ApiJson<JobBody>) -> Result<Response, AppError> {
    let new = NewJob { title: b.title, title_fr: b.title_fr, description: b.description, description_fr: b.description_fr, place: b.place };
    let id = st.cb.careers().create_job(&auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
struct PipelineQuery {
    #[serde(default)]
    job: Option<String>,
}

async fn pipeline(State(st): State<AppState>, auth: Auth, Query(q): Query<PipelineQuery>) -> Result<Response, AppError> {
    let list = st.cb.careers().pipeline(&auth.principal, q.job.as_deref().filter(|j| !j.is_empty())).await?;
    Ok(Json(json!({ "applications": list })).into_response())
}

#[derive(Deserialize)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

async fn open(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<ReasonQuery>) -> Result<Response, AppError> {
    Ok(Json(st.cb.careers().open(&auth.principal, &id, &q.reason).await?).into_response())
}

async fn cv(State(st): State<AppState>, auth: Auth, Path(id): Path<String>, Query(q): Query<ReasonQuery>) -> Result<Response, AppError> {
    let pdf = st.cb.careers().cv(&auth.principal, &id, &q.reason).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"cv.pdf\""),
            (header::CACHE_CONTROL, "no-store"),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    status: String,
}

async fn decide(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.careers().decide(&auth.principal, &id, &b.status).await?).into_response())
}
