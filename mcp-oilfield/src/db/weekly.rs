//! Weekly summary of one well: 7 days from a start date.

use chrono::{Duration, NaiveDate};
use rusqlite::{OptionalExtension, params};
use schemars::JsonSchema;
use serde::Serialize;

use super::snapshot::Snapshot;
use super::sql::report_cols;
use super::stats::{NptByReason, aggregate, npt_by_reason};
use super::types::round;
use super::wells::{load_well, resolve_well};
use super::{DbError, Scope, Store, rows};
use crate::domain::DailyReport;

/// A change of bit between consecutive reports.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct BitChange {
    /// Date of the first report with the new bit.
    pub date: NaiveDate,
    /// e.g. `PDC 311.2 mm`.
    pub from: String,
    pub to: String,
}

/// The day with the most footage.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DayHighlight {
    pub date: NaiveDate,
    /// m.
    pub footage_m: f64,
    /// m/h (reported, else footage / drilling hours).
    pub rop_m_per_h: Option<f64>,
}

/// A day with non-productive time.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NptDay {
    pub date: NaiveDate,
    /// h.
    pub hours: f64,
    pub reason: Option<String>,
}

/// Notable days of the week.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WeeklyHighlights {
    pub best_day: Option<DayHighlight>,
    pub npt_days: Vec<NptDay>,
}

/// Seven days of one well.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WeeklySummary {
    pub well_id: String,
    pub well_name: String,
    pub week_start: NaiveDate,
    /// week_start + 6 days.
    pub week_end: NaiveDate,
    pub days_reported: u64,
    /// Days of the week without a report (not counting days before the spud date or after today).
    pub days_missing: Vec<NaiveDate>,
    /// MD of the last report before the week, else first report's MD minus its footage, m.
    pub start_depth_m: Option<f64>,
    /// MD of the last report of the week, m.
    pub end_depth_m: Option<f64>,
    /// m.
    pub footage_m: f64,
    /// h.
    pub drilling_hours: f64,
    /// h.
    pub npt_hours: f64,
    /// 0-1.
    pub npt_ratio: Option<f64>,
    /// footage / drilling hours, m/h.
    pub avg_rop_m_per_h: Option<f64>,
    pub npt_by_reason: Vec<NptByReason>,
    /// Bit type or diameter changed versus the previous report (including the one before the
    /// week).
    pub bit_changes: Vec<BitChange>,
    /// g/cm³.
    pub mud_density_min: Option<f64>,
    /// g/cm³.
    pub mud_density_max: Option<f64>,
    pub total_cost: Option<f64>,
    pub highlights: WeeklyHighlights,
    /// The week's reports, oldest first.
    pub daily: Vec<DailyReport>,
}

fn bit_label(r: &DailyReport) -> Option<(Option<String>, Option<f64>)> {
    (r.bit_type.is_some() || r.bit_diameter_mm.is_some()).then(|| (r.bit_type.clone(), r.bit_diameter_mm))
}

fn describe_bit(b: &(Option<String>, Option<f64>)) -> String {
    match b {
        (Some(t), Some(d)) => format!("{t} {d} mm"),
        (Some(t), None) => t.clone(),
        (None, Some(d)) => format!("{d} mm"),
        (None, None) => "unknown".to_string(),
    }
}

fn day_rop(r: &DailyReport) -> Option<f64> {
    r.rop_m_per_h.or_else(|| (r.drilling_hours > 0.0).then(|| round(r.footage_m / r.drilling_hours, 2)))
}

impl Store {
    /// Summary of the 7 days starting at `week_start` (any weekday).
    pub async fn weekly_summary(
        &self,
        scope: &Scope,
        well: &str,
        week_start: NaiveDate,
    ) -> Result<WeeklySummary, DbError> {
        let (scope, well) = (scope.clone(), well.to_string());
        let today = self.today();
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            let w = resolve_well(&tx, &scope, &well)?;
            let detail = load_well(&tx, &w.id)?;
            let week_end = week_start + Duration::days(6);
            let (f, t) = (week_start.to_string(), week_end.to_string());
            let daily = tx
                .prepare_cached(concat!(
                    "SELECT ",
                    report_cols!(),
                    " FROM daily_reports r WHERE r.well_id = ?1 AND r.deleted_at IS NULL \
                     AND r.report_date BETWEEN ?2 AND ?3 ORDER BY r.report_date"
                ))?
                .query_map(params![w.id, f, t], |r| rows::report(r, 0))?
                .collect::<Result<Vec<_>, _>>()?;
            let before: Option<DailyReport> = tx
                .prepare_cached(concat!(
                    "SELECT ",
                    report_cols!(),
                    " FROM daily_reports r WHERE r.well_id = ?1 AND r.deleted_at IS NULL \
                     AND r.report_date < ?2 ORDER BY r.report_date DESC LIMIT 1"
                ))?
                .query_row(params![w.id, f], |r| rows::report(r, 0))
                .optional()?;
            let a = aggregate(&tx, &w.id, &f, &t)?;

            let mut bit_changes = Vec::new();
            let mut prev_bit = before.as_ref().and_then(bit_label);
            for r in &daily {
                if let Some(bit) = bit_label(r) {
                    if let Some(p) = &prev_bit
                        && *p != bit
                    {
                        bit_changes.push(BitChange {
                            date: r.report_date,
                            from: describe_bit(p),
                            to: describe_bit(&bit),
                        });
                    }
                    prev_bit = Some(bit);
                }
            }
            let mut days_missing = Vec::new();
            let mut d = week_start;
            while d <= week_end {
                let relevant = d <= today && w.spud_date.is_none_or(|s| d >= s);
                if relevant && !daily.iter().any(|r| r.report_date == d) {
                    days_missing.push(d);
                }
                d += Duration::days(1);
            }
            let densities = daily.iter().filter_map(|r| r.mud_density_gcc);
            let mud_density_min = densities.clone().reduce(f64::min);
            let mud_density_max = densities.reduce(f64::max);
            let best_day = daily
                .iter()
                .filter(|r| r.footage_m > 0.0)
                .fold(None::<&DailyReport>, |best, r| match best {
                    Some(b) if b.footage_m >= r.footage_m => Some(b),
                    _ => Some(r),
                })
                .map(|r| DayHighlight { date: r.report_date, footage_m: r.footage_m, rop_m_per_h: day_rop(r) });
            let npt_days = daily
                .iter()
                .filter(|r| r.npt_hours > 0.0)
                .map(|r| NptDay { date: r.report_date, hours: r.npt_hours, reason: r.npt_reason.clone() })
                .collect();
            let start_depth_m = before.as_ref().map(|b| b.md_m).or(a.start_md);
            Ok(WeeklySummary {
                well_id: w.id.clone(),
                well_name: detail.name,
                week_start,
                week_end,
                days_reported: a.days,
                days_missing,
                start_depth_m,
                end_depth_m: daily.last().map(|r| r.md_m),
                footage_m: a.footage,
                drilling_hours: a.drilling,
                npt_hours: a.npt,
                npt_ratio: a.npt_ratio(),
                avg_rop_m_per_h: a.avg_rop(),
                npt_by_reason: npt_by_reason(&tx, &w.id, &f, &t)?,
                bit_changes,
                mud_density_min,
                mud_density_max,
                total_cost: a.cost,
                highlights: WeeklyHighlights { best_day, npt_days },
                daily,
            })
        })
        .await
    }
}
