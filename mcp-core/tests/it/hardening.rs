//! Hardening: sessions owned by their credential, exclusive request ids, the session cap, slow
//! clients cut off, malformed bodies, JSON-RPC error codes, and caller values that cannot forge
//! log fields.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, PROTOCOL_VERSION, SseSession, client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{start, start_with};

const TWO_KEYS: &[(&str, &str)] = &[("MCP_AUTH_TOKENS", "alice:key-alice,bob:key-bob")];

async fn session_of(base: &str, key: &str) -> McpHttp {
    let mut c = McpHttp::new(base).with_header("authorization", &format!("Bearer {key}"));
    c.initialize().await.unwrap();
    c
}

#[tokio::test]
async fn a_streamable_session_answers_only_the_credential_that_opened_it() {
    let s = start_with("auth: bearer\n", TWO_KEYS).await;
    let mut alice = session_of(&s.base, "key-alice").await;
    let id = alice.session.clone().unwrap();
    // Bob, with a valid key of his own, presents Alice's session id.
    let mut bob = McpHttp::new(&s.base).with_header("authorization", "Bearer key-bob");
    bob.session = Some(id.clone());
    let r = bob.request("tools/list", json!({})).await.unwrap();
    assert_eq!(r.status, 404, "tools/list in another's session: {}", r.text);
    let r = bob.request("tools/call", json!({"name": "echo", "arguments": {"text": "intruder"}})).await.unwrap();
    assert_eq!(r.status, 404, "tools/call in another's session: {}", r.text);
    let r = bob.notify("notifications/initialized").await.unwrap();
    assert_eq!(r.status, 404, "notification into another's session: {}", r.text);
    let get = client()
        .get(format!("{}/mcp", s.base))
        .header("authorization", "Bearer key-bob")
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", PROTOCOL_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 404, "GET stream of another's session");
    let delete = client()
        .delete(format!("{}/mcp", s.base))
        .header("authorization", "Bearer key-bob")
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", PROTOCOL_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 404, "DELETE of another's session");
    // Alice's session is intact and still hers.
    let v = alice.call_tool("echo", json!({"text": "mine"})).await.unwrap();
    assert_eq!(v["structuredContent"]["echo"], "mine");
    let delete = client()
        .delete(format!("{}/mcp", s.base))
        .header("authorization", "Bearer key-alice")
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", PROTOCOL_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 200);
}

#[tokio::test]
async fn an_sse_session_accepts_posts_only_from_the_credential_that_opened_it() {
    let s = start_with("auth: bearer\n", TWO_KEYS).await;
    let mut alice = SseSession::open(&s.base, &[("authorization", "Bearer key-alice")]).await.unwrap();
    alice.initialize().await.unwrap();
    let call = json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "intruder"}}});
    let r = client()
        .post(format!("{}{}", s.base, alice.endpoint))
        .header("authorization", "Bearer key-bob")
        .header("content-type", "application/json")
        .body(call.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "POST into another's SSE session");
    // Nothing of Bob's reaches Alice's stream; her own calls still work.
    let v = alice.request("tools/call", json!({"name": "echo", "arguments": {"text": "mine"}}), &[]).await.unwrap();
    assert_eq!(v["result"]["content"][0]["text"], "mine", "{v}");
}

/// Start `slow` with JSON-RPC id 7 in `c`'s session and wait until it runs.
async fn slow_call_with_id_7(
    s: &crate::common::TestServer,
    c: &McpHttp,
) -> tokio::task::JoinHandle<anyhow::Result<test_support::mcp_http::Reply>> {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "slow", "arguments": {"millis": 1500}}});
    let first = {
        let c = c.clone();
        tokio::spawn(async move { c.post_raw(body.to_string(), &[]).await })
    };
    let started = Instant::now();
    while s.core.calls_in_flight() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the slow call never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first
}

#[tokio::test]
async fn a_reused_request_id_is_refused_while_the_first_is_in_flight_on_streamable_http() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let first = slow_call_with_id_7(&s, &c).await;
    let dup = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "second"}}});
    let r = c.post_raw(dup.to_string(), &[]).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.text);
    let v = r.json().unwrap();
    assert_eq!(v["error"]["code"], -32600, "{v}");
    assert_eq!(v["id"], 7, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("request id 7 is already in use"), "{v}");
    // The first caller gets its own result, not the refused one's.
    let first = first.await.unwrap().unwrap();
    let v = first.json().unwrap();
    assert_eq!(v["id"], 7);
    assert_eq!(v["result"]["content"][0]["text"], "done", "{v}");
    // Once answered, the id may be used again.
    let r = c.post_raw(dup.to_string(), &[]).await.unwrap();
    assert_eq!(r.json().unwrap()["result"]["content"][0]["text"], "second", "{}", r.text);
}

