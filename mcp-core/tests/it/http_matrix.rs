//! The Streamable HTTP status-code matrix over real loopback HTTP: 200/202/400/404/405/403/413/401.

use serde_json::json;
use test_support::mcp_http::{McpHttp, client, result_of, tool_names};

use crate::common::start;

#[tokio::test]
async fn initialize_returns_a_session_and_notifications_get_202() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    let init = c.initialize().await.unwrap();
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-demo");
    assert_eq!(init["result"]["serverInfo"]["version"], "9.9.9");
    assert!(c.session.as_deref().is_some_and(|id| id.len() >= 16 && id.chars().all(|ch| ch.is_ascii_graphic())));
    let tools = c.list_tools().await.unwrap();
    assert!(tool_names(&tools).contains(&"echo".to_owned()));
}

#[tokio::test]
async fn bad_protocol_version_header_is_400() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {}}).to_string();
    let r = c.post_raw(body, &[("mcp-protocol-version", "1999-01-01")]).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn unknown_session_is_404_and_missing_session_is_400() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    c.session = Some("00000000000000000000000000000000".into());
    let r = c.request("tools/list", json!({})).await.unwrap();
    assert_eq!(r.status, 404, "{}", r.text);
    c.session = None;
    let r = c
        .post_raw(
            json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}).to_string(),
            &[("mcp-protocol-version", "2025-11-25")],
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn unsupported_methods_are_405() {
    let s = start("").await;
    let r = client().put(format!("{}/mcp", s.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = client().post(format!("{}/health", s.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn bad_origin_and_bad_host_are_403_and_absent_origin_is_fine() {
    let s = start("").await;
    let c = McpHttp::new(&s.base);
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}).to_string();
    let r = c.post_raw(init.clone(), &[("origin", "https://evil.example")]).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.text);
    let r = c.post_raw(init.clone(), &[("host", "evil.example")]).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.text);
    let r = c.post_raw(init.clone(), &[("origin", "http://localhost:6274")]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c.post_raw(init, &[]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    // SSE and the compat shim are guarded too
    let r = client().get(format!("{}/sse", s.base)).header("host", "evil.example").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r =
        client().get(format!("{}/mcp/tools", s.base)).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn configured_hosts_and_origins_are_accepted() {
    let s = start("allowed_hosts: [mcp.example.com]\nallowed_origins: [\"https://chat.example.com\"]\n").await;
    let c = McpHttp::new(&s.base);
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}).to_string();
    let r =
        c.post_raw(init.clone(), &[("host", "mcp.example.com"), ("origin", "https://chat.example.com")]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c.post_raw(init, &[]).await.unwrap();
    assert_eq!(r.status, 403, "loopback Host is no longer in the list: {}", r.text);
}

#[tokio::test]
async fn oversized_bodies_are_413_on_every_route() {
    let s = start("body_limit_bytes: 2048\n").await;
    let big = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#, "x".repeat(4096));
    let c = McpHttp::new(&s.base);
    // The unread rest of the body must not be read as a next request: the connection is closed.
    let closes = |h: &reqwest::header::HeaderMap| h.get("connection").and_then(|v| v.to_str().ok()) == Some("close");
    let r = c.post_raw(big.clone(), &[]).await.unwrap();
    assert_eq!(r.status, 413, "{}", r.text);
    assert!(closes(&r.headers), "{:?}", r.headers);
    for path in ["/mcp/call-tool", "/messages?sessionId=x"] {
        let r = client()
            .post(format!("{}{path}", s.base))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 413, "{path}");
        assert!(closes(r.headers()), "{path}: {:?}", r.headers());
    }
    // a chunked body without Content-Length is cut off as well
    let stream = futures::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024])));
    let r = client()
        .post(format!("{}/mcp/call-tool", s.base))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert!(closes(r.headers()), "{:?}", r.headers());
}

#[tokio::test]
async fn malformed_json_rpc_is_a_protocol_error_and_unknown_tools_too() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let r = c.post_raw("{not json", &[]).await.unwrap();
    assert_eq!(r.status, 400, "{}", r.text);
    let v = c.call_tool_raw("no_such_tool", json!({})).await.unwrap();
    assert_eq!(v["error"]["code"], -32602, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("no_such_tool"));
    // invalid arguments are a tool result with isError, naming the problem
    let v = c.call_tool("echo", json!({"txt": "typo"})).await.unwrap();
    assert_eq!(v["isError"], true);
    assert!(test_support::mcp_http::first_text(&v).contains("Invalid arguments for tool echo"), "{v}");
}

