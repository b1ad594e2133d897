//! Caller identity is per request, never per session; placeholders count as absent.

use serde_json::json;
use test_support::mcp_http::{McpHttp, first_text, tool_names};

use crate::common::start_with;

async fn bearer_server() -> crate::common::TestServer {
    start_with("auth: bearer\n", &[("MCP_AUTH_TOKENS", "librechat:key-1")]).await
}

#[tokio::test]
async fn role_is_read_on_every_request_of_a_session() {
    let s = bearer_server().await;
    let mut c = McpHttp::new(&s.base).with_header("authorization", "Bearer key-1").with_header("x-user-role", "ADMIN");
    c.initialize().await.unwrap();
    assert!(tool_names(&c.list_tools().await.unwrap()).contains(&"purge".to_owned()));
    // same session, another user's headers: the second request must not see the first one's role
    c.set_header("x-user-role", "GUEST");
    let names = tool_names(&c.list_tools().await.unwrap());
    assert!(!names.contains(&"purge".to_owned()) && !names.contains(&"write_note".to_owned()), "{names:?}");
    let v = c.call_tool("write_note", json!({})).await.unwrap();
    assert_eq!(v["isError"], true);
    assert_eq!(first_text(&v), "Permission denied: role GUEST may not use tool write_note (requires write)");
    c.set_header("x-user-role", "USER");
    let v = c.call_tool("write_note", json!({})).await.unwrap();
    assert_ne!(v["isError"], true, "{v}");
    let m = s.core.metrics.encode();
    assert!(m.contains(r#"mcp_permission_denials_total{server="mcp-demo",tool="write_note",role="GUEST"} 1"#), "{m}");
}

#[tokio::test]
async fn identity_headers_are_ignored_without_authentication() {
    let s = start_with("", &[]).await;
    let mut c = McpHttp::new(&s.base).with_header("x-user-role", "ADMIN").with_header("x-user-id", "mallory");
    c.initialize().await.unwrap();
    let who = c.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["role"], serde_json::Value::Null, "{who}");
    assert_eq!(who["structuredContent"]["id"], "anonymous");
    assert!(!tool_names(&c.list_tools().await.unwrap()).contains(&"purge".to_owned()));
}

#[tokio::test]
async fn trust_headers_always_believes_them_without_auth() {
    let s = start_with("identity:\n  trust_headers: always\n", &[]).await;
    let mut c =
        McpHttp::new(&s.base).with_header("x-user-role", "ADMIN").with_header("x-user-email", "ann@example.com");
    c.initialize().await.unwrap();
    let who = c.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["role"], "ADMIN");
    assert_eq!(who["structuredContent"]["id"], "ann@example.com");
}

#[tokio::test]
async fn unreplaced_placeholders_count_as_absent() {
    let s = bearer_server().await;
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", "Bearer key-1")
        .with_header("x-user-role", "{{LIBRECHAT_USER_ROLE}}")
        .with_header("x-user-id", "{{LIBRECHAT_USER_ID}}");
    c.initialize().await.unwrap();
    let who = c.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["role"], serde_json::Value::Null, "{who}");
    assert_eq!(who["structuredContent"]["id"], "librechat", "falls back to the key name");
    let v = c.call_tool("purge", json!({})).await.unwrap();
    assert_eq!(first_text(&v), "Permission denied: role GUEST may not use tool purge (requires admin)");
    let m = s.core.metrics.encode();
    assert!(m.contains(r#"mcp_unresolved_placeholders_total{server="mcp-demo",header="x-user-role"}"#), "{m}");
}

#[tokio::test]
async fn configurable_header_names_and_credential_headers() {
    let s = start_with(
        "auth: bearer\nidentity:\n  headers:\n    role: X-Librechat-Role\n",
        &[("MCP_AUTH_TOKENS", "lc:key-2")],
    )
    .await;
    let mut c = McpHttp::new(&s.base)
        .with_header("authorization", "Bearer key-2")
        .with_header("x-librechat-role", "ADMIN")
        .with_header("x-demo-token", "upstream-pat");
    c.initialize().await.unwrap();
    let who = c.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(who["structuredContent"]["role"], "ADMIN");
    assert_eq!(who["structuredContent"]["has_token"], true);
    assert!(!who.to_string().contains("upstream-pat"));
}
