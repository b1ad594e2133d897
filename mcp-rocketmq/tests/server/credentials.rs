//! Credentials: the server's own (`credential: env`) or each request's (`credential: token`),
//! never mixed between callers, never the MCP token, missing ones an error.

use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, SseSession};

use crate::common::{
    ALICE, BOB, alice_env, assert_error, assert_ok, bearer, bearer_of, client, server, signer_of, volc, yaml,
};

/// Each recorded GetInspectConfig request was signed by the caller its InstanceId names.
fn assert_each_signed_by_its_caller(v: &test_support::volcengine::VolcengineStandIn, expected: usize) {
    let calls = v.calls("GetInspectConfig");
    assert_eq!(calls.len(), expected);
    for r in calls {
        let instance = r.json().unwrap()["InstanceId"].as_str().unwrap().to_owned();
        let want = if instance.ends_with("alice") { ALICE } else { BOB };
        assert_eq!(signer_of(&r), want.0, "{instance}");
        assert_eq!(r.header("x-security-token"), want.2, "{instance}");
    }
    assert!(v.handled().iter().all(|h| h.status == 200), "{:?}", v.handled());
}

fn inspect(who: &str) -> Value {
    json!({"InstanceId": format!("rocketmq-{who}")})
}

async fn two_callers_on_streamable_http(extra: &str) {
    let v = volc().await;
    let s = server(&yaml(&v, extra, &["credential: token"]), &[]).await;
    let mut alice = client(&s, &[("authorization", &bearer(ALICE))]).await;
    let mut bob = client(&s, &[("authorization", &bearer(BOB))]).await;
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            alice.call_tool("GetInspectConfig", inspect("alice")),
            bob.call_tool("GetInspectConfig", inspect("bob"))
        );
        assert_ok(&a.unwrap());
        assert_ok(&b.unwrap());
    }
    assert_each_signed_by_its_caller(&v, 6);
    // A request without the header has no credentials, even in a session that had some.
    alice.set_header("authorization", "");
    let r = alice.call_tool("GetInspectConfig", inspect("alice")).await.unwrap();
    assert_error(&r, &["no Volcengine credentials on this request", "Authorization: Bearer"]);
    assert_eq!(v.calls("GetInspectConfig").len(), 6, "nothing sent without credentials");
}

#[tokio::test]
async fn two_callers_at_once_on_streamable_http_each_sign_with_their_own() {
    two_callers_on_streamable_http("").await;
    two_callers_on_streamable_http("stateless: true\n").await;
}

#[tokio::test]
async fn on_sse_each_post_brings_its_own_credentials() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &["credential: token"]), &[]).await;
    // The existing server bound credentials to the stream; here every POST carries its own.
    let mut alice = SseSession::open(&s.base, &[]).await.unwrap();
    let mut bob = SseSession::open(&s.base, &[]).await.unwrap();
    alice.initialize().await.unwrap();
    bob.initialize().await.unwrap();
    let call = |who: &str| json!({"name": "GetInspectConfig", "arguments": inspect(who)});
    let (ta, tb) = (bearer(ALICE), bearer(BOB));
    let with_alice = [("authorization", ta.as_str())];
    let with_bob = [("authorization", tb.as_str())];
    for _ in 0..2 {
        let (a, b) = tokio::join!(
            alice.request("tools/call", call("alice"), &with_alice),
            bob.request("tools/call", call("bob"), &with_bob)
        );
        assert_ok(&a.unwrap()["result"]);
        assert_ok(&b.unwrap()["result"]);
    }
    assert_each_signed_by_its_caller(&v, 4);
    // Alice's stream, Bob's POST: Bob's keys sign it.
    let r = alice.request("tools/call", call("bob"), &with_bob).await.unwrap();
    assert_ok(&r["result"]);
    // A POST without the header on a stream opened without one: an error, nothing sent.
    let r = bob.request("tools/call", call("bob"), &[]).await.unwrap();
    assert_error(&r["result"], &["no Volcengine credentials"]);
    assert_each_signed_by_its_caller(&v, 5);
}

