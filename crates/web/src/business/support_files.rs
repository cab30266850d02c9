//! A ticket's attachments over HTTP: the requester through the private link (token and message
//! in a POST body, never a path) or signed in, staff through the gate with a reason (the core
//! writes it to the requester's audit trail). Served as a download, never rendered by the
//! browser as a page (`Content-Disposition: attachment`, a sandboxing CSP, no caching).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::business::support::attachments::Attachment;
use clearboard_core::platform::media::file_ext;
use serde::Deserialize;

use crate::platform::error::AppError;
use crate::platform::extract::{ApiJson, Auth};
use crate::platform::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/support/ticket/attachment", post(by_token))
        .route("/support/ticket/attachment", post(by_token_form))
        .route("/api/v1/me/support/tickets/{id}/attachments/{message}", get(mine))
        .route("/api/v1/staff/support/tickets/{id}/attachments/{message}", get(staff))
}

/// The attachment as a download.
pub(crate) fn download(a: Attachment) -> Response {
    let name = format!("attachment; filename=\"attachment.{}\"", file_ext(&a.mime));
    let mut res = a.bytes.to_vec().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&a.mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert("content-security-policy", HeaderValue::from_static("default-src 'none'; sandbox"));
    res
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    token: String,
    message_id: String,
}

async fn by_token(State(st): State<AppState>, ApiJson(b): ApiJson<TokenFile>) -> Result<Response, AppError> {
    Ok(download(st.cb.support().attachment_by_token(&b.token, &b.message_id).await?))
}

/// The private ticket page's download button (a form post).
async fn by_token_form(State(st): State<AppState>, axum::Form(b): axum::Form<TokenFile>) -> Result<Response, AppError> {
    Ok(download(st.cb.support().attachment_by_token(&b.token, &b.message_id).await?))
}

async fn mine(State(st): State<AppState>, auth: Auth, Path((id, message)): Path<(String, String)>) -> Result<Response, AppError> {
    Ok(download(st.cb.support().my_attachment(&auth.principal, &id, &message).await?))
}

#[derive(Deserialize)]
struct ReasonQuery {
    #[serde(default)]
    reason: String,
}

async fn staff(
    State(st): State<AppState>,
    auth: Auth,
    Path((id, message)): Path<(String, String)>,
    Query(q): Query<ReasonQuery>,
) -> Result<Response, AppError> {
    Ok(download(st.cb.support().staff_attachment(&auth.principal, &id, &message, &q.reason).await?))
}
