//! Layered configuration: defaults < YAML file < environment < CLI flags.
//!
//! The core owns the common keys ([`CoreConfig`]); each server adds one section ([`Section`]) under
//! its own key. Everything is validated before any port is bound.

mod aliases;
mod error;
mod expand;
mod layers;
mod print;

use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use figment::Figment;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use aliases::Alias;
pub use error::{ConfigError, EXIT_CONFIG};
pub use expand::{ExpandError, expand};
pub use layers::{EnvKind, EnvVar, Layer, split_list};

/// Read text as YAML reads a plain scalar (numbers and booleans typed, the rest strings).
pub fn layers_scalar(text: &str) -> serde_yaml_ng::Value {
    layers::scalar(text)
}

use crate::auth::{AuthMode, NamedToken, OAuthConfig};
use crate::tools::SurfaceConfig;

/// How the server talks to its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, JsonSchema)]
#[schemars(with = "String")]
pub enum Transport {
    /// JSON-RPC over stdin/stdout (Claude Desktop, Cursor).
    #[default]
    Stdio,
    /// HTTP server; clients use legacy SSE (`/sse`). Same server as `streamable-http`.
    Sse,
    /// HTTP server; clients use Streamable HTTP (`/mcp`).
    StreamableHttp,
    /// HTTP server (alias of `streamable-http`).
    Http,
}

impl Transport {
    /// Does this transport start the HTTP server?
    pub fn is_http(self) -> bool {
        !matches!(self, Self::Stdio)
    }
    /// Canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdio => "stdio",
            Self::Sse => "sse",
            Self::StreamableHttp => "streamable-http",
            Self::Http => "http",
        }
    }
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stdio" => Ok(Self::Stdio),
            "sse" => Ok(Self::Sse),
            "streamable-http" | "streamablehttp" | "streamable_http" => Ok(Self::StreamableHttp),
            "http" => Ok(Self::Http),
            other => Err(format!("unknown transport `{other}`; expected one of: stdio, sse, streamable-http, http")),
        }
    }
}

impl Serialize for Transport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Transport {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// When identity headers (`X-User-ID`, `X-User-Role`, ...) are believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrustHeaders {
    /// Only on requests that passed bearer/OAuth authentication.
    #[default]
    Authenticated,
    /// Always, even without authentication (only behind a trusted proxy; warned at startup).
    Always,
}

/// Names of the identity headers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityHeaders {
    /// Header carrying the user id.
    pub user_id: String,
    /// Header carrying the user's email.
    pub email: String,
    /// Header carrying the user's role.
    pub role: String,
    /// Header carrying the user's display name.
    pub name: String,
}

impl Default for IdentityHeaders {
    fn default() -> Self {
        Self {
            user_id: "X-User-ID".into(),
            email: "X-User-Email".into(),
            role: "X-User-Role".into(),
            name: "X-User-Name".into(),
        }
    }
}

/// Who the caller is (the `identity` section).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// When identity headers are trusted: `authenticated` (default) or `always`.
    pub trust_headers: TrustHeaders,
    /// Header names.
    pub headers: IdentityHeaders,
    /// stdio mode: the caller's role (`MCP_USER_ROLE`).
    pub role: Option<String>,
    /// stdio mode: the caller's user id (`MCP_USER_ID`).
    pub user_id: Option<String>,
    /// stdio mode: the caller's email (`MCP_USER_EMAIL`).
    pub email: Option<String>,
    /// stdio mode: the caller's display name (`MCP_USER_NAME`).
    pub name: Option<String>,
}

