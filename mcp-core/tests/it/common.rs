//! A small test server on top of the core, and helpers to run it on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_core::config::{self, Config, EnvKind, EnvVar, Section};
use mcp_core::{App, Caller, Denial, Hints, NoCommand, NoFlags, Secret, ToolDef, ToolError, ToolOutput};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSection {
    /// Greeting prefix.
    pub greeting: String,
    /// An upstream secret (must never be printed).
    pub api_key: Option<Secret>,
}

impl Section for DemoSection {
    const KEY: &'static str = "demo";
    fn env_vars() -> &'static [EnvVar] {
        const VARS: &[EnvVar] = &[
            EnvVar::new("DEMO_GREETING", "greeting", EnvKind::Text),
            EnvVar::new("DEMO_API_KEY", "api_key", EnvKind::Text),
        ];
        VARS
    }
}

pub struct DemoApp {
    pub notes: AtomicU64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EchoArgs {
    /// Text to echo back.
    #[schemars(length(max = 100))]
    pub text: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct NoArgs {}

#[derive(Deserialize, JsonSchema)]
pub struct SlowArgs {
    /// Milliseconds to sleep.
    pub millis: u64,
}

impl App for DemoApp {
    type Section = DemoSection;
    type Flags = NoFlags;
    type Command = NoCommand;
    const NAME: &'static str = "mcp-demo";
    const TITLE: &'static str = "Demo server";
    const VERSION: &'static str = "9.9.9";
    const DEFAULT_PORT: u16 = 8123;
    const INSTRUCTIONS: &'static str = "A demo server for core tests.";

    fn tools() -> Vec<ToolDef<Self>> {
        vec![
            ToolDef::new(
                "echo",
                "Echo",
                "Echo the given text back to the caller.",
                Hints::read_only(),
                |_s: Arc<Self>, ctx, a: EchoArgs| async move {
                    if a.text.len() > 100 {
                        return Err(ToolError::invalid("text must be at most 100 characters"));
                    }
                    ToolOutput::with_structured(
                        a.text.clone(),
                        &serde_json::json!({"echo": a.text, "role": ctx.caller.role}),
                    )
                },
            ),
            ToolDef::new(
                "whoami",
                "Who am I",
                "Describe the caller as the server sees it.",
                Hints::read_only(),
                |_s: Arc<Self>, ctx, _a: NoArgs| async move {
                    let c = &ctx.caller;
                    let v = serde_json::json!({
                        "id": c.id(), "role": c.role, "email": c.email, "name": c.name,
                        "authenticated": c.is_authenticated(), "scopes": c.scopes(),
                        "has_token": c.credential("x-demo-token").is_some(),
                        "transport": c.transport.map(|t| t.as_str()),
                    });
                    ToolOutput::with_structured(v.to_string(), &v)
                },
            ),
            ToolDef::new(
                "write_note",
                "Write note",
                "Store a note (counts notes).",
                Hints::additive(false),
                |s: Arc<Self>, _ctx, _a: NoArgs| async move {
                    s.notes.fetch_add(1, Ordering::SeqCst);
                    Ok(ToolOutput::text("stored").affected(1))
                },
            )
            .tag("write"),
            ToolDef::new(
                "purge",
                "Purge",
                "Delete every stored note.",
                Hints::destructive(true),
                |s: Arc<Self>, _ctx, _a: NoArgs| async move {
                    s.notes.store(0, Ordering::SeqCst);
                    Ok(ToolOutput::text("purged"))
                },
            )
            .tag("admin")
            .scopes(&["demo:admin"]),
            ToolDef::new(
                "slow",
                "Slow",
                "Sleep for the given milliseconds.",
                Hints::read_only(),
                |_s: Arc<Self>, _ctx, a: SlowArgs| async move {
                    tokio::time::sleep(Duration::from_millis(a.millis)).await;
                    Ok(ToolOutput::text("done"))
                },
            ),
            ToolDef::new(
                "boom",
                "Boom",
                "Panics, to test panic isolation.",
                Hints::read_only(),
                |_s: Arc<Self>, _ctx, _a: NoArgs| async move {
                    let v: Vec<u8> = Vec::new();
                    let i = v.len() + 3;
                    #[allow(clippy::indexing_slicing)]
                    let x = v[i];
                    Ok(ToolOutput::text(format!("{x}")))
                },
            ),
        ]
    }

    fn credential_headers(_: &DemoSection) -> Vec<String> {
        vec!["X-Demo-Token".into()]
    }

    async fn build(_config: Arc<Config<DemoSection>>, _flags: NoFlags) -> anyhow::Result<Self> {
        Ok(Self { notes: AtomicU64::new(0) })
    }

    fn check_access(&self, caller: &Caller, tool: &ToolDef<Self>) -> Result<(), Denial> {
        let role = caller.role.clone().unwrap_or_else(|| "GUEST".into());
        let ok = match tool.tag_label() {
            "admin" => role == "ADMIN",
            "write" => role == "ADMIN" || role == "USER",
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Denial {
                message: format!(
                    "Permission denied: role {role} may not use tool {} (requires {})",
                    tool.name(),
                    tool.tag_label()
                ),
                role,
            })
        }
    }

    async fn run_command(c: NoCommand, _: Arc<Config<DemoSection>>, _: NoFlags) -> anyhow::Result<()> {
        match c {}
    }
}

/// Load config from YAML text + env pairs (+ flag layers).
pub fn load(
    yaml: &str,
    env: &[(&str, &str)],
    flags: Vec<config::Layer>,
) -> Result<config::Loaded<DemoSection>, config::ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    mcp_core::testing::load::<DemoApp>(dir.path(), yaml, env, flags)
}

pub type TestServer = mcp_core::testing::TestServer<DemoApp>;

pub async fn start(yaml: &str) -> TestServer {
    start_with(yaml, &[]).await
}

pub async fn start_with(yaml: &str, env: &[(&str, &str)]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    TestServer::start(dir.path(), yaml, env, NoFlags {}).await
}
