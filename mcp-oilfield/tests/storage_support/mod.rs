//! Helpers shared by the storage integration tests: a real SQLite file in a temp dir, a pinned
//! "today" and small builders.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::NaiveDate;
use mcp_oilfield::db::{DbError, NewReport, NewWell, Scope, Store, WellStatus, WellType};
use tempfile::TempDir;

/// "Today" in every test.
pub const TODAY: &str = "2026-03-31";

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct Db {
    pub store: Store,
    pub dir: TempDir,
}

pub async fn open() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("oilfield.db"), 2).await.unwrap();
    store.set_today(Some(d(TODAY)));
    Db { store, dir }
}

pub fn all() -> Scope {
    Scope::all()
}

pub fn well(id: &str, block: &str, field: &str) -> NewWell {
    NewWell {
        id: id.to_string(),
        name: format!("Well {id}"),
        field: field.to_string(),
        block: block.to_string(),
        well_type: WellType::Vertical,
        status: WellStatus::Drilling,
        spud_date: Some(d("2026-02-25")),
        target_depth_m: Some(4000.0),
        rig: Some("ZJ50".into()),
        operator: None,
        latitude: None,
        longitude: None,
    }
}

/// A plain drilling day: 10 h drilling, no NPT.
pub fn report(well: &str, date: &str, md: f64, footage: f64) -> NewReport {
    NewReport {
        well_id: well.to_string(),
        report_date: d(date),
        md_m: md,
        footage_m: footage,
        bit_type: Some("PDC".into()),
        bit_diameter_mm: Some(311.2),
        wob_kn: Some(120.0),
        rop_m_per_h: Some(10.0),
        rotary_rpm: Some(120.0),
        torque_knm: Some(15.0),
        pump_pressure_mpa: Some(18.0),
        flow_rate_lps: Some(40.0),
        mud_density_gcc: Some(1.2),
        mud_viscosity_s: Some(50.0),
        drilling_hours: 10.0,
        npt_hours: 0.0,
        npt_reason: None,
        main_work: Some(format!("drilled to {md} m")),
        daily_cost: Some(1000.0),
    }
}

/// Wells ZT-102 and ZT-105 (Block-A, Zhongtai) and W001 (Block-D, Westbank), no reports.
pub async fn three_wells(db: &Db) {
    for (id, block, field) in
        [("ZT-102", "Block-A", "Zhongtai"), ("ZT-105", "Block-A", "Zhongtai"), ("W001", "Block-D", "Westbank")]
    {
        db.store.create_well(&all(), well(id, block, field)).await.unwrap();
    }
}

pub fn assert_not_found(e: DbError, what: &str) {
    match e {
        DbError::NotFound { what: w, .. } => assert_eq!(w, what),
        other => panic!("expected NotFound({what}), got {other:?}"),
    }
}

pub fn assert_invalid(e: DbError, needle: &str) {
    match e {
        DbError::Invalid(m) => assert!(m.contains(needle), "{m}\n  does not contain: {needle}"),
        other => panic!("expected Invalid containing {needle:?}, got {other:?}"),
    }
}

pub fn assert_conflict(e: DbError, needle: &str) {
    match e {
        DbError::Conflict(m) => assert!(m.contains(needle), "{m}\n  does not contain: {needle}"),
        other => panic!("expected Conflict containing {needle:?}, got {other:?}"),
    }
}
