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
//! The counters are [`crate::platform::counters`]: keyed hashes only (of an email's blind
//! index, a device cookie's nonce, an account id or the client address), nothing logged; in
//! memory on one node, shared through the directory's database by a PostgreSQL cluster, so
//! the bounds hold across nodes (issue 20).
//! This module must not decide what a failure is: callers report failures and ask for locks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::platform::clock::{DAY, MINUTE, Millis};
use crate::platform::counters::{CounterState, Tally};
use crate::platform::error::CoreError;
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

// A counter's state here: `hits` are the failures of the window that began at `since`,
// `pending` the checks admitted and not finished yet (admission needs `hits + pending` below
// the rule, so guesses sent all at once, to one node or several, cannot outrun the count),
// `locked_until` the end of a lock. A node killed in the middle of a check leaves its pending
// count behind until the window ends.

fn fresh(now: Millis) -> CounterState {
    CounterState { hits: 0, pending: 0, since: now, locked_until: 0 }
}

fn secs_left(until: Millis, now: Millis) -> u64 {
    u64::try_from((until - now + 999) / 1000).unwrap_or(1).max(1)
}

/// Admission: the next state, and the seconds to wait when refused.
fn admit(rule: Rule, s: Option<CounterState>, now: Millis) -> (CounterState, Option<u64>) {
    let mut s = s.unwrap_or_else(|| fresh(now));
    if s.locked_until > now {
        return (s, Some(secs_left(s.locked_until, now)));
    }
    if now - s.since >= rule.window_ms {
        s = CounterState { since: now, ..fresh(now) };
    }
    if s.hits + s.pending >= i64::from(rule.failures) {
        return (s, Some(1));
    }
    s.pending += 1;
    (s, None)
}

/// One failure of an admitted check: the next state, and whether it started a lock.
fn failure(rule: Rule, s: Option<CounterState>, now: Millis) -> (CounterState, bool) {
    let mut s = s.unwrap_or_else(|| fresh(now));
    s.pending = (s.pending - 1).max(0);
    if now - s.since >= rule.window_ms {
        s = CounterState { pending: s.pending, locked_until: s.locked_until, ..fresh(now) };
    }
    s.hits += 1;
    if s.hits >= i64::from(rule.failures) {
        return (CounterState { hits: 0, pending: s.pending, since: now, locked_until: now + rule.lock_ms }, true);
    }
    (s, false)
}

/// One admitted check: report its outcome with [`Attempt::failed`] or [`Attempt::succeeded`];
/// dropped without either (the client went away), it is no longer pending (a task does it).
#[derive(Debug)]
pub struct Attempt {
    throttle: Throttle,
    kind: Kind,
    key: Vec<u8>,
    done: bool,
}

impl Attempt {
    /// The check failed: one more failure (returns true when it started a lock).
    pub async fn failed(mut self, now: Millis) -> Result<bool, CoreError> {
        self.done = true;
        let rule = self.throttle.rule(self.kind);
        let before = self.throttle.step(self.kind, &self.key, now, &|s| failure(rule, s, now).0).await?;
        let locked = failure(rule, before, now).1;
        if locked {
            metrics::counter!("clearboard_throttle_locks_total", "kind" => kind_label(self.kind)).increment(1);
        }
        Ok(locked)
    }

    /// The check succeeded.
    pub async fn succeeded(mut self, now: Millis) -> Result<(), CoreError> {
        self.done = true;
        self.throttle.finish(self.kind, &self.key, now).await
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (throttle, kind, key) = (self.throttle.clone(), self.kind, std::mem::take(&mut self.key));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                let now = throttle.now_hint();
                let _ = throttle.finish(kind, &key, now).await;
            });
        }
    }
}

/// The failure throttles, over the counters (cheap to clone).
#[derive(Clone)]
pub struct Throttle {
    rules: Rules,
    tally: Tally,
    clock: std::sync::Arc<dyn crate::platform::clock::Clock>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").field("rules", &self.rules).finish()
    }
}

