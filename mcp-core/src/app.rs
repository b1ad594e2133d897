//! What a server crate implements: its tools, its config section, its readiness check and, if it
//! needs one, a permission policy. Everything else (transports, auth, identity, telemetry) is the core's.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use crate::config::{Config, Layer, Section};
use crate::identity::Caller;
use crate::tools::ToolDef;

/// Result of a readiness check (`/ready`).
#[derive(Debug, Clone)]
pub struct Readiness {
    /// Whether the server can serve requests.
    pub ready: bool,
    /// Details merged into the JSON body (must not contain secrets).
    pub details: Value,
}

impl Readiness {
    /// Ready, with details.
    pub fn ready(details: Value) -> Self {
        Self { ready: true, details }
    }
    /// Not ready, with details (e.g. which dependency is down).
    pub fn not_ready(details: Value) -> Self {
        Self { ready: false, details }
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

    /// Binary name, e.g. `mcp-oilfield` (also the `server` metric label).
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

    /// Config layers from the server's own flags (`flag --database` → `oilfield.database`).
    fn flag_layers(_flags: &Self::Flags) -> Vec<Layer> {
        Vec::new()
    }

    /// Every tool the server declares (before read-only mode and allow/deny lists).
    fn tools() -> Vec<ToolDef<Self>>;

    /// Per-request credential headers the server reads (e.g. a user's upstream token). They are
    /// copied into [`Caller`] and never logged.
    fn credential_headers(_config: &Self::Section) -> Vec<String> {
        Vec::new()
    }

    /// Build the server state (open databases, clients). Runs after config validation.
    fn build(
        config: Arc<Config<Self::Section>>,
        flags: Self::Flags,
    ) -> impl Future<Output = anyhow::Result<Self>> + Send;

    /// Readiness check for `/ready`.
    fn ready(&self) -> impl Future<Output = Readiness> + Send {
        async { Readiness::ready(Value::Object(Default::default())) }
    }

    /// May `caller` use `tool`? Decides both visibility in `tools/list` and permission to call.
    fn check_access(&self, _caller: &Caller, _tool: &ToolDef<Self>) -> Result<(), Denial> {
        Ok(())
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
