//! The rows of identity: subjects and their kinds, accounts (personal fields sealed with the
//! subject's key), sessions (token hashes only) and staff roles. Stored by `RegionStore` and
//! `Directory` (see `stores`).

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;
use crate::platform::ids::{BlobId, RegionId, SubjectId};
use crate::platform::ports::audit::AuditDraft;
use crate::platform::ports::privacy::PurgeCount;

/// The kinds of people whose data the system holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Account,
    Participant,
    Contact,
    Applicant,
    Attendee,
    Requester,
    Child,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Participant => "participant",
            Self::Contact => "contact",
            Self::Applicant => "applicant",
            Self::Attendee => "attendee",
            Self::Requester => "requester",
            Self::Child => "child",
        }
    }
}

/// An account row as stored: personal fields are envelopes sealed with the subject's key.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub subject_id: SubjectId,
    pub email_bidx: Vec<u8>,
    pub email: Vec<u8>,
    pub first_name: Vec<u8>,
    pub last_name: Vec<u8>,
    pub phone: Option<Vec<u8>>,
    pub password_hash: Vec<u8>,
    pub picture_blob: Option<BlobId>,
    pub locale: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A session as stored: only the SHA-256 of the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub subject_id: SubjectId,
    pub kind: String,
    pub created_at: Millis,
    pub last_seen_at: Millis,
}

/// A staff member's role and training, kept in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub subject_id: SubjectId,
    pub region: RegionId,
    pub role: String,
    /// When the confidentiality training was last completed, or never.
    pub trained_at: Option<Millis>,
    pub created_at: Millis,
}

/// Accounts, sessions and activations, in a region's database.
#[async_trait]
pub trait IdentityStore: Send + Sync + std::fmt::Debug {
    /// Creates the subject and its account, and appends `audit`, in one transaction.
    /// `Conflict` if the email blind index is taken.
    async fn create_account(&self, kind: SubjectKind, row: &AccountRow, audit: AuditDraft) -> StoreResult<()>;
    async fn account(&self, id: &SubjectId) -> StoreResult<Option<AccountRow>>;
    async fn account_by_email(&self, email_bidx: &[u8]) -> StoreResult<Option<AccountRow>>;
    /// Replaces the account row's mutable fields and appends `audit`, in one transaction.
    /// When `revoke_sessions_except` is set, every other session of the subject is deleted too.
    async fn update_account(&self, row: &AccountRow, revoke_sessions_except: Option<&[u8]>, audit: AuditDraft) -> StoreResult<()>;
    /// Deletes the account and every session, marks the subject erased, appends `audit`.
    async fn delete_account(&self, id: &SubjectId, at: Millis, audit: AuditDraft) -> StoreResult<()>;
    /// When the subject was erased, if it was.
    async fn subject_erased_at(&self, id: &SubjectId) -> StoreResult<Option<Millis>>;

    /// Inserts a session; deletes `replaces` (rotation) in the same transaction.
    async fn insert_session(&self, row: &SessionRow, replaces: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRow>>;
    async fn touch_session(&self, token_hash: &[u8], at: Millis) -> StoreResult<()>;
    async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<bool>;
    /// Deletes every session of `subject` but `except`; returns how many.
    async fn delete_sessions_of(&self, subject: &SubjectId, except: Option<&[u8]>, audit: Option<AuditDraft>) -> StoreResult<u64>;
    /// Deletes sessions idle since before `idle_before` or created before `created_before`,
    /// except those of subjects under an active legal hold on the `security` category at `now`.
    async fn purge_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount>;
    /// Counts, without deleting, what [`IdentityStore::purge_sessions`] would delete and keep.
    async fn count_due_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount>;
    async fn sessions_of(&self, subject: &SubjectId) -> StoreResult<Vec<SessionRow>>;

    /// Account activation (issue 11): records that `subject`'s account waits for the link
    /// whose token hashes to `token_hash`, until `expires_at`.
    async fn put_activation(&self, subject: &SubjectId, token_hash: &[u8], expires_at: Millis, at: Millis) -> StoreResult<()>;
    /// When `subject`'s pending activation expires, if the account waits for one.
    async fn activation_pending(&self, subject: &SubjectId) -> StoreResult<Option<Millis>>;
    /// Removes the activation whose token hashes to `token_hash` and returns its subject with
    /// its expiry (expired or not: the caller decides).
    async fn take_activation(&self, token_hash: &[u8]) -> StoreResult<Option<(SubjectId, Millis)>>;
    async fn delete_activation(&self, subject: &SubjectId) -> StoreResult<()>;
    /// Subjects whose activation expired at or before `now`.
    async fn expired_activations(&self, now: Millis) -> StoreResult<Vec<SubjectId>>;
}
