//! The hostile-input suite (test_support::hostile) against the RocketMQ server in process, with
//! the Volcengine stand-in as its upstream: every shared case over Streamable HTTP, SSE and raw
//! TCP, the stdio framing cases against the real binary, and the server's own (page sizes, regions,
//! credential headers: huge, duplicated, placeholders), each followed by a health check.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use mcp_core::NoFlags;
use mcp_core::testing::TestServer;
use mcp_rocketmq::app::RocketMq;
use serde_json::{Value, json};
use test_support::hostile::{Case, Expect, StdioCase, Target, assert_outcomes, core_cases, run_stdio, stdio_cases};
use test_support::volcengine::VolcengineStandIn;

const LIMIT: usize = 65_536;
const AK: &str = "AKLTalice0000000000000000";
const SK: &str = "alice/secret+key==";
const BOB_AK: &str = "AKLTbob00000000000000000";
const BOB_SK: &str = "bob-secret-key";
const INST: &str = "rocketmq-cnoe12efdd**";

fn credential(ak: &str, sk: &str) -> String {
    let json = json!({"AccessKeyId": ak, "SecretAccessKey": sk}).to_string();
    format!("Bearer {}", base64::engine::general_purpose::STANDARD.encode(json))
}

fn refused(needle: &str) -> Expect {
    Expect::tool(true).containing(needle).without(SK)
}