/// The keys every server shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CoreConfig {
    /// Transport: `stdio`, `sse`, `streamable-http` or `http` (the three HTTP spellings start the same server).
    pub transport: Transport,
    /// Address to bind in HTTP modes.
    pub host: String,
    /// Port to bind in HTTP modes (0 picks a free port).
    pub port: u16,
    /// Public base URL of this server (behind a proxy), used for the OAuth resource URI.
    pub public_url: Option<String>,
    /// Authentication for HTTP modes: `none`, `bearer` or `oauth`.
    pub auth: AuthMode,
    /// Static bearer keys (`MCP_AUTH_TOKENS=name:token,...`).
    pub auth_tokens: Vec<NamedToken>,
    /// OAuth 2.1 resource-server settings (auth = oauth).
    pub oauth: OAuthConfig,
    /// Allow `auth: none` on a non-loopback address.
    pub allow_unauthenticated: bool,
    /// Log level or `RUST_LOG`-style filter. rmcp's per-request INFO lines stay off unless the
    /// filter names `rmcp` or asks for `debug`/`trace`.
    pub log_level: String,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    /// Accepted `Host` header values (host or host:port). Empty: loopback names only. `*`: any.
    pub allowed_hosts: Vec<String>,
    /// Accepted browser `Origin` values (scheme://host[:port]); requests without Origin are always accepted.
    pub allowed_origins: Vec<String>,
    /// Streamable HTTP without sessions (JSON replies), for horizontal scaling.
    pub stateless: bool,
    /// Maximum request body size in bytes.
    pub body_limit_bytes: usize,
    /// Maximum duration of one tool call, in seconds.
    pub request_timeout_secs: u64,
    /// How long in-flight requests may take to finish on shutdown, in seconds.
    pub shutdown_timeout_secs: u64,
    /// Maximum concurrent legacy SSE sessions.
    pub max_sse_sessions: usize,
    /// Maximum concurrent Streamable HTTP sessions; past it, `initialize` is answered 503.
    pub max_streamable_sessions: usize,
    /// Time a client has to send a request's headers, in seconds (slow clients are cut off).
    pub header_read_timeout_secs: u64,
    /// Time a client has to send a whole request body, in seconds (408 past it).
    pub body_read_timeout_secs: u64,
    /// Expose and allow only tools annotated read-only.
    pub read_only: bool,
    /// Tool allow/deny lists and description overrides.
    pub tools: SurfaceConfig,
    /// Caller identity settings.
    pub identity: IdentityConfig,
    /// How `/ready` caches and bounds the server's readiness check.
    pub readiness: crate::readiness::ReadinessConfig,
    /// Signed download URLs of files the server offers (HTTP modes with `public_url`).
    pub downloads: crate::downloads::DownloadsConfig,
    /// How `resources/read` answers (for servers that offer resources).
    pub resources: crate::resources::ResourcesConfig,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            transport: Transport::Stdio,
            host: "127.0.0.1".into(),
            port: 8000,
            public_url: None,
            auth: AuthMode::None,
            auth_tokens: Vec::new(),
            oauth: OAuthConfig::default(),
            allow_unauthenticated: false,
            log_level: "info".into(),
            log_format: LogFormat::Text,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            stateless: false,
            body_limit_bytes: 4 * 1024 * 1024,
            request_timeout_secs: 60,
            shutdown_timeout_secs: 10,
            max_sse_sessions: 256,
            max_streamable_sessions: 1024,
            header_read_timeout_secs: 5,
            body_read_timeout_secs: 30,
            read_only: false,
            tools: SurfaceConfig::default(),
            identity: IdentityConfig::default(),
            readiness: crate::readiness::ReadinessConfig::default(),
            downloads: crate::downloads::DownloadsConfig::default(),
            resources: crate::resources::ResourcesConfig::default(),
        }
    }
}

