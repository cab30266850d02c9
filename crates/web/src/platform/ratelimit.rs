//! Rate limits (token buckets, GCRA-like) for sign-in and sign-up, keyed by client address and,
//! for sign-up, by the blind index of the address signed up with (no plaintext in memory).
//! Guessing against one account is slowed by the core's failure throttles instead
//! (`clearboard_core::platform::throttle`: device cookies), which a stranger cannot turn into a
//! lock-out of the owner; a bucket per account here could (issue 11 finding 6).
//! The buckets are core's counters (`clearboard_core::platform::counters`): keys hashed, in
//! memory on one node, shared in the directory's database by a PostgreSQL cluster, so N nodes
//! allow what one node allows (issue 20). Time comes from the injected clock, so tests are
//! deterministic.

use clearboard_core::Clearboard;
use clearboard_core::platform::clock::{MINUTE, Millis};
use clearboard_core::platform::counters::CounterState;

/// One bucket's shape: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub sign_in_per_ip: Rate,
    pub sign_up_per_ip: Rate,
    /// Sign-ups with one email address, whoever sends them (mail bombing, enumeration).
    pub sign_up_per_address: Rate,
    /// Consent records written for one client address (choices, GPC refusals): the choice is
    /// always applied, but beyond this rate no new proof row is written.
    pub consent_per_ip: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            sign_in_per_ip: Rate { burst: 20, per_minute: 10 },
            sign_up_per_ip: Rate { burst: 10, per_minute: 2 },
            sign_up_per_address: Rate { burst: 3, per_minute: 1 },
            consent_per_ip: Rate { burst: 20, per_minute: 6 },
        }
    }
}

impl Limits {
    /// Effectively unlimited (tests that are not about rate limits).
    pub fn relaxed() -> Self {
        let r = Rate { burst: 1_000_000, per_minute: 1_000_000 };
        Self { sign_in_per_ip: r, sign_up_per_ip: r, sign_up_per_address: r, consent_per_ip: r }
    }
}

/// Tokens are kept in thousandths (`hits`), refilled from `since`.
const MILLI: f64 = 1000.0;

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
}

/// Which limit a key counts against.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    SignInIp,
    SignUpIp,
    SignUpAddress,
    ConsentIp,
}

impl Scope {
    fn label(self) -> &'static str {
        match self {
            Scope::SignInIp => "sign_in_ip",
            Scope::SignUpIp => "sign_up_ip",
            Scope::SignUpAddress => "sign_up_address",
            Scope::ConsentIp => "consent_ip",
        }
    }
}

/// A bucket's next state at `now`, and whether it gave a token.
fn take(rate: Rate, s: Option<CounterState>, now: Millis) -> (CounterState, bool) {
    let full = f64::from(rate.burst) * MILLI;
    let (tokens, at) = s.map_or((full, now), |s| (s.hits as f64, s.since));
    let refill = (now - at).max(0) as f64 * f64::from(rate.per_minute) * MILLI / MINUTE as f64;
    let tokens = (tokens + refill).min(full);
    let (left, ok) = if tokens >= MILLI { (tokens - MILLI, true) } else { (tokens, false) };
    (CounterState { hits: left as i64, pending: 0, since: now, locked_until: 0 }, ok)
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    fn rate(&self, scope: Scope) -> Rate {
        match scope {
            Scope::SignInIp => self.limits.sign_in_per_ip,
            Scope::SignUpIp => self.limits.sign_up_per_ip,
            Scope::SignUpAddress => self.limits.sign_up_per_address,
            Scope::ConsentIp => self.limits.consent_per_ip,
        }
    }

    /// Takes one token; `false` when the bucket is empty, or when the counters cannot be read
    /// (a limit that cannot be checked refuses).
    pub async fn check(&self, cb: &Clearboard, scope: Scope, key: &[u8]) -> bool {
        let rate = self.rate(scope);
        let now = cb.now();
        // A bucket that has refilled completely holds no information: forgotten after that.
        let full_ms = i64::from(rate.burst) * MINUTE / i64::from(rate.per_minute.max(1));
        let step = |s: Option<CounterState>| take(rate, s, now).0;
        match cb.tally().step(scope.label(), key, now, now + full_ms, &step).await {
            Ok(before) => take(rate, before, now).1,
            Err(e) => {
                tracing::warn!(error = %e, scope = scope.label(), "the rate-limit counters cannot be read; refused");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearboard_core::platform::clock::SECOND;

    #[test]
    fn bursts_then_refills_with_time() {
        let rate = Rate { burst: 3, per_minute: 6 };
        let (mut s, now) = (None, 1_000_000);
        for _ in 0..3 {
            let (next, ok) = take(rate, s, now);
            assert!(ok);
            s = Some(next);
        }
        let (next, ok) = take(rate, s, now);
        assert!(!ok, "the burst is spent");
        assert!(take(rate, None, now).1, "another key starts full");
        let (next, ok) = take(rate, Some(next), now + 10 * SECOND);
        assert!(ok, "one token back after ten seconds");
        assert!(!take(rate, Some(next), now + 10 * SECOND).1);
    }
}
