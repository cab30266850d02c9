//! The web error: a stable code from the catalogue, a message for people, the field at fault
//! if any, and the request id (also in the logs) so support can find the request without
//! anyone quoting personal data.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clearboard_core::CoreError;
use serde_json::json;

use crate::platform::request_id::RequestId;

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
        let message =
            if status.is_server_error() { "something went wrong on our side; try again later".to_string() } else { e.to_string() };
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

pub async fn method_not_allowed() -> AppError {
    AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this address does not accept this method")
}

/// The catalogue's code and message for an error status that reached the client without our
/// error body (a rejection from the framework, a plain-text answer): every error is the JSON
/// error with its code (security review finding 15).
pub fn for_status(status: StatusCode) -> AppError {
    let (code, message) = match status.as_u16() {
        400 => ("bad_request", "the request is malformed"),
        401 => ("unauthenticated", "sign in first"),
        403 => ("forbidden", "you are not allowed to do this"),
        404 => ("not_found", "no such page or resource"),
        405 => ("method_not_allowed", "this address does not accept this method"),
        406 => ("not_acceptable", "no answer in a format the request accepts"),
        408 => ("request_timeout", "the request took too long to arrive"),
        409 => ("conflict", "the request conflicts with the current state"),
        411 => ("length_required", "the request needs a Content-Length"),
        413 => ("payload_too_large", "the body is too large"),
        414 => ("uri_too_long", "the address is too long"),
        415 => ("unsupported_media_type", "this content type is not accepted here"),
        422 => ("invalid_body", "the body does not have the expected fields and types"),
        426 => ("upgrade_required", "this address needs a WebSocket upgrade"),
        429 => ("rate_limited", "too many attempts; wait a little and try again"),
        431 => ("headers_too_large", "the request headers are too large"),
        503 => ("unavailable", "the service is not available right now; try again later"),
        s if s >= 500 => ("internal", "something went wrong on our side; try again later"),
        _ => ("bad_request", "the request could not be handled"),
    };
    AppError::new(status, code, message)
}

/// A person-readable title and sentence for an error page, in English or French.
pub fn page_words(status: StatusCode, fr: bool) -> (&'static str, &'static str) {
    match (status.as_u16(), fr) {
        (404, false) => {
            ("Page not found", "There is nothing at this address. It may have been moved or deleted, or the link is incomplete.")
        }
        (404, true) => {
            ("Page introuvable", "Il n’y a rien à cette adresse. Elle a peut-être été déplacée ou supprimée, ou le lien est incomplet.")
        }
        (401, false) => ("Please sign in", "This page is for signed-in people."),
        (401, true) => ("Connectez-vous", "Cette page est réservée aux personnes connectées."),
        (403, false) => ("Not allowed", "You are not allowed to see or do this."),
        (403, true) => ("Non autorisé", "Vous n’êtes pas autorisé à voir ceci ou à faire cela."),
        (405, false) => ("Not possible here", "This address does not accept this kind of request."),
        (405, true) => ("Impossible ici", "Cette adresse n’accepte pas ce type de requête."),
        (410, false) => ("No longer available", "This link has expired or was withdrawn."),
        (410, true) => ("Plus disponible", "Ce lien a expiré ou a été retiré."),
        (429, false) => ("Too many attempts", "Wait a little, then try again."),
        (429, true) => ("Trop de tentatives", "Patientez un peu, puis réessayez."),
        (s, false) if s >= 500 => {
            ("Something went wrong", "Something went wrong on our side. Try again later; if it persists, give us the reference below.")
        }
        (s, true) if s >= 500 => (
            "Une erreur s’est produite",
            "Une erreur s’est produite de notre côté. Réessayez plus tard ; si elle persiste, donnez-nous la référence ci-dessous.",
        ),
        (_, false) => ("This did not work", "The request could not be handled."),
        (_, true) => ("Cela n’a pas fonctionné", "La requête n’a pas pu être traitée."),
    }
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
            JsonRejection::MissingJsonContentType(_) => AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send a JSON body with `Content-Type: application/json`",
            ),
            JsonRejection::JsonSyntaxError(e) => {
                let text = e.body_text();
                let detail = text.rsplit_once(": ").map(|(_, d)| d).unwrap_or("invalid JSON");
                AppError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the body is not valid JSON: {}", redact_serde_message(detail)),
                )
            }
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let mut detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(&text);
                // For an unknown field, the path before the message is the client's own key.
                if detail.contains("unknown field") {
                    detail = detail.split_once(": ").map(|(_, d)| d).unwrap_or(detail);
                }
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!("the body does not have the expected fields and types: {}", redact_serde_message(detail)),
                )
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {} bytes", crate::platform::limits::BODY_LIMIT),
            ),
            other => AppError::new(StatusCode::BAD_REQUEST, "bad_request", redact_serde_message(&other.body_text())),
        }
    }
}

/// A core error as an API error, with the words people read in their language where the
/// catalogue has them (a refused password's reason, throttles).
pub fn localised(e: clearboard_core::CoreError, t: &crate::platform::i18n::Texts) -> AppError {
    use clearboard_core::CoreError as E;
    let text = match &e {
        E::PasswordTooWeak { reason, .. } => Some(crate::platform::i18n::password_too_weak(t.lang, reason)),
        E::Throttled { .. } => Some(t.too_many_attempts.to_string()),
        E::Busy { .. } => Some(t.server_busy.to_string()),
        _ => None,
    };
    let mut err = AppError::from(e);
    if let Some(text) = text {
        err.message = text;
    }
    err
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
