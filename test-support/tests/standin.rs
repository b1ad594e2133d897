//! The generic stand-in, driven by a real reqwest client over loopback.
#![allow(clippy::unwrap_used)]

use std::error::Error as _;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use test_support::jwks::http_client;
use test_support::standin::{Fault, StandIn};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// `GET /hello` answers "hello"; `POST /echo` answers the body it got; `GET /items` answers JSON.
fn router() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route("/echo", post(|body: String| async move { body }))
        .route("/items", get(|| async { axum::Json(json!({"items": [1, 2]})) }).post(|| async { "created" }))
}

async fn start() -> StandIn {
    StandIn::start(router()).await.unwrap()
}

/// True if some error in the chain is hyper's "connection closed before the message completed".
fn closed_early(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_closed())
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[tokio::test]
async fn records_method_path_query_headers_and_body() {
    let upstream = start().await;
    assert!(upstream.url().starts_with("http://127.0.0.1:"));
    assert!(!upstream.url().ends_with('/'));
    assert_eq!(upstream.url(), format!("http://{}", upstream.addr()));
    let http = http_client();

    let resp = http
        .post(format!("{}/echo?roomId=a%2Fb&text=hi+there", upstream.url()))
        .header("x-auth-token", "tok-1")
        .json(&json!({"msg": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"msg":"hi"}"#, "the router saw the body too");
    http.get(format!("{}/hello", upstream.url())).send().await.unwrap();

    let all = upstream.requests();
    assert_eq!(all.len(), 2);
    let r = &all[0];
    assert_eq!(r.method, Method::POST);
    assert_eq!(r.path, "/echo");
    assert_eq!(r.query.as_deref(), Some("roomId=a%2Fb&text=hi+there"));
    assert_eq!(r.query_pairs(), vec![("roomId".into(), "a/b".into()), ("text".into(), "hi there".into())]);
    assert_eq!(r.header("x-auth-token"), Some("tok-1"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), Some(json!({"msg": "hi"})));
    assert_eq!(all[1].method, Method::GET);
    assert_eq!(all[1].query, None);
    assert!(all[1].body.is_empty());

    assert_eq!(upstream.requests_to("/echo").len(), 1);
    assert_eq!(upstream.requests_to("/hello").len(), 1);
    assert!(upstream.requests_to("/ech").is_empty(), "exact path match");
    upstream.clear_requests();
    assert!(upstream.requests().is_empty());
}

#[tokio::test]
async fn scripted_statuses_come_first_then_the_router() {
    let upstream = start().await;
    upstream.fault(
        "/hello",
        [
            Fault::status(429)
                .with_header("retry-after", "1")
                .with_header("x-ratelimit-remaining", "0")
                .with_body("slow down"),
            Fault::json(503, json!({"success": false})),
        ],
    );
    let http = http_client();
    let url = format!("{}/hello", upstream.url());

    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()["retry-after"], "1");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(first.text().await.unwrap(), "slow down");

    let second = http.get(&url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(second.headers()["content-type"], "application/json");
    assert_eq!(second.json::<Value>().await.unwrap(), json!({"success": false}));

    let third = http.get(&url).send().await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    assert_eq!(third.text().await.unwrap(), "hello");
    assert_eq!(upstream.requests_to("/hello").len(), 3, "faulted requests are recorded too");
}

#[tokio::test]
async fn method_specific_faults_leave_other_methods_and_paths_alone() {
    let upstream = start().await;
    upstream.fault_on(Method::POST, "/items", [Fault::status(409)]);
    let http = http_client();
    let url = format!("{}/items", upstream.url());

    assert_eq!(http.get(&url).send().await.unwrap().status(), 200, "GET is not faulted");
    assert_eq!(http.get(format!("{}/hello", upstream.url())).send().await.unwrap().status(), 200);
    assert_eq!(http.post(&url).send().await.unwrap().status(), 409);
    let again = http.post(&url).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), "created");

    upstream.fault_on(Method::POST, "/items", [Fault::status(500)]);
    upstream.fault("/items", [Fault::status(502), Fault::status(502)]);
    assert_eq!(http.post(&url).send().await.unwrap().status(), 500, "the method's queue first");
    assert_eq!(http.post(&url).send().await.unwrap().status(), 502);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 502, "any method");
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);

    upstream.fault("/items", [Fault::status(500)]);
    upstream.clear_faults();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200, "cleared");
}

