//! Deterministic demo data and a bulk seeder.
//!
//! [`fill_demo`] creates 12 wells in 4 blocks (Block-A..D) and 3 fields with daily reports from
//! each spud date up to `today` (or until the target depth is reached); [`seed`] bulk-generates
//! `wells × days` reports for load tests. Both use a fixed-seed SplitMix64 generator, so the same
//! `today` always yields the same data (only `created_at`/`updated_at` differ).
//!
//! The drilling model: three hole sections (444.5 → 311.2 → 215.9 mm bits), each ended by a few
//! days of casing and cementing without drilling; bit changes every 300-700 m within a section
//! (alternating PDC and tricone); ROP falling with depth (≈ 25 m/h at surface, ≈ 2 m/h at 6000 m);
//! mud density and viscosity rising with depth; NPT on about 8 % of days with a reason; daily cost.

use chrono::{Duration, NaiveDate};
use rusqlite::TransactionBehavior;

use crate::db::reports::{INSERT_REPORT, insert_params, insert_report};
use crate::db::wells::{WellRef, insert_well};
use crate::db::{DbError, Scope, Store, now_ts};
use crate::domain::{NewReport, NewWell, WellStatus, WellType};

/// SplitMix64: tiny, fast, deterministic PRNG (not for cryptography).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
    /// A uniformly chosen element (`items` must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = (self.next_u64() % items.len().max(1) as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }
}

