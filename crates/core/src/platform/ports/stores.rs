//! The stores every room shares: a region's data store (accounts, sessions, activations,
//! acknowledgements, legal holds, retention runs, its audit chain), its key store (kept apart
//! from the data, never in data backups), the directory (blind indexes, staff roles, the board
//! index, policy versions; no plaintext personal data) and blob stores.

use async_trait::async_trait;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::platform::clock::Millis;
use crate::platform::error::{StoreError, StoreResult};
use crate::platform::ids::{BlobId, BoardId, OrgId, RegionId, SubjectId};
use crate::platform::ports::audit::AuditDraft;
use crate::platform::ports::identity::{AccountRow, SessionRow, StaffRow, SubjectKind};
use crate::platform::ports::privacy::{LegalHoldRow, PolicyVersionRow, PurgeCount, RetentionRunRow};

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
    /// Physical clean-up after keys were destroyed (no copy of a destroyed key may survive in
    /// a write-ahead log or free pages).
    async fn compact(&self) -> StoreResult<Vec<String>> {
        Ok(Vec::new())
    }
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

    async fn index_org(&self, org: &OrgId, region: &RegionId) -> StoreResult<()>;
    async fn org_region(&self, org: &OrgId) -> StoreResult<Option<RegionId>>;
    async fn index_board(&self, board: &BoardId, org: &OrgId, region: &RegionId, join_code: &str) -> StoreResult<()>;
    /// (org, region) of a board.
    async fn board_location(&self, board: &BoardId) -> StoreResult<Option<(OrgId, RegionId)>>;
    /// (board, region) of a join code.
    async fn board_by_code(&self, code: &str) -> StoreResult<Option<(BoardId, RegionId)>>;
    /// Gives a board a new join code (`Conflict` if another board has it).
    async fn rekey_board_code(&self, board: &BoardId, join_code: &str) -> StoreResult<()>;
    async fn unindex_board(&self, board: &BoardId) -> StoreResult<()>;
    /// Removes an organisation and its boards from the index.
    async fn unindex_org(&self, org: &OrgId) -> StoreResult<()>;

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
    /// Stores the (already sealed) content of a local file under `id`, moving it when the
    /// store can (large exports never pass through memory).
    async fn put_file(&self, id: &BlobId, src: &std::path::Path) -> StoreResult<()> {
        let bytes = tokio::fs::read(src).await.map_err(|e| StoreError::Unavailable(e.kind().to_string()))?;
        self.put(id, &bytes).await?;
        let _ = tokio::fs::remove_file(src).await;
        Ok(())
    }
    /// A local file holding the blob, for streaming reads, when the store has one.
    fn local_path(&self, _id: &BlobId) -> Option<std::path::PathBuf> {
        None
    }
    /// A folder on the same file system for files that will be passed to [`BlobStore::put_file`].
    fn scratch_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir()
    }
}
