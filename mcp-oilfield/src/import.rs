//! All-or-nothing import of daily reports from CSV (and from this crate's JSON export).
//!
//! # CSV
//! - The first line is the header; columns are matched by name (case-insensitive, surrounding
//!   spaces ignored, any order). Accepted report columns: `well_id` (alias `well`),
//!   `report_date` (alias `date`), `md_m`, `footage_m`, `bit_type`, `bit_diameter_mm`, `wob_kn`,
//!   `rop_m_per_h`, `rotary_rpm`, `torque_knm`, `pump_pressure_mpa`, `flow_rate_lps`,
//!   `mud_density_gcc`, `mud_viscosity_s`, `drilling_hours`, `npt_hours`, `npt_reason`,
//!   `main_work`, `daily_cost`; required: `well_id`, `report_date`, `md_m`, `footage_m`,
//!   `drilling_hours`. Well columns (optional): `well_name`, `field`, `block`, `well_type`,
//!   `status`, `spud_date`, `target_depth_m`, `rig`, `operator`, `latitude`, `longitude` — the
//!   columns of a CSV export ([`crate::export::CSV_COLUMNS`]). Any other column rejects the file.
//! - Empty cells are absent values (`npt_hours` then defaults to 0).
//! - A line whose report columns are all empty describes a well only (how an export writes a
//!   well without reports): it needs `well_id`, `well_name`, `field` and `block`, creates the
//!   well when it is missing and is ignored when it exists.
//! - Text cells lose the single quote an export puts in front of formula-like text
//!   (`'=x` → `=x`, `''x` → `'x`; see [`crate::export::unneutralise`]).
//! - Line numbers are 1-based physical lines of the file, the header being line 1.
//!
//! # Wells
//! A referenced well must exist in the caller's scope, unless the line carries non-empty
//! `well_name`, `field` and `block`: then the well is created from the line's well columns (in the
//! same transaction; it must be inside the caller's scope). Well columns of wells that already
//! exist are ignored (an import never changes a well). A soft-deleted well must be restored first.
//!
//! # All or nothing
//! Every line goes through the same checks as `add_report` (ranges, spud date, not in the future,
//! one report per well and day — against the database and within the file — and depth order,
//! against the database and the file's other lines) inside ONE write transaction. If any line is
//! rejected, or on a dry run, the transaction is rolled back: nothing is written, and every
//! rejected line is reported.

mod csv_lines;
mod json;

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use rusqlite::Connection;
use schemars::JsonSchema;
use serde::Serialize;

use crate::db::reports::insert_report;
use crate::db::wells::{WellRef, find_well, insert_well, well_not_found};
use crate::db::{DbError, Scope, Store};
use crate::domain::{NewReport, NewWell, normalize_well_id};

/// A line (or JSON item) that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RejectedLine {
    /// 1-based line of the CSV file (header = line 1); for JSON, the 1-based position of the item
    /// in its array (the reason names the array).
    pub line: u64,
    pub reason: String,
}

/// Outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ImportReport {
    /// True when nothing was meant to be written.
    pub dry_run: bool,
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Reports inserted; on a dry run without rejections, the number that would be inserted;
    /// 0 whenever a line was rejected.
    pub inserted: u64,
    /// Wells created from well columns (same rules as `inserted`).
    pub wells_created: u64,
    /// Every rejected line, in file order. Non-empty means nothing was written.
    pub rejected: Vec<RejectedLine>,
}

/// One parsed data line.
pub(crate) struct Line {
    pub(crate) report: NewReport,
    /// Well to create if the well does not exist (when the line has name, field and block).
    pub(crate) well: Option<NewWell>,
}

/// Applies lines inside the import transaction and collects rejections.
pub(crate) struct Importer<'a> {
    conn: &'a Connection,
    scope: &'a Scope,
    today: NaiveDate,
    pub(crate) report: ImportReport,
    seen: HashMap<(String, NaiveDate), u64>,
}

impl<'a> Importer<'a> {
    pub(crate) fn new(conn: &'a Connection, scope: &'a Scope, today: NaiveDate, dry_run: bool) -> Self {
        Self {
            conn,
            scope,
            today,
            report: ImportReport { dry_run, rows: 0, inserted: 0, wells_created: 0, rejected: Vec::new() },
            seen: HashMap::new(),
        }
    }

