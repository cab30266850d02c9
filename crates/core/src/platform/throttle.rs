//! Failure throttles for password checks (C-SEC-1; issue 11 findings 5 and 6), on the injected
//! clock:
//!
//! * Re-authentication (email or password change, account deletion): after `failures` wrong
//!   current passwords within `window`, per account and per client address, every attempt is
//!   refused with 429 until the lock ends, the right password included (a stolen session token
//!   must not become a password oracle).
//! * Sign-in, after OWASP's "device cookies"
//!   (<https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies>):
//!   a successful sign-in gives the client a device cookie signed for that account. Failures
//!   presented with a valid device cookie count against that device only and lock only it;
//!   failures without one count against "untrusted clients" of the account and lock only
//!   them. So a stranger guessing from elsewhere never locks the owner out of a device they
//!   have signed in from before (DESIGN: throttles never let a stranger lock the owner out).
//!
//! The counters live in this process's memory, keyed by hashes (an email's blind index, a
//! device cookie's nonce) or by the client address: nothing here is logged. With several nodes
//! each keeps its own counters (the bounds multiply by the number of nodes).
//! This module must not decide what a failure is: callers report failures and ask for locks.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::platform::clock::{DAY, MINUTE, Millis};
use crate::platform::ids::SubjectId;

/// A failure rule: `failures` within `window_ms` lock the key for `lock_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub failures: u32,
    pub window_ms: Millis,
    pub lock_ms: Millis,
}

/// Every throttle's rule (configuration, with safe defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub reauth_per_account: Rule,
    pub reauth_per_address: Rule,
    /// Sign-in failures without a valid device cookie, per account (email blind index).
    pub sign_in_untrusted: Rule,
    /// Sign-in failures with a device cookie, per device.
    pub sign_in_device: Rule,
    /// How long a device cookie is honoured after it was issued.
    pub device_cookie_ttl_ms: Millis,
}

impl Default for Rules {
    fn default() -> Self {
        let r = |failures| Rule { failures, window_ms: 15 * MINUTE, lock_ms: 15 * MINUTE };
        Self {
            reauth_per_account: r(5),
            reauth_per_address: r(10),
            sign_in_untrusted: r(10),
            sign_in_device: r(10),
            device_cookie_ttl_ms: 90 * DAY,
        }
    }
}

/// What a counter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ReauthAccount,
    ReauthAddress,
    SignInUntrusted,
    SignInDevice,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    since: Millis,
    locked_until: Millis,
    /// Checks admitted and not finished yet: admission needs `failures + in_flight` below the
    /// rule, so guesses sent all at once cannot outrun the count (every one of them would have
    /// been checked before the first failure was recorded).
    in_flight: u32,
}

/// One admitted check. Report its outcome with [`Attempt::failed`] or [`Attempt::succeeded`];
/// dropped without either (the client went away), it is simply no longer in flight.
#[derive(Debug)]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    kind: Kind,
    key: Vec<u8>,
    done: bool,
}

impl Attempt<'_> {
    /// The check failed: one more failure (returns true when it started a lock).
    pub fn failed(mut self, now: Millis) -> bool {
        self.done = true;
        self.throttle.finish(self.kind, &self.key);
        self.throttle.fail(self.kind, &self.key, now)
    }

    /// The check succeeded.
    pub fn succeeded(mut self) {
        self.done = true;
        self.throttle.finish(self.kind, &self.key);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.throttle.finish(self.kind, &self.key);
        }
    }
}

/// Entries kept at most; beyond, the finished ones are forgotten (they hold no information).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Default)]
pub struct Throttle {
    rules: Rules,
    counters: Mutex<HashMap<(Kind, Vec<u8>), Counter>>,
}

impl Throttle {
    pub fn new(rules: Rules) -> Self {
        Self { rules, counters: Mutex::new(HashMap::new()) }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    fn rule(&self, kind: Kind) -> Rule {
        match kind {
            Kind::ReauthAccount => self.rules.reauth_per_account,
            Kind::ReauthAddress => self.rules.reauth_per_address,
            Kind::SignInUntrusted => self.rules.sign_in_untrusted,
            Kind::SignInDevice => self.rules.sign_in_device,
        }
    }

    /// Admits one check of `key`, or answers the seconds to wait: while it is locked, or while
    /// the failures so far plus the checks still running reach the rule.
    pub fn begin(&self, kind: Kind, key: &[u8], now: Millis) -> Result<Attempt<'_>, u64> {
        let rule = self.rule(kind);
        let Ok(mut map) = self.counters.lock() else { return Err(1) };
        if map.len() >= MAX_ENTRIES {
            map.retain(|(k, _), c| c.in_flight > 0 || c.locked_until > now || now - c.since < self.rule(*k).window_ms);
        }
        let c = map.entry((kind, key.to_vec())).or_insert(Counter { failures: 0, since: now, locked_until: 0, in_flight: 0 });
        if c.locked_until > now {
            return Err(u64::try_from((c.locked_until - now + 999) / 1000).unwrap_or(1).max(1));
        }
        if now - c.since >= rule.window_ms {
            c.failures = 0;
            c.since = now;
        }
        if c.failures + c.in_flight >= rule.failures {
            return Err(1);
        }
        c.in_flight += 1;
        Ok(Attempt { throttle: self, kind, key: key.to_vec(), done: false })
    }

    fn finish(&self, kind: Kind, key: &[u8]) {
        if let Ok(mut map) = self.counters.lock()
            && let Some(c) = map.get_mut(&(kind, key.to_vec()))
        {
            c.in_flight = c.in_flight.saturating_sub(1);
        }
    }

