//! Value ranges and consistency rules for wells and daily reports.
//!
//! Every message names the field, the offending value with its unit and the allowed range, so that
//! a user (or a model) can correct the input without guessing.
//!
//! A "day without drilling" is a report with `drilling_hours == 0` or `footage_m == 0`; on such a
//! day WOB, ROP, rotary speed and torque may be 0 (tripping, circulating, waiting). Bit diameters
//! go up to 444.5 mm (17½"), the domain's "444 mm" being that size rounded.

use chrono::NaiveDate;

use super::DomainError;
use super::ids::normalize_well_id;
use super::report::NewReport;
use super::well::NewWell;

/// An allowed numeric range (inclusive) with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub field: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// 0 is also accepted on a day without drilling.
    pub zero_when_idle: bool,
}

const fn range(field: &'static str, unit: &'static str, min: f64, max: f64) -> Range {
    Range { field, unit, min, max, zero_when_idle: false }
}
const fn idle_zero(field: &'static str, unit: &'static str, min: f64, max: f64) -> Range {
    Range { field, unit, min, max, zero_when_idle: true }
}

pub const MD: Range = range("md_m", "m", 0.0, 7000.0);
pub const FOOTAGE: Range = range("footage_m", "m", 0.0, 600.0);
pub const BIT_DIAMETER: Range = range("bit_diameter_mm", "mm", 152.0, 444.5);
pub const WOB: Range = idle_zero("wob_kn", "kN", 20.0, 250.0);
pub const ROP: Range = idle_zero("rop_m_per_h", "m/h", 1.0, 60.0);
pub const RPM: Range = idle_zero("rotary_rpm", "rpm", 40.0, 200.0);
pub const TORQUE: Range = idle_zero("torque_knm", "kN·m", 5.0, 40.0);
pub const PUMP_PRESSURE: Range = range("pump_pressure_mpa", "MPa", 5.0, 35.0);
pub const FLOW_RATE: Range = range("flow_rate_lps", "L/s", 15.0, 70.0);
pub const MUD_DENSITY: Range = range("mud_density_gcc", "g/cm³", 1.05, 2.20);
pub const MUD_VISCOSITY: Range = range("mud_viscosity_s", "s", 35.0, 90.0);
pub const DRILLING_HOURS: Range = range("drilling_hours", "h", 0.0, 24.0);
pub const NPT_HOURS: Range = range("npt_hours", "h", 0.0, 24.0);
pub const DAILY_COST: Range = range("daily_cost", "currency units", 0.0, 1.0e9);
pub const TARGET_DEPTH: Range = range("target_depth_m", "m", 1.0, 7000.0);
pub const LATITUDE: Range = range("latitude", "°", -90.0, 90.0);
pub const LONGITUDE: Range = range("longitude", "°", -180.0, 180.0);

const MAX_SHORT_TEXT: usize = 100;
const MAX_LONG_TEXT: usize = 2000;

impl Range {
    /// Check one value; `idle` tells whether the day had no drilling.
    pub fn check(&self, value: f64, idle: bool) -> Result<(), String> {
        if !value.is_finite() {
            return Err(format!("{} must be a finite number (got {value})", self.field));
        }
        if (self.min..=self.max).contains(&value) || (idle && self.zero_when_idle && value == 0.0) {
            return Ok(());
        }
        let zero_note = if self.zero_when_idle { " (0 only on a day without drilling)" } else { "" };
        Err(format!(
            "{} = {value} {unit} is out of range: allowed {min}-{max} {unit}{zero_note}",
            self.field,
            unit = self.unit,
            min = self.min,
            max = self.max,
        ))
    }

    fn check_opt(&self, value: Option<f64>, idle: bool, errors: &mut Vec<String>) {
        if let Some(v) = value
            && let Err(e) = self.check(v, idle)
        {
            errors.push(e);
        }
    }
}

/// Trim a text field; empty becomes `None`; too long is an error.
fn clean_text(field: &str, value: &Option<String>, max: usize, errors: &mut Vec<String>) -> Option<String> {
    let v = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    if v.chars().count() > max {
        errors.push(format!("{field} is too long: at most {max} characters"));
    }
    Some(v.to_string())
}

fn required_text(field: &str, value: &str, errors: &mut Vec<String>) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(format!("{field} is required"));
    } else if v.chars().count() > MAX_SHORT_TEXT {
        errors.push(format!("{field} is too long: at most {MAX_SHORT_TEXT} characters"));
    }
    v.to_string()
}

