//! Daily reports: add / query / update with versions / delete / restore / purge, and the checks
//! that need the database (duplicates, depth order, spud date, future dates).
#![allow(clippy::unwrap_used)]

mod storage_support;

use mcp_oilfield::db::{DbError, Order, ReportPatch, ReportQuery};
use storage_support::*;

async fn with_reports() -> Db {
    let db = open().await;
    three_wells(&db).await;
    for (date, md) in [("2026-03-01", 100.0), ("2026-03-02", 250.0), ("2026-03-04", 400.0), ("2026-03-05", 520.0)] {
        db.store.add_report(&all(), report("zt102", date, md, 100.0)).await.unwrap();
    }
    db.store.add_report(&all(), report("ZT-105", "2026-03-03", 300.0, 300.0)).await.unwrap();
    db
}

fn dates(items: &[mcp_oilfield::db::DailyReport]) -> Vec<String> {
    items.iter().map(|r| format!("{} {}", r.well_id, r.report_date)).collect()
}

#[tokio::test]
async fn add_returns_the_stored_report() {
    let db = open().await;
    three_wells(&db).await;
    let mut r = report("zt-102", "2026-03-04", 3285.0, 165.0);
    r.npt_hours = 2.5;
    r.npt_reason = Some(" stuck pipe ".into());
    let stored = db.store.add_report(&all(), r).await.unwrap();
    assert_eq!(stored.well_id, "ZT-102");
    assert_eq!(stored.version, 1);
    assert_eq!(stored.npt_reason.as_deref(), Some("stuck pipe"));
    assert_eq!(stored.bit_diameter_mm, Some(311.2));
    let got = db.store.get_report(&all(), "ZT102", d("2026-03-04")).await.unwrap();
    assert_eq!(got, stored);
    let e = db.store.get_report(&all(), "ZT-102", d("2026-03-06")).await.unwrap_err();
    assert_eq!(e.to_string(), "Unknown report for ZT-102 on 2026-03-06. Did you mean: 2026-03-04?");
}

