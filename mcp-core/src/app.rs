//! What a server crate implements: its tools, its config section, its readiness check and, if it
//! needs one, a permission policy. Everything else (transports, auth, identity, telemetry) is the core's.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::config::{Config, Layer, Section};
use crate::identity::Caller;
use crate::tools::ToolDef;

/// How ready a server is (`/ready`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadyState {
    /// Everything it depends on answers.
    Ready,
    /// It serves, but a dependency is impaired (slow, partly failing); `/ready` still answers 200.
    Degraded,
    /// It cannot serve (a dependency is down); `/ready` answers 503.
    Unavailable,
}

/// Result of a readiness check (`/ready`).
#[derive(Debug, Clone)]
pub struct Readiness {
    /// Ready, degraded or unavailable.
    pub state: ReadyState,
    /// Why it is not plainly ready (shown as `reason`; must not contain secrets).
    pub reason: Option<String>,
    /// Details merged into the JSON body (must not contain secrets).
    pub details: Value,
}

impl Readiness {
    /// Ready, with details.
    pub fn ready(details: Value) -> Self {
        Self { state: ReadyState::Ready, reason: None, details }
    }
    /// Serving, but impaired, with the reason.
    pub fn degraded(reason: impl Into<String>, details: Value) -> Self {
        Self { state: ReadyState::Degraded, reason: Some(reason.into()), details }
    }
    /// Unavailable, with the reason.
    pub fn unavailable(reason: impl Into<String>, details: Value) -> Self {
        Self { state: ReadyState::Unavailable, reason: Some(reason.into()), details }
    }
    /// Unavailable, with details only (e.g. which dependency is down).
    pub fn not_ready(details: Value) -> Self {
        Self { state: ReadyState::Unavailable, reason: None, details }
    }
    /// Whether `/ready` answers 200.
    pub fn is_serving(&self) -> bool {
        self.state != ReadyState::Unavailable
    }
}

/// Where one per-request credential comes from, whatever the transport: the server asks
/// [`Caller::credential`] for `name` and never branches on the transport.
#[derive(Debug, Clone)]
pub struct CredentialSource {
    /// The name the server asks for (case-insensitive).
    pub name: String,
    /// Over HTTP: the request header carrying it (each request its own; never per session).
    /// `Authorization` is refused at startup unless `auth: none`, so the MCP token never leaks.
    pub header: Option<String>,
    /// Over stdio: the value from the server's environment or config keys, if set.
    pub stdio: Option<crate::identity::Secret>,
}

impl CredentialSource {
    /// A credential carried by `header` on HTTP and taken from `stdio` on stdio.
    pub fn new(name: impl Into<String>, header: Option<&str>, stdio: Option<crate::identity::Secret>) -> Self {
        Self { name: name.into(), header: header.map(str::to_owned), stdio }
    }
}

/// What [`App::build`] gets besides its config: the metrics registry (to register the server's
/// own families) and the factory of upstream clients.
#[derive(Clone)]
pub struct BuildContext {
    /// The process's metrics; [`crate::telemetry::Metrics::register`] adds a server's families.
    pub metrics: Arc<crate::telemetry::Metrics>,
    /// Signed download URLs, in HTTP modes with `public_url` set (else `None`).
    pub downloads: Option<Arc<crate::downloads::Downloads>>,
    user_agent: String,
    insecure: Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl BuildContext {
    /// The context of server `name` at `version`.
    pub fn new(name: &str, version: &str, metrics: Arc<crate::telemetry::Metrics>) -> Self {
        Self { metrics, downloads: None, user_agent: format!("{name}/{version}"), insecure: Arc::default() }
    }

    /// With the process's signed download URLs.
    pub fn with_downloads(mut self, downloads: Option<Arc<crate::downloads::Downloads>>) -> Self {
        self.downloads = downloads;
        self
    }

    /// The user agent upstream requests carry: `<server name>/<version>`.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Build the pooled client of one upstream from its config block (in section `prefix`). A bad
    /// URL, CA file or proxy is a [`crate::config::ConfigError`] naming the key (exit 64). An
    /// upstream with `tls_insecure_skip_verify` is warned about now and listed in `/ready`.
    pub fn upstream(
        &self,
        name: crate::upstream::UpstreamName,
        prefix: &str,
        config: &crate::upstream::UpstreamConfig,
    ) -> Result<crate::upstream::Upstream, crate::config::ConfigError> {
        let upstream = crate::upstream::Upstream::new(name, prefix, config, &self.user_agent, self.metrics.clone())?;
        if upstream.is_insecure() {
            tracing::warn!(
                upstream = name.label,
                "{prefix}.tls_insecure_skip_verify is on: TLS certificates of {} are NOT checked; anyone on the network path can read and change this traffic",
                name.display
            );
            self.insecure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(name.label);
        }
        Ok(upstream)
    }

    /// Labels of the upstreams built with certificate checks off.
    pub fn insecure_upstreams(&self) -> Vec<&'static str> {
        self.insecure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// A refusal by the server's permission policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Message shown to the caller, e.g. `Permission denied: role USER may not use tool export_all_data (requires admin)`.
    pub message: String,
    /// Role label for metrics (from a bounded set, e.g. the effective role after fallback).
    pub role: String,
}

/// One finished tool call, handed to [`App::audit`] (and logged on the `audit` target).
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// The tool name.
    pub tool: String,
    /// The caller.
    pub caller: Arc<Caller>,
    /// Arguments with secret-looking values replaced by `***`.
    pub arguments: Value,
    /// SHA-256 (hex, 16 chars) of the canonical arguments.
    pub arguments_digest: String,
    /// Outcome label (`ok`, `denied`, `invalid_arguments`, ...).
    pub outcome: &'static str,
    /// Error or denial message, if any.
    pub message: Option<String>,
    /// Rows or items affected, when the tool reported it.
    pub affected: Option<u64>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

/// A server of the suite.
pub trait App: Sized + Send + Sync + 'static {
    /// The server's config section.
    type Section: Section;
    /// Server-specific CLI flags (flattened into the common ones).
    type Flags: clap::Args + Clone + Send + Sync + 'static;
    /// Server-specific subcommands (besides serve, print-config, check-config, tools, config-schema).
    type Command: clap::Subcommand + Send + 'static;
    /// What [`App::check_access`] grants a caller for one tool, handed to the tool's handler in
    /// [`crate::ToolContext::access`] (so no tool runs the policy again); `()` when there is nothing.
    type Access: Send + Sync + 'static;
    /// The server's typed tool tag (e.g. the permission level a tool needs); opaque to the core.
    type Tag: Copy + Default + std::fmt::Debug + Send + Sync + 'static;

