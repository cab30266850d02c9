//! The error catalogue (issue 12): every stable code an answer of clearboard can carry, with
//! its HTTP status and the key of the words people read (web's `i18n::errors` holds them in
//! English and French). `CoreError::code` maps the domain's errors onto it; the web layer's
//! `AppError` carries nothing else; the OpenAPI document lists `ErrorCode::ALL` as the enum of
//! the `Error` schema's `code`.
//!
//! A code is an API promise: never rename or reuse one. To add one, add a line below (code,
//! status, key), then its words in `web/src/platform/i18n/errors.rs` (a unit test there fails
//! until both languages have them). Core knows statuses as numbers only (no HTTP types here).
//! `ErrorCode` serialises as its code, and reads back from it (the socket protocol's frames).

use std::fmt;

macro_rules! catalogue {
    ($($variant:ident = $code:literal, $status:literal;)*) => {
        /// A stable error code of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in the catalogue's order (by status).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as clients see it (`snake_case`, stable).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The HTTP status every answer with this code has.
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }

            /// The key of the words people read for this code (in English and French).
            pub const fn message_key(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => concat!("error.", $code),)*
                }
            }
        }
    };
}

catalogue! {
    BadRequest = "bad_request", 400;
    MalformedJson = "malformed_json", 400;
    MalformedQuery = "malformed_query", 400;
    MalformedMultipart = "malformed_multipart", 400;
    OauthStateInvalid = "oauth_state_invalid", 400;
    Unauthenticated = "unauthenticated", 401;
    InvalidCredentials = "invalid_credentials", 401;
    ReauthenticationFailed = "reauthentication_failed", 401;
    RecoveryCodeInvalid = "recovery_code_invalid", 401;
    Forbidden = "forbidden", 403;
    CrossSiteRequestRefused = "cross_site_request_refused", 403;
    StaffTrainingRequired = "staff_training_required", 403;
    PurposeDenied = "purpose_denied", 403;
    NotFound = "not_found", 404;
    MethodNotAllowed = "method_not_allowed", 405;
    RequestTimeout = "request_timeout", 408;
    Conflict = "conflict", 409;
    EmailTaken = "email_taken", 409;
    IntegrationNotConnected = "integration_not_connected", 409;
    ParticipationPaused = "participation_on_hold", 409;
    VotesHidden = "results_not_revealed", 409;
    UndoConflict = "undo_conflict", 409;
    OrganisationChoiceRequired = "organisation_choice_required", 409;
    LinkInvalid = "link_invalid", 410;
    ExportGone = "export_gone", 410;
    PayloadTooLarge = "payload_too_large", 413;
    ImportTooLarge = "import_too_large", 413;
    UnsupportedMediaType = "unsupported_media_type", 415;
    UnsupportedMedia = "unsupported_media", 415;
    ValidationFailed = "validation_failed", 422;
    InvalidBody = "invalid_body", 422;
    UnderMinimumAge = "under_minimum_age", 422;
    UnknownRegion = "unknown_region", 422;
    PasswordTooWeak = "password_too_weak", 422;
    ImportInvalid = "import_invalid", 422;
    CardNumberRefused = "card_number_refused", 422;
    UpgradeRequired = "upgrade_required", 426;
    PolicyAckRequired = "policy_ack_required", 428;
    RateLimited = "rate_limited", 429;
    TooManySockets = "too_many_sockets", 429;
    Internal = "internal", 500;
    Unavailable = "unavailable", 503;
    Busy = "busy", 503;
}

impl ErrorCode {
    /// The code with this name, if the catalogue has one.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The code of an error status that reached the client without one (a rejection of the
    /// framework, a plain-text answer): the catalogue's general code of that status, else of
    /// its class (`bad_request` for a 4xx, `internal` for a 5xx). Its status is the code's.
    pub const fn for_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::InvalidBody,
            426 => ErrorCode::UpgradeRequired,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::Unavailable,
            s if s >= 500 => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        }
    }

    /// How long to wait before retrying, for the codes whose answers say so (`Retry-After`
    /// on every 429 and 503) when the error itself names no time.
    pub const fn retry_after_default(self) -> Option<u64> {
        match self {
            ErrorCode::RateLimited | ErrorCode::TooManySockets => Some(60),
            ErrorCode::Unavailable => Some(30),
            ErrorCode::Busy => Some(5),
            _ => None,
        }
    }

    /// Whether the failure is ours (5xx): people get the generic words, the detail goes to the
    /// logs only.
    pub const fn is_server_error(self) -> bool {
        self.status() >= 500
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Read back from its code (the socket protocol's `error` frames carry it both ways); a code
/// the catalogue does not have is refused.
impl<'de> serde::Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ErrorCode::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a code of the error catalogue")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'), "{c}");
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
            assert_eq!(c.message_key(), format!("error.{c}"));
            assert!((400..600).contains(&c.status()), "{c}");
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }

    #[test]
    fn every_status_falls_back_to_a_code_of_its_class() {
        for status in 400..600u16 {
            let c = ErrorCode::for_status(status);
            assert_eq!(c.status() / 100, status / 100, "{status} -> {c}");
        }
        // The statuses the framework and its layers answer with keep their status.
        for status in [400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 426, 429, 500, 503] {
            assert_eq!(ErrorCode::for_status(status).status(), status);
        }
    }

    #[test]
    fn codes_travel_as_their_strings() {
        for c in ErrorCode::ALL {
            let json = serde_json::to_string(c).unwrap_or_default();
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).ok(), Some(*c));
        }
        assert!(serde_json::from_str::<ErrorCode>("\"no_such_code\"").is_err());
    }

    #[test]
    fn answers_that_ask_to_wait_say_how_long() {
        for c in ErrorCode::ALL {
            let waits = matches!(c.status(), 429 | 503);
            assert_eq!(c.retry_after_default().is_some(), waits, "{c}");
        }
    }
}
