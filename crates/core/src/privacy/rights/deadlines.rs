//! The legal deadlines of a data-subject rights request (access, erasure, rectification, …).
//!
//! Pure calendar arithmetic: no I/O and no clock reads. The instant a request was received and
//! the instant "now" are arguments (see [`crate::platform::clock`]). All dates are UTC dates.
//!
//! The rules:
//!
//! - **GDPR Art. 12(3)**: the controller answers "without undue delay and in any event within
//!   one month of receipt of the request". A period expressed in months ends on the same
//!   day-of-month in the following month; when that day does not exist (received 31 January),
//!   it ends on the last day of that month (Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c), as
//!   applied by the EDPB in Guidelines 01/2022 on the right of access). The period "may be
//!   extended by two further months where necessary", and the person is told of the extension,
//!   with its reasons, "within one month of receipt".
//! - **CCPA, 11 CCR §7021**: the business confirms receipt within 10 business days (§7021(a))
//!   and answers within 45 calendar days of receipt, whatever time verification takes
//!   (§7021(b)); it may extend once by up to 45 more days (90 in total) if it tells the consumer,
//!   with reasons, within the first 45 days.
//! - **The operator's policy** promises an answer within `policy_days` days. The promise only
//!   shortens the legal period, never lengthens it: the answer is due on the earlier of
//!   "received + policy_days" and the legal due date. The policy says nothing about
//!   extensions, so an extended request is due on the legal extended date.
//!
//! A due *date* is inclusive, to the end of that day: the request becomes overdue at 00:00 UTC
//! of the next day ([`overdue_from`]).

use serde::{Serialize, Serializer};
use time::{Date, Duration, Month, Weekday};

use crate::platform::clock::{DAY, Millis, date_of, midnight_ms};

/// Business days within which a request's receipt is confirmed (11 CCR §7021(a) for the CCPA;
/// the operator applies the same period to GDPR requests, see [`Deadlines::acknowledge_by`]).
pub const ACKNOWLEDGE_BUSINESS_DAYS: u32 = 10;

/// Calendar days of the CCPA answer period (11 CCR §7021(b)).
pub const CCPA_ANSWER_DAYS: i64 = 45;

/// Calendar days of the CCPA answer period once extended (11 CCR §7021(b): 45 + 45).
pub const CCPA_EXTENDED_DAYS: i64 = 90;

/// Months of the GDPR answer period (Art. 12(3)).
pub const GDPR_ANSWER_MONTHS: u32 = 1;

/// Further months a GDPR answer period may be extended by (Art. 12(3)).
pub const GDPR_EXTENSION_MONTHS: u32 = 2;

/// The law a request is handled under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// GDPR (EU/EEA and UK data subjects), Art. 12(3).
    Gdpr,
    /// CCPA as amended by the CPRA (California consumers), 11 CCR §7021.
    Ccpa,
}

impl Regime {
    /// The stable name stored and shown: `"gdpr"` or `"ccpa"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Regime::Gdpr => "gdpr",
            Regime::Ccpa => "ccpa",
        }
    }
}

/// The deadlines of one request. Every date is inclusive (due to the end of that UTC day);
/// dates serialize as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// The UTC date the request was received.
    #[serde(serialize_with = "iso_date")]
    pub received: Date,
    /// Confirm receipt by this date: 10 business days (Monday–Friday, holidays skipped) after
    /// receipt. Required by 11 CCR §7021(a) for the CCPA. The GDPR requires no separate
    /// acknowledgement; the operator applies the same period to GDPR requests so that every
    /// person hears back within two working weeks. An answer sent earlier also acknowledges.
    #[serde(serialize_with = "iso_date")]
    pub acknowledge_by: Date,
    /// Answer by this date unless extended: the earlier of the policy's promise
    /// (received + `policy_days`) and the legal period (GDPR: one month; CCPA: 45 days).
    #[serde(serialize_with = "iso_date")]
    pub answer_by: Date,
    /// Answer by this date once extended. GDPR: the one-month due date plus two further months
    /// (end-of-month clamped). CCPA: received + 90 days.
    #[serde(serialize_with = "iso_date")]
    pub extended_answer_by: Date,
    /// The extension must be decided, and the person told with reasons, by this date. The law
    /// allows until the end of the legal period (GDPR: the one-month date; CCPA: day 45); the
    /// operator decides before its own promise runs out, so this equals [`Self::answer_by`],
    /// which is never later than the law's date.
    #[serde(serialize_with = "iso_date")]
    pub extension_notice_by: Date,
}

