//! A demo-data oilfield server per test (own SQLite file), and clients with identity headers.

use mcp_core::testing::TestServer;
use mcp_oilfield::app::{Oilfield, OilfieldFlags};
use serde_json::Value;
use tempfile::TempDir;
use test_support::mcp_http::{McpHttp, first_text};

pub const KEY: &str = "test-service-key";

pub struct Fixture {
    pub server: TestServer<Oilfield>,
    pub dir: TempDir,
}

impl Fixture {
    /// An authenticated client (the shared key) acting with `role`.
    pub async fn client(&self, role: Option<&str>) -> McpHttp {
        let mut c = McpHttp::new(&self.server.base).with_header("authorization", &format!("Bearer {KEY}"));
        if let Some(r) = role {
            c = c.with_header("x-user-role", r).with_header("x-user-id", &format!("{}-user", r.to_lowercase()));
        }
        c.initialize().await.unwrap();
        c
    }
}

/// Demo server with bearer auth; `extra` is appended inside the `oilfield:` section.
pub async fn fixture(extra: &str) -> Fixture {
    fixture_with(true, extra).await
}

/// Like [`fixture`], choosing whether the database starts with the demo data set.
pub async fn fixture_with(demo: bool, extra: &str) -> Fixture {
    fixture_full(demo, false, "", extra).await
}

/// A demo server whose `public_url` is its own address (signed download URLs work);
/// `core` is added at the top level (e.g. a `downloads:` block), `extra` inside `oilfield:`.
pub async fn fixture_public(core: &str, extra: &str) -> Fixture {
    fixture_full(true, true, core, extra).await
}

async fn fixture_full(demo: bool, public: bool, core: &str, extra: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "auth: bearer\n{core}oilfield:\n  database: {db}\n  demo: {demo}\n  export_dir: {exports}\n{extra}",
        db = dir.path().join("oil.db").display(),
        exports = dir.path().join("exports").display(),
    );
    let env = [("MCP_AUTH_TOKENS", format!("librechat:{KEY}"))];
    let env: Vec<(&str, &str)> = env.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let server = if public {
        TestServer::<Oilfield>::start_public(dir.path(), &yaml, &env, OilfieldFlags::default()).await
    } else {
        TestServer::<Oilfield>::start(dir.path(), &yaml, &env, OilfieldFlags::default()).await
    };
    Fixture { server, dir }
}

/// Call a tool and return (isError, text, structuredContent).
pub async fn call(c: &mut McpHttp, tool: &str, args: Value) -> (bool, String, Value) {
    let r = c.call_tool(tool, args).await.unwrap();
    (r["isError"] == true, first_text(&r), r["structuredContent"].clone())
}

/// Call a tool that must succeed.
pub async fn ok(c: &mut McpHttp, tool: &str, args: Value) -> (String, Value) {
    let (err, text, structured) = call(c, tool, args).await;
    assert!(!err, "{tool} failed: {text}");
    (text, structured)
}

/// Call a tool that must fail with an `isError` result; returns its message.
pub async fn fails(c: &mut McpHttp, tool: &str, args: Value) -> String {
    let (err, text, _) = call(c, tool, args).await;
    assert!(err, "{tool} should have failed but returned: {text}");
    text
}

/// The real binary with a clean environment (only `PATH`).
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-oilfield"));
    c.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// `GET url` → its JSON body.
pub async fn get_json(url: &str) -> serde_json::Value {
    test_support::mcp_http::client().get(url).send().await.unwrap().json().await.unwrap()
}
