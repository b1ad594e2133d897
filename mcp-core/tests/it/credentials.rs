//! Per-request credentials: one API (`Caller::credential`) on every transport, never mixed
//! between callers, never the MCP token, never reaching an upstream unasked.

use std::time::Duration;

use mcp_core::NoFlags;
use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, SseSession};
use test_support::standin::StandIn;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{DemoApp, fingerprint, start_with};

fn digest_of(result: &Value) -> Value {
    result["structuredContent"]["token_digest"].clone()
}

async fn interleave_streamable(yaml: &str) {
    let s = start_with(yaml, &[]).await;
    let mut alice = McpHttp::new(&s.base).with_header("x-demo-token", "alice-token");
    let mut bob = McpHttp::new(&s.base).with_header("x-demo-token", "bob-token");
    alice.initialize().await.unwrap();
    bob.initialize().await.unwrap();
    for _ in 0..3 {
        let (a, b) = tokio::join!(alice.call_tool("whoami", json!({})), bob.call_tool("whoami", json!({})));
        assert_eq!(digest_of(&a.unwrap()), fingerprint("alice-token"), "{yaml}");
        assert_eq!(digest_of(&b.unwrap()), fingerprint("bob-token"), "{yaml}");
    }
    // A request without the header has no credential, even in a session that had one.
    alice.set_header("x-demo-token", "");
    assert_eq!(digest_of(&alice.call_tool("whoami", json!({})).await.unwrap()), Value::Null, "{yaml}");
}

#[tokio::test]
async fn two_callers_on_streamable_http_never_see_each_others_credentials() {
    interleave_streamable("").await;
    interleave_streamable("stateless: true\n").await;
}

#[tokio::test]
async fn on_sse_each_post_brings_its_own_credential() {
    let s = start_with("", &[]).await;
    // The streams are opened without credentials: only the POSTs carry them.
    let mut alice = SseSession::open(&s.base, &[]).await.unwrap();
    let mut bob = SseSession::open(&s.base, &[]).await.unwrap();
    alice.initialize().await.unwrap();
    bob.initialize().await.unwrap();
    let call = json!({"name": "whoami", "arguments": {}});
    for _ in 0..3 {
        let a = alice.request("tools/call", call.clone(), &[("x-demo-token", "alice-token")]).await.unwrap();
        let b = bob.request("tools/call", call.clone(), &[("x-demo-token", "bob-token")]).await.unwrap();
        assert_eq!(digest_of(&a["result"]), fingerprint("alice-token"), "{a}");
        assert_eq!(digest_of(&b["result"]), fingerprint("bob-token"), "{b}");
    }
    // Per POST, not per session: a POST without the header has none, another value is that value.
    let none = alice.request("tools/call", call.clone(), &[]).await.unwrap();
    assert_eq!(digest_of(&none["result"]), Value::Null, "{none}");
    let other = alice.request("tools/call", call, &[("x-demo-token", "carol-token")]).await.unwrap();
    assert_eq!(digest_of(&other["result"]), fingerprint("carol-token"));
}

#[tokio::test]
async fn on_stdio_the_credential_comes_from_the_servers_config() {
    let dir = tempfile::tempdir().unwrap();
    let core = mcp_core::testing::core::<DemoApp>(dir.path(), "", &[("DEMO_API_KEY", "stdio-token")], NoFlags {}).await;
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(mcp_core::transport::serve_io(core.clone(), (server_read, server_write)));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    for v in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}),
    ] {
        client_write.write_all(format!("{v}\n").as_bytes()).await.unwrap();
    }
    let mut who = Value::Null;
    while who.is_null() {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap().unwrap();
        let reply: Value = serde_json::from_str(&line).unwrap();
        if reply["id"] == 2 {
            who = reply["result"].clone();
        }
    }
    assert_eq!(digest_of(&who), fingerprint("stdio-token"));
    drop(client_write);
    drop(lines);
    let _ = tokio::time::timeout(Duration::from_secs(5), serving).await;
}

#[tokio::test]
async fn the_mcp_token_never_reaches_the_upstream_and_the_users_credential_does() {
    let router = axum::Router::new().route("/items/{id}", axum::routing::get(|| async { "the item" }));
    let upstream = StandIn::start(router).await.unwrap();
    let yaml = format!("auth: bearer\ndemo:\n  url: {}\n  proxy: none\n", upstream.url());
    let s = start_with(&yaml, &[("MCP_AUTH_TOKENS", "librechat:mcp-key-1")]).await;
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", "Bearer mcp-key-1")
        .with_header("x-demo-token", "user-upstream-token");
    c.initialize().await.unwrap();
    let v = c.call_tool("fetch_upstream", json!({"path": "items/9"})).await.unwrap();
    assert_eq!(test_support::mcp_http::first_text(&v), "the item", "{v}");
    let seen = upstream.requests_to("/items/9");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("x-demo-token"), Some("user-upstream-token"));
    assert_eq!(seen[0].header("authorization"), None, "the MCP token went upstream");
    assert!(seen[0].headers.values().all(|v| !v.as_bytes().windows(9).any(|w| w == b"mcp-key-1")));
    assert_eq!(seen[0].header("user-agent"), Some("mcp-demo/9.9.9"));
}

#[test]
fn authorization_as_a_credential_header_is_refused_unless_auth_is_none() {
    use crate::common::BareApp as AuthHeaderApp;
    let dir = tempfile::tempdir().unwrap();
    let none = mcp_core::testing::load::<AuthHeaderApp>(dir.path(), "transport: http\n", &[], vec![]).unwrap();
    assert!(mcp_core::run::prepare::<AuthHeaderApp>(&none.config).is_ok());
    let bearer = mcp_core::testing::load::<AuthHeaderApp>(
        dir.path(),
        "transport: http\nauth: bearer\n",
        &[("MCP_AUTH_TOKENS", "a:b")],
        vec![],
    )
    .unwrap();
    let e = mcp_core::run::prepare::<AuthHeaderApp>(&bearer.config).err().expect("must refuse");
    assert_eq!(e.key, "auth");
    assert!(e.reason.contains("MCP token must never reach an upstream"), "{e}");
}