const SEED: u64 = 0x0113_F1E1_D5EE_D001;
const NPT_REASONS: [&str; 5] = ["stuck pipe", "lost circulation", "rig repair", "weather", "waiting"];
/// Bit diameters (mm), casing sizes (mm) and typical flow rates (L/s) of the three sections.
const SECTIONS: [(f64, f64, (f64, f64)); 3] =
    [(444.5, 339.7, (55.0, 65.0)), (311.2, 244.5, (40.0, 50.0)), (215.9, 139.7, (25.0, 35.0))];

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Simulate the daily reports of one well from `spud` to `until` (inclusive). Stops at the target
/// depth unless `keep_reporting`, in which case later days are reports without drilling.
/// Returns the reports and whether the target was reached.
pub(crate) fn simulate_well(
    rng: &mut SplitMix64,
    well_id: &str,
    spud: NaiveDate,
    target: f64,
    until: NaiveDate,
    keep_reporting: bool,
) -> (Vec<NewReport>, bool) {
    let casing_points = [r1(target * rng.range(0.12, 0.2)), r1(target * rng.range(0.55, 0.7)), target];
    let mut out = Vec::new();
    let mut md = 0.0_f64;
    let mut section = 0usize;
    let mut bit_pdc = false;
    let mut run_left = rng.range(300.0, 700.0);
    let mut new_bit = true;
    let mut casing_days_left = 0u32;
    let mut reached = false;
    let mut day = spud;
    while day <= until {
        let depth_frac = md / 7000.0;
        let mud = r2((1.05 + 0.9 * depth_frac.powf(1.1) + rng.range(-0.02, 0.02)).clamp(1.05, 2.2));
        let visc = (38.0 + 30.0 * depth_frac + rng.range(-3.0, 3.0)).round().clamp(35.0, 90.0);
        let (bit_mm, casing_mm, (flow_lo, flow_hi)) = SECTIONS[section.min(2)];
        let base_cost = rng.range(30_000.0, 50_000.0) + 4.0 * md;
        let mut report = NewReport {
            well_id: well_id.to_string(),
            report_date: day,
            md_m: md,
            footage_m: 0.0,
            bit_type: None,
            bit_diameter_mm: None,
            wob_kn: None,
            rop_m_per_h: None,
            rotary_rpm: None,
            torque_knm: None,
            pump_pressure_mpa: None,
            flow_rate_lps: None,
            mud_density_gcc: Some(mud),
            mud_viscosity_s: Some(visc),
            drilling_hours: 0.0,
            npt_hours: 0.0,
            npt_reason: None,
            main_work: None,
            daily_cost: Some(base_cost.round()),
        };
        if reached {
            if !keep_reporting {
                break;
            }
            report.main_work = Some("completion operations, no drilling".into());
        } else if casing_days_left > 0 {
            let work = match casing_days_left {
                4.. => format!("logging and wiper trip at {md:.0} m"),
                3 => format!("ran {casing_mm} mm casing to {md:.0} m"),
                2 => "cemented casing, waiting on cement".to_string(),
                _ => "nippled up BOP, drilled out shoe track".to_string(),
            };
            report.main_work = Some(work);
            casing_days_left -= 1;
        } else {
            // A drilling day.
            let npt = if rng.chance(0.08) { r1(rng.range(2.0, 10.0)) } else { 0.0 };
            let trip = new_bit && !out.is_empty();
            let mut hours = if trip { rng.range(3.0, 7.0) } else { rng.range(10.0, 18.0) };
            hours = r1(hours.min(24.0 - npt - 1.0).max(1.0));
            let rop = (rng.range(0.8, 1.2) * (25.0 * (-md / 1500.0).exp() + 1.5)).clamp(1.5, 55.0);
            let stop_at = casing_points[section.min(2)];
            let footage = r1((rop * hours).min(600.0).min(stop_at - md).max(0.0));
            if new_bit {
                bit_pdc = if section == 0 { false } else { !bit_pdc };
            }
            let bit_type = if bit_pdc { "PDC" } else { "tricone" };
            let start = md;
            md = r1(md + footage);
            let wob = match section {
                0 => rng.range(40.0, 100.0),
                1 => rng.range(80.0, 160.0),
                _ => rng.range(100.0, 200.0),
            };
            let rpm = if bit_pdc { rng.range(110.0, 170.0) } else { rng.range(60.0, 110.0) };
            report.md_m = md;
            report.footage_m = footage;
            report.bit_type = Some(bit_type.into());
            report.bit_diameter_mm = Some(bit_mm);
            report.wob_kn = Some(wob.round());
            report.rop_m_per_h = Some(r1(rop).clamp(1.0, 60.0));
            report.rotary_rpm = Some(rpm.round());
            report.torque_knm = Some(r1((5.0 + 25.0 * depth_frac + rng.range(0.0, 4.0)).clamp(5.0, 40.0)));
            report.pump_pressure_mpa = Some(r1((8.0 + 20.0 * depth_frac + rng.range(-1.0, 2.0)).clamp(5.0, 35.0)));
            report.flow_rate_lps = Some(r1(rng.range(flow_lo, flow_hi)));
            report.drilling_hours = hours;
            if npt > 0.0 {
                report.npt_hours = npt;
                report.npt_reason = Some((*rng.pick(&NPT_REASONS)).to_string());
                report.daily_cost = Some((base_cost + npt * rng.range(2_000.0, 5_000.0)).round());
            }
            let drilled = format!("drilled {start:.0}-{md:.0} m");
            report.main_work = Some(if trip {
                format!("tripped out, changed bit to {bit_type} {bit_mm} mm; {drilled}")
            } else {
                drilled
            });
            if footage == 0.0 {
                // Nothing left to drill in this section (guards against zero-footage drilling days).
                report.rop_m_per_h = None;
                report.rotary_rpm = None;
                report.wob_kn = None;
                report.torque_knm = None;
                report.drilling_hours = 0.0;
            }
            new_bit = false;
            run_left -= footage;
            if md >= stop_at - 0.05 {
                if section >= 2 || md >= target - 0.05 {
                    reached = true;
                } else {
                    section += 1;
                    casing_days_left = 4 + u32::from(rng.chance(0.5));
                    new_bit = true;
                    run_left = rng.range(300.0, 700.0);
                }
            } else if run_left <= 0.0 {
                new_bit = true;
                run_left = rng.range(300.0, 700.0);
            }
        }
        out.push(report);
        day += Duration::days(1);
    }
    (out, reached)
}

