//! The counters of rate limits and throttles shared by a cluster's nodes (issue 20; C-SEC-1):
//! core's `Counters` port on the directory's PostgreSQL database, table `rate_counters`.
//!
//! A step runs in one transaction: `INSERT … ON CONFLICT DO UPDATE … RETURNING` creates the
//! row or locks it and reads it in one statement, core's step computes the next state, an
//! `UPDATE` writes it. A second node's step on the same key waits for the row lock, so the
//! counters hold across nodes exactly as in one process. Keys arrive hashed (core's `Tally`).
//! Every 256 steps a node deletes the rows whose `keep_until` is past.

use std::sync::atomic::{AtomicU64, Ordering};

use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::counters::{CounterState, Counters, Step};
use clearboard_core::platform::ports::StoreResult;
use sqlx::postgres::PgPool;

use crate::platform::db::{Db, err};

/// The counters in PostgreSQL.
#[derive(Debug)]
pub struct PgCounters {
    pool: PgPool,
    steps: AtomicU64,
}

impl PgCounters {
    /// On the directory's database (`db` must be PostgreSQL: a SQLite deployment is one node
    /// and keeps its counters in memory).
    pub fn new(db: &Db) -> Result<Self, String> {
        let Db::Postgres(pool) = db else {
            return Err("shared rate-limit counters need a PostgreSQL database".into());
        };
        Ok(Self { pool: pool.clone(), steps: AtomicU64::new(0) })
    }

    /// Deletes the counters past their `keep_until`.
    pub async fn purge(&self, now: Millis) -> StoreResult<u64> {
        let r = sqlx::query("DELETE FROM rate_counters WHERE keep_until < $1").bind(now).execute(&self.pool).await.map_err(err)?;
        Ok(r.rows_affected())
    }
}

#[async_trait::async_trait]
impl Counters for PgCounters {
    async fn step(&self, scope: &str, hashed: &[u8; 32], now: Millis, keep: Millis, next: Step<'_>) -> StoreResult<Option<CounterState>> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        // A new row starts forgotten (keep_until 0); an existing one is locked as it is read.
        let (hits, pending, since, locked_until, kept): (i64, i64, i64, i64, i64) = sqlx::query_as(
            "INSERT INTO rate_counters (scope, key_hash, hits, pending, since, locked_until, keep_until) \
             VALUES ($1, $2, 0, 0, 0, 0, 0) \
             ON CONFLICT (scope, key_hash) DO UPDATE SET hits = rate_counters.hits \
             RETURNING hits, pending, since, locked_until, keep_until",
        )
        .bind(scope)
        .bind(&hashed[..])
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let before = (kept >= now).then_some(CounterState { hits, pending, since, locked_until });
        let after = next(before);
        sqlx::query(
            "UPDATE rate_counters SET hits = $3, pending = $4, since = $5, locked_until = $6, keep_until = $7 \
             WHERE scope = $1 AND key_hash = $2",
        )
        .bind(scope)
        .bind(&hashed[..])
        .bind(after.hits)
        .bind(after.pending)
        .bind(after.since)
        .bind(after.locked_until)
        .bind(keep)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        if self.steps.fetch_add(1, Ordering::Relaxed) % 256 == 255 {
            self.purge(now).await?;
        }
        Ok(before)
    }
}