/// The environment variables of the common keys (names kept from the original servers).
pub const CORE_ENV: &[EnvVar] = &[
    EnvVar::new("MCP_SERVER_MODE", "transport", EnvKind::Text),
    EnvVar::new("MCP_TRANSPORT", "transport", EnvKind::Text),
    EnvVar::new("MCP_SERVER_HOST", "host", EnvKind::Text),
    EnvVar::new("MCP_SERVER_PORT", "port", EnvKind::Scalar),
    EnvVar::new("MCP_PUBLIC_URL", "public_url", EnvKind::Text),
    EnvVar::new("MCP_SERVER_AUTH", "auth", EnvKind::Text),
    EnvVar::new("MCP_AUTH_TOKENS", "auth_tokens", EnvKind::NamedTokens),
    EnvVar::new("MCP_OAUTH_ISSUER", "oauth.issuer", EnvKind::Text),
    EnvVar::new("MCP_OAUTH_AUDIENCE", "oauth.audience", EnvKind::Text),
    EnvVar::new("MCP_OAUTH_JWKS_URL", "oauth.jwks_url", EnvKind::Text),
    EnvVar::new("MCP_ALLOW_UNAUTHENTICATED", "allow_unauthenticated", EnvKind::Scalar),
    EnvVar::new("RUST_LOG", "log_level", EnvKind::Text),
    EnvVar::new("MCP_LOG_LEVEL", "log_level", EnvKind::Text),
    EnvVar::new("MCP_LOG_FORMAT", "log_format", EnvKind::Text),
    EnvVar::new("MCP_ALLOWED_HOSTS", "allowed_hosts", EnvKind::List),
    EnvVar::new("MCP_ALLOWED_ORIGINS", "allowed_origins", EnvKind::List),
    EnvVar::new("MCP_STATELESS", "stateless", EnvKind::Scalar),
    EnvVar::new("MCP_BODY_LIMIT_BYTES", "body_limit_bytes", EnvKind::Scalar),
    EnvVar::new("MCP_REQUEST_TIMEOUT_SECS", "request_timeout_secs", EnvKind::Scalar),
    EnvVar::new("MCP_SHUTDOWN_TIMEOUT_SECS", "shutdown_timeout_secs", EnvKind::Scalar),
    EnvVar::new("MCP_MAX_SSE_SESSIONS", "max_sse_sessions", EnvKind::Scalar),
    EnvVar::new("MCP_MAX_STREAMABLE_SESSIONS", "max_streamable_sessions", EnvKind::Scalar),
    EnvVar::new("MCP_HEADER_READ_TIMEOUT_SECS", "header_read_timeout_secs", EnvKind::Scalar),
    EnvVar::new("MCP_BODY_READ_TIMEOUT_SECS", "body_read_timeout_secs", EnvKind::Scalar),
    EnvVar::new("MCP_READ_ONLY", "read_only", EnvKind::Scalar),
    EnvVar::new("MCP_TOOLS_ENABLED", "tools.enabled", EnvKind::List),
    EnvVar::new("MCP_TOOLS_DISABLED", "tools.disabled", EnvKind::List),
    EnvVar::new("MCP_TRUST_IDENTITY_HEADERS", "identity.trust_headers", EnvKind::Text),
    EnvVar::new("MCP_USER_ROLE", "identity.role", EnvKind::Text),
    EnvVar::new("MCP_USER_ID", "identity.user_id", EnvKind::Text),
    EnvVar::new("MCP_USER_EMAIL", "identity.email", EnvKind::Text),
    EnvVar::new("MCP_USER_NAME", "identity.name", EnvKind::Text),
    EnvVar::new("MCP_READY_CACHE_SECS", "readiness.cache_secs", EnvKind::Scalar),
    EnvVar::new("MCP_READY_TIMEOUT_SECS", "readiness.timeout_secs", EnvKind::Scalar),
    EnvVar::new("MCP_DOWNLOADS_TTL_SECS", "downloads.ttl_secs", EnvKind::Scalar),
    EnvVar::new("MCP_DOWNLOADS_MAX_USES", "downloads.max_uses", EnvKind::Scalar),
    EnvVar::new("MCP_DOWNLOADS_SIGNING_KEY", "downloads.signing_key", EnvKind::Text),
    EnvVar::new("MCP_RESOURCES_MAX_READ_BYTES", "resources.max_read_bytes", EnvKind::Scalar),
];

/// A server's own config section, under its own top-level key.
pub trait Section: Serialize + DeserializeOwned + JsonSchema + Default + Clone + Send + Sync + 'static {
    /// The top-level key of the section (e.g. `example`).
    const KEY: &'static str;
    /// Environment variables that set keys of this section (keys relative to the section).
    fn env_vars() -> &'static [EnvVar] {
        &[]
    }
    /// Names the server's users already have (config keys and environment variables of the
    /// server this one replaces), mapped onto ours.
    fn aliases() -> &'static [Alias] {
        &[]
    }
    /// Checks beyond what the types express (paths, URLs, cross-field rules).
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// The effective configuration of one server.
#[derive(Debug, Clone)]
pub struct Config<S> {
    /// Common keys.
    pub core: CoreConfig,
    /// The server's own section.
    pub server: S,
}