    /// If `key` is locked at `now`, the seconds left (at least 1).
    pub fn locked(&self, kind: Kind, key: &[u8], now: Millis) -> Option<u64> {
        let map = self.counters.lock().ok()?;
        let c = map.get(&(kind, key.to_vec()))?;
        (c.locked_until > now).then(|| u64::try_from((c.locked_until - now + 999) / 1000).unwrap_or(1).max(1))
    }

    /// Records one failure; returns true when it started a lock.
    pub fn fail(&self, kind: Kind, key: &[u8], now: Millis) -> bool {
        let rule = self.rule(kind);
        let Ok(mut map) = self.counters.lock() else { return false };
        if map.len() >= MAX_ENTRIES {
            map.retain(|(k, _), c| c.in_flight > 0 || c.locked_until > now || now - c.since < self.rule(*k).window_ms);
        }
        let c = map.entry((kind, key.to_vec())).or_insert(Counter { failures: 0, since: now, locked_until: 0, in_flight: 0 });
        if now - c.since >= rule.window_ms {
            *c = Counter { failures: 0, since: now, locked_until: c.locked_until, in_flight: c.in_flight };
        }
        c.failures += 1;
        if c.failures >= rule.failures {
            c.locked_until = now + rule.lock_ms;
            c.failures = 0;
            c.since = now;
            metrics::counter!("clearboard_throttle_locks_total", "kind" => kind_label(kind)).increment(1);
            return true;
        }
        false
    }

    /// Forgets the failures of `key` (after a success); checks still running stay counted.
    pub fn clear(&self, kind: Kind, key: &[u8]) {
        if let Ok(mut map) = self.counters.lock()
            && let Some(c) = map.get_mut(&(kind, key.to_vec()))
        {
            *c = Counter { failures: 0, since: c.since, locked_until: 0, in_flight: c.in_flight };
        }
    }
}

fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::ReauthAccount => "reauth_account",
        Kind::ReauthAddress => "reauth_address",
        Kind::SignInUntrusted => "sign_in_untrusted",
        Kind::SignInDevice => "sign_in_device",
    }
}

/// Device cookies: `d1.<issued_ms>.<nonce>.<mac>`, where the MAC (a keyed HMAC from the
/// vault, domain `device-cookie`) binds the issue time and the nonce to one account. The cookie
/// names no one: only the server, knowing which account is being signed in to, can check it.
pub mod device {
    use super::*;

    const PREFIX: &str = "d1";

    fn mac(blind: &clearboard_vault::BlindIndexer, subject: &SubjectId, issued: Millis, nonce: &str) -> [u8; 32] {
        blind.of("device-cookie", &format!("{}.{issued}.{nonce}", subject.as_str()))
    }

    /// A new device cookie for `subject`.
    pub fn issue(
        blind: &clearboard_vault::BlindIndexer,
        subject: &SubjectId,
        now: Millis,
    ) -> Result<String, crate::platform::error::CoreError> {
        let nonce = URL_SAFE_NO_PAD.encode(clearboard_vault::random::bytes::<16>()?);
        let m = URL_SAFE_NO_PAD.encode(mac(blind, subject, now, &nonce));
        Ok(format!("{PREFIX}.{now}.{nonce}.{m}"))
    }

    /// The device's key (its nonce) when `cookie` is a live device cookie of `subject`.
    pub fn check(blind: &clearboard_vault::BlindIndexer, subject: &SubjectId, cookie: &str, now: Millis, ttl: Millis) -> Option<Vec<u8>> {
        if cookie.len() > 200 {
            return None;
        }
        let mut parts = cookie.split('.');
        let (prefix, issued, nonce, m) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if prefix != PREFIX || parts.next().is_some() || nonce.len() != 22 {
            return None;
        }
        let issued: Millis = issued.parse().ok()?;
        if issued > now || now - issued >= ttl {
            return None;
        }
        let got = URL_SAFE_NO_PAD.decode(m).ok()?;
        let want = mac(blind, subject, issued, nonce);
        bool::from(got.as_slice().ct_eq(&want)).then(|| nonce.as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_then_release_on_the_clock() {
        let t = Throttle::new(Rules::default());
        let now = 1_000_000;
        for i in 0..4 {
            assert!(!t.fail(Kind::ReauthAccount, b"a", now + i), "{i}");
            assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + i), None);
        }
        assert!(t.fail(Kind::ReauthAccount, b"a", now + 5));
        assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + 5), Some(900));
        assert_eq!(t.locked(Kind::ReauthAccount, b"b", now + 5), None, "keys are independent");
        assert_eq!(t.locked(Kind::ReauthAddress, b"a", now + 5), None, "kinds are independent");
        assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + 5 + 15 * MINUTE), None, "released by the clock");
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let t = Throttle::new(Rules::default());
        for i in 0..20 {
            assert!(!t.fail(Kind::ReauthAccount, b"a", i * 4 * MINUTE));
        }
    }

    #[test]
    fn device_cookies_are_bound_to_an_account_and_expire() {
        let ring = clearboard_vault::Kek::from_bytes([7; 32]).keyring();
        let blind = clearboard_vault::BlindIndexer::new(&ring);
        let ann = SubjectId::new(1).unwrap();
        let bob = SubjectId::new(2).unwrap();
        let c = device::issue(&blind, &ann, 1_000).unwrap();
        assert!(device::check(&blind, &ann, &c, 2_000, DAY).is_some());
        assert!(device::check(&blind, &bob, &c, 2_000, DAY).is_none(), "another account's cookie is not trusted");
        assert!(device::check(&blind, &ann, &c, 1_000 + DAY, DAY).is_none(), "expired");
        let forged = format!("{}x", &c[..c.len() - 1]);
        assert!(device::check(&blind, &ann, &forged, 2_000, DAY).is_none());
        assert!(device::check(&blind, &ann, "d1.1000.x.y", 2_000, DAY).is_none());
    }
}
