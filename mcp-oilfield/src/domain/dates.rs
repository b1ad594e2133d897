//! Date and date-range expressions users type ("last 7 days", "2026-03-04..2026-03-10", ...).
//!
//! All ranges are inclusive on both ends. Relative forms are resolved against `today`, which the
//! caller passes in so that results are deterministic.

use chrono::{Datelike, Duration, NaiveDate};

use super::DomainError;
use super::ids::truncate;

const RANGE_FORMS: &str = "use YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, today, yesterday, \
                           last N days, last week, this week, this month or last month";
const DATE_FORMS: &str = "use YYYY-MM-DD, today or yesterday";

/// Longest span accepted by `last N days`.
pub const MAX_LAST_DAYS: i64 = 3660;

/// Parse a single date: `2026-03-04`, `today`, `yesterday` (case-insensitive).
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let s = input.trim().to_ascii_lowercase();
    match s.as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today - Duration::days(1)),
        _ => NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| {
            DomainError::Date(format!("could not understand the date '{}': {DATE_FORMS}", truncate(input.trim(), 40)))
        }),
    }
}

/// Parse a date range into inclusive `(from, to)`.
///
/// Accepted: `2026-03-04` (one day), `2026-03-04..2026-03-10` (either end may also be `today` or
/// `yesterday`), `today`, `yesterday`, `last N days` (the N days ending today, today included),
/// `last week` (previous Monday to Sunday), `this week` (Monday to today), `this month` (1st to
/// today), `last month` (whole previous calendar month).
pub fn parse_date_range(input: &str, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), DomainError> {
    let s = input.trim().to_ascii_lowercase();
    let words: Vec<&str> = s.split_whitespace().collect();
    let bad = || {
        DomainError::Date(format!(
            "could not understand the date range '{}': {RANGE_FORMS}",
            truncate(input.trim(), 60)
        ))
    };
    let week_start = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    match words.as_slice() {
        ["today"] => Ok((today, today)),
        ["yesterday"] => {
            let d = today - Duration::days(1);
            Ok((d, d))
        }
        ["last", "week"] => {
            let start = week_start - Duration::days(7);
            Ok((start, start + Duration::days(6)))
        }
        ["this", "week"] => Ok((week_start, today)),
        ["this", "month"] => Ok((today.with_day(1).ok_or_else(bad)?, today)),
        ["last", "month"] => {
            let first_this = today.with_day(1).ok_or_else(bad)?;
            let last_prev = first_this - Duration::days(1);
            Ok((last_prev.with_day(1).ok_or_else(bad)?, last_prev))
        }
        ["last", n, unit] if matches!(*unit, "days" | "day") => {
            let n: i64 = n.parse().map_err(|_| bad())?;
            if !(1..=MAX_LAST_DAYS).contains(&n) {
                return Err(DomainError::Date(format!(
                    "'last {n} days' is out of range: N must be between 1 and {MAX_LAST_DAYS}"
                )));
            }
            Ok((today - Duration::days(n - 1), today))
        }
        _ => {
            if let Some((a, b)) = s.split_once("..") {
                let from = parse_date(a, today).map_err(|_| bad())?;
                let to = parse_date(b, today).map_err(|_| bad())?;
                if from > to {
                    return Err(DomainError::Date(format!("the date range {from}..{to} ends before it starts")));
                }
                Ok((from, to))
            } else {
                let d = parse_date(&s, today).map_err(|_| bad())?;
                Ok((d, d))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    // 2026-03-04 is a Wednesday.
    const TODAY: &str = "2026-03-04";

    fn range(input: &str) -> (NaiveDate, NaiveDate) {
        parse_date_range(input, d(TODAY)).unwrap()
    }

    #[test]
    fn single_dates() {
        let today = d(TODAY);
        assert_eq!(parse_date("2026-01-31", today).unwrap(), d("2026-01-31"));
        assert_eq!(parse_date(" Today ", today).unwrap(), today);
        assert_eq!(parse_date("yesterday", today).unwrap(), d("2026-03-03"));
        let err = parse_date("04/03/2026", today).unwrap_err().to_string();
        assert!(err.contains("YYYY-MM-DD, today or yesterday"), "{err}");
        assert!(parse_date("2026-02-30", today).is_err());
    }

    #[test]
    fn explicit_ranges() {
        assert_eq!(range("2026-03-04"), (d("2026-03-04"), d("2026-03-04")));
        assert_eq!(range("2026-03-01..2026-03-10"), (d("2026-03-01"), d("2026-03-10")));
        assert_eq!(range("2026-02-25..today"), (d("2026-02-25"), d(TODAY)));
        let err = parse_date_range("2026-03-10..2026-03-01", d(TODAY)).unwrap_err();
        assert!(err.to_string().contains("ends before it starts"));
    }

    #[test]
    fn relative_ranges() {
        assert_eq!(range("today"), (d(TODAY), d(TODAY)));
        assert_eq!(range("YESTERDAY"), (d("2026-03-03"), d("2026-03-03")));
        assert_eq!(range("last 7 days"), (d("2026-02-26"), d(TODAY)));
        assert_eq!(range("last 1 day"), (d(TODAY), d(TODAY)));
        assert_eq!(range("last week"), (d("2026-02-23"), d("2026-03-01")));
        assert_eq!(range("this week"), (d("2026-03-02"), d(TODAY)));
        assert_eq!(range("this month"), (d("2026-03-01"), d(TODAY)));
        assert_eq!(range("last month"), (d("2026-02-01"), d("2026-02-28")));
        // January: last month is December of the previous year.
        assert_eq!(parse_date_range("last month", d("2026-01-15")).unwrap(), (d("2025-12-01"), d("2025-12-31")));
        // On a Monday "this week" is just today, "last week" the whole previous week.
        assert_eq!(parse_date_range("this week", d("2026-03-02")).unwrap(), (d("2026-03-02"), d("2026-03-02")));
        assert_eq!(parse_date_range("last week", d("2026-03-08")).unwrap(), (d("2026-02-23"), d("2026-03-01")));
    }

    #[test]
    fn errors_list_accepted_forms() {
        for bad in ["next week", "last x days", "soon", "", "2026-13-01..2026-12-01"] {
            let err = parse_date_range(bad, d(TODAY)).unwrap_err().to_string();
            assert!(err.contains("last N days, last week"), "{bad}: {err}");
        }
        let err = parse_date_range("last 0 days", d(TODAY)).unwrap_err().to_string();
        assert!(err.contains("between 1 and"), "{err}");
    }
}
