//! Admin tools: export (file + resource link), import (all-or-nothing), audit log.

use serde_json::json;

use crate::common::{fails, fixture, fixture_with, ok};

#[tokio::test]
async fn audit_log_records_calls_with_callers_and_outcomes() {
    let f = fixture("").await;
    let mut user = f.client(Some("USER")).await;
    ok(&mut user, "get_well", json!({"well_id": "ZT-101"})).await;
    fails(&mut user, "get_well", json!({"well_id": "ZT-999"})).await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (text, log) = ok(&mut admin, "query_audit_log", json!({"tool": "get_well"})).await;
    let items = log["items"].as_array().unwrap();
    assert!(
        items.iter().any(|e| e["outcome"] == "ok" && e["caller_id"] == "user-user" && e["caller_role"] == "USER"),
        "{log}"
    );
    assert!(items.iter().any(|e| e["outcome"] == "not_found" && e["arguments"]["well_id"] == "ZT-999"), "{log}");
    assert!(text.contains("get_well"));
}

#[tokio::test]
async fn export_writes_a_file_and_links_it_then_import_round_trips() {
    let f = fixture("").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let r = admin.call_tool("export_all_data", json!({"format": "csv", "well_ids": ["ZT-101"]})).await.unwrap();
    assert_ne!(r["isError"], true, "{r}");
    let link = r["content"].as_array().unwrap().iter().find(|b| b["type"] == "resource_link").expect("resource link");
    assert_eq!(link["mimeType"], "text/csv");
    let path = r["structuredContent"]["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with(f.dir.path().join("exports").to_str().unwrap()), "{path}");
    let csv = std::fs::read_to_string(&path).unwrap();
    let reports = r["structuredContent"]["reports"].as_u64().unwrap();
    assert_eq!(csv.lines().count() as u64, reports + 1, "header + one line per report");
    assert_eq!(link["size"].as_u64().unwrap(), csv.len() as u64);
    assert!(
        !std::fs::read_dir(f.dir.path().join("exports")).unwrap().any(|e| e
            .unwrap()
            .path()
            .to_string_lossy()
            .ends_with(".partial"))
    );

    // import the export into a fresh server: same number of reports (wells are created from the well columns)
    let g = fixture_with(false, "").await;
    let mut admin2 = g.client(Some("ADMIN")).await;
    let (_, dry) = ok(&mut admin2, "import_data", json!({"data": csv, "dry_run": true})).await;
    assert_eq!(dry["inserted"].as_u64().unwrap(), reports);
    fails(&mut admin2, "get_well", json!({"well_id": "ZT-101"})).await;
    let (_, done) = ok(&mut admin2, "import_data", json!({"data": csv})).await;
    assert_eq!(done["inserted"].as_u64().unwrap(), reports);
    let (_, original) =
        ok(&mut admin, "query_drilling_data", json!({"well_id": "ZT-101", "limit": 500, "order": "asc"})).await;
    let (_, copy) =
        ok(&mut admin2, "query_drilling_data", json!({"well_id": "ZT-101", "limit": 500, "order": "asc"})).await;
    let strip = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["report_date"].clone(),
                    r["md_m"].clone(),
                    r["footage_m"].clone(),
                    r["npt_reason"].clone(),
                    r["main_work"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&original), strip(&copy), "export → import reproduces the reports");
}

#[tokio::test]
async fn import_is_all_or_nothing_with_line_numbers() {
    let f = fixture("").await;
    let mut admin = f.client(Some("ADMIN")).await;
    ok(&mut admin, "create_well", json!({"id": "ZT-160", "name": "Import test", "field": "Zhongtai", "block": "Block-A", "spud_date": "2026-01-01"})).await;
    let csv = "well_id,report_date,md_m,footage_m,drilling_hours\nZT-160,2026-01-02,100,100,10\nZT-160,2026-01-03,90,0,0\nZT-160,2026-01-04,abc,0,0\n";
    let msg = fails(&mut admin, "import_data", json!({"data": csv})).await;
    assert!(msg.contains("line 3") && msg.contains("line 4") && msg.contains("nothing was imported"), "{msg}");
    let (_, q) = ok(&mut admin, "query_drilling_data", json!({"well_id": "ZT-160"})).await;
    assert_eq!(q["total"], 0, "no partial write");
    let good =
        "well_id,report_date,md_m,footage_m,drilling_hours\nZT-160,2026-01-02,100,100,10\nzt160,2026-01-03,180,80,12\n";
    let (text, rep) = ok(&mut admin, "import_data", json!({"data": good})).await;
    assert_eq!(rep["inserted"], 2, "{text}");
    let (_, q) = ok(&mut admin, "query_drilling_data", json!({"well_id": "ZT-160"})).await;
    assert_eq!(q["total"], 2);
}

