//! Shared parts: the stand-in with two known callers, token headers, a server on loopback.

use base64::Engine as _;
use mcp_core::NoFlags;
use mcp_core::testing::TestServer;
use mcp_rocketmq::app::RocketMq;
use serde_json::{Value, json};
use test_support::mcp_http::McpHttp;
use test_support::volcengine::VolcengineStandIn;

/// A caller's Volcengine credentials: access key, secret key, session token.
pub type Keys = (&'static str, &'static str, Option<&'static str>);

/// Permanent keys.
pub const ALICE: Keys = ("AKLTalice0000000000000000", "alice/secret+key==", None);
/// STS keys (with a session token).
pub const BOB: Keys = ("AKTPbob00000000000000000", "bob-secret-key", Some("STSeyJib2IiOjF9bob-session=="));

/// A stand-in that knows ALICE and BOB.
pub async fn volc() -> VolcengineStandIn {
    let v = VolcengineStandIn::start().await.unwrap();
    for (ak, sk, token) in [ALICE, BOB] {
        v.add_credentials(ak, sk, token);
    }
    v
}

/// `Bearer base64(JSON)` of `keys`, as a token-mode client builds it.
pub fn bearer(keys: Keys) -> String {
    let (ak, sk, token) = keys;
    bearer_of(&json!({"AccessKeyId": ak, "SecretAccessKey": sk, "SessionToken": token.unwrap_or("")}))
}

/// `Bearer base64(JSON)` of any JSON.
pub fn bearer_of(json: &Value) -> String {
    format!("Bearer {}", base64::engine::general_purpose::STANDARD.encode(json.to_string()))
}

/// Config pointing at `volc`; `section` lines are indented into `rocketmq:`, `top` goes first.
pub fn yaml(volc: &VolcengineStandIn, top: &str, section: &[&str]) -> String {
    let mut y = format!("{top}rocketmq:\n  url: {}\n  proxy: none\n", volc.url());
    for line in section {
        y.push_str("  ");
        y.push_str(line);
        y.push('\n');
    }
    y
}

/// Environment with ALICE's keys as the server's own.
pub fn alice_env() -> Vec<(&'static str, &'static str)> {
    vec![("VOLCENGINE_ACCESS_KEY", ALICE.0), ("VOLCENGINE_SECRET_KEY", ALICE.1)]
}

/// Start the server over HTTP.
pub async fn server(yaml: &str, env: &[(&str, &str)]) -> TestServer<RocketMq> {
    let dir = tempfile::tempdir().unwrap();
    TestServer::<RocketMq>::start(dir.path(), yaml, env, NoFlags {}).await
}

/// An initialized Streamable HTTP client, with `headers` on every request.
pub async fn client(server: &TestServer<RocketMq>, headers: &[(&str, &str)]) -> McpHttp {
    let mut c = McpHttp::new(&server.base);
    for (n, v) in headers {
        c = c.with_header(n, v);
    }
    c.initialize().await.unwrap();
    c
}

/// The first text of a result.
pub fn text(result: &Value) -> String {
    test_support::mcp_http::first_text(result)
}

/// Assert an isError result whose text contains every needle; return the text.
pub fn assert_error(result: &Value, needles: &[&str]) -> String {
    assert_eq!(result["isError"], true, "{result}");
    let t = text(result);
    for n in needles {
        assert!(t.contains(n), "`{n}` missing from: {t}");
    }
    t
}

/// Assert a success whose structuredContent and last text line carry a RequestId; return it.
pub fn assert_ok(result: &Value) -> String {
    assert_ne!(result["isError"], true, "{result}");
    let rid = result["structuredContent"]["RequestId"].as_str().unwrap_or_else(|| panic!("no RequestId: {result}"));
    assert_eq!(rid.len(), 34, "a stand-in RequestId: {rid}");
    assert!(text(result).ends_with(&format!("RequestId={rid}")), "{}", text(result));
    rid.to_owned()
}

/// The access key in a recorded request's Authorization header.
pub fn signer_of(r: &test_support::standin::Recorded) -> String {
    let auth = r.header("authorization").unwrap_or_default();
    auth.strip_prefix("HMAC-SHA256 Credential=").and_then(|s| s.split('/').next()).unwrap_or_default().to_owned()
}
