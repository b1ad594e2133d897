//! The date span shown, and date ticks on calendar boundaries.

use chrono::{Datelike, Days, NaiveDate};

use super::PlotError;
use super::series::CleanWell;

/// Date span to show: all depth points (and ROP points when drawn), padded a little.
pub(super) fn date_range(wells: &[CleanWell], with_rop: bool) -> Result<(NaiveDate, NaiveDate), PlotError> {
    let depth_dates = wells.iter().flat_map(|w| w.depth.iter().map(|p| p.0));
    let rop_dates = wells.iter().filter(|_| with_rop).flat_map(|w| w.rop_runs.iter().flatten().map(|p| p.0));
    let mut dates = depth_dates.chain(rop_dates);
    let first = dates.next().ok_or(PlotError::NoData)?;
    let (lo, hi) = dates.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let span = u64::try_from((hi - lo).num_days()).unwrap_or(0);
    let pad = Days::new((span / 40).max(1));
    let lo = lo.checked_sub_days(pad).unwrap_or(lo);
    let hi = hi.checked_add_days(pad).unwrap_or(hi);
    Ok((lo, hi))
}

/// Spacing of date ticks, from a day to many years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DateUnit {
    Days(u32),
    Months(u32),
    Years(u32),
}

impl DateUnit {
    fn approx_days(self) -> f64 {
        match self {
            Self::Days(n) => f64::from(n),
            Self::Months(n) => 30.44 * f64::from(n),
            Self::Years(n) => 365.25 * f64::from(n),
        }
    }

    pub(super) fn format(self, d: NaiveDate) -> String {
        match self {
            Self::Days(_) => d.format("%Y-%m-%d").to_string(),
            Self::Months(_) => d.format("%b %Y").to_string(),
            Self::Years(_) => d.format("%Y").to_string(),
        }
    }

    /// Candidate spacings, finest first.
    fn candidates() -> impl Iterator<Item = Self> {
        let small = [
            Self::Days(1),
            Self::Days(2),
            Self::Days(7),
            Self::Days(14),
            Self::Months(1),
            Self::Months(2),
            Self::Months(3),
            Self::Months(6),
        ];
        let years = (0..6u32).flat_map(|e| [1, 2, 5].map(|k| Self::Years(k * 10u32.pow(e))));
        small.into_iter().chain(years)
    }
}

/// Ticks on calendar boundaries (days; Mondays for weeks; 1st of month; 1 January)
/// inside `[lo, hi]`, at most about `max_ticks(unit)` of them.
pub(super) fn date_ticks(
    lo: NaiveDate,
    hi: NaiveDate,
    max_ticks: impl Fn(DateUnit) -> usize,
) -> (Vec<NaiveDate>, DateUnit) {
    let span = (hi - lo).num_days().max(0) as f64;
    let unit = DateUnit::candidates()
        .find(|u| span / u.approx_days() + 1.0 <= max_ticks(*u) as f64)
        .unwrap_or(DateUnit::Years(500_000));
    let mut ticks = Vec::new();
    const CAP: usize = 400;
    match unit {
        DateUnit::Days(n) => {
            let n = i64::from(n);
            let (a, b) = (i64::from(lo.num_days_from_ce()), i64::from(hi.num_days_from_ce()));
            // Day 1 of the common era is a Monday: weekly ticks land on Mondays.
            let mut idx = a + (n - (a - 1).rem_euclid(n)) % n;
            while idx <= b && ticks.len() < CAP {
                if let Some(d) = i32::try_from(idx).ok().and_then(NaiveDate::from_num_days_from_ce_opt) {
                    ticks.push(d);
                }
                idx += n;
            }
        }
        DateUnit::Months(n) => {
            let n = i64::from(n);
            let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
            let mut mi = month_index(lo) + i64::from(lo.day() != 1);
            mi += (n - mi.rem_euclid(n)) % n;
            while mi <= month_index(hi) && ticks.len() < CAP {
                if let Some(d) = ymd(mi.div_euclid(12), mi.rem_euclid(12) + 1) {
                    ticks.push(d);
                }
                mi += n;
            }
        }
        DateUnit::Years(n) => {
            let n = i64::from(n);
            let mut y = i64::from(lo.year()) + i64::from(lo.ordinal() != 1);
            y += (n - y.rem_euclid(n)) % n;
            while y <= i64::from(hi.year()) && ticks.len() < CAP {
                if let Some(d) = ymd(y, 1) {
                    ticks.push(d);
                }
                y += n;
            }
        }
    }
    ticks.retain(|d| (lo..=hi).contains(d));
    (ticks, unit)
}

fn ymd(year: i64, month: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, u32::try_from(month).ok()?, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn date_ticks_sit_on_calendar_boundaries() {
        let (ticks, unit) = date_ticks(day(2024, 3, 1), day(2024, 4, 20), |_| 9);
        assert_eq!(unit, DateUnit::Days(7));
        assert!(ticks.iter().all(|d| d.weekday() == chrono::Weekday::Mon), "{ticks:?}");
        let (ticks, unit) = date_ticks(day(2023, 11, 15), day(2024, 9, 2), |_| 8);
        assert_eq!(unit, DateUnit::Months(2));
        assert!(ticks.iter().all(|d| d.day() == 1 && d.month0() % 2 == 0), "{ticks:?}");
        assert_eq!(ticks.first(), Some(&day(2024, 1, 1)));
        let (ticks, unit) = date_ticks(day(1990, 6, 1), day(2024, 1, 1), |_| 8);
        assert_eq!(unit, DateUnit::Years(5));
        assert_eq!(ticks.first(), Some(&day(1995, 1, 1)));
        let (ticks, _) = date_ticks(NaiveDate::MIN, NaiveDate::MAX, |_| 10);
        assert!(!ticks.is_empty() && ticks.len() <= 10, "{}", ticks.len());
    }
}