    pub(crate) fn reject(&mut self, line: u64, reason: impl Into<String>) {
        self.report.rejected.push(RejectedLine { line, reason: reason.into() });
    }

    /// The well of a line: existing in scope, or created from `create`.
    pub(crate) fn well(&mut self, input: &str, create: Option<&NewWell>) -> Result<WellRef, String> {
        let id = normalize_well_id(input).map_err(|e| e.to_string())?;
        if let Some(w) = find_well(self.conn, self.scope, &id, true).map_err(|e| e.to_string())? {
            return if w.deleted_at.is_some() { Err(format!("well {id} is deleted; restore it first")) } else { Ok(w) };
        }
        let Some(new) = create else {
            return Err(format!(
                "{} (add well_name, field and block columns to create it)",
                well_not_found(self.conn, self.scope, &id, false)
            ));
        };
        let w = insert_well(self.conn, self.scope, new).map_err(|e| e.to_string())?;
        self.report.wells_created += 1;
        Ok(WellRef { id: w.id, spud_date: w.spud_date, target_depth_m: w.target_depth_m, deleted_at: None })
    }

    /// A line that only describes a well: create it when missing (an existing well is left as
    /// it is, like the well columns of a report line).
    pub(crate) fn apply_well(&mut self, line: u64, well: &NewWell) {
        self.report.rows += 1;
        if let Err(reason) = self.well(&well.id, Some(well)) {
            self.reject(line, reason);
        }
    }

    pub(crate) fn apply(&mut self, line: u64, parsed: Result<Line, String>) {
        self.report.rows += 1;
        let result = parsed.and_then(|l| {
            let well = self.well(&l.report.well_id, l.well.as_ref())?;
            let key = (well.id.clone(), l.report.report_date);
            if let Some(first) = self.seen.get(&key) {
                return Err(format!("a report for {} on {} already appears on line {first}", key.0, key.1));
            }
            insert_report(self.conn, &well, &l.report, self.today).map_err(|e| e.to_string())?;
            self.seen.insert(key, line);
            Ok(())
        });
        match result {
            Ok(()) => self.report.inserted += 1,
            Err(reason) => self.reject(line, reason),
        }
    }

    pub(crate) fn finish(mut self) -> (ImportReport, bool) {
        let commit = self.report.rejected.is_empty() && !self.report.dry_run;
        if !self.report.rejected.is_empty() {
            self.report.inserted = 0;
            self.report.wells_created = 0;
        }
        (self.report, commit)
    }
}

/// Import daily reports from CSV (see the module docs). All-or-nothing; `dry_run` checks
/// everything and writes nothing. Errors are only returned for storage failures: problems with
/// the input are in [`ImportReport::rejected`].
pub async fn import_csv<R: Read + Send + 'static>(
    store: &Store,
    scope: &Scope,
    reader: R,
    dry_run: bool,
) -> Result<ImportReport, DbError> {
    let scope = scope.clone();
    store.write(move |conn, today| csv_lines::import_csv_tx(conn, &scope, reader, dry_run, today)).await
}

/// Import a JSON export (`{"wells":[...],"reports":[...]}`) with the same rules as
/// [`import_csv`]: wells that do not exist are created (in scope), existing wells are left as
/// they are, reports are checked like `add_report`; all-or-nothing. The document is read into
/// memory. `RejectedLine::line` is the 1-based position in the `wells` or `reports` array.
pub async fn import_json<R: Read + Send + 'static>(
    store: &Store,
    scope: &Scope,
    reader: R,
    dry_run: bool,
) -> Result<ImportReport, DbError> {
    let scope = scope.clone();
    store.write(move |conn, today| json::import_json_tx(conn, &scope, reader, dry_run, today)).await
}

impl Store {
    /// Same as [`import_csv`].
    pub async fn import_csv<R: Read + Send + 'static>(
        &self,
        scope: &Scope,
        reader: R,
        dry_run: bool,
    ) -> Result<ImportReport, DbError> {
        import_csv(self, scope, reader, dry_run).await
    }

    /// Same as [`import_json`].
    pub async fn import_json<R: Read + Send + 'static>(
        &self,
        scope: &Scope,
        reader: R,
        dry_run: bool,
    ) -> Result<ImportReport, DbError> {
        import_json(self, scope, reader, dry_run).await
    }
}
