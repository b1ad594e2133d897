//! OAuth 2.1 resource server end to end: real signed tokens from a JWKS server on loopback.

use serde_json::{Value, json};
use test_support::jwks::JwksServer;
use test_support::mcp_http::{McpHttp, client, first_text};

use crate::common::start_with;

const PUBLIC: &str = "http://127.0.0.1:9";

async fn oauth_server(jwks: &JwksServer) -> crate::common::TestServer {
    let yaml = format!(
        "auth: oauth\npublic_url: {PUBLIC}\noauth:\n  issuer: {}\n  scopes_supported: [demo:admin]\n",
        jwks.issuer()
    );
    start_with(&yaml, &[]).await
}

#[tokio::test]
async fn missing_token_gets_401_with_resource_metadata_and_the_document_is_served() {
    let jwks = JwksServer::start().await;
    let s = oauth_server(&jwks).await;
    let r = client().post(format!("{}/mcp", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains(&format!("resource_metadata=\"{PUBLIC}/.well-known/oauth-protected-resource/mcp\"")),
        "{challenge}"
    );
    assert!(!challenge.contains("invalid_token"), "no token was sent: {challenge}");
    for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
        let doc: Value = client().get(format!("{}{path}", s.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(doc["resource"], format!("{PUBLIC}/mcp"), "{doc}");
        assert_eq!(doc["authorization_servers"][0], jwks.issuer());
    }
}

#[tokio::test]
async fn valid_tokens_pass_bad_ones_get_invalid_token() {
    let jwks = JwksServer::start().await;
    let s = oauth_server(&jwks).await;
    let aud = format!("{PUBLIC}/mcp");
    let good = jwks.token("alice", &aud, &[], 300);
    let mut c = McpHttp::new(&s.base).with_header("authorization", &format!("Bearer {good}"));
    c.initialize().await.unwrap();
    let who = c.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["id"], "alice");
    assert_eq!(who["structuredContent"]["authenticated"], true);

    for (why, token) in [
        ("expired", jwks.token("alice", &aud, &[], -120)),
        ("wrong audience", jwks.token("alice", "http://other.example/mcp", &[], 300)),
        ("garbage", "not.a.jwt".to_owned()),
    ] {
        let r = client()
            .post(format!("{}/mcp", s.base))
            .header("authorization", format!("Bearer {token}"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401, "{why}");
        let challenge = r.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{why}: {challenge}");
        assert!(!r.text().await.unwrap().contains(&token), "{why}: the token is echoed");
    }
    let m = s.core.metrics.encode();
    assert!(m.contains(r#"mcp_auth_failures_total{server="mcp-demo",reason="expired"} 1"#), "{m}");
}

#[tokio::test]
async fn scoped_tools_answer_403_insufficient_scope_until_the_scope_is_granted() {
    let jwks = JwksServer::start().await;
    let s = oauth_server(&jwks).await;
    let aud = format!("{PUBLIC}/mcp");
    let plain = jwks.token("bob", &aud, &["demo:read"], 300);
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", &format!("Bearer {plain}"))
        .with_header("x-user-role", "ADMIN");
    c.initialize().await.unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "purge", "arguments": {}}})
        .to_string();
    let r = c.post_raw(body.clone(), &[]).await.unwrap();
    assert_eq!(r.status, 403, "{}", r.text);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"demo:admin\""),
        "{challenge}"
    );
    // other tools work with the same token
    let v = c.call_tool("echo", json!({"text": "x"})).await.unwrap();
    assert_ne!(v["isError"], true);

    let admin = jwks.token("bob", &aud, &["demo:read", "demo:admin"], 300);
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", &format!("Bearer {admin}"))
        .with_header("x-user-role", "ADMIN");
    c.initialize().await.unwrap();
    let v = c.call_tool("purge", json!({})).await.unwrap();
    assert_eq!(first_text(&v), "purged");
}
