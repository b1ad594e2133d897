//! Daily drilling reports: the stored record and the inputs that create or change one.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A daily drilling report as stored (one per well per day).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DailyReport {
    /// Internal row id.
    pub id: i64,
    /// Canonical well id.
    pub well_id: String,
    pub report_date: NaiveDate,
    /// Measured depth at the end of the day, m.
    pub md_m: f64,
    /// Depth drilled this day, m.
    pub footage_m: f64,
    /// Bit type, e.g. PDC or tricone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_type: Option<String>,
    /// Bit diameter, mm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_diameter_mm: Option<f64>,
    /// Weight on bit, kN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wob_kn: Option<f64>,
    /// Rate of penetration, m/h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rop_m_per_h: Option<f64>,
    /// Rotary speed, rpm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotary_rpm: Option<f64>,
    /// Torque, kN·m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torque_knm: Option<f64>,
    /// Standpipe / pump pressure, MPa.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pump_pressure_mpa: Option<f64>,
    /// Flow rate, L/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_rate_lps: Option<f64>,
    /// Mud density, g/cm³.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mud_density_gcc: Option<f64>,
    /// Funnel viscosity, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mud_viscosity_s: Option<f64>,
    /// Pure drilling hours, h.
    pub drilling_hours: f64,
    /// Non-productive time, h.
    pub npt_hours: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npt_reason: Option<String>,
    /// Main work of the day, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_work: Option<String>,
    /// Daily cost, currency units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_cost: Option<f64>,
    /// Starts at 1, +1 on every update; pass it back as `expected_version` to update safely.
    pub version: i64,
    /// RFC 3339 UTC timestamp.
    pub created_at: String,
    /// RFC 3339 UTC timestamp.
    pub updated_at: String,
}

/// A new daily report. Ranges are checked with precise messages; see the field descriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// Well id in any case, with or without dash (`zt102` → `ZT-102`).
    pub well_id: String,
    /// Report date (YYYY-MM-DD); not before the spud date, not in the future, one per well per day.
    #[serde(deserialize_with = "crate::domain::serde_date")]
    pub report_date: NaiveDate,
    /// Measured depth at end of day in metres (0-7000 m); not lower than the previous report's,
    /// not higher than the next report's.
    #[schemars(range(min = 0, max = 7000))]
    pub md_m: f64,
    /// Depth drilled this day in metres (0-600 m).
    #[schemars(range(min = 0, max = 600))]
    pub footage_m: f64,
    /// Bit type, e.g. PDC or tricone.
    #[serde(default)]
    pub bit_type: Option<String>,
    /// Bit diameter in millimetres (152-444.5 mm).
    #[serde(default)]
    #[schemars(range(min = 152, max = 444.5))]
    pub bit_diameter_mm: Option<f64>,
    /// Weight on bit in kN (20-250 kN; 0 allowed on a day without drilling).
    #[serde(default)]
    #[schemars(range(min = 0, max = 250))]
    pub wob_kn: Option<f64>,
    /// Rate of penetration in m/h (1-60 m/h; 0 allowed on a day without drilling).
    #[serde(default)]
    #[schemars(range(min = 0, max = 60))]
    pub rop_m_per_h: Option<f64>,
    /// Rotary speed in rpm (40-200 rpm; 0 allowed on a day without drilling).
    #[serde(default)]
    #[schemars(range(min = 0, max = 200))]
    pub rotary_rpm: Option<f64>,
    /// Torque in kN·m (5-40 kN·m; 0 allowed on a day without drilling).
    #[serde(default)]
    #[schemars(range(min = 0, max = 40))]
    pub torque_knm: Option<f64>,
    /// Standpipe / pump pressure in MPa (5-35 MPa).
    #[serde(default)]
    #[schemars(range(min = 5, max = 35))]
    pub pump_pressure_mpa: Option<f64>,
    /// Flow rate in L/s (15-70 L/s).
    #[serde(default)]
    #[schemars(range(min = 15, max = 70))]
    pub flow_rate_lps: Option<f64>,
    /// Mud density in g/cm³ (1.05-2.20 g/cm³).
    #[serde(default)]
    #[schemars(range(min = 1.05, max = 2.2))]
    pub mud_density_gcc: Option<f64>,
    /// Funnel viscosity in seconds (35-90 s).
    #[serde(default)]
    #[schemars(range(min = 35, max = 90))]
    pub mud_viscosity_s: Option<f64>,
    /// Pure drilling hours (0-24 h; drilling + NPT ≤ 24 h).
    #[schemars(range(min = 0, max = 24))]
    pub drilling_hours: f64,
    /// Non-productive time in hours (0-24 h); requires `npt_reason` when above 0.
    #[serde(default)]
    #[schemars(range(min = 0, max = 24))]
    pub npt_hours: f64,
    /// NPT reason, e.g. stuck pipe, lost circulation, rig repair, weather, waiting.
    #[serde(default)]
    pub npt_reason: Option<String>,
    /// Main work of the day, e.g. "drilled 3120-3285 m".
    #[serde(default)]
    pub main_work: Option<String>,
    /// Daily cost in currency units (≥ 0).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub daily_cost: Option<f64>,
}

