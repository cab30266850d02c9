//! Several server nodes on one PostgreSQL (issue 20): the bus over `LISTEN/NOTIFY` (core's
//! `Bus` port) and the claims that make a periodic duty run once per period.
//!
//! The bus uses the directory's database (every node shares it). A notice is a short text of
//! ids (`platform::bus::Notice`); `pg_notify` delivers it to every listening node at commit,
//! ours included, which drops its own. When the listening connection breaks, sqlx reconnects
//! it and this node tells itself `Reconnected`, so its rooms read the store again.
//!
//! A duty is claimed by inserting `(duty, period)` into `duty_runs`: the primary key lets one
//! insert win, whichever node tries first; the others see the row and skip. On SQLite (one
//! node by nature) the claim works the same and always wins once.

use std::sync::Arc;

use clearboard_core::platform::bus::{Bus, Notice};
use clearboard_core::platform::clock::Millis;
use clearboard_core::platform::ports::StoreResult;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::broadcast;

use crate::platform::db::Db;

/// The channel every node listens on.
pub const CHANNEL: &str = "clearboard_bus";

/// The bus over PostgreSQL `LISTEN/NOTIFY`.
#[derive(Debug)]
pub struct PgBus {
    pool: PgPool,
    node: String,
    tx: broadcast::Sender<Notice>,
}

impl PgBus {
    /// Starts listening on the directory's database (`db` must be PostgreSQL). The listening
    /// task ends when the bus is dropped.
    pub async fn start(db: &Db) -> Result<Arc<Self>, String> {
        let Db::Postgres(pool) = db else {
            return Err("the PostgreSQL bus needs a PostgreSQL database (database_url = postgres://…)".into());
        };
        let mut listener = PgListener::connect_with(pool).await.map_err(|e| format!("cannot listen for the bus: {e}"))?;
        listener.listen(CHANNEL).await.map_err(|e| format!("cannot listen for the bus: {e}"))?;
        let (tx, _) = broadcast::channel(4096);
        let bus = Arc::new(Self { pool: pool.clone(), node: clearboard_core::platform::bus::node_name(), tx: tx.clone() });
        let weak = Arc::downgrade(&bus);
        tokio::spawn(async move {
            let mut broken = false;
            loop {
                // `try_recv` reconnects after a broken connection, answering `None` once.
                let got = listener.try_recv().await;
                let Some(bus) = weak.upgrade() else { return };
                match got {
                    Ok(Some(n)) => {
                        if broken {
                            broken = false;
                            let _ = bus.tx.send(Notice::Reconnected);
                        }
                        if let Some((from, notice)) = Notice::decode(n.payload())
                            && from != bus.node
                        {
                            let _ = bus.tx.send(notice);
                        }
                    }
                    Ok(None) => broken = true,
                    Err(e) => {
                        tracing::warn!(error = %e, "the bus's connection failed; trying again");
                        broken = true;
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
                if broken && listener.listen(CHANNEL).await.is_ok() {
                    broken = false;
                    let _ = bus.tx.send(Notice::Reconnected);
                }
            }
        });
        Ok(bus)
    }

    /// This node's name on the bus (random, nothing about the machine).
    pub fn node(&self) -> &str {
        &self.node
    }
}

impl Bus for PgBus {
    fn publish(&self, notice: Notice) {
        let (pool, text) = (self.pool.clone(), notice.encode(&self.node));
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(text).execute(&pool).await {
                metrics::counter!("clearboard_bus_publish_failed_total").increment(1);
                tracing::warn!(error = %e, "a bus notice could not be sent (the store repairs it)");
            }
        });
    }

    fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }

    fn clustered(&self) -> bool {
        true
    }
}

/// Claims of periodic duties (`duty_runs`, in the directory's database).
#[derive(Debug, Clone)]
pub struct DutyClaims {
    db: Db,
}

impl DutyClaims {
    pub fn new(db: &Db) -> Self {
        Self { db: db.clone() }
    }

    /// Whether this node won `duty` for `period` (exactly one node does, whoever asks first).
    pub async fn claim(&self, duty: &str, period: i64, at: Millis) -> StoreResult<bool> {
        let n = conn!(&self.db, c => {
            sqlx::query("INSERT INTO duty_runs (duty, period, claimed_at) VALUES ($1, $2, $3) ON CONFLICT (duty, period) DO NOTHING")
                .bind(duty).bind(period).bind(at).execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(n == 1)
    }

    /// How many periods of `duty` were claimed (tests and the operator's view).
    pub async fn count(&self, duty: &str) -> StoreResult<i64> {
        conn!(&self.db, c => {
            sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM duty_runs WHERE duty = $1").bind(duty).fetch_one(c).await.map(|(n,)| n)
        })
    }

    /// Forgets the claims made before `at` (kept a while for the operator).
    pub async fn prune_before(&self, at: Millis) -> StoreResult<u64> {
        conn!(&self.db, c => {
            sqlx::query("DELETE FROM duty_runs WHERE claimed_at < $1").bind(at).execute(c).await.map(|r| r.rows_affected())
        })
    }
}
