//! Startup: `/api/info` and `/api/v1/me` in the background feed `/ready`; a slow or unreachable
//! Rocket.Chat never blocks `initialize`.

use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::mcp_http::McpHttp;
use test_support::rocketchat::RcVersion;
use test_support::standin::Fault;

use crate::common::{server_as, start, world};

async fn ready(base: &str) -> (u16, Value) {
    let r = test_support::mcp_http::client().get(format!("{base}/ready")).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Poll `/ready` until its HTTP status is `want` and it is no longer still checking.
async fn ready_within(base: &str, want: u16) -> Value {
    let t = Instant::now();
    loop {
        let (status, body) = ready(base).await;
        if status == want && body["status"] != "degraded" {
            return body;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "/ready stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn ready_names_the_version_and_the_user() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "readiness:\n  cache_secs: 0\n").await;
    let body = ready_within(&s.base, 200).await;
    assert_eq!(body["user"], "alice", "{body}");
    assert_eq!(body["version"], "7.10", "{body}");
    assert_eq!(w.rc.requests_to("/api/info").len(), 1);
    assert!(!w.rc.requests_to("/api/v1/me").is_empty());
}

#[tokio::test]
async fn a_revoked_token_makes_the_server_unavailable_with_a_reason() {
    let w = world(RcVersion::V7).await;
    let mut bad = w.alice.clone();
    bad.auth_token = "revoked".into();
    let s = server_as(&w, &bad, "readiness:\n  cache_secs: 0\n").await;
    let body = ready_within(&s.base, 503).await;
    assert!(body.to_string().contains("invalid or expired"), "{body}");
}

#[tokio::test]
async fn an_unreachable_or_hanging_rocketchat_never_blocks_initialize() {
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = vec![
        ("ROCKET_CHAT_URL".to_owned(), format!("http://127.0.0.1:{port}")),
        ("ROCKET_CHAT_USER_ID".to_owned(), "u".to_owned()),
        ("ROCKET_CHAT_AUTH_TOKEN".to_owned(), "t".to_owned()),
    ];
    let s = start(&env, "readiness:\n  cache_secs: 0\n").await;
    let t = Instant::now();
    McpHttp::new(&s.base).initialize().await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    let body = ready_within(&s.base, 503).await;
    assert!(body.to_string().contains("not reachable"), "{body}");

    let w = world(RcVersion::V7).await;
    w.rc.fault("/api/info", [Fault::Hang(Duration::from_secs(30))]);
    let s = server_as(&w, &w.alice, "").await;
    let t = Instant::now();
    McpHttp::new(&s.base).initialize().await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "initialize waited for Rocket.Chat");
}
