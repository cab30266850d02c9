//! Acknowledgements of policy versions (the `AckStore` port), legal holds and the retention
//! scheduler's runs (the `RetentionStore` port) of a region.

use async_trait::async_trait;
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ids::SubjectId;
use clearboard_core::platform::ports::{AckStore, AuditDraft, LegalHoldRow, RetentionRunRow, RetentionStore, StoreResult};

use crate::platform::region::SqlRegionStore;

macro_rules! hold_columns {
    () => {
        "id, subject_id, category, reason, until_at, created_at, created_by, released_at"
    };
}

#[derive(sqlx::FromRow)]
struct HoldRec {
    id: String,
    subject_id: String,
    category: String,
    reason: String,
    until_at: i64,
    created_at: i64,
    created_by: String,
    released_at: Option<i64>,
}

impl From<HoldRec> for LegalHoldRow {
    fn from(r: HoldRec) -> Self {
        LegalHoldRow {
            id: r.id,
            subject_id: SubjectId::from_stored(r.subject_id),
            category: r.category,
            reason: r.reason,
            until_at: r.until_at,
            created_at: r.created_at,
            created_by: r.created_by,
            released_at: r.released_at,
        }
    }
}

#[async_trait]
impl AckStore for SqlRegionStore {
    async fn record_ack(&self, subject: &SubjectId, digest: &str, method: &str, at: Millis, audit: Option<AuditDraft>) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            let n = sqlx::query("INSERT INTO policy_acks (subject_id, digest, method, at) VALUES ($1, $2, $3, $4) ON CONFLICT (subject_id, digest) DO NOTHING")
                .bind(subject.as_str())
                .bind(digest)
                .bind(method)
                .bind(at)
                .execute(&mut *t)
                .await?
                .rows_affected();
            if n > 0
                && let Some(a) = audit {
                    append_audit!(t, pg, &self.chain, &self.ring, a)?;
                }
            Ok(())
        })
    }

    async fn has_ack(&self, subject: &SubjectId, digest: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT at FROM policy_acks WHERE subject_id = $1 AND digest = $2").bind(subject.as_str()).bind(digest).fetch_optional(c).await
        })?;
        Ok(row.is_some())
    }

    async fn acks_of(&self, subject: &SubjectId) -> StoreResult<Vec<(String, String, Millis)>> {
        conn!(&self.db, c => {
            sqlx::query_as("SELECT digest, method, at FROM policy_acks WHERE subject_id = $1 ORDER BY at").bind(subject.as_str()).fetch_all(c).await
        })
    }
}

#[async_trait]
impl RetentionStore for SqlRegionStore {
    async fn put_legal_hold(&self, h: &LegalHoldRow, audit: AuditDraft) -> StoreResult<()> {
        let pg = self.pg();
        tx!(&self.db, t => {
            sqlx::query("INSERT INTO legal_holds (id, subject_id, category, reason, until_at, created_at, created_by, released_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&h.id)
                .bind(h.subject_id.as_str())
                .bind(&h.category)
                .bind(&h.reason)
                .bind(h.until_at)
                .bind(h.created_at)
                .bind(&h.created_by)
                .bind(h.released_at)
                .execute(&mut *t)
                .await?;
            append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            Ok(())
        })
    }

    async fn release_legal_hold(&self, id: &str, at: Millis, audit: AuditDraft) -> StoreResult<bool> {
        let pg = self.pg();
        tx!(&self.db, t => {
            let n = sqlx::query("UPDATE legal_holds SET released_at = $2 WHERE id = $1 AND released_at IS NULL").bind(id).bind(at).execute(&mut *t).await?.rows_affected();
            if n > 0 {
                append_audit!(t, pg, &self.chain, &self.ring, audit)?;
            }
            Ok(n > 0)
        })
    }

    async fn legal_holds(&self, active_at: Option<Millis>) -> StoreResult<Vec<LegalHoldRow>> {
        let recs: Vec<HoldRec> = conn!(&self.db, c => {
            match active_at {
                Some(at) => sqlx::query_as(concat!("SELECT ", hold_columns!(), " FROM legal_holds WHERE released_at IS NULL AND until_at > $1 ORDER BY created_at")).bind(at).fetch_all(c).await,
                None => sqlx::query_as(concat!("SELECT ", hold_columns!(), " FROM legal_holds ORDER BY created_at")).fetch_all(c).await,
            }
        })?;
        Ok(recs.into_iter().map(Into::into).collect())
    }

    async fn record_retention_run(&self, r: &RetentionRunRow) -> StoreResult<()> {
        conn!(&self.db, c => {
            sqlx::query("INSERT INTO retention_runs (id, rule, started_at, finished_at, due, purged, held) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&r.id)
                .bind(&r.rule)
                .bind(r.started_at)
                .bind(r.finished_at)
                .bind(r.due)
                .bind(r.purged)
                .bind(r.held)
                .execute(c)
                .await
                .map(|_| ())
        })
    }

    async fn retention_runs(&self, limit: i64) -> StoreResult<Vec<RetentionRunRow>> {
        let recs: Vec<(String, String, i64, i64, i64, i64, i64)> = conn!(&self.db, c => {
            sqlx::query_as("SELECT id, rule, started_at, finished_at, due, purged, held FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT $1").bind(limit).fetch_all(c).await
        })?;
        Ok(recs
            .into_iter()
            .map(|(id, rule, started_at, finished_at, due, purged, held)| RetentionRunRow {
                id,
                rule,
                started_at,
                finished_at,
                due,
                purged,
                held,
            })
            .collect())
    }
}