#[tokio::test]
async fn a_reused_request_id_is_refused_while_the_first_is_in_flight_on_sse() {
    let s = start("").await;
    let mut sse = SseSession::open(&s.base, &[]).await.unwrap();
    sse.initialize().await.unwrap();
    let slow = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "slow", "arguments": {"millis": 1000}}});
    assert_eq!(sse.post(&slow, &[]).await.unwrap().status, 202);
    let dup = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "second"}}});
    let r = sse.post(&dup, &[]).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.text);
    let v = r.json().unwrap();
    assert_eq!(v["error"]["code"], -32600, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("already in use"), "{v}");
    // Exactly one answer with id 7 arrives, the slow call's.
    let (_, data) = sse.next_event().await.unwrap();
    let v: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(v["id"], 7);
    assert_eq!(v["result"]["content"][0]["text"], "done", "{v}");
    // Then the id is free again.
    assert_eq!(sse.post(&dup, &[]).await.unwrap().status, 202);
    let (_, data) = sse.next_event().await.unwrap();
    let v: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(v["result"]["content"][0]["text"], "second", "{v}");
}

#[tokio::test]
async fn streamable_sessions_are_capped_and_a_deleted_one_frees_its_slot() {
    let s = start("max_streamable_sessions: 2\n").await;
    let first = session_of(&s.base, "unused").await;
    let _second = session_of(&s.base, "unused").await;
    let mut third = McpHttp::new(&s.base);
    let e = third.initialize().await.unwrap_err().to_string();
    assert!(e.contains("503") && e.contains("max_streamable_sessions"), "{e}");
    // A session-less request (2026-07-28 `server/discover`) opens no session: not refused by the cap.
    let discover = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}});
    let r = McpHttp::new(&s.base).post_raw(discover.to_string(), &[]).await.unwrap();
    assert_ne!(r.status, 503, "{}", r.text);
    let delete = client()
        .delete(format!("{}/mcp", s.base))
        .header("mcp-session-id", first.session.as_deref().unwrap())
        .header("mcp-protocol-version", PROTOCOL_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 200);
    third.initialize().await.unwrap();
}

#[test]
fn the_new_limits_are_configurable_and_validated() {
    let l = crate::common::load(
        "max_streamable_sessions: 7\n",
        &[("MCP_HEADER_READ_TIMEOUT_SECS", "3"), ("MCP_BODY_READ_TIMEOUT_SECS", "9")],
        vec![],
    )
    .unwrap();
    assert_eq!(l.config.core.max_streamable_sessions, 7);
    assert_eq!(l.config.core.header_read_timeout_secs, 3);
    assert_eq!(l.config.core.body_read_timeout_secs, 9);
    let defaults = crate::common::load("", &[], vec![]).unwrap();
    assert_eq!(defaults.config.core.max_streamable_sessions, 1024);
    assert_eq!(defaults.config.core.header_read_timeout_secs, 5);
    assert_eq!(defaults.config.core.body_read_timeout_secs, 30);
    for key in ["max_streamable_sessions", "header_read_timeout_secs", "body_read_timeout_secs"] {
        let e = crate::common::load(&format!("{key}: 0\n"), &[], vec![]).unwrap_err();
        assert_eq!(e.key, key, "{e}");
    }
}

fn addr_of(base: &str) -> String {
    base.trim_start_matches("http://").to_owned()
}

