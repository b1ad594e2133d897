//! Wells: create / list / get / update / delete / restore / purge, id normalisation and
//! suggestions for unknown ids.
#![allow(clippy::unwrap_used)]

mod storage_support;

use mcp_oilfield::db::{DbError, Page, ReportQuery, WellFilter, WellPatch, WellStatus};
use storage_support::*;

#[tokio::test]
async fn create_normalises_ids_and_rejects_duplicates() {
    let db = open().await;
    let w = db.store.create_well(&all(), well(" zt_102 ", "Block-A", "Zhongtai")).await.unwrap();
    assert_eq!(w.id, "ZT-102");
    assert_eq!(w.name, "Well  zt_102", "names are trimmed");
    let w = db.store.create_well(&all(), well("w-001", "Block-D", "Westbank")).await.unwrap();
    assert_eq!(w.id, "W001");
    let e = db.store.create_well(&all(), well("zt102", "Block-A", "Zhongtai")).await.unwrap_err();
    assert_eq!(e, DbError::Conflict("well ZT-102 already exists".into()));
    let e = db.store.create_well(&all(), well("102", "Block-A", "Zhongtai")).await.unwrap_err();
    assert_invalid(e, "'102' is not a valid well id");
    let mut bad = well("ZT-110", "Block-A", "Zhongtai");
    bad.target_depth_m = Some(8000.0);
    let e = db.store.create_well(&all(), bad).await.unwrap_err();
    assert_invalid(e, "target_depth_m = 8000 m is out of range: allowed 1-7000 m");
}

#[tokio::test]
async fn any_spelling_finds_the_same_well() {
    let db = open().await;
    three_wells(&db).await;
    for spelling in ["ZT-102", "zt102", "zt-102", " Zt_102 "] {
        assert_eq!(db.store.get_well(&all(), spelling).await.unwrap().well.id, "ZT-102");
    }
    for spelling in ["w001", "W-001", "W001"] {
        assert_eq!(db.store.get_well(&all(), spelling).await.unwrap().well.id, "W001");
    }
}

#[tokio::test]
async fn unknown_ids_suggest_close_existing_ones() {
    let db = open().await;
    three_wells(&db).await;
    db.store.create_well(&all(), well("XY-009", "Block-C", "Xinyuan")).await.unwrap();
    let e = db.store.get_well(&all(), "zt-999").await.unwrap_err();
    assert_eq!(
        e,
        DbError::NotFound { what: "well ZT-999".into(), suggestions: vec!["ZT-102".into(), "ZT-105".into()] }
    );
    assert_eq!(e.to_string(), "Unknown well ZT-999. Did you mean: ZT-102, ZT-105?");
    let e = db.store.get_well(&all(), "ZT-103").await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown well ZT-103. Did you mean: ZT-102, ZT-105?");
    let e = db.store.get_well(&all(), "QQ-777").await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown well QQ-777.");
    // Suggestions only come from the caller's scope.
    let e = db.store.get_well(&mcp_oilfield::db::Scope::blocks(["Block-D"]), "ZT-10").await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown well ZT-10.");
    // Unknown ids in report operations get the same treatment.
    let e = db.store.query_reports(&all(), ReportQuery::latest("zt-106", 5)).await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown well ZT-106. Did you mean: ZT-102, ZT-105?");
}

