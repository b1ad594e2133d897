//! `main` of every server: parse the command line, load and validate config (exit 64 before
//! binding anything when it is wrong), then run the subcommand.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use tokio_util::sync::CancellationToken;

use crate::app::{App, BuildContext};
use crate::auth::{AuthMode, Authenticator};
use crate::cli::{Cli, Command};
use crate::config::{self, Config, ConfigError, CoreConfig, EXIT_CONFIG, Sources, TrustHeaders, is_loopback_host};
use crate::identity::{Caller, TransportKind};
use crate::server::Core;
use crate::telemetry::{Metrics, init_logging};
use crate::tools::ToolSurface;
use crate::transport::{self, HttpState, IdentityResolver};

/// Run a server binary: `fn main() -> ExitCode { mcp_core::main::<MyServer>() }`.
pub fn main<A: App>() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", A::NAME);
            return ExitCode::FAILURE;
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let code = runtime.block_on(run::<A>(std::env::args_os().collect(), &env));
    // Everything that matters (in-flight calls, the last responses, the servers' own flushes)
    // ended inside `run`. What may remain is a blocking read of stdin that only ends when the
    // client closes it: dropping the runtime would wait for it forever (a stdio server stopped
    // by SIGTERM while its client keeps stdin open would never exit).
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    code
}

/// Longest wait for blocking tasks (a pending stdin read) once `run` has returned.
const RUNTIME_SHUTDOWN: std::time::Duration = std::time::Duration::from_millis(500);

