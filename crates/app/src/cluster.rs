//! Several server nodes (issue 20): which bus the configuration chooses, and the periodic
//! duties that run once per cluster.
//!
//! Every duty of the background tasks (`spawn_background`) is claimed for its period before it
//! runs (`duty_runs`, in the directory's database): one node wins each period, the others
//! skip it. The period is the injected clock's time divided by the duty's interval, so nodes
//! whose ticks are not aligned still agree on it. A SQLite deployment is one node: its claims
//! always win, once per period, as before.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clearboard_core::Clearboard;
use clearboard_core::platform::bus::{Bus, LocalBus};
use clearboard_core::platform::counters::{Counters, MemoryCounters};
use clearboard_store::Opened;
use clearboard_store::platform::cluster::{DutyClaims, PgBus};
use clearboard_store::platform::counters::PgCounters;

use crate::Config;

/// The periodic duties, by the name their claims carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// The retention scheduler and the billing run (`retention_interval_minutes`).
    Retention,
    /// Rights upkeep: exports, legal holds, request deadlines, unactivated accounts (a minute).
    Upkeep,
    /// Outreach: a batch of every sending campaign (a second), policy notices.
    Outreach,
}

impl Duty {
    pub fn name(self) -> &'static str {
        match self {
            Duty::Retention => "retention",
            Duty::Upkeep => "upkeep",
            Duty::Outreach => "outreach",
        }
    }
}

/// What the bus is, from `cluster` and `bus_url`.
pub async fn bus(config: &Config, opened: &Opened) -> anyhow::Result<Arc<dyn Bus>> {
    let pg = config.database_url.as_deref().is_some_and(|u| u.starts_with("postgres"));
    if config.cluster && !pg {
        anyhow::bail!("cluster = true needs a PostgreSQL database_url (a SQLite deployment is one node)");
    }
    let wanted = config.bus_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    match wanted {
        None if config.cluster => pg_bus(opened).await,
        None | Some("local") => {
            anyhow::ensure!(!config.cluster, "cluster = true needs a bus between nodes: bus_url = \"postgres\" (the default)");
            Ok(Arc::new(LocalBus::default()))
        }
        Some("postgres") => {
            anyhow::ensure!(pg, "bus_url = \"postgres\" needs a PostgreSQL database_url");
            pg_bus(opened).await
        }
        Some(u) if u.starts_with("nats://") || u.starts_with("tls://") => {
            anyhow::ensure!(config.cluster, "bus_url = nats://… is for a cluster: set cluster = true (a PostgreSQL database_url)");
            let target = crate::nats::NatsTarget::parse(u).map_err(anyhow::Error::msg)?;
            let bus = crate::nats::NatsBus::start(target.clone()).await.map_err(anyhow::Error::msg).context("cannot start the bus")?;
            tracing::info!(subject = %target.subject, "board events and cache invalidations go over NATS");
            Ok(bus)
        }
        Some(_) => anyhow::bail!("bus_url: choose \"postgres\", \"nats://host:port\" or \"local\""),
    }
}

/// Where the rate limits and throttles count (C-SEC-1): a cluster shares its counters in the
/// directory's PostgreSQL database, so N nodes allow what one node allows; one node keeps them
/// in memory.
pub fn counters(config: &Config, opened: &Opened) -> anyhow::Result<Arc<dyn Counters>> {
    if !config.cluster {
        return Ok(Arc::new(MemoryCounters::default()));
    }
    Ok(Arc::new(PgCounters::new(opened.directory.db()).map_err(anyhow::Error::msg)?))
}

async fn pg_bus(opened: &Opened) -> anyhow::Result<Arc<dyn Bus>> {
    let bus = PgBus::start(opened.directory.db()).await.map_err(anyhow::Error::msg).context("cannot start the bus")?;
    tracing::info!("board events and cache invalidations go over PostgreSQL LISTEN/NOTIFY");
    Ok(bus)
}

/// Claims duties for their period.
#[derive(Debug, Clone)]
pub struct Duties {
    claims: DutyClaims,
}

impl Duties {
    pub fn new(opened: &Opened) -> Self {
        Self { claims: DutyClaims::new(opened.directory.db()) }
    }

    /// The period of a duty that runs every `every`, at `now` (ms).
    pub fn period(now: i64, every: Duration) -> i64 {
        now.div_euclid(i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1))
    }

    /// Whether this node runs `duty` for the period of `now` (exactly one node of the cluster
    /// does). A claim that cannot be written is not run (another node may have it).
    pub async fn take(&self, duty: Duty, every: Duration, now: i64) -> bool {
        match self.claims.claim(duty.name(), Self::period(now, every), now).await {
            Ok(won) => won,
            Err(e) => {
                tracing::warn!(error = %e, duty = duty.name(), "claiming a duty failed; skipped this period");
                false
            }
        }
    }

    /// How many periods of `duty` ran (across the cluster).
    pub async fn runs(&self, duty: Duty) -> anyhow::Result<i64> {
        Ok(self.claims.count(duty.name()).await?)
    }

    /// Forgets claims older than a day (each duty's claims of the last day stay for the operator).
    pub async fn prune(&self, now: i64) {
        if let Err(e) = self.claims.prune_before(now - clearboard_core::platform::clock::DAY).await {
            tracing::warn!(error = %e, "forgetting old duty claims failed");
        }
    }
}

/// Runs `duty` once if this node wins its period; returns whether it ran.
pub async fn run_once(cb: &Clearboard, duties: &Duties, duty: Duty, every: Duration, base_url: &str) -> bool {
    let now = cb.now();
    if !duties.take(duty, every, now).await {
        return false;
    }
    match duty {
        Duty::Retention => {
            if let Err(e) = cb.retention().run().await {
                tracing::warn!(error = %e, "retention run failed");
            }
            // Billing: each running contract's monthly period is invoiced once (the run is
            // idempotent; it also issues the drafts of an interrupted run).
            if cb.module_enabled("billing")
                && let Err(e) = cb.billing().run().await
            {
                tracing::warn!(error = %e, "billing run failed");
            }
            duties.prune(cb.now()).await;
        }
        Duty::Upkeep => upkeep(cb).await,
        Duty::Outreach => {
            if let Err(e) = cb.outreach().tick(base_url).await {
                tracing::warn!(error = %e, "a campaign's send job failed");
            }
            // Policy notices once a minute (whichever node wins that second).
            if Duties::period(now, every).rem_euclid(60) == 0
                && let Err(e) = cb.outreach().announce_policy(base_url, 100).await
            {
                tracing::warn!(error = %e, "sending policy notices failed");
            }
        }
    }
    true
}

/// Rights upkeep: resume interrupted exports, expire links, end legal holds, alert on overdue
/// requests, expire unconfirmed ones and erase request records past the policy's rule (the
/// retention scheduler does too), erase unactivated accounts.
async fn upkeep(cb: &Clearboard) {
    if let Err(e) = cb.exports().run_pending().await {
        tracing::warn!(error = %e, "export builder failed");
    }
    if let Err(e) = cb.exports().expire().await {
        tracing::warn!(error = %e, "expiring export links failed");
    }
    if let Err(e) = cb.erasure().release_expired_holds().await {
        tracing::warn!(error = %e, "ending legal holds failed");
    }
    if let Err(e) = cb.requests().overdue().await {
        tracing::warn!(error = %e, "checking request deadlines failed");
    }
    if let Err(e) = cb.requests().upkeep().await {
        tracing::warn!(error = %e, "request upkeep failed");
    }
    if let Err(e) = cb.accounts().purge_unactivated().await {
        tracing::warn!(error = %e, "erasing unactivated accounts failed");
    }
}
