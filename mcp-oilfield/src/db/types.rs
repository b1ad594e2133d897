//! Query inputs and result shapes shared by the store's operations.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DbError;
use crate::domain::{DailyReport, Well, WellStatus};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

/// Check a page size (1..=500).
pub fn check_limit(limit: u32) -> Result<(), DbError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(DbError::Invalid(format!("limit = {limit} is out of range: allowed 1-{MAX_LIMIT} rows per page")))
    }
}

/// Paging of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Page {
    /// Rows per page (1-500, default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    /// Rows to skip (default 0); use `next_offset` of the previous page.
    #[serde(default)]
    pub offset: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, offset: 0 }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Total rows matching the query (all pages); a lower bound when `total_is_lower_bound`.
    pub total: u64,
    /// Set when counting stopped early: at least `total` rows match (absent = `total` is exact).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub total_is_lower_bound: bool,
    /// Offset of the next page, absent on the last page (always exact).
    pub next_offset: Option<u64>,
    /// Opaque continuation of the next page (absent on the last page and where not offered):
    /// passing it back serves the next page by seeking, whatever its depth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    pub(crate) fn new(items: Vec<T>, total: u64, offset: u64) -> Self {
        let end = offset.saturating_add(items.len() as u64);
        let next_offset = (end < total && !items.is_empty()).then_some(end);
        Self { items, total, total_is_lower_bound: false, next_offset, next_cursor: None }
    }
}

/// Filters of a well listing (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WellFilter {
    /// Exact block, case-insensitive (e.g. Block-A).
    #[serde(default)]
    pub block: Option<String>,
    /// Exact field name, case-insensitive.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub status: Option<WellStatus>,
    /// Substring of the well name or id, case-insensitive.
    #[serde(default)]
    pub name: Option<String>,
}

/// Sort order by report date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Newest first (default).
    #[default]
    Desc,
    /// Oldest first.
    Asc,
}

/// Which daily reports to return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Wells (any id spelling); empty = all wells the caller may see.
    #[serde(default)]
    pub well_ids: Vec<String>,
    /// First report date, inclusive.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last report date, inclusive.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Rows per page (1-500, default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// desc (newest first, default) or asc.
    #[serde(default)]
    pub order: Order,
    /// `next_cursor` of the previous page of the same query: the page after it, found by
    /// seeking (constant cost at any depth); `offset` is then ignored (the cursor carries it).
    #[serde(default)]
    pub cursor: Option<String>,
}

impl Default for ReportQuery {
    fn default() -> Self {
        Self {
            well_ids: Vec::new(),
            from: None,
            to: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            order: Order::Desc,
            cursor: None,
        }
    }
}

impl ReportQuery {
    /// The latest `limit` reports of one well.
    pub fn latest(well_id: impl Into<String>, limit: u32) -> Self {
        Self { well_ids: vec![well_id.into()], limit, ..Self::default() }
    }
}

/// Cumulative figures of a well over all its (active) reports.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Cumulative {
    /// Sum of daily footage, m.
    pub total_footage_m: f64,
    /// Sum of drilling hours, h.
    pub drilling_hours: f64,
    /// Sum of NPT hours, h.
    pub npt_hours: f64,
    /// total footage / drilling hours, m/h (absent without drilling hours).
    pub avg_rop_m_per_h: Option<f64>,
    /// npt / (drilling + npt), 0-1 (absent when both are 0).
    pub npt_ratio: Option<f64>,
    /// Number of daily reports.
    pub days_reported: u64,
    pub first_report_date: Option<NaiveDate>,
    pub last_report_date: Option<NaiveDate>,
    /// Measured depth of the latest report, m.
    pub current_depth_m: Option<f64>,
    /// current depth / target depth × 100.
    pub progress_pct: Option<f64>,
    /// Sum of daily cost where reported.
    pub total_cost: Option<f64>,
}

/// A well with its latest report and cumulative figures.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WellDetail {
    pub well: Well,
    pub latest_report: Option<DailyReport>,
    pub cumulative: Cumulative,
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Deletion {
    /// e.g. `well ZT-102` or `report ZT-102 2026-03-04`.
    pub target: String,
    /// True when rows were removed for good rather than soft-deleted.
    pub purged: bool,
    pub wells: u64,
    pub reports: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Restoration {
    pub target: String,
    pub wells: u64,
    pub reports: u64,
}

/// Round to `digits` decimals (for derived figures).
pub(crate) fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Inclusive date bounds as bind values (absent ends become open), checking `from <= to`.
pub(crate) fn date_bounds(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(String, String), DbError> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(DbError::Invalid(format!("the date range {f}..{t} ends before it starts")));
    }
    Ok((
        from.map_or_else(|| "0000-01-01".to_string(), |d| d.format("%Y-%m-%d").to_string()),
        to.map_or_else(|| "9999-12-31".to_string(), |d| d.format("%Y-%m-%d").to_string()),
    ))
}