/// The whole program, given its arguments and environment (testable in process).
pub async fn run<A: App>(args: Vec<OsString>, env: &dyn Fn(&str) -> Option<String>) -> ExitCode {
    let command = Cli::<A::Flags, A::Command>::command()
        .name(A::NAME)
        .bin_name(A::NAME)
        .version(A::VERSION)
        .about(A::TITLE)
        .after_help(A::EXAMPLES);
    let matches = match command.try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => return clap_exit(&e),
    };
    let cli = match Cli::<A::Flags, A::Command>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return clap_exit(&e),
    };
    let mut flags = cli.common.layers();
    flags.extend(A::flag_layers(&cli.server));
    let defaults = CoreConfig { port: A::DEFAULT_PORT, ..CoreConfig::default() };
    let loaded = match config::load::<A::Section>(Sources { defaults, file: cli.common.config.as_deref(), flags, env })
    {
        Ok(l) => l,
        Err(e) => return config_exit::<A>(&e),
    };
    let config = loaded.config.clone();
    match cli.command.unwrap_or(Command::Serve) {
        Command::PrintConfig => stdout(&loaded.render_with_provenance()),
        Command::ConfigSchema => stdout(&pretty(&config::file_schema::<A::Section>())),
        Command::CheckConfig => match prepare::<A>(&config) {
            Ok(_) => stdout(&format!("{}: configuration is valid\n", A::NAME)),
            Err(e) => config_exit::<A>(&e),
        },
        Command::Tools => match ToolSurface::build(A::tools(), config.core.read_only, &config.core.tools) {
            Ok(surface) => {
                let tools: Vec<_> = surface.iter().map(|t| t.tool().clone()).collect();
                stdout(&pretty(&serde_json::json!({ "tools": tools })))
            }
            Err(e) => config_exit::<A>(&e),
        },
        Command::Serve => serve::<A>(config, cli.server, loaded.warnings).await,
        Command::Server(command) => {
            init_logging(&config.core.log_level, config.core.log_format);
            match A::run_command(command, config, cli.server).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{}: {e:#}", A::NAME);
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn clap_exit(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_CONFIG),
    }
}

fn config_exit<A: App>(e: &ConfigError) -> ExitCode {
    eprintln!("{}: {e}", A::NAME);
    ExitCode::from(EXIT_CONFIG)
}

fn stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn pretty(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// Everything derived from config that can still fail, built before any port is bound.
pub struct Prepared<A: App> {
    /// Tools after surface controls.
    pub surface: ToolSurface<A>,
    /// Request authentication.
    pub auth: Arc<Authenticator>,
    /// Identity header resolution.
    pub identity: IdentityResolver,
    /// Signed download URLs (HTTP modes with `public_url`), shared by the app and the router.
    pub downloads: Option<Arc<crate::downloads::Downloads>>,
}

/// The resource URI of this server's MCP endpoint (OAuth audience by default).
pub fn resource_uri(core: &CoreConfig) -> String {
    match &core.public_url {
        Some(url) => format!("{}/mcp", url.trim_end_matches('/')),
        None if core.host.contains(':') => format!("http://[{}]:{}/mcp", core.host, core.port),
        None => format!("http://{}:{}/mcp", core.host, core.port),
    }
}

/// Validate what the types cannot: tool lists, the unauthenticated-exposure rule, auth setup.
pub fn prepare<A: App>(config: &Config<A::Section>) -> Result<Prepared<A>, ConfigError> {
    let core = &config.core;
    let surface = ToolSurface::build(A::tools(), core.read_only, &core.tools)?;
    if core.transport.is_http()
        && !is_loopback_host(&core.host)
        && core.auth == AuthMode::None
        && !core.allow_unauthenticated
    {
        return Err(ConfigError::new(
            "auth",
            format!(
                "refusing to serve without authentication on the non-loopback address {}; set `auth: bearer` (with MCP_AUTH_TOKENS) or `auth: oauth`, or pass --allow-unauthenticated if a trusted proxy in front authenticates",
                core.host
            ),
        ));
    }
    let auth =
        Authenticator::new(core.auth, &core.auth_tokens, &core.oauth, &resource_uri(core), crate::net::http_client())
            .map_err(|e| ConfigError::new("auth", e.to_string()))?;
    let credentials = A::credentials(config);
    if core.auth != AuthMode::None
        && let Some(c) = credentials
            .iter()
            .find(|c| c.header.as_deref().is_some_and(|h| h.trim().eq_ignore_ascii_case("authorization")))
    {
        return Err(ConfigError::new(
            "auth",
            format!(
                "the {} credential is read from the Authorization header, which carries the MCP token when auth is {}; the MCP token must never reach an upstream: use auth: none behind a trusted proxy, or the server's own credential header",
                c.name,
                core.auth.as_str()
            ),
        ));
    }
    let identity = IdentityResolver::new(&core.identity, &credentials)?;
    let downloads = crate::downloads::Downloads::from_config(core).map(Arc::new);
    Ok(Prepared { surface, auth: Arc::new(auth), identity, downloads })
}

/// The caller of a stdio session, from config/env (`MCP_USER_ROLE`, `MCP_USER_ID`, `MCP_USER_EMAIL`)
/// and the server's stdio credentials.
pub fn stdio_caller<A: App>(config: &Config<A::Section>) -> Caller {
    let mut caller = stdio_identity(&config.core);
    for credential in A::credentials(config) {
        if let Some(value) = credential.stdio.filter(|v| !v.expose().trim().is_empty()) {
            caller.set_credential(&credential.name, value);
        }
    }
    caller
}

fn stdio_identity(core: &CoreConfig) -> Caller {
    let clean = |v: &Option<String>| {
        v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty() && !crate::identity::is_placeholder(s))
    };
    let mut caller = Caller::default();
    caller.user_id = clean(&core.identity.user_id);
    caller.email = clean(&core.identity.email);
    caller.role = clean(&core.identity.role);
    caller.name = clean(&core.identity.name);
    caller.transport = Some(TransportKind::Stdio);
    caller
}

async fn serve<A: App>(config: Arc<Config<A::Section>>, flags: A::Flags, warnings: Vec<String>) -> ExitCode {
    init_logging(&config.core.log_level, config.core.log_format);
    for warning in &warnings {
        tracing::warn!("config: {warning}");
    }
    let prepared = match prepare::<A>(&config) {
        Ok(p) => p,
        Err(e) => return config_exit::<A>(&e),
    };
    let core_cfg = &config.core;
    if core_cfg.identity.trust_headers == TrustHeaders::Always && core_cfg.transport.is_http() {
        tracing::warn!(
            "identity.trust_headers = always: identity headers are believed even on unauthenticated requests; only run this behind a proxy that sets them"
        );
    }
    let metrics = Arc::new(Metrics::new(A::NAME, A::VERSION));
    let build = BuildContext::new(A::NAME, A::VERSION, metrics.clone()).with_downloads(prepared.downloads.clone());
    let app = match A::build(config.clone(), flags, build.clone()).await {
        Ok(app) => Arc::new(app),
        Err(e) => {
            if let Some(config_error) = e.downcast_ref::<ConfigError>() {
                return config_exit::<A>(config_error);
            }
            eprintln!("{}: {e:#}", A::NAME);
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    transport::cancel_on_signal(shutdown.clone());
    let fallback = if core_cfg.transport.is_http() { Caller::default() } else { stdio_caller::<A>(&config) };
    let core = Core::new(app.clone(), config.clone(), prepared.surface, metrics, fallback, shutdown)
        .with_insecure_upstreams(build.insecure_upstreams())
        .with_downloads(prepared.downloads);
    let core = Arc::new(core);

    let result = if core_cfg.transport.is_http() {
        let addr = (core_cfg.host.as_str(), core_cfg.port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{}: cannot listen on {}:{}: {e}", A::NAME, core_cfg.host, core_cfg.port);
                return ExitCode::FAILURE;
            }
        };
        let url = match listener.local_addr() {
            Ok(a) => format!("http://{a}"),
            Err(_) => format!("http://{}:{}", core_cfg.host, core_cfg.port),
        };
        eprintln!("Listening on {url}");
        if !is_loopback_host(&core_cfg.host) && core_cfg.allowed_hosts.is_empty() {
            tracing::warn!(
                "bound to a non-loopback address but allowed_hosts is empty: only loopback Host headers are accepted; set allowed_hosts to this server's public names"
            );
        }
        if let Some(banner) = A::banner(&config, &url) {
            eprintln!("{banner}");
        }
        tracing::info!(server = A::NAME, version = A::VERSION, %url, transport = core_cfg.transport.as_str(), auth = ?core_cfg.auth, stateless = core_cfg.stateless, "serving");
        let state = HttpState::new(core, prepared.auth, prepared.identity);
        transport::serve_http(state, listener, Duration::from_secs(core_cfg.shutdown_timeout_secs)).await
    } else {
        tracing::info!(server = A::NAME, version = A::VERSION, "serving on stdio");
        transport::serve_stdio(core).await
    };
    app.on_shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e:#}", A::NAME);
            ExitCode::FAILURE
        }
    }
}
