//! The bound on concurrent password-hashing work (C-SEC-1, issue 11 finding 5): at most
//! `permits` Argon2id hashes run at once on the blocking pool, so their memory is bounded at
//! `permits × 19 MiB` however many requests arrive; others queue for at most `queue_wait`, and
//! a request that would wait longer, or finds the queue full, is refused with `Busy`. It runs
//! closures it is given and knows nothing of passwords (`identity::password` hashes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::platform::error::CoreError;

/// Argon2id's memory per hash, in MiB (argon2's default `m = 19456` KiB).
pub const MIB_PER_HASH: usize = 19;

/// The bound on concurrent Argon2id work, with its gauges.
#[derive(Debug)]
pub struct Work {
    permits: usize,
    semaphore: Semaphore,
    queue_wait: Duration,
    max_waiting: usize,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl Work {
    /// `permits` hashes at once (0: two per core); at most `queue_wait` in the queue, and at
    /// most 32 waiters per permit.
    pub fn new(permits: usize, queue_wait: Duration) -> Self {
        let permits = if permits == 0 { default_permits() } else { permits };
        Self {
            permits,
            semaphore: Semaphore::new(permits),
            queue_wait,
            max_waiting: permits.saturating_mul(32),
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    pub fn permits(&self) -> usize {
        self.permits
    }

    /// How many hashes or verifications are running now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The most that ever ran at once (since start or the last [`Work::reset_peak`]).
    pub fn in_flight_peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    pub fn reset_peak(&self) {
        self.peak.store(self.in_flight(), Ordering::SeqCst);
    }

    /// Runs `f` on the blocking pool once a permit is free.
    pub(crate) async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, CoreError> {
        let busy = || {
            metrics::counter!("clearboard_password_work_refused_total").increment(1);
            CoreError::Busy { retry_after_secs: 1 }
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let permit = tokio::time::timeout(self.queue_wait, self.semaphore.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = match permit {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(CoreError::Internal("password work bound closed")),
            Err(_) => return Err(busy()),
        };
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        metrics::gauge!("clearboard_password_work_in_flight").set(now as f64);
        let out = tokio::task::spawn_blocking(f).await;
        let left = self.in_flight.fetch_sub(1, Ordering::SeqCst) - 1;
        metrics::gauge!("clearboard_password_work_in_flight").set(left as f64);
        out.map_err(|_| CoreError::Internal("password task failed"))
    }
}

impl Default for Work {
    fn default() -> Self {
        Self::new(0, Duration::from_secs(5))
    }
}

/// Two permits per core: Argon2id is memory-hard, not only CPU-bound, and a little queueing
/// inside the blocking pool costs less than refusing.
pub fn default_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}
