//! The hostile-input suite (test_support::hostile) against the real `mcp-oilfield` binary:
//! every shared case over Streamable HTTP, SSE and raw TCP, the stdio framing cases, and the
//! oilfield's own (SQL and path strings in ids, formula cells, extreme numbers and dates, roles
//! from ambiguous headers), each followed by a health check.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use serde_json::{Value, json};
use test_support::hostile::{Case, Expect, StdioCase, Target, assert_outcomes, core_cases, run_stdio, stdio_cases};
use test_support::process::ServerProcess;

const LIMIT: usize = 65_536;

fn bin(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mcp-oilfield"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MCP_BODY_LIMIT_BYTES", LIMIT.to_string())
        .env("MCP_HEADER_READ_TIMEOUT_SECS", "1")
        .env("MCP_BODY_READ_TIMEOUT_SECS", "1")
        .env("MCP_LOG_LEVEL", "warn")
        .args(["--demo", "--database"])
        .arg(dir.join("oil.db"))
        .arg("--export-dir")
        .arg(dir.join("exports"));
    c
}

fn probe() -> (&'static str, Value) {
    ("get_well", json!({"well_id": "ZT-101"}))
}

fn tool_error(contains: &str) -> Expect {
    Expect::tool(true).containing(contains)
}

/// A call made with exactly these role headers (the target's ADMIN header left out).
fn as_role(name: &str, tool: &str, args: Value, roles: &[&str], expect: Expect) -> Case {
    let body =
        json!({"jsonrpc": "2.0", "id": 900, "method": "tools/call", "params": {"name": tool, "arguments": args}});
    let headers: Vec<(&str, &str)> = roles.iter().map(|r| ("x-user-role", *r)).collect();
    Case::mcp_with(name, body.to_string(), &headers, &["x-user-role"], expect)
}