#[tokio::test]
async fn query_defaults_to_latest_first_and_pages() {
    let db = with_reports().await;
    let page = db.store.query_reports(&all(), ReportQuery::latest("ZT-102", 2)).await.unwrap();
    assert_eq!(dates(&page.items), ["ZT-102 2026-03-05", "ZT-102 2026-03-04"]);
    assert_eq!((page.total, page.next_offset), (4, Some(2)));
    let q = ReportQuery { offset: 2, ..ReportQuery::latest("ZT-102", 2) };
    let page = db.store.query_reports(&all(), q).await.unwrap();
    assert_eq!(dates(&page.items), ["ZT-102 2026-03-02", "ZT-102 2026-03-01"]);
    assert_eq!(page.next_offset, None);

    let q = ReportQuery {
        well_ids: vec!["zt102".into()],
        order: Order::Asc,
        from: Some(d("2026-03-02")),
        to: Some(d("2026-03-04")),
        ..Default::default()
    };
    assert_eq!(
        dates(&db.store.query_reports(&all(), q).await.unwrap().items),
        ["ZT-102 2026-03-02", "ZT-102 2026-03-04"]
    );

    // Several wells, and all wells.
    let q = ReportQuery {
        well_ids: vec!["ZT-105".into(), "zt-102".into(), "ZT102".into()],
        limit: 3,
        ..Default::default()
    };
    let page = db.store.query_reports(&all(), q).await.unwrap();
    assert_eq!(dates(&page.items), ["ZT-102 2026-03-05", "ZT-102 2026-03-04", "ZT-105 2026-03-03"]);
    assert_eq!(page.total, 5);
    let page = db
        .store
        .query_reports(&all(), ReportQuery { order: Order::Asc, limit: 500, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(dates(&page.items)[..3], ["ZT-102 2026-03-01", "ZT-102 2026-03-02", "ZT-105 2026-03-03"]);

    for limit in [0, 501] {
        let e = db.store.query_reports(&all(), ReportQuery::latest("ZT-102", limit)).await.unwrap_err();
        assert_invalid(e, &format!("limit = {limit} is out of range: allowed 1-500"));
    }
    let q = ReportQuery { from: Some(d("2026-03-05")), to: Some(d("2026-03-01")), ..Default::default() };
    assert_invalid(db.store.query_reports(&all(), q).await.unwrap_err(), "ends before it starts");
}

#[tokio::test]
async fn one_report_per_well_and_day() {
    let db = with_reports().await;
    let e = db.store.add_report(&all(), report("zt-102", "2026-03-04", 400.0, 0.0)).await.unwrap_err();
    assert_eq!(e, DbError::Conflict("a report for ZT-102 on 2026-03-04 already exists".into()));
}

#[tokio::test]
async fn depth_must_not_decrease() {
    let db = with_reports().await;
    // Between 03-02 (250 m) and 03-04 (400 m).
    let e = db.store.add_report(&all(), report("ZT-102", "2026-03-03", 240.0, 10.0)).await.unwrap_err();
    assert_invalid(e, "md_m = 240 m on 2026-03-03 is lower than 250 m reported for ZT-102 on 2026-03-02");
    let e = db.store.add_report(&all(), report("ZT-102", "2026-03-03", 410.0, 10.0)).await.unwrap_err();
    assert_invalid(e, "md_m = 410 m on 2026-03-03 is higher than 400 m reported for ZT-102 on 2026-03-04");
    db.store.add_report(&all(), report("ZT-102", "2026-03-03", 400.0, 150.0)).await.unwrap();
    // After the last report.
    let e = db.store.add_report(&all(), report("ZT-102", "2026-03-06", 500.0, 0.0)).await.unwrap_err();
    assert_invalid(e, "lower than 520 m reported for ZT-102 on 2026-03-05");
    // Updates are checked the same way.
    let e = db
        .store
        .update_report(&all(), "ZT-102", d("2026-03-04"), ReportPatch { md_m: Some(600.0), ..Default::default() }, None)
        .await
        .unwrap_err();
    assert_invalid(e, "md_m = 600 m on 2026-03-04 is higher than 520 m reported for ZT-102 on 2026-03-05");
}

#[tokio::test]
async fn dates_must_be_after_spud_and_not_in_the_future() {
    let db = open().await;
    three_wells(&db).await;
    let e = db.store.add_report(&all(), report("ZT-102", "2026-02-24", 10.0, 10.0)).await.unwrap_err();
    assert_invalid(e, "report_date 2026-02-24 is before the spud date 2026-02-25 of well ZT-102");
    let e = db.store.add_report(&all(), report("ZT-102", "2026-04-01", 10.0, 10.0)).await.unwrap_err();
    assert_invalid(e, "report_date 2026-04-01 is in the future (today is 2026-03-31)");
    db.store.add_report(&all(), report("ZT-102", "2026-03-31", 10.0, 10.0)).await.unwrap();
}

#[tokio::test]
async fn ranges_are_checked_with_precise_messages() {
    let db = open().await;
    three_wells(&db).await;
    let mut r = report("ZT-102", "2026-03-01", 100.0, 100.0);
    r.mud_density_gcc = Some(2.5);
    r.drilling_hours = 20.0;
    r.npt_hours = 6.0;
    let e = db.store.add_report(&all(), r).await.unwrap_err();
    assert_invalid(e.clone(), "mud_density_gcc = 2.5 g/cm³ is out of range: allowed 1.05-2.2 g/cm³");
    assert_invalid(e.clone(), "drilling_hours + npt_hours = 20 + 6 = 26 h exceeds the 24 h of a day");
    assert_invalid(e, "npt_reason is required when npt_hours = 6 h");
    assert_eq!(db.store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn update_is_partial_and_versioned() {
    let db = with_reports().await;
    let date = d("2026-03-04");
    let patch = ReportPatch { npt_hours: Some(3.0), npt_reason: Some("rig repair".into()), ..Default::default() };
    let r = db.store.update_report(&all(), "zt102", date, patch, Some(1)).await.unwrap();
    assert_eq!((r.version, r.npt_hours, r.npt_reason.as_deref(), r.md_m), (2, 3.0, Some("rig repair"), 400.0));
    let r = db
        .store
        .update_report(&all(), "ZT-102", date, ReportPatch { daily_cost: Some(5.0), ..Default::default() }, None)
        .await
        .unwrap();
    assert_eq!(r.version, 3);
    let e = db
        .store
        .update_report(&all(), "ZT-102", date, ReportPatch { daily_cost: Some(6.0), ..Default::default() }, Some(2))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        DbError::Conflict(
            "report ZT-102 2026-03-04 changed since you read it (version 3, you had 2); re-read and retry".into()
        )
    );
    assert_eq!(db.store.get_report(&all(), "ZT-102", date).await.unwrap().daily_cost, Some(5.0));
    let e = db
        .store
        .update_report(
            &all(),
            "ZT-102",
            date,
            ReportPatch { drilling_hours: Some(22.0), ..Default::default() },
            Some(3),
        )
        .await
        .unwrap_err();
    assert_invalid(e, "drilling_hours + npt_hours = 22 + 3 = 25 h");
    let e = db.store.update_report(&all(), "ZT-102", date, ReportPatch::default(), Some(3)).await.unwrap_err();
    assert_invalid(e, "nothing to update");
    let e = db
        .store
        .update_report(&all(), "ZT-102", d("2026-03-03"), ReportPatch { md_m: Some(1.0), ..Default::default() }, None)
        .await
        .unwrap_err();
    assert_not_found(e, "report for ZT-102 on 2026-03-03");
}

#[tokio::test]
async fn soft_delete_restore_and_uniqueness() {
    let db = with_reports().await;
    let date = d("2026-03-04");
    let del = db.store.delete_report(&all(), "ZT-102", date, false).await.unwrap();
    assert_eq!((del.purged, del.reports), (false, 1));
    assert_not_found(db.store.get_report(&all(), "ZT-102", date).await.unwrap_err(), "report for ZT-102 on 2026-03-04");
    assert_eq!(db.store.query_reports(&all(), ReportQuery::latest("ZT-102", 10)).await.unwrap().total, 3);
    assert_not_found(
        db.store.delete_report(&all(), "ZT-102", date, false).await.unwrap_err(),
        "report for ZT-102 on 2026-03-04",
    );

    // A deleted report does not block a new one for the same day...
    let replacement = db.store.add_report(&all(), report("ZT-102", "2026-03-04", 390.0, 140.0)).await.unwrap();
    // ...but restoring the old one while the new one exists is refused.
    let e = db.store.restore_report(&all(), "ZT-102", date).await.unwrap_err();
    assert_conflict(
        e,
        "cannot restore the report for ZT-102 on 2026-03-04: an active report for that day already exists",
    );
    // Purge the replacement, then the old one comes back with a new version.
    let purged = db.store.delete_report(&all(), "ZT-102", date, true).await.unwrap();
    assert_eq!((purged.purged, purged.reports), (true, 1));
    let restored = db.store.restore_report(&all(), "zt102", date).await.unwrap();
    assert_eq!((restored.md_m, restored.version), (400.0, 2));
    assert_ne!(restored.id, replacement.id);
    assert_not_found(
        db.store.restore_report(&all(), "ZT-102", date).await.unwrap_err(),
        "deleted report for ZT-102 on 2026-03-04",
    );

    // Purge also removes already soft-deleted rows of that day.
    db.store.delete_report(&all(), "ZT-102", date, false).await.unwrap();
    let purged = db.store.delete_report(&all(), "ZT-102", date, true).await.unwrap();
    assert_eq!(purged.reports, 1);
    assert_not_found(
        db.store.restore_report(&all(), "ZT-102", date).await.unwrap_err(),
        "deleted report for ZT-102 on 2026-03-04",
    );
}

#[tokio::test]
async fn restore_rechecks_depth_order() {
    let db = with_reports().await;
    db.store.delete_report(&all(), "ZT-102", d("2026-03-05"), false).await.unwrap();
    // While 03-05 (520 m) is deleted, 03-06 gets a shallower depth.
    db.store.add_report(&all(), report("ZT-102", "2026-03-06", 450.0, 50.0)).await.unwrap();
    let e = db.store.restore_report(&all(), "ZT-102", d("2026-03-05")).await.unwrap_err();
    assert_invalid(e, "md_m = 520 m on 2026-03-05 is higher than 450 m reported for ZT-102 on 2026-03-06");
}

#[tokio::test]
async fn reports_of_a_deleted_well_cannot_be_restored_alone() {
    let db = with_reports().await;
    db.store.delete_well(&all(), "ZT-102", false).await.unwrap();
    let e = db.store.restore_report(&all(), "ZT-102", d("2026-03-04")).await.unwrap_err();
    assert_conflict(e, "well ZT-102 is deleted; restore the well first");
    assert_not_found(
        db.store.add_report(&all(), report("ZT-102", "2026-03-06", 600.0, 80.0)).await.unwrap_err(),
        "well ZT-102",
    );
}
