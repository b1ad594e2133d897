//! Statistics: cumulative figures, per-well statistics (optionally per month), comparisons between
//! wells and depth series for plots.
//!
//! Derived figures are rounded: lengths, hours, ROP, costs and percentages to 0.01, NPT ratio to
//! 0.0001, mud density to 0.001. Average ROP is always footage / drilling hours (not the mean of
//! reported daily ROPs); NPT ratio is npt / (drilling + npt).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::snapshot::Snapshot;
use super::types::{Cumulative, date_bounds, round};
use super::wells::{WellRef, load_well, progress, resolve_well, resolve_wells};
use super::{DbError, Scope, Store};
use crate::domain::{DailyReport, Well};

/// Sums over a set of reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Agg {
    pub days: u64,
    pub footage: f64,
    pub drilling: f64,
    pub npt: f64,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub avg_mud: Option<f64>,
    pub cost: Option<f64>,
    pub avg_cost: Option<f64>,
    pub end_md: Option<f64>,
    pub start_md: Option<f64>,
}

impl Agg {
    pub fn avg_rop(&self) -> Option<f64> {
        (self.drilling > 0.0).then(|| round(self.footage / self.drilling, 2))
    }
    pub fn npt_ratio(&self) -> Option<f64> {
        let t = self.drilling + self.npt;
        (t > 0.0).then(|| round(self.npt / t, 4))
    }
}

const AGG_COLS: &str = "count(*), total(footage_m), total(drilling_hours), total(npt_hours), \
    min(report_date), max(report_date), avg(mud_density_gcc), sum(daily_cost), avg(daily_cost), \
    max(md_m), min(md_m - footage_m)";

fn agg_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Agg> {
    Ok(Agg {
        days: u64::try_from(r.get::<_, i64>(at)?).unwrap_or(0),
        footage: round(r.get(at + 1)?, 2),
        drilling: round(r.get(at + 2)?, 2),
        npt: round(r.get(at + 3)?, 2),
        first: r.get(at + 4)?,
        last: r.get(at + 5)?,
        avg_mud: r.get::<_, Option<f64>>(at + 6)?.map(|v| round(v, 3)),
        cost: r.get::<_, Option<f64>>(at + 7)?.map(|v| round(v, 2)),
        avg_cost: r.get::<_, Option<f64>>(at + 8)?.map(|v| round(v, 2)),
        end_md: r.get(at + 9)?,
        start_md: r.get::<_, Option<f64>>(at + 10)?.map(|v| round(v.max(0.0), 2)),
    })
}

/// Aggregate the active reports of a resolved well between two bind-ready date bounds: from the
/// kept totals when the range holds the whole history, else by reading the range.
pub(crate) fn aggregate(conn: &Connection, well_id: &str, from: &str, to: &str) -> Result<Agg, DbError> {
    if let Some(a) = aggregate_kept(conn, well_id, from, to)? {
        return Ok(a);
    }
    let sql = format!(
        "SELECT {AGG_COLS} FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
         AND report_date BETWEEN ?2 AND ?3"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![well_id, from, to], |r| agg_from_row(r, 0))?)
}

/// The maintained running totals of a well (`well_stats`, kept by triggers; see `schema`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub reports: u64,
    pub footage: f64,
    pub drilling: f64,
    pub npt: f64,
    /// Sum of the reported daily costs, absent when no report has one.
    pub cost: Option<f64>,
    /// Mean daily cost over the reports that have one.
    pub avg_cost: Option<f64>,
    /// Mean mud density over the reports that have one.
    pub avg_mud: Option<f64>,
}

