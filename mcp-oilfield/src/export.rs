//! Streaming export of wells and reports as CSV or JSON.
//!
//! Rows are read with a cursor inside one read transaction (a consistent snapshot) and written one
//! by one, so memory stays bounded however large the export.
//!
//! - JSON: `{"wells":[Well, ...],"reports":[DailyReport, ...]}` — every well matching the filter
//!   (also wells without reports), then their reports ordered by well id and date.
//! - CSV: one header line then one line per report, the report joined with its well's columns
//!   ([`CSV_COLUMNS`]): `well_id, well_name, field, block, well_type, status, spud_date,
//!   target_depth_m, rig, operator, latitude, longitude, report_date, md_m, footage_m, bit_type,
//!   bit_diameter_mm, wob_kn, rop_m_per_h, rotary_rpm, torque_knm, pump_pressure_mpa,
//!   flow_rate_lps, mud_density_gcc, mud_viscosity_s, drilling_hours, npt_hours, npt_reason,
//!   main_work, daily_cost`. Empty cells are absent values. A well without reports (in the
//!   export's period) gets one line of its own with every report column empty. This is exactly
//!   what [`crate::import`] accepts, so an export re-imports into an empty database with the
//!   same wells and reports, in both formats.
//!
//! # Cells a spreadsheet would run (CSV)
//! A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
//! Excel, LibreOffice and Google Sheets ("CSV injection"). As OWASP recommends, such a cell is
//! written with a single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text. A
//! text cell that itself starts with `'` gets one more, so that the import
//! ([`unneutralise`]) can remove exactly one quote and restore the original text. Only text
//! cells are touched: numbers (a negative longitude) and dates are written as they are.

use std::io::Write;

