//! A region's key store: wrapped DEKs and tombstones, in their own database (never in data
//! backups). Destroying a subject's keys and recording its tombstone is one transaction.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{KeyStore, StoreResult};

use crate::platform::db::Db;

#[derive(Debug, Clone)]
pub struct SqlKeyStore {
    db: Db,
}

impl SqlKeyStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}

#[async_trait]
impl KeyStore for SqlKeyStore {
    async fn ping(&self) -> StoreResult<()> {
        conn!(&self.db, c => { sqlx::query("SELECT 1").execute(c).await.map(|_| ()) })
    }

    async fn put(&self, subject: &SubjectId, key_id: u32, wrapped: &[u8], at: Millis) -> StoreResult<()> {
        tx!(&self.db, t => {
            // A destroyed subject never gets a key again.
            let dead: Option<(i64,)> = sqlx::query_as("SELECT shredded_at FROM tombstones WHERE subject_id = $1").bind(subject.as_str()).fetch_optional(&mut *t).await?;
            if dead.is_some() {
                return Err(sqlx::Error::Protocol("the subject's keys were destroyed".into()));
            }
            sqlx::query("INSERT INTO subject_keys (subject_id, key_id, wrapped, created_at) VALUES ($1, $2, $3, $4)")
                .bind(subject.as_str())
                .bind(i64::from(key_id))
                .bind(wrapped)
                .bind(at)
                .execute(&mut *t)
                .await?;
            Ok(())
        })
    }

    async fn get(&self, subject: &SubjectId, key_id: u32) -> StoreResult<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT wrapped FROM subject_keys WHERE subject_id = $1 AND key_id = $2").bind(subject.as_str()).bind(i64::from(key_id)).fetch_optional(c).await
        })?;
        Ok(row.map(|(w,)| w))
    }

    async fn destroy(&self, subject: &SubjectId, at: Millis) -> StoreResult<()> {
        tx!(&self.db, t => {
            sqlx::query("DELETE FROM subject_keys WHERE subject_id = $1").bind(subject.as_str()).execute(&mut *t).await?;
            sqlx::query("INSERT INTO tombstones (subject_id, shredded_at) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING")
                .bind(subject.as_str())
                .bind(at)
                .execute(&mut *t)
                .await?;
            Ok(())
        })
    }

    async fn discard(&self, subject: &SubjectId) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("DELETE FROM subject_keys WHERE subject_id = $1").bind(subject.as_str()).execute(c).await.map(|_| ())
        })
    }

    async fn tombstone(&self, subject: &SubjectId) -> StoreResult<Option<Millis>> {
        let row: Option<(i64,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT shredded_at FROM tombstones WHERE subject_id = $1").bind(subject.as_str()).fetch_optional(c).await
        })?;
        Ok(row.map(|(t,)| t))
    }

    async fn tombstones(&self) -> StoreResult<Vec<(SubjectId, Millis)>> {
        let rows: Vec<(String, i64)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT subject_id, shredded_at FROM tombstones ORDER BY shredded_at, subject_id").fetch_all(c).await
        })?;
        Ok(rows.into_iter().map(|(s, t)| (SubjectId::from_stored(s), t)).collect())
    }

    async fn compact(&self) -> StoreResult<Vec<String>> {
        crate::platform::db::compact(&self.db, "key store").await
    }
}
