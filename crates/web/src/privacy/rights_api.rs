//! The rights API: the privacy centre's data, access/portability exports and their downloads,
//! imports (portability round trip), erasure receipts and the published receipt key.
//! Requests from anyone (verification, agents, deadlines, the staff queue) are in
//! `requests_api.rs`; the download of the copy answering an agent's or a parent's request is
//! here (`/api/v1/requests/{id}/download…`).
//!
//! Downloads need the owner's session (or a one-time code, for those without an account): no
//! URL holds a secret. Imports stream into a sealed spool and are read under the bounds of
//! `clearboard_core::privacy::rights::exports` (at most `IMPORT_MEMORY_BOUND` held per import); this module must
//! not read a body whole into memory.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::platform::error_codes::ErrorCode;
use clearboard_core::privacy::rights::exports::{Download, EXPORT_SCHEMA, IMPORT_UPLOAD_MAX, Spool};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::platform::error::{AppError, is_body_timeout};
use crate::platform::extract::{ApiJson, Auth, ClientIp};
use crate::platform::ratelimit::Scope;
use crate::platform::state::AppState;
use crate::platform::upload::{multipart_error, no_file_field};

/// The multipart framing around an import's file.
const FORM_OVERHEAD: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/privacy", get(privacy_centre))
        .route("/api/v1/me/exports", get(list_exports).post(start_export))
        .route("/api/v1/me/exports/{id}", get(export_status))
        .route("/api/v1/me/exports/{id}/download", get(download))
        .route(
            "/api/v1/me/imports",
            post(import)
                .layer(DefaultBodyLimit::max(IMPORT_UPLOAD_MAX as usize + FORM_OVERHEAD))
                .layer(axum::middleware::from_fn(crate::business::billing_api::french_details)),
        )
        .route("/api/v1/requests/{id}/download-code", post(request_code))
        .route("/api/v1/requests/{id}/download", post(request_download))
        .route("/privacy/export-schema.json", get(schema))
        .route("/.well-known/clearboard-receipts.json", get(receipt_keys))
        .route("/api/v1/receipts/verify", post(verify_receipt))
}

/// Starts building exports in the background (one builder at a time; see `Exports`).
pub fn kick_exports(st: &AppState) {
    let cb = st.cb.clone();
    tokio::spawn(async move {
        if let Err(e) = cb.exports().run_pending().await {
            tracing::warn!(error = %e, "export builder failed");
        }
    });
}

pub fn base_url(st: &AppState) -> String {
    st.config.public_url.trim_end_matches('/').to_string()
}

async fn privacy_centre(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(st.cb.privacy_centre().overview(&auth.principal).await?).into_response())
}

async fn start_export(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    let v = st.cb.exports().request(&auth.principal).await?;
    kick_exports(&st);
    let mut res = (StatusCode::ACCEPTED, Json(v.clone())).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/me/exports/{}", v.id)) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

async fn list_exports(State(st): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    Ok(Json(json!({ "exports": st.cb.exports().list(&auth.principal).await? })).into_response())
}

async fn export_status(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    Ok(Json(st.cb.exports().status(&auth.principal, &id).await?).into_response())
}

/// The owner's download (issue 11, finding 9): their session or bearer token, their own
/// export only (404 for anyone else's), 410 once expired or revoked.
async fn download(State(st): State<AppState>, auth: Auth, Path(id): Path<String>) -> Result<Response, AppError> {
    let d = st.cb.exports().open_download(&auth.principal, &id).await?;
    Ok(archive_response(d))
}

/// Emails a one-time code for the copy answering request `id` to the address that made it.
async fn request_code(State(st): State<AppState>, ip: ClientIp, Path(id): Path<String>) -> Result<Response, AppError> {
    if !st.limiter.check(&st.cb, Scope::SignUpIp, &crate::platform::extract::ip_key(&ip)).await {
        return Err(AppError::new(ErrorCode::RateLimited));
    }
    st.cb.exports().send_request_code(&id, &base_url(&st)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "status": "sent", "message": CODE_SENT }))).into_response())
}

/// What the requester is told once a code is on its way.
pub const CODE_SENT: &str = "A one-time code is on its way to the address that made the request; it works for 15 minutes.";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeBody {
    code: String,
}

