//! The backup shelf (C-RET-2): where backup files are kept, so that the retention scheduler
//! deletes those older than the policy allows. The binary implements it over its backup folder
//! (backups hold ciphertext only, never the key stores); core decides what is due.

use async_trait::async_trait;

use crate::platform::clock::Millis;
use crate::platform::error::StoreResult;

/// One backup file on the shelf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub name: String,
    pub created_at: Millis,
}

#[async_trait]
pub trait BackupShelf: Send + Sync + std::fmt::Debug {
    /// The backups kept, with when each was made.
    async fn list(&self) -> StoreResult<Vec<BackupFile>>;
    /// Deletes one backup (by the name `list` gave).
    async fn delete(&self, name: &str) -> StoreResult<()>;
}