/// A loaded configuration plus what is needed to explain where each value came from.
#[derive(Debug)]
pub struct Loaded<S> {
    /// The validated configuration.
    pub config: Arc<Config<S>>,
    /// Things worth telling the operator (aliases that disagree), logged once serving starts.
    pub warnings: Vec<String>,
    figment: Figment,
}

/// Inputs of [`load`].
pub struct Sources<'a> {
    /// Core defaults (the server adjusts e.g. the default port).
    pub defaults: CoreConfig,
    /// YAML file (`--config` / `MCP_CONFIG`).
    pub file: Option<&'a Path>,
    /// One layer per CLI flag given.
    pub flags: Vec<Layer>,
    /// Environment lookup (the process environment, or a map in tests).
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Merge all layers, extract and validate.
pub fn load<S: Section>(sources: Sources<'_>) -> Result<Loaded<S>, ConfigError> {
    let lookup = |name: &str| (sources.env)(name);
    let mut defaults_json = serde_json::to_value(&sources.defaults).map_err(|e| ConfigError::new("", e.to_string()))?;
    if let serde_json::Value::Object(map) = &mut defaults_json {
        map.insert(
            S::KEY.to_owned(),
            serde_json::to_value(S::default()).map_err(|e| ConfigError::new(S::KEY, e.to_string()))?,
        );
    }
    let defaults = match figment::value::Value::serialize(&defaults_json) {
        Ok(figment::value::Value::Dict(_, dict)) => dict,
        _ => return Err(ConfigError::new("", "internal: defaults are not a mapping")),
    };
    let mut layers = vec![Layer::new("default", defaults)];
    if let Some(path) = sources.file {
        layers.push(layers::yaml_file(path, &lookup)?);
    }
    layers.extend(aliases::env_layers(S::aliases(), &lookup)?);
    layers.extend(layers::env_layers(CORE_ENV, None, &lookup)?);
    layers.extend(layers::env_layers(S::env_vars(), Some(S::KEY), &lookup)?);
    layers.extend(sources.flags);

    let warnings = aliases::apply_keys(S::aliases(), &mut layers);

    let known: Vec<String> = match serde_json::to_value(CoreConfig::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    for layer in &layers {
        for key in layer.top_level_keys() {
            if key != S::KEY && !known.iter().any(|k| k == key) {
                return Err(ConfigError::new(
                    key,
                    format!("unknown key; expected one of: {}, {}", known.join(", "), S::KEY),
                )
                .from_origin(layer.name().to_owned()));
            }
        }
    }

    let figment = layers.into_iter().fold(Figment::new(), Figment::merge);
    let core: CoreConfig = figment.extract().map_err(|e| error::from_figment(e, None))?;
    let origin_of = |key: &str| figment.find_metadata(key).map(|m| m.name.to_string());
    let server: S = figment.focus(S::KEY).extract().map_err(|e| {
        let mut e = error::from_figment(e, Some(S::KEY));
        if e.origin.is_none() {
            e.origin = origin_of(&e.key);
        }
        if e.reason == "unknown key" {
            // Reported through a flattened block: name the keys the section has.
            let schema = serde_json::to_value(schemars::schema_for!(S)).unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
                let keys: Vec<&str> = props.keys().map(String::as_str).collect();
                e.reason = format!("unknown key; expected one of: {}", keys.join(", "));
            }
        }
        e
    })?;
    validate_core(&core).map_err(|e| match origin_of(&e.key) {
        Some(o) if e.origin.is_none() => e.from_origin(o),
        _ => e,
    })?;
    server.validate().map_err(|e| {
        let key = if e.key.is_empty() { S::KEY.to_owned() } else { format!("{}.{}", S::KEY, e.key) };
        let origin = e.origin.clone().or_else(|| origin_of(&key));
        ConfigError { key, origin, reason: e.reason }
    })?;
    Ok(Loaded { config: Arc::new(Config { core, server }), warnings, figment })
}

