//! JSON specifics of the import: reading this crate's own JSON export back.

use std::io::Read;

use chrono::NaiveDate;
use rusqlite::{Connection, TransactionBehavior};
use serde::Deserialize;

use super::{ImportReport, Importer, Line};
use crate::db::{DbError, Scope};
use crate::domain::{NewReport, NewWell, WellStatus, WellType};

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
    #[serde(default, deserialize_with = "crate::domain::serde_opt_date")]
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
    #[serde(deserialize_with = "crate::domain::serde_date")]
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

/// The export's shape: exactly these two keys (a misspelt `eports` is refused, not skipped), and
/// parsed whole (so every string, read or not, must be valid UTF-8 JSON).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDoc {
    #[serde(default)]
    wells: Vec<serde_json::Value>,
    #[serde(default)]
    reports: Vec<serde_json::Value>,
}

pub(super) fn import_json_tx(
    conn: &mut Connection,
    scope: &Scope,
    reader: impl Read,
    dry_run: bool,
    today: NaiveDate,
) -> Result<ImportReport, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut imp = Importer::new(&tx, scope, today, dry_run);
    // Through `Value` first: serde_json skips the members a struct does not read without checking
    // their text, so invalid UTF-8 there would pass for JSON.
    let parsed = serde_json::from_reader::<_, serde_json::Value>(std::io::BufReader::new(reader))
        .and_then(serde_json::from_value::<JsonDoc>);
    match parsed {
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
