//! The caller's scope applies to every kind of operation: a well outside it behaves as unknown.
#![allow(clippy::unwrap_used)]

mod storage_support;

use mcp_oilfield::db::{AuditQuery, Metric, Page, ReportPatch, ReportQuery, Scope, WellFilter, WellPatch};
use mcp_oilfield::export::{ExportFilter, ExportFormat};
use storage_support::*;

/// ZT-102 / ZT-105 in Block-A (Zhongtai), W001 in Block-D (Westbank), two reports each.
async fn setup() -> Db {
    let db = open().await;
    three_wells(&db).await;
    for id in ["ZT-102", "ZT-105", "W001"] {
        db.store.add_report(&all(), report(id, "2026-03-01", 100.0, 100.0)).await.unwrap();
        db.store.add_report(&all(), report(id, "2026-03-02", 200.0, 100.0)).await.unwrap();
    }
    db
}

fn block_a() -> Scope {
    Scope::blocks(["block-a"])
}

#[tokio::test]
async fn reads_only_see_wells_in_scope() {
    let db = setup().await;
    let s = block_a();
    let ids: Vec<String> = db
        .store
        .list_wells(&s, WellFilter::default(), Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["ZT-102", "ZT-105"]);
    let west = Scope::fields(["Westbank"]);
    let ids: Vec<String> = db
        .store
        .list_wells(&west, WellFilter::default(), Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids, ["W001"]);
    let both = Scope { blocks: Some(vec!["Block-A".into()]), fields: Some(vec!["Westbank".into()]) };
    assert_eq!(db.store.list_wells(&both, WellFilter::default(), Page::default()).await.unwrap().total, 0);
    assert_eq!(db.store.list_wells(&Scope::nothing(), WellFilter::default(), Page::default()).await.unwrap().total, 0);

    assert_not_found(db.store.get_well(&s, "W001").await.unwrap_err(), "well W001");
    assert_not_found(db.store.get_report(&s, "W001", d("2026-03-01")).await.unwrap_err(), "well W001");
    let all_in_scope = db.store.query_reports(&s, ReportQuery { limit: 500, ..Default::default() }).await.unwrap();
    assert_eq!(all_in_scope.total, 4);
    assert!(all_in_scope.items.iter().all(|r| r.well_id.starts_with("ZT-")));
    let q = ReportQuery { well_ids: vec!["ZT-102".into(), "W001".into()], ..Default::default() };
    assert_not_found(db.store.query_reports(&s, q).await.unwrap_err(), "well W001");
    assert_eq!(db.store.query_reports(&Scope::nothing(), ReportQuery::default()).await.unwrap().total, 0);
}

#[tokio::test]
async fn statistics_respect_scope() {
    let db = setup().await;
    let s = block_a();
    assert_not_found(db.store.well_statistics(&s, "W001", None, None, true).await.unwrap_err(), "well W001");
    let ids = vec!["ZT-102".to_string(), "W001".to_string()];
    assert_not_found(db.store.compare_wells(&s, &ids, Metric::Footage, None, None).await.unwrap_err(), "well W001");
    assert_not_found(db.store.weekly_summary(&s, "W001", d("2026-03-01")).await.unwrap_err(), "well W001");
    assert_not_found(db.store.depth_series(&s, &["W001".into()], None, None).await.unwrap_err(), "well W001");
    assert_eq!(db.store.well_statistics(&s, "ZT-102", None, None, false).await.unwrap().footage_m, 200.0);
}