#[tokio::test]
async fn delay_then_the_router_answers_without_blocking_others() {
    let upstream = start().await;
    upstream.fault("/hello", [Fault::Delay(Duration::from_millis(400))]);
    let http = http_client();
    let slow_url = format!("{}/hello", upstream.url());
    let started = Instant::now();
    let slow = tokio::spawn({
        let http = http.clone();
        async move { http.get(slow_url).send().await.unwrap().text().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fast = http.get(format!("{}/items", upstream.url())).send().await.unwrap();
    assert_eq!(fast.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(400), "another request is not held up");
    assert_eq!(slow.await.unwrap(), "hello");
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
}

#[tokio::test]
async fn reset_closes_the_connection_without_a_response() {
    let upstream = start().await;
    upstream.fault("/hello", [Fault::Reset]);
    let http = http_client();
    let url = format!("{}/hello", upstream.url());
    let err = http.get(&url).send().await.expect_err("no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert!(closed_early(&err), "a connection error: {err:?}");
    assert_eq!(http.get(&url).send().await.unwrap().text().await.unwrap(), "hello", "next one is served");
    assert_eq!(upstream.requests_to("/hello").len(), 2);
}

#[tokio::test]
async fn truncated_body_fails_the_read() {
    let upstream = start().await;
    upstream.fault(
        "/items",
        [
            Fault::Truncate { status: StatusCode::OK, declared: 100, body: b"{\"items\": [".to_vec() },
            Fault::Truncate { status: StatusCode::OK, declared: 100, body: b"{\"items\": [".to_vec() },
        ],
    );
    let http = http_client();
    let url = format!("{}/items", upstream.url());

    let mut resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-length"], "100");
    let mut got = Vec::new();
    let err = loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => got.extend_from_slice(&chunk),
            Ok(None) => panic!("body ended cleanly after {got:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, b"{\"items\": [", "the partial body arrives before the failure");
    assert!(err.is_body() || err.is_decode(), "{err:?}");

    let resp = http.get(&url).send().await.unwrap();
    assert!(resp.json::<Value>().await.is_err(), "a JSON read fails");
    assert_eq!(http.get(&url).send().await.unwrap().json::<Value>().await.unwrap(), json!({"items": [1, 2]}));
}

#[tokio::test]
async fn hang_waits_then_drops_the_connection() {
    let upstream = start().await;
    upstream.fault("/hello", [Fault::Hang(Duration::from_millis(400)), Fault::Hang(Duration::from_secs(30))]);
    let http = http_client();
    let url = format!("{}/hello", upstream.url());

    let started = Instant::now();
    let err = http.get(&url).send().await.expect_err("no response");
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
    assert!(closed_early(&err), "{err:?}");

    // A client timeout fires first against a long hang.
    let err = http.get(&url).timeout(Duration::from_millis(200)).send().await.expect_err("timeout");
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn connections_are_kept_alive() {
    let upstream = start().await;
    let mut conn = tokio::net::TcpStream::connect(upstream.addr()).await.unwrap();
    let request = b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n";
    for _ in 0..2 {
        conn.write_all(request).await.unwrap();
        let mut buf = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await.unwrap().unwrap();
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        assert!(text.ends_with("hello"), "{text}");
    }
    assert_eq!(upstream.requests_to("/hello").len(), 2);
}

/// Whether a fresh connection to `addr` can still get a response (it must not).
async fn still_answers(addr: std::net::SocketAddr) -> bool {
    let Ok(mut conn) = tokio::net::TcpStream::connect(addr).await else { return false };
    if conn.write_all(b"GET /hello HTTP/1.1\r\nhost: x\r\n\r\n").await.is_err() {
        return false;
    }
    let mut buf = vec![0u8; 64];
    matches!(tokio::time::timeout(Duration::from_secs(2), conn.read(&mut buf)).await, Ok(Ok(n)) if n > 0)
}

#[tokio::test]
async fn drop_stops_serving() {
    let upstream = start().await;
    let addr = upstream.addr();
    let url = format!("{}/hello", upstream.url());
    let http = http_client();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200, "pooled connection open");
    assert!(still_answers(addr).await);

    drop(upstream);
    assert!(http.get(&url).send().await.is_err(), "the pooled connection is closed too");
    assert!(http_client().get(&url).send().await.is_err(), "a new client cannot connect");
    assert!(!still_answers(addr).await);
}

#[tokio::test]
async fn shutdown_closes_the_port_and_aborts_hung_requests() {
    let upstream = start().await;
    let addr = upstream.addr();
    upstream.fault("/hello", [Fault::Hang(Duration::from_secs(60))]);
    let url = format!("{}/hello", upstream.url());
    let hung = tokio::spawn(async move { http_client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;

    upstream.shutdown().await;
    let err = tokio::net::TcpStream::connect(addr).await.expect_err("port closed");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    let outcome = tokio::time::timeout(Duration::from_secs(5), hung).await.expect("hung request ends").unwrap();
    assert!(outcome.is_err());
}
