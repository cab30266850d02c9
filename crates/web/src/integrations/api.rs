//! The integrations' API: `GET /me/integrations` (what the policy offers and what I have
//! connected, with scopes and last use), `DELETE /me/integrations/{provider}` (revoked at the
//! provider, tokens deleted), `POST /boards/{id}/imports/google-drive` (`{file_ids}` → a job,
//! 202) and `GET /boards/{id}/imports/google-drive/{import}` (its progress, each file's
//! outcome in plain words). The job runs in the background; nothing here logs a file id.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::integrations::google_drive::import::ImportView;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::boards::paths::board_id;
use crate::integrations::words::file_error;
use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/integrations", get(list))
        .route("/api/v1/me/integrations/{provider}", axum::routing::delete(disconnect))
        .route("/api/v1/me/integrations/google-drive/picker-token", post(picker_token))
        .route("/api/v1/boards/{id}/imports/google-drive", post(import))
        .route("/api/v1/boards/{id}/imports/google-drive/{import}", get(progress))
}

async fn list(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "integrations": st.cb.integrations().list(&auth.principal).await? })).into_response())
}

async fn disconnect(State(st): State<AppState>, auth: Auth, Path(provider): Path<String>) -> Result<Response, AppError> {
    let was = st.cb.integrations().disconnect(&auth.principal, &provider).await?;
    Ok(Json(json!({ "provider": provider, "disconnected": was })).into_response())
}

/// The Picker's access token, to its owner only, never cached.
async fn picker_token(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let (token, until) = st.cb.drive_import().picker_token(&auth.principal).await?;
    let body = json!({ "access_token": token, "expires_at": clearboard_core::platform::clock::rfc3339(until) });
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    file_ids: Vec<String>,
}

/// An import as its owner reads it: each failed file with words in their language.
pub fn import_json(v: &ImportView, lang: &str) -> Value {
    let files: Vec<Value> = v
        .files
        .iter()
        .map(|f| {
            json!({
                "file_id": f.file_id,
                "status": f.status,
                "kind": f.kind,
                "card_id": f.card_id,
                "error": f.error,
                "message": f.error.as_deref().map(|c| file_error(c, lang)),
            })
        })
        .collect();
    json!({
        "id": v.id, "board_id": v.board_id, "status": v.status, "total": v.total, "done": v.done, "failed": v.failed,
        "created_at": v.created_at, "updated_at": v.updated_at, "files": files,
    })
}

async fn import(
    State(st): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ImportBody>,
) -> Result<Response, AppError> {
    let board = board_id(&id)?;
    let v = st.cb.drive_import().start(&auth.principal, &board, &b.file_ids).await?;
    let (cb, region, job) = (st.cb.clone(), auth.principal.region.clone(), v.id.clone());
    tokio::spawn(async move {
        if let Err(e) = cb.drive_import().run(&region, &job).await {
            tracing::warn!(error = %e, "a Drive import stopped before its end");
        }
    });
    let lang = crate::platform::i18n::from_headers(&headers).lang;
    Ok((StatusCode::ACCEPTED, Json(import_json(&v, lang))).into_response())
}

async fn progress(
    State(st): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Path((id, job)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let v = st.cb.drive_import().status(&auth.principal, &board_id(&id)?, &job).await?;
    Ok(Json(import_json(&v, crate::platform::i18n::from_headers(&headers).lang)).into_response())
}
