//! A region's data store: the struct every room's port of the region is implemented on
//! (`identity`, `boards`, `privacy`), its connection and its audit chain.

use std::sync::Arc;

use async_trait::async_trait;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AuditDraft, RegionStore, StoreResult};
use clearboard_vault::Keyring;
use clearboard_vault::audit::{Checkpoint, Entry, Record};

use crate::platform::audit::{AuditRec, CheckpointRec, SELECT_ABOUT, SELECT_CHAIN, SELECT_CHECKPOINT, checkpoint_of};
use crate::platform::db::{Backend, Db};

/// The SQL implementation of [`RegionStore`] (SQLite or PostgreSQL).
#[derive(Debug, Clone)]
pub struct SqlRegionStore {
    pub(crate) db: Db,
    pub(crate) chain: String,
    pub(crate) ring: Arc<Keyring>,
}

impl SqlRegionStore {
    pub fn new(db: Db, chain: String, ring: Arc<Keyring>) -> Self {
        Self { db, chain, ring }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The audit chain name and keyring, for appending inside this store's transactions.
    pub(crate) fn audit_parts(&self) -> (&str, &clearboard_vault::Keyring) {
        (&self.chain, &self.ring)
    }

    pub(crate) fn pg(&self) -> bool {
        self.db.backend() == Backend::Postgres
    }
}

#[async_trait]
impl RegionStore for SqlRegionStore {
    async fn ping(&self) -> StoreResult<()> {
        conn!(&self.db, c => { sqlx::query("SELECT 1").execute(c).await.map(|_| ()) })
    }

    async fn audit_append(&self, draft: AuditDraft) -> StoreResult<Entry> {
        let pg = self.pg();
        tx!(&self.db, t => { append_audit!(t, pg, &self.chain, &self.ring, draft) })
    }

    async fn audit_chain(&self) -> StoreResult<(Vec<Record>, Option<Checkpoint>)> {
        load_chain(&self.db, &self.chain).await
    }

    async fn audit_about(&self, subject: &SubjectId) -> StoreResult<Vec<Entry>> {
        let recs: Vec<AuditRec> = conn!(&self.db, c => { sqlx::query_as(SELECT_ABOUT).bind(subject.as_str()).fetch_all(c).await })?;
        Ok(recs.into_iter().map(|r| r.into_record().entry).collect())
    }
}

/// Reads a whole chain and its checkpoint in one consistent snapshot.
pub async fn load_chain(db: &Db, chain: &str) -> StoreResult<(Vec<Record>, Option<Checkpoint>)> {
    let (recs, cp): (Vec<AuditRec>, Option<CheckpointRec>) = match db {
        Db::Sqlite(pool, _) => {
            let mut t = pool.begin().await.map_err(crate::platform::db::err)?;
            let recs = sqlx::query_as(SELECT_CHAIN).fetch_all(&mut *t).await.map_err(crate::platform::db::err)?;
            let cp = sqlx::query_as(SELECT_CHECKPOINT).bind(chain).fetch_optional(&mut *t).await.map_err(crate::platform::db::err)?;
            t.commit().await.map_err(crate::platform::db::err)?;
            (recs, cp)
        }
        Db::Postgres(pool) => {
            let mut t = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(crate::platform::db::err)?;
            let recs = sqlx::query_as(SELECT_CHAIN).fetch_all(&mut *t).await.map_err(crate::platform::db::err)?;
            let cp = sqlx::query_as(SELECT_CHECKPOINT).bind(chain).fetch_optional(&mut *t).await.map_err(crate::platform::db::err)?;
            t.commit().await.map_err(crate::platform::db::err)?;
            (recs, cp)
        }
    };
    Ok((recs.into_iter().map(AuditRec::into_record).collect(), cp.map(checkpoint_of)))
}
