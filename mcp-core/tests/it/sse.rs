//! Legacy HTTP+SSE: endpoint event, 202 on POST, responses on the stream, 404, per-POST identity, cap.

use serde_json::json;
use test_support::mcp_http::{SseSession, client};

use crate::common::start_with;

#[tokio::test]
async fn session_round_trip_over_sse() {
    let s = start_with("", &[]).await;
    let mut sse = SseSession::open(&s.base, &[]).await.unwrap();
    assert!(sse.endpoint.starts_with("/messages?sessionId="), "{}", sse.endpoint);
    let init = sse.initialize().await.unwrap();
    assert_eq!(init["result"]["serverInfo"]["name"], "mcp-demo");
    let v = sse.request("tools/call", json!({"name": "echo", "arguments": {"text": "over sse"}}), &[]).await.unwrap();
    assert_eq!(v["result"]["content"][0]["text"], "over sse");
    assert!(s.core.metrics.encode().contains(r#"mcp_sessions_active{server="mcp-demo",transport="sse"} 1"#));
}

#[tokio::test]
async fn unknown_session_is_404_and_bad_json_is_400() {
    let s = start_with("", &[]).await;
    let r = client().post(format!("{}/messages?sessionId=nope", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = client().post(format!("{}/messages", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let sse = SseSession::open(&s.base, &[]).await.unwrap();
    let r = client().post(format!("{}{}", s.base, sse.endpoint)).body("{oops").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32700);
}

#[tokio::test]
async fn identity_is_taken_from_each_post_not_the_stream() {
    let s = start_with("auth: bearer\n", &[("MCP_AUTH_TOKENS", "lc:key-3")]).await;
    let auth = [("authorization", "Bearer key-3")];
    let mut sse = SseSession::open(&s.base, &auth).await.unwrap();
    sse.initialize().await.unwrap();
    let v = sse
        .request("tools/call", json!({"name": "whoami", "arguments": {}}), &[("x-user-role", "ADMIN")])
        .await
        .unwrap();
    assert_eq!(v["result"]["structuredContent"]["role"], "ADMIN");
    assert_eq!(v["result"]["structuredContent"]["transport"], "sse");
    let v = sse
        .request("tools/call", json!({"name": "whoami", "arguments": {}}), &[("x-user-role", "GUEST")])
        .await
        .unwrap();
    assert_eq!(v["result"]["structuredContent"]["role"], "GUEST");
    // a POST without the key is refused even though the stream was opened with it
    let r = client().post(format!("{}{}", s.base, sse.endpoint)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn sessions_are_capped_and_freed_when_the_stream_closes() {
    let s = start_with("max_sse_sessions: 1\n", &[]).await;
    let first = SseSession::open(&s.base, &[]).await.unwrap();
    let r = client().get(format!("{}/sse", s.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let endpoint = first.endpoint.clone();
    drop(first);
    // the server notices the closed stream; the slot frees up and the old session is gone
    let mut reopened = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Ok(sess) = SseSession::open(&s.base, &[]).await {
            reopened = Some(sess);
            break;
        }
    }
    assert!(reopened.is_some(), "slot was not freed after the stream closed");
    let r = client().post(format!("{}{endpoint}", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn shutdown_closes_open_streams_promptly() {
    let s = start_with("shutdown_timeout_secs: 30\n", &[]).await;
    let mut sse = SseSession::open(&s.base, &[]).await.unwrap();
    sse.initialize().await.unwrap();
    let started = std::time::Instant::now();
    s.begin_shutdown();
    // the idle stream ends right after the (empty) drain, not after the 30 s grace period
    let ended = loop {
        match sse.next_event().await {
            Ok(_) => continue,
            Err(e) => break e.to_string(),
        }
    };
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}: {ended}", started.elapsed());
}
