//! CSV specifics of the import: column names, header mapping, line parsing and line numbers.

use std::io::Read;

use chrono::NaiveDate;
use rusqlite::{Connection, TransactionBehavior};

use super::{ImportReport, Importer, Line};
use crate::db::{DbError, Scope};
use crate::domain::{NewReport, NewWell, WellStatus, WellType};

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

/// The report columns: a line with all of them empty describes a well only.
const REPORT_COLS: [Col; 18] = [
    Col::ReportDate,
    Col::Md,
    Col::Footage,
    Col::BitType,
    Col::BitDiameter,
    Col::Wob,
    Col::Rop,
    Col::Rpm,
    Col::Torque,
    Col::PumpPressure,
    Col::FlowRate,
    Col::MudDensity,
    Col::MudViscosity,
    Col::DrillingHours,
    Col::NptHours,
    Col::NptReason,
    Col::MainWork,
    Col::DailyCost,
];

/// What one data line holds (one per line, used at once: boxing would only add an allocation).
#[expect(clippy::large_enum_variant, reason = "short-lived, one per line")]
enum Parsed {
    /// A report (and the well to create when it is missing).
    Report(Line),
    /// A well without a report (every report cell empty): created when missing, else ignored.
    Well(NewWell),
}

fn parse_line(cols: &[Col], record: &csv::StringRecord) -> Result<Parsed, String> {
    let mut errors = Vec::new();
    let cell = |c: Col| -> Option<&str> {
        cols.iter().position(|x| *x == c).and_then(|i| record.get(i)).map(str::trim).filter(|s| !s.is_empty())
    };
    // Text cells of an export carry a quote in front of formula-like text (see crate::export).
    let text = |c: Col| cell(c).map(|v| crate::export::unneutralise(v).to_owned());
    let well_only = REPORT_COLS.iter().all(|c| cell(*c).is_none());
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
        crate::domain::parse_iso_date(v).map_err(|e| errors.push(format!("{name} {e}"))).ok()
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
    let well = |well_id: &str, target_depth_m, latitude, longitude| match (
        text(Col::WellName),
        text(Col::Field),
        text(Col::Block),
    ) {
        (Some(name), Some(field), Some(block)) => Some(NewWell {
            id: well_id.to_owned(),
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
    if well_only && errors.is_empty() {
        let [.., target_depth_m, latitude, longitude] = report_numbers;
        return match well_id.as_deref().and_then(|id| well(id, target_depth_m, latitude, longitude)) {
            Some(w) => Ok(Parsed::Well(w)),
            None => Err("the line has no report (report columns empty) and no well to create \
                         (well_id, well_name, field and block)"
                .to_owned()),
        };
    }
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
    let well = well(&well_id, target_depth_m, latitude, longitude);
    Ok(Parsed::Report(Line {
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
    }))
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
        for (i, b) in buf[..n.min(buf.len())].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                let off = t.offset + i as u64;
                t.breaks.push_back((off, *b == b'\n'));
            }
        }
        t.offset += n as u64;
        Ok(n)
    }
}

pub(super) fn import_csv_tx(
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
                    match parsed {
                        Ok(Parsed::Well(well)) => imp.apply_well(line, &well),
                        Ok(Parsed::Report(l)) => imp.apply(line, Ok(l)),
                        Err(reason) => imp.apply(line, Err(reason)),
                    }
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
