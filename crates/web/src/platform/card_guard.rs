//! The card-number guard of the whole API and every form (C-DATA-3, PCI DSS SAQ A): a request
//! body in JSON or a URL-encoded form that holds a payment-card number anywhere (a value, a
//! key, a number) is refused with 422 `card_number_refused` before any handler, store or log
//! sees it. What a card number looks like is core's rule (`platform::card_numbers`); the
//! answer never carries the value, nor which field held it.
//!
//! Bodies of other kinds (media, archives, multipart uploads) are not read here: they are
//! files, not fields a person types a card number into.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clearboard_core::platform::card_numbers::contains_card_number;
use clearboard_core::platform::error_codes::ErrorCode;
use serde_json::Value;

use crate::platform::error::{AppError, is_body_timeout};

/// The most a JSON or form body may hold to be read here (the largest limit of any route
/// that takes one); a larger one is refused with 413 before it is read whole.
pub const GUARD_LIMIT: usize = crate::platform::limits::PICTURE_BODY_LIMIT;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Json,
    Form,
}

fn kind(headers: &axum::http::HeaderMap) -> Option<Kind> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?.to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or_default().trim().to_string();
    if essence == "application/json" || essence.ends_with("+json") {
        Some(Kind::Json)
    } else if essence == "application/x-www-form-urlencoded" {
        Some(Kind::Form)
    } else {
        None
    }
}

fn value_holds_a_card(v: &Value) -> bool {
    match v {
        Value::String(s) => contains_card_number(s),
        Value::Number(n) => contains_card_number(&n.to_string()),
        Value::Array(a) => a.iter().any(value_holds_a_card),
        Value::Object(o) => o.iter().any(|(k, v)| contains_card_number(k) || value_holds_a_card(v)),
        Value::Bool(_) | Value::Null => false,
    }
}

/// Whether a body holds a card number: each decoded JSON string, number and key, each decoded
/// form key and value; a body that does not parse is read as text.
fn holds_a_card(kind: Kind, body: &[u8]) -> bool {
    match kind {
        Kind::Json => match serde_json::from_slice::<Value>(body) {
            Ok(v) => value_holds_a_card(&v),
            Err(_) => contains_card_number(&String::from_utf8_lossy(body)),
        },
        Kind::Form => {
            form_urlencoded::parse(body).any(|(k, v)| contains_card_number(&k) || contains_card_number(&v))
                || contains_card_number(&String::from_utf8_lossy(body))
        }
    }
}

/// The one refusal of a card number, counted: the layer's, and that of a route reading a
/// multipart form's text fields itself (the layer leaves multipart bodies alone).
pub fn refused() -> AppError {
    metrics::counter!("clearboard_card_numbers_refused_total").increment(1);
    AppError::new(ErrorCode::CardNumberRefused)
}

/// A text field a route read from a multipart form: refused like a JSON or form field.
pub fn check_text(text: &str) -> Result<(), AppError> {
    if contains_card_number(text) { Err(refused()) } else { Ok(()) }
}

/// The layer: reads a JSON or form body, refuses it if it holds a card number, else hands the
/// same bytes on.
pub async fn refuse_card_numbers(req: Request, next: Next) -> Response {
    let Some(kind) = kind(req.headers()) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, GUARD_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            let code = if is_body_timeout(&*e.into_inner()) { ErrorCode::RequestTimeout } else { ErrorCode::PayloadTooLarge };
            return AppError::new(code).into_response();
        }
    };
    if holds_a_card(kind, &bytes) {
        return refused().into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_forms_are_read_field_by_field() {
        assert!(holds_a_card(Kind::Json, br#"{"a": {"b": ["x", "4111 1111 1111 1111"]}}"#));
        assert!(holds_a_card(Kind::Json, br#"{"n": 4111111111111111}"#));
        assert!(holds_a_card(Kind::Json, br#"{"4111111111111111": 1}"#));
        assert!(holds_a_card(Kind::Json, br#"{"t": "card:\n4111111111111111"}"#));
        assert!(holds_a_card(Kind::Json, br#"{"t": "\u0034111111111111111"}"#));
        assert!(holds_a_card(Kind::Json, b"{not json 4111111111111111"));
        assert!(holds_a_card(Kind::Form, b"a=1&card=4111+1111+1111+1111"));
        assert!(holds_a_card(Kind::Form, b"card=4111%201111%201111%201111"));
        assert!(!holds_a_card(Kind::Json, br#"{"id": "0190c3e2-7b1d-7123-8456-426614174000", "n": 12}"#));
        assert!(!holds_a_card(Kind::Form, b"email=a%40b.example&phone=%2B33+6+12+34+56+78"));
    }

    #[test]
    fn content_types_are_recognised() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(kind(&h), None);
        h.insert(header::CONTENT_TYPE, "application/json; charset=utf-8".parse().unwrap());
        assert_eq!(kind(&h), Some(Kind::Json));
        h.insert(header::CONTENT_TYPE, "application/merge-patch+json".parse().unwrap());
        assert_eq!(kind(&h), Some(Kind::Json));
        h.insert(header::CONTENT_TYPE, "Application/X-WWW-Form-Urlencoded".parse().unwrap());
        assert_eq!(kind(&h), Some(Kind::Form));
        h.insert(header::CONTENT_TYPE, "image/jpeg".parse().unwrap());
        assert_eq!(kind(&h), None);
    }
}