impl Throttle {
    pub fn new(rules: Rules, tally: Tally, clock: std::sync::Arc<dyn crate::platform::clock::Clock>) -> Self {
        Self { rules, tally, clock }
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    fn now_hint(&self) -> Millis {
        self.clock.now_ms()
    }

    fn rule(&self, kind: Kind) -> Rule {
        match kind {
            Kind::ReauthAccount => self.rules.reauth_per_account,
            Kind::ReauthAddress => self.rules.reauth_per_address,
            Kind::SignInUntrusted => self.rules.sign_in_untrusted,
            Kind::SignInDevice => self.rules.sign_in_device,
        }
    }

    async fn step(
        &self,
        kind: Kind,
        key: &[u8],
        now: Millis,
        f: crate::platform::counters::Step<'_>,
    ) -> Result<Option<CounterState>, CoreError> {
        let rule = self.rule(kind);
        // Kept while a window or a lock can still matter.
        let keep = now + rule.window_ms.max(rule.lock_ms) + MINUTE;
        self.tally.step(kind_label(kind), key, now, keep, f).await
    }

    /// Admits one check of `key`, or answers the seconds to wait (the inner `Err`): while it
    /// is locked, or while the failures so far plus the checks still running reach the rule.
    pub async fn begin(&self, kind: Kind, key: &[u8], now: Millis) -> Result<Result<Attempt, u64>, CoreError> {
        let rule = self.rule(kind);
        let before = self.step(kind, key, now, &|s| admit(rule, s, now).0).await?;
        Ok(match admit(rule, before, now).1 {
            Some(secs) => Err(secs),
            None => Ok(Attempt { throttle: self.clone(), kind, key: key.to_vec(), done: false }),
        })
    }

    async fn finish(&self, kind: Kind, key: &[u8], now: Millis) -> Result<(), CoreError> {
        let step = |s: Option<CounterState>| {
            let s = s.unwrap_or_else(|| fresh(now));
            CounterState { pending: (s.pending - 1).max(0), ..s }
        };
        self.step(kind, key, now, &step).await.map(|_| ())
    }

    /// If `key` is locked at `now`, the seconds left (at least 1).
    pub async fn locked(&self, kind: Kind, key: &[u8], now: Millis) -> Result<Option<u64>, CoreError> {
        let before = self.step(kind, key, now, &|s| s.unwrap_or_else(|| fresh(now))).await?;
        Ok(before.filter(|s| s.locked_until > now).map(|s| secs_left(s.locked_until, now)))
    }

    /// Forgets the failures and the lock of `key` (after a success); checks still running stay
    /// counted.
    pub async fn clear(&self, kind: Kind, key: &[u8], now: Millis) -> Result<(), CoreError> {
        let step = |s: Option<CounterState>| {
            let s = s.unwrap_or_else(|| fresh(now));
            CounterState { hits: 0, locked_until: 0, ..s }
        };
        self.step(kind, key, now, &step).await.map(|_| ())
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
    use crate::platform::clock::SimClock;
    use crate::platform::counters::MemoryCounters;

    fn throttle() -> Throttle {
        let ring = clearboard_vault::Kek::from_bytes([7; 32]).keyring();
        let tally = Tally::new(std::sync::Arc::new(MemoryCounters::default()), clearboard_vault::BlindIndexer::new(&ring));
        Throttle::new(Rules::default(), tally, std::sync::Arc::new(SimClock::at(0)))
    }

    async fn fail(t: &Throttle, kind: Kind, key: &[u8], now: Millis) -> bool {
        t.begin(kind, key, now).await.unwrap().unwrap().failed(now).await.unwrap()
    }

    #[tokio::test]
    async fn failures_lock_then_release_on_the_clock() {
        let t = throttle();
        let now = 1_000_000;
        for i in 0..4 {
            assert!(!fail(&t, Kind::ReauthAccount, b"a", now + i).await, "{i}");
            assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + i).await.unwrap(), None);
        }
        assert!(fail(&t, Kind::ReauthAccount, b"a", now + 5).await);
        assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + 5).await.unwrap(), Some(900));
        assert_eq!(t.begin(Kind::ReauthAccount, b"a", now + 6).await.unwrap().err(), Some(900), "refused while locked");
        assert_eq!(t.locked(Kind::ReauthAccount, b"b", now + 5).await.unwrap(), None, "keys are independent");
        assert_eq!(t.locked(Kind::ReauthAddress, b"a", now + 5).await.unwrap(), None, "kinds are independent");
        assert_eq!(t.locked(Kind::ReauthAccount, b"a", now + 5 + 15 * MINUTE).await.unwrap(), None, "released by the clock");
    }

    #[tokio::test]
    async fn failures_outside_the_window_do_not_add_up() {
        let t = throttle();
        for i in 0..20 {
            assert!(!fail(&t, Kind::ReauthAccount, b"a", i * 4 * MINUTE).await);
        }
    }

    #[tokio::test]
    async fn checks_running_at_once_count_before_they_fail() {
        let t = throttle();
        let mut running = Vec::new();
        for _ in 0..5 {
            running.push(t.begin(Kind::ReauthAccount, b"a", 10).await.unwrap().unwrap());
        }
        assert_eq!(t.begin(Kind::ReauthAccount, b"a", 10).await.unwrap().err(), Some(1), "five pending reach the rule");
        running.pop().unwrap().succeeded(10).await.unwrap();
        assert!(t.begin(Kind::ReauthAccount, b"a", 10).await.unwrap().is_ok(), "a success frees its place");
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