#[tokio::test]
async fn token_mode_errors_are_clear_and_nothing_is_sent() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &["credential: token"]), &[]).await;
    let full = json!({"AccessKeyId": ALICE.0, "SecretAccessKey": ALICE.1});
    let cases: Vec<(String, &str)> = vec![
        (bearer(ALICE).replacen("Bearer", "Basic", 1), "scheme `Basic`"),
        ("Bearer !!!not-base64!!!".into(), "not valid base64"),
        (bearer_of(&json!({"AccessKeyId": ALICE.0})), "has no SecretAccessKey"),
        (bearer_of(&json!({"AccessKeyId": ALICE.0, "SecretAccessKey": ""})), "SecretAccessKey is empty"),
        (bearer_of(&json!({"SecretAccessKey": ALICE.1})), "has no AccessKeyId"),
        (
            bearer_of(
                &json!({"AccessKeyId": ALICE.0, "SecretAccessKey": ALICE.1, "ExpiredTime": "2020-01-01T00:00:00Z"}),
            ),
            "expired at 2020-01-01T00:00:00Z",
        ),
        (bearer_of(&json!([1, 2])), "JSON object"),
        (format!("Bearer {}", &bearer_of(&full)[7..].trim_end_matches('=')), ""),
    ];
    for (header, needle) in cases {
        let mut c = McpHttp::new(&s.base).with_header("authorization", &header);
        c.initialize().await.unwrap();
        let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
        if needle.is_empty() {
            assert_ok(&r); // padding is optional
            continue;
        }
        let t = assert_error(&r, &["Authorization header was refused", needle]);
        assert!(!t.contains(ALICE.1), "the secret must not be echoed: {t}");
    }
    assert_eq!(v.calls("DescribeRegions").len(), 1, "only the valid token reached the upstream");
}

#[tokio::test]
async fn an_unexpired_sts_token_is_used() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &["credential: token"]), &[]).await;
    let future = (chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    let t = bearer_of(
        &json!({"AccessKeyId": BOB.0, "SecretAccessKey": BOB.1, "SessionToken": BOB.2, "ExpiredTime": future}),
    );
    let mut c = client(&s, &[("authorization", &t)]).await;
    assert_ok(&c.call_tool("DescribeRegions", json!({})).await.unwrap());
    assert_eq!(v.calls("DescribeRegions")[0].header("x-security-token"), BOB.2);
}

#[tokio::test]
async fn missing_env_credentials_are_an_error_and_ready_says_degraded() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &[("VOLCENGINE_ACCESS_KEY", ALICE.0)]).await;
    let mut c = client(&s, &[]).await;
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    assert_error(&r, &["no Volcengine credentials (credential: env)", "VOLCENGINE_SECRET_KEY"]);
    assert!(v.requests().is_empty());
    let ready = test_support::mcp_http::client().get(format!("{}/ready", s.base)).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert!(body.to_string().contains("no Volcengine credentials"), "{body}");
    // With them: ready, and calls work.
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let ready: Value =
        test_support::mcp_http::client().get(format!("{}/ready", s.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    let mut c = client(&s, &[]).await;
    assert_ok(&c.call_tool("DescribeRegions", json!({})).await.unwrap());
}

#[tokio::test]
async fn with_a_protected_endpoint_the_token_travels_in_its_own_header() {
    let v = volc().await;
    let y = yaml(&v, "auth: bearer\n", &["credential: token"]);
    let s = server(&y, &[("MCP_AUTH_TOKENS", "lc:mcp-token-123")]).await;
    let mut c =
        client(&s, &[("authorization", "Bearer mcp-token-123"), ("x-volcengine-credential", &bearer(BOB))]).await;
    assert_ok(&c.call_tool("DescribeRegions", json!({})).await.unwrap());
    let sent = &v.calls("DescribeRegions")[0];
    assert_eq!(signer_of(sent), BOB.0);
    assert!(sent.headers.iter().all(|(_, value)| !value.to_str().unwrap_or_default().contains("mcp-token-123")));
    // The MCP token alone is no Volcengine credential.
    let mut c = client(&s, &[("authorization", "Bearer mcp-token-123")]).await;
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    assert_error(&r, &["X-Volcengine-Credential: Bearer"]);
    assert_eq!(v.calls("DescribeRegions").len(), 1);
}