#[tokio::test]
async fn export_reports_progress_when_the_client_asks_for_it() {
    let f = fixture("").await;
    let admin = f.client(Some("ADMIN")).await;
    let body = json!({"jsonrpc": "2.0", "id": 42, "method": "tools/call",
        "params": {"name": "export_all_data", "arguments": {"format": "json"}, "_meta": {"progressToken": "exp-1"}}});
    let r = admin.post_raw(body.to_string(), &[]).await.unwrap();
    assert_eq!(r.status, 200);
    let events: Vec<serde_json::Value> =
        test_support::mcp_http::sse_data(&r.text).iter().filter_map(|d| serde_json::from_str(d).ok()).collect();
    let progress: Vec<&serde_json::Value> = events.iter().filter(|e| e["method"] == "notifications/progress").collect();
    assert!(!progress.is_empty(), "no progress notifications in {:?}", r.text);
    assert!(progress.iter().all(|p| p["params"]["progressToken"] == "exp-1"));
    let last = progress.last().unwrap();
    assert!(last["params"]["progress"].as_f64().unwrap() <= last["params"]["total"].as_f64().unwrap());
    let result = events.iter().find(|e| e["id"] == 42).expect("the result follows the notifications");
    assert_ne!(result["result"]["isError"], true);
}

/// Another process holds the database's write lock past the busy timeout: the audit log still
/// answers (saying its newest rows may be missing) instead of stalling, and the held-up rows are
/// written once the lock is released, not lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rows_held_up_by_a_locked_database_are_written_later() {
    let f = fixture("").await;
    let mut user = f.client(Some("USER")).await;
    let mut admin = f.client(Some("ADMIN")).await;
    let db = f.dir.path().join("oil.db");
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        // Longer than the store's busy timeout (5 s): the first attempt at the batch fails.
        std::thread::sleep(std::time::Duration::from_millis(6500));
        conn.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    ok(&mut user, "get_well", json!({"well_id": "ZT-102"})).await;
    let asked = std::time::Instant::now();
    let (text, log) = ok(&mut admin, "query_audit_log", json!({"tool": "get_well"})).await;
    assert!(asked.elapsed() < std::time::Duration::from_secs(5), "the audit log stalled for {:?}", asked.elapsed());
    assert!(text.contains("database writer is busy"), "{text}");
    assert_eq!(log["total"], 0, "{log}");
    holder.join().unwrap();
    let found = async {
        loop {
            let (_, log) = ok(&mut admin, "query_audit_log", json!({"tool": "get_well"})).await;
            if log["total"] == 1 {
                return log;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    let log = tokio::time::timeout(std::time::Duration::from_secs(20), found).await.expect("the held-up row was lost");
    assert_eq!(log["items"][0]["caller_role"], "USER", "{log}");
}

/// Export everything with the tool and return the file's text.
async fn export_text(c: &mut test_support::mcp_http::McpHttp, format: &str) -> String {
    let (_, r) = ok(c, "export_all_data", json!({"format": format})).await;
    std::fs::read_to_string(r["path"].as_str().unwrap()).unwrap()
}

/// A JSON export without what the store assigns (row ids, versions, timestamps).
fn without_store_fields(text: &str) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
    for list in ["wells", "reports"] {
        for item in doc[list].as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            for key in ["id", "version", "created_at", "updated_at"] {
                if list == "reports" || key != "id" {
                    item.remove(key);
                }
            }
        }
    }
    doc
}