/// Is `host` a loopback address or name?
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_matches(|c| c == '[' || c == ']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn validate_core(core: &CoreConfig) -> Result<(), ConfigError> {
    if core.host.trim().is_empty() {
        return Err(ConfigError::new("host", "must not be empty"));
    }
    if core.transport.is_http() && !is_loopback_host(&core.host) && core.host.parse::<IpAddr>().is_err() {
        return Err(ConfigError::new("host", format!("`{}` is not an IP address or `localhost`", core.host)));
    }
    if core.body_limit_bytes < 1024 {
        return Err(ConfigError::new("body_limit_bytes", "must be at least 1024"));
    }
    if core.request_timeout_secs == 0 {
        return Err(ConfigError::new("request_timeout_secs", "must be at least 1"));
    }
    if core.readiness.timeout_secs == 0 {
        return Err(ConfigError::new("readiness.timeout_secs", "must be at least 1"));
    }
    if core.max_sse_sessions == 0 {
        return Err(ConfigError::new("max_sse_sessions", "must be at least 1"));
    }
    if core.max_streamable_sessions == 0 {
        return Err(ConfigError::new("max_streamable_sessions", "must be at least 1"));
    }
    if core.header_read_timeout_secs == 0 {
        return Err(ConfigError::new("header_read_timeout_secs", "must be at least 1"));
    }
    if core.body_read_timeout_secs == 0 {
        return Err(ConfigError::new("body_read_timeout_secs", "must be at least 1"));
    }
    if let Some(url) = &core.public_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ConfigError::new("public_url", format!("`{url}` must start with http:// or https://")));
    }
    for origin in &core.allowed_origins {
        if origin != "null" && origin != "*" && !origin.contains("://") {
            return Err(ConfigError::new(
                "allowed_origins",
                format!("`{origin}` must include a scheme, e.g. https://app.example.com"),
            ));
        }
    }
    crate::downloads::validate(&core.downloads)?;
    if !(1024..=256 * 1024 * 1024).contains(&core.resources.max_read_bytes) {
        return Err(ConfigError::new("resources.max_read_bytes", "must be between 1024 and 268435456"));
    }
    validate_log_filter(&core.log_level).map_err(|reason| ConfigError::new("log_level", reason))?;
    Ok(())
}

const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "off"];

/// Accept a level (`info`) or `RUST_LOG`-style directives whose levels are valid (`info,mcp_core=debug`).
fn validate_log_filter(filter: &str) -> Result<(), String> {
    let bad =
        || format!("`{filter}` is not a log level ({}) or a filter such as `info,mcp_core=debug`", LEVELS.join(", "));
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = directive.rsplit_once('=').map_or(directive, |(_, l)| l);
        if !LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level)) {
            return Err(bad());
        }
    }
    tracing_subscriber::EnvFilter::try_new(filter).map(|_| ()).map_err(|_| bad())
}

impl<S: Section> Loaded<S> {
    /// The effective configuration as YAML, every secret shown as `***`, each value annotated with
    /// where it came from.
    pub fn render_with_provenance(&self) -> String {
        print::render(&self.config, &self.figment, S::KEY, &self.warnings)
    }
}

/// JSON schema of the config file of a server with section `S`.
pub fn file_schema<S: Section>() -> serde_json::Value {
    let mut core = serde_json::to_value(schemars::schema_for!(CoreConfig)).unwrap_or_default();
    let section = serde_json::to_value(schemars::schema_for!(S)).unwrap_or_default();
    if let Some(obj) = core.as_object_mut() {
        let section_defs = section.get("$defs").cloned();
        let mut section_body = section.clone();
        if let Some(s) = section_body.as_object_mut() {
            s.remove("$schema");
            s.remove("$defs");
        }
        if let Some(props) = obj.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.insert(S::KEY.to_owned(), section_body);
        }
        if let Some(serde_json::Value::Object(defs)) = section_defs {
            let all = obj.entry("$defs").or_insert_with(|| serde_json::json!({}));
            if let Some(all) = all.as_object_mut() {
                all.extend(defs);
            }
        }
        obj.insert("additionalProperties".into(), serde_json::Value::Bool(false));
        obj.insert("title".into(), serde_json::Value::String("MCP server configuration".into()));
    }
    core
}
