//! The hostile-input suite (test_support::hostile) against the core's demo server in process:
//! every shared case over Streamable HTTP, SSE and raw TCP, plus cases on the demo tools
//! (argument validation, identity headers), each followed by a health check.
#![allow(clippy::unwrap_used)]

#[allow(dead_code, unreachable_pub)]
#[path = "it/common.rs"]
mod common;

use serde_json::{Value, json};
use test_support::hostile::{Case, Expect, Target, assert_outcomes, core_cases};

const LIMIT: usize = 65_536;

fn whoami_role(name: &str, headers: &[(&str, &str)], role: Value) -> Case {
    Case::call_with(name, "whoami", json!({}), headers, Expect::tool(false).containing(&format!("\"role\":{role}")))
}

/// Cases on the demo app's own tools.
fn demo_cases() -> Vec<Case> {
    vec![
        Case::call(
            "echo: text over its 100-character bound",
            "echo",
            json!({"text": "x".repeat(101)}),
            Expect::tool(true),
        ),
        Case::call("echo: text missing", "echo", json!({}), Expect::tool(true).containing("missing field `text`")),
        Case::call("echo: text is a number", "echo", json!({"text": 5}), Expect::tool(true).containing("invalid type")),
        Case::call(
            "echo: unknown argument",
            "echo",
            json!({"text": "a", "admin": true}),
            Expect::tool(true).containing("unknown field"),
        ),
        Case::call(
            "echo: SQL in the text",
            "echo",
            json!({"text": "'; DROP TABLE notes;--"}),
            Expect::tool(false).containing("DROP TABLE"),
        ),
        Case::call(
            "echo: path traversal in the text",
            "echo",
            json!({"text": "../../etc/passwd"}),
            Expect::tool(false),
        ),
        Case::call(
            "slow: millis is negative",
            "slow",
            json!({"millis": -1}),
            Expect::tool(true).containing("expected u64"),
        ),
        Case::call_text("slow: millis is 1e309", "slow", r#"{"millis": 1e309}"#, Expect::rpc(400, -32700)),
        Case::call_text(
            "slow: millis beyond u64",
            "slow",
            r#"{"millis": 18446744073709551616}"#,
            Expect::tool(true).containing("expected u64"),
        ),
        Case::call("purge without its scope", "purge", json!({}), Expect::tool(true)),
        whoami_role(
            "role header given twice is treated as absent",
            &[("x-user-role", "ADMIN"), ("x-user-role", "GUEST")],
            Value::Null,
        ),
        whoami_role(
            "role placeholder is treated as absent",
            &[("x-user-role", "{{LIBRECHAT_USER_ROLE}}")],
            Value::Null,
        ),
        // Only `{{...}}` counts as a placeholder; a `${VAR}` text is an (unknown) role name.
        whoami_role(
            "role ${VAR} text is passed on as a role name",
            &[("x-user-role", "${USER_ROLE}")],
            json!("${USER_ROLE}"),
        ),
        whoami_role("a single role header counts", &[("x-user-role", "GUEST")], json!("GUEST")),
        Case::call_with(
            "email with a forged log field",
            "whoami",
            json!({}),
            &[("x-user-email", "eve@x.com role=ADMIN")],
            Expect::tool(false),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_exact_answers_and_leave_the_server_healthy() {
    let s = common::start_with(
        &format!("auth: bearer\nbody_limit_bytes: {LIMIT}\nheader_read_timeout_secs: 1\nbody_read_timeout_secs: 1\n"),
        &[("MCP_AUTH_TOKENS", "alice:key-alice,bob:key-bob")],
    )
    .await;
    let target = Target::new(
        &s.base,
        &[("authorization", "Bearer key-alice")],
        &[("authorization", "Bearer key-bob")],
        "echo",
        json!({"text": "still here"}),
    );
    let mut cases = core_cases(LIMIT, "echo", &json!({"text": "hi"}));
    cases.extend(demo_cases());
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let outcomes = target.run(&cases).await.unwrap();
    assert_outcomes(&outcomes);
}