/// Why a request could not be extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionError {
    /// The unextended due date has passed: the extension had to be decided and notified
    /// within the first period (GDPR Art. 12(3); 11 CCR §7021(b)).
    #[error("the extension had to be decided before the original due date")]
    TooLate,
    /// A request can be extended only once (GDPR: "by two further months"; CCPA: once, by up to
    /// 45 days).
    #[error("the request has already been extended")]
    AlreadyExtended,
}

/// The deadlines of a request of `regime` received at `received_at`, under a policy promising
/// an answer within `policy_days` days. `holidays` are dates skipped when counting business
/// days (weekends are always skipped).
pub fn deadlines(regime: Regime, received_at: Millis, policy_days: u32, holidays: &[Date]) -> Deadlines {
    let received = date_of(received_at);
    let legal = legal_due(regime, received);
    let promised = add_days(received, i64::from(policy_days));
    let answer_by = promised.min(legal);
    // The legal extended date is never before the legal due date, which is never before
    // `answer_by`; `max` only guards the arithmetic's saturation at `Date::MAX`.
    let extended_answer_by = extended_due(regime, received).max(answer_by);
    Deadlines {
        received,
        acknowledge_by: add_business_days(received, ACKNOWLEDGE_BUSINESS_DAYS, holidays),
        answer_by,
        extended_answer_by,
        extension_notice_by: answer_by,
    }
}

/// The first instant after a due date: 00:00 UTC of the next day. At and after this instant a
/// request due on `date` is overdue.
pub fn overdue_from(date: Date) -> Millis {
    midnight_ms(date).saturating_add(DAY)
}

/// Whether a request due on `due` is overdue at `now` (from 00:00 UTC of the day after `due`).
pub fn is_overdue(due: Date, now: Millis) -> bool {
    now >= overdue_from(due)
}

