//! Mapping result rows to domain types.

use rusqlite::Row;
use rusqlite::types::Type;

use crate::domain::{DailyReport, Well, WellStatus, WellType};

fn parse_enum<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            Type::Text,
            format!("unexpected value '{s}' in the database").into(),
        )
    })
}

/// A well from the 14 columns of `well_cols!()` starting at `at`.
pub(crate) fn well(row: &Row<'_>, at: usize) -> rusqlite::Result<Well> {
    Ok(Well {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        field: row.get(at + 2)?,
        block: row.get(at + 3)?,
        well_type: parse_enum(row, at + 4, WellType::parse)?,
        status: parse_enum(row, at + 5, WellStatus::parse)?,
        spud_date: row.get(at + 6)?,
        target_depth_m: row.get(at + 7)?,
        rig: row.get(at + 8)?,
        operator: row.get(at + 9)?,
        latitude: row.get(at + 10)?,
        longitude: row.get(at + 11)?,
        created_at: row.get(at + 12)?,
        updated_at: row.get(at + 13)?,
    })
}

/// A report from the 23 columns of `report_cols!()` starting at `at`.
pub(crate) fn report(row: &Row<'_>, at: usize) -> rusqlite::Result<DailyReport> {
    Ok(DailyReport {
        id: row.get(at)?,
        well_id: row.get(at + 1)?,
        report_date: row.get(at + 2)?,
        md_m: row.get(at + 3)?,
        footage_m: row.get(at + 4)?,
        bit_type: row.get(at + 5)?,
        bit_diameter_mm: row.get(at + 6)?,
        wob_kn: row.get(at + 7)?,
        rop_m_per_h: row.get(at + 8)?,
        rotary_rpm: row.get(at + 9)?,
        torque_knm: row.get(at + 10)?,
        pump_pressure_mpa: row.get(at + 11)?,
        flow_rate_lps: row.get(at + 12)?,
        mud_density_gcc: row.get(at + 13)?,
        mud_viscosity_s: row.get(at + 14)?,
        drilling_hours: row.get(at + 15)?,
        npt_hours: row.get(at + 16)?,
        npt_reason: row.get(at + 17)?,
        main_work: row.get(at + 18)?,
        daily_cost: row.get(at + 19)?,
        version: row.get(at + 20)?,
        created_at: row.get(at + 21)?,
        updated_at: row.get(at + 22)?,
    })
}
