//! The curl-compatible shim: same auth, identity and permission path as MCP.

use serde_json::{Value, json};
use test_support::mcp_http::client;

use crate::common::start_with;

#[tokio::test]
async fn list_and_call_follow_the_callers_role() {
    let s = start_with("auth: bearer\n", &[("MCP_AUTH_TOKENS", "lc:key-4")]).await;
    let get = |role: &'static str| {
        client()
            .get(format!("{}/mcp/tools", s.base))
            .header("authorization", "Bearer key-4")
            .header("x-user-role", role)
            .send()
    };
    let admin: Value = get("ADMIN").await.unwrap().json().await.unwrap();
    let guest: Value = get("GUEST").await.unwrap().json().await.unwrap();
    let count = |v: &Value| v["tools"].as_array().unwrap().len();
    assert!(count(&admin) > count(&guest), "{admin} vs {guest}");

    let call = |role: &'static str, body: Value| {
        client()
            .post(format!("{}/mcp/call-tool", s.base))
            .header("authorization", "Bearer key-4")
            .header("x-user-role", role)
            .json(&body)
            .send()
    };
    let r = call("USER", json!({"name": "echo", "arguments": {"text": "hey"}})).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["structuredContent"]["echo"], "hey");

    let r = call("USER", json!({"name": "purge", "arguments": {}})).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "Permission denied: role USER may not use tool purge (requires admin)");

    let r = call("ADMIN", json!({"name": "nope"})).await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = call("ADMIN", json!({"nme": "echo"})).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = client().post(format!("{}/mcp/call-tool", s.base)).json(&json!({"name": "echo"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
