//! Deep pages by plain `offset` (issue 13): a page at an offset the store has answered or handed
//! out as `next_offset` starts from a remembered key instead of stepping over every row before it,
//! and is still exactly the page `OFFSET` would read, through inserts, soft deletes, restores,
//! purges, imports, well deletes, writes by another connection, and concurrent writers.
#![allow(clippy::unwrap_used)]

mod storage_support;

use std::path::Path;

use mcp_oilfield::db::{Order, ReportQuery, Scope, Store};
use rusqlite::Connection;
use storage_support::*;

/// A listing under test: wells (empty: all in scope), dates, order, and the caller's scope.
#[derive(Clone)]
struct Shape {
    wells: Vec<&'static str>,
    from: Option<&'static str>,
    to: Option<&'static str>,
    order: Order,
    scope: Scope,
    /// The wells the scope lets an all-wells listing see (SQL list).
    visible: &'static str,
}

fn shapes() -> Vec<Shape> {
    let all_wells = "'SD-0001', 'SD-0002', 'SD-0003'";
    let plain = |wells: Vec<&'static str>, order| Shape {
        wells,
        from: None,
        to: None,
        order,
        scope: all(),
        visible: all_wells,
    };
    vec![
        plain(vec!["SD-0001"], Order::Desc),
        plain(vec!["SD-0001"], Order::Asc),
        plain(vec!["SD-0001", "SD-0003"], Order::Desc),
        plain(Vec::new(), Order::Desc),
        plain(Vec::new(), Order::Asc),
        Shape { from: Some("2025-06-01"), to: Some("2026-01-31"), ..plain(vec!["SD-0002"], Order::Desc) },
        // All wells as a caller scoped to SD-0001's block sees them: not the same positions.
        Shape { scope: Scope::blocks(["Block-B"]), visible: "'SD-0001'", ..plain(Vec::new(), Order::Desc) },
    ]
}

/// The listing's row keys, read from scratch with a plain connection.
fn fresh_keys(path: &Path, s: &Shape) -> Vec<String> {
    let wells = if s.wells.is_empty() {
        s.visible.to_string()
    } else {
        s.wells.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
    };
    let dir = if s.order == Order::Desc { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT r.well_id || ' ' || r.report_date FROM daily_reports r JOIN wells w ON w.id = r.well_id \
         WHERE r.deleted_at IS NULL AND w.deleted_at IS NULL AND r.well_id IN ({wells}) \
         AND r.report_date BETWEEN '{}' AND '{}' ORDER BY r.report_date {dir}, r.well_id {dir}",
        s.from.unwrap_or("0000-01-01"),
        s.to.unwrap_or("9999-12-31")
    );
    let c = Connection::open(path).unwrap();
    let mut stmt = c.prepare(&sql).unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<Vec<String>, _>>().unwrap()
}

fn query(s: &Shape, offset: u64, limit: u32) -> ReportQuery {
    ReportQuery {
        well_ids: s.wells.iter().map(|w| (*w).to_string()).collect(),
        from: s.from.map(d),
        to: s.to.map(d),
        offset,
        limit,
        order: s.order,
        ..Default::default()
    }
}

async fn page_keys(store: &Store, s: &Shape, offset: u64, limit: u32) -> (Vec<String>, Option<u64>) {
    let page = store.query_reports(&s.scope, query(s, offset, limit)).await.unwrap();
    (page.items.iter().map(|r| format!("{} {}", r.well_id, r.report_date)).collect(), page.next_offset)
}

/// Walk every shape by `next_offset` (leaving marks), then ask for offsets at, between and
/// beyond them; every page must equal the same slice of a fresh read.
async fn assert_pages(store: &Store, when: &str) {
    for (i, s) in shapes().iter().enumerate() {
        let fresh = fresh_keys(store.path(), s);
        let slice = |at: usize, n: usize| fresh[at.min(fresh.len())..(at + n).min(fresh.len())].to_vec();
        if let Err(e) = store.query_reports(&s.scope, query(s, 0, 1)).await {
            // A listed well is deleted: the listing is refused, not empty.
            assert!(e.to_string().contains("Unknown well SD-0003"), "{when}: shape {i}: {e}");
            continue;
        }
        let mut offset = 0u64;
        loop {
            let (keys, next) = page_keys(store, s, offset, 97).await;
            assert_eq!(keys, slice(offset as usize, 97), "{when}: shape {i}, walking at {offset}");
            match next {
                Some(n) => {
                    assert_eq!(n, offset + 97, "{when}: shape {i}");
                    offset = n;
                }
                None => break,
            }
        }
        for at in [1, 96, 97, 98, 200, 388, 389, 500, 776, 777, 1_000, 1_199, 1_200, 5_000] {
            for limit in [1, 10] {
                let (keys, next) = page_keys(store, s, at, limit).await;
                let want = slice(at as usize, limit as usize);
                assert_eq!(keys, want, "{when}: shape {i}, offset {at}, limit {limit}");
                let more = fresh.len() > at as usize + limit as usize;
                assert_eq!(next, more.then_some(at + u64::from(limit)), "{when}: shape {i}, next_offset at {at}");
            }
        }
    }
}

/// A report of `well` for `date`, between its neighbours' depths.
async fn add_between(store: &Store, well: &str, date: &str) {
    let day = d(date);
    let before = store.get_report(&all(), well, day.pred_opt().unwrap()).await.unwrap();
    let after = store.get_report(&all(), well, day.succ_opt().unwrap()).await.unwrap();
    let md = (before.md_m + after.md_m) / 2.0;
    store.add_report(&all(), report(well, date, md, md - before.md_m)).await.unwrap();
}

