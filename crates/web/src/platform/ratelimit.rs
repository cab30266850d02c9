//! Rate limits (token buckets, GCRA-like) for sign-in and sign-up, keyed by client address and,
//! for sign-up, by the blind index of the address signed up with (no plaintext in memory).
//! Guessing against one account is slowed by the core's failure throttles instead
//! (`clearboard_core::platform::throttle`: device cookies), which a stranger cannot turn into a
//! lock-out of the owner; a bucket per account here could (issue 11 finding 6).
//! Per process: with several nodes the effective limit is multiplied.
//! Time comes from the injected clock, so tests are deterministic.

use std::collections::HashMap;
use std::sync::Mutex;

use clearboard_core::platform::clock::{Clock, MINUTE, Millis};

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

/// (scope, key) → (tokens left, last refill).
type BucketKey = (u8, Vec<u8>);
type Bucket = (f64, Millis);

#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

/// Which limit a key counts against.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    SignInIp,
    SignUpIp,
    SignUpAddress,
    ConsentIp,
}

impl RateLimiter {
    pub fn new(limits: Limits) -> Self {
        Self { limits, buckets: Mutex::new(HashMap::new()) }
    }

    fn rate(&self, scope: Scope) -> Rate {
        match scope {
            Scope::SignInIp => self.limits.sign_in_per_ip,
            Scope::SignUpIp => self.limits.sign_up_per_ip,
            Scope::SignUpAddress => self.limits.sign_up_per_address,
            Scope::ConsentIp => self.limits.consent_per_ip,
        }
    }

    /// Takes one token; `false` when the bucket is empty.
    pub fn check(&self, clock: &dyn Clock, scope: Scope, key: &[u8]) -> bool {
        let rate = self.rate(scope);
        let now = clock.now_ms();
        let Ok(mut map) = self.buckets.lock() else {
            return true;
        };
        if map.len() > 50_000 {
            // Forget buckets that have refilled completely; they hold no information.
            map.retain(|(s, _), (tokens, at)| {
                let r = match s {
                    0 => self.limits.sign_in_per_ip,
                    1 => self.limits.sign_up_per_ip,
                    2 => self.limits.sign_up_per_address,
                    _ => self.limits.consent_per_ip,
                };
                *tokens + (now - *at) as f64 * f64::from(r.per_minute) / MINUTE as f64 <= f64::from(r.burst)
            });
        }
        let entry = map.entry((scope as u8, key.to_vec())).or_insert((f64::from(rate.burst), now));
        let refill = (now - entry.1).max(0) as f64 * f64::from(rate.per_minute) / MINUTE as f64;
        entry.0 = (entry.0 + refill).min(f64::from(rate.burst));
        entry.1 = now;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clearboard_core::platform::clock::{SECOND, SimClock};

    #[test]
    fn bursts_then_refills_with_time() {
        let clock = SimClock::at(1_000_000);
        let l = RateLimiter::new(Limits { sign_in_per_ip: Rate { burst: 3, per_minute: 6 }, ..Limits::default() });
        for _ in 0..3 {
            assert!(l.check(&clock, Scope::SignInIp, b"1.2.3.4"));
        }
        assert!(!l.check(&clock, Scope::SignInIp, b"1.2.3.4"));
        assert!(l.check(&clock, Scope::SignInIp, b"5.6.7.8"), "keys are independent");
        clock.advance(10 * SECOND);
        assert!(l.check(&clock, Scope::SignInIp, b"1.2.3.4"));
        assert!(!l.check(&clock, Scope::SignInIp, b"1.2.3.4"));
    }
}
