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

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;
use rusqlite::{Connection, TransactionBehavior};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::db::reports::insert_report;
use crate::db::wells::{WellRef, find_well, insert_well, well_not_found};
use crate::db::{DbError, Scope, Store};
use crate::domain::{NewReport, NewWell, WellStatus, WellType, normalize_well_id};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    WellId,
    ReportDate,
    Md,
    Footage,
    BitType,
    BitDiameter,
    Wob,
    Rop,
    Rpm,
    Torque,
    PumpPressure,
    FlowRate,
    MudDensity,
    MudViscosity,
    DrillingHours,
    NptHours,
    NptReason,
    MainWork,
    DailyCost,
    WellName,
    Field,
    Block,
    WellType,
    Status,
    SpudDate,
    TargetDepth,
    Rig,
    Operator,
    Latitude,
    Longitude,
}

const COLUMNS: [(&str, Col); 30] = [
    ("well_id", Col::WellId),
    ("report_date", Col::ReportDate),
    ("md_m", Col::Md),
    ("footage_m", Col::Footage),
    ("bit_type", Col::BitType),
    ("bit_diameter_mm", Col::BitDiameter),
    ("wob_kn", Col::Wob),
    ("rop_m_per_h", Col::Rop),
    ("rotary_rpm", Col::Rpm),
    ("torque_knm", Col::Torque),
    ("pump_pressure_mpa", Col::PumpPressure),
    ("flow_rate_lps", Col::FlowRate),
    ("mud_density_gcc", Col::MudDensity),
    ("mud_viscosity_s", Col::MudViscosity),
    ("drilling_hours", Col::DrillingHours),
    ("npt_hours", Col::NptHours),
    ("npt_reason", Col::NptReason),
    ("main_work", Col::MainWork),
    ("daily_cost", Col::DailyCost),
    ("well_name", Col::WellName),
    ("field", Col::Field),
    ("block", Col::Block),
    ("well_type", Col::WellType),
    ("status", Col::Status),
    ("spud_date", Col::SpudDate),
    ("target_depth_m", Col::TargetDepth),
    ("rig", Col::Rig),
    ("operator", Col::Operator),
    ("latitude", Col::Latitude),
    ("longitude", Col::Longitude),
];
const ALIASES: [(&str, Col); 2] = [("well", Col::WellId), ("date", Col::ReportDate)];
const REQUIRED: [(&str, Col); 5] = [
    ("well_id", Col::WellId),
    ("report_date", Col::ReportDate),
    ("md_m", Col::Md),
    ("footage_m", Col::Footage),
    ("drilling_hours", Col::DrillingHours),
];

fn column_names() -> String {
    COLUMNS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Map header cells to columns, or explain what is wrong with the header.
fn map_header(header: &csv::StringRecord) -> Result<Vec<Col>, String> {
    let mut cols = Vec::with_capacity(header.len());
    let mut problems = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = raw.trim().trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
        let found = COLUMNS.iter().chain(ALIASES.iter()).find(|(n, _)| *n == name).map(|(_, c)| *c);
        match found {
            Some(c) if cols.contains(&c) => problems.push(format!("column '{}' appears twice", raw.trim())),
            Some(c) => cols.push(c),
            None if name.is_empty() => problems.push(format!("column {} has no name", i + 1)),
            None => problems.push(format!("unknown column '{}'", raw.trim())),
        }
    }
    for (name, c) in REQUIRED {
        if !cols.contains(&c) {
            problems.push(format!("required column '{name}' is missing"));
        }
    }
    if problems.is_empty() {
        Ok(cols)
    } else {
        Err(format!("header: {}. Accepted columns: {}", problems.join("; "), column_names()))
    }
}

/// One parsed data line.
struct Line {
    report: NewReport,
    /// Well to create if the well does not exist (when the line has name, field and block).
    well: Option<NewWell>,
}

