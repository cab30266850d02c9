//! The stores every room shares: a region's data store (the identity, acknowledgement and
//! retention ports of its database, and its audit chain), its key store (kept apart
//! from the data, never in data backups), the directory (blind indexes, staff roles, the board
//! index, policy versions; no plaintext personal data) and blob stores.

use async_trait::async_trait;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::platform::clock::Millis;
use crate::platform::error::{StoreError, StoreResult};
use crate::platform::ids::{BlobId, BoardId, OrgId, RegionId, SubjectId};
use crate::platform::ports::audit::AuditDraft;
use crate::platform::ports::identity::{IdentityStore, StaffRow};
use crate::platform::ports::privacy::{AckStore, PolicyVersionRow, RetentionStore};

/// A region's data store: the ports of the rooms that keep their rows in the region's
/// database, and the region's audit chain.
#[async_trait]
pub trait RegionStore: IdentityStore + AckStore + RetentionStore + Send + Sync + std::fmt::Debug {
    async fn ping(&self) -> StoreResult<()>;

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
    /// A local file holding the blob, for streaming reads, when the store has one (the local
    /// folder does; S3 does not: callers spool with [`BlobStore::get_to_file`] instead).
    fn local_path(&self, _id: &BlobId) -> Option<std::path::PathBuf> {
        None
    }
    /// A local folder for files that will be passed to [`BlobStore::put_file`] (on the same
    /// file system for the local store, so that storing is a rename) and for spooled reads.
    fn scratch_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir()
    }
    /// Writes the blob into the local file `dst` (created or truncated), streaming; `false`
    /// when there is no such blob (nothing is left at `dst` then).
    async fn get_to_file(&self, id: &BlobId, dst: &std::path::Path) -> StoreResult<bool> {
        let Some(bytes) = self.get(id).await? else { return Ok(false) };
        tokio::fs::write(dst, bytes).await.map_err(|e| StoreError::Unavailable(e.kind().to_string()))?;
        Ok(true)
    }
    /// Every blob stored (for backups and forensic scans), in no particular order.
    async fn list(&self) -> StoreResult<Vec<BlobId>>;
}
