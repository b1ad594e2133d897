//! Date and date-range expressions users type ("last 7 days", "2026-03-04..2026-03-10", ...).
//!
//! All ranges are inclusive on both ends. Relative forms are resolved against `today`, which the
//! caller passes in so that results are deterministic.
//!
//! Every date read from input (tool arguments, CSV and JSON imports) goes through
//! [`parse_iso_date`]: the year must have four digits (`26-03-04` is refused, not read as the
//! year 26) and lie within [`MIN_YEAR`]..=[`MAX_YEAR`]. Typed date fields of tool arguments use
//! [`serde_date`] / [`serde_opt_date`] for the same rule.

use chrono::{Datelike, Duration, NaiveDate};

use super::DomainError;
use super::ids::truncate;

const RANGE_FORMS: &str = "use YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, today, yesterday, \
                           last N days, last week, this week, this month or last month";
const DATE_FORMS: &str = "use YYYY-MM-DD, today or yesterday";

/// Longest span accepted by `last N days`.
pub const MAX_LAST_DAYS: i64 = 3660;

/// Earliest year accepted in input dates.
pub const MIN_YEAR: i32 = 1900;
/// Latest year accepted in input dates.
pub const MAX_YEAR: i32 = 2200;

/// What is wrong with the year of `s` when it has the shape of a date (`digits-digits-digits`):
/// not four digits, or outside [`MIN_YEAR`]..=[`MAX_YEAR`].
fn year_problem(s: &str) -> Option<DomainError> {
    let parts: Vec<&str> = s.split('-').collect();
    let [year, month, day] = parts.as_slice() else { return None };
    if [year, month, day].iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if year.len() != 4 {
        return Some(DomainError::Date(format!(
            "'{}' has a {}-digit year: write the year with four digits (YYYY-MM-DD)",
            truncate(s, 40),
            year.len()
        )));
    }
    year.parse::<i32>().ok().and_then(|y| out_of_range(s, y))
}

fn out_of_range(s: &str, year: i32) -> Option<DomainError> {
    (!(MIN_YEAR..=MAX_YEAR).contains(&year))
        .then(|| DomainError::Date(format!("'{}' is outside the years {MIN_YEAR}-{MAX_YEAR}", truncate(s, 40))))
}

/// Parse an ISO date `YYYY-MM-DD` from input: a four-digit year within
/// [`MIN_YEAR`]..=[`MAX_YEAR`], a real calendar day. The messages start with the quoted input.
pub fn parse_iso_date(input: &str) -> Result<NaiveDate, DomainError> {
    let s = input.trim();
    if let Some(problem) = year_problem(s) {
        return Err(problem);
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| DomainError::Date(format!("'{}' is not a date (use YYYY-MM-DD)", truncate(s, 40))))?;
    match out_of_range(s, date.year()) {
        Some(problem) => Err(problem),
        None => Ok(date),
    }
}

/// Parse a single date: `2026-03-04`, `today`, `yesterday` (case-insensitive).
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let s = input.trim().to_ascii_lowercase();
    match s.as_str() {
        "today" => Ok(today),
        "yesterday" => Ok(today - Duration::days(1)),
        _ => {
            if let Some(problem) = year_problem(&s) {
                return Err(problem);
            }
            parse_iso_date(&s).map_err(|_| {
                DomainError::Date(format!(
                    "could not understand the date '{}': {DATE_FORMS}",
                    truncate(input.trim(), 40)
                ))
            })
        }
    }
}

/// `#[serde(deserialize_with = "serde_date")]` for a `NaiveDate` read from input (the rules of
/// [`parse_iso_date`]).
pub fn serde_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    parse_iso_date(&s).map_err(serde::de::Error::custom)
}

/// [`serde_date`] for an `Option<NaiveDate>` (`null` or absent is `None`; pair it with
/// `#[serde(default)]`).
pub fn serde_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    let s = <Option<String> as serde::Deserialize>::deserialize(d)?;
    s.map(|s| parse_iso_date(&s).map_err(serde::de::Error::custom)).transpose()
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
                if let Some(problem) = year_problem(a.trim()).or_else(|| year_problem(b.trim())) {
                    return Err(problem);
                }
                let from = parse_date(a, today).map_err(|_| bad())?;
                let to = parse_date(b, today).map_err(|_| bad())?;
                if from > to {
                    return Err(DomainError::Date(format!("the date range {from}..{to} ends before it starts")));
                }
                Ok((from, to))
            } else {
                if let Some(problem) = year_problem(&s) {
                    return Err(problem);
                }
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
    fn two_digit_and_far_years_are_refused() {
        let today = d(TODAY);
        for (input, says) in [
            ("26-03-04", "'26-03-04' has a 2-digit year"),
            ("026-03-04", "has a 3-digit year"),
            ("20260-03-04", "has a 5-digit year"),
            ("1899-12-31", "'1899-12-31' is outside the years 1900-2200"),
            ("2201-01-01", "'2201-01-01' is outside the years 1900-2200"),
            ("0026-03-04", "'0026-03-04' is outside the years 1900-2200"),
        ] {
            let err = parse_date(input, today).unwrap_err().to_string();
            assert!(err.contains(says), "{input}: {err}");
            assert!(parse_iso_date(input).unwrap_err().to_string().contains(says), "{input}");
            let err = parse_date_range(input, today).unwrap_err().to_string();
            assert!(err.contains(says), "range {input}: {err}");
            let err = parse_date_range(&format!("2026-01-01..{input}"), today).unwrap_err().to_string();
            assert!(err.contains(says), "range ..{input}: {err}");
        }
        assert_eq!(parse_iso_date("1900-01-01").unwrap(), d("1900-01-01"));
        assert_eq!(parse_iso_date("2200-12-31").unwrap(), d("2200-12-31"));
        // Through serde, as tool arguments and JSON imports read dates.
        #[derive(serde::Deserialize)]
        struct Args {
            #[serde(deserialize_with = "serde_date")]
            day: NaiveDate,
            #[serde(default, deserialize_with = "serde_opt_date")]
            spud: Option<NaiveDate>,
        }
        let err = serde_json::from_str::<Args>(r#"{"day": "26-03-04"}"#).err().unwrap().to_string();
        assert!(err.contains("has a 2-digit year"), "{err}");
        let err = serde_json::from_str::<Args>(r#"{"day": "2026-03-04", "spud": "2300-01-01"}"#).err().unwrap();
        assert!(err.to_string().contains("'2300-01-01' is outside the years"), "{err}");
        let ok = serde_json::from_str::<Args>(r#"{"day": "2026-03-04", "spud": null}"#).unwrap();
        assert_eq!((ok.day, ok.spud), (d("2026-03-04"), None));
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
