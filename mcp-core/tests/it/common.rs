//! A small test server on top of the core, and helpers to run it on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mcp_core::config::{self, Config, EnvKind, EnvVar, Section};
use mcp_core::upstream::{Upstream, UpstreamConfig, UpstreamName};
use mcp_core::{
    App, BuildContext, Caller, CredentialSource, Denial, Hints, NoCommand, NoFlags, Secret, ToolDef, ToolError,
    ToolOutput,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSection {
    /// Greeting prefix.
    pub greeting: String,
    /// An upstream secret (must never be printed); the stdio value of the `x-demo-token` credential.
    pub api_key: Option<Secret>,
    /// The demo upstream (`demo.url`, ...), flattened like a real server's.
    #[serde(flatten)]
    pub upstream: UpstreamConfig,
}

impl Section for DemoSection {
    const KEY: &'static str = "demo";
    fn aliases() -> &'static [config::Alias] {
        const ALIASES: &[config::Alias] = &[
            config::Alias::Key { from: "server_port", to: "port" },
            config::Alias::EnvValue {
                name: "DEPLOY_MODE",
                value: "remote",
                sets: &[("transport", "streamable-http"), ("demo.greeting", "remote")],
            },
            config::Alias::EnvValue { name: "DEPLOY_MODE", value: "local", sets: &[("transport", "stdio")] },
        ];
        ALIASES
    }
    fn validate(&self) -> Result<(), config::ConfigError> {
        if self.upstream.url.is_empty() { Ok(()) } else { self.upstream.validate("", "set demo.url") }
    }
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
    pub upstream: Option<Upstream>,
}

#[derive(Deserialize, JsonSchema)]
pub struct FetchArgs {
    /// Path below the upstream's base URL.
    pub path: String,
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

/// The permission a demo tool needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DemoTag {
    /// Anyone.
    #[default]
    Read,
    /// USER or ADMIN.
    Write,
    /// ADMIN only.
    Admin,
}