#[tokio::test]
async fn writes_outside_scope_are_refused_and_change_nothing() {
    let db = setup().await;
    let s = block_a();
    assert_not_found(
        db.store.add_report(&s, report("W001", "2026-03-03", 300.0, 100.0)).await.unwrap_err(),
        "well W001",
    );
    let patch = ReportPatch { daily_cost: Some(1.0), ..Default::default() };
    assert_not_found(db.store.update_report(&s, "W001", d("2026-03-01"), patch, None).await.unwrap_err(), "well W001");
    assert_not_found(db.store.delete_report(&s, "W001", d("2026-03-01"), false).await.unwrap_err(), "well W001");
    assert_not_found(db.store.delete_report(&s, "W001", d("2026-03-01"), true).await.unwrap_err(), "well W001");
    assert_not_found(
        db.store.update_well(&s, "W001", WellPatch { rig: Some("x".into()), ..Default::default() }).await.unwrap_err(),
        "well W001",
    );
    assert_not_found(db.store.delete_well(&s, "W001", false).await.unwrap_err(), "well W001");
    assert_not_found(db.store.delete_well(&s, "W001", true).await.unwrap_err(), "well W001");

    // Creating a well in another block, or moving one there, is refused.
    let e = db.store.create_well(&s, well("XY-009", "Block-C", "Xinyuan")).await.unwrap_err();
    assert_invalid(
        e,
        "well XY-009 cannot be created in block Block-C / field Xinyuan: outside the data you may access (blocks block-a)",
    );
    let e = db
        .store
        .update_well(&s, "ZT-102", WellPatch { block: Some("Block-D".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert_invalid(e, "well ZT-102 cannot be moved in block Block-D");
    db.store.create_well(&s, well("ZT-110", "Block-A", "Zhongtai")).await.unwrap();

    // Restore of something deleted by an admin in another block.
    db.store.delete_report(&all(), "W001", d("2026-03-02"), false).await.unwrap();
    assert_not_found(db.store.restore_report(&s, "W001", d("2026-03-02")).await.unwrap_err(), "well W001");
    db.store.delete_well(&all(), "W001", false).await.unwrap();
    assert_not_found(db.store.restore_well(&s, "W001").await.unwrap_err(), "deleted well W001");
    db.store.restore_well(&all(), "W001").await.unwrap();

    // W001 is untouched.
    let w = db.store.get_well(&all(), "W001").await.unwrap();
    assert_eq!(
        (w.well.block.as_str(), w.well.rig.as_deref(), w.cumulative.days_reported),
        ("Block-D", Some("ZJ50"), 1)
    );
    assert_eq!(db.store.get_report(&all(), "W001", d("2026-03-01")).await.unwrap().version, 1);
}

#[tokio::test]
async fn export_only_contains_wells_in_scope() {
    let db = setup().await;
    let (summary, bytes) =
        db.store.export_to_bytes(&block_a(), ExportFilter::default(), ExportFormat::Csv).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!((summary.wells, summary.reports), (2, 4));
    assert!(!text.contains("W001") && !text.contains("Westbank"), "{text}");
    let (summary, bytes) =
        db.store.export_to_bytes(&block_a(), ExportFilter::default(), ExportFormat::Json).await.unwrap();
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!((summary.wells, summary.reports), (2, 4));
    assert_eq!(json["wells"].as_array().unwrap().len(), 2);
    assert!(!String::from_utf8(bytes).unwrap().contains("W001"));
    // Asking for a well outside the scope explicitly is "unknown", and a block filter cannot widen
    // the scope.
    let f = ExportFilter { well_ids: vec!["W001".into()], ..Default::default() };
    assert_not_found(db.store.export_to_bytes(&block_a(), f, ExportFormat::Csv).await.unwrap_err(), "well W001");
    let f = ExportFilter { blocks: vec!["Block-D".into()], ..Default::default() };
    let (summary, _) = db.store.export_to_bytes(&block_a(), f, ExportFormat::Json).await.unwrap();
    assert_eq!((summary.wells, summary.reports), (0, 0));
}

#[tokio::test]
async fn import_into_a_block_outside_scope_is_rejected() {
    let db = setup().await;
    let csv =
        "well_id,report_date,md_m,footage_m,drilling_hours\nW001,2026-03-03,300,100,10\nZT-102,2026-03-03,300,100,10\n";
    let r = mcp_oilfield::import::import_csv(&db.store, &block_a(), std::io::Cursor::new(csv.to_string()), false)
        .await
        .unwrap();
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].line, 2);
    assert!(r.rejected[0].reason.starts_with("Unknown well W001."), "{}", r.rejected[0].reason);
    assert_eq!(r.inserted, 0);
    // Audit is not scoped (admin only) and unaffected.
    assert_eq!(db.store.query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery::default()).await.unwrap().total, 0);
}