/// `d` plus `months` calendar months: the same day-of-month, or the last day of the target
/// month when that day does not exist there (31 January + 1 month = 28 or 29 February), as
/// Regulation 1182/71 Art. 3(2)(c) prescribes. Saturates at [`Date::MAX`].
pub fn add_months(d: Date, months: u32) -> Date {
    let index = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(index.div_euclid(12)) else {
        return Date::MAX;
    };
    let Ok(month_number) = u8::try_from(index.rem_euclid(12) + 1) else {
        return Date::MAX;
    };
    let Ok(month) = Month::try_from(month_number) else {
        return Date::MAX;
    };
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// The `n`-th business day after `d`: Monday to Friday, skipping the dates in `holidays`
/// ("business day" in 11 CCR §7001). `d` itself never counts; with `n == 0` the result is `d`.
/// Saturates at [`Date::MAX`].
pub fn add_business_days(d: Date, n: u32, holidays: &[Date]) -> Date {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        let Some(next) = day.next_day() else {
            return Date::MAX;
        };
        day = next;
        if is_business_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// Extends a request once. Returns the new answer date (the legal extended date, the same as
/// [`Deadlines::extended_answer_by`] for deadlines made by [`deadlines`]). Refused when the
/// request was already extended, or when `now` is past the unextended due date
/// ([`Deadlines::extension_notice_by`]): the person must be told within the first period.
pub fn extend(regime: Regime, d: &Deadlines, already_extended: bool, now: Millis) -> Result<Date, ExtensionError> {
    if already_extended {
        return Err(ExtensionError::AlreadyExtended);
    }
    if is_overdue(d.extension_notice_by, now) {
        return Err(ExtensionError::TooLate);
    }
    Ok(extended_due(regime, d.received).max(d.answer_by))
}

/// The legal answer date: one month (GDPR Art. 12(3)) or 45 days (11 CCR §7021(b)).
fn legal_due(regime: Regime, received: Date) -> Date {
    match regime {
        Regime::Gdpr => add_months(received, GDPR_ANSWER_MONTHS),
        Regime::Ccpa => add_days(received, CCPA_ANSWER_DAYS),
    }
}

/// The legal extended answer date.
///
/// GDPR: the extension adds "two further months" to the one-month period, so it is counted from
/// the end of that period: one-month due date + 2 months, each step end-of-month clamped.
/// Received 31 January 2027: due 28 February, extended to 28 April (not 30 April, which
/// "received + 3 months" would give). Where the readings differ this one is the earlier, so
/// it never promises more time than the law gives.
///
/// CCPA: received + 90 days (11 CCR §7021(b)).
fn extended_due(regime: Regime, received: Date) -> Date {
    match regime {
        Regime::Gdpr => add_months(add_months(received, GDPR_ANSWER_MONTHS), GDPR_EXTENSION_MONTHS),
        Regime::Ccpa => add_days(received, CCPA_EXTENDED_DAYS),
    }
}

fn add_days(d: Date, days: i64) -> Date {
    d.saturating_add(Duration::days(days))
}

fn is_business_day(d: Date, holidays: &[Date]) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(&d)
}

/// Serializes a date as `YYYY-MM-DD`.
fn iso_date<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::clock::HOUR;
    use time::macros::date;

    /// 12:34 UTC on a date, so tests do not sit on midnight by accident.
    fn at(d: Date) -> Millis {
        midnight_ms(d) + 12 * HOUR + 34 * 60_000
    }

    fn gdpr(d: Date, policy_days: u32) -> Deadlines {
        deadlines(Regime::Gdpr, at(d), policy_days, &[])
    }

    fn ccpa(d: Date, policy_days: u32) -> Deadlines {
        deadlines(Regime::Ccpa, at(d), policy_days, &[])
    }

    // A policy longer than any month, so the legal month shows through.
    const LONG: u32 = 400;

    #[test]
    fn regime_names() {
        assert_eq!(Regime::Gdpr.as_str(), "gdpr");
        assert_eq!(Regime::Ccpa.as_str(), "ccpa");
        assert_eq!(serde_json::to_value(Regime::Ccpa).unwrap(), serde_json::json!("ccpa"));
    }

    #[test]
    fn month_from_31_january_clamps_to_end_of_february() {
        assert_eq!(add_months(date!(2027 - 01 - 31), 1), date!(2027 - 02 - 28));
        assert_eq!(gdpr(date!(2027 - 01 - 31), LONG).answer_by, date!(2027 - 02 - 28));
    }

    #[test]
    fn month_from_31_january_in_a_leap_year() {
        assert_eq!(add_months(date!(2028 - 01 - 31), 1), date!(2028 - 02 - 29));
        assert_eq!(gdpr(date!(2028 - 01 - 31), LONG).answer_by, date!(2028 - 02 - 29));
    }

    #[test]
    fn month_keeps_the_day_of_month() {
        assert_eq!(gdpr(date!(2027 - 03 - 15), LONG).answer_by, date!(2027 - 04 - 15));
    }

    #[test]
    fn month_across_the_year_end() {
        assert_eq!(gdpr(date!(2026 - 12 - 30), LONG).answer_by, date!(2027 - 01 - 30));
        assert_eq!(add_months(date!(2026 - 12 - 31), 2), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 30), 14), date!(2028 - 01 - 30));
        assert_eq!(add_months(date!(2026 - 05 - 31), 0), date!(2026 - 05 - 31));
    }

    #[test]
    fn add_months_saturates() {
        assert_eq!(add_months(Date::MAX, 1), Date::MAX);
        assert_eq!(add_months(date!(2026 - 01 - 01), u32::MAX), Date::MAX);
    }

    #[test]
    fn policy_shorter_than_the_month_wins() {
        // 1 March + 30 days = 31 March; one month = 1 April.
        let d = gdpr(date!(2027 - 03 - 01), 30);
        assert_eq!(d.answer_by, date!(2027 - 03 - 31));
        assert_eq!(d.extension_notice_by, date!(2027 - 03 - 31));
    }

    #[test]
    fn policy_never_later_than_the_law() {
        // 31 January 2027 + 30 days = 2 March; one month = 28 February.
        let d = gdpr(date!(2027 - 01 - 31), 30);
        assert_eq!(d.answer_by, date!(2027 - 02 - 28));
    }

    #[test]
    fn gdpr_extension_is_two_months_after_the_month_due_date() {
        // Due 28 February; + 2 months = 28 April (the documented rule, not 30 April).
        let d = gdpr(date!(2027 - 01 - 31), 30);
        assert_eq!(d.extended_answer_by, date!(2027 - 04 - 28));
        assert_eq!(extend(Regime::Gdpr, &d, false, at(date!(2027 - 02 - 10))), Ok(date!(2027 - 04 - 28)));
        // The extended date follows the law, not the shorter policy promise.
        let d = gdpr(date!(2027 - 03 - 01), 30);
        assert_eq!(d.extended_answer_by, date!(2027 - 06 - 01));
    }

    #[test]
    fn extension_refused_after_the_due_date() {
        let d = gdpr(date!(2027 - 03 - 01), 30);
        let last_moment = overdue_from(d.answer_by) - 1;
        assert_eq!(extend(Regime::Gdpr, &d, false, last_moment), Ok(date!(2027 - 06 - 01)));
        assert_eq!(extend(Regime::Gdpr, &d, false, last_moment + 1), Err(ExtensionError::TooLate));
        // The policy date (31 March) binds, even though the law's month runs to 1 April.
        assert_eq!(extend(Regime::Gdpr, &d, false, at(date!(2027 - 04 - 01))), Err(ExtensionError::TooLate));
    }

    #[test]
    fn extension_refused_twice() {
        let d = gdpr(date!(2027 - 03 - 01), 30);
        assert_eq!(extend(Regime::Gdpr, &d, true, at(date!(2027 - 03 - 02))), Err(ExtensionError::AlreadyExtended));
        let c = ccpa(date!(2026 - 12 - 01), 30);
        assert_eq!(extend(Regime::Ccpa, &c, true, at(date!(2026 - 12 - 02))), Err(ExtensionError::AlreadyExtended));
        // Already extended wins over too late.
        assert_eq!(extend(Regime::Ccpa, &c, true, at(date!(2027 - 12 - 02))), Err(ExtensionError::AlreadyExtended));
    }

    #[test]
    fn ccpa_45_days_policy_30_extended_90() {
        let d = ccpa(date!(2026 - 12 - 01), LONG);
        assert_eq!(d.answer_by, date!(2027 - 01 - 15));
        let d = ccpa(date!(2026 - 12 - 01), 30);
        assert_eq!(d.answer_by, date!(2026 - 12 - 31));
        assert_eq!(d.extension_notice_by, date!(2026 - 12 - 31));
        assert_eq!(d.extended_answer_by, date!(2027 - 03 - 01));
        assert_eq!(extend(Regime::Ccpa, &d, false, at(date!(2026 - 12 - 20))), Ok(date!(2027 - 03 - 01)));
        assert_eq!(extend(Regime::Ccpa, &d, false, at(date!(2027 - 01 - 01))), Err(ExtensionError::TooLate));
    }

    #[test]
    fn acknowledgement_across_weekends() {
        // Friday 4 December 2026 → Friday 18 December 2026.
        let friday = date!(2026 - 12 - 04);
        assert_eq!(friday.weekday(), Weekday::Friday);
        assert_eq!(add_business_days(friday, 10, &[]), date!(2026 - 12 - 18));
        assert_eq!(ccpa(friday, 30).acknowledge_by, date!(2026 - 12 - 18));
        assert_eq!(gdpr(friday, 30).acknowledge_by, date!(2026 - 12 - 18));
        // Received on a Saturday: the weekend does not count.
        assert_eq!(add_business_days(date!(2026 - 12 - 05), 1, &[]), date!(2026 - 12 - 07));
        assert_eq!(add_business_days(friday, 0, &[]), friday);
    }

    #[test]
    fn acknowledgement_skips_holidays() {
        // Received Friday 18 December 2026; Christmas (Friday 25 December) and New Year's Day
        // (Friday 1 January 2027) are skipped: 10 business days end on Tuesday 5 January 2027.
        let received = date!(2026 - 12 - 18);
        let holidays = [date!(2026 - 12 - 25), date!(2027 - 01 - 01)];
        assert_eq!(add_business_days(received, 10, &[]), date!(2027 - 01 - 01));
        assert_eq!(add_business_days(received, 10, &holidays), date!(2027 - 01 - 05));
        let d = deadlines(Regime::Ccpa, at(received), 30, &holidays);
        assert_eq!(d.acknowledge_by, date!(2027 - 01 - 05));
        // A holiday on a weekend changes nothing.
        assert_eq!(add_business_days(received, 10, &[date!(2026 - 12 - 26)]), date!(2027 - 01 - 01));
    }

    #[test]
    fn overdue_at_the_exact_boundary() {
        let due = date!(2027 - 02 - 28);
        let next_midnight = midnight_ms(date!(2027 - 03 - 01));
        assert_eq!(overdue_from(due), next_midnight);
        // 23:59:59.999 on the due date is still in time.
        assert!(!is_overdue(due, next_midnight - 1));
        assert!(is_overdue(due, next_midnight));
        assert!(!is_overdue(due, midnight_ms(due)));
        // The last representable date does not overflow.
        assert_eq!(overdue_from(Date::MAX), midnight_ms(Date::MAX) + DAY);
    }

    #[test]
    fn received_date_is_the_utc_date_of_the_instant() {
        let last_ms = midnight_ms(date!(2027 - 02 - 01)) - 1;
        let d = deadlines(Regime::Gdpr, last_ms, LONG, &[]);
        assert_eq!(d.received, date!(2027 - 01 - 31));
        assert_eq!(d.answer_by, date!(2027 - 02 - 28));
        let d = deadlines(Regime::Gdpr, last_ms + 1, LONG, &[]);
        assert_eq!(d.answer_by, date!(2027 - 03 - 01));
    }

    #[test]
    fn serializes_dates_as_iso() {
        let d = ccpa(date!(2026 - 12 - 01), 30);
        let v = serde_json::to_value(d).unwrap();
        assert_eq!(v["received"], "2026-12-01");
        assert_eq!(v["answer_by"], "2026-12-31");
        assert_eq!(v["extended_answer_by"], "2027-03-01");
        assert_eq!(serde_json::to_value(ExtensionError::TooLate).unwrap(), "too_late");
    }

    #[test]
    fn every_day_of_2026_to_2029() {
        let holidays = [date!(2026 - 12 - 25), date!(2027 - 01 - 01), date!(2028 - 07 - 04)];
        let mut day = date!(2026 - 01 - 01);
        let mut checked = 0;
        while day <= date!(2029 - 12 - 31) {
            let month_due = add_months(day, 1);
            for policy in [0, 1, 28, 30, 31, 45, 60, LONG] {
                for regime in [Regime::Gdpr, Regime::Ccpa] {
                    let d = deadlines(regime, at(day), policy, &holidays);
                    assert_eq!(d.received, day);
                    let legal = match regime {
                        Regime::Gdpr => month_due,
                        Regime::Ccpa => day + Duration::days(45),
                    };
                    assert!(d.answer_by <= legal, "{regime:?} {day} {policy}");
                    assert!(d.answer_by >= day, "{regime:?} {day} {policy}");
                    assert!(d.extended_answer_by >= d.answer_by, "{regime:?} {day} {policy}");
                    assert!(d.extended_answer_by >= legal, "{regime:?} {day} {policy}");
                    assert!(d.acknowledge_by > day);
                    assert!(is_business_day(d.acknowledge_by, &holidays), "{day}");
                    assert!(!matches!(d.acknowledge_by.weekday(), Weekday::Saturday | Weekday::Sunday));
                    assert_eq!(d.extension_notice_by, d.answer_by);
                    assert_eq!(extend(regime, &d, false, at(d.answer_by)), Ok(d.extended_answer_by));
                    assert_eq!(extend(regime, &d, false, overdue_from(d.answer_by)), Err(ExtensionError::TooLate));
                    checked += 1;
                }
            }
            // The month due date keeps the day-of-month or is the last day of the month.
            assert!(month_due.day() == day.day() || month_due.next_day().map(|n| n.day()) == Some(1));
            day = day.next_day().unwrap();
        }
        assert_eq!(checked, 1461 * 8 * 2);
    }
}
