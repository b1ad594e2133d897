//! The upstream client against a real loopback stand-in: retries only where repeating is
//! harmless, waits that fit the call's deadline, capped bodies, typed errors, metrics by route
//! template, secrets kept out of errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use mcp_core::telemetry::Metrics;
use mcp_core::upstream::{RateLimitReset, Upstream, UpstreamConfig, UpstreamName};
use mcp_core::{Caller, Secret, ToolContext, ToolError};
use test_support::standin::{Fault, StandIn};

const NAME: UpstreamName = UpstreamName { label: "chat", display: "Chat" };

async fn standin() -> StandIn {
    let router = Router::new()
        .route("/api/items/{id}", get(|| async { "item" }))
        .route("/api/post", post(|| async { "posted" }))
        .route("/api/big", get(|| async { "x".repeat(4096) }));
    StandIn::start(router).await.unwrap()
}

fn upstream(s: &StandIn, tweak: impl FnOnce(&mut UpstreamConfig)) -> (Upstream, Arc<Metrics>) {
    let mut config = UpstreamConfig::with_url(format!("{}/api", s.url()));
    config.proxy = Some(Secret::new("none"));
    tweak(&mut config);
    let metrics = Arc::new(Metrics::new("mcp-demo", "9.9.9"));
    (Upstream::new(NAME, "demo", &config, "mcp-demo/9.9.9", metrics.clone()).unwrap(), metrics)
}

fn ctx(within: Duration) -> ToolContext {
    ToolContext::for_caller(Arc::new(Caller::default())).with_deadline(tokio::time::Instant::now() + within)
}

#[tokio::test]
async fn a_get_is_retried_through_503s_and_labelled_by_its_route_template() {
    let s = standin().await;
    let (up, metrics) = upstream(&s, |_| {});
    s.fault("/api/items/42", [Fault::status(503), Fault::status(502)]);
    let answer = up.get("items/{id}").path("items/42").send(&ctx(Duration::from_secs(20))).await.unwrap();
    assert_eq!(answer.text(), "item");
    assert_eq!(s.requests_to("/api/items/42").len(), 3);
    let text = metrics.encode();
    for needle in [
        r#"mcp_upstream_requests_total{server="mcp-demo",upstream="chat",endpoint="items/{id}",status="503"} 1"#,
        r#"mcp_upstream_requests_total{server="mcp-demo",upstream="chat",endpoint="items/{id}",status="200"} 1"#,
        r#"mcp_upstream_retries_total{server="mcp-demo",upstream="chat",reason="status_503"} 1"#,
        r#"mcp_upstream_retries_total{server="mcp-demo",upstream="chat",reason="status_502"} 1"#,
    ] {
        assert!(text.contains(needle), "missing {needle}\n{text}");
    }
    assert!(!text.contains("items/42"), "a metric label carries an id:\n{text}");
    let r = &s.requests_to("/api/items/42")[0];
    assert_eq!(r.header("user-agent"), Some("mcp-demo/9.9.9"));
}

