//! The board as a workshop tool (issue 14): the templates a board can be made from
//! (`GET /api/v1/board-templates`), a board's zones (facilitators add, rename, move, resize
//! and remove them), and the board drawn as PNG or PDF (`export.png`, `export.pdf`; the same
//! rules as the JSON and CSV exports: facilitators only, audited by core).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use clearboard_core::boards::pictures::PictureFormat;
use clearboard_core::boards::templates::catalogue;
use clearboard_core::boards::{NewZone, ZonePatch};
use serde_json::json;

use crate::boards::paths::{board_id, not_found};
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::i18n::answer_lang;
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/board-templates", get(templates))
        .route("/api/v1/boards/{id}/zones", post(add_zone))
        .route("/api/v1/boards/{id}/zones/{zone}", patch(update_zone).delete(delete_zone))
        .route("/api/v1/boards/{id}/export.png", get(export_png))
        .route("/api/v1/boards/{id}/export.pdf", get(export_pdf))
}

async fn templates(_auth: Auth, headers: HeaderMap, uri: Uri) -> Response {
    let lang = answer_lang(&headers, &uri, None).lang;
    Json(json!({ "templates": catalogue(lang) })).into_response()
}

/// Zone ids are short letters, digits and underscores; anything else is simply not found.
fn zone_id(s: &str) -> Result<&str, AppError> {
    let ok = !s.is_empty() && s.len() <= 16 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok { Ok(s) } else { Err(not_found()) }
}

async fn add_zone(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(z): ApiJson<NewZone>,
) -> Result<Response, AppError> {
    let view = st.cb.boards().add_zone(&auth.principal, &board_id(&id)?, z).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

async fn update_zone(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, zone)): Path<(String, String)>,
    ApiJson(p): ApiJson<ZonePatch>,
) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().update_zone(&auth.principal, &board_id(&id)?, zone_id(&zone)?, p).await?).into_response())
}

async fn delete_zone(State(st): State<AppState>, auth: Auth, Path((id, zone)): Path<(String, String)>) -> Result<Response, AppError> {
    Ok(Json(st.cb.boards().delete_zone(&auth.principal, &board_id(&id)?, zone_id(&zone)?).await?).into_response())
}

async fn picture(
    st: &AppState,
    auth: &Auth,
    id: &str,
    format: PictureFormat,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<Response, AppError> {
    let lang = answer_lang(headers, uri, None).lang;
    let pic = st.cb.boards().picture(&auth.principal, &board_id(id)?, format, lang).await?;
    let (mime, name) = match format {
        PictureFormat::Png => ("image/png", "attachment; filename=\"board.png\""),
        PictureFormat::Pdf => ("application/pdf", "attachment; filename=\"board.pdf\""),
    };
    let mut res = pic.bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    res.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn export_png(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, AppError> {
    picture(&st, &auth, &id, PictureFormat::Png, &headers, &uri).await
}

async fn export_pdf(
    State(st): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, AppError> {
    picture(&st, &auth, &id, PictureFormat::Pdf, &headers, &uri).await
}