struct DemoWell {
    id: &'static str,
    name: &'static str,
    field: &'static str,
    block: &'static str,
    well_type: WellType,
    /// Days before today; negative = planned in the future.
    spud_days_ago: i64,
    target: f64,
    rig: &'static str,
    /// Stopped reporting this many days ago (suspended wells).
    suspended_days_ago: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
const fn dw(
    id: &'static str,
    name: &'static str,
    field: &'static str,
    block: &'static str,
    well_type: WellType,
    spud_days_ago: i64,
    target: f64,
    rig: &'static str,
) -> DemoWell {
    DemoWell { id, name, field, block, well_type, spud_days_ago, target, rig, suspended_days_ago: None }
}

const DEMO_WELLS: [DemoWell; 12] = [
    dw("ZT-101", "Zhongtai 101", "Zhongtai", "Block-A", WellType::Vertical, 32, 3200.0, "ZJ50-01"),
    dw("ZT-102", "Zhongtai 102", "Zhongtai", "Block-A", WellType::Directional, 62, 4800.0, "ZJ70-03"),
    dw("ZT-103", "Zhongtai 103", "Zhongtai", "Block-A", WellType::Vertical, 150, 3600.0, "ZJ50-02"),
    dw("ZT-104", "Zhongtai 104", "Zhongtai", "Block-B", WellType::Vertical, 45, 4000.0, "ZJ50-04"),
    dw("ZT-105", "Zhongtai 105", "Zhongtai", "Block-B", WellType::Horizontal, 75, 5200.0, "ZJ70-01"),
    dw("ZT-106", "Zhongtai 106", "Zhongtai", "Block-B", WellType::Directional, 58, 4500.0, "ZJ70-02"),
    dw("XY-007", "Xinyuan 7", "Xinyuan", "Block-C", WellType::Vertical, 85, 5600.0, "ZJ90-01"),
    dw("XY-008", "Xinyuan 8", "Xinyuan", "Block-C", WellType::Directional, 110, 6200.0, "ZJ90-02"),
    dw("XY-009", "Xinyuan 9", "Xinyuan", "Block-C", WellType::Horizontal, 120, 6500.0, "ZJ90-03"),
    dw("W001", "Westbank 1", "Westbank", "Block-D", WellType::Vertical, 26, 2800.0, "ZJ40-01"),
    DemoWell {
        suspended_days_ago: Some(18),
        ..dw("W002", "Westbank 2", "Westbank", "Block-D", WellType::Directional, 50, 3500.0, "ZJ40-02")
    },
    dw("W003", "Westbank 3", "Westbank", "Block-D", WellType::Vertical, -14, 3000.0, "ZJ40-01"),
];

/// The demo wells and their reports for a given `today` (deterministic).
pub fn demo_data(today: NaiveDate) -> Vec<(NewWell, Vec<NewReport>)> {
    DEMO_WELLS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut rng = SplitMix64::new(SEED ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9));
            let spud = today - Duration::days(d.spud_days_ago);
            let until = today - Duration::days(d.suspended_days_ago.unwrap_or(0));
            let (reports, reached) = if d.spud_days_ago < 0 {
                (Vec::new(), false)
            } else {
                simulate_well(&mut rng, d.id, spud, d.target, until, false)
            };
            let status = if d.spud_days_ago < 0 {
                WellStatus::Planned
            } else if reached {
                WellStatus::Completed
            } else if d.suspended_days_ago.is_some() {
                WellStatus::Suspended
            } else {
                WellStatus::Drilling
            };
            let well = NewWell {
                id: d.id.to_string(),
                name: d.name.to_string(),
                field: d.field.to_string(),
                block: d.block.to_string(),
                well_type: d.well_type,
                status,
                spud_date: Some(spud),
                target_depth_m: Some(d.target),
                rig: Some(d.rig.to_string()),
                operator: Some(
                    if d.field == "Westbank" { "Westbank Drilling Co." } else { "Northstar Drilling Co." }.into(),
                ),
                latitude: Some(r2(44.0 + rng.range(0.0, 0.8))),
                longitude: Some(r2(85.0 + rng.range(0.0, 1.2))),
            };
            (well, reports)
        })
        .collect()
}