fn parse_line(cols: &[Col], record: &csv::StringRecord) -> Result<Line, String> {
    let mut errors = Vec::new();
    let cell = |c: Col| -> Option<&str> {
        cols.iter().position(|x| *x == c).and_then(|i| record.get(i)).map(str::trim).filter(|s| !s.is_empty())
    };
    let text = |c: Col| cell(c).map(String::from);
    let mut num = |c: Col, name: &str| -> Option<f64> {
        let v = cell(c)?;
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                errors.push(format!("{name} '{v}' is not a number"));
                None
            }
        }
    };
    let md = num(Col::Md, "md_m");
    let footage = num(Col::Footage, "footage_m");
    let drilling = num(Col::DrillingHours, "drilling_hours");
    let report_numbers = [
        num(Col::BitDiameter, "bit_diameter_mm"),
        num(Col::Wob, "wob_kn"),
        num(Col::Rop, "rop_m_per_h"),
        num(Col::Rpm, "rotary_rpm"),
        num(Col::Torque, "torque_knm"),
        num(Col::PumpPressure, "pump_pressure_mpa"),
        num(Col::FlowRate, "flow_rate_lps"),
        num(Col::MudDensity, "mud_density_gcc"),
        num(Col::MudViscosity, "mud_viscosity_s"),
        num(Col::NptHours, "npt_hours"),
        num(Col::DailyCost, "daily_cost"),
        num(Col::TargetDepth, "target_depth_m"),
        num(Col::Latitude, "latitude"),
        num(Col::Longitude, "longitude"),
    ];
    let mut date = |c: Col, name: &str| -> Option<NaiveDate> {
        let v = cell(c)?;
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| errors.push(format!("{name} '{v}' is not a date (use YYYY-MM-DD)")))
            .ok()
    };
    let report_date = date(Col::ReportDate, "report_date");
    let spud_date = date(Col::SpudDate, "spud_date");
    let well_type = cell(Col::WellType).and_then(|v| {
        WellType::parse(v).or_else(|| {
            errors.push(format!("well_type '{v}' is not one of: {}", WellType::names()));
            None
        })
    });
    let status = cell(Col::Status).and_then(|v| {
        WellStatus::parse(v).or_else(|| {
            errors.push(format!("status '{v}' is not one of: {}", WellStatus::names()));
            None
        })
    });
    let well_id = text(Col::WellId);
    for (name, missing) in [
        ("well_id", well_id.is_none()),
        ("report_date", report_date.is_none() && cell(Col::ReportDate).is_none()),
        ("md_m", md.is_none() && cell(Col::Md).is_none()),
        ("footage_m", footage.is_none() && cell(Col::Footage).is_none()),
        ("drilling_hours", drilling.is_none() && cell(Col::DrillingHours).is_none()),
    ] {
        if missing {
            errors.push(format!("{name} is empty"));
        }
    }
    let (Some(well_id), Some(report_date), Some(md_m), Some(footage_m), Some(drilling_hours), true) =
        (well_id, report_date, md, footage, drilling, errors.is_empty())
    else {
        return Err(errors.join("; "));
    };
    let [
        bit_diameter_mm,
        wob_kn,
        rop_m_per_h,
        rotary_rpm,
        torque_knm,
        pump_pressure_mpa,
        flow_rate_lps,
        mud_density_gcc,
        mud_viscosity_s,
        npt_hours,
        daily_cost,
        target_depth_m,
        latitude,
        longitude,
    ] = report_numbers;
    let well = match (text(Col::WellName), text(Col::Field), text(Col::Block)) {
        (Some(name), Some(field), Some(block)) => Some(NewWell {
            id: well_id.clone(),
            name,
            field,
            block,
            well_type: well_type.unwrap_or_default(),
            status: status.unwrap_or(WellStatus::Drilling),
            spud_date,
            target_depth_m,
            rig: text(Col::Rig),
            operator: text(Col::Operator),
            latitude,
            longitude,
        }),
        _ => None,
    };
    Ok(Line {
        report: NewReport {
            well_id,
            report_date,
            md_m,
            footage_m,
            bit_type: text(Col::BitType),
            bit_diameter_mm,
            wob_kn,
            rop_m_per_h,
            rotary_rpm,
            torque_knm,
            pump_pressure_mpa,
            flow_rate_lps,
            mud_density_gcc,
            mud_viscosity_s,
            drilling_hours,
            npt_hours: npt_hours.unwrap_or(0.0),
            npt_reason: text(Col::NptReason),
            main_work: text(Col::MainWork),
            daily_cost,
        },
        well,
    })
}

/// Applies lines inside the import transaction and collects rejections.
struct Importer<'a> {
    conn: &'a Connection,
    scope: &'a Scope,
    today: NaiveDate,
    report: ImportReport,
    seen: HashMap<(String, NaiveDate), u64>,
}

impl<'a> Importer<'a> {
    fn new(conn: &'a Connection, scope: &'a Scope, today: NaiveDate, dry_run: bool) -> Self {
        Self {
            conn,
            scope,
            today,
            report: ImportReport { dry_run, rows: 0, inserted: 0, wells_created: 0, rejected: Vec::new() },
            seen: HashMap::new(),
        }
    }

