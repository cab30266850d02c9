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
}
