//! The ports core needs from the outside: a store per region (data and audit chain), a key
//! store per region (kept apart from the data, never in data backups), the directory (blind
//! indexes and staff roles, no plaintext personal data), and blob stores. Implementations live
//! in `clearboard-store`; core never writes SQL.

use async_trait::async_trait;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::clock::Millis;
use crate::ids::{BlobId, RegionId, SubjectId};

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

/// What an audit entry says, before the store numbers and chains it.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub at_ms: Millis,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub purpose: Option<String>,
    pub detail: serde_json::Value,
}

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

/// What a purge did or would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeCount {
    /// Items past their rule, held or not.
    pub due: u64,
    /// Items deleted.
    pub purged: u64,
    /// Items kept because of a legal hold.
    pub held: u64,
}

/// A legal hold: data of a category kept for a subject despite its retention rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalHoldRow {
    pub id: String,
    pub subject_id: SubjectId,
    pub category: String,
    /// Why (a legal, accounting or tax obligation, a dispute); no personal data.
    pub reason: String,
    pub until_at: Millis,
    pub created_at: Millis,
    pub created_by: String,
    pub released_at: Option<Millis>,
}

/// One rule's run of the retention scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRunRow {
    pub id: String,
    /// `category:trigger`.
    pub rule: String,
    pub started_at: Millis,
    pub finished_at: Millis,
    pub due: i64,
    pub purged: i64,
    pub held: i64,
}

/// A published policy version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRow {
    pub digest: String,
    pub published_on: String,
    pub recorded_at: Millis,
    pub significant: bool,
    pub summary_en: String,
    pub summary_fr: String,
    pub body: String,
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

/// A region's data store.
#[async_trait]
pub trait RegionStore: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;

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
    /// Counts, without deleting, what [`RegionStore::purge_sessions`] would delete and keep.
    async fn count_due_sessions(&self, idle_before: Millis, created_before: Millis, now: Millis) -> StoreResult<PurgeCount>;
    async fn sessions_of(&self, subject: &SubjectId) -> StoreResult<Vec<SessionRow>>;

    /// Records that `subject` acknowledged policy version `digest` (idempotent).
    async fn record_ack(&self, subject: &SubjectId, digest: &str, method: &str, at: Millis, audit: Option<AuditDraft>) -> StoreResult<()>;
    async fn has_ack(&self, subject: &SubjectId, digest: &str) -> StoreResult<bool>;
    /// The subject's acknowledgements: (digest, method, at).
    async fn acks_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, String, Millis)>>;

    async fn put_legal_hold(&self, hold: &LegalHoldRow, audit: AuditDraft) -> StoreResult<()>;
    /// Releases a hold; `false` if there was no such active hold.
    async fn release_legal_hold(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool>;
    /// Holds, active at `at` when given, else all.
    async fn legal_holds(&self, active_at: Option<Millis>) -> StoreResult<Vec<LegalHoldRow>>;

    async fn record_retention_run(&self, run: &RetentionRunRow) -> StoreResult<()>;
    /// The latest runs, newest first.
    async fn retention_runs(&self, limit: i64) -> StoreResult<Vec<RetentionRunRow>>;

    /// Appends one entry to this region's audit chain.
    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry>;
    /// The whole chain in order, and its checkpoint.
    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)>;
    /// The entries about one subject (access transparency).
    async fn audit_about(&self, subject: &SubjectId) -> StoreResult<Vec<Entry>>;
}

/// A region's key store: wrapped data-encryption keys and the tombstones of destroyed ones.
#[async_trait]
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;
    async fn put(&self, subject: &SubjectId, key_id: u32, wrapped: &[u8], at: Millis) -> StoreResult<()>;
    async fn get(&self, subject: &SubjectId, key_id: u32) -> StoreResult<Option<Vec<u8>>>;
    /// Destroys every key of `subject` and records a tombstone, atomically. Idempotent.
    async fn destroy(&self, subject: &SubjectId, at: Millis) -> StoreResult<()>;
    /// Removes keys of a subject that never came into being (failed creation); no tombstone.
    async fn discard(&self, subject: &SubjectId) -> StoreResult<()>;
    async fn tombstone(&self, subject: &SubjectId) -> StoreResult<Option<Millis>>;
    async fn tombstones(&self) -> StoreResult<Vec<(SubjectId, Millis)>>;
}

/// The directory: which region holds whom, and staff roles. No plaintext personal data.
#[async_trait]
pub trait Directory: Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;
    /// Claims an email blind index for a subject. `Conflict` if taken.
    async fn claim_email(&self, bidx: &[u8], region: &RegionId, subject: &SubjectId, at: Millis) -> StoreResult<()>;
    async fn find_email(&self, bidx: &[u8]) -> StoreResult<Option<(RegionId, SubjectId)>>;
    /// Releases a claim, only if it is still held by `subject`.
    async fn release_email(&self, bidx: &[u8], subject: &SubjectId) -> StoreResult<()>;

    async fn put_staff(&self, row: &StaffRow, audit: AuditDraft) -> StoreResult<()>;
    async fn staff(&self, subject: &SubjectId) -> StoreResult<Option<StaffRow>>;
    async fn list_staff(&self) -> StoreResult<Vec<StaffRow>>;
    async fn remove_staff(&self, subject: &SubjectId, audit: AuditDraft) -> StoreResult<()>;

    /// Records a policy version if it is not known yet (the first recording time is kept).
    async fn record_policy_version(&self, v: &PolicyVersionRow) -> StoreResult<()>;
    /// Every version, oldest first.
    async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersionRow>>;

    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry>;
    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)>;
}

/// Where encrypted blobs live (local folder, or S3-compatible storage).
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    async fn put(&self, id: &BlobId, bytes: &[u8]) -> StoreResult<()>;
    async fn get(&self, id: &BlobId) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, id: &BlobId) -> StoreResult<()>;
}
