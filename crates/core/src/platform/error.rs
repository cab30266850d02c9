//! The domain's errors, each with a stable code (the web layer's error catalogue uses it), and
//! the errors the ports report (`StoreError`).
//! Messages are written for the person who made the request and never contain personal data
//! (not even the value they sent).

use clearboard_vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{message}")]
    Validation { field: &'static str, message: String },
    #[error("you must be at least {minimum} years old to create an account")]
    UnderMinimumAge { minimum: u32 },
    #[error("an account with this email address already exists")]
    EmailTaken,
    #[error("the email address or password is wrong")]
    InvalidCredentials,
    #[error("sign in first")]
    Unauthenticated,
    #[error("your current password is needed for this change, and it was wrong or missing")]
    ReauthenticationFailed,
    #[error("not found")]
    NotFound,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("your confidentiality training is missing or has expired: access to personal data is refused until it is renewed")]
    StaffTrainingRequired,
    #[error("this processing is not allowed by the privacy policy: {0}")]
    PurposeDenied(#[from] clearboard_policy::Denied),
    #[error("{0}")]
    UnsupportedMedia(String),
    #[error("the file is too large (at most {max_bytes} bytes)")]
    TooLarge { max_bytes: usize },
    #[error("too many attempts; wait a little and try again")]
    RateLimited,
    #[error("region `{0}` is not offered by this deployment")]
    UnknownRegion(String),
    #[error("storage failure")]
    Store(#[from] StoreError),
    #[error("cryptographic failure")]
    Vault(#[from] VaultError),
    #[error("this subject's data has been erased")]
    Erased,
    #[error("{0}")]
    Conflict(&'static str),
    #[error("this link is invalid or has expired")]
    LinkInvalid,
    /// An import refused by one of its bounds (413) or its shape (422); the reason names the
    /// rule, never what the archive holds (issue 11, finding 2).
    #[error("{reason}")]
    ImportRefused { too_large: bool, reason: String },
    /// An export that can no longer be downloaded: expired or revoked (issue 11, finding 9).
    #[error("{0}")]
    ExportGone(&'static str),
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal error")]
    Internal(&'static str),
    /// A new password that is too easy to guess; `reason` is a `password_strength` key.
    #[error("this password is too easy to guess: {message}; choose a longer passphrase of several unrelated words")]
    PasswordTooWeak { field: &'static str, reason: &'static str, message: &'static str },
    /// Too many attempts of one kind (sign-in, re-authentication, sign-up): wait and retry.
    #[error("too many attempts; wait {retry_after_secs} seconds and try again")]
    Throttled { retry_after_secs: u64 },
    /// The server is at its bound of concurrent password work: retry shortly.
    #[error("the server is busy; try again in a moment")]
    Busy { retry_after_secs: u64 },
}

impl CoreError {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Self::Validation { field, message: message.into() }
    }

    /// The stable, documented error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::UnderMinimumAge { .. } => "under_minimum_age",
            Self::EmailTaken => "email_taken",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unauthenticated => "unauthenticated",
            Self::ReauthenticationFailed => "reauthentication_failed",
            Self::NotFound | Self::Erased => "not_found",
            Self::Forbidden => "forbidden",
            Self::StaffTrainingRequired => "staff_training_required",
            Self::PurposeDenied(_) => "purpose_denied",
            Self::UnsupportedMedia(_) => "unsupported_media",
            Self::TooLarge { .. } => "payload_too_large",
            Self::RateLimited | Self::Throttled { .. } => "rate_limited",
            Self::PasswordTooWeak { .. } => "password_too_weak",
            Self::Busy { .. } => "busy",
            Self::UnknownRegion(_) => "unknown_region",
            Self::Store(StoreError::Conflict) | Self::Conflict(_) => "conflict",
            Self::LinkInvalid => "link_invalid",
            Self::ImportRefused { too_large: true, .. } => "import_too_large",
            Self::ImportRefused { too_large: false, .. } => "import_invalid",
            Self::ExportGone(_) => "export_gone",
            Self::Unavailable(_) => "unavailable",
            Self::Store(StoreError::Unavailable(_)) => "unavailable",
            Self::Store(_) | Self::Vault(_) | Self::Internal(_) => "internal",
        }
    }

    /// The HTTP status this error maps to (the web layer converts; core knows no HTTP types).
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } | Self::UnderMinimumAge { .. } | Self::UnknownRegion(_) | Self::PasswordTooWeak { .. } => 422,
            Self::EmailTaken | Self::Store(StoreError::Conflict) | Self::Conflict(_) => 409,
            Self::LinkInvalid => 410,
            Self::ImportRefused { too_large: true, .. } => 413,
            Self::ImportRefused { too_large: false, .. } => 422,
            Self::ExportGone(_) => 410,
            Self::Unavailable(_) => 503,
            Self::InvalidCredentials | Self::Unauthenticated | Self::ReauthenticationFailed => 401,
            Self::NotFound | Self::Erased => 404,
            Self::Forbidden | Self::StaffTrainingRequired | Self::PurposeDenied(_) => 403,
            Self::UnsupportedMedia(_) => 415,
            Self::TooLarge { .. } => 413,
            Self::RateLimited | Self::Throttled { .. } => 429,
            Self::Busy { .. } => 503,
            Self::Store(StoreError::Unavailable(_)) => 503,
            Self::Store(_) | Self::Vault(_) | Self::Internal(_) => 500,
        }
    }

    /// For 429 and 503 answers: how long to wait before retrying (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Throttled { retry_after_secs } | Self::Busy { retry_after_secs } => Some(*retry_after_secs),
            Self::RateLimited => Some(60),
            _ => None,
        }
    }

    /// The field an input error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Validation { field, .. } | Self::PasswordTooWeak { field, .. } => Some(field),
            Self::UnderMinimumAge { .. } => Some("birth_date"),
            Self::EmailTaken => Some("email"),
            Self::ImportRefused { .. } => Some("file"),
            Self::UnknownRegion(_) => Some("region"),
            _ => None,
        }
    }
}

/// What a store reports; core turns it into a [`CoreError`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was violated (e.g. the email is taken).
    #[error("conflict")]
    Conflict,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