    fn reject(&mut self, line: u64, reason: impl Into<String>) {
        self.report.rejected.push(RejectedLine { line, reason: reason.into() });
    }

    /// The well of a line: existing in scope, or created from `create`.
    fn well(&mut self, input: &str, create: Option<&NewWell>) -> Result<WellRef, String> {
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

    fn apply(&mut self, line: u64, parsed: Result<Line, String>) {
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

    fn finish(mut self) -> (ImportReport, bool) {
        let commit = self.report.rejected.is_empty() && !self.report.dry_run;
        if !self.report.rejected.is_empty() {
            self.report.inserted = 0;
            self.report.wells_created = 0;
        }
        (self.report, commit)
    }
}

/// Tracks where lines start in the bytes the CSV parser reads, because `csv`'s own line numbers
/// drift after blank lines and with CRLF line ends. Only the line breaks not yet behind the last
/// looked-up record are kept (the parser reads ahead at most one buffer), so memory stays bounded.
#[derive(Default)]
struct LineTracker {
    /// Offsets of `\r` / `\n` bytes not yet passed, with whether each is a `\n`.
    breaks: std::collections::VecDeque<(u64, bool)>,
    /// `\n` bytes already passed.
    passed_newlines: u64,
    offset: u64,
}

impl LineTracker {
    /// 1-based line of the first character at or after `byte` that is not a line break (where
    /// the parser started a record, possibly on blank lines before it).
    fn line_at(&mut self, byte: u64) -> u64 {
        while let Some(&(off, nl)) = self.breaks.front() {
            if off >= byte {
                break;
            }
            self.breaks.pop_front();
            self.passed_newlines += u64::from(nl);
        }
        let mut newlines = 0;
        for (i, &(off, nl)) in self.breaks.iter().enumerate() {
            if off != byte + i as u64 {
                break;
            }
            newlines += u64::from(nl);
        }
        1 + self.passed_newlines + newlines
    }
}

struct TrackingReader<R> {
    inner: R,
    tracker: std::rc::Rc<std::cell::RefCell<LineTracker>>,
}

impl<R: Read> Read for TrackingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut t = self.tracker.borrow_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                let off = t.offset + i as u64;
                t.breaks.push_back((off, *b == b'\n'));
            }
        }
        t.offset += n as u64;
        Ok(n)
    }
}

fn import_csv_tx(
    conn: &mut Connection,
    scope: &Scope,
    reader: impl Read,
    dry_run: bool,
    today: NaiveDate,
) -> Result<ImportReport, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let tracker = std::rc::Rc::new(std::cell::RefCell::new(LineTracker::default()));
    let reader = TrackingReader { inner: reader, tracker: std::rc::Rc::clone(&tracker) };
    let line_of = |pos: Option<&csv::Position>| pos.map_or(0, |p| tracker.borrow_mut().line_at(p.byte()));
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut imp = Importer::new(&tx, scope, today, dry_run);
    let mut records = csv.records();
    let cols = match records.next() {
        None => {
            imp.reject(1, format!("the file is empty: expected a header line with columns such as {}", column_names()));
            None
        }
        Some(Err(e)) => {
            imp.reject(1, format!("unreadable header: {e}"));
            None
        }
        Some(Ok(h)) => match map_header(&h) {
            Ok(c) => Some(c),
            Err(msg) => {
                imp.reject(1, msg);
                None
            }
        },
    };
    if let Some(cols) = cols {
        for rec in records {
            match rec {
                Ok(r) => {
                    let line = line_of(r.position());
                    if r.iter().all(|c| c.trim().is_empty()) {
                        continue; // blank line
                    }
                    let parsed = if r.len() == cols.len() {
                        parse_line(&cols, &r)
                    } else {
                        Err(format!("expected {} cells, found {}", cols.len(), r.len()))
                    };
                    imp.apply(line, parsed);
                }
                Err(e) => {
                    let line = line_of(e.position());
                    imp.report.rows += 1;
                    imp.reject(line, format!("unreadable line: {e}"));
                }
            }
        }
    }
    let (report, commit) = imp.finish();
    if commit {
        tx.commit()?;
    }
    Ok(report)
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
    store.write(move |conn, today| import_csv_tx(conn, &scope, reader, dry_run, today)).await
}

