//! `query_audit`'s page on a long log: `total` is counted up to `AUDIT_TOTAL_BOUND` (exact below
//! it, "at least" past it) and `next_offset` is exact on every page, whatever the log's length.
#![allow(clippy::unwrap_used)]

mod storage_support;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use mcp_oilfield::db::{AUDIT_TOTAL_BOUND, AuditEntry, AuditQuery, Paged, Scope};
use storage_support::*;

/// Entry `n` (one second after entry `n - 1`) of `tool`.
fn entry(n: u64, tool: &str) -> AuditEntry {
    AuditEntry {
        id: None,
        ts: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::seconds(n as i64),
        caller_id: Some("alice".into()),
        caller_email: None,
        caller_role: Some("ADMIN".into()),
        tool: tool.to_string(),
        arguments: serde_json::json!({"n": n}),
        outcome: "ok".into(),
        rows_affected: None,
        duration_ms: 1,
        message: None,
        arguments_digest: None,
        blocks: Vec::new(),
        fields: Vec::new(),
    }
}

async fn page(db: &Db, q: AuditQuery) -> Paged<AuditEntry> {
    db.store.query_audit(&Scope::all(), q).await.unwrap()
}

fn shape(p: &Paged<AuditEntry>) -> (usize, u64, bool, Option<u64>) {
    (p.items.len(), p.total, p.total_is_lower_bound, p.next_offset)
}

#[tokio::test]
async fn total_is_bounded_past_the_bound_and_next_offset_stays_exact() {
    let db = open().await;
    let bound = AUDIT_TOTAL_BOUND;
    // `bound + 500` rows of get_well and 30 of list_wells, interleaved at the end.
    let many: Vec<AuditEntry> = (1..=bound + 500).map(|n| entry(n, "get_well")).collect();
    db.store.record_audit_batch(Arc::new(many)).await.unwrap();
    let few: Vec<AuditEntry> = (1..=30).map(|n| entry(bound + 500 + n, "list_wells")).collect();
    db.store.record_audit_batch(Arc::new(few)).await.unwrap();
    let all_rows = bound + 530;

    // Past the bound: "at least bound + 1" (what was counted), newest first, an exact next page.
    let first = page(&db, AuditQuery { limit: 10, ..AuditQuery::default() }).await;
    assert_eq!(shape(&first), (10, bound + 1, true, Some(10)));
    assert_eq!(first.items[0].arguments, serde_json::json!({"n": all_rows}));
    // A page deeper than the bound: total grows to what the page proves exists.
    let deep = page(&db, AuditQuery { limit: 100, offset: bound + 100, ..AuditQuery::default() }).await;
    assert_eq!(shape(&deep), (100, bound + 201, true, Some(bound + 200)));
    assert_eq!(deep.items[0].arguments, serde_json::json!({"n": all_rows - bound - 100}));
    // The last page: no next page, and the rows are really the oldest ones.
    let last = page(&db, AuditQuery { limit: 100, offset: all_rows - 30, ..AuditQuery::default() }).await;
    assert_eq!(shape(&last), (30, all_rows, true, None));
    assert_eq!(last.items[29].arguments, serde_json::json!({"n": 1}));
    // A page ending exactly at the last row has no next page either.
    let exact_end = page(&db, AuditQuery { limit: 30, offset: all_rows - 30, ..AuditQuery::default() }).await;
    assert_eq!(shape(&exact_end), (30, all_rows, true, None));
    // Past the end: nothing, no next page.
    let past = page(&db, AuditQuery { limit: 10, offset: all_rows + 5, ..AuditQuery::default() }).await;
    assert_eq!(shape(&past), (0, bound + 1, true, None));

    // Below the bound, `total` is exact: a filter matching 30 rows.
    let q = |offset, limit| AuditQuery { tool: Some("list_wells".into()), limit, offset, ..AuditQuery::default() };
    assert_eq!(shape(&page(&db, q(0, 10)).await), (10, 30, false, Some(10)));
    assert_eq!(shape(&page(&db, q(20, 10)).await), (10, 30, false, None));
    assert_eq!(shape(&page(&db, q(25, 10)).await), (5, 30, false, None));
    assert_eq!(shape(&page(&db, q(40, 10)).await), (0, 30, false, None));
}