fn rocketmq_cases() -> Vec<Case> {
    let page = |name: &str, size: &str, expect: Expect| {
        Case::call_text(name, "GetInspectConfig", &format!(r#"{{"InstanceId": "{INST}", "PageSize": {size}}}"#), expect)
    };
    let region = |name: &str, region: &str, needle: &str| {
        Case::call(name, "DescribeRegions", json!({"region": region}), Expect::tool(true).containing(needle))
    };
    let bob = credential(BOB_AK, BOB_SK);
    let alice = credential(AK, SK);
    let with_credential = |name: &str, values: &[&str], expect: Expect| {
        let body = json!({"jsonrpc": "2.0", "id": 900, "method": "tools/call",
            "params": {"name": "DescribeRegions", "arguments": {}}});
        let headers: Vec<(&str, &str)> = values.iter().map(|v| ("x-volcengine-credential", *v)).collect();
        Case::mcp_with(name, body.to_string(), &headers, &["x-volcengine-credential"], expect)
    };
    let big = format!("Bearer {}", "A".repeat(60_000));
    vec![
        page("PageSize 0", "0", Expect::tool(true).containing("PageSize must be between 1 and 100 (got 0)")),
        page("PageSize 101", "101", Expect::tool(true).containing("PageSize must be between 1 and 100 (got 101)")),
        page("PageSize -1", "-1", Expect::tool(true).containing("PageSize")),
        page("PageSize 1.5", "1.5", Expect::tool(true).containing("invalid type")),
        page("PageSize 1e309", "1e309", Expect::rpc(400, -32700)),
        page("PageSize 2^64", "18446744073709551616", Expect::tool(true).containing("invalid type")),
        page("PageSize as a string", r#""10""#, Expect::tool(true).containing("invalid type")),
        Case::call_text(
            "PageNumber 0",
            "GetInspectConfig",
            &format!(r#"{{"InstanceId": "{INST}", "PageNumber": 0}}"#),
            Expect::tool(true).containing("PageNumber must be at least 1"),
        ),
        region("unknown region", "mars-1", "unknown region `mars-1`"),
        region("region in the wrong case", "CN-Beijing", "did you mean `cn-beijing`"),
        region("region with a path", "../../etc/passwd", "unknown region"),
        region("region with a host", "cn-beijing.evil.example", "unknown region"),
        region("region with a NUL", "cn-beijing\u{0}", "unknown region"),
        region("empty region", "", "region"),
        Case::call(
            "region is a number",
            "DescribeRegions",
            json!({"region": 5}),
            Expect::tool(true).containing("invalid type"),
        ),
        Case::call(
            "empty InstanceId",
            "EnableInstanceInspect",
            json!({"InstanceId": " ", "Enable": true}),
            Expect::tool(true).containing("InstanceId must not be empty"),
        ),
        Case::call(
            "SortOrder with SQL",
            "GetInstanceInspectResult",
            json!({"InstanceId": INST, "SortOrder": "DESC; DROP TABLE x"}),
            Expect::tool(true).containing("expected `ASC` or `DESC`"),
        ),
        Case::call(
            "MessageType out of range",
            "DescribeTopics",
            json!({"InstanceId": "i", "MessageType": 9}),
            Expect::tool(true).containing("MessageType must be between 0 and 4"),
        ),
        Case::call(
            "unknown field",
            "DescribeInstances",
            json!({"NoSuchField": 1}),
            Expect::tool(true).containing("unknown field"),
        ),
        Case::call(
            "missing InstanceId",
            "GetInstanceInspectResult",
            json!({}),
            Expect::tool(true).containing("missing field `InstanceId`"),
        ),
        with_credential("no credential header", &[], refused("X-Volcengine-Credential")),
        with_credential("credential placeholder", &["{{VOLC_CREDENTIAL}}"], refused("X-Volcengine-Credential")),
        with_credential("credential not base64", &["Bearer !!!not-base64!!!"], refused("not valid base64")),
        with_credential(
            "credential with an empty secret",
            &[&credential(AK, "")],
            Expect::tool(true).containing("SecretAccessKey is empty"),
        ),
        with_credential("credential of 60 KB", &[&big], Expect::tool(true).without(&"A".repeat(1000))),
        with_credential(
            "two credentials, one each of two callers",
            &[&alice, &bob],
            refused("X-Volcengine-Credential"),
        ),
        Case::raw(
            "credential header of 1 MiB",
            format!(
                "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{{auth}}X-Volcengine-Credential: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
                "A".repeat(1 << 20)
            ),
            Expect::status(431).or(0),
        ),
    ]
}

async fn volc() -> VolcengineStandIn {
    let v = VolcengineStandIn::start().await.unwrap();
    v.add_credentials(AK, SK, None);
    v.add_credentials(BOB_AK, BOB_SK, None);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_exact_answers_and_leave_the_server_healthy() {
    let v = volc().await;
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "auth: bearer\nbody_limit_bytes: {LIMIT}\nheader_read_timeout_secs: 1\nbody_read_timeout_secs: 1\n\
         rocketmq:\n  url: {}\n  proxy: none\n  credential: token\n",
        v.url()
    );
    let s = TestServer::<RocketMq>::start(
        dir.path(),
        &yaml,
        &[("MCP_AUTH_TOKENS", "alice:key-alice,bob:key-bob")],
        NoFlags {},
    )
    .await;
    let alice = credential(AK, SK);
    let bob = credential(BOB_AK, BOB_SK);
    let target = Target::new(
        &s.base,
        &[("authorization", "Bearer key-alice"), ("x-volcengine-credential", &alice)],
        &[("authorization", "Bearer key-bob"), ("x-volcengine-credential", &bob)],
        "DescribeRegions",
        json!({}),
    );
    let mut cases = core_cases(LIMIT, "DescribeRegions", &json!({}));
    cases.extend(rocketmq_cases());
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let outcomes = target.run(&cases).await.unwrap();
    assert_outcomes(&outcomes);
}

#[test]
fn hostile_lines_over_stdio_get_exact_answers_and_leave_the_binary_healthy() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let v = rt.block_on(volc());
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-rocketmq"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MCP_BODY_LIMIT_BYTES", LIMIT.to_string())
        .env("VOLCENGINE_ACCESS_KEY", AK)
        .env("VOLCENGINE_SECRET_KEY", SK)
        .env("MCP_LOG_LEVEL", "warn");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, format!("transport: stdio\nrocketmq:\n  url: {}\n  proxy: none\n", v.url())).unwrap();
    c.arg("--config").arg(&cfg);
    let mut cases = stdio_cases(LIMIT);
    cases.extend([
        StdioCase::call("PageSize 0", "GetInspectConfig", json!({"InstanceId": INST, "PageSize": 0}), true),
        StdioCase::call("PageSize 101", "GetInspectConfig", json!({"InstanceId": INST, "PageSize": 101}), true),
        StdioCase::call("PageSize -1", "GetInspectConfig", json!({"InstanceId": INST, "PageSize": -1}), true),
        StdioCase::call("bad region", "DescribeRegions", json!({"region": "../../x"}), true),
    ]);
    let outcomes = run_stdio(c, &cases, "DescribeRegions", &Value::Object(Default::default())).unwrap();
    assert_outcomes(&outcomes);
    drop(rt);
}
