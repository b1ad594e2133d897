//! Read tools (permission level `read`).

use std::sync::Arc;

use base64::Engine as _;
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use rmcp::model::ContentBlock;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{args, db_err, render};
use crate::app::Oilfield;
use crate::db::cursor::Cursor;
use crate::db::{MAX_PLOT_POINTS, Metric, Order, Page, ReportQuery, WellFilter};
use crate::domain::WellStatus;
use crate::rbac::Level;

const READ: Level = Level::Read;

fn default_limit() -> u32 {
    20
}

/// Arguments of `list_wells`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListWellsArgs {
    /// Only wells of this block, e.g. `Block-A`.
    #[serde(default)]
    pub block: Option<String>,
    /// Only wells of this oil field.
    #[serde(default)]
    pub field: Option<String>,
    /// Only wells with this status.
    #[serde(default)]
    pub status: Option<WellStatus>,
    /// Only wells whose name contains this text (case-insensitive).
    #[serde(default)]
    pub name: Option<String>,
    /// Wells per page (1-500, default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    /// Rows to skip (from `next_offset` of the previous page).
    #[serde(default)]
    pub offset: u64,
}

/// Arguments naming one well.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WellArgs {
    /// Well id, any case, dash optional (`zt102` = `ZT-102`).
    pub well_id: String,
}

/// Arguments of `query_drilling_data`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryArgs {
    /// One well id (any case, dash optional).
    #[serde(default)]
    pub well_id: Option<String>,
    /// Several well ids (up to 10); combined with `well_id`.
    #[serde(default)]
    #[schemars(length(max = 10))]
    pub well_ids: Vec<String>,
    /// Date range in words or ISO: `last 7 days`, `last week`, `this month`, `2026-03-01..2026-03-31`.
    #[serde(default)]
    pub period: Option<String>,
    /// First date, YYYY-MM-DD (or today/yesterday).
    #[serde(default)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD (or today/yesterday).
    #[serde(default)]
    pub to: Option<String>,
    /// Reports per page (1-500, default 20: the latest 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    /// Rows to skip (the previous page's `next_offset`: continued from a remembered position, not
    /// by stepping over the rows before it).
    #[serde(default)]
    pub offset: u64,
    /// `desc` (newest first, default) or `asc`.
    #[serde(default)]
    pub order: Order,
    /// `next_cursor` of the previous page (same other arguments): the next page at constant cost
    /// however deep; `offset` is then ignored.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// Arguments of `get_daily_report`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyReportArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Report date: YYYY-MM-DD, `today` or `yesterday`.
    pub date: String,
}

/// Arguments of `get_well_statistics`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatisticsArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Date range in words or ISO (`last month`, `2026-01-01..2026-03-31`); all dates when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// First date, YYYY-MM-DD.
    #[serde(default)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[serde(default)]
    pub to: Option<String>,
    /// Add one row per calendar month.
    #[serde(default)]
    pub monthly: bool,
}

/// Arguments of `compare_wells`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareArgs {
    /// 2 to 10 well ids.
    #[schemars(length(min = 2, max = 10))]
    pub well_ids: Vec<String>,
    /// What to compare.
    pub metric: Metric,
    /// Date range in words or ISO; all dates when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// First date, YYYY-MM-DD.
    #[serde(default)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[serde(default)]
    pub to: Option<String>,
}

/// Arguments of `weekly_report`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Any date within the wanted week (Monday-Sunday), YYYY-MM-DD or `today`; default: last week.
    #[serde(default)]
    pub week_of: Option<String>,
}

/// Arguments of `plot_drilling_curve`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlotArgs {
    /// 1 to 5 well ids.
    #[schemars(length(min = 1, max = 5))]
    pub well_ids: Vec<String>,
    /// Date range in words or ISO; the whole history when absent.
    #[serde(default)]
    pub period: Option<String>,
    /// First date, YYYY-MM-DD.
    #[serde(default)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[serde(default)]
    pub to: Option<String>,
    /// Also draw ROP (m/h) on a secondary axis.
    #[serde(default)]
    pub with_rop: bool,
}

