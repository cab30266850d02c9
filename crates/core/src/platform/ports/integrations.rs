//! The ports of the integrations (`crate::integrations`): the region's `IntegrationStore`
//! (connections with their sealed tokens, pending authorizations, import jobs) and the
//! provider's API as the Google Drive integration calls it (`GoogleApi`: the OAuth token,
//! refresh and revoke endpoints, and Drive's `files/{id}`). The adapter of `GoogleApi` lives in
//! the binary (reqwest, with timeouts); the test kit runs it against an emulator of exactly
//! these endpoints.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::SubjectId;
use crate::platform::ports::audit::AuditDraft;

/// A person's connection to a provider. `tokens` is sealed with the person's key (AAD:
/// `integration_connections`, `tokens`, `{subject}:{provider}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    pub subject_id: SubjectId,
    /// The integration's id in the policy (`google-drive`).
    pub provider: String,
    /// The scopes the provider granted, space-separated (public strings of the policy).
    pub scopes: String,
    pub tokens: Vec<u8>,
    pub connected_at: Millis,
    pub last_used_at: Option<Millis>,
    pub updated_at: Millis,
}

/// An authorization on its way: the person was sent to the provider with a state whose
/// SHA-256 is kept here, with the PKCE verifier sealed with their key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub state_hash: Vec<u8>,
    pub subject_id: SubjectId,
    pub provider: String,
    pub verifier: Vec<u8>,
    pub created_at: Millis,
    pub expires_at: Millis,
}

/// An import job: which board, how far, and the outcome of each file (sealed with the
/// person's key, AAD `integration_imports`, `results`, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub provider: String,
    pub board_id: String,
    /// `queued`, `running`, `done` (every file), `partial` (some failed) or `failed` (all).
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub results: Vec<u8>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// The integrations' storage in a region.
#[async_trait]
pub trait IntegrationStore: Send + Sync + std::fmt::Debug {
    async fn put_grant(&self, g: &GrantRow) -> StoreResult<()>;
    /// Removes and returns the grant of a state (a state works once).
    async fn take_grant(&self, state_hash: &[u8]) -> StoreResult<Option<GrantRow>>;
    /// Deletes grants that expired before `before`; returns how many.
    async fn purge_grants(&self, before: Millis) -> StoreResult<u64>;
    /// Creates or replaces a connection (a new authorization replaces the old tokens).
    async fn put_connection(&self, c: &ConnectionRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn connection(&self, subject: &SubjectId, provider: &str) -> StoreResult<Option<ConnectionRow>>;
    async fn connections_of(&self, subject: &SubjectId) -> StoreResult<Vec<ConnectionRow>>;
    /// Deletes a connection; says whether there was one.
    async fn delete_connection(&self, subject: &SubjectId, provider: &str, audit: Option<AuditDraft>) -> StoreResult<bool>;
    async fn put_import(&self, i: &ImportRow, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn import(&self, id: &str) -> StoreResult<Option<ImportRow>>;
    async fn imports_of(&self, subject: &SubjectId) -> StoreResult<Vec<ImportRow>>;
    /// Deletes every import job and grant of a person (erasure); returns how many rows went.
    async fn delete_records_of(&self, subject: &SubjectId) -> StoreResult<u64>;
}

/// Tokens the provider issued.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthTokens {
    pub access_token: String,
    /// Given at the first authorization (`access_type=offline`), not on refresh.
    pub refresh_token: Option<String>,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokens").field("expires_in", &self.expires_in).field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// A Drive file's metadata (Drive data: never logged, never counted).
#[derive(Clone, PartialEq, Eq)]
pub struct DriveFile {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub size: Option<u64>,
    pub web_view_link: Option<String>,
}

impl std::fmt::Debug for DriveFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriveFile").finish_non_exhaustive()
    }
}

/// How a call to the provider failed; the words are ours, never the provider's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the provider no longer accepts our access (401)")]
    Unauthorized,
    #[error("the provider asks us to slow down (429)")]
    RateLimited,
    #[error("the provider failed")]
    Unavailable,
    #[error("the provider refused the request")]
    Refused,
    #[error("the file is not there or not shared with us")]
    NotFound,
    #[error("the file is larger than a card may hold")]
    TooLarge,
    #[error("the integration is not configured on this deployment")]
    NotConfigured,
}

impl ProviderError {
    /// A stable code for the person's per-file report.
    pub fn code(self) -> &'static str {
        match self {
            Self::Timeout => "provider_timeout",
            Self::Unauthorized => "provider_unauthorized",
            Self::RateLimited => "provider_rate_limited",
            Self::Unavailable => "provider_unavailable",
            Self::Refused => "provider_refused",
            Self::NotFound => "file_not_found",
            Self::TooLarge => "file_too_large",
            Self::NotConfigured => "not_configured",
        }
    }
}

/// Google's OAuth 2.0 and Drive v3 endpoints, as the Drive integration calls them.
#[async_trait]
pub trait GoogleApi: Send + Sync + std::fmt::Debug {
    /// The operator's OAuth client id and the authorization endpoint; `None` when the
    /// deployment has no Google client configured.
    fn client(&self) -> Option<(String, String)>;
    /// The authorization code, its PKCE verifier and the redirect URI → tokens.
    async fn exchange_code(&self, code: &str, verifier: &str, redirect_uri: &str) -> Result<OAuthTokens, ProviderError>;
    async fn refresh(&self, refresh_token: &str) -> Result<OAuthTokens, ProviderError>;
    /// Revokes a token (and the grant behind it).
    async fn revoke(&self, token: &str) -> Result<(), ProviderError>;
    /// `files/{id}`: the metadata of one file the person picked.
    async fn file(&self, access_token: &str, file_id: &str) -> Result<DriveFile, ProviderError>;
    /// `files/{id}?alt=media`: its content, at most `max_bytes`.
    async fn content(&self, access_token: &str, file_id: &str, max_bytes: usize) -> Result<Vec<u8>, ProviderError>;
}

/// No Google client configured: every call says so.
#[derive(Debug)]
pub struct NoGoogle;

#[async_trait]
impl GoogleApi for NoGoogle {
    fn client(&self) -> Option<(String, String)> {
        None
    }
    async fn exchange_code(&self, _: &str, _: &str, _: &str) -> Result<OAuthTokens, ProviderError> {
        Err(ProviderError::NotConfigured)
    }
    async fn refresh(&self, _: &str) -> Result<OAuthTokens, ProviderError> {
        Err(ProviderError::NotConfigured)
    }
    async fn revoke(&self, _: &str) -> Result<(), ProviderError> {
        Err(ProviderError::NotConfigured)
    }
    async fn file(&self, _: &str, _: &str) -> Result<DriveFile, ProviderError> {
        Err(ProviderError::NotConfigured)
    }
    async fn content(&self, _: &str, _: &str, _: usize) -> Result<Vec<u8>, ProviderError> {
        Err(ProviderError::NotConfigured)
    }
}