use chrono::NaiveDate;
use rusqlite::{Connection, named_params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::rows;
use crate::db::sql::{report_cols, scope_sql, well_cols};
use crate::db::{DbError, Scope, Store};
use crate::domain::{DailyReport, Well};

/// Columns of a CSV export (and of a full CSV import).
pub const CSV_COLUMNS: [&str; 30] = [
    "well_id",
    "well_name",
    "field",
    "block",
    "well_type",
    "status",
    "spud_date",
    "target_depth_m",
    "rig",
    "operator",
    "latitude",
    "longitude",
    "report_date",
    "md_m",
    "footage_m",
    "bit_type",
    "bit_diameter_mm",
    "wob_kn",
    "rop_m_per_h",
    "rotary_rpm",
    "torque_knm",
    "pump_pressure_mpa",
    "flow_rate_lps",
    "mud_density_gcc",
    "mud_viscosity_s",
    "drilling_hours",
    "npt_hours",
    "npt_reason",
    "main_work",
    "daily_cost",
];

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// What to export (combined with the caller's scope).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportFilter {
    /// Wells to export (any id spelling); empty = all wells in scope.
    #[serde(default)]
    pub well_ids: Vec<String>,
    /// Blocks to export (case-insensitive); empty = all blocks in scope.
    #[serde(default)]
    pub blocks: Vec<String>,
    /// First report date, inclusive.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last report date, inclusive.
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ExportSummary {
    pub format: ExportFormat,
    /// Wells written (in CSV: wells with report lines plus wells with a line of their own).
    pub wells: u64,
    /// Report rows written.
    pub reports: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Progress is reported every this many rows (and once at the end).
pub const PROGRESS_EVERY: u64 = 1000;

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

macro_rules! export_where {
    () => {
        concat!(
            " w.deleted_at IS NULL AND ",
            scope_sql!(),
            " AND (:wells IS NULL OR w.id IN (SELECT value FROM json_each(:wells))) \
             AND (:blocks IS NULL OR lower(w.block) IN (SELECT lower(value) FROM json_each(:blocks)))"
        )
    };
}

const WELLS_SQL: &str = concat!("SELECT ", well_cols!(), " FROM wells w WHERE", export_where!(), " ORDER BY w.id");
const REPORTS_SQL: &str = concat!(
    "SELECT ",
    well_cols!(),
    ", ",
    report_cols!(),
    " FROM daily_reports r JOIN wells w ON w.id = r.well_id WHERE r.deleted_at IS NULL AND",
    export_where!(),
    " AND r.report_date BETWEEN :from AND :to ORDER BY r.well_id, r.report_date"
);
const COUNT_REPORTS_SQL: &str = concat!(
    "SELECT count(*) FROM daily_reports r JOIN wells w ON w.id = r.well_id WHERE r.deleted_at IS NULL AND",
    export_where!(),
    " AND r.report_date BETWEEN :from AND :to"
);

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as a CSV export writes it: `'` in front when it starts like a formula (or with
/// `'` itself, so that [`unneutralise`] is its exact inverse).
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some(c) if c == '\'' || FORMULA_STARTS.contains(&c) => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The original text of a cell written by [`neutralise`]: one leading `'` is dropped when a
/// formula start or another `'` follows it; any other text (`'abc` typed by hand) is kept.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(|c: char| c == '\'' || FORMULA_STARTS.contains(&c)) => rest,
        _ => cell,
    }
}

fn text(v: &str) -> String {
    neutralise(v)
}

fn opt_text(v: &Option<String>) -> String {
    v.as_deref().map(neutralise).unwrap_or_default()
}

/// One CSV line: the well's columns and, when given, a report's (else empty report cells).
fn csv_record(w: &Well, r: Option<&DailyReport>) -> [String; 30] {
    let well = [
        text(&w.id),
        text(&w.name),
        text(&w.field),
        text(&w.block),
        w.well_type.to_string(),
        w.status.to_string(),
        opt(&w.spud_date),
        opt(&w.target_depth_m),
        opt_text(&w.rig),
        opt_text(&w.operator),
        opt(&w.latitude),
        opt(&w.longitude),
    ];
    let report = match r {
        None => std::array::from_fn(|_| String::new()),
        Some(r) => [
            r.report_date.to_string(),
            r.md_m.to_string(),
            r.footage_m.to_string(),
            opt_text(&r.bit_type),
            opt(&r.bit_diameter_mm),
            opt(&r.wob_kn),
            opt(&r.rop_m_per_h),
            opt(&r.rotary_rpm),
            opt(&r.torque_knm),
            opt(&r.pump_pressure_mpa),
            opt(&r.flow_rate_lps),
            opt(&r.mud_density_gcc),
            opt(&r.mud_viscosity_s),
            r.drilling_hours.to_string(),
            r.npt_hours.to_string(),
            opt_text(&r.npt_reason),
            opt_text(&r.main_work),
            opt(&r.daily_cost),
        ],
    };
    let mut line: [String; 30] = std::array::from_fn(|_| String::new());
    for (cell, value) in line.iter_mut().zip(well.into_iter().chain(report)) {
        *cell = value;
    }
    line
}

fn csv_err(e: csv::Error) -> DbError {
    DbError::Storage(format!("CSV write failed: {e}"))
}

fn run_export<W: Write>(
    conn: &Connection,
    scope: &Scope,
    filter: &ExportFilter,
    format: ExportFormat,
    writer: W,
    on_progress: &mut dyn FnMut(u64, u64),
) -> Result<ExportSummary, DbError> {
    let tx = conn.unchecked_transaction()?;
    let (from, to) = crate::db::types::date_bounds(filter.from, filter.to)?;
    let wells = if filter.well_ids.is_empty() {
        None
    } else {
        let resolved = crate::db::wells::resolve_wells(&tx, scope, &filter.well_ids)?;
        Some(serde_json::to_string(&resolved.iter().map(|w| w.id.as_str()).collect::<Vec<_>>())?)
    };
    let blocks = if filter.blocks.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&filter.blocks.iter().map(|b| b.trim()).collect::<Vec<_>>())?)
    };
    let (sb, sf) = scope.params();
    let total: i64 = tx.prepare(COUNT_REPORTS_SQL)?.query_row(
        named_params! {":sb": sb, ":sf": sf, ":wells": wells, ":blocks": blocks, ":from": from, ":to": to},
        |r| r.get(0),
    )?;
    let total = u64::try_from(total).unwrap_or(0);
    let mut out = Counting { inner: writer, bytes: 0 };
    let mut reports = 0u64;
    let mut well_count = 0u64;
    on_progress(0, total);
    let mut report_stmt = tx.prepare(REPORTS_SQL)?;
    let mut report_rows = report_stmt
        .query(named_params! {":sb": sb, ":sf": sf, ":wells": wells, ":blocks": blocks, ":from": from, ":to": to})?;
    match format {
        ExportFormat::Json => {
            out.write_all(b"{\"wells\":[")?;
            let mut well_stmt = tx.prepare(WELLS_SQL)?;
            let mut well_rows =
                well_stmt.query(named_params! {":sb": sb, ":sf": sf, ":wells": wells, ":blocks": blocks})?;
            while let Some(row) = well_rows.next()? {
                if well_count > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut out, &rows::well(row, 0)?)?;
                well_count += 1;
            }
            out.write_all(b"],\"reports\":[")?;
            while let Some(row) = report_rows.next()? {
                if reports > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut out, &rows::report(row, 14)?)?;
                reports += 1;
                if reports.is_multiple_of(PROGRESS_EVERY) {
                    on_progress(reports, total);
                }
            }
            out.write_all(b"]}")?;
            out.flush()?;
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(&mut out);
            csv.write_record(CSV_COLUMNS).map_err(csv_err)?;
            // Wells and reports are both ordered by well id: walk them side by side, so that a
            // well without reports still gets its own line.
            let mut well_stmt = tx.prepare(WELLS_SQL)?;
            let mut well_rows =
                well_stmt.query(named_params! {":sb": sb, ":sf": sf, ":wells": wells, ":blocks": blocks})?;
            let mut next_report = || -> Result<Option<(Well, DailyReport)>, DbError> {
                Ok(match report_rows.next()? {
                    Some(row) => Some((rows::well(row, 0)?, rows::report(row, 14)?)),
                    None => None,
                })
            };
            let mut pending = next_report()?;
            while let Some(row) = well_rows.next()? {
                let w = rows::well(row, 0)?;
                well_count += 1;
                let mut lines = 0u64;
                while let Some((rw, r)) = pending.take() {
                    if rw.id > w.id {
                        pending = Some((rw, r));
                        break;
                    }
                    csv.write_record(csv_record(&rw, Some(&r))).map_err(csv_err)?;
                    lines += 1;
                    reports += 1;
                    if reports.is_multiple_of(PROGRESS_EVERY) {
                        on_progress(reports, total);
                    }
                    pending = next_report()?;
                }
                if lines == 0 {
                    csv.write_record(csv_record(&w, None)).map_err(csv_err)?;
                }
            }
            csv.flush()?;
            drop(csv);
            out.flush()?;
        }
    }
    if reports == 0 || !reports.is_multiple_of(PROGRESS_EVERY) {
        on_progress(reports, total);
    }
    Ok(ExportSummary { format, wells: well_count, reports, bytes: out.bytes })
}

