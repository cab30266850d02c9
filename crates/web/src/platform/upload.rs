//! Reading an uploaded file: a multipart form's `file` field, or the raw body, within a
//! size limit (413 `payload_too_large` beyond it, 400 `malformed_multipart` for a broken form,
//! 408 `request_timeout` for a body that stalled), and the refusals every upload shares.

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, StatusCode, header};
use clearboard_core::platform::error_codes::ErrorCode;

use crate::platform::error::{AppError, is_body_timeout};
use crate::platform::limits::PICTURE_BODY_LIMIT;
use crate::platform::state::AppState;

/// Reads an uploaded file: a multipart form's `file` field, or the raw body.
pub async fn upload_bytes(st: &AppState, headers: &HeaderMap, req: Request) -> Result<Bytes, AppError> {
    upload_bytes_max(st, headers, req, st.cb.settings().picture_max_bytes, PICTURE_BODY_LIMIT).await
}

/// A form that could not be read: too large (`too_large`), stalled, or broken.
pub fn multipart_error(e: &MultipartError, too_large: impl FnOnce() -> AppError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else if is_body_timeout(e) {
        AppError::new(ErrorCode::RequestTimeout)
    } else {
        AppError::new(ErrorCode::MalformedMultipart)
    }
}

/// A form without its `file` field.
pub fn no_file_field() -> AppError {
    AppError::new(ErrorCode::ValidationFailed).detail("the form has no `file` field").field("file")
}

/// [`upload_bytes`] with its own limits: `max` for the file, `raw_limit` for a raw body.
pub async fn upload_bytes_max(st: &AppState, headers: &HeaderMap, req: Request, max: usize, raw_limit: usize) -> Result<Bytes, AppError> {
    let too_large = || AppError::new(ErrorCode::PayloadTooLarge).detail(format!("the file is too large (at most {max} bytes)"));
    let multipart = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut form = Multipart::from_request(req, st).await.map_err(|_| AppError::new(ErrorCode::MalformedMultipart))?;
        while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e, too_large))? {
            if field.name() == Some("file") {
                return field.bytes().await.map_err(|e| multipart_error(&e, too_large));
            }
        }
        Err(no_file_field())
    } else {
        axum::body::to_bytes(req.into_body(), raw_limit)
            .await
            .map_err(|e| if is_body_timeout(&*e.into_inner()) { AppError::new(ErrorCode::RequestTimeout) } else { too_large() })
    }
}