pub(super) fn tools() -> Vec<ToolDef<Oilfield>> {
    vec![
        ToolDef::new(
            "list_wells",
            "List wells",
            "List wells with their block, field, status, current depth vs target and last report date. Filter by block, field, status or name; paginate with limit/offset.",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: ListWellsArgs| async move {
                let g = ctx.access.clone();
                let filter = WellFilter { block: a.block, field: a.field, status: a.status, name: a.name };
                let page = s.store.list_wells(&g.scope, filter, Page { limit: a.limit, offset: a.offset }).await.map_err(db_err)?;
                ToolOutput::with_structured(render::wells(&page, a.offset), &page)
            },
        )
        .tag(READ),
        ToolDef::new(
            "get_well",
            "Get well details",
            "Details of one well: identity, status, target depth, latest daily report and cumulative figures (footage, current depth, progress vs target, average ROP, NPT hours and ratio, cost).",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: WellArgs| async move {
                let g = ctx.access.clone();
                let detail = s.store.get_well(&g.scope, &a.well_id).await.map_err(db_err)?;
                ToolOutput::with_structured(render::well_detail(&detail), &detail)
            },
        )
        .tag(READ),
        ToolDef::new(
            "query_drilling_data",
            "Query daily drilling reports",
            "Daily drilling report rows (MD, footage, ROP, WOB, mud density, drilling and NPT hours, main work) for one or more wells. Default: the latest 20 reports, newest first. Narrow with period (e.g. 'last 7 days') or from/to; paginate with limit (max 500) and next_cursor (constant cost at any depth) or offset (an offset this server answered or handed out as next_offset continues from a remembered position at constant cost; the server forgets positions when the wells' reports change). `total` is exact without dates or when the dates cover all the wells' reports; otherwise the range is counted up to 2000 rows and past that `total_is_lower_bound` is true (at least `total` rows). `next_offset` is exact (with a cursor it counts on from the offset the cursor was issued at).",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: QueryArgs| async move {
                let g = ctx.access.clone();
                let ids = args::well_ids(a.well_id, a.well_ids, 1, 10)?;
                let (from, to) = args::period(a.period.as_deref(), a.from.as_deref(), a.to.as_deref(), s.store.today())?;
                let q = ReportQuery {
                    well_ids: ids,
                    from,
                    to,
                    limit: a.limit,
                    offset: a.offset,
                    order: a.order,
                    cursor: a.cursor,
                };
                let shown_from = q.cursor.as_deref().and_then(Cursor::peek_offset).unwrap_or(a.offset);
                let page = s.store.query_reports(&g.scope, q).await.map_err(db_err)?;
                ToolOutput::with_structured(render::reports(&page, shown_from), &page)
            },
        )
        .tag(READ),
        ToolDef::new(
            "get_daily_report",
            "Get one daily report",
            "The complete daily drilling report of one well for one date (all parameters, NPT and reason, main work, version for safe updates).",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: DailyReportArgs| async move {
                let g = ctx.access.clone();
                let date = args::date(&a.date, s.store.today())?;
                let report = s.store.get_report(&g.scope, &a.well_id, date).await.map_err(db_err)?;
                ToolOutput::with_structured(render::report_lines(&report), &report)
            },
        )
        .tag(READ),
        ToolDef::new(
            "get_well_statistics",
            "Well statistics",
            "Statistics of one well over a period: footage, average ROP, drilling and NPT hours, NPT ratio and reasons, days reported, depth progress vs target, mud density, cost; optionally one row per month.",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: StatisticsArgs| async move {
                let g = ctx.access.clone();
                let (from, to) = args::period(a.period.as_deref(), a.from.as_deref(), a.to.as_deref(), s.store.today())?;
                let stats = s.store.well_statistics(&g.scope, &a.well_id, from, to, a.monthly).await.map_err(db_err)?;
                ToolOutput::with_structured(render::statistics(&stats), &stats)
            },
        )
        .tag(READ),
        ToolDef::new(
            "compare_wells",
            "Compare wells",
            "Rank 2-10 wells on one metric (footage, avg_rop, npt_hours, npt_ratio, current_depth, progress, avg_mud_density, daily_cost) over an optional period.",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: CompareArgs| async move {
                let g = ctx.access.clone();
                let ids = args::well_ids(None, a.well_ids, 2, 10)?;
                let (from, to) = args::period(a.period.as_deref(), a.from.as_deref(), a.to.as_deref(), s.store.today())?;
                let cmp = s.store.compare_wells(&g.scope, &ids, a.metric, from, to).await.map_err(db_err)?;
                ToolOutput::with_structured(render::comparison(&cmp), &cmp)
            },
        )
        .tag(READ),
        ToolDef::new(
            "weekly_report",
            "Weekly drilling report",
            "A one-week summary of one well as an engineer would write it: depth progress, footage, average ROP, NPT and reasons, bit changes, mud density range, best day, missing reports, and the daily rows. Default: last week (Monday-Sunday).",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: WeeklyArgs| async move {
                use chrono::Datelike as _;
                let g = ctx.access.clone();
                let today = s.store.today();
                let day = match a.week_of.as_deref() {
                    Some(d) => args::date(d, today)?,
                    None => today - chrono::Days::new(7),
                };
                let monday = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()));
                let summary = s.store.weekly_summary(&g.scope, &a.well_id, monday).await.map_err(db_err)?;
                ToolOutput::with_structured(render::weekly(&summary), &summary)
            },
        )
        .tag(READ),
        ToolDef::new(
            "plot_drilling_curve",
            "Plot drilling curve",
            "Draw depth (m, increasing downward) versus date for 1-5 wells as a PNG image, optionally with ROP (m/h) on a secondary axis. Use it when the user wants to see progress. Long histories are thinned to at most 1000 points per well (the answer says so and from how many reports).",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: PlotArgs| async move {
                let g = ctx.access.clone();
                let ids = args::well_ids(None, a.well_ids, 1, 5)?;
                let (from, to) = args::period(a.period.as_deref(), a.from.as_deref(), a.to.as_deref(), s.store.today())?;
                let mut series = s.store.depth_series(&g.scope, &ids, from, to).await.map_err(db_err)?;
                // Years of daily reports are more points than the image has pixels: thin them.
                let reports: Vec<usize> = series.iter_mut().map(|w| w.thin(MAX_PLOT_POINTS)).collect();
                let points: usize = series.iter().map(|w| w.points.len()).sum();
                let total_reports: usize = reports.iter().sum();
                let summary: Vec<String> = series
                    .iter()
                    .zip(&reports)
                    .map(|(w, n)| {
                        let last = w.points.last().map_or("-".into(), |p| format!("{:.0} m on {}", p.1, p.0));
                        format!("{}: {n} reports, last {last}", w.well_id)
                    })
                    .collect();
                let title = format!("Depth vs date: {}", ids.join(", "));
                let opts = crate::plot::PlotOptions { title: title.clone(), with_rop: a.with_rop, ..Default::default() };
                let png = tokio::task::spawn_blocking(move || crate::plot::render_depth_curve(&series, &opts))
                    .await
                    .map_err(|e| ToolError::internal(format!("plot task failed: {e}")))?
                    .map_err(|e| match e {
                        crate::plot::PlotError::NoData => ToolError::NotFound("No reports to plot for these wells and dates".into()),
                        other => ToolError::internal(other.to_string()),
                    })?;
                let thinned = points < total_reports;
                let note = if thinned {
                    format!(
                        "{points} points, thinned from {total_reports} reports: at most {MAX_PLOT_POINTS} per well, each the last day of an equal run of days with the run's mean ROP"
                    )
                } else {
                    format!("{points} points")
                };
                let text = format!("{title} ({note}). {}", summary.join("; "));
                let structured = serde_json::json!({"wells": ids, "points": points, "reports": total_reports, "thinned": thinned, "with_rop": a.with_rop, "png_bytes": png.len()});
                Ok(ToolOutput::with_structured(text, &structured)?
                    .push(ContentBlock::image(base64::engine::general_purpose::STANDARD.encode(&png), "image/png")))
            },
        )
        .tag(READ),
    ]
}
