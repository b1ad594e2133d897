//! The command line every server shares: common flags (each a config layer), and the
//! `serve`, `print-config`, `check-config`, `tools`, `config-schema` subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use figment::value::Value;

use crate::config::{Layer, split_list};

/// Command line of a server with flags `F` and extra subcommands `C`.
#[derive(Debug, Parser)]
#[command(disable_version_flag = false)]
pub struct Cli<F: Args, C: Subcommand> {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command<C>>,
    /// Flags shared by every server.
    #[command(flatten)]
    pub common: CommonFlags,
    /// The server's own flags.
    #[command(flatten)]
    pub server: F,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command<C: Subcommand> {
    /// Serve MCP on the configured transport (the default).
    Serve,
    /// Print the effective configuration as YAML (secrets as ***), with each value's origin.
    PrintConfig,
    /// Validate the configuration and exit (0 when valid, 64 otherwise).
    CheckConfig,
    /// Print the tools/list JSON this configuration exposes, without starting a server.
    Tools,
    /// Print the JSON schema of the config file.
    ConfigSchema,
    /// Server-specific commands.
    #[command(flatten)]
    Server(C),
}

/// Flags shared by every server; each one given becomes a config layer that overrides file and env.
#[derive(Debug, Clone, Default, Args)]
pub struct CommonFlags {
    /// YAML config file.
    #[arg(long, short = 'c', env = "MCP_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Transport: stdio, sse, streamable-http or http (case-insensitive).
    #[arg(long, short = 't', global = true, value_name = "TRANSPORT")]
    pub transport: Option<String>,
    /// Address to bind in HTTP modes (default 127.0.0.1).
    #[arg(long, global = true)]
    pub host: Option<String>,
    /// Port to bind in HTTP modes (0 = any free port).
    #[arg(long, short = 'p', global = true)]
    pub port: Option<String>,
    /// Public base URL (behind a proxy), used as the OAuth resource URI.
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// Authentication in HTTP modes: none, bearer or oauth.
    #[arg(long, global = true, value_name = "MODE")]
    pub auth: Option<String>,
    /// Allow `auth: none` on a non-loopback address.
    #[arg(long, global = true)]
    pub allow_unauthenticated: bool,
    /// Log level or filter (e.g. info, debug, mcp_core=trace).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Log format: text or json.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Comma-separated accepted Host values (reverse proxies), `*` for any.
    #[arg(long, global = true, value_name = "HOSTS")]
    pub allowed_hosts: Option<String>,
    /// Comma-separated accepted browser Origins.
    #[arg(long, global = true, value_name = "ORIGINS")]
    pub allowed_origins: Option<String>,
    /// Streamable HTTP without sessions (JSON replies), for horizontal scaling.
    #[arg(long, global = true)]
    pub stateless: bool,
    /// Maximum request body size in bytes.
    #[arg(long, global = true, value_name = "BYTES")]
    pub body_limit_bytes: Option<String>,
    /// Maximum duration of one tool call in seconds.
    #[arg(long, global = true, value_name = "SECS")]
    pub request_timeout_secs: Option<String>,
    /// Expose and allow only read-only tools.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Comma-separated tools to expose (all others hidden).
    #[arg(long, global = true, value_name = "TOOLS")]
    pub enable_tools: Option<String>,
    /// Comma-separated tools to hide.
    #[arg(long, global = true, value_name = "TOOLS")]
    pub disable_tools: Option<String>,
}

/// Layer for a flag whose text is read as YAML would read a plain scalar.
pub fn scalar_layer(flag: &str, key: &str, text: &str) -> Layer {
    let value = Value::serialize(crate::config::layers_scalar(text)).unwrap_or_else(|_| Value::from(text.to_owned()));
    Layer::single(format!("flag --{flag}"), key, value)
}

/// Layer for a flag taken verbatim as a string.
pub fn text_layer(flag: &str, key: &str, text: &str) -> Layer {
    Layer::single(format!("flag --{flag}"), key, Value::from(text.to_owned()))
}

/// Layer for a boolean switch that was given.
pub fn switch_layer(flag: &str, key: &str) -> Layer {
    Layer::single(format!("flag --{flag}"), key, Value::from(true))
}

/// Layer for a comma-separated list flag.
pub fn list_layer(flag: &str, key: &str, text: &str) -> Layer {
    Layer::single(format!("flag --{flag}"), key, Value::from(split_list(text)))
}

impl CommonFlags {
    /// One layer per flag given.
    pub fn layers(&self) -> Vec<Layer> {
        let mut layers = Vec::new();
        let mut text = |flag: &str, key: &str, v: &Option<String>| {
            if let Some(v) = v {
                layers.push(text_layer(flag, key, v));
            }
        };
        text("transport", "transport", &self.transport);
        text("host", "host", &self.host);
        text("public-url", "public_url", &self.public_url);
        text("auth", "auth", &self.auth);
        text("log-level", "log_level", &self.log_level);
        text("log-format", "log_format", &self.log_format);
        for (flag, key, v) in [
            ("port", "port", &self.port),
            ("body-limit-bytes", "body_limit_bytes", &self.body_limit_bytes),
            ("request-timeout-secs", "request_timeout_secs", &self.request_timeout_secs),
        ] {
            if let Some(v) = v {
                layers.push(scalar_layer(flag, key, v));
            }
        }
        for (flag, key, v) in [
            ("allowed-hosts", "allowed_hosts", &self.allowed_hosts),
            ("allowed-origins", "allowed_origins", &self.allowed_origins),
            ("enable-tools", "tools.enabled", &self.enable_tools),
            ("disable-tools", "tools.disabled", &self.disable_tools),
        ] {
            if let Some(v) = v {
                layers.push(list_layer(flag, key, v));
            }
        }
        for (flag, key, on) in [
            ("allow-unauthenticated", "allow_unauthenticated", self.allow_unauthenticated),
            ("stateless", "stateless", self.stateless),
            ("read-only", "read_only", self.read_only),
        ] {
            if on {
                layers.push(switch_layer(flag, key));
            }
        }
        layers
    }
}