/// A well item of a JSON export (extra fields such as timestamps are ignored).
#[derive(Deserialize)]
struct JsonWell {
    id: String,
    name: String,
    field: String,
    block: String,
    #[serde(default)]
    well_type: WellType,
    #[serde(default)]
    status: WellStatus,
    #[serde(default)]
    spud_date: Option<NaiveDate>,
    #[serde(default)]
    target_depth_m: Option<f64>,
    #[serde(default)]
    rig: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

/// A report item of a JSON export (id, version and timestamps are ignored).
#[derive(Deserialize)]
struct JsonReport {
    well_id: String,
    report_date: NaiveDate,
    md_m: f64,
    footage_m: f64,
    #[serde(default)]
    bit_type: Option<String>,
    #[serde(default)]
    bit_diameter_mm: Option<f64>,
    #[serde(default)]
    wob_kn: Option<f64>,
    #[serde(default)]
    rop_m_per_h: Option<f64>,
    #[serde(default)]
    rotary_rpm: Option<f64>,
    #[serde(default)]
    torque_knm: Option<f64>,
    #[serde(default)]
    pump_pressure_mpa: Option<f64>,
    #[serde(default)]
    flow_rate_lps: Option<f64>,
    #[serde(default)]
    mud_density_gcc: Option<f64>,
    #[serde(default)]
    mud_viscosity_s: Option<f64>,
    drilling_hours: f64,
    #[serde(default)]
    npt_hours: f64,
    #[serde(default)]
    npt_reason: Option<String>,
    #[serde(default)]
    main_work: Option<String>,
    #[serde(default)]
    daily_cost: Option<f64>,
}

#[derive(Deserialize)]
struct JsonDoc {
    #[serde(default)]
    wells: Vec<serde_json::Value>,
    #[serde(default)]
    reports: Vec<serde_json::Value>,
}

fn import_json_tx(
    conn: &mut Connection,
    scope: &Scope,
    reader: impl Read,
    dry_run: bool,
    today: NaiveDate,
) -> Result<ImportReport, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut imp = Importer::new(&tx, scope, today, dry_run);
    match serde_json::from_reader::<_, JsonDoc>(std::io::BufReader::new(reader)) {
        Err(e) => imp.reject(1, format!("not a JSON export ({{\"wells\":[...],\"reports\":[...]}}): {e}")),
        Ok(doc) => {
            for (i, value) in doc.wells.into_iter().enumerate() {
                let line = i as u64 + 1;
                let result = serde_json::from_value::<JsonWell>(value).map_err(|e| e.to_string()).and_then(|w| {
                    let new = NewWell {
                        id: w.id,
                        name: w.name,
                        field: w.field,
                        block: w.block,
                        well_type: w.well_type,
                        status: w.status,
                        spud_date: w.spud_date,
                        target_depth_m: w.target_depth_m,
                        rig: w.rig,
                        operator: w.operator,
                        latitude: w.latitude,
                        longitude: w.longitude,
                    };
                    imp.well(&new.id.clone(), Some(&new)).map(|_| ())
                });
                if let Err(reason) = result {
                    imp.reject(line, format!("wells[{}]: {reason}", i + 1));
                }
            }
            for (i, value) in doc.reports.into_iter().enumerate() {
                let line = i as u64 + 1;
                let parsed = serde_json::from_value::<JsonReport>(value).map_err(|e| e.to_string()).map(|r| Line {
                    report: NewReport {
                        well_id: r.well_id,
                        report_date: r.report_date,
                        md_m: r.md_m,
                        footage_m: r.footage_m,
                        bit_type: r.bit_type,
                        bit_diameter_mm: r.bit_diameter_mm,
                        wob_kn: r.wob_kn,
                        rop_m_per_h: r.rop_m_per_h,
                        rotary_rpm: r.rotary_rpm,
                        torque_knm: r.torque_knm,
                        pump_pressure_mpa: r.pump_pressure_mpa,
                        flow_rate_lps: r.flow_rate_lps,
                        mud_density_gcc: r.mud_density_gcc,
                        mud_viscosity_s: r.mud_viscosity_s,
                        drilling_hours: r.drilling_hours,
                        npt_hours: r.npt_hours,
                        npt_reason: r.npt_reason,
                        main_work: r.main_work,
                        daily_cost: r.daily_cost,
                    },
                    well: None,
                });
                let before = imp.report.rejected.len();
                imp.apply(line, parsed);
                if let Some(last) = imp.report.rejected.get_mut(before) {
                    last.reason = format!("reports[{}]: {}", i + 1, last.reason);
                }
            }
        }
    }
    let (report, commit) = imp.finish();
    if commit {
        tx.commit()?;
    }
    Ok(report)
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
    store.write(move |conn, today| import_json_tx(conn, &scope, reader, dry_run, today)).await
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