/// The running totals of a (resolved) well: one primary-key lookup.
pub(crate) fn totals(conn: &Connection, well_id: &str) -> Result<Totals, DbError> {
    let row = conn
        .prepare_cached(
            "SELECT report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count, mud_sum, \
             mud_count FROM well_stats WHERE well_id = ?1",
        )?
        .query_row([well_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                [r.get::<_, f64>(1)?, r.get::<_, f64>(2)?, r.get::<_, f64>(3)?],
                (r.get::<_, f64>(4)?, r.get::<_, i64>(5)?),
                (r.get::<_, f64>(6)?, r.get::<_, i64>(7)?),
            ))
        })
        .optional()?;
    let mean = |(sum, n): (f64, i64)| (n > 0).then(|| sum / n as f64);
    Ok(match row {
        // Sums kept by adding and subtracting carry rounding noise; no reports means zero.
        Some((n, [footage, drilling, npt], cost, mud)) if n > 0 => Totals {
            reports: u64::try_from(n).unwrap_or(0),
            footage,
            drilling,
            npt,
            cost: (cost.1 > 0).then_some(cost.0),
            avg_cost: mean(cost),
            avg_mud: mean(mud),
        },
        _ => Totals::default(),
    })
}

/// [`aggregate`] from the kept totals and index seeks, when `[from, to]` holds every report of
/// the well (`None` otherwise): constant cost however long the history.
fn aggregate_kept(conn: &Connection, well_id: &str, from: &str, to: &str) -> Result<Option<Agg>, DbError> {
    let Some((first, last)) = report_span(conn, well_id)? else {
        return Ok(Some(Agg::default()));
    };
    if from > first.to_string().as_str() || to < last.to_string().as_str() {
        return Ok(None);
    }
    let t = totals(conn, well_id)?;
    let edge = |sql: &str| -> Result<Option<(f64, f64)>, DbError> {
        Ok(conn.prepare_cached(sql)?.query_row([well_id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
    };
    let start = edge(
        "SELECT md_m, footage_m FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
         ORDER BY report_date ASC LIMIT 1",
    )?;
    let end = edge(
        "SELECT md_m, footage_m FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
         ORDER BY report_date DESC LIMIT 1",
    )?;
    Ok(Some(Agg {
        days: t.reports,
        footage: round(t.footage, 2),
        drilling: round(t.drilling, 2),
        npt: round(t.npt, 2),
        first: Some(first),
        last: Some(last),
        avg_mud: t.avg_mud.map(|v| round(v, 3)),
        cost: t.cost.map(|v| round(v, 2)),
        avg_cost: t.avg_cost.map(|v| round(v, 2)),
        // Depth never decreases: the latest report is the deepest.
        end_md: end.map(|e| e.0),
        start_md: start.map(|(md, footage)| round((md - footage).max(0.0), 2)),
    }))
}

/// First and last report date of a (resolved) well: two seeks on `daily_reports_active_day`.
pub(crate) fn report_span(conn: &Connection, well_id: &str) -> Result<Option<(NaiveDate, NaiveDate)>, DbError> {
    let first: Option<NaiveDate> = conn
        .prepare_cached(
            "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
             ORDER BY report_date ASC LIMIT 1",
        )?
        .query_row([well_id], |r| r.get(0))
        .optional()?;
    let last: Option<NaiveDate> = conn
        .prepare_cached(
            "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
             ORDER BY report_date DESC LIMIT 1",
        )?
        .query_row([well_id], |r| r.get(0))
        .optional()?;
    Ok(first.zip(last))
}

/// Cumulative figures of a well from its maintained totals, its report span and its latest
/// report (depth never decreases, so the latest report holds the deepest MD): constant cost
/// whatever the length of the history.
pub(crate) fn cumulative(conn: &Connection, well: &Well, latest: Option<&DailyReport>) -> Result<Cumulative, DbError> {
    let t = totals(conn, &well.id)?;
    let span = report_span(conn, &well.id)?;
    let a = Agg {
        days: t.reports,
        footage: round(t.footage, 2),
        drilling: round(t.drilling, 2),
        npt: round(t.npt, 2),
        ..Agg::default()
    };
    let depth = latest.map(|r| r.md_m);
    Ok(Cumulative {
        total_footage_m: a.footage,
        drilling_hours: a.drilling,
        npt_hours: a.npt,
        avg_rop_m_per_h: a.avg_rop(),
        npt_ratio: a.npt_ratio(),
        days_reported: a.days,
        first_report_date: span.map(|s| s.0),
        last_report_date: span.map(|s| s.1),
        current_depth_m: depth,
        progress_pct: progress(depth, well.target_depth_m),
        total_cost: t.cost.map(|c| round(c, 2)),
    })
}

/// NPT hours grouped by reason.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NptByReason {
    pub reason: String,
    /// NPT hours, h.
    pub hours: f64,
    /// Days with NPT for this reason.
    pub days: u64,
}

pub(crate) fn npt_by_reason(
    conn: &Connection,
    well_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<NptByReason>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(npt_reason, 'unspecified'), total(npt_hours), count(*) FROM daily_reports \
         WHERE well_id = ?1 AND deleted_at IS NULL AND report_date BETWEEN ?2 AND ?3 AND npt_hours > 0 \
         GROUP BY lower(coalesce(npt_reason, 'unspecified')) ORDER BY 2 DESC, 1",
    )?;
    let rows = stmt
        .query_map(params![well_id, from, to], |r| {
            Ok(NptByReason {
                reason: r.get(0)?,
                hours: round(r.get(1)?, 2),
                days: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One calendar month of a well.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MonthlyRow {
    /// `YYYY-MM`.
    pub month: String,
    pub days_reported: u64,
    /// m.
    pub footage_m: f64,
    /// h.
    pub drilling_hours: f64,
    /// h.
    pub npt_hours: f64,
    /// 0-1.
    pub npt_ratio: Option<f64>,
    /// m/h.
    pub avg_rop_m_per_h: Option<f64>,
    /// Deepest MD reported in the month, m.
    pub end_depth_m: Option<f64>,
    pub total_cost: Option<f64>,
}

/// Per-month rows of a well over a range, in one pass over the rows in date order (the day
/// index gives them in order, so months close as they come: no sort, no grouping table).
fn monthly_rows(conn: &Connection, well_id: &str, from: &str, to: &str) -> Result<Vec<MonthlyRow>, DbError> {
    struct Month {
        key: String,
        days: u64,
        footage: f64,
        drilling: f64,
        npt: f64,
        end_md: Option<f64>,
        cost: Option<f64>,
    }
    fn close(m: Month) -> MonthlyRow {
        let a = Agg {
            days: m.days,
            footage: round(m.footage, 2),
            drilling: round(m.drilling, 2),
            npt: round(m.npt, 2),
            ..Agg::default()
        };
        MonthlyRow {
            npt_ratio: a.npt_ratio(),
            avg_rop_m_per_h: a.avg_rop(),
            month: m.key,
            days_reported: a.days,
            footage_m: a.footage,
            drilling_hours: a.drilling,
            npt_hours: a.npt,
            end_depth_m: m.end_md,
            total_cost: m.cost.map(|c| round(c, 2)),
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT report_date, footage_m, drilling_hours, npt_hours, md_m, daily_cost FROM daily_reports \
         WHERE well_id = ?1 AND deleted_at IS NULL AND report_date BETWEEN ?2 AND ?3 ORDER BY report_date",
    )?;
    let mut rows = stmt.query(params![well_id, from, to])?;
    let mut out = Vec::new();
    let mut current: Option<Month> = None;
    while let Some(r) = rows.next()? {
        let date: String = r.get(0)?;
        let key = date.get(..7).unwrap_or(&date);
        if current.as_ref().is_some_and(|m| m.key != key)
            && let Some(done) = current.take()
        {
            out.push(close(done));
        }
        let m = current.get_or_insert_with(|| Month {
            key: key.to_string(),
            days: 0,
            footage: 0.0,
            drilling: 0.0,
            npt: 0.0,
            end_md: None,
            cost: None,
        });
        let (footage, drilling, npt, md, cost): (f64, f64, f64, f64, Option<f64>) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        m.days += 1;
        m.footage += footage;
        m.drilling += drilling;
        m.npt += npt;
        m.end_md = Some(m.end_md.map_or(md, |e| e.max(md)));
        if let Some(c) = cost {
            m.cost = Some(m.cost.unwrap_or(0.0) + c);
        }
    }
    out.extend(current.map(close));
    Ok(out)
}

/// Statistics of one well over a date range.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WellStatistics {
    pub well_id: String,
    pub well_name: String,
    /// Requested range (absent = open).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub first_report_date: Option<NaiveDate>,
    pub last_report_date: Option<NaiveDate>,
    pub days_reported: u64,
    /// Sum of daily footage, m.
    pub footage_m: f64,
    /// h.
    pub drilling_hours: f64,
    /// h.
    pub npt_hours: f64,
    /// npt / (drilling + npt), 0-1.
    pub npt_ratio: Option<f64>,
    /// footage / drilling hours, m/h.
    pub avg_rop_m_per_h: Option<f64>,
    /// Depth at the start of the range (first report's MD minus its footage), m.
    pub start_depth_m: Option<f64>,
    /// Deepest MD in the range, m.
    pub end_depth_m: Option<f64>,
    /// m.
    pub target_depth_m: Option<f64>,
    /// end depth / target × 100.
    pub progress_pct: Option<f64>,
    /// g/cm³.
    pub avg_mud_density_gcc: Option<f64>,
    pub total_cost: Option<f64>,
    pub npt_by_reason: Vec<NptByReason>,
    /// Per calendar month, oldest first (only when asked for).
    pub monthly: Vec<MonthlyRow>,
}

/// What to compare wells on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Total footage in the range, m (higher ranks first).
    Footage,
    /// Footage / drilling hours, m/h (higher first).
    AvgRop,
    /// NPT hours (lower first).
    NptHours,
    /// NPT / (drilling + NPT) (lower first).
    NptRatio,
    /// Deepest MD reported up to the end of the range, m (higher first).
    CurrentDepth,
    /// Depth / target depth, % (higher first).
    Progress,
    /// Mean mud density, g/cm³ (higher first; no "better" direction).
    AvgMudDensity,
    /// Mean daily cost (lower first).
    DailyCost,
}

impl Metric {
    pub fn unit(self) -> &'static str {
        match self {
            Self::Footage | Self::CurrentDepth => "m",
            Self::AvgRop => "m/h",
            Self::NptHours => "h",
            Self::NptRatio => "ratio (0-1)",
            Self::Progress => "%",
            Self::AvgMudDensity => "g/cm³",
            Self::DailyCost => "currency units per day",
        }
    }
    /// Whether rank 1 is the highest value.
    pub fn higher_first(self) -> bool {
        !matches!(self, Self::NptHours | Self::NptRatio | Self::DailyCost)
    }
    fn value(self, a: &Agg, target: Option<f64>) -> Option<f64> {
        match self {
            Self::Footage => (a.days > 0).then_some(a.footage),
            Self::AvgRop => a.avg_rop(),
            Self::NptHours => (a.days > 0).then_some(a.npt),
            Self::NptRatio => a.npt_ratio(),
            Self::CurrentDepth => a.end_md,
            Self::Progress => progress(a.end_md, target),
            Self::AvgMudDensity => a.avg_mud,
            Self::DailyCost => a.avg_cost,
        }
    }
}

/// One well in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ComparisonRow {
    /// 1 = best; equal values share a rank; wells without a value come last without a rank.
    pub rank: Option<u32>,
    pub well_id: String,
    pub well_name: String,
    pub value: Option<f64>,
    pub days_reported: u64,
}

/// Wells ranked on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Comparison {
    pub metric: Metric,
    pub unit: String,
    /// True when rank 1 has the highest value.
    pub higher_first: bool,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub rows: Vec<ComparisonRow>,
}

/// Depth (and ROP) by date of one well, for plots ([`crate::plot::render_depth_curve`]).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WellSeries {
    pub well_id: String,
    /// `(date, md_m, rop_m_per_h)` oldest first; ROP is the reported one, else footage / drilling
    /// hours, else absent.
    pub points: Vec<(NaiveDate, f64, Option<f64>)>,
}

/// Most points per well a plot draws: more than the image has pixel columns (900 by default).
pub const MAX_PLOT_POINTS: usize = 1_000;

impl WellSeries {
    /// Thin to at most `max` points (at least 2): the first point, then the last point of each of
    /// equal runs of the rest (depth never decreases, so that is the run's deepest) with the mean
    /// ROP of the run. Returns how many points there were before.
    pub fn thin(&mut self, max: usize) -> usize {
        let n = self.points.len();
        let max = max.max(2);
        if n <= max {
            return n;
        }
        let run = (n - 1).div_ceil(max - 1);
        let mut out = Vec::with_capacity(max);
        out.push(self.points[0]);
        for chunk in self.points[1..].chunks(run) {
            let rops: Vec<f64> = chunk.iter().filter_map(|p| p.2).collect();
            let rop = (!rops.is_empty()).then(|| round(rops.iter().sum::<f64>() / rops.len() as f64, 2));
            if let Some(last) = chunk.last() {
                out.push((last.0, last.1, rop));
            }
        }
        self.points = out;
        n
    }
}

fn well_name(conn: &Connection, w: &WellRef) -> Result<String, DbError> {
    Ok(load_well(conn, &w.id)?.name)
}

impl Store {
    /// Statistics of one well over `[from, to]` (open ends allowed), with per-month rows when
    /// `monthly` is set.
    pub async fn well_statistics(
        &self,
        scope: &Scope,
        well: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        monthly: bool,
    ) -> Result<WellStatistics, DbError> {
        let (f, t) = date_bounds(from, to)?;
        let (scope, well) = (scope.clone(), well.to_string());
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            let w = resolve_well(&tx, &scope, &well)?;
            let detail = load_well(&tx, &w.id)?;
            let a = aggregate(&tx, &w.id, &f, &t)?;
            let months = if monthly { monthly_rows(&tx, &w.id, &f, &t)? } else { Vec::new() };
            Ok(WellStatistics {
                well_id: w.id.clone(),
                well_name: detail.name,
                from,
                to,
                first_report_date: a.first,
                last_report_date: a.last,
                days_reported: a.days,
                footage_m: a.footage,
                drilling_hours: a.drilling,
                npt_hours: a.npt,
                npt_ratio: a.npt_ratio(),
                avg_rop_m_per_h: a.avg_rop(),
                start_depth_m: a.start_md,
                end_depth_m: a.end_md,
                target_depth_m: w.target_depth_m,
                progress_pct: progress(a.end_md, w.target_depth_m),
                avg_mud_density_gcc: a.avg_mud,
                total_cost: a.cost,
                npt_by_reason: npt_by_reason(&tx, &w.id, &f, &t)?,
                monthly: months,
            })
        })
        .await
    }

    /// Rank 2 to 10 wells on one metric over `[from, to]`. `CurrentDepth` and `Progress` use the
    /// deepest MD reported up to `to` (whatever `from` is).
    pub async fn compare_wells(
        &self,
        scope: &Scope,
        ids: &[String],
        metric: Metric,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Comparison, DbError> {
        if !(2..=10).contains(&ids.len()) {
            return Err(DbError::Invalid(format!("compare 2 to 10 wells (got {})", ids.len())));
        }
        let (f, t) = date_bounds(from, to)?;
        let (scope, ids) = (scope.clone(), ids.to_vec());
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            let wells = resolve_wells(&tx, &scope, &ids)?;
            if wells.len() != ids.len() {
                return Err(DbError::Invalid("the same well is listed more than once".into()));
            }
            let mut rows = Vec::with_capacity(wells.len());
            for w in &wells {
                let depth_from =
                    if matches!(metric, Metric::CurrentDepth | Metric::Progress) { "0000-01-01" } else { f.as_str() };
                let a = aggregate(&tx, &w.id, depth_from, &t)?;
                rows.push(ComparisonRow {
                    rank: None,
                    well_id: w.id.clone(),
                    well_name: well_name(&tx, w)?,
                    value: metric.value(&a, w.target_depth_m),
                    days_reported: a.days,
                });
            }
            rank(&mut rows, metric.higher_first());
            Ok(Comparison {
                metric,
                unit: metric.unit().to_string(),
                higher_first: metric.higher_first(),
                from,
                to,
                rows,
            })
        })
        .await
    }

    /// Depth and ROP by date for 1 to 5 wells over `[from, to]`.
    pub async fn depth_series(
        &self,
        scope: &Scope,
        wells: &[String],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<WellSeries>, DbError> {
        if !(1..=5).contains(&wells.len()) {
            return Err(DbError::Invalid(format!("plot 1 to 5 wells (got {})", wells.len())));
        }
        let (f, t) = date_bounds(from, to)?;
        let (scope, wells) = (scope.clone(), wells.to_vec());
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            let resolved = resolve_wells(&tx, &scope, &wells)?;
            let mut out = Vec::with_capacity(resolved.len());
            for w in resolved {
                let mut stmt = tx.prepare_cached(
                    "SELECT report_date, md_m, coalesce(rop_m_per_h, \
                       CASE WHEN drilling_hours > 0 THEN round(footage_m / drilling_hours, 2) END) \
                     FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
                     AND report_date BETWEEN ?2 AND ?3 ORDER BY report_date",
                )?;
                let points = stmt
                    .query_map(params![w.id, f, t], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(WellSeries { well_id: w.id, points });
            }
            Ok(out)
        })
        .await
    }
}

