//! The bounds of board sockets (security review finding 10): how many sockets one identity
//! may hold at once (counted per process, a place given back when its socket ends), and the
//! token bucket each socket's incoming messages spend from (time measured, not business time).

/// Limits on board sockets.
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    /// Sockets one identity may hold at once (tabs, devices).
    pub per_identity: usize,
    /// Messages a socket may send at once…
    pub burst: u32,
    /// …refilled at this many per second (drags are ≤ 20 Hz per person).
    pub per_second: u32,
}

impl Default for WsLimits {
    fn default() -> Self {
        Self { per_identity: 16, burst: 60, per_second: 30 }
    }
}

/// Open sockets per identity (in this process).
#[derive(Debug, Default)]
pub struct SocketCounts(std::sync::Mutex<std::collections::HashMap<String, usize>>);

/// Holds one socket's place; gives it back when dropped.
pub struct SocketSlot {
    counts: std::sync::Arc<SocketCounts>,
    key: String,
}

impl SocketCounts {
    /// Takes a place for `key`, or `None` when it already holds `max`.
    pub fn take(self: &std::sync::Arc<Self>, key: &str, max: usize) -> Option<SocketSlot> {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(key.to_string()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(SocketSlot { counts: self.clone(), key: key.to_string() })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut m = self.counts.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// A token bucket for one socket's incoming messages (time measured, not business time).
pub(super) struct MessageBudget {
    tokens: f64,
    burst: f64,
    per_second: f64,
    last: tokio::time::Instant,
}

impl MessageBudget {
    pub(super) fn new(l: WsLimits) -> Self {
        Self {
            tokens: f64::from(l.burst),
            burst: f64::from(l.burst),
            per_second: f64::from(l.per_second),
            last: tokio::time::Instant::now(),
        }
    }

    pub(super) fn spend(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_second).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