#[tokio::test]
async fn a_post_is_never_repeated_after_it_may_have_landed() {
    let s = standin().await;
    let (up, _) = upstream(&s, |_| {});
    s.fault("/api/post", [Fault::status(503)]);
    let answer = up
        .post("post")
        .json(&serde_json::json!({"text": "hi"}))
        .unwrap()
        .send(&ctx(Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(answer.status.as_u16(), 503, "the 503 is the answer; no second send");
    let e = answer.error_for_status(None).unwrap_err();
    assert!(matches!(e, ToolError::Unavailable(_)), "{e:?}");
    assert_eq!(s.requests_to("/api/post").len(), 1);

    // A connection lost mid-request is not repeated either, and the message says it may have landed.
    s.fault("/api/post", [Fault::Reset]);
    let e =
        up.post("post").json(&serde_json::json!({})).unwrap().send(&ctx(Duration::from_secs(20))).await.unwrap_err();
    assert!(e.to_string().contains("may or may not have been applied"), "{e}");
    assert_eq!(s.requests_to("/api/post").len(), 2);

    // Marked idempotent, the same POST is retried.
    s.fault("/api/post", [Fault::status(503)]);
    let answer = up
        .post("post")
        .idempotent(true)
        .json(&serde_json::json!({}))
        .unwrap()
        .send(&ctx(Duration::from_secs(20)))
        .await
        .unwrap();
    assert_eq!(answer.text(), "posted");
    assert_eq!(s.requests_to("/api/post").len(), 4);
}

#[tokio::test]
async fn a_429_waits_for_the_reset_when_it_fits_and_says_when_to_retry_when_not() {
    let s = standin().await;
    let (up, metrics) = upstream(&s, |_| {});
    let up = up.with_rate_limit_reset(RateLimitReset::EpochMillis("x-ratelimit-reset"));
    let reset =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_millis(700);
    s.fault("/api/items/1", [Fault::status(429).with_header("x-ratelimit-reset", &reset.as_millis().to_string())]);
    let started = Instant::now();
    let answer = up.get("items/{id}").path("items/1").send(&ctx(Duration::from_secs(20))).await.unwrap();
    assert_eq!(answer.text(), "item");
    assert!(started.elapsed() >= Duration::from_millis(500), "waited for the reset: {:?}", started.elapsed());
    assert!(metrics.encode().contains(r#"reason="rate_limited"} 1"#));

    // A reset beyond the call's time: no wait, one request, and the error says when.
    s.fault("/api/items/2", [Fault::status(429).with_header("retry-after", "120")]);
    let started = Instant::now();
    let e = up.get("items/{id}").path("items/2").send(&ctx(Duration::from_secs(5))).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    match &e {
        ToolError::RateLimited { retry_after, message } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(120)));
            assert!(message.contains("retry in 120s"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.outcome(), "rate_limited");
    assert_eq!(s.requests_to("/api/items/2").len(), 1);
}

#[tokio::test]
async fn retries_stop_at_the_calls_deadline_and_at_cancellation() {
    let s = standin().await;
    let (up, _) = upstream(&s, |c| c.max_retries = 10);
    s.fault("/api/items/3", (0..50).map(|_| Fault::status(503)));
    let started = Instant::now();
    let answer = up.get("items/{id}").path("items/3").send(&ctx(Duration::from_millis(1500))).await.unwrap();
    assert_eq!(answer.status.as_u16(), 503);
    assert!(started.elapsed() < Duration::from_millis(1600), "ran past the deadline: {:?}", started.elapsed());

    s.fault("/api/items/4", [Fault::Hang(Duration::from_secs(30))]);
    let context = ctx(Duration::from_secs(60));
    let cancel = context.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let e = up.get("items/{id}").path("items/4").send(&context).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(e.to_string().contains("cancelled"), "{e}");
}

#[tokio::test]
async fn an_attempt_timeout_is_retried_for_reads_only() {
    let s = standin().await;
    let (up, metrics) = upstream(&s, |c| c.request_timeout_secs = 1);
    s.fault("/api/items/5", [Fault::Delay(Duration::from_secs(3))]);
    let answer = up.get("items/{id}").path("items/5").send(&ctx(Duration::from_secs(20))).await.unwrap();
    assert_eq!(answer.text(), "item");
    assert!(metrics.encode().contains(r#"reason="timeout"} 1"#));

    s.fault("/api/post", [Fault::Delay(Duration::from_secs(3))]);
    let e = up.post("post").send(&ctx(Duration::from_secs(20))).await.unwrap_err();
    assert!(matches!(e, ToolError::Timeout(_)), "{e:?}");
    assert!(e.to_string().contains("may or may not have been applied"), "{e}");
    assert_eq!(s.requests_to("/api/post").len(), 1);
}

#[tokio::test]
async fn bodies_are_capped_and_a_truncated_read_is_retried() {
    let s = standin().await;
    let (up, _) = upstream(&s, |c| c.max_response_bytes = 1024);
    let e = up.get("big").send(&ctx(Duration::from_secs(20))).await.unwrap_err();
    assert!(e.to_string().contains("more than 1024 bytes"), "{e}");
    assert_eq!(s.requests_to("/api/big").len(), 1, "an oversized answer is not asked again");

    s.fault(
        "/api/items/6",
        [Fault::Truncate { status: http::StatusCode::OK, declared: 100, body: b"partial".to_vec() }],
    );
    let answer = up.get("items/{id}").path("items/6").send(&ctx(Duration::from_secs(20))).await.unwrap();
    assert_eq!(answer.text(), "item");
    assert_eq!(s.requests_to("/api/items/6").len(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_named_without_the_url() {
    let s = standin().await;
    let (up, metrics) = upstream(&s, |c| c.max_retries = 2);
    s.shutdown().await;
    let e = up
        .post("post")
        .query("token", "query-secret")
        .secret_header("x-auth-token", &Secret::new("header-secret"))
        .send(&ctx(Duration::from_secs(20)))
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, ToolError::Unavailable(_)), "{e:?}");
    assert!(text.contains("cannot connect to Chat at 127.0.0.1:"), "{text}");
    assert!(!text.contains("secret") && !text.contains("/api"), "{text}");
    let m = metrics.encode();
    assert!(m.contains(r#"mcp_upstream_retries_total{server="mcp-demo",upstream="chat",reason="connect"} 2"#), "{m}");
    assert!(!m.contains("secret"));
}

#[tokio::test]
async fn each_attempt_runs_the_hook_again_and_paths_cannot_leave_the_base() {
    let s = standin().await;
    let (up, _) = upstream(&s, |_| {});
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    s.fault("/api/items/7", [Fault::status(503)]);
    up.get("items/{id}")
        .path("items/7")
        .on_each_attempt(Arc::new(move |req: &mut reqwest::Request| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            req.headers_mut().insert("x-attempt", n.to_string().parse().unwrap());
            Ok(())
        }))
        .send(&ctx(Duration::from_secs(20)))
        .await
        .unwrap();
    let seen: Vec<_> =
        s.requests_to("/api/items/7").iter().map(|r| r.header("x-attempt").unwrap().to_owned()).collect();
    assert_eq!(seen, ["1", "2"], "signed again on each attempt");

    for path in ["../../etc/passwd", "items/../../x", "http://evil.example.com/x"] {
        let e = up.get("items/{id}").path(path).send(&ctx(Duration::from_secs(5))).await.unwrap_err();
        assert!(matches!(e, ToolError::InvalidArguments(_)), "{path}: {e:?}");
    }
    // A scheme-relative path stays below the base URL too.
    let answer = up.get("items/{id}").path("//evil.example.com/x").send(&ctx(Duration::from_secs(5))).await.unwrap();
    assert_eq!(answer.status.as_u16(), 404);
    assert!(s.requests().iter().all(|r| r.path.starts_with("/api/")), "{:?}", s.requests());
}

#[test]
fn a_bad_config_names_its_key() {
    let metrics = Arc::new(Metrics::new("mcp-demo", "9.9.9"));
    let e = Upstream::new(NAME, "demo", &UpstreamConfig::with_url("not a url"), "ua", metrics.clone()).unwrap_err();
    assert_eq!(e.key, "demo.url");
    let mut c = UpstreamConfig::with_url("https://chat.example.com");
    c.ca_file = Some("/nonexistent.pem".into());
    assert_eq!(Upstream::new(NAME, "demo", &c, "ua", metrics).unwrap_err().key, "demo.ca_file");
}
