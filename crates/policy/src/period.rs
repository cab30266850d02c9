//! Periods the policy states, in days or in calendar months, and the calendar arithmetic they
//! need. Thirteen months is a calendar span (C-COOK-5): 395 days can outlive it (from
//! 1 February 2027, 13 months end on 1 March 2028, 394 days later), so a period in months is
//! computed on the calendar, never as a number of days. Pure functions of UTC milliseconds.

use serde::Serialize;

const DAY_MS: i64 = 86_400_000;

/// A period of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Days(u32),
    Months(u32),
}

impl Period {
    /// The instant this period after `start`.
    pub fn after(self, start: i64) -> i64 {
        match self {
            Self::Days(d) => start.saturating_add(i64::from(d).saturating_mul(DAY_MS)),
            Self::Months(m) => add_months(start, i64::from(m)),
        }
    }

    /// The instant this period before `end`: what started before it has outlived the period at
    /// `end`.
    pub fn before(self, end: i64) -> i64 {
        match self {
            Self::Days(d) => end.saturating_sub(i64::from(d).saturating_mul(DAY_MS)),
            Self::Months(m) => add_months(end, -i64::from(m)),
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, Self::Days(0) | Self::Months(0))
    }

    /// ISO 8601 duration (`P30D`, `P13M`).
    pub fn iso8601(self) -> String {
        match self {
            Self::Days(d) => format!("P{d}D"),
            Self::Months(m) => format!("P{m}M"),
        }
    }

    /// For people: `30 days`, `13 months`, in English or French.
    pub fn label(self, lang: &str) -> String {
        let fr = lang == "fr";
        match self {
            Self::Days(1) => if fr { "1 jour" } else { "1 day" }.to_string(),
            Self::Days(d) => format!("{d} {}", if fr { "jours" } else { "days" }),
            Self::Months(1) => if fr { "1 mois" } else { "1 month" }.to_string(),
            Self::Months(m) => format!("{m} {}", if fr { "mois" } else { "months" }),
        }
    }

    /// The shortest this period can be, in days (a month is at least 28 days, a year of
    /// twelve months at least 365).
    pub fn min_days(self) -> u32 {
        match self {
            Self::Days(d) => d,
            Self::Months(m) => m / 12 * 365 + shortest_months(m % 12),
        }
    }
}

/// The fewest days `n` (< 12) consecutive calendar months can have.
fn shortest_months(n: u32) -> u32 {
    const LENGTHS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    (0..12).map(|start| (0..n).map(|i| LENGTHS[((start + i) % 12) as usize]).sum::<u32>()).min().unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day count since 1970-01-01 (`civil_from_days`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)
}

/// `ms` moved by `months` calendar months (the day clamped to the end of a shorter month,
/// the time of day kept).
pub fn add_months(ms: i64, months: i64) -> i64 {
    let days = ms.div_euclid(DAY_MS);
    let time = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + (m - 1) + months;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let nd = d.min(days_in_month(ny, nm));
    days_from_civil(ny, nm, nd) * DAY_MS + time
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i64, m: i64, d: i64) -> i64 {
        days_from_civil(y, m, d) * DAY_MS
    }

    #[test]
    fn calendar_round_trips() {
        for z in -800_000..800_000 {
            if z % 997 == 0 {
                let (y, m, d) = civil_from_days(z);
                assert_eq!(days_from_civil(y, m, d), z);
            }
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2028, 2, 29)), (2028, 2, 29));
    }

    /// C-COOK-5: thirteen months from 1 February 2027 end on 1 March 2028, 394 days later,
    /// before 395 days have passed.
    #[test]
    fn c_cook_5_months_are_calendar_months() {
        let start = ms(2027, 2, 1) + 3_600_000;
        assert_eq!(Period::Months(13).after(start), ms(2028, 3, 1) + 3_600_000);
        assert!(Period::Months(13).after(start) < Period::Days(395).after(start));
        assert_eq!(Period::Months(1).after(ms(2026, 1, 31)), ms(2026, 2, 28));
        assert_eq!(Period::Months(1).after(ms(2028, 1, 31)), ms(2028, 2, 29));
        assert_eq!(Period::Months(6).before(ms(2027, 8, 31)), ms(2027, 2, 28));
        assert_eq!(Period::Days(2).after(ms(2026, 12, 31)), ms(2027, 1, 2));
        assert_eq!(Period::Months(13).min_days(), 393);
        assert_eq!(Period::Months(24).min_days(), 730);
        assert_eq!(Period::Months(6).min_days(), 181);
        assert_eq!(Period::Months(13).iso8601(), "P13M");
        assert_eq!(Period::Days(30).label("fr"), "30 jours");
    }
}