/// Sort rows best first and assign shared ranks (1 + number of strictly better values).
fn rank(rows: &mut [ComparisonRow], higher_first: bool) {
    let better = |a: f64, b: f64| if higher_first { a > b } else { a < b };
    rows.sort_by(|x, y| match (x.value, y.value) {
        (Some(a), Some(b)) => {
            let ord = a.total_cmp(&b);
            (if higher_first { ord.reverse() } else { ord }).then_with(|| x.well_id.cmp(&y.well_id))
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => x.well_id.cmp(&y.well_id),
    });
    let values: Vec<Option<f64>> = rows.iter().map(|r| r.value).collect();
    for r in rows.iter_mut() {
        r.rank = r.value.map(|v| {
            let ahead = values.iter().flatten().filter(|o| better(**o, v)).count();
            u32::try_from(ahead).unwrap_or(u32::MAX - 1) + 1
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, value: Option<f64>) -> ComparisonRow {
        ComparisonRow { rank: None, well_id: id.into(), well_name: id.into(), value, days_reported: 1 }
    }

    #[test]
    fn thinning_keeps_the_ends_and_at_most_max_points() {
        let day = |i: i64| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(i);
        let points: Vec<_> = (0..20_000).map(|i| (day(i), i as f64, Some((i % 10) as f64))).collect();
        let mut s = WellSeries { well_id: "W".into(), points: points.clone() };
        assert_eq!(s.thin(1_000), 20_000);
        assert!(s.points.len() <= 1_000 && s.points.len() > 900, "{}", s.points.len());
        assert_eq!(s.points.first(), points.first());
        assert_eq!(s.points.last().map(|p| (p.0, p.1)), points.last().map(|p| (p.0, p.1)));
        assert!(s.points.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        assert!(s.points[1..].iter().all(|p| p.2.is_some_and(|r| (r - 4.5).abs() < 1.6)), "mean ROP of each run");
        let mut short = WellSeries { well_id: "W".into(), points: points[..10].to_vec() };
        assert_eq!(short.thin(1_000), 10);
        assert_eq!(short.points, points[..10]);
    }

    #[test]
    fn ranks_share_ties_and_put_missing_last() {
        let mut rows = vec![row("A", Some(5.0)), row("B", None), row("C", Some(9.0)), row("D", Some(5.0))];
        rank(&mut rows, true);
        let got: Vec<(&str, Option<u32>)> = rows.iter().map(|r| (r.well_id.as_str(), r.rank)).collect();
        assert_eq!(got, vec![("C", Some(1)), ("A", Some(2)), ("D", Some(2)), ("B", None)]);
        rank(&mut rows, false);
        let got: Vec<(&str, Option<u32>)> = rows.iter().map(|r| (r.well_id.as_str(), r.rank)).collect();
        assert_eq!(got, vec![("A", Some(1)), ("D", Some(1)), ("C", Some(3)), ("B", None)]);
    }
}
