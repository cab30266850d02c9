//! The rights API: the privacy centre's data, access/portability exports and their download
//! links, imports (portability round trip), erasure receipts and the published receipt key.
//! Requests from anyone (verification, agents, deadlines, the staff queue) are in
//! `requests_api.rs`.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clearboard_core::exports::EXPORT_SCHEMA;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::extract::Auth;
use crate::state::AppState;

/// Imports may carry media: up to 1 GiB.
const IMPORT_LIMIT: usize = 1024 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/privacy", get(privacy_centre))
        .route("/api/v1/me/exports", get(list_exports).post(start_export))
        .route("/api/v1/me/exports/{id}", get(export_status))
        .route("/api/v1/me/exports/{id}/download", get(download))
        .route("/api/v1/me/imports", post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT + 1024 * 1024)))
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

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The ZIP, decrypted segment by segment as it is sent (never whole in memory).
async fn download(State(st): State<AppState>, Path(id): Path<String>, crate::extract::ApiQuery(q): crate::extract::ApiQuery<TokenQuery>) -> Result<Response, AppError> {
    let d = st.cb.exports().open_download(&id, &q.token).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let plain_len = d.plain_len;
    let file_name = d.file_name.clone();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let send = |r: Result<bytes::Bytes, std::io::Error>| tx.blocking_send(r).is_ok();
        let Ok(segments) = clearboard_vault::stream::Opener::segments(d.sealed_len) else {
            send(Err(std::io::Error::other("malformed export")));
            return;
        };
        let Ok(mut f) = std::fs::File::open(&d.path) else {
            send(Err(std::io::Error::other("export missing")));
            return;
        };
        let mut header = [0u8; clearboard_vault::stream::HEADER];
        if f.read_exact(&mut header).is_err() {
            send(Err(std::io::Error::other("export unreadable")));
            return;
        }
        let mut buf = vec![0u8; clearboard_vault::stream::SEALED_SEGMENT];
        for i in 0..segments {
            let last = i + 1 == segments;
            let want = if last { usize::try_from(d.sealed_len - clearboard_vault::stream::HEADER as u64 - i * clearboard_vault::stream::SEALED_SEGMENT as u64).unwrap_or(0) } else { buf.len() };
            if want > buf.len() || f.read_exact(&mut buf[..want]).is_err() {
                send(Err(std::io::Error::other("export unreadable")));
                return;
            }
            match d.opener.open(i, last, &buf[..want]) {
                Ok(pt) => {
                    if !send(Ok(bytes::Bytes::copy_from_slice(&pt))) {
                        return;
                    }
                }
                Err(_) => {
                    send(Err(std::io::Error::other("export does not decrypt")));
                    return;
                }
            }
        }
    });
    let stream = tokio_stream_from(rx);
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
    Ok(res)
}

/// A receiver as a stream (without pulling in tokio-stream).
fn tokio_stream_from(mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn import(State(st): State<AppState>, auth: Auth, headers: HeaderMap, req: Request) -> Result<Response, AppError> {
    let bytes = crate::api::upload_bytes_max(&st, &headers, req, IMPORT_LIMIT, IMPORT_LIMIT).await?;
    let (boards, cards) = st.cb.exports().import(&auth.principal, bytes.to_vec()).await?;
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

async fn verify_receipt(State(st): State<AppState>, crate::extract::ApiJson(b): crate::extract::ApiJson<VerifyBody>) -> Result<Response, AppError> {
    if !b.receipt.is_object() {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "`receipt` is the receipt object as it was given").field("receipt"));
    }
    let (_, key) = st.cb.receipt_key();
    let bytes = clearboard_core::erasure::SignedReceipt::signed_bytes(&b.receipt);
    let valid = clearboard_vault::receipt::verify(&key, &bytes, &b.signature);
    Ok(Json(json!({ "valid": valid })).into_response())
}
