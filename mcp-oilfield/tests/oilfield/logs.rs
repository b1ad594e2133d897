//! `log_format: json` on the real binary: every stderr line is one JSON object, the tool call's
//! audit event carries its fields, and no caller-supplied value can add a field.

use std::io::{BufRead, BufReader, Write};

use crate::common::bin;

#[test]
fn json_logs_are_one_object_per_line_with_the_audit_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = bin();
    c.args(["--demo", "--database"]).arg(dir.path().join("j.db")).args(["--log-format", "json"]);
    c.env("MCP_USER_ROLE", "USER")
        .env("MCP_USER_EMAIL", "eve@x.com role=ADMIN")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for l in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_wells","arguments":{}}}"#,
    ] {
        writeln!(stdin, "{l}").unwrap();
    }
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {l}")))
        .collect();
    assert!(!events.is_empty(), "no log lines");
    let audit =
        events.iter().find(|e| e["target"] == "audit").unwrap_or_else(|| panic!("no audit event in:\n{stderr}"));
    // The JSON format puts the event's fields at the top level, beside its span.
    let fields = audit;
    assert_eq!(fields["tool"], "list_wells", "{audit}");
    assert_eq!(fields["outcome"], "ok", "{audit}");
    assert_eq!(fields["role"], "USER", "{audit}");
    assert_eq!(fields["args_digest"].as_str().map(str::len), Some(16), "{audit}");
    // The caller-supplied email is one value, not a second `role` field.
    assert!(fields["caller"].as_str().unwrap_or_default().contains("eve@x.com role=ADMIN"), "{audit}");
    assert_ne!(fields["role"], "ADMIN");
}