    /// Binary name, e.g. `mcp-example` (also the `server` metric label).
    const NAME: &'static str;
    /// Human-readable title.
    const TITLE: &'static str;
    /// Version reported to clients.
    const VERSION: &'static str;
    /// Default HTTP port.
    const DEFAULT_PORT: u16;
    /// Instructions for the model, sent at initialize.
    const INSTRUCTIONS: &'static str;
    /// Examples appended to `--help`.
    const EXAMPLES: &'static str = "";
    /// Serve the curl-friendly compatibility endpoints (`/mcp/tools`, `/mcp/call-tool`): only for
    /// servers whose users have scripts against them.
    const COMPAT_SHIM: bool = false;

    /// Config layers from the server's own flags (`flag --database` → `example.database`).
    fn flag_layers(_flags: &Self::Flags) -> Vec<Layer> {
        Vec::new()
    }

    /// Every tool the server declares (before read-only mode and allow/deny lists).
    fn tools() -> Vec<ToolDef<Self>>;

    /// The per-request credentials the server reads with [`Caller::credential`]: from a header
    /// of each HTTP request, or from its own config on stdio. Never logged.
    fn credentials(_config: &Config<Self::Section>) -> Vec<CredentialSource> {
        Vec::new()
    }

    /// Build the server state (open databases, upstream clients). Runs after config validation;
    /// a [`crate::config::ConfigError`] returned from here exits 64 like any config error.
    fn build(
        config: Arc<Config<Self::Section>>,
        flags: Self::Flags,
        ctx: BuildContext,
    ) -> impl Future<Output = anyhow::Result<Self>> + Send;

    /// Readiness check for `/ready`. The core caches its answer (`readiness.cache_secs`), runs
    /// one check at a time and bounds it (`readiness.timeout_secs`); it never runs on the path of
    /// `initialize` or a tool call.
    fn ready(&self) -> impl Future<Output = Readiness> + Send {
        async { Readiness::ready(Value::Object(Default::default())) }
    }

    /// May `caller` use `tool`? Decides both visibility in `tools/list` and permission to call;
    /// what it grants reaches the handler as [`crate::ToolContext::access`].
    fn check_access(&self, caller: &Caller, tool: &ToolDef<Self>) -> Result<Self::Access, Denial>;

    /// Does the server offer resources? When true the `resources` capability is declared and
    /// `resources/list` / `resources/read` reach [`App::list_resources`] / [`App::read_resource`].
    /// Default: no resources (the capability is not declared).
    fn has_resources(&self) -> bool {
        false
    }

    /// `resources/list`: the resources `caller` may read (the server decides; same [`Caller`] as
    /// for tools).
    fn list_resources(&self, _caller: &Caller) -> impl Future<Output = Vec<rmcp::model::Resource>> + Send {
        async { Vec::new() }
    }

    /// `resources/read`: the file behind `uri` when `caller` may read it. Unknown, gone and
    /// forbidden URIs must all be [`crate::resources::ResourceError::NotFound`] (the caller gets
    /// -32002 and cannot tell them apart). Files are opened with [`crate::resources::FileRoot`].
    fn read_resource(
        &self,
        _caller: &Caller,
        _uri: &str,
    ) -> impl Future<Output = Result<crate::resources::ServedFile, crate::resources::ResourceError>> + Send {
        async { Err(crate::resources::ResourceError::NotFound) }
    }

    /// `GET /downloads/{token}`: the file behind the file id of a verified download token
    /// ([`crate::downloads::Downloads::link`], issued by this server to a caller allowed to have
    /// it: the token is the authorization).
    fn download(
        &self,
        _file_id: &str,
    ) -> impl Future<Output = Result<crate::resources::ServedFile, crate::resources::ResourceError>> + Send {
        async { Err(crate::resources::ResourceError::NotFound) }
    }

    /// Persist an audit record (the core already logged it on the `audit` target).
    fn audit(&self, _record: &AuditRecord) {}

    /// Called once after serving ended (connections drained): flush buffers, close clients.
    fn on_shutdown(&self) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Run a server-specific subcommand.
    fn run_command(
        command: Self::Command,
        config: Arc<Config<Self::Section>>,
        flags: Self::Flags,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Extra lines printed to stderr once the HTTP server listens (e.g. a client config snippet).
    fn banner(_config: &Config<Self::Section>, _url: &str) -> Option<String> {
        None
    }
}

/// Flags of a server without flags of its own.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NoFlags {}

/// Subcommands of a server without subcommands of its own.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum NoCommand {}