#[tokio::test]
async fn deep_offset_pages_stay_exact_through_every_kind_of_write() {
    let db = open().await;
    let seeded = mcp_oilfield::demo::seed(&db.store, 3, 400, d(TODAY)).await.unwrap();
    assert_eq!(seeded.reports, 1_200);
    let store = &db.store;
    assert_pages(store, "after seeding").await;
    let hits = store.offset_mark_hits();
    assert!(hits > 100, "deep pages by offset started from a mark: {hits} did");

    // Days in the middle of every listing (the dated one included).
    let middle = ["2025-10-01", "2025-11-15"];
    store.delete_report(&all(), "SD-0001", d(middle[0]), false).await.unwrap();
    store.delete_report(&all(), "SD-0002", d(middle[1]), false).await.unwrap();
    assert_pages(store, "after soft deletes").await;
    store.restore_report(&all(), "SD-0001", d(middle[0])).await.unwrap();
    assert_pages(store, "after a restore").await;
    store.delete_report(&all(), "SD-0001", d(middle[0]), true).await.unwrap();
    store.delete_report(&all(), "SD-0002", d(middle[1]), true).await.unwrap();
    assert_pages(store, "after purges").await;
    add_between(store, "SD-0001", middle[0]).await;
    assert_pages(store, "after an insert").await;
    let before = store.get_report(&all(), "SD-0002", d("2025-11-14")).await.unwrap();
    let csv = format!("report_date,well_id,md_m,footage_m,drilling_hours\n{},SD-0002,{},0,5\n", middle[1], before.md_m);
    let imported = store.import_csv(&all(), std::io::Cursor::new(csv), false).await.unwrap();
    assert_eq!(imported.inserted, 1, "{imported:?}");
    assert_pages(store, "after an import").await;
    store.delete_well(&all(), "SD-0003", false).await.unwrap();
    assert_pages(store, "after soft-deleting a well").await;
    store.restore_well(&all(), "SD-0003").await.unwrap();
    assert_pages(store, "after restoring a well").await;

    // Another connection (another process, or sqlite3 by hand): the triggers see it too.
    {
        let c = Connection::open(store.path()).unwrap();
        let n = c
            .execute(
                "UPDATE daily_reports SET deleted_at = '2026-03-31T00:00:00Z' \
                 WHERE report_date IN ('2025-09-01', '2025-12-01') AND deleted_at IS NULL",
                [],
            )
            .unwrap();
        assert_eq!(n, 6);
        c.execute("UPDATE wells SET block = 'Block-Z' WHERE id = 'SD-0001'", []).unwrap();
    }
    // SD-0001 left Block-B: the scoped shape now sees no well at all.
    let scoped = shapes().pop().unwrap();
    let page = store.query_reports(&scoped.scope, query(&scoped, 300, 10)).await.unwrap();
    assert!(page.items.is_empty(), "{:?}", page.items.first());
    {
        let c = Connection::open(store.path()).unwrap();
        c.execute("UPDATE wells SET block = 'Block-B' WHERE id = 'SD-0001'", []).unwrap();
        c.execute("DELETE FROM daily_reports WHERE report_date = '2025-08-01' AND well_id = 'SD-0003'", []).unwrap();
    }
    assert_pages(store, "after writes by another connection").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deep_offset_pages_stay_exact_while_writers_run() {
    let db = open().await;
    mcp_oilfield::demo::seed(&db.store, 3, 400, d(TODAY)).await.unwrap();
    let shape = shapes().remove(3); // all wells, newest first
    // Leave marks all along the listing.
    let mut offset = 0;
    while let (_, Some(next)) = page_keys(&db.store, &shape, offset, 50).await {
        offset = next;
    }
    // Writers soft-delete and restore days while readers page deep by offset. Each page read
    // while the data moves must be a run of consecutive rows of *some* state of the listing:
    // its keys strictly ordered, no row twice.
    let days: Vec<String> = (0..40).map(|i| (d("2025-06-01") + chrono::Duration::days(i * 7)).to_string()).collect();
    let writer = {
        let store = db.store.clone();
        let days = days.clone();
        tokio::spawn(async move {
            for round in 0..3 {
                for (i, day) in days.iter().enumerate() {
                    let well = ["SD-0001", "SD-0002", "SD-0003"][(i + round) % 3];
                    store.delete_report(&all(), well, d(day), false).await.unwrap();
                    store.restore_report(&all(), well, d(day)).await.unwrap();
                }
            }
        })
    };
    let mut readers = Vec::new();
    for r in 0..3u64 {
        let store = db.store.clone();
        let shape = shape.clone();
        readers.push(tokio::spawn(async move {
            for i in 0..60u64 {
                let at = (i * 97 + r * 31) % 1_150 + 1;
                let (keys, _) = page_keys(&store, &shape, at, 20).await;
                let mut sorted = keys.clone();
                sorted.sort_by(|a, b| {
                    let (wa, da) = a.split_once(' ').unwrap();
                    let (wb, db) = b.split_once(' ').unwrap();
                    (db, wb).cmp(&(da, wa))
                });
                sorted.dedup();
                assert_eq!(keys, sorted, "offset {at}: not a run of the listing");
            }
        }));
    }
    writer.await.unwrap();
    for r in readers {
        r.await.unwrap();
    }
    // Quiet again: every page exact.
    assert_pages(&db.store, "after concurrent writers").await;
}
