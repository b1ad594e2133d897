//! Demo data, the bulk seeder, the audit log and readiness helpers.
#![allow(clippy::unwrap_used)]

mod storage_support;

use chrono::{TimeZone, Utc};
use mcp_oilfield::db::{AuditEntry, AuditQuery, Page, ReportQuery, Store, WellFilter, WellStatus};
use mcp_oilfield::demo::{SeedSummary, fill_demo, seed};
use mcp_oilfield::export::{ExportFilter, ExportFormat};
use storage_support::*;

/// The JSON export without row ids and timestamps.
async fn content(store: &Store) -> serde_json::Value {
    let (_, bytes) = store.export_to_bytes(&all(), ExportFilter::default(), ExportFormat::Json).await.unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    for list in ["wells", "reports"] {
        for item in doc[list].as_array_mut().unwrap() {
            let obj = item.as_object_mut().unwrap();
            for key in ["id", "created_at", "updated_at"] {
                if list == "reports" || key != "id" {
                    obj.remove(key);
                }
            }
        }
    }
    doc
}

#[tokio::test]
async fn demo_is_deterministic_and_fills_only_an_empty_database() {
    let (a, b) = (open().await, open().await);
    assert!(fill_demo(&a.store, d(TODAY)).await.unwrap());
    assert!(fill_demo(&b.store, d(TODAY)).await.unwrap());
    assert_eq!(content(&a.store).await, content(&b.store).await);
    let n = a.store.count_reports().await.unwrap();
    assert!(n > 600, "{n}");
    assert!(!fill_demo(&a.store, d(TODAY)).await.unwrap(), "second fill does nothing");
    assert_eq!(a.store.count_reports().await.unwrap(), n);

    let wells = a.store.list_wells(&all(), WellFilter::default(), Page { limit: 100, offset: 0 }).await.unwrap();
    assert_eq!(wells.total, 12);
    let ids: Vec<&str> = wells.items.iter().map(|w| w.id.as_str()).collect();
    for id in ["ZT-101", "ZT-102", "ZT-105", "XY-009", "W001"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let blocks: std::collections::BTreeSet<&str> = wells.items.iter().map(|w| w.block.as_str()).collect();
    assert_eq!(blocks.into_iter().collect::<Vec<_>>(), ["Block-A", "Block-B", "Block-C", "Block-D"]);
    // Most wells are drilling with a report today.
    let drilling: Vec<_> = wells.items.iter().filter(|w| w.status == WellStatus::Drilling).collect();
    assert!(drilling.len() >= 8);
    assert!(drilling.iter().all(|w| w.last_report_date == Some(d(TODAY))));
    // A different "today" shifts the data set.
    let c = open().await;
    assert!(fill_demo(&c.store, d("2026-04-30")).await.unwrap());
    assert_ne!(content(&a.store).await, content(&c.store).await);
    // Deleted wells still count as "not empty".
    let e = open().await;
    e.store.create_well(&all(), well("ZT-102", "Block-A", "Zhongtai")).await.unwrap();
    e.store.delete_well(&all(), "ZT-102", false).await.unwrap();
    assert!(!fill_demo(&e.store, d(TODAY)).await.unwrap());
}

#[tokio::test]
async fn seed_generates_wells_times_days_reports() {
    let db = open().await;
    let summary = seed(&db.store, 20, 50, d(TODAY)).await.unwrap();
    assert_eq!(summary, SeedSummary { wells: 20, reports: 1000 });
    assert_eq!(db.store.count_reports().await.unwrap(), 1000);
    let latest = db.store.query_reports(&all(), ReportQuery::latest("sd0007", 3)).await.unwrap();
    assert_eq!(latest.total, 50);
    assert_eq!(latest.items[0].report_date, d(TODAY));
    // Seeded data satisfies the same rules as entered data.
    for r in db.store.query_reports(&all(), ReportQuery { limit: 500, ..Default::default() }).await.unwrap().items {
        mcp_oilfield::domain::validate_new_report(&r.to_new()).unwrap();
    }
    // Export progress: before the first row, every 1000 rows, never twice for the same count.
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let c = std::sync::Arc::clone(&calls);
    let summary = db
        .store
        .export(&all(), ExportFilter::default(), ExportFormat::Csv, std::io::sink(), move |done, total| {
            c.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!((summary.wells, summary.reports), (20, 1000));
    assert_eq!(*calls.lock().unwrap(), vec![(0, 1000), (1000, 1000)]);
    let e = seed(&db.store, 1, 5, d(TODAY)).await.unwrap_err();
    assert_conflict(e, "well SD-0001 already exists");
    assert_eq!(db.store.count_reports().await.unwrap(), 1000);
    assert_invalid(seed(&db.store, 0, 5, d(TODAY)).await.unwrap_err(), "seed takes 1-99999 wells");
}

#[tokio::test]
async fn audit_log_records_and_filters() {
    let db = open().await;
    let entry = |n: u32, caller: &str, tool: &str, outcome: &str| AuditEntry {
        id: None,
        ts: Utc.with_ymd_and_hms(2026, 3, n, 10, 0, 0).unwrap(),
        caller_id: Some(caller.to_string()),
        caller_email: Some(format!("{caller}@example.com")),
        caller_role: Some("USER".into()),
        tool: tool.to_string(),
        arguments: serde_json::json!({"well_id": "ZT-102", "n": n}),
        outcome: outcome.to_string(),
        rows_affected: Some(i64::from(n)),
        duration_ms: 12,
        message: None,
        arguments_digest: None,
        blocks: Vec::new(),
        fields: Vec::new(),
    };
    let a = db.store.record_audit(entry(1, "alice", "add_report", "ok")).await.unwrap();
    db.store.record_audit(entry(2, "bob", "delete_report", "denied")).await.unwrap();
    db.store.record_audit(entry(3, "alice", "query_reports", "ok")).await.unwrap();
    assert!(a > 0);

    let all_entries = db.store.query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery::default()).await.unwrap();
    assert_eq!(all_entries.total, 3);
    assert_eq!(all_entries.items[0].tool, "query_reports", "newest first");
    assert_eq!(all_entries.items[2], AuditEntry { id: Some(a), ..entry(1, "alice", "add_report", "ok") });

    let q = |q: AuditQuery| {
        let store = db.store.clone();
        async move {
            store
                .query_audit(&mcp_oilfield::db::Scope::all(), q)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| e.tool)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        q(AuditQuery { caller: Some("ALICE".into()), ..Default::default() }).await,
        ["query_reports", "add_report"]
    );
    assert_eq!(q(AuditQuery { caller: Some("bob@example.com".into()), ..Default::default() }).await, ["delete_report"]);
    assert_eq!(q(AuditQuery { outcome: Some("denied".into()), ..Default::default() }).await, ["delete_report"]);
    assert_eq!(q(AuditQuery { tool: Some("add_report".into()), ..Default::default() }).await, ["add_report"]);
    assert_eq!(
        q(AuditQuery { from: Some(d("2026-03-02")), to: Some(d("2026-03-02")), ..Default::default() }).await,
        ["delete_report"]
    );
    let page = db
        .store
        .query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery { limit: 2, offset: 0, ..Default::default() })
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.next_offset), (2, Some(2)));
    assert_invalid(
        db.store
            .query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery { limit: 0, ..Default::default() })
            .await
            .unwrap_err(),
        "limit = 0",
    );
}