/// The copy answering request `id`, with the code emailed for it (posted, never in a URL).
async fn request_download(State(st): State<AppState>, Path(id): Path<String>, ApiJson(b): ApiJson<CodeBody>) -> Result<Response, AppError> {
    let d = st.cb.exports().open_request_download(&id, &b.code).await?;
    Ok(archive_response(d))
}

/// The archive, decrypted by core segment by segment as it is sent (never whole in memory).
pub fn archive_response(d: Download) -> Response {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let plain_len = d.plain_len;
    let file_name = d.file_name.clone();
    tokio::task::spawn_blocking(move || {
        let sent = d.stream_plaintext(|pt| tx.blocking_send(Ok(bytes::Bytes::copy_from_slice(pt))).is_ok());
        if let Err(why) = sent {
            let _ = tx.blocking_send(Err(std::io::Error::other(why)));
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut res = Response::new(Body::from_stream(stream));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&plain_len.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    res
}

/// Streams an upload (raw body, or the `file` field of a form) into the spool, chunk by chunk.
async fn receive(st: &AppState, headers: &HeaderMap, req: Request, spool: &mut Spool) -> Result<(), AppError> {
    let too_large = || AppError::from(clearboard_core::CoreError::TooLarge { max_bytes: IMPORT_UPLOAD_MAX as usize });
    let multipart = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let mut body = req.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            spool.write(&chunk.map_err(|e| {
                if is_body_timeout(&e) {
                    AppError::new(ErrorCode::RequestTimeout)
                } else {
                    AppError::new(ErrorCode::BadRequest).detail("the upload could not be read whole; send it again")
                }
            })?)?;
        }
        return Ok(());
    }
    let mut form = Multipart::from_request(req, st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
    while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e, too_large))? {
        if field.name() != Some("file") {
            continue;
        }
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e, too_large))? {
            spool.write(&chunk)?;
        }
        return Ok(());
    }
    Err(no_file_field())
}

/// An import (issue 11, finding 2): one at a time per person (409), the upload spooled sealed
/// as it arrives (413 past `IMPORT_UPLOAD_MAX`), then read under the import's bounds (413
/// `import_too_large`, 422 `import_invalid`, each with its reason).
async fn import(State(st): State<AppState>, auth: Auth, headers: HeaderMap, req: Request) -> Result<Response, AppError> {
    let exports = st.cb.exports();
    let lock = exports.lock_import(&auth.principal).await?;
    let result = async {
        let mut spool = exports.spool(&auth.principal)?;
        receive(&st, &headers, req, &mut spool).await?;
        let upload = spool.finish()?;
        Ok::<_, AppError>(exports.import(&auth.principal, &lock, upload).await?)
    }
    .await;
    lock.release().await;
    let (boards, cards) = result?;
    Ok((StatusCode::CREATED, Json(json!({ "boards": boards, "cards": cards }))).into_response())
}

async fn schema() -> Response {
    let mut res = EXPORT_SCHEMA.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/schema+json"));
    res
}

async fn receipt_keys(State(st): State<AppState>) -> Response {
    let (id, key) = st.cb.receipt_key();
    Json(json!({
        "keys": [{ "key_id": id, "algorithm": "Ed25519", "public_key": key, "encoding": "base64url (no padding), 32 bytes" }],
        "signed_bytes": "the `receipt` object serialised as compact JSON with keys sorted (no spaces)",
    }))
    .into_response()
}

#[derive(Deserialize)]
struct VerifyBody {
    receipt: Value,
    signature: String,
}

async fn verify_receipt(State(st): State<AppState>, ApiJson(b): ApiJson<VerifyBody>) -> Result<Response, AppError> {
    if !b.receipt.is_object() {
        return Err(AppError::new(ErrorCode::ValidationFailed).detail("`receipt` is the receipt object as it was given").field("receipt"));
    }
    let (_, key) = st.cb.receipt_key();
    let bytes = clearboard_core::privacy::rights::erasure::SignedReceipt::signed_bytes(&b.receipt);
    let valid = clearboard_vault::receipt::verify(&key, &bytes, &b.signature);
    Ok(Json(json!({ "valid": valid })).into_response())
}