/// Fill the demo data set, only when the database has no wells at all (deleted ones included).
/// Returns whether it filled. Reports go through the same checks as `add_report`.
pub async fn fill_demo(store: &Store, today: NaiveDate) -> Result<bool, DbError> {
    store
        .write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let wells: i64 = tx.query_row("SELECT count(*) FROM wells", [], |r| r.get(0))?;
            if wells > 0 {
                return Ok(false);
            }
            let scope = Scope::all();
            for (well, reports) in demo_data(today) {
                let w = insert_well(&tx, &scope, &well)?;
                let wref =
                    WellRef { id: w.id, spud_date: w.spud_date, target_depth_m: w.target_depth_m, deleted_at: None };
                for r in &reports {
                    insert_report(&tx, &wref, r, today)?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
        .await
}

/// What [`seed`] inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct SeedSummary {
    pub wells: u64,
    pub reports: u64,
}

/// Bulk-generate `wells` wells (`SD-0001`, ...) with one report per day for the `days` days ending
/// `today` (after reaching the target depth a well keeps reporting days without drilling), in one
/// transaction with a prepared statement and `synchronous=OFF` for the duration. Fails if any of
/// the ids exists. Meant for load tests: 1000 × 1000 takes a few seconds in release mode.
pub async fn seed(store: &Store, wells: usize, days: usize, today: NaiveDate) -> Result<SeedSummary, DbError> {
    if !(1..=99_999).contains(&wells) || !(1..=20_000).contains(&days) {
        return Err(DbError::Invalid(format!(
            "seed takes 1-99999 wells and 1-20000 days (got {wells} wells, {days} days)"
        )));
    }
    store
        .write(move |conn, _| {
            conn.pragma_update(None, "synchronous", "OFF")?;
            let result = seed_tx(conn, wells, days, today);
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            result
        })
        .await
}

fn seed_tx(
    conn: &mut rusqlite::Connection,
    wells: usize,
    days: usize,
    today: NaiveDate,
) -> Result<SeedSummary, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let spud = today - Duration::days(days as i64 - 1);
    let ts = now_ts();
    let mut reports = 0u64;
    {
        let mut well_stmt = tx.prepare_cached(
            "INSERT INTO wells (id, name, field, block, well_type, status, spud_date, target_depth_m, \
             rig, operator, latitude, longitude, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL, NULL, ?9, ?9)",
        )?;
        let mut report_stmt = tx.prepare_cached(INSERT_REPORT)?;
        for i in 1..=wells {
            let id = format!("SD-{i:04}");
            let mut rng = SplitMix64::new(SEED.wrapping_add(i as u64 * 0x1000_0001));
            let target = r1(rng.range(2500.0, 7000.0));
            let block = format!("Block-{}", (b'A' + (i % 4) as u8) as char);
            let field = ["Zhongtai", "Xinyuan", "Westbank"][i % 3];
            let (rows, reached) = simulate_well(&mut rng, &id, spud, target, today, true);
            let status = if reached { WellStatus::Completed } else { WellStatus::Drilling };
            well_stmt
                .execute(rusqlite::params![
                    id,
                    format!("Seed well {i}"),
                    field,
                    block,
                    WellType::Vertical.as_str(),
                    status.as_str(),
                    spud,
                    target,
                    ts
                ])
                .map_err(|e| match DbError::from(e) {
                    DbError::Conflict(_) => {
                        DbError::Conflict(format!("well {id} already exists; seed needs unused SD-* ids"))
                    }
                    other => other,
                })?;
            for r in &rows {
                report_stmt.execute(&insert_params(r, &ts)[..])?;
            }
            reports += rows.len() as u64;
        }
    }
    tx.commit()?;
    Ok(SeedSummary { wells: wells as u64, reports })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::validate_new_report;

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let a: Vec<u64> = (0..5).scan(SplitMix64::new(42), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..5).scan(SplitMix64::new(42), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        // Reference value of SplitMix64 for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut r = SplitMix64::new(7);
        let xs: Vec<f64> = (0..10_000).map(|_| r.next_f64()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }

    #[test]
    fn demo_data_is_valid_realistic_and_deterministic() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let data = demo_data(today);
        assert_eq!(data, demo_data(today));
        assert_eq!(data.len(), 12);
        let blocks: std::collections::BTreeSet<&str> = data.iter().map(|(w, _)| w.block.as_str()).collect();
        assert_eq!(blocks.len(), 4);
        let mut total = 0;
        for (well, reports) in &data {
            let mut prev_md = 0.0;
            for r in reports {
                validate_new_report(r).unwrap_or_else(|e| panic!("{} {}: {e}", well.id, r.report_date));
                assert!(r.md_m >= prev_md);
                assert!(r.md_m <= well.target_depth_m.unwrap() + 0.01);
                assert!(r.report_date <= today && Some(r.report_date) >= well.spud_date);
                prev_md = r.md_m;
            }
            total += reports.len();
        }
        assert!(total > 600, "{total}");
        let all: Vec<&NewReport> = data.iter().flat_map(|(_, r)| r).collect();
        // Bits go through the three sizes, NPT happens with reasons, deep mud is heavier.
        for size in [444.5, 311.2, 215.9] {
            assert!(all.iter().any(|r| r.bit_diameter_mm == Some(size)), "{size}");
        }
        assert!(all.iter().filter(|r| r.npt_hours > 0.0).all(|r| r.npt_reason.is_some()));
        assert!(all.iter().filter(|r| r.npt_hours > 0.0).count() > 20);
        let mud = |lo: f64, hi: f64| {
            let v: Vec<f64> =
                all.iter().filter(|r| (lo..hi).contains(&r.md_m)).filter_map(|r| r.mud_density_gcc).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mud(4000.0, 7000.0) > mud(0.0, 1500.0) + 0.3);
        // Shallow drilling is faster than deep drilling.
        let rop = |lo: f64, hi: f64| {
            let v: Vec<f64> = all.iter().filter(|r| (lo..hi).contains(&r.md_m)).filter_map(|r| r.rop_m_per_h).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(rop(0.0, 1000.0) > 2.0 * rop(4000.0, 7000.0));
    }
}