/// Changes to a report; absent fields are left unchanged (the well and date cannot change, and
/// optional values cannot be cleared).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPatch {
    /// Measured depth at end of day in metres (0-7000 m).
    #[serde(default)]
    #[schemars(range(min = 0, max = 7000))]
    pub md_m: Option<f64>,
    /// Depth drilled this day in metres (0-600 m).
    #[serde(default)]
    #[schemars(range(min = 0, max = 600))]
    pub footage_m: Option<f64>,
    #[serde(default)]
    pub bit_type: Option<String>,
    /// Bit diameter in millimetres (152-444.5 mm).
    #[serde(default)]
    #[schemars(range(min = 152, max = 444.5))]
    pub bit_diameter_mm: Option<f64>,
    /// Weight on bit in kN (20-250 kN).
    #[serde(default)]
    #[schemars(range(min = 0, max = 250))]
    pub wob_kn: Option<f64>,
    /// Rate of penetration in m/h (1-60 m/h).
    #[serde(default)]
    #[schemars(range(min = 0, max = 60))]
    pub rop_m_per_h: Option<f64>,
    /// Rotary speed in rpm (40-200 rpm).
    #[serde(default)]
    #[schemars(range(min = 0, max = 200))]
    pub rotary_rpm: Option<f64>,
    /// Torque in kN·m (5-40 kN·m).
    #[serde(default)]
    #[schemars(range(min = 0, max = 40))]
    pub torque_knm: Option<f64>,
    /// Pump pressure in MPa (5-35 MPa).
    #[serde(default)]
    #[schemars(range(min = 5, max = 35))]
    pub pump_pressure_mpa: Option<f64>,
    /// Flow rate in L/s (15-70 L/s).
    #[serde(default)]
    #[schemars(range(min = 15, max = 70))]
    pub flow_rate_lps: Option<f64>,
    /// Mud density in g/cm³ (1.05-2.20).
    #[serde(default)]
    #[schemars(range(min = 1.05, max = 2.2))]
    pub mud_density_gcc: Option<f64>,
    /// Funnel viscosity in seconds (35-90 s).
    #[serde(default)]
    #[schemars(range(min = 35, max = 90))]
    pub mud_viscosity_s: Option<f64>,
    /// Pure drilling hours (0-24 h).
    #[serde(default)]
    #[schemars(range(min = 0, max = 24))]
    pub drilling_hours: Option<f64>,
    /// Non-productive time in hours (0-24 h).
    #[serde(default)]
    #[schemars(range(min = 0, max = 24))]
    pub npt_hours: Option<f64>,
    #[serde(default)]
    pub npt_reason: Option<String>,
    #[serde(default)]
    pub main_work: Option<String>,
    /// Daily cost in currency units (≥ 0).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub daily_cost: Option<f64>,
}

