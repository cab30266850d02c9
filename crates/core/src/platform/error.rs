//! The domain's errors, each with its code in the error catalogue (`error_codes`), and the
//! errors the ports report (`StoreError`).
//! Messages are written for the person who made the request and never contain personal data
//! (not even the value they sent).

use clearboard_vault::VaultError;

use crate::platform::error_codes::ErrorCode;

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
    /// The board's countdown ended and its facilitator paused participation (issue 14).
    #[error("the time is up: the facilitator has paused participation")]
    ParticipationPaused,
    /// A voting session's results are hidden until the facilitator reveals them (issue 14).
    #[error("the results of this vote are hidden until the facilitator reveals them")]
    VotesHidden,
    /// An undo or redo that would overwrite what someone else did since (issue 14): the
    /// operation is dropped from the person's history and nothing changes. Names the rule.
    #[error("{0}")]
    UndoConflict(&'static str),
    /// An import refused by one of its bounds (413) or its shape (422); the reason names the
    /// rule, never what the archive holds (issue 11, finding 2).
    #[error("{reason}")]
    ImportRefused { too_large: bool, reason: String },
    /// An export that can no longer be downloaded: expired or revoked (issue 11, finding 9).
    #[error("{0}")]
    ExportGone(&'static str),
    /// An account deletion without the person's choice for each organisation they own alone
    /// with other members (issue 14): the organisations (ids and names, the organisation's).
    #[error("choose, for each organisation you own with other members, to pass it on or to delete it")]
    OrganisationChoiceRequired(Vec<(String, String)>),
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal error")]
    Internal(&'static str),
    /// The answer from an OAuth provider names a state we did not give this person, or one
    /// already used or expired: nothing is exchanged (CSRF).
    #[error("this connection attempt is not one we started for you, or it has expired; start again from the connect screen")]
    OAuthStateInvalid,
    /// An import from an integration the person has not connected.
    #[error("connect the service first, from its connect screen")]
    IntegrationNotConnected,
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

    /// The error's code in the catalogue (`error_codes`), which gives its HTTP status too.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation { .. } => ErrorCode::ValidationFailed,
            Self::UnderMinimumAge { .. } => ErrorCode::UnderMinimumAge,
            Self::EmailTaken => ErrorCode::EmailTaken,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::ReauthenticationFailed => ErrorCode::ReauthenticationFailed,
            Self::NotFound | Self::Erased => ErrorCode::NotFound,
            Self::Forbidden => ErrorCode::Forbidden,
            Self::StaffTrainingRequired => ErrorCode::StaffTrainingRequired,
            Self::PurposeDenied(_) => ErrorCode::PurposeDenied,
            Self::UnsupportedMedia(_) => ErrorCode::UnsupportedMedia,
            Self::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::RateLimited | Self::Throttled { .. } => ErrorCode::RateLimited,
            Self::PasswordTooWeak { .. } => ErrorCode::PasswordTooWeak,
            Self::Busy { .. } => ErrorCode::Busy,
            Self::UnknownRegion(_) => ErrorCode::UnknownRegion,
            Self::Store(StoreError::Conflict) | Self::Conflict(_) => ErrorCode::Conflict,
            // A board or card deleted while a change to it was on its way: not found, as the
            // same request a moment later would be (found by the API fuzzer, PATCH vs DELETE).
            Self::Store(StoreError::Gone) => ErrorCode::NotFound,
            Self::LinkInvalid => ErrorCode::LinkInvalid,
            Self::OAuthStateInvalid => ErrorCode::OauthStateInvalid,
            Self::IntegrationNotConnected => ErrorCode::IntegrationNotConnected,
            Self::ParticipationPaused => ErrorCode::ParticipationPaused,
            Self::VotesHidden => ErrorCode::VotesHidden,
            Self::UndoConflict(_) => ErrorCode::UndoConflict,
            Self::ImportRefused { too_large: true, .. } => ErrorCode::ImportTooLarge,
            Self::ImportRefused { too_large: false, .. } => ErrorCode::ImportInvalid,
            Self::ExportGone(_) => ErrorCode::ExportGone,
            Self::OrganisationChoiceRequired(_) => ErrorCode::OrganisationChoiceRequired,
            Self::Unavailable(_) | Self::Store(StoreError::Unavailable(_)) => ErrorCode::Unavailable,
            Self::Store(_) | Self::Vault(_) | Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The HTTP status this error maps to: its code's (the web layer converts; core knows no
    /// HTTP types).
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// What this error says beyond its code's words (the rule that failed, the bound that was
    /// passed), for the person who made the request: never personal data, never the value they
    /// sent, and nothing for our own failures (5xx), whose detail goes to the logs only.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Validation { .. }
            | Self::UnderMinimumAge { .. }
            | Self::PurposeDenied(_)
            | Self::UnsupportedMedia(_)
            | Self::TooLarge { .. }
            | Self::Conflict(_)
            | Self::ImportRefused { .. }
            | Self::ExportGone(_)
            | Self::PasswordTooWeak { .. } => Some(self.to_string()),
            _ => None,
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
    /// The row the write needed is gone (deleted by a request that ran meanwhile).
    #[error("the record is gone")]
    Gone,
}

pub type StoreResult<T> = Result<T, StoreError>;
