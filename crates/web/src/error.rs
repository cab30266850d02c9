//! The web error: a stable code from the catalogue, a message for people, the field at fault
//! if any, and the request id (also in the logs) so support can find the request without
//! anyone quoting personal data.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clearboard_core::CoreError;
use serde_json::json;

use crate::middleware::RequestId;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
    /// Seconds for `Retry-After` (429 and 503 answers).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after: None }
    }

    pub fn field(mut self, f: &'static str) -> Self {
        self.field = Some(f);
        self
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            // The detail goes to the log (it never holds personal data); the person gets a code.
            tracing::error!(code = e.code(), error = %e, detail = ?e, "request failed");
        }
        let message = if status.is_server_error() { "something went wrong on our side; try again later".to_string() } else { e.to_string() };
        Self { status, code: e.code(), message, field: e.field(), retry_after: e.retry_after_secs() }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": { "code": self.code, "message": self.message } });
        if let Some(f) = self.field {
            body["error"]["field"] = json!(f);
        }
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        // The request id is filled in by the request_context middleware, which knows it.
        res.extensions_mut().insert(ErrorMarker);
        res
    }
}

/// Marks error responses so the middleware can add the request id to their body.
#[derive(Debug, Clone, Copy)]
pub struct ErrorMarker;

/// Adds the request id to an error body.
pub fn with_request_id(body: &mut serde_json::Value, id: &RequestId) {
    if let Some(err) = body.get_mut("error") {
        err["request_id"] = json!(id.0);
    }
}

pub async fn not_found() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "not_found", "no such page or resource")
}

/// Removes values a client sent from a deserializer message, keeping the rule that failed.
/// Text after the first "expected" names our own types and fields, so it is kept.
pub fn redact_serde_message(msg: &str) -> String {
    let (head, tail) = match msg.find("expected") {
        Some(i) => msg.split_at(i),
        None => (msg, ""),
    };
    let mut out = String::with_capacity(msg.len());
    let mut chars = head.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '"' || c == '`' {
            let keep = c == '`' && (head[..i].ends_with("missing field ") || head[..i].ends_with("duplicate field "));
            let mut span = String::new();
            for (_, d) in chars.by_ref() {
                if d == c {
                    break;
                }
                span.push(d);
            }
            if keep {
                out.push(c);
                out.push_str(&span);
                out.push(c);
            } else {
                out.push('…');
            }
        } else {
            out.push(c);
        }
    }
    out.push_str(tail);
    out
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => {
                AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send a JSON body with `Content-Type: application/json`")
            }
            JsonRejection::JsonSyntaxError(e) => {
                let text = e.body_text();
                let detail = text.rsplit_once(": ").map(|(_, d)| d).unwrap_or("invalid JSON");
                AppError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {}", redact_serde_message(detail)))
            }
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let mut detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(&text);
                // For an unknown field, the path before the message is the client's own key.
                if detail.contains("unknown field") {
                    detail = detail.split_once(": ").map(|(_, d)| d).unwrap_or(detail);
                }
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", format!("the body does not have the expected fields and types: {}", redact_serde_message(detail)))
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the body is larger than {} bytes", crate::BODY_LIMIT))
            }
            other => AppError::new(StatusCode::BAD_REQUEST, "bad_request", redact_serde_message(&other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_client_values() {
        let m = redact_serde_message("email: invalid type: string \"ann@example.org\", expected a string at line 1");
        assert!(!m.contains("ann@"), "{m}");
        let m = redact_serde_message("invalid type: integer `123456789`, expected a string");
        assert!(!m.contains("123456789"), "{m}");
        let m = redact_serde_message("unknown field `secret-value`, expected one of `email`, `password`");
        assert!(!m.contains("secret-value") && m.contains("`email`"), "{m}");
        let m = redact_serde_message("missing field `email` at line 1 column 2");
        assert!(m.contains("`email`"), "{m}");
    }
}