/// Read until the server closes the connection (or `limit` passes); what it sent.
async fn read_until_closed(tcp: &mut tokio::net::TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(buf.get(..n).unwrap_or_default()),
        }
    }
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let s = start("header_read_timeout_secs: 1\n").await;
    let mut tcp = tokio::net::TcpStream::connect(addr_of(&s.base)).await.unwrap();
    tcp.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let started = Instant::now();
    let trickle = async {
        for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if tcp.write_all(&[*b]).await.is_err() {
                return;
            }
        }
    };
    trickle.await;
    let closed = read_until_closed(&mut tcp, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection is still open after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_408() {
    let s = start("body_read_timeout_secs: 1\n").await;
    let mut tcp = tokio::net::TcpStream::connect(addr_of(&s.base)).await.unwrap();
    let head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                Accept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n{";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut read, mut write) = tcp.split();
    let trickle = async {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if write.write_all(b" ").await.is_err() {
                return;
            }
        }
    };
    let mut answer = Vec::new();
    let reading = async {
        let mut buf = [0u8; 1024];
        while let Ok(n) = read.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(buf.get(..n).unwrap_or_default());
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    tokio::select! {
        () = reading => {}
        () = async { trickle.await; tokio::time::sleep(Duration::from_secs(5)).await } => {}
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "after {:?}: {answer}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_malformed_chunked_body_is_400() {
    let s = start("").await;
    for path in ["/mcp", "/mcp/call-tool", "/messages?sessionId=x"] {
        let mut tcp = tokio::net::TcpStream::connect(addr_of(&s.base)).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n\
             zz-not-hex\r\n{{}}\r\n0\r\n\r\n"
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let answer = read_until_closed(&mut tcp, Duration::from_secs(5)).await.unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
    }
}

#[tokio::test]
async fn json_rpc_error_codes_follow_the_spec() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    // JSON, but not a JSON-RPC message: invalid request, not a parse error.
    for body in [json!({"jsonrpc": "2.0", "id": 5, "params": {}}), json!([1, 2]), json!({"id": 5, "method": 3})] {
        let r = c.post_raw(body.to_string(), &[]).await.unwrap();
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.json().unwrap()["error"]["code"], -32600, "{body}: {}", r.text);
    }
    let r = c.post_raw("{not json", &[]).await.unwrap();
    assert_eq!(r.json().unwrap()["error"]["code"], -32700, "{}", r.text);
    // tools/call without a name: invalid params, not method not found.
    let r = c.request("tools/call", json!({"arguments": {}})).await.unwrap();
    let v = r.json().unwrap();
    assert_eq!(v["error"]["code"], -32602, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("params.name"), "{v}");
    // The same over SSE.
    let mut sse = SseSession::open(&s.base, &[]).await.unwrap();
    sse.initialize().await.unwrap();
    let v = sse.request("tools/call", json!({"arguments": {}}), &[]).await.unwrap();
    assert_eq!(v["error"]["code"], -32602, "{v}");
    let r = sse.post(&json!({"jsonrpc": "2.0", "id": 3}), &[]).await.unwrap();
    assert_eq!(r.json().unwrap()["error"]["code"], -32600, "{}", r.text);
}

#[tokio::test]
async fn unknown_tool_names_are_bounded_and_escaped_in_the_error() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let v = c.call_tool_raw("evil\nrole=ADMIN", json!({})).await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(!message.contains('\n'), "{message:?}");
    assert!(message.contains(r#""evil\nrole=ADMIN""#), "{message:?}");
    let v = c.call_tool_raw(&"x".repeat(5000), json!({})).await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.len() < 300, "{} bytes", message.len());
}

#[tokio::test]
async fn stdio_lines_over_the_limit_get_an_error_reply() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let core = mcp_core::testing::core::<crate::common::DemoApp>(
        dir.path(),
        "body_limit_bytes: 2048\n",
        &[],
        mcp_core::NoFlags {},
    )
    .await;
    let (client_end, server) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(mcp_core::transport::serve_io(core, (server_read, server_write)));
    let (client_read, mut client_write) = tokio::io::split(client_end);
    let mut lines = BufReader::new(client_read).lines();
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    client_write.write_all(format!("{init}\n").as_bytes()).await.unwrap();
    async fn next(lines: &mut tokio::io::Lines<BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>>) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap().unwrap();
        serde_json::from_str::<Value>(&line).unwrap()
    }
    assert_eq!(next(&mut lines).await["id"], 1);
    client_write.write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n").await.unwrap();
    let big = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text": "x".repeat(5000)}}});
    client_write.write_all(format!("{big}\n").as_bytes()).await.unwrap();
    let v = next(&mut lines).await;
    assert_eq!(v["error"]["code"], -32600, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("2048"), "{v}");
    // The session carries on; a JSON line that is no message is answered too.
    client_write.write_all(b"{\"jsonrpc\":\"2.0\",\"id\":3}\n").await.unwrap();
    assert_eq!(next(&mut lines).await["error"]["code"], -32600);
    let ok = json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"text":"fits"}}});
    client_write.write_all(format!("{ok}\n").as_bytes()).await.unwrap();
    let v = next(&mut lines).await;
    assert_eq!(v["id"], 4);
    assert_eq!(v["result"]["content"][0]["text"], "fits", "{v}");
    drop(client_write);
    drop(lines);
    tokio::time::timeout(Duration::from_secs(10), serving).await.unwrap().unwrap().unwrap();
}

/// Log lines written while the server runs on this (current-thread) runtime.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn caller_supplied_values_cannot_forge_fields_in_text_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let s = start_with("auth: bearer\n", &[("MCP_AUTH_TOKENS", "lc:key-1")]).await;
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", "Bearer key-1")
        .with_header("x-user-email", "eve@x.com role=ADMIN")
        .with_header("x-user-role", "GUEST");
    c.initialize().await.unwrap();
    let v = c.call_tool("echo", json!({"text": "hi"})).await.unwrap();
    assert_eq!(v["structuredContent"]["echo"], "hi");
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let audit =
        logs.lines().find(|l| l.contains("audit") && l.contains("tool call")).unwrap_or_else(|| panic!("{logs}"));
    assert!(audit.contains(r#"caller="eve@x.com role=ADMIN""#), "{audit}");
    assert!(audit.contains("role=GUEST"), "{audit}");
    assert!(!audit.contains("role=ADMIN role=GUEST"), "a forged field: {audit}");
}