impl ReportPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The report with the patch applied.
    pub fn apply(&self, report: &NewReport) -> NewReport {
        let mut r = report.clone();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { r.$f = v; } )* };
        }
        macro_rules! set_opt {
            ($($f:ident),*) => { $( if self.$f.is_some() { r.$f = self.$f.clone(); } )* };
        }
        set!(md_m, footage_m, drilling_hours, npt_hours);
        set_opt!(
            bit_type,
            bit_diameter_mm,
            wob_kn,
            rop_m_per_h,
            rotary_rpm,
            torque_knm,
            pump_pressure_mpa,
            flow_rate_lps,
            mud_density_gcc,
            mud_viscosity_s,
            npt_reason,
            main_work,
            daily_cost
        );
        r
    }
}

impl DailyReport {
    /// The writable part of the report.
    pub fn to_new(&self) -> NewReport {
        NewReport {
            well_id: self.well_id.clone(),
            report_date: self.report_date,
            md_m: self.md_m,
            footage_m: self.footage_m,
            bit_type: self.bit_type.clone(),
            bit_diameter_mm: self.bit_diameter_mm,
            wob_kn: self.wob_kn,
            rop_m_per_h: self.rop_m_per_h,
            rotary_rpm: self.rotary_rpm,
            torque_knm: self.torque_knm,
            pump_pressure_mpa: self.pump_pressure_mpa,
            flow_rate_lps: self.flow_rate_lps,
            mud_density_gcc: self.mud_density_gcc,
            mud_viscosity_s: self.mud_viscosity_s,
            drilling_hours: self.drilling_hours,
            npt_hours: self.npt_hours,
            npt_reason: self.npt_reason.clone(),
            main_work: self.main_work.clone(),
            daily_cost: self.daily_cost,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The tool layer reuses these types as argument schemas: ranges, units and required fields
    /// must be in the JSON schema.
    #[test]
    fn json_schema_carries_ranges_units_and_required_fields() {
        let schema = serde_json::to_value(schemars::schema_for!(NewReport)).unwrap();
        let props = &schema["properties"];
        assert_eq!(props["md_m"]["maximum"], 7000.0);
        assert_eq!(props["bit_diameter_mm"]["minimum"], 152.0);
        assert_eq!(props["bit_diameter_mm"]["maximum"], 444.5);
        assert!(props["mud_density_gcc"]["description"].as_str().unwrap().contains("g/cm³"));
        assert_eq!(props["report_date"]["format"], "date");
        let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(required, ["well_id", "report_date", "md_m", "footage_m", "drilling_hours"]);
        assert_eq!(schema["additionalProperties"], false);
        let patch = serde_json::to_value(schemars::schema_for!(ReportPatch)).unwrap();
        assert!(patch.get("required").is_none_or(|r| r.as_array().unwrap().is_empty()));
    }

    #[test]
    fn patch_applies_only_given_fields() {
        let base = NewReport {
            well_id: "ZT-102".into(),
            report_date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
            md_m: 100.0,
            footage_m: 10.0,
            bit_type: Some("PDC".into()),
            bit_diameter_mm: None,
            wob_kn: None,
            rop_m_per_h: None,
            rotary_rpm: None,
            torque_knm: None,
            pump_pressure_mpa: None,
            flow_rate_lps: None,
            mud_density_gcc: None,
            mud_viscosity_s: None,
            drilling_hours: 5.0,
            npt_hours: 0.0,
            npt_reason: None,
            main_work: None,
            daily_cost: None,
        };
        let patch: ReportPatch = serde_json::from_str(r#"{"md_m": 120, "npt_reason": "weather"}"#).unwrap();
        let r = patch.apply(&base);
        assert_eq!(
            (r.md_m, r.footage_m, r.npt_reason.as_deref(), r.bit_type.as_deref()),
            (120.0, 10.0, Some("weather"), Some("PDC"))
        );
        assert!(ReportPatch::default().is_empty() && !patch.is_empty());
        assert!(serde_json::from_str::<ReportPatch>(r#"{"depth": 1}"#).is_err(), "unknown fields are refused");
    }
}
