//! The real binary: exit codes, print-config, tools, stdio purity, SIGTERM.

use std::time::Duration;

use test_support::process::{ServerProcess, run_to_end};

use crate::common::bin;

#[test]
fn bad_config_exits_64_before_binding() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, "transport: http\nprot: 1\n").unwrap();
    let (code, _, err) = run_to_end(
        {
            let mut c = bin();
            c.args(["--config", cfg.to_str().unwrap()]);
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("`prot`") && err.contains("c.yaml"), "{err}");

    let (code, _, err) = run_to_end(
        {
            let mut c = bin();
            c.args(["--transport", "http", "--host", "0.0.0.0"]);
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("--allow-unauthenticated"), "{err}");

    let (code, _, err) = run_to_end(
        {
            let mut c = bin();
            c.args(["--transport", "pigeon"]);
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(64), "{err}");
    let (code, _, err) = run_to_end(
        {
            let mut c = bin();
            c.args(["--disable-tools", "nope", "check-config"]);
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn print_config_shows_origins_and_no_secrets() {
    let mut c = bin();
    c.args(["print-config", "--port", "9999"])
        .env("MCP_AUTH_TOKENS", "lc:very-secret-token")
        .env("DATABASE_URL", "sqlite:////tmp/x.db");
    let (code, out, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("port: 9999  # flag --port"), "{out}");
    assert!(out.contains("database_url: sqlite:////tmp/x.db  # env DATABASE_URL"), "{out}");
    assert!(!out.contains("very-secret-token") && !err.contains("very-secret-token"));
}

#[test]
fn tools_subcommand_prints_the_list_without_serving() {
    let (code, out, err) = run_to_end(
        {
            let mut c = bin();
            c.args(["tools", "--read-only"]);
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tools = v["tools"].as_array().unwrap();
    assert!(tools.iter().any(|t| t["name"] == "list_wells"));
    assert!(tools.iter().all(|t| t["annotations"]["readOnlyHint"] == true));
}

#[test]
fn stdio_writes_only_protocol_to_stdout() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut c = bin();
    c.args(["--demo", "--database"]).arg(dir.path().join("s.db")).args(["--log-level", "debug"]);
    c.env("MCP_USER_ROLE", "ADMIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_well","arguments":{"well_id":"zt101"}}}"#,
    ];
    for l in lines {
        writeln!(stdin, "{l}").unwrap();
    }
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    // Requests are served concurrently: replies come in any order, so file them by id.
    let mut seen = vec![serde_json::Value::Null; 3];
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("non-protocol output on stdout: {line:?} ({e})"));
        assert_eq!(v["jsonrpc"], "2.0");
        let id = v["id"].as_u64().unwrap_or_else(|| panic!("not a reply: {v}"));
        seen[usize::try_from(id - 1).unwrap()] = v;
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
    let tools = seen[1]["result"]["tools"].as_array().unwrap();
    assert!(tools.iter().any(|t| t["name"] == "export_all_data"), "MCP_USER_ROLE=ADMIN sees admin tools");
    assert_eq!(seen[2]["result"]["structuredContent"]["well"]["id"], "ZT-101");
    // the audit queue was flushed before the process exited
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let log = rt.block_on(async {
        let store = mcp_oilfield::db::Store::open(&dir.path().join("s.db"), 1).await.unwrap();
        store
            .query_audit(
                &mcp_oilfield::db::Scope::all(),
                mcp_oilfield::db::AuditQuery { tool: Some("get_well".into()), ..Default::default() },
            )
            .await
            .unwrap()
    });
    assert_eq!(log.total, 1, "{log:?}");
    assert_eq!(log.items[0].caller_role.as_deref(), Some("ADMIN"));
}

#[test]
fn http_server_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = bin();
    c.args(["--demo", "--transport", "http", "--port", "0", "--database"]).arg(dir.path().join("h.db"));
    let mut p = ServerProcess::start(c).unwrap();
    assert!(p.base_url.starts_with("http://127.0.0.1:"));
    let code = p.terminate(Duration::from_secs(15)).unwrap();
    assert_eq!(code, Some(0), "{:?}", p.logs());
}

#[test]
fn help_has_examples_and_version_prints() {
    let (code, out, _) = run_to_end(
        {
            let mut c = bin();
            c.arg("--help");
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(0));
    assert!(out.contains("Examples:") && out.contains("--transport") && out.contains("print-config"), "{out}");
    let (code, out, _) = run_to_end(
        {
            let mut c = bin();
            c.arg("--version");
            c
        },
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(code, Some(0));
    assert_eq!(out.trim(), format!("mcp-oilfield {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn import_subcommand_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.db");
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "well_id,well_name,field,block,report_date,md_m,footage_m,drilling_hours\nQA-1,QA 1,Test,Block-Q,2026-01-02,100,100,10\nQA-1,QA 1,Test,Block-Q,2026-01-03,50,0,0\n").unwrap();
    let mut c = bin();
    c.arg("import").arg(&csv).arg("--database").arg(&db);
    let (code, _, err) = run_to_end(c, Duration::from_secs(60)).unwrap();
    assert_ne!(code, Some(0));
    assert!(err.contains("line 3"), "{err}");
    std::fs::write(&csv, "well_id,well_name,field,block,report_date,md_m,footage_m,drilling_hours\nQA-1,QA 1,Test,Block-Q,2026-01-02,100,100,10\nQA-1,QA 1,Test,Block-Q,2026-01-03,150,50,8\n").unwrap();
    let mut c = bin();
    c.arg("import").arg(&csv).arg("--database").arg(&db);
    let (code, _, err) = run_to_end(c, Duration::from_secs(60)).unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("Imported 2 rows"), "{err}");
}

/// SIGTERM while a write waits for the database (another process holds its lock): once the grace
/// (`shutdown_timeout_secs: 1`) runs out the server says so and exits 0 without waiting for the
/// call (nor for the audit writer, which cannot write either), and the abandoned write never lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_still_running_when_the_grace_runs_out_is_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    let cfg = dir.path().join("g.yaml");
    std::fs::write(
        &cfg,
        format!(
            "transport: http\nport: 0\nshutdown_timeout_secs: 1\noilfield:\n  demo: true\n  database: {}\n  fallback_role: ADMIN\n",
            db.display()
        ),
    )
    .unwrap();
    let mut c = bin();
    c.args(["--config", cfg.to_str().unwrap()]);
    let p = ServerProcess::start(c).unwrap();
    let mut client = test_support::mcp_http::McpHttp::new(&p.base_url);
    client.initialize().await.unwrap();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let call = tokio::spawn(async move {
        client
            .call_tool(
                "create_well",
                serde_json::json!({"id": "ZT-190", "name": "late", "field": "Zhongtai", "block": "Block-A"}),
            )
            .await
    });
    // The write now waits for the lock (the busy timeout is 5 s).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(!call.is_finished(), "the call should be waiting for the database");
    let (code, took, logs) = tokio::task::spawn_blocking(move || {
        let mut p = p;
        let asked = std::time::Instant::now();
        let code = p.terminate(Duration::from_secs(30)).unwrap();
        (code, asked.elapsed(), p.logs().join("\n"))
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "{logs}");
    assert!(logs.contains("tool calls still running after the grace period"), "{logs}");
    // grace (1 s) + the bounded audit flush (6 s) + the blocked thread's busy timeout (5 s at
    // most), well under the ~27 s the audit writer's retries took.
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(20), "{took:?}\n{logs}");
    let _ = call.await;
    holder.execute_batch("COMMIT").unwrap();
    let late: i64 = holder.query_row("SELECT count(*) FROM wells WHERE id = 'ZT-190'", [], |r| r.get(0)).unwrap();
    assert_eq!(late, 0, "the abandoned write landed");
}

/// The compat endpoint cancels its call at SIGTERM; its audit record then cannot be written
/// (the database is locked): shutdown gives up on it after a bounded wait instead of retrying
/// for about half a minute.
#[test]
fn shutdown_does_not_wait_long_for_audit_records_a_locked_database_refuses() {
    use std::io::{Read as _, Write as _};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let cfg = dir.path().join("f.yaml");
    std::fs::write(
        &cfg,
        format!(
            "transport: http\nport: 0\nshutdown_timeout_secs: 1\noilfield:\n  demo: true\n  database: {}\n  fallback_role: ADMIN\n",
            db.display()
        ),
    )
    .unwrap();
    let mut c = bin();
    c.args(["--config", cfg.to_str().unwrap()]);
    let mut p = ServerProcess::start(c).unwrap();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let addr = p.base_url.trim_start_matches("http://").to_owned();
    let call = std::thread::spawn(move || {
        let body =
            r#"{"name":"create_well","arguments":{"id":"ZT-191","name":"late","field":"Zhongtai","block":"Block-A"}}"#;
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let head = format!(
            "POST /mcp/call-tool HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
    });
    std::thread::sleep(Duration::from_millis(1000));
    let asked = std::time::Instant::now();
    let code = p.terminate(Duration::from_secs(40)).unwrap();
    let took = asked.elapsed();
    let logs = p.logs().join("\n");
    assert_eq!(code, Some(0), "{logs}");
    assert!(took < Duration::from_secs(20), "shutdown took {took:?}\n{logs}");
    assert!(logs.contains("audit records not written at shutdown"), "{logs}");
    let _ = call.join();
    holder.execute_batch("COMMIT").unwrap();
    let late: i64 = holder.query_row("SELECT count(*) FROM wells WHERE id = 'ZT-191'", [], |r| r.get(0)).unwrap();
    assert_eq!(late, 0, "the cancelled write landed");
}

/// Stdio drain: SIGTERM reaches the real binary while a write waits for the database (another
/// connection holds its lock, released right after the signal). The call still completes, its
/// reply is written to stdout (nothing else is), the write lands, and the process exits 0 with
/// stdin still open: the signal, not end of input, ended the session.
#[test]
fn stdio_answers_the_call_in_flight_at_sigterm_before_exiting() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let cfg = dir.path().join("d.yaml");
    std::fs::write(&cfg, format!("shutdown_timeout_secs: 20\noilfield:\n  demo: true\n  database: {}\n", db.display()))
        .unwrap();
    let mut c = bin();
    c.args(["--config", cfg.to_str().unwrap()]);
    c.env("MCP_USER_ROLE", "ADMIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = test_support::process::ChildGuard::new(c.spawn().unwrap(), "mcp-oilfield stdio");
    let mut stdin = child.child_mut().stdin.take().unwrap();
    let mut reader = BufReader::new(child.child_mut().stdout.take().unwrap());
    let mut next_reply = move || {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        serde_json::from_str::<serde_json::Value>(&line)
            .unwrap_or_else(|e| panic!("non-protocol output on stdout: {line:?} ({e})"))
    };
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-11-25","capabilities":{{}},"clientInfo":{{"name":"t","version":"0"}}}}}}"#
    )
    .unwrap();
    assert_eq!(next_reply()["id"], 1);
    writeln!(stdin, r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#).unwrap();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{"name":"create_well","arguments":{{"id":"ZT-192","name":"drained","field":"Zhongtai","block":"Block-A"}}}}}}"#
    )
    .unwrap();
    stdin.flush().unwrap();
    // The write now waits for the lock (busy timeout 5 s); the signal arrives meanwhile.
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(child.try_wait().unwrap(), None, "the server exited before the signal");
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(child.try_wait().unwrap(), None, "the server did not wait for the call in flight");
    holder.execute_batch("COMMIT").unwrap();
    let reply = next_reply();
    assert_eq!(reply["id"], 2, "{reply}");
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    let status = child.wait_timeout(Duration::from_secs(30)).unwrap().expect("the server did not exit after the drain");
    assert!(status.success(), "{status:?}");
    drop(stdin);
    let landed: i64 = holder.query_row("SELECT count(*) FROM wells WHERE id = 'ZT-192'", [], |r| r.get(0)).unwrap();
    assert_eq!(landed, 1, "the drained write did not land");
}