/// Validate the values of a report on their own (ranges, hours, NPT reason) and return it cleaned
/// up: canonical well id, trimmed texts (empty texts become absent).
///
/// Checks that need other data (spud date, future dates, duplicates, depth order) are done by the
/// store.
pub fn validate_new_report(report: &NewReport) -> Result<NewReport, DomainError> {
    let mut errors = Vec::new();
    let well_id = match normalize_well_id(&report.well_id) {
        Ok(id) => id,
        Err(e) => {
            errors.push(e.to_string());
            report.well_id.clone()
        }
    };
    let idle = report.drilling_hours == 0.0 || report.footage_m == 0.0;
    for (r, v) in [
        (MD, report.md_m),
        (FOOTAGE, report.footage_m),
        (DRILLING_HOURS, report.drilling_hours),
        (NPT_HOURS, report.npt_hours),
    ] {
        if let Err(e) = r.check(v, idle) {
            errors.push(e);
        }
    }
    for (r, v) in [
        (BIT_DIAMETER, report.bit_diameter_mm),
        (WOB, report.wob_kn),
        (ROP, report.rop_m_per_h),
        (RPM, report.rotary_rpm),
        (TORQUE, report.torque_knm),
        (PUMP_PRESSURE, report.pump_pressure_mpa),
        (FLOW_RATE, report.flow_rate_lps),
        (MUD_DENSITY, report.mud_density_gcc),
        (MUD_VISCOSITY, report.mud_viscosity_s),
        (DAILY_COST, report.daily_cost),
    ] {
        r.check_opt(v, idle, &mut errors);
    }
    let total = report.drilling_hours + report.npt_hours;
    if total > 24.0 {
        errors.push(format!(
            "drilling_hours + npt_hours = {} + {} = {total} h exceeds the 24 h of a day",
            report.drilling_hours, report.npt_hours
        ));
    }
    if report.footage_m > report.md_m && report.md_m.is_finite() {
        errors.push(format!(
            "footage_m = {} m is larger than md_m = {} m (the total depth)",
            report.footage_m, report.md_m
        ));
    }
    let bit_type = clean_text("bit_type", &report.bit_type, MAX_SHORT_TEXT, &mut errors);
    let npt_reason = clean_text("npt_reason", &report.npt_reason, MAX_SHORT_TEXT, &mut errors);
    let main_work = clean_text("main_work", &report.main_work, MAX_LONG_TEXT, &mut errors);
    if report.npt_hours > 0.0 && npt_reason.is_none() {
        errors.push(format!(
            "npt_reason is required when npt_hours = {} h is above 0 (e.g. stuck pipe, lost \
             circulation, rig repair, weather, waiting)",
            report.npt_hours
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(NewReport { well_id, bit_type, npt_reason, main_work, ..report.clone() })
}

/// Check a report date against the well's spud date and today.
pub fn check_report_date(
    well_id: &str,
    date: NaiveDate,
    spud_date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), DomainError> {
    if date > today {
        return Err(DomainError::Invalid(vec![format!("report_date {date} is in the future (today is {today})")]));
    }
    if let Some(spud) = spud_date
        && date < spud
    {
        return Err(DomainError::Invalid(vec![format!(
            "report_date {date} is before the spud date {spud} of well {well_id}"
        )]));
    }
    Ok(())
}

/// Validate a new well and return it cleaned up (canonical id, trimmed texts).
pub fn validate_new_well(well: &NewWell) -> Result<NewWell, DomainError> {
    let mut errors = Vec::new();
    let id = match normalize_well_id(&well.id) {
        Ok(id) => id,
        Err(e) => {
            errors.push(e.to_string());
            well.id.clone()
        }
    };
    let name = required_text("name", &well.name, &mut errors);
    let field = required_text("field", &well.field, &mut errors);
    let block = required_text("block", &well.block, &mut errors);
    TARGET_DEPTH.check_opt(well.target_depth_m, false, &mut errors);
    LATITUDE.check_opt(well.latitude, false, &mut errors);
    LONGITUDE.check_opt(well.longitude, false, &mut errors);
    let rig = clean_text("rig", &well.rig, MAX_SHORT_TEXT, &mut errors);
    let operator = clean_text("operator", &well.operator, MAX_SHORT_TEXT, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(NewWell { id, name, field, block, rig, operator, ..well.clone() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn report() -> NewReport {
        NewReport {
            well_id: "zt102".into(),
            report_date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            md_m: 3285.0,
            footage_m: 165.0,
            bit_type: Some(" PDC ".into()),
            bit_diameter_mm: Some(215.9),
            wob_kn: Some(120.0),
            rop_m_per_h: Some(11.0),
            rotary_rpm: Some(110.0),
            torque_knm: Some(18.0),
            pump_pressure_mpa: Some(22.0),
            flow_rate_lps: Some(32.0),
            mud_density_gcc: Some(1.32),
            mud_viscosity_s: Some(55.0),
            drilling_hours: 15.0,
            npt_hours: 0.0,
            npt_reason: Some("  ".into()),
            main_work: Some("drilled 3120-3285 m".into()),
            daily_cost: Some(42000.0),
        }
    }

    fn errors_of(r: &NewReport) -> String {
        validate_new_report(r).unwrap_err().to_string()
    }

    #[test]
    fn valid_report_is_cleaned() {
        let r = validate_new_report(&report()).unwrap();
        assert_eq!(r.well_id, "ZT-102");
        assert_eq!(r.bit_type.as_deref(), Some("PDC"));
        assert_eq!(r.npt_reason, None);
    }

    #[test]
    fn out_of_range_messages_name_field_value_unit_and_range() {
        let mut r = report();
        r.mud_density_gcc = Some(2.5);
        assert_eq!(errors_of(&r), "mud_density_gcc = 2.5 g/cm³ is out of range: allowed 1.05-2.2 g/cm³");
        let mut r = report();
        r.md_m = 7200.0;
        r.wob_kn = Some(300.0);
        let e = errors_of(&r);
        assert!(e.contains("md_m = 7200 m is out of range: allowed 0-7000 m"), "{e}");
        assert!(e.contains("wob_kn = 300 kN is out of range: allowed 20-250 kN"), "{e}");
        let mut r = report();
        r.bit_diameter_mm = Some(444.5);
        assert!(validate_new_report(&r).is_ok());
        r.bit_diameter_mm = Some(120.0);
        assert!(errors_of(&r).contains("bit_diameter_mm = 120 mm"));
        let mut r = report();
        r.md_m = f64::NAN;
        assert!(errors_of(&r).contains("md_m must be a finite number"));
    }

    #[test]
    fn zero_rop_and_rpm_only_on_idle_days() {
        let mut r = report();
        r.rop_m_per_h = Some(0.0);
        r.rotary_rpm = Some(0.0);
        let e = errors_of(&r);
        assert!(e.contains("rop_m_per_h = 0 m/h is out of range: allowed 1-60 m/h (0 only on a day"), "{e}");
        assert!(e.contains("rotary_rpm = 0 rpm"), "{e}");
        r.footage_m = 0.0;
        r.drilling_hours = 0.0;
        assert!(validate_new_report(&r).is_ok());
        r.rop_m_per_h = Some(0.5);
        assert!(errors_of(&r).contains("rop_m_per_h = 0.5 m/h"));
    }

    #[test]
    fn hours_and_npt_reason() {
        let mut r = report();
        r.drilling_hours = 20.0;
        r.npt_hours = 6.0;
        let e = errors_of(&r);
        assert!(e.contains("drilling_hours + npt_hours = 20 + 6 = 26 h exceeds"), "{e}");
        assert!(e.contains("npt_reason is required when npt_hours = 6 h"), "{e}");
        r.npt_hours = 4.0;
        r.npt_reason = Some("stuck pipe".into());
        assert!(validate_new_report(&r).is_ok());
        r.drilling_hours = 25.0;
        assert!(errors_of(&r).contains("drilling_hours = 25 h is out of range: allowed 0-24 h"));
    }

    #[test]
    fn bad_well_id_is_reported_with_other_errors() {
        let mut r = report();
        r.well_id = "12".into();
        r.footage_m = 700.0;
        let e = errors_of(&r);
        assert!(e.contains("'12' is not a valid well id"), "{e}");
        assert!(e.contains("footage_m = 700 m"), "{e}");
    }

    #[test]
    fn report_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let spud = Some(d("2026-01-10"));
        assert!(check_report_date("ZT-102", d("2026-01-10"), spud, d("2026-03-04")).is_ok());
        let e = check_report_date("ZT-102", d("2026-01-09"), spud, d("2026-03-04")).unwrap_err();
        assert_eq!(e.to_string(), "report_date 2026-01-09 is before the spud date 2026-01-10 of well ZT-102");
        let e = check_report_date("ZT-102", d("2026-03-05"), spud, d("2026-03-04")).unwrap_err();
        assert_eq!(e.to_string(), "report_date 2026-03-05 is in the future (today is 2026-03-04)");
    }

    #[test]
    fn wells() {
        let w = NewWell {
            id: "xy009".into(),
            name: " Xinyuan 9 ".into(),
            field: "Xinyuan".into(),
            block: "Block-B".into(),
            well_type: Default::default(),
            status: Default::default(),
            spud_date: None,
            target_depth_m: Some(4500.0),
            rig: Some(String::new()),
            operator: None,
            latitude: Some(44.1),
            longitude: Some(86.0),
        };
        let ok = validate_new_well(&w).unwrap();
        assert_eq!((ok.id.as_str(), ok.name.as_str(), ok.rig), ("XY-009", "Xinyuan 9", None));
        let bad = NewWell { block: " ".into(), target_depth_m: Some(9000.0), latitude: Some(95.0), ..w };
        let e = validate_new_well(&bad).unwrap_err().to_string();
        assert!(e.contains("block is required"), "{e}");
        assert!(e.contains("target_depth_m = 9000 m is out of range: allowed 1-7000 m"), "{e}");
        assert!(e.contains("latitude = 95 °"), "{e}");
    }
}
