//! A stand-in Rocket.Chat with two users and a channel, and the server in front of it.

use mcp_rocketchat::app::RocketChat as Server;
use serde_json::Value;
use test_support::mcp_http::McpHttp;
use test_support::rocketchat::{RcVersion, RocketChat, RoomKind, UserHandle};

pub type TestServer = mcp_core::testing::TestServer<Server>;

/// The stand-in with alice, bob and #general (both in it); the limiter off unless a test sets it.
pub struct World {
    pub rc: RocketChat,
    pub alice: UserHandle,
    pub bob: UserHandle,
    pub general: String,
}

pub async fn world(version: RcVersion) -> World {
    let rc = RocketChat::start(version).await.unwrap();
    let alice = rc.add_user("alice", "Alice Liddell", "alice-pw");
    let bob = rc.add_user("bob", "Bob Builder", "bob-pw");
    let general = rc.add_room(RoomKind::Channel, "general", &["alice", "bob"]);
    rc.disable_rate_limit(None);
    World { rc, alice, bob, general }
}

/// The env pairs of the guide's `.env` for `user`.
pub fn guide_env(rc: &RocketChat, user: &UserHandle) -> Vec<(String, String)> {
    vec![
        ("ROCKET_CHAT_URL".into(), rc.url()),
        ("ROCKET_CHAT_USER_ID".into(), user.id.clone()),
        ("ROCKET_CHAT_AUTH_TOKEN".into(), user.auth_token.clone()),
    ]
}

pub async fn start(env: &[(String, String)], yaml: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestServer::start(dir.path(), yaml, &pairs, mcp_core::NoFlags {}).await
}

/// The server as `user` (env credentials), with extra YAML.
pub async fn server_as(w: &World, user: &UserHandle, yaml: &str) -> TestServer {
    start(&guide_env(&w.rc, user), yaml).await
}

/// An initialized MCP client of `s`.
pub async fn client(s: &TestServer) -> McpHttp {
    let mut c = McpHttp::new(&s.base);
    c.initialize().await.unwrap();
    c
}

/// Call a tool that must succeed; returns the result.
pub async fn ok(c: &mut McpHttp, tool: &str, args: Value) -> Value {
    let r = c.call_tool(tool, args.clone()).await.unwrap();
    assert_ne!(r["isError"], true, "{tool} {args}: {r}");
    r
}

/// Call a tool that must fail; returns its text.
pub async fn fails(c: &mut McpHttp, tool: &str, args: Value) -> String {
    let r = c.call_tool(tool, args.clone()).await.unwrap();
    assert_eq!(r["isError"], true, "{tool} {args} should fail: {r}");
    test_support::mcp_http::first_text(&r)
}

pub use test_support::mcp_http::first_text as text;