#[tokio::test]
async fn total_is_exact_at_the_bound_and_turns_into_a_lower_bound_one_row_past_it() {
    let db = open().await;
    let bound = AUDIT_TOTAL_BOUND;
    let rows: Vec<AuditEntry> = (1..=bound).map(|n| entry(n, "get_well")).collect();
    db.store.record_audit_batch(Arc::new(rows)).await.unwrap();
    let q = AuditQuery { limit: 500, offset: bound - 500, ..AuditQuery::default() };
    assert_eq!(shape(&page(&db, q.clone()).await), (500, bound, false, None));
    assert_eq!(shape(&page(&db, AuditQuery { limit: 1, ..AuditQuery::default() }).await), (1, bound, false, Some(1)));
    db.store.record_audit(entry(bound + 1, "get_well")).await.unwrap();
    let first = page(&db, AuditQuery { limit: 1, ..AuditQuery::default() }).await;
    assert_eq!(shape(&first), (1, bound + 1, true, Some(1)));
    // The same window now has one row after it.
    assert_eq!(shape(&page(&db, q).await), (500, bound + 1, true, Some(bound)));
}

#[tokio::test]
async fn cursor_pages_continue_after_their_last_entry_while_new_entries_arrive() {
    let db = open().await;
    // 95 rows, with ties on the timestamp (entries 41-50 share one second): order is (ts, id).
    let mut rows: Vec<AuditEntry> = (1..=95).map(|n| entry(n, "get_well")).collect();
    for e in rows.iter_mut().skip(40).take(10) {
        e.ts = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 41).unwrap();
    }
    db.store.record_audit_batch(Arc::new(rows)).await.unwrap();
    let q = AuditQuery { limit: 7, ..AuditQuery::default() };
    let mut seen = Vec::new();
    let mut next = page(&db, q.clone()).await;
    let mut n = 1000;
    loop {
        seen.extend(next.items.iter().map(|e| e.arguments["n"].as_u64().unwrap()));
        // Calls keep being logged at the head of the log between pages.
        n += 1;
        db.store.record_audit(entry(n, "get_well")).await.unwrap();
        let Some(cursor) = next.next_cursor.clone() else { break };
        assert_eq!(next.next_offset, Some(seen.len() as u64), "next_offset counts from the first page");
        next = page(&db, AuditQuery { cursor: Some(cursor), offset: 9_999, ..q.clone() }).await;
    }
    // Every original row once, newest first; none of the rows added while paging (all newer).
    // (Within the tied second, newest id first: the order of n here too. The page boundary after
    // entry 47 falls inside that second, so the next page had to seek by id.)
    assert_eq!(seen, (1..=95).rev().collect::<Vec<u64>>());

    // By offset, the same walk would see rows twice: the head moved by one row per page.
    let first = page(&db, q.clone()).await;
    db.store.record_audit(entry(5000, "get_well")).await.unwrap();
    let second = page(&db, AuditQuery { offset: 7, ..q.clone() }).await;
    assert_eq!(first.items[6].id, second.items[0].id, "offset pages overlap when the log grows");

    // A cursor only continues its own filters; garbage is refused.
    let other = AuditQuery { tool: Some("list_wells".into()), cursor: first.next_cursor.clone(), ..q.clone() };
    let e = db.store.query_audit(&Scope::all(), other).await.unwrap_err();
    assert!(e.to_string().contains("different filters"), "{e}");
    let e = db.store.query_audit(&Scope::all(), AuditQuery { cursor: Some("x".into()), ..q }).await.unwrap_err();
    assert!(e.to_string().contains("not a next_cursor"), "{e}");
}