fn oilfield_cases() -> Vec<Case> {
    let denied = || tool_error("Permission denied");
    let not_found = || tool_error("is not a valid well id");
    let mut cases = vec![
        Case::call("SQL quote in a well id", "get_well", json!({"well_id": "ZT-101' OR '1'='1"}), not_found()),
        Case::call(
            "SQL statement in a well id",
            "get_well",
            json!({"well_id": "ZT-101; DROP TABLE wells;--"}),
            not_found(),
        ),
        Case::call("SQL comment in a well id", "get_well", json!({"well_id": "ZT-101'--"}), not_found()),
        Case::call("path traversal as a well id", "get_well", json!({"well_id": "../../etc/passwd"}), not_found()),
        Case::call("empty well id", "get_well", json!({"well_id": ""}), Expect::tool(true)),
        Case::call(
            "10 KB well id",
            "get_well",
            json!({"well_id": "Z".repeat(10_000)}),
            Expect::tool(true).without(&"Z".repeat(1000)),
        ),
        Case::call("well id is a number", "get_well", json!({"well_id": 101}), tool_error("invalid type")),
        Case::call("well id is null", "get_well", json!({"well_id": null}), tool_error("invalid type")),
        Case::call("well id missing", "get_well", json!({}), tool_error("missing field")),
        Case::call(
            "LIKE wildcards in a name filter",
            "list_wells",
            json!({"name": "%' OR 1=1 --"}),
            Expect::tool(false),
        ),
        Case::call(
            "UNION in a block filter",
            "list_wells",
            json!({"block": "' UNION SELECT * FROM audit_log --"}),
            Expect::tool(false),
        ),
        Case::call("limit -1", "list_wells", json!({"limit": -1}), Expect::tool(true)),
        Case::call("limit 0", "list_wells", json!({"limit": 0}), Expect::tool(true)),
        Case::call("limit 1e9", "list_wells", json!({"limit": 1_000_000_000}), Expect::tool(true)),
        Case::call_text("limit 1e309", "list_wells", r#"{"limit": 1e309}"#, Expect::rpc(400, -32700)),
        Case::call(
            "offset 2^63",
            "list_wells",
            json!({"offset": 9_223_372_036_854_775_808u64}),
            Expect::tool(false).containing("No rows"),
        ),
        Case::call(
            "two-digit year 0026-01-01",
            "query_drilling_data",
            json!({"well_id": "ZT-101", "from": "0026-01-01"}),
            Expect::tool(true),
        ),
        Case::call(
            "five-digit year 99999-01-01",
            "query_drilling_data",
            json!({"well_id": "ZT-101", "from": "99999-01-01"}),
            Expect::tool(true),
        ),
        Case::call(
            "year 1899",
            "query_drilling_data",
            json!({"well_id": "ZT-101", "from": "1899-12-31"}),
            Expect::tool(true),
        ),
        Case::call(
            "year 2201",
            "query_drilling_data",
            json!({"well_id": "ZT-101", "to": "2201-01-01"}),
            Expect::tool(true),
        ),
        Case::call(
            "30 February",
            "get_daily_report",
            json!({"well_id": "ZT-101", "date": "2026-02-30"}),
            Expect::tool(true),
        ),
        Case::call(
            "short date 26-01-01",
            "get_daily_report",
            json!({"well_id": "ZT-101", "date": "26-01-01"}),
            Expect::tool(true),
        ),
        Case::call(
            "date with SQL",
            "get_daily_report",
            json!({"well_id": "ZT-101", "date": "2026-01-01' OR '1'='1"}),
            Expect::tool(true),
        ),
        Case::call(
            "week of year 0026",
            "weekly_report",
            json!({"well_id": "ZT-101", "week_of": "0026-01-05"}),
            Expect::tool(true),
        ),
        Case::call(
            "compare no wells",
            "compare_wells",
            json!({"well_ids": [], "metric": "footage_m"}),
            Expect::tool(true),
        ),
        Case::call(
            "compare 1000 wells",
            "compare_wells",
            json!({"well_ids": vec!["ZT-101"; 1000], "metric": "footage_m"}),
            Expect::tool(true),
        ),
        Case::call(
            "unknown metric",
            "compare_wells",
            json!({"well_ids": ["ZT-101", "ZT-102"], "metric": "1; DROP TABLE x"}),
            Expect::tool(true),
        ),
        Case::call(
            "footage 1e308",
            "add_drilling_record",
            json!({"well_id": "ZT-101", "report_date": "2026-01-01", "footage_m": 1e308}),
            Expect::tool(true),
        ),
        Case::call(
            "record dated 0026-01-01",
            "add_drilling_record",
            json!({"well_id": "ZT-101", "report_date": "0026-01-01", "footage_m": 10.0}),
            Expect::tool(true),
        ),
        Case::call(
            "export format with a path",
            "export_all_data",
            json!({"format": "../../etc/passwd"}),
            Expect::tool(true),
        ),
        Case::call(
            "import a CSV with formula cells (dry run)",
            "import_data",
            json!({"format": "csv", "dry_run": true, "data": "id,name\n=cmd|' /C calc'!A0,@SUM(A1)\n"}),
            Expect::tool(true),
        ),
        Case::call(
            "import malformed JSON",
            "import_data",
            json!({"format": "json", "dry_run": true, "data": "{not json"}),
            Expect::tool(true),
        ),
        Case::call(
            "create a well whose name is a formula",
            "create_well",
            json!({"id": "HX-901", "name": "=HYPERLINK(\"http://evil.example\",\"x\")", "block": "HX", "field": "F"}),
            Expect::tool(false),
        ),
        Case::call(
            "the formula is neutralised in CSV exports",
            "export_all_data",
            json!({"format": "csv", "well_ids": ["HX-901"]}),
            Expect::tool(false).without(",=HYPERLINK"),
        ),
        Case::call("audit filter with SQL", "query_audit_log", json!({"tool": "' OR 1=1 --"}), Expect::tool(false)),
        as_role(
            "two role headers count as none (write)",
            "create_well",
            json!({"id": "HX-902", "name": "n"}),
            &["ADMIN", "GUEST"],
            denied(),
        ),
        as_role(
            "two role headers count as none (admin read)",
            "query_audit_log",
            json!({}),
            &["GUEST", "ADMIN"],
            denied(),
        ),
        as_role(
            "role placeholder counts as none",
            "create_well",
            json!({"id": "HX-903", "name": "n"}),
            &["{{LIBRECHAT_USER_ROLE}}"],
            denied(),
        ),
        as_role(
            "comma-joined roles are no role",
            "delete_well",
            json!({"well_id": "ZT-101"}),
            &["ADMIN,GUEST"],
            denied(),
        ),
        as_role("lower-case admin", "query_audit_log", json!({}), &["admin"], Expect::tool(false)),
        as_role(
            "GUEST may not write",
            "add_drilling_record",
            json!({"well_id": "ZT-101", "report_date": "2026-01-02"}),
            &["GUEST"],
            denied(),
        ),
        as_role(
            "an unknown role echoed nowhere",
            "create_well",
            json!({"id": "HX-904", "name": "n"}),
            &["ROOT<script>"],
            denied().without("<script>"),
        ),
    ];
    cases.push(Case::call(
        "the well with the formula is deleted",
        "delete_well",
        json!({"well_id": "HX-901", "purge": true}),
        Expect::tool(false),
    ));
    cases
}

#[test]
fn hostile_requests_over_http_get_exact_answers_and_leave_the_binary_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = bin(dir.path());
    c.env("MCP_AUTH_TOKENS", "alice:key-alice,bob:key-bob").args([
        "--transport",
        "http",
        "--port",
        "0",
        "--auth",
        "bearer",
    ]);
    let mut server = ServerProcess::start(c).unwrap();
    let (tool, args) = probe();
    let target = Target::new(
        &server.base_url,
        &[("authorization", "Bearer key-alice"), ("x-user-role", "ADMIN")],
        &[("authorization", "Bearer key-bob"), ("x-user-role", "ADMIN")],
        tool,
        args.clone(),
    );
    let mut cases = core_cases(LIMIT, tool, &args);
    cases.extend(oilfield_cases());
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let outcomes = rt.block_on(target.run(&cases)).unwrap();
    let alive = server.logs().iter().all(|l| !l.contains("panicked"));
    assert!(alive, "a panic in the server log:\n{}", server.logs().join("\n"));
    assert_outcomes(&outcomes);
    assert_eq!(server.terminate(std::time::Duration::from_secs(10)).unwrap(), Some(0));
}

#[test]
fn hostile_lines_over_stdio_get_exact_answers_and_leave_the_binary_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = bin(dir.path());
    c.env("MCP_USER_ROLE", "ADMIN");
    let (tool, args) = probe();
    let mut cases = stdio_cases(LIMIT);
    cases.extend([
        StdioCase::call("SQL in a well id", "get_well", json!({"well_id": "ZT-101' OR '1'='1"}), true),
        StdioCase::call("path as a well id", "get_well", json!({"well_id": "../../etc/passwd"}), true),
        StdioCase::call("year 0026", "query_drilling_data", json!({"well_id": "ZT-101", "from": "0026-01-01"}), true),
        StdioCase::call("year 99999", "query_drilling_data", json!({"well_id": "ZT-101", "from": "99999-01-01"}), true),
        StdioCase::call("limit -1", "list_wells", json!({"limit": -1}), true),
    ]);
    let outcomes = run_stdio(c, &cases, tool, &args).unwrap();
    assert_outcomes(&outcomes);
}
