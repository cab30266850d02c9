//! Time is an input. Every deadline, timeout and retention rule reads a [`Clock`]; tests drive
//! a [`SimClock`] across months in milliseconds. This is the only module allowed to read the
//! wall clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> Millis;

    /// Today's date in UTC.
    fn today(&self) -> time::Date {
        date_of(self.now_ms())
    }
}

/// The UTC date of an instant.
pub fn date_of(ms: Millis) -> time::Date {
    let secs = ms.div_euclid(1000);
    time::OffsetDateTime::from_unix_timestamp(secs).map(|t| t.date()).unwrap_or(time::Date::MIN)
}

/// The instant at 00:00 UTC of a date.
pub fn midnight_ms(date: time::Date) -> Millis {
    date.midnight().assume_utc().unix_timestamp() * 1000
}

/// Formats an instant as RFC 3339 (UTC).
pub fn rfc3339(ms: Millis) -> String {
    // 9999-12-31T23:59:59.999Z, the last instant RFC 3339 can write.
    const LAST: Millis = 253_402_300_799_999;
    if !(0..=LAST).contains(&ms) {
        return rfc3339_by_time(ms);
    }
    // Written by hand: `time`'s formatter cost more than opening a card in an export of
    // 100,000 cards (two per card); the same text, as the test checks.
    let (days, rem) = (ms / DAY, ms % DAY);
    let (y, m, d) = clearboard_policy::period::civil_from_days(days);
    let mut out = String::with_capacity(24);
    digits(&mut out, y, 4);
    for (sep, v) in [('-', m), ('-', d), ('T', rem / HOUR), (':', rem % HOUR / MINUTE), (':', rem % MINUTE / SECOND)] {
        out.push(sep);
        digits(&mut out, v, 2);
    }
    // Milliseconds, without trailing zeros (none when whole), as `time` writes them.
    let (mut frac, mut n) = (rem % SECOND, 3);
    if frac > 0 {
        while frac % 10 == 0 {
            frac /= 10;
            n -= 1;
        }
        out.push('.');
        digits(&mut out, frac, n);
    }
    out.push('Z');
    out
}

/// Writes `v` in `n` decimal digits.
fn digits(out: &mut String, v: i64, n: u32) {
    for k in (0..n).rev() {
        out.push(char::from(b'0' + (v / 10i64.pow(k) % 10) as u8));
    }
}

fn rfc3339_by_time(ms: Millis) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now_ms(&self) -> Millis {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct SimClock(Arc<AtomicI64>);

impl SimClock {
    pub fn at(ms: Millis) -> Self {
        Self(Arc::new(AtomicI64::new(ms)))
    }

    pub fn advance(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn set(&self, ms: Millis) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_clock_moves_only_when_told() {
        let c = SimClock::at(1_764_000_000_000);
        assert_eq!(c.now_ms(), 1_764_000_000_000);
        c.advance(90 * DAY);
        assert_eq!(c.now_ms(), 1_764_000_000_000 + 90 * DAY);
        assert_eq!(midnight_ms(date_of(c.now_ms())) % DAY, 0);
        assert!(rfc3339(0).starts_with("1970-01-01T00:00:00"));
    }

    #[test]
    fn rfc3339_by_hand_writes_what_time_writes() {
        for ms in [0, 1, 10, 100, 120, 999, 1_000, 86_399_999, 951_782_400_000, 1_764_000_000_123, 4_107_542_400_000, 253_402_300_799_999] {
            assert_eq!(rfc3339(ms), rfc3339_by_time(ms), "{ms}");
        }
        assert_eq!(rfc3339(1_764_000_000_120), "2025-11-24T16:00:00.12Z");
        assert_eq!((rfc3339(-1), rfc3339(253_402_300_800_000)), (rfc3339_by_time(-1), rfc3339_by_time(253_402_300_800_000)));
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_by_hand_agrees_with_time_everywhere(ms in 0i64..=253_402_300_799_999) {
            proptest::prop_assert_eq!(rfc3339(ms), rfc3339_by_time(ms));
        }
    }
}