#[tokio::test]
async fn list_filters_and_pages() {
    let db = open().await;
    three_wells(&db).await;
    let mut completed = well("ZT-101", "Block-B", "Zhongtai");
    completed.status = WellStatus::Completed;
    completed.name = "Zhongtai North".into();
    db.store.create_well(&all(), completed).await.unwrap();

    let page = db.store.list_wells(&all(), WellFilter::default(), Page { limit: 2, offset: 0 }).await.unwrap();
    assert_eq!(page.items.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(), ["W001", "ZT-101"]);
    assert_eq!((page.total, page.next_offset), (4, Some(2)));
    let page = db.store.list_wells(&all(), WellFilter::default(), Page { limit: 2, offset: 2 }).await.unwrap();
    assert_eq!(page.items.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(), ["ZT-102", "ZT-105"]);
    assert_eq!(page.next_offset, None);

    let by = |f: WellFilter| {
        let store = db.store.clone();
        async move {
            store
                .list_wells(&all(), f, Page::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|w| w.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by(WellFilter { block: Some("block-a".into()), ..Default::default() }).await, ["ZT-102", "ZT-105"]);
    assert_eq!(by(WellFilter { field: Some("WESTBANK".into()), ..Default::default() }).await, ["W001"]);
    assert_eq!(by(WellFilter { status: Some(WellStatus::Completed), ..Default::default() }).await, ["ZT-101"]);
    assert_eq!(by(WellFilter { name: Some("north".into()), ..Default::default() }).await, ["ZT-101"]);
    assert_eq!(
        by(WellFilter { name: Some("zt-10".into()), ..Default::default() }).await,
        ["ZT-101", "ZT-102", "ZT-105"]
    );
    let e = db.store.list_wells(&all(), WellFilter::default(), Page { limit: 0, offset: 0 }).await.unwrap_err();
    assert_invalid(e, "limit = 0 is out of range: allowed 1-500");
    let e = db.store.list_wells(&all(), WellFilter::default(), Page { limit: 501, offset: 0 }).await.unwrap_err();
    assert_invalid(e, "limit = 501");
}

#[tokio::test]
async fn summary_and_detail_show_latest_depth_and_progress() {
    let db = open().await;
    three_wells(&db).await;
    db.store.add_report(&all(), report("ZT-102", "2026-03-01", 500.0, 500.0)).await.unwrap();
    db.store.add_report(&all(), report("ZT-102", "2026-03-02", 1000.0, 500.0)).await.unwrap();
    let page = db
        .store
        .list_wells(&all(), WellFilter { name: Some("ZT-102".into()), ..Default::default() }, Page::default())
        .await
        .unwrap();
    let s = &page.items[0];
    assert_eq!(
        (s.current_depth_m, s.last_report_date, s.progress_pct),
        (Some(1000.0), Some(d("2026-03-02")), Some(25.0))
    );
    let detail = db.store.get_well(&all(), "zt102").await.unwrap();
    assert_eq!(detail.latest_report.unwrap().report_date, d("2026-03-02"));
    assert_eq!(detail.cumulative.total_footage_m, 1000.0);
    assert_eq!(detail.cumulative.avg_rop_m_per_h, Some(50.0));
    assert_eq!(detail.cumulative.days_reported, 2);
    let empty = db.store.get_well(&all(), "W001").await.unwrap();
    assert!(empty.latest_report.is_none());
    assert_eq!(
        (empty.cumulative.days_reported, empty.cumulative.avg_rop_m_per_h, empty.cumulative.current_depth_m),
        (0, None, None)
    );
}

#[tokio::test]
async fn update_changes_only_given_fields() {
    let db = open().await;
    three_wells(&db).await;
    let patch = WellPatch { status: Some(WellStatus::Suspended), rig: Some("ZJ70".into()), ..Default::default() };
    let w = db.store.update_well(&all(), "zt102", patch).await.unwrap();
    assert_eq!((w.status, w.rig.as_deref(), w.name.as_str()), (WellStatus::Suspended, Some("ZJ70"), "Well ZT-102"));
    let e = db.store.update_well(&all(), "ZT-102", WellPatch::default()).await.unwrap_err();
    assert_invalid(e, "nothing to update");
    // The spud date cannot move after the first report.
    db.store.add_report(&all(), report("ZT-102", "2026-03-01", 100.0, 100.0)).await.unwrap();
    let e = db
        .store
        .update_well(&all(), "ZT-102", WellPatch { spud_date: Some(d("2026-03-05")), ..Default::default() })
        .await
        .unwrap_err();
    assert_invalid(e, "spud_date 2026-03-05 is after the first report of well ZT-102 on 2026-03-01");
    let e = db
        .store
        .update_well(&all(), "ZT-109", WellPatch { rig: Some("x".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert_not_found(e, "well ZT-109");
}

#[tokio::test]
async fn soft_delete_hides_well_and_reports_and_restore_brings_them_back() {
    let db = open().await;
    three_wells(&db).await;
    db.store.add_report(&all(), report("ZT-102", "2026-03-01", 100.0, 100.0)).await.unwrap();
    db.store.add_report(&all(), report("ZT-102", "2026-03-02", 200.0, 100.0)).await.unwrap();
    db.store.add_report(&all(), report("ZT-102", "2026-03-03", 300.0, 100.0)).await.unwrap();
    // Deleted individually before the well: stays deleted when the well is restored.
    db.store.delete_report(&all(), "ZT-102", d("2026-03-03"), false).await.unwrap();
    assert_eq!(db.store.count_reports().await.unwrap(), 2);

    let del = db.store.delete_well(&all(), "zt102", false).await.unwrap();
    assert_eq!((del.purged, del.wells, del.reports), (false, 1, 2));
    assert_not_found(db.store.get_well(&all(), "ZT-102").await.unwrap_err(), "well ZT-102");
    assert_not_found(db.store.get_report(&all(), "ZT-102", d("2026-03-01")).await.unwrap_err(), "well ZT-102");
    let listed = db.store.list_wells(&all(), WellFilter::default(), Page::default()).await.unwrap();
    assert!(listed.items.iter().all(|w| w.id != "ZT-102"));
    let all_reports = db.store.query_reports(&all(), ReportQuery::default()).await.unwrap();
    assert_eq!(all_reports.total, 0);
    assert_eq!(db.store.count_reports().await.unwrap(), 0);
    // A deleted well keeps its id.
    assert_conflict(
        db.store.create_well(&all(), well("ZT-102", "Block-A", "Zhongtai")).await.unwrap_err(),
        "well ZT-102 exists but is deleted; restore it or purge it first",
    );
    assert_not_found(db.store.delete_well(&all(), "ZT-102", false).await.unwrap_err(), "well ZT-102");

    let r = db.store.restore_well(&all(), "ZT-102").await.unwrap();
    assert_eq!((r.wells, r.reports), (1, 2));
    let detail = db.store.get_well(&all(), "ZT-102").await.unwrap();
    assert_eq!(detail.cumulative.days_reported, 2);
    assert_conflict(db.store.restore_well(&all(), "ZT-102").await.unwrap_err(), "well ZT-102 is not deleted");
    assert_not_found(db.store.restore_well(&all(), "ZT-107").await.unwrap_err(), "deleted well ZT-107");
}

#[tokio::test]
async fn purge_removes_well_and_all_its_reports() {
    let db = open().await;
    three_wells(&db).await;
    db.store.add_report(&all(), report("ZT-102", "2026-03-01", 100.0, 100.0)).await.unwrap();
    db.store.add_report(&all(), report("ZT-102", "2026-03-02", 200.0, 100.0)).await.unwrap();
    db.store.delete_report(&all(), "ZT-102", d("2026-03-02"), false).await.unwrap();
    db.store.delete_well(&all(), "ZT-102", false).await.unwrap();
    // Purge works on an already soft-deleted well and removes deleted reports too.
    let del = db.store.delete_well(&all(), "ZT-102", true).await.unwrap();
    assert_eq!((del.purged, del.wells, del.reports), (true, 1, 2));
    assert_not_found(db.store.restore_well(&all(), "ZT-102").await.unwrap_err(), "deleted well ZT-102");
    // The id is free again.
    db.store.create_well(&all(), well("ZT-102", "Block-A", "Zhongtai")).await.unwrap();
    assert_eq!(db.store.get_well(&all(), "ZT-102").await.unwrap().cumulative.days_reported, 0);
    let rows: i64 = rusqlite::Connection::open(db.store.path())
        .unwrap()
        .query_row("SELECT count(*) FROM daily_reports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}
