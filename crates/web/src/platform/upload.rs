//! Reading an uploaded file: a multipart form's `file` field, or the raw body, within a
//! size limit (413 `payload_too_large` beyond it, 400 `malformed_multipart` for a broken form).

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};

use crate::platform::error::AppError;
use crate::platform::limits::PICTURE_BODY_LIMIT;
use crate::platform::state::AppState;

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
