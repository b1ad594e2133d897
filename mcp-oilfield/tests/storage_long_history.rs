//! Long histories (issue 13): the per-well figures kept by triggers (`well_stats`) stay equal to
//! a fresh count through every kind of write, including concurrent ones and imports; `total`,
//! `next_offset` and `next_cursor` stay correct; a date-filtered `total` is bounded and says so.
#![allow(clippy::unwrap_used)]

mod storage_support;

use std::path::Path;

use mcp_oilfield::db::{DailyReport, Order, ReportPatch, ReportQuery, Store};
use rusqlite::Connection;
use storage_support::*;

/// Per well: (report count, footage, drilling hours, NPT hours, cost sum, costed reports).
type Figures = Vec<(String, i64, f64, f64, f64, f64, i64)>;

fn figures(path: &Path, sql: &str) -> Figures {
    let c = Connection::open(path).unwrap();
    let mut s = c.prepare(sql).unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// Figures computed from scratch over the active reports.
fn fresh(path: &Path) -> Figures {
    figures(
        path,
        "SELECT well_id, count(*), total(footage_m), total(drilling_hours), total(npt_hours), \
         total(daily_cost), count(daily_cost) FROM daily_reports WHERE deleted_at IS NULL \
         GROUP BY well_id ORDER BY well_id",
    )
}

/// Figures the triggers keep (rows of wells without active reports left out).
fn kept(path: &Path) -> Figures {
    figures(
        path,
        "SELECT well_id, report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count \
         FROM well_stats WHERE report_count <> 0 ORDER BY well_id",
    )
}

fn assert_same(path: &Path, when: &str) {
    let (f, k) = (fresh(path), kept(path));
    assert_eq!(f.len(), k.len(), "{when}: wells differ\nfresh {f:?}\nkept {k:?}");
    for (a, b) in f.iter().zip(&k) {
        assert_eq!((&a.0, a.1, a.6), (&b.0, b.1, b.6), "{when}: counts differ");
        for (x, y) in [(a.2, b.2), (a.3, b.3), (a.4, b.4), (a.5, b.5)] {
            assert!((x - y).abs() < 1e-6, "{when}: {} sums differ: fresh {x}, kept {y}", a.0);
        }
    }
}

/// `total` of the undated listing of each well equals a fresh count, and so does get_well's.
async fn assert_totals(db: &Db, when: &str) {
    let path = db.store.path().to_path_buf();
    let fresh = fresh(&path);
    for id in ["ZT-102", "ZT-105", "W001"] {
        let want = fresh.iter().find(|f| f.0 == id).map_or(0, |f| f.1) as u64;
        if let Ok(page) = db.store.query_reports(&all(), ReportQuery::latest(id, 2)).await {
            assert_eq!((page.total, page.total_is_lower_bound), (want, false), "{when}: total of {id}");
            assert_eq!(page.next_offset, (want > 2).then_some(2), "{when}: next_offset of {id}");
            let detail = db.store.get_well(&all(), id).await.unwrap();
            assert_eq!(detail.cumulative.days_reported, want, "{when}: get_well of {id}");
        }
    }
    let everything = db.store.query_reports(&all(), ReportQuery { limit: 1, ..Default::default() }).await.unwrap();
    assert_eq!(everything.total, fresh.iter().map(|f| f.1 as u64).sum::<u64>(), "{when}: total of all wells");
}

async fn check(db: &Db, when: &str) {
    assert_same(db.store.path(), when);
    assert_totals(db, when).await;
}

#[tokio::test]
async fn kept_figures_follow_inserts_updates_deletes_restores_purges_and_imports() {
    let db = open().await;
    three_wells(&db).await;
    check(&db, "no reports").await;
    for (i, date) in ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"].iter().enumerate() {
        let md = 100.0 * (i as f64 + 1.0);
        let mut r = report("ZT-102", date, md, 100.0);
        r.npt_hours = i as f64 * 0.5;
        r.npt_reason = (i > 0).then(|| "rig repair".to_string());
        r.daily_cost = (i % 2 == 0).then_some(1000.0 + i as f64);
        db.store.add_report(&all(), r).await.unwrap();
    }
    db.store.add_report(&all(), report("ZT-105", "2026-03-03", 300.0, 300.0)).await.unwrap();
    check(&db, "after inserts").await;

    let patch = ReportPatch { footage_m: Some(80.0), daily_cost: Some(7.5), ..Default::default() };
    db.store.update_report(&all(), "ZT-102", d("2026-03-02"), patch, None).await.unwrap();
    check(&db, "after an update").await;

    db.store.delete_report(&all(), "ZT-102", d("2026-03-03"), false).await.unwrap();
    check(&db, "after a soft delete").await;
    db.store.restore_report(&all(), "ZT-102", d("2026-03-03")).await.unwrap();
    check(&db, "after a restore").await;
    db.store.delete_report(&all(), "ZT-102", d("2026-03-05"), true).await.unwrap();
    check(&db, "after purging an active report").await;
    db.store.delete_report(&all(), "ZT-102", d("2026-03-04"), false).await.unwrap();
    db.store.delete_report(&all(), "ZT-102", d("2026-03-04"), true).await.unwrap();
    check(&db, "after purging a soft-deleted report").await;

    db.store.delete_well(&all(), "ZT-102", false).await.unwrap();
    check(&db, "after soft-deleting a well").await;
    db.store.restore_well(&all(), "ZT-102").await.unwrap();
    check(&db, "after restoring a well").await;

    let csv = "report_date,well_id,md_m,footage_m,drilling_hours,npt_hours,npt_reason,daily_cost\n\
               2026-03-10,W001,50,50,5,1,rig repair,300\n2026-03-11,W001,90,40,6,,,\n\
               2026-03-12,ZT-105,400,100,10,,,\n";
    let r = db.store.import_csv(&all(), std::io::Cursor::new(csv.to_string()), false).await.unwrap();
    assert_eq!(r.inserted, 3, "{r:?}");
    check(&db, "after an import").await;
    let dry = db.store.import_csv(&all(), std::io::Cursor::new(csv.replace("03-1", "03-2")), true).await.unwrap();
    assert!(dry.dry_run);
    check(&db, "after a dry-run import").await;

    db.store.delete_well(&all(), "ZT-105", true).await.unwrap();
    check(&db, "after purging a well").await;
    let gone: i64 = Connection::open(db.store.path())
        .unwrap()
        .query_row("SELECT count(*) FROM well_stats WHERE well_id = 'ZT-105'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(gone, 0, "a purged well leaves no figures behind");

    // get_well's cumulative figures are the fresh ones.
    let detail = db.store.get_well(&all(), "ZT-102").await.unwrap();
    let c = &detail.cumulative;
    let f = fresh(db.store.path()).into_iter().find(|f| f.0 == "ZT-102").unwrap();
    assert_eq!((c.days_reported, c.total_footage_m, c.npt_hours), (f.1 as u64, f.2, f.4));
    assert_eq!(c.total_cost, (f.6 > 0).then_some(f.5));
    assert_eq!((c.first_report_date, c.last_report_date), (Some(d("2026-03-01")), Some(d("2026-03-03"))));
    assert_eq!(c.current_depth_m, detail.latest_report.as_ref().map(|r| r.md_m));
    // Whole-history statistics (served from the kept figures) equal the ones read from the rows.
    let kept = db.store.well_statistics(&all(), "ZT-102", None, None, false).await.unwrap();
    let conn = Connection::open(db.store.path()).unwrap();
    let (mud, npt_days): (Option<f64>, i64) = conn
        .query_row(
            "SELECT avg(mud_density_gcc), count(*) FILTER (WHERE npt_hours > 0) FROM daily_reports \
             WHERE well_id = 'ZT-102' AND deleted_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (kept.days_reported, kept.footage_m, kept.npt_hours, kept.total_cost, kept.avg_mud_density_gcc),
        (f.1 as u64, f.2, f.4, (f.6 > 0).then_some(f.5), mud.map(|m| (m * 1000.0).round() / 1000.0))
    );
    assert_eq!((kept.start_depth_m, kept.end_depth_m), (Some(0.0), Some(300.0)));
    assert_eq!(kept.npt_by_reason.iter().map(|n| n.days as i64).sum::<i64>(), npt_days);
    let part = db.store.well_statistics(&all(), "ZT-102", Some(d("2026-03-02")), None, false).await.unwrap();
    assert_eq!((part.days_reported, part.start_depth_m), (2, Some(120.0)), "a partial range is read from the rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kept_figures_survive_concurrent_writers_on_two_connections() {
    let db = open().await;
    three_wells(&db).await;
    // A second store on the same file: a second writer connection, as a second process would be.
    let other = Store::open(db.store.path(), 2).await.unwrap();
    other.set_today(Some(d(TODAY)));
    let days: Vec<String> = (1..=28).map(|day| format!("2026-03-{day:02}")).collect();
    let mut tasks = Vec::new();
    for (n, (store, well)) in
        [(db.store.clone(), "ZT-102"), (other.clone(), "ZT-105"), (db.store.clone(), "W001")].into_iter().enumerate()
    {
        let days = days.clone();
        tasks.push(tokio::spawn(async move {
            for (i, day) in days.iter().enumerate() {
                let r = report(well, day, 10.0 * (i as f64 + 1.0), 10.0);
                store.add_report(&all(), r).await.unwrap();
                if i % 3 == n % 3 {
                    store.delete_report(&all(), well, d(day), false).await.unwrap();
                }
                if i % 6 == n % 3 {
                    store.restore_report(&all(), well, d(day)).await.unwrap();
                }
                if i % 9 == 0 && i > 0 {
                    store.delete_report(&all(), well, d(&days[i - 1]), true).await.ok();
                }
            }
        }));
    }
    // Imports from the second connection while the others write.
    let importer = other.clone();
    tasks.push(tokio::spawn(async move {
        for k in 0..4 {
            let csv = format!(
                "report_date,well_id,md_m,footage_m,drilling_hours\n2026-0{}-01,ZT-205,{},10,5\n",
                k + 1,
                10 * (k + 1)
            );
            // ZT-205 does not exist: every import is rejected whole and changes nothing.
            let r = importer.import_csv(&all(), std::io::Cursor::new(csv), false).await.unwrap();
            assert_eq!(r.inserted, 0);
        }
    }));
    for t in tasks {
        t.await.unwrap();
    }
    // Readers of both stores agree with a fresh count.
    check(&db, "after concurrent writers").await;
    let again = Db { store: other, dir: tempfile::tempdir().unwrap() };
    assert_totals(&again, "after concurrent writers, second connection").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_and_soft_deletes_keep_exact_totals() {
    let db = open().await;
    three_wells(&db).await;
    let mut tasks = Vec::new();
    for (k, well) in ["ZT-102", "ZT-105", "W001"].into_iter().enumerate() {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut csv = String::from("report_date,well_id,md_m,footage_m,drilling_hours,daily_cost\n");
            for day in 1..=20 {
                csv.push_str(&format!("2026-03-{day:02},{well},{},10,8,{}\n", 10 * day, 100 * k));
            }
            let r = store.import_csv(&all(), std::io::Cursor::new(csv), false).await.unwrap();
            assert_eq!(r.inserted, 20, "{r:?}");
            store.delete_well(&all(), well, false).await.unwrap();
            store.restore_well(&all(), well).await.unwrap();
            store.delete_report(&all(), well, d("2026-03-20"), false).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    check(&db, "after concurrent imports").await;
    let page = db.store.query_reports(&all(), ReportQuery { limit: 500, ..Default::default() }).await.unwrap();
    assert_eq!((page.total, page.items.len(), page.next_offset), (57, 57, None));
}

#[tokio::test]
async fn migration_backfills_an_existing_database() {
    let db = open().await;
    three_wells(&db).await;
    for (date, md) in [("2026-03-01", 100.0), ("2026-03-02", 250.0), ("2026-03-04", 400.0)] {
        db.store.add_report(&all(), report("zt102", date, md, 100.0)).await.unwrap();
    }
    db.store.add_report(&all(), report("W001", "2026-03-02", 50.0, 50.0)).await.unwrap();
    db.store.delete_report(&all(), "ZT-102", d("2026-03-02"), false).await.unwrap();
    let path = db.store.path().to_path_buf();
    let Db { store, dir } = db;
    drop(store);
    // Back to schema 3 (before the running totals): as a database written by the previous release.
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP TRIGGER well_stats_report_added; DROP TRIGGER well_stats_report_removed; \
             DROP TRIGGER well_stats_report_changed_from; DROP TRIGGER well_stats_report_changed_to; \
             DROP TRIGGER well_stats_well_purged; DROP TABLE well_stats; DROP INDEX daily_reports_npt_day; \
             DROP TRIGGER listing_epoch_well_added; DROP TRIGGER listing_epoch_well_changed; \
             DROP TRIGGER listing_epoch_well_removed; DROP TABLE listing_epoch; \
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let store = Store::open(&path, 1).await.unwrap();
    store.set_today(Some(d(TODAY)));
    let db = Db { store, dir };
    assert_eq!(kept(&path).len(), 2);
    check(&db, "after the migration").await;
}

async fn walk(store: &Store, q: ReportQuery, by_cursor: bool) -> (Vec<DailyReport>, Vec<u64>) {
    let mut q = q;
    let (mut rows, mut totals) = (Vec::new(), Vec::new());
    loop {
        let page = store.query_reports(&all(), q.clone()).await.unwrap();
        let end = q.cursor.as_ref().map_or(q.offset, |_| rows.len() as u64) + page.items.len() as u64;
        rows.extend(page.items);
        totals.push(page.total);
        match (page.next_offset, page.next_cursor) {
            (Some(next), Some(cursor)) => {
                assert_eq!(next, end, "next_offset is where the next page starts");
                if by_cursor {
                    q.cursor = Some(cursor);
                    q.offset = 0;
                } else {
                    q.offset = next;
                }
            }
            (None, None) => return (rows, totals),
            other => panic!("next_offset and next_cursor disagree: {other:?}"),
        }
    }
}

fn keys(rows: &[DailyReport]) -> Vec<String> {
    rows.iter().map(|r| format!("{} {}", r.well_id, r.report_date)).collect()
}

#[tokio::test]
async fn cursor_and_offset_pages_walk_the_same_rows_in_every_shape() {
    let db = open().await;
    three_wells(&db).await;
    // 10 reports of ZT-102, 7 of ZT-105 (same days for some: ties on the date), 3 of W001.
    for day in 1..=10 {
        db.store
            .add_report(&all(), report("ZT-102", &format!("2026-03-{day:02}"), 10.0 * day as f64, 10.0))
            .await
            .unwrap();
    }
    for day in 3..=9 {
        db.store
            .add_report(&all(), report("ZT-105", &format!("2026-03-{day:02}"), 10.0 * day as f64, 10.0))
            .await
            .unwrap();
    }
    for day in [2, 5, 20] {
        db.store
            .add_report(&all(), report("W001", &format!("2026-03-{day:02}"), 10.0 * day as f64, 10.0))
            .await
            .unwrap();
    }
    let shapes: Vec<(Vec<String>, Option<&str>, Option<&str>)> = vec![
        (vec!["ZT-102".into()], None, None),
        (vec!["zt102".into(), "ZT-105".into()], None, None),
        (Vec::new(), None, None),
        (Vec::new(), Some("2026-03-04"), Some("2026-03-08")),
        (vec!["ZT-105".into(), "W001".into()], Some("2026-03-05"), None),
    ];
    for (wells, from, to) in shapes {
        for order in [Order::Desc, Order::Asc] {
            for limit in [1, 3, 4, 500] {
                let q = ReportQuery {
                    well_ids: wells.clone(),
                    from: from.map(d),
                    to: to.map(d),
                    limit,
                    order,
                    ..Default::default()
                };
                let whole = db.store.query_reports(&all(), ReportQuery { limit: 500, ..q.clone() }).await.unwrap();
                let (by_offset, totals) = walk(&db.store, q.clone(), false).await;
                let (by_cursor, _) = walk(&db.store, q.clone(), true).await;
                let what = format!("{wells:?} {from:?}..{to:?} {order:?} limit {limit}");
                assert_eq!(keys(&by_offset), keys(&whole.items), "offset pages of {what}");
                assert_eq!(keys(&by_cursor), keys(&whole.items), "cursor pages of {what}");
                assert!(totals.iter().all(|t| *t == whole.items.len() as u64), "total of {what}: {totals:?}");
            }
        }
    }
    // A cursor only continues its own query.
    let first = db.store.query_reports(&all(), ReportQuery::latest("ZT-102", 2)).await.unwrap();
    let q = ReportQuery { cursor: first.next_cursor, order: Order::Asc, ..ReportQuery::latest("ZT-102", 2) };
    let e = db.store.query_reports(&all(), q).await.unwrap_err();
    assert!(e.to_string().contains("different query"), "{e}");
    let q = ReportQuery { cursor: Some("nonsense".into()), ..ReportQuery::latest("ZT-102", 2) };
    assert!(db.store.query_reports(&all(), q).await.is_err());
}

#[tokio::test]
async fn a_long_history_pages_deep_by_cursor_and_bounds_dated_totals() {
    let db = open().await;
    let today = d(TODAY);
    let seeded = mcp_oilfield::demo::seed(&db.store, 2, 3_000, today).await.unwrap();
    assert_eq!(seeded.reports, 6_000);
    assert_same(db.store.path(), "after seeding");
    let undated = db.store.query_reports(&all(), ReportQuery::latest("SD-0001", 10)).await.unwrap();
    assert_eq!((undated.total, undated.total_is_lower_bound, undated.next_offset), (3_000, false, Some(10)));
    // A range covering the whole history: still the exact kept count.
    let covering = ReportQuery { from: Some(d("2000-01-01")), to: Some(today), ..ReportQuery::latest("SD-0001", 10) };
    let page = db.store.query_reports(&all(), covering).await.unwrap();
    assert_eq!((page.total, page.total_is_lower_bound), (3_000, false));
    // A year: counted exactly.
    let year = ReportQuery { from: Some(today - chrono::Duration::days(364)), ..ReportQuery::latest("SD-0001", 10) };
    let page = db.store.query_reports(&all(), year).await.unwrap();
    assert_eq!((page.total, page.total_is_lower_bound), (365, false));
    // Past the bound: "at least", and next_offset still exact.
    let bound = mcp_oilfield::db::TOTAL_COUNT_BOUND;
    let long = ReportQuery { from: Some(today - chrono::Duration::days(2_899)), ..ReportQuery::latest("SD-0001", 10) };
    let page = db.store.query_reports(&all(), long.clone()).await.unwrap();
    assert!(page.total_is_lower_bound && page.total > bound && page.total < 2_900, "{}", page.total);
    assert_eq!(page.next_offset, Some(10));
    let last = db.store.query_reports(&all(), ReportQuery { offset: 2_895, ..long }).await.unwrap();
    assert_eq!((last.items.len(), last.next_offset), (5, None));
    // Both wells, deep by cursor: the same rows as by offset.
    let q = ReportQuery { limit: 500, order: Order::Asc, ..Default::default() };
    let (by_cursor, totals) = walk(&db.store, q.clone(), true).await;
    assert_eq!(by_cursor.len(), 6_000);
    assert!(totals.iter().all(|t| *t == 6_000));
    let deep = db.store.query_reports(&all(), ReportQuery { offset: 5_000, limit: 3, ..q }).await.unwrap();
    assert_eq!(keys(&deep.items), keys(&by_cursor[5_000..5_003]));
}
