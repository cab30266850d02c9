//! The counters behind rate limits and failure throttles (C-SEC-1; issue 20): sign-in guessing,
//! sign-up, re-authentication, consent records, per client address and per person.
//!
//! A counter is a small state (`hits`, `pending`, `since`, `locked_until`) under a scope and a
//! key. Its rules live with its users (`platform::throttle`, the web's rate limiter) as pure
//! step functions; the [`Counters`] port only applies a step atomically. One node keeps them
//! in memory ([`MemoryCounters`]); a cluster on PostgreSQL shares them in the directory's
//! database (`clearboard_store::platform::counters`), so N nodes allow what one node allows,
//! not N times as much.
//!
//! Keys are never kept as given: [`Tally`] replaces each (an address, an email's blind index, a
//! device nonce, an account id) by a keyed hash (the vault's blind indexer, domain
//! `rate-limit`) before any store sees it, so no address or email is at rest, even in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clearboard_vault::BlindIndexer;

use crate::platform::clock::Millis;
use crate::platform::error::{CoreError, StoreResult};

/// One counter's state; what the fields mean is up to the step that changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterState {
    pub hits: i64,
    pub pending: i64,
    pub since: Millis,
    pub locked_until: Millis,
}

/// A change of state: the current one (`None`: no counter yet, or forgotten) to the next.
pub type Step<'a> = &'a (dyn Fn(Option<CounterState>) -> CounterState + Send + Sync);

/// Where counters live.
#[async_trait::async_trait]
pub trait Counters: Send + Sync + std::fmt::Debug {
    /// Replaces the state of `(scope, key)` by `step(current)`, with no other step on that
    /// counter in between (on any node), and answers the state it found. The counter may be
    /// forgotten once `keep_until` is past (`now` is the clock's time, for that purge).
    async fn step(&self, scope: &str, key: &[u8; 32], now: Millis, keep_until: Millis, step: Step<'_>)
    -> StoreResult<Option<CounterState>>;
}

/// A counter in memory: its state and when it may be forgotten, by (scope, hashed key).
type Slots = HashMap<(String, [u8; 32]), (CounterState, Millis)>;

/// Counters of one process (a single node, SQLite or PostgreSQL without `cluster`).
#[derive(Debug, Default)]
pub struct MemoryCounters {
    map: Mutex<Slots>,
}

/// Counters kept at most in memory; beyond, the expired ones are forgotten.
const MAX_ENTRIES: usize = 100_000;

#[async_trait::async_trait]
impl Counters for MemoryCounters {
    async fn step(
        &self,
        scope: &str,
        key: &[u8; 32],
        now: Millis,
        keep_until: Millis,
        step: Step<'_>,
    ) -> StoreResult<Option<CounterState>> {
        let Ok(mut map) = self.map.lock() else {
            return Err(crate::platform::error::StoreError::Unavailable("the counters' lock is poisoned".into()));
        };
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, keep)| *keep >= now);
        }
        let slot = map.entry((scope.to_string(), *key)).or_insert((CounterState::default(), Millis::MIN));
        let before = (slot.1 >= now).then_some(slot.0);
        *slot = (step(before), keep_until);
        Ok(before)
    }
}

/// The counters with their keys hashed: what the throttles and rate limits use.
#[derive(Clone)]
pub struct Tally {
    counters: Arc<dyn Counters>,
    blind: BlindIndexer,
}

impl std::fmt::Debug for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tally").field("counters", &self.counters).finish()
    }
}

impl Tally {
    pub fn new(counters: Arc<dyn Counters>, blind: BlindIndexer) -> Self {
        Self { counters, blind }
    }

    /// [`Counters::step`] on the keyed hash of `key` within `scope`.
    pub async fn step(
        &self,
        scope: &str,
        key: &[u8],
        now: Millis,
        keep_until: Millis,
        step: Step<'_>,
    ) -> Result<Option<CounterState>, CoreError> {
        let hashed = self.blind.of("rate-limit", &format!("{scope}:{}", URL_SAFE_NO_PAD.encode(key)));
        Ok(self.counters.step(scope, &hashed, now, keep_until, step).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_step_sees_the_state_the_last_one_left_until_it_is_forgotten() {
        let ring = clearboard_vault::Kek::from_bytes([3; 32]).keyring();
        let t = Tally::new(Arc::new(MemoryCounters::default()), BlindIndexer::new(&ring));
        let add = |s: Option<CounterState>| CounterState { hits: s.unwrap_or_default().hits + 1, ..Default::default() };
        assert_eq!(t.step("s", b"1.2.3.4", 0, 100, &add).await.unwrap(), None);
        assert_eq!(t.step("s", b"1.2.3.4", 50, 100, &add).await.unwrap().map(|s| s.hits), Some(1));
        assert_eq!(t.step("other", b"1.2.3.4", 50, 100, &add).await.unwrap(), None, "scopes are apart");
        assert_eq!(t.step("s", b"1.2.3.4", 101, 200, &add).await.unwrap(), None, "forgotten after keep_until");
    }
}