impl DemoTag {
    fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

impl App for DemoApp {
    type Section = DemoSection;
    type Flags = NoFlags;
    type Command = NoCommand;
    type Access = String;
    type Tag = DemoTag;
    const COMPAT_SHIM: bool = true;
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
                Hints::read_only().closed_world(),
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
                Hints::read_only().closed_world(),
                |_s: Arc<Self>, ctx, _a: NoArgs| async move {
                    let c = &ctx.caller;
                    let v = serde_json::json!({
                        "id": c.id(), "role": c.role, "email": c.email, "name": c.name,
                        "authenticated": c.is_authenticated(), "scopes": c.scopes(),
                        "has_token": c.credential("x-demo-token").is_some(),
                        "token_digest": c.credential("x-demo-token").map(|t| fingerprint(t.expose())),
                        "transport": c.transport.map(|t| t.as_str()),
                    });
                    ToolOutput::with_structured(v.to_string(), &v)
                },
            ),
            ToolDef::new(
                "write_note",
                "Write note",
                "Store a note (counts notes).",
                Hints::additive(false).closed_world(),
                |s: Arc<Self>, _ctx, _a: NoArgs| async move {
                    s.notes.fetch_add(1, Ordering::SeqCst);
                    Ok(ToolOutput::text("stored").affected(1))
                },
            )
            .tag(DemoTag::Write),
            ToolDef::new(
                "purge",
                "Purge",
                "Delete every stored note.",
                Hints::destructive(true).closed_world(),
                |s: Arc<Self>, _ctx, _a: NoArgs| async move {
                    s.notes.store(0, Ordering::SeqCst);
                    Ok(ToolOutput::text("purged"))
                },
            )
            .tag(DemoTag::Admin)
            .scopes(&["demo:admin"]),
            ToolDef::new(
                "slow",
                "Slow",
                "Sleep for the given milliseconds.",
                Hints::read_only().closed_world(),
                |_s: Arc<Self>, _ctx, a: SlowArgs| async move {
                    tokio::time::sleep(Duration::from_millis(a.millis)).await;
                    Ok(ToolOutput::text("done"))
                },
            ),
            ToolDef::new(
                "fetch_upstream",
                "Fetch from the upstream",
                "GET a path of the demo upstream with the caller's x-demo-token credential.",
                Hints::read_only().open_world(),
                |s: Arc<Self>, ctx, a: FetchArgs| async move {
                    let Some(upstream) = &s.upstream else {
                        return Err(ToolError::invalid("no upstream configured"));
                    };
                    let mut request = upstream.get("items/{id}").path(a.path);
                    if let Some(token) = ctx.caller.credential("x-demo-token") {
                        request = request.secret_header("x-demo-token", token);
                    }
                    let answer = request.send(&ctx).await?.error_for_status(None)?;
                    Ok(ToolOutput::text(answer.text()))
                },
            ),
            ToolDef::new(
                "boom",
                "Boom",
                "Panics, to test panic isolation.",
                Hints::read_only().closed_world(),
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

    fn credentials(config: &Config<DemoSection>) -> Vec<CredentialSource> {
        vec![CredentialSource::new("x-demo-token", Some("X-Demo-Token"), config.server.api_key.clone())]
    }

    async fn build(config: Arc<Config<DemoSection>>, _flags: NoFlags, ctx: BuildContext) -> anyhow::Result<Self> {
        let upstream = if config.server.upstream.url.is_empty() {
            None
        } else {
            Some(ctx.upstream(UpstreamName { label: "demo", display: "Demo API" }, "demo", &config.server.upstream)?)
        };
        Ok(Self { notes: AtomicU64::new(0), upstream })
    }

    fn check_access(&self, caller: &Caller, tool: &ToolDef<Self>) -> Result<String, Denial> {
        let role = caller.role.clone().unwrap_or_else(|| "GUEST".into());
        let ok = match tool.tool_tag() {
            DemoTag::Admin => role == "ADMIN",
            DemoTag::Write => role == "ADMIN" || role == "USER",
            DemoTag::Read => true,
        };
        if ok {
            Ok(role)
        } else {
            Err(Denial {
                message: format!(
                    "Permission denied: role {role} may not use tool {} (requires {})",
                    tool.name(),
                    tool.tool_tag().as_str()
                ),
                role,
            })
        }
    }

    async fn run_command(c: NoCommand, _: Arc<Config<DemoSection>>, _: NoFlags) -> anyhow::Result<()> {
        match c {}
    }
}

/// A bare server: nothing but the core's defaults.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct BareSection {}
impl Section for BareSection {
    const KEY: &'static str = "s";
}
/// A server with no tools, no compat shim, and its credential in `Authorization`.
pub struct BareApp;
impl mcp_core::App for BareApp {
    type Section = BareSection;
    type Flags = NoFlags;
    type Command = mcp_core::NoCommand;
    type Access = ();
    type Tag = ();
    const NAME: &'static str = "mcp-auth-header";
    const TITLE: &'static str = "t";
    const VERSION: &'static str = "0";
    const DEFAULT_PORT: u16 = 1;
    const INSTRUCTIONS: &'static str = "t";
    fn tools() -> Vec<mcp_core::ToolDef<Self>> {
        Vec::new()
    }
    fn credentials(_: &mcp_core::config::Config<BareSection>) -> Vec<mcp_core::CredentialSource> {
        vec![mcp_core::CredentialSource::new("volcengine", Some("Authorization"), None)]
    }
    async fn build(
        _: std::sync::Arc<mcp_core::config::Config<BareSection>>,
        _: NoFlags,
        _: mcp_core::BuildContext,
    ) -> anyhow::Result<Self> {
        Ok(Self)
    }
    fn check_access(&self, _: &mcp_core::Caller, _: &mcp_core::ToolDef<Self>) -> Result<(), mcp_core::Denial> {
        Ok(())
    }
    async fn run_command(
        c: mcp_core::NoCommand,
        _: std::sync::Arc<mcp_core::config::Config<BareSection>>,
        _: NoFlags,
    ) -> anyhow::Result<()> {
        match c {}
    }
}

/// A short digest of a credential: tests compare callers' credentials without printing them.
pub fn fingerprint(secret: &str) -> String {
    use sha2::Digest as _;
    hex::encode(&sha2::Sha256::digest(secret.as_bytes())[..6])
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
