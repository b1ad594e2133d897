//! Write and delete tools: validation, duplicates, depth order, versions, soft delete and restore.

use serde_json::json;

use crate::common::{fails, fixture, ok};

#[tokio::test]
async fn add_update_and_conflicts_on_a_new_well() {
    let f = fixture("").await;
    let mut c = f.client(Some("USER")).await;
    ok(&mut c, "create_well", json!({"id": "zt150", "name": "Test 150", "field": "Zhongtai", "block": "Block-A", "spud_date": "2026-01-01", "target_depth_m": 3000})).await;
    let msg =
        fails(&mut c, "create_well", json!({"id": "ZT-150", "name": "dup", "field": "Zhongtai", "block": "Block-A"}))
            .await;
    assert_eq!(msg, "well ZT-150 already exists");
    let day1 = json!({"well_id": "ZT-150", "report_date": "2026-01-02", "md_m": 500, "footage_m": 500, "drilling_hours": 20, "rop_m_per_h": 25, "mud_density_gcc": 1.1});
    let (_, r1) = ok(&mut c, "add_drilling_record", day1.clone()).await;
    assert_eq!(r1["version"], 1);
    let msg = fails(&mut c, "add_drilling_record", day1).await;
    assert!(msg.contains("already exists"), "{msg}");
    // a depth lower than the previous day's is refused, and nothing is written
    let msg = fails(
        &mut c,
        "add_drilling_record",
        json!({"well_id": "ZT-150", "report_date": "2026-01-03", "md_m": 450, "footage_m": 0, "drilling_hours": 0}),
    )
    .await;
    assert!(msg.contains("450") && msg.contains("500"), "{msg}");
    let (_, q) = ok(&mut c, "query_drilling_data", json!({"well_id": "ZT-150"})).await;
    assert_eq!(q["total"], 1);
    // out-of-range values name the field and the range
    let msg = fails(&mut c, "add_drilling_record", json!({"well_id": "ZT-150", "report_date": "2026-01-03", "md_m": 600, "footage_m": 100, "drilling_hours": 20, "mud_density_gcc": 3.5})).await;
    assert!(msg.contains("mud") && msg.contains("2.2"), "{msg}");
    // versioned update: a stale version is refused
    let (_, r2) = ok(&mut c, "update_drilling_record", json!({"well_id": "ZT-150", "report_date": "2026-01-02", "expected_version": 1, "changes": {"main_work": "drilled 0-500 m"}})).await;
    assert_eq!(r2["version"], 2);
    let msg = fails(
        &mut c,
        "update_drilling_record",
        json!({"well_id": "ZT-150", "report_date": "2026-01-02", "expected_version": 1, "changes": {"wob_kn": 80}}),
    )
    .await;
    assert!(msg.contains("changed since"), "{msg}");
    let msg = fails(
        &mut c,
        "update_drilling_record",
        json!({"well_id": "ZT-150", "report_date": "2026-01-02", "changes": {}}),
    )
    .await;
    assert_eq!(msg, "`changes` is empty: name at least one field to change");
    let (_, w) = ok(&mut c, "update_well", json!({"well_id": "zt-150", "changes": {"status": "drilling"}})).await;
    assert_eq!(w["status"], "drilling");
}

#[tokio::test]
async fn soft_delete_hides_and_admin_restores() {
    let f = fixture("").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (_, latest) = ok(&mut admin, "query_drilling_data", json!({"well_id": "W001", "limit": 1})).await;
    let date = latest["items"][0]["report_date"].as_str().unwrap().to_owned();
    let total_before = latest["total"].as_u64().unwrap();
    ok(&mut admin, "delete_drilling_record", json!({"well_id": "W001", "report_date": date})).await;
    let (_, after) = ok(&mut admin, "query_drilling_data", json!({"well_id": "W001", "limit": 1})).await;
    assert_eq!(after["total"].as_u64().unwrap(), total_before - 1);
    let msg = fails(&mut admin, "get_daily_report", json!({"well_id": "W001", "date": date})).await;
    assert!(msg.starts_with(&format!("Unknown report for W001 on {date}.")), "{msg}");
    ok(&mut admin, "restore_record", json!({"well_id": "W001", "report_date": date})).await;
    ok(&mut admin, "get_daily_report", json!({"well_id": "W001", "date": date})).await;

    ok(&mut admin, "delete_well", json!({"well_id": "W002"})).await;
    let msg = fails(&mut admin, "get_well", json!({"well_id": "W002"})).await;
    assert!(msg.starts_with("Unknown well W002."), "{msg}");
    let (_, restored) = ok(&mut admin, "restore_record", json!({"well_id": "W002"})).await;
    assert!(restored["reports"].as_u64().unwrap() > 0);
    ok(&mut admin, "get_well", json!({"well_id": "W002"})).await;

    ok(&mut admin, "delete_well", json!({"well_id": "W003", "purge": true})).await;
    let msg = fails(&mut admin, "restore_record", json!({"well_id": "W003"})).await;
    assert_eq!(msg, "Unknown deleted well W003.", "purged wells cannot be restored");
    // a USER may write but not delete
    let mut user = f.client(Some("USER")).await;
    let msg = fails(&mut user, "delete_drilling_record", json!({"well_id": "W001", "report_date": date})).await;
    assert_eq!(msg, "Permission denied: role USER may not use tool delete_drilling_record (requires delete)");
}

#[tokio::test]
async fn two_digit_and_far_years_are_refused_in_every_argument() {
    let f = fixture("").await;
    let mut c = f.client(Some("ADMIN")).await;
    let msg = fails(
        &mut c,
        "create_well",
        json!({"id": "ZT-171", "name": "n", "field": "Zhongtai", "block": "Block-A", "spud_date": "26-01-01"}),
    )
    .await;
    assert!(msg.contains("'26-01-01' has a 2-digit year"), "{msg}");
    let msg = fails(
        &mut c,
        "add_drilling_record",
        json!({"well_id": "ZT-101", "report_date": "2300-01-01", "md_m": 1, "footage_m": 1, "drilling_hours": 1}),
    )
    .await;
    assert!(msg.contains("'2300-01-01' is outside the years 1900-2200"), "{msg}");
    let msg = fails(&mut c, "delete_drilling_record", json!({"well_id": "ZT-101", "report_date": "26-03-01"})).await;
    assert!(msg.contains("'26-03-01' has a 2-digit year"), "{msg}");
    let msg =
        fails(&mut c, "query_drilling_data", json!({"well_id": "ZT-101", "period": "26-03-01..2026-03-05"})).await;
    assert!(msg.contains("'26-03-01' has a 2-digit year"), "{msg}");
    let msg = fails(&mut c, "get_daily_report", json!({"well_id": "ZT-101", "date": "1850-03-01"})).await;
    assert!(msg.contains("'1850-03-01' is outside the years 1900-2200"), "{msg}");
}