#[tokio::test]
async fn readiness_helpers_and_reopen() {
    let db = open().await;
    db.store.ping().await.unwrap();
    three_wells(&db).await;
    db.store.add_report(&all(), report("ZT-102", "2026-03-01", 100.0, 100.0)).await.unwrap();
    assert_eq!(db.store.count_reports().await.unwrap(), 1);
    let path = db.store.path().to_path_buf();
    drop(db.store);
    let again = Store::open(&path, 1).await.unwrap();
    assert_eq!(again.count_reports().await.unwrap(), 1);
    // Concurrent readers and writers share the store.
    let mut tasks = Vec::new();
    for i in 0..8u32 {
        let s = again.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                s.count_reports().await.map(|_| ())
            } else {
                s.record_audit(AuditEntry {
                    id: None,
                    ts: Utc::now(),
                    caller_id: None,
                    caller_email: None,
                    caller_role: None,
                    tool: format!("t{i}"),
                    arguments: serde_json::Value::Null,
                    outcome: "ok".into(),
                    rows_affected: None,
                    duration_ms: 0,
                    message: None,
                    arguments_digest: None,
                    blocks: Vec::new(),
                    fields: Vec::new(),
                })
                .await
                .map(|_| ())
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(again.query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery::default()).await.unwrap().total, 4);
}

#[tokio::test]
async fn audit_pruning_by_age_and_rows_is_bounded_per_call() {
    let db = open().await;
    let entry = |minutes_ago: i64, tool: &str| AuditEntry {
        id: None,
        ts: Utc::now() - chrono::Duration::minutes(minutes_ago),
        caller_id: None,
        caller_email: None,
        caller_role: None,
        tool: tool.to_string(),
        arguments: serde_json::json!({}),
        outcome: "ok".into(),
        rows_affected: None,
        duration_ms: 0,
        message: None,
        arguments_digest: None,
        blocks: Vec::new(),
        fields: Vec::new(),
    };
    let old: Vec<AuditEntry> = (0..mcp_oilfield::db::PRUNE_BATCH + 3).map(|_| entry(60 * 24 * 40, "old")).collect();
    db.store.record_audit_batch(std::sync::Arc::new(old)).await.unwrap();
    for n in 0..10 {
        db.store.record_audit(entry(10 - n, &format!("new{n}"))).await.unwrap();
    }
    let total = |store: mcp_oilfield::db::Store| async move {
        store.query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery::default()).await.unwrap().total
    };
    let cutoff = Some(Utc::now() - chrono::Duration::days(30));
    assert_eq!(db.store.prune_audit(cutoff, None).await.unwrap(), mcp_oilfield::db::PRUNE_BATCH, "one batch per call");
    assert_eq!(db.store.prune_audit(cutoff, None).await.unwrap(), 3);
    assert_eq!(db.store.prune_audit(cutoff, None).await.unwrap(), 0);
    assert_eq!(total(db.store.clone()).await, 10);
    // Past max_rows the oldest go first.
    assert_eq!(db.store.prune_audit(None, Some(4)).await.unwrap(), 6);
    let left = db.store.query_audit(&mcp_oilfield::db::Scope::all(), AuditQuery::default()).await.unwrap();
    let tools: Vec<String> = left.items.into_iter().map(|e| e.tool).collect();
    assert_eq!(tools, ["new9", "new8", "new7", "new6"]);
}