#[tokio::test]
async fn both_export_formats_round_trip_every_well_and_report() {
    let f = fixture("").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (_, planned) = ok(&mut admin, "get_well", json!({"well_id": "W003"})).await;
    assert!(planned["latest_report"].is_null(), "the demo's W003 has no reports: {planned}");
    for format in ["csv", "json"] {
        let original = export_text(&mut admin, format).await;
        let g = fixture_with(false, "").await;
        let mut empty = g.client(Some("ADMIN")).await;
        let (_, done) = ok(&mut empty, "import_data", json!({"data": original, "format": format})).await;
        assert_eq!(done["wells_created"], 12, "{format}: {done}");
        ok(&mut empty, "get_well", json!({"well_id": "W003"})).await;
        let copy = export_text(&mut empty, format).await;
        if format == "csv" {
            assert_eq!(copy, original, "the CSV export of the copy is the same file");
        } else {
            assert_eq!(without_store_fields(&copy), without_store_fields(&original));
        }
    }
}

/// Bytes of the database and its write-ahead log.
fn db_bytes(dir: &std::path::Path) -> u64 {
    ["oil.db", "oil.db-wal"].iter().filter_map(|f| std::fs::metadata(dir.join(f)).ok()).map(|m| m.len()).sum()
}

#[tokio::test]
async fn a_denied_huge_import_adds_a_bounded_audit_row() {
    let f = fixture("").await;
    let mut user = f.client(Some("USER")).await;
    let mut admin = f.client(Some("ADMIN")).await;
    ok(&mut admin, "query_audit_log", json!({})).await; // the audit writer has settled
    let before = db_bytes(f.dir.path());
    let data = "x".repeat(3 * 1024 * 1024);
    let msg = fails(&mut user, "import_data", json!({"data": data})).await;
    assert!(msg.starts_with("Permission denied: role USER may not use tool import_data"), "{msg}");
    let (_, log) = ok(&mut admin, "query_audit_log", json!({"tool": "import_data"})).await;
    let row = &log["items"][0];
    assert_eq!(row["outcome"], "denied", "{row}");
    let kept = row["arguments"]["data"].as_str().unwrap();
    assert!(kept.ends_with("…[cut: 3145728 bytes]") && kept.len() < 2048, "{}", &kept[kept.len() - 40..]);
    assert_eq!(row["arguments_digest"].as_str().map(str::len), Some(16), "the core's digest of the whole: {row}");
    let stored: i64 = rusqlite::Connection::open(f.dir.path().join("oil.db"))
        .unwrap()
        .query_row("SELECT max(length(arguments)) FROM audit_log WHERE tool = 'import_data'", [], |r| r.get(0))
        .unwrap();
    assert!(stored < 2048, "{stored} bytes of arguments stored");
    let grown = db_bytes(f.dir.path()).saturating_sub(before);
    assert!(grown < 512 * 1024, "the database grew by {grown} bytes");
}

#[tokio::test]
async fn a_block_limited_admin_reads_only_the_audit_rows_about_its_blocks() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n    ADMIN_A: {permissions: [read, write, delete, admin], blocks: [Block-A]}\n";
    let f = fixture(roles).await;
    let mut guest = f.client(Some("GUEST")).await;
    ok(&mut guest, "get_well", json!({"well_id": "zt101"})).await; // Block-A
    ok(&mut guest, "get_well", json!({"well_id": "XY-009"})).await; // another block
    ok(&mut guest, "compare_wells", json!({"well_ids": ["ZT-101", "XY-009"], "metric": "footage"})).await;
    ok(&mut guest, "list_wells", json!({"block": "Block-A"})).await;
    ok(&mut guest, "list_wells", json!({})).await; // about no block
    let mut full = f.client(Some("ADMIN")).await;
    let (_, all) = ok(&mut full, "query_audit_log", json!({"caller": "guest-user", "limit": 100})).await;
    assert_eq!(all["total"], 5, "{all}");
    let mut limited = f.client(Some("ADMIN_A")).await;
    let (text, mine) = ok(&mut limited, "query_audit_log", json!({"caller": "guest-user", "limit": 100})).await;
    let seen: Vec<(String, serde_json::Value)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["tool"].as_str().unwrap().to_owned(), e["arguments"].clone()))
        .collect();
    assert_eq!(
        seen,
        [("list_wells".to_owned(), json!({"block": "Block-A"})), ("get_well".to_owned(), json!({"well_id": "zt101"}))],
        "{text}"
    );
    assert_eq!(mine["total"], 2);
    assert!(mine["items"].as_array().unwrap().iter().all(|e| e["blocks"] == json!(["block-a"])), "{mine}");
    // Filters do not widen it.
    let (_, other) = ok(&mut limited, "query_audit_log", json!({"tool": "get_well", "limit": 100})).await;
    assert!(other["items"].as_array().unwrap().iter().all(|e| e["arguments"]["well_id"] == "zt101"), "{other}");
}