impl Store {
    /// Stream wells and reports matching `filter` (within `scope`) to `writer` as CSV or JSON,
    /// calling `on_progress(rows_written, total_rows)` once before the first row, every
    /// [`PROGRESS_EVERY`] report rows and once at the end (never twice for the same count except
    /// `(0, 0)` for an empty export).
    /// Runs on the blocking pool; the writer is dropped when done.
    pub async fn export<W, F>(
        &self,
        scope: &Scope,
        filter: ExportFilter,
        format: ExportFormat,
        writer: W,
        mut on_progress: F,
    ) -> Result<ExportSummary, DbError>
    where
        W: Write + Send + 'static,
        F: FnMut(u64, u64) + Send + 'static,
    {
        let scope = scope.clone();
        self.read(move |conn| run_export(conn, &scope, &filter, format, writer, &mut on_progress)).await
    }

    /// [`Store::export`] into memory (convenient for small exports returned inline).
    pub async fn export_to_bytes(
        &self,
        scope: &Scope,
        filter: ExportFilter,
        format: ExportFormat,
    ) -> Result<(ExportSummary, Vec<u8>), DbError> {
        let scope = scope.clone();
        self.read(move |conn| {
            let mut buf = Vec::new();
            let summary = run_export(conn, &scope, &filter, format, &mut buf, &mut |_, _| {})?;
            Ok((summary, buf))
        })
        .await
    }
}
