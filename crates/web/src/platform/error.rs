//! The web error: a code of the error catalogue (`clearboard_core::platform::error_codes`),
//! which gives its status and the key of its words (English and French), the detail of what
//! failed if there is one (never personal data, never the value sent, never for our own
//! failures), the field at fault, and `Retry-After` on every 429 and 503. The request id and
//! the language are added on the way out (`error_page::finish`), as JSON under `/api` and
//! for API clients, as an HTML page for people browsing pages. The fallbacks for unknown
//! paths (404) and methods (405) live here too.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clearboard_core::CoreError;
use clearboard_core::platform::error_codes::ErrorCode;
use serde_json::{Value, json};

use crate::platform::i18n::error_words;

/// An error answer. Handlers return it; the middleware renders it in the request's language.
#[derive(Debug, Clone)]
pub struct AppError {
    pub code: ErrorCode,
    /// What failed, beyond the code's words (the rule, the bound); dropped for 5xx.
    pub detail: Option<String>,
    pub field: Option<&'static str>,
    /// Seconds for `Retry-After`; the code's default when `None` (429 and 503 always have one).
    pub retry_after: Option<u64>,
    /// The language the handler chose (the account's, the body's); else the request's.
    pub lang: Option<&'static str>,
    /// What the person must choose among, for the codes that ask (`organisations` of
    /// `organisation_choice_required`: ids and names, never personal data).
    pub choices: Option<Box<(&'static str, Value)>>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, detail: None, field: None, retry_after: None, lang: None, choices: None }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    pub fn field(mut self, f: &'static str) -> Self {
        self.field = Some(f);
        self
    }

    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The status of the answer: the code's.
    pub fn status(&self) -> StatusCode {
        status_of(self.code)
    }

    /// The catalogue's error for a status that reached the client without one (a rejection of
    /// the framework, a plain-text answer): the code of that status (security review finding 15).
    pub fn for_status(status: StatusCode) -> Self {
        Self::new(ErrorCode::for_status(status.as_u16()))
    }

    /// The JSON body in `lang`, with the request id when known.
    pub fn body(&self, lang: &str, request_id: Option<&str>) -> Value {
        let mut e = json!({ "code": self.code, "message": error_words(self.code, lang).message });
        if let Some(d) = self.detail.as_deref().filter(|_| !self.code.is_server_error()) {
            e["detail"] = json!(d);
        }
        if let Some(f) = self.field {
            e["field"] = json!(f);
        }
        if let Some(c) = &self.choices {
            e[c.0] = c.1.clone();
        }
        if let Some(id) = request_id {
            e["request_id"] = json!(id);
        }
        json!({ "error": e })
    }
}

/// The status of a code as an HTTP type.
pub fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        if code.is_server_error() {
            // The detail goes to the log (it never holds personal data); the person gets a code.
            tracing::error!(code = %code, error = %e, detail = ?e, "request failed");
        }
        let choices = match &e {
            CoreError::OrganisationChoiceRequired(orgs) => {
                Some(Box::new(("organisations", orgs.iter().map(|(id, name)| json!({ "id": id, "name": name })).collect::<Value>())))
            }
            _ => None,
        };
        Self { code, detail: e.detail(), field: e.field(), retry_after: e.retry_after_secs(), lang: None, choices }
    }
}

impl IntoResponse for AppError {
    /// The JSON body in English; the middleware renders it again in the request's language,
    /// with the request id, or as a page (the error travels in the response's extensions).
    fn into_response(self) -> Response {
        let mut res = (self.status(), Json(self.body(self.lang.unwrap_or("en"), None))).into_response();
        if let Some(secs) = self.retry_after.or(self.code.retry_after_default()) {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(self);
        res
    }
}

/// The answer for a path no route serves (its detail tells it from a route's own 404).
pub async fn not_found() -> AppError {
    AppError::new(ErrorCode::NotFound).detail("no page or resource has this address")
}

pub async fn method_not_allowed() -> AppError {
    AppError::new(ErrorCode::MethodNotAllowed)
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

/// Whether a body could not be read because the client paused longer than the body idle
/// timeout (`tower_http`'s `RequestBodyTimeoutLayer`, around the router).
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(e), |e| e.source()).any(|e| e.is::<tower_http::timeout::TimeoutError>())
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => AppError::new(ErrorCode::UnsupportedMediaType),
            JsonRejection::JsonSyntaxError(e) => {
                let text = e.body_text();
                let detail = text.rsplit_once(": ").map(|(_, d)| d).unwrap_or("invalid JSON");
                AppError::new(ErrorCode::MalformedJson).detail(redact_serde_message(detail))
            }
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let mut detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(&text);
                // For an unknown field, the path before the message is the client's own key.
                if detail.contains("unknown field") {
                    detail = detail.split_once(": ").map(|(_, d)| d).unwrap_or(detail);
                }
                AppError::new(ErrorCode::InvalidBody).detail(redact_serde_message(detail))
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::new(ErrorCode::PayloadTooLarge)
                .detail(format!("the body is larger than {} bytes", crate::platform::limits::BODY_LIMIT)),
            JsonRejection::BytesRejection(e) if is_body_timeout(&e) => AppError::new(ErrorCode::RequestTimeout),
            JsonRejection::BytesRejection(_) => AppError::new(ErrorCode::BadRequest).detail("the body could not be read whole"),
            _ => AppError::new(ErrorCode::BadRequest),
        }
    }
}

/// A core error in the words of the language the handler chose (the account's, the body's),
/// with a refused password's reason in that language too.
pub fn localised(e: CoreError, t: &crate::platform::i18n::Texts) -> AppError {
    let weak = match &e {
        CoreError::PasswordTooWeak { reason, .. } => Some(crate::platform::i18n::password_weakness(t.lang, reason)),
        _ => None,
    };
    let mut err = AppError::from(e);
    if let Some(why) = weak {
        err.detail = Some(why.to_string());
    }
    err.lang = Some(t.lang);
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

    #[test]
    fn server_errors_say_nothing_but_their_code_and_the_generic_words() {
        let e = AppError::new(ErrorCode::Internal).detail("table cards: disk I/O error");
        let body = e.body("en", Some("abc"));
        assert_eq!(body["error"]["code"], "internal");
        assert!(body["error"].get("detail").is_none(), "{body}");
        assert_eq!(body["error"]["request_id"], "abc");
        let e = AppError::new(ErrorCode::ValidationFailed).detail("`title` is too long").field("title");
        let fr = e.body("fr", None);
        assert_eq!((fr["error"]["field"].as_str(), fr["error"]["detail"].as_str()), (Some("title"), Some("`title` is too long")));
        assert_ne!(fr["error"]["message"], e.body("en", None)["error"]["message"], "the words follow the language");
    }

    #[test]
    fn answers_that_ask_to_wait_carry_retry_after() {
        for code in [ErrorCode::RateLimited, ErrorCode::TooManySockets, ErrorCode::Busy, ErrorCode::Unavailable] {
            let res = AppError::new(code).into_response();
            assert!(res.headers().contains_key(header::RETRY_AFTER), "{code}");
        }
        let res = AppError::new(ErrorCode::RateLimited).retry_after(900).into_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "900");
    }
}