#[tokio::test]
async fn bearer_auth_401_with_challenge_and_success_with_key() {
    let s = crate::common::start_with("auth: bearer\n", &[("MCP_AUTH_TOKENS", "librechat:k-123456")]).await;
    let mut c = McpHttp::new(&s.base);
    let e = c.initialize().await.unwrap_err().to_string();
    assert!(e.contains("401"), "{e}");
    let r = client().post(format!("{}/mcp", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let mut wrong = McpHttp::new(&s.base).with_header("authorization", "Bearer nope");
    let e = wrong.initialize().await.unwrap_err().to_string();
    assert!(e.contains("401"), "a wrong key is refused with 401: {e}");
    let mut ok = McpHttp::new(&s.base).with_header("authorization", "Bearer k-123456");
    ok.initialize().await.unwrap();
    let who = ok.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["authenticated"], true);
    assert_eq!(who["structuredContent"]["id"], "librechat");
    // health and readiness need no auth and show no secret
    let r = client().get(format!("{}/health", s.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = client().get(format!("{}/ready", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("\"ready\"") && !body.contains("k-123456"), "{body}");
    let metrics = client().get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"mcp_auth_failures_total{server="mcp-demo",reason="missing"}"#), "{metrics}");
    assert!(metrics.contains(r#"mcp_build_info{server="mcp-demo",version="9.9.9"} 1"#));
    assert!(!metrics.contains("k-123456"));
}

#[tokio::test]
async fn stateless_mode_answers_json_without_sessions() {
    let s = start("stateless: true\n").await;
    let mut c = McpHttp::new(&s.base);
    let r = c
        .request(
            "initialize",
            json!({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.header("mcp-session-id").is_none(), "stateless must not create sessions");
    assert!(r.header("content-type").unwrap_or_default().starts_with("application/json"), "{:?}", r.headers);
    let r = c.request("tools/call", json!({"name": "echo", "arguments": {"text": "hi"}})).await.unwrap();
    assert_eq!(result_of(&r).unwrap()["content"][0]["text"], "hi");
    let r = client().get(format!("{}/mcp", s.base)).header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
}

#[tokio::test]
async fn tool_failures_are_is_error_results_never_crashes() {
    let s = start("request_timeout_secs: 1\n").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let v = c.call_tool("boom", json!({})).await.unwrap();
    assert_eq!(v["isError"], true);
    assert!(test_support::mcp_http::first_text(&v).contains("internal error"), "{v}");
    let v = c.call_tool("slow", json!({"millis": 3000})).await.unwrap();
    assert_eq!(v["isError"], true);
    assert!(test_support::mcp_http::first_text(&v).contains("timed out after 1s"), "{v}");
    // the server is still fine
    let v = c.call_tool("echo", json!({"text": "still here"})).await.unwrap();
    assert_eq!(v["structuredContent"]["echo"], "still here");
    let m = s.core.metrics.encode();
    assert!(m.contains(r#"mcp_tool_calls_total{server="mcp-demo",tool="slow",outcome="timeout"} 1"#), "{m}");
    assert!(m.contains(r#"mcp_tool_calls_total{server="mcp-demo",tool="boom",outcome="internal_error"} 1"#), "{m}");
}

/// `notifications/cancelled` ends a running call: it is counted and audited as `cancelled`
/// (not as an internal error, which operators alert on), long before the tool would finish.
#[tokio::test]
async fn a_call_the_client_cancels_ends_and_is_counted_as_cancelled() {
    let s = start("request_timeout_secs: 60\n").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let started = std::time::Instant::now();
    let call = {
        let c = c.clone();
        let body = json!({"jsonrpc": "2.0", "id": 77, "method": "tools/call",
            "params": {"name": "slow", "arguments": {"millis": 20000}}});
        tokio::spawn(async move { c.post_raw(serde_json::to_vec(&body).unwrap(), &[]).await })
    };
    let cancelled = r#"mcp_tool_calls_total{server="mcp-demo",tool="slow",outcome="cancelled"} 1"#;
    let mut sent = false;
    while !s.core.metrics.encode().contains(cancelled) {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{}", s.core.metrics.encode());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        // Cancel once the call is running (rmcp ignores a cancellation of an unknown request).
        if !sent && s.core.calls_in_flight() == 1 {
            let note = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": 77, "reason": "the user pressed stop"}});
            let r = c.post_raw(serde_json::to_vec(&note).unwrap(), &[]).await.unwrap();
            assert_eq!(r.status, 202, "{}", r.text);
            sent = true;
        }
    }
    let m = s.core.metrics.encode();
    assert!(!m.contains(r#"tool="slow",outcome="internal_error""#), "{m}");
    call.abort();
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_calls_finish_and_refuses_new_connections() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let mut slow = c.clone();
    let call = tokio::spawn(async move { slow.call_tool("slow", json!({"millis": 1500})).await });
    let started = std::time::Instant::now();
    while s.core.calls_in_flight() == 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the slow call never started");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    s.begin_shutdown();
    let result = call.await.unwrap().unwrap();
    assert_eq!(result["content"][0]["text"], "done", "the in-flight call completed: {result}");
    // The listener closes once the last call is answered; a slow host may take a moment.
    let closed = std::time::Instant::now();
    while client().get(format!("{}/health", s.base)).send().await.is_ok() {
        assert!(closed.elapsed() < std::time::Duration::from_secs(10), "new connections are still accepted");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn delete_ends_the_session() {
    let s = start("").await;
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    let id = c.session.clone().unwrap();
    let r = client()
        .delete(format!("{}/mcp", s.base))
        .header("mcp-session-id", &id)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = c.request("tools/list", json!({})).await.unwrap();
    assert_eq!(r.status, 404, "the deleted session is gone: {}", r.text);
}