#[tokio::test]
async fn export_and_import_by_a_block_limited_admin_stay_in_its_blocks() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n    ADMIN_A: {permissions: [read, write, delete, admin], blocks: [Block-A]}\n";
    let f = fixture(roles).await;
    let mut a = f.client(Some("ADMIN_A")).await;
    for format in ["csv", "json"] {
        let (_, r) = ok(&mut a, "export_all_data", json!({"format": format})).await;
        let text = std::fs::read_to_string(r["path"].as_str().unwrap()).unwrap();
        assert!(text.contains("ZT-101") && text.contains("Block-A"), "{format}");
        for other in ["XY-009", "W001", "Block-B", "Block-C", "Block-D"] {
            assert!(!text.contains(other), "{format} export of a Block-A admin contains {other}");
        }
    }
    // Arguments cannot widen it: another block's wells are unknown, another block is empty.
    let msg = fails(&mut a, "export_all_data", json!({"format": "csv", "well_ids": ["XY-009"]})).await;
    assert!(msg.starts_with("Unknown well XY-009"), "{msg}");
    let (_, r) = ok(&mut a, "export_all_data", json!({"format": "json", "blocks": ["Block-C"]})).await;
    assert_eq!((r["wells"].as_u64(), r["reports"].as_u64()), (Some(0), Some(0)), "{r}");
    // Import: reports of another block's well and wells created in another block are refused,
    // and nothing of the file is written.
    let csv = "well_id,well_name,field,block,report_date,md_m,footage_m,drilling_hours\n\
               XY-009,,,,2026-01-02,10,10,1\n\
               ZT-180,New,Zhongtai,Block-C,2026-01-02,10,10,1\n\
               ZT-181,Mine,Zhongtai,Block-A,2026-01-02,10,10,1\n";
    let msg = fails(&mut a, "import_data", json!({"data": csv})).await;
    assert!(msg.contains("line 2") && msg.contains("Unknown well XY-009"), "{msg}");
    assert!(msg.contains("line 3") && msg.contains("outside the data you may access (blocks Block-A)"), "{msg}");
    assert!(!msg.contains("line 4"), "{msg}");
    let mut full = f.client(Some("ADMIN")).await;
    let msg = fails(&mut full, "get_well", json!({"well_id": "ZT-181"})).await;
    assert!(msg.starts_with("Unknown well ZT-181"), "all or nothing: {msg}");
    let good = "well_id,well_name,field,block,report_date,md_m,footage_m,drilling_hours\nZT-181,Mine,Zhongtai,Block-A,2026-01-02,10,10,1\n";
    let (_, done) = ok(&mut a, "import_data", json!({"data": good})).await;
    assert_eq!((done["inserted"].as_u64(), done["wells_created"].as_u64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn ready_answers_503_when_the_database_cannot_count() {
    let f = fixture("readiness:\n  cache_secs: 0\n").await;
    let url = format!("{}/ready", f.server.base);
    let r = test_support::mcp_http::client().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Another process breaks the database under the server.
    let conn = rusqlite::Connection::open(f.dir.path().join("oil.db")).unwrap();
    conn.execute_batch("DROP TABLE daily_reports").unwrap();
    let r = test_support::mcp_http::client().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "unavailable", "{body}");
    assert_ne!(body["status"], "ready", "{body}");
}
