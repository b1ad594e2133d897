//! Load check (ignored by default; run in release):
//! `cargo test --release -p mcp-oilfield --test storage_perf -- --ignored --nocapture`
//!
//! Seeds 1000 wells × 1000 days (1,000,000 reports) and times "latest 20 reports of one well".
#![allow(clippy::unwrap_used)]

mod storage_support;

use std::time::{Duration, Instant};

use mcp_oilfield::db::{ReportQuery, Scope};
use storage_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "load test: about 1 GB of disk and several seconds in release mode"]
async fn one_million_reports() {
    let db = open().await;
    let started = Instant::now();
    let s = mcp_oilfield::demo::seed(&db.store, 1000, 1000, d(TODAY)).await.unwrap();
    let seeding = started.elapsed();
    assert_eq!(s.reports, 1_000_000);
    eprintln!("seeded {} reports in {:.2?}", s.reports, seeding);
    assert!(seeding < Duration::from_secs(60), "{seeding:?}");

    let scope = Scope::blocks(["Block-A", "Block-B", "Block-C", "Block-D"]);
    // Warm up the statement caches of the pooled connections.
    for i in 1..=10 {
        db.store.query_reports(&scope, ReportQuery::latest(format!("SD-{i:04}"), 20)).await.unwrap();
    }
    let n = 2000;
    let started = Instant::now();
    for i in 0..n {
        let id = format!("SD-{:04}", 1 + (i * 37) % 1000);
        let page = db.store.query_reports(&scope, ReportQuery::latest(id, 20)).await.unwrap();
        assert_eq!((page.items.len(), page.total), (20, 1000));
    }
    let per_query = started.elapsed() / n;
    eprintln!("latest 20 reports of one well (API call incl. spawn_blocking, count and scope): {per_query:.2?}");
    assert!(per_query < Duration::from_millis(1), "{per_query:?}");
    for (name, scope) in [("all", Scope::all()), ("Block-A", Scope::blocks(["Block-A"]))] {
        let started = Instant::now();
        for _ in 0..100 {
            let page = db.store.query_reports(&scope, ReportQuery { limit: 20, ..Default::default() }).await.unwrap();
            assert_eq!(page.items.len(), 20);
        }
        eprintln!(
            "latest 20 reports of all wells in scope {name} (incl. total count): {:.2?}",
            started.elapsed() / 100
        );
    }
    let ids: Vec<String> = (1..=5).map(|i| format!("SD-{i:04}")).collect();
    let started = Instant::now();
    for _ in 0..100 {
        let q = ReportQuery { well_ids: ids.clone(), limit: 20, ..Default::default() };
        db.store.query_reports(&scope, q).await.unwrap();
    }
    eprintln!("latest 20 reports of 5 wells: {:.2?}", started.elapsed() / 100);
    let started = Instant::now();
    for _ in 0..n {
        db.store.ping().await.unwrap();
    }
    eprintln!("ping (spawn_blocking + pooled connection + SELECT 1): {:.2?}", started.elapsed() / n);
    let started = Instant::now();
    for i in 0..n {
        let id = format!("SD-{:04}", 1 + (i * 37) % 1000);
        db.store.get_report(&scope, &id, d(TODAY)).await.unwrap();
    }
    eprintln!("get_report: {:.2?}", started.elapsed() / n);
    let started = Instant::now();
    let count = db.store.count_reports().await.unwrap();
    eprintln!("count_reports = {count} in {:.2?}", started.elapsed());
}
