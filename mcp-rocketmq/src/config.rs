//! The `rocketmq:` config section: region, endpoint, service, credentials and the credential
//! mode, plus the names the existing Python server's users already have (aliases).
//!
//! ```yaml
//! rocketmq:
//!   region: cn-beijing                      # VOLCENGINE_REGION (also REGION)
//!   url: https://open.volcengineapi.com     # VOLCENGINE_ENDPOINT; `endpoint:` is accepted too
//!   # url: https://rocketmq.{region}.volcengineapi.com   # the regional endpoints
//!   service: RocketMQ
//!   credential: env                         # VOLCENGINE_CREDENTIAL_TYPE: env | token
//!   access_key: AKLT...                     # VOLCENGINE_ACCESS_KEY
//!   secret_key: ...                         # VOLCENGINE_SECRET_KEY
//!   session_token: ...                      # VOLCENGINE_ACCESS_SESSION_TOKEN
//! ```

use mcp_core::auth::AuthMode;
use mcp_core::config::{Alias, ConfigError, EnvKind, EnvVar, Section};
use mcp_core::upstream::UpstreamConfig;
use mcp_core::{CredentialSource, Secret};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::credentials::{Credentials, EnvCredentials};
use crate::regions::{DEFAULT_ENDPOINT, KNOWN_REGIONS, Region};

/// The placeholder in `url` that makes the endpoint regional
/// (`https://rocketmq.{region}.volcengineapi.com`): one client per known region.
pub const REGION_PLACEHOLDER: &str = "{region}";

/// The regional endpoint template.
pub const REGIONAL_ENDPOINT: &str = "https://rocketmq.{region}.volcengineapi.com";

/// The name tools ask [`mcp_core::Caller::credential`] for in `credential: token` mode.
pub const CREDENTIAL_NAME: &str = "volcengine";

/// The header carrying the token when the MCP endpoint is itself protected (`auth: bearer|oauth`),
/// since `Authorization` then carries the MCP token.
pub const PROTECTED_CREDENTIAL_HEADER: &str = "X-Volcengine-Credential";

/// The header carrying the token when `auth: none` (the existing server's).
pub const OPEN_CREDENTIAL_HEADER: &str = "Authorization";

/// Where the Volcengine credentials of a call come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialMode {
    /// The server's own credentials (`access_key`, `secret_key`, `session_token`).
    #[default]
    Env,
    /// Each HTTP request brings its own: `Bearer base64(JSON{AccessKeyId, SecretAccessKey, SessionToken})`.
    Token,
}

impl CredentialMode {
    /// `env` or `token`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialMode::Env => "env",
            CredentialMode::Token => "token",
        }
    }
}

/// The `rocketmq:` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RocketMqConfig {
    /// Region calls are signed for unless a tool call names one (`VOLCENGINE_REGION`, also
    /// `REGION`): cn-beijing, cn-guangzhou, cn-shanghai, cn-hongkong, ap-southeast-1, ap-southeast-3.
    pub region: String,
    /// Service name of the credential scope (`RocketMQ`, as the existing server signs; the
    /// generated SDK uses `rocketmq`).
    pub service: String,
    /// Where credentials come from: `env` (the server's own keys below) or `token` (each HTTP
    /// request brings `Bearer base64(JSON)`) (`VOLCENGINE_CREDENTIAL_TYPE`).
    pub credential: CredentialMode,
    /// Access key id for `credential: env` (`VOLCENGINE_ACCESS_KEY`).
    pub access_key: Option<String>,
    /// Secret access key for `credential: env` (`VOLCENGINE_SECRET_KEY`).
    pub secret_key: Option<Secret>,
    /// STS session token for `credential: env` (`VOLCENGINE_ACCESS_SESSION_TOKEN`), if the keys are temporary.
    pub session_token: Option<Secret>,
    /// Header carrying the token in `credential: token` mode (`VOLCENGINE_CREDENTIAL_HEADER`).
    /// Unset: `Authorization` with `auth: none` (the existing server's), `X-Volcengine-Credential`
    /// when the MCP endpoint itself is protected (`auth: bearer` or `oauth`: `Authorization` then
    /// carries the MCP token).
    pub credential_header: Option<String>,
    /// The Volcengine OpenAPI endpoint and its HTTP client (`url` is `VOLCENGINE_ENDPOINT`,
    /// default https://open.volcengineapi.com; `{region}` in it, as in
    /// https://rocketmq.{region}.volcengineapi.com, sends each call to its region's endpoint).
    #[serde(flatten)]
    pub upstream: UpstreamConfig,
}

impl Default for RocketMqConfig {
    fn default() -> Self {
        Self {
            region: crate::regions::DEFAULT_REGION.to_owned(),
            service: crate::SERVICE.to_owned(),
            credential: CredentialMode::Env,
            access_key: None,
            secret_key: None,
            session_token: None,
            credential_header: None,
            upstream: UpstreamConfig::with_url(DEFAULT_ENDPOINT),
        }
    }
}

impl Section for RocketMqConfig {
    const KEY: &'static str = "rocketmq";

    fn env_vars() -> &'static [EnvVar] {
        // Later entries win: VOLCENGINE_REGION over the README's REGION.
        const VARS: &[EnvVar] = &[
            EnvVar::new("REGION", "region", EnvKind::Text),
            EnvVar::new("VOLCENGINE_REGION", "region", EnvKind::Text),
            EnvVar::new("VOLCENGINE_ENDPOINT", "url", EnvKind::Text),
            EnvVar::new("VOLCENGINE_SERVICE", "service", EnvKind::Text),
            EnvVar::new("VOLCENGINE_CREDENTIAL_TYPE", "credential", EnvKind::Text),
            EnvVar::new("VOLCENGINE_CREDENTIAL_HEADER", "credential_header", EnvKind::Text),
            EnvVar::new(crate::credentials::ENV_ACCESS_KEY, "access_key", EnvKind::Text),
            EnvVar::new(crate::credentials::ENV_SECRET_KEY, "secret_key", EnvKind::Text),
            EnvVar::new(crate::credentials::ENV_SESSION_TOKEN, "session_token", EnvKind::Text),
        ];
        VARS
    }

    fn aliases() -> &'static [Alias] {
        const ALIASES: &[Alias] = &[
            // The existing server's config file keys.
            Alias::Key { from: "server_port", to: "port" },
            Alias::Key { from: "server_prot", to: "port" },
            Alias::Key { from: "credential", to: "rocketmq.credential" },
            Alias::Key { from: "ak", to: "rocketmq.access_key" },
            Alias::Key { from: "sk", to: "rocketmq.secret_key" },
            Alias::Key { from: "sts_token", to: "rocketmq.session_token" },
            Alias::Key { from: "rocketmq.endpoint", to: "rocketmq.url" },
            // Its README's deployment switch.
            Alias::EnvValue {
                name: "DEPLOY_MODE",
                value: "remote",
                sets: &[("transport", "streamable-http"), ("rocketmq.credential", "token")],
            },
            Alias::EnvValue {
                name: "DEPLOY_MODE",
                value: "local",
                sets: &[("transport", "stdio"), ("rocketmq.credential", "env")],
            },
        ];
        ALIASES
    }

    fn validate(&self) -> Result<(), ConfigError> {
        Region::parse(&self.region).map_err(|e| ConfigError::new("region", e.to_string()))?;
        let service = self.service.trim();
        if service.is_empty() || service.contains('/') || service.chars().any(char::is_whitespace) {
            return Err(ConfigError::new("service", "must be a non-empty word without `/` or spaces, e.g. RocketMQ"));
        }
        for url in self.endpoint_urls() {
            let block = UpstreamConfig { url, ..self.upstream.clone() };
            block.validate("", "set VOLCENGINE_ENDPOINT (e.g. https://open.volcengineapi.com)")?;
        }
        if let Some(header) = &self.credential_header
            && http_header_name(header).is_none()
        {
            return Err(ConfigError::new("credential_header", format!("`{header}` is not a valid HTTP header name")));
        }
        Ok(())
    }
}

fn http_header_name(name: &str) -> Option<&str> {
    let name = name.trim();
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    (!name.is_empty() && name.bytes().all(token)).then_some(name)
}

impl RocketMqConfig {
    /// Whether `url` holds `{region}`: each region then has its own endpoint.
    pub fn is_regional(&self) -> bool {
        self.upstream.url.contains(REGION_PLACEHOLDER)
    }

    /// The endpoint of `region`: `url` with `{region}` replaced (the same URL for every region
    /// when there is no placeholder).
    pub fn endpoint_url(&self, region: &str) -> String {
        self.upstream.url.trim().replace(REGION_PLACEHOLDER, region)
    }

    /// Every endpoint URL the server may call (one per known region when regional).
    pub fn endpoint_urls(&self) -> Vec<String> {
        if self.is_regional() {
            KNOWN_REGIONS.iter().map(|r| self.endpoint_url(r)).collect()
        } else {
            vec![self.endpoint_url("")]
        }
    }

    /// The validated default region.
    pub fn default_region(&self) -> Region {
        Region::parse(&self.region).unwrap_or_default()
    }

    /// The header a `credential: token` request carries its token in, given the MCP endpoint's
    /// own authentication: `credential_header` if set, else `Authorization` with `auth: none`
    /// and `X-Volcengine-Credential` otherwise.
    pub fn token_header(&self, auth: AuthMode) -> String {
        match self.credential_header.as_deref().and_then(http_header_name) {
            Some(h) => h.to_owned(),
            None if auth == AuthMode::None => OPEN_CREDENTIAL_HEADER.to_owned(),
            None => PROTECTED_CREDENTIAL_HEADER.to_owned(),
        }
    }

    /// The per-request credential sources for `auth`: none with `credential: env`; the token
    /// header with `credential: token` (no stdio value: stdio uses `credential: env`).
    pub fn credential_sources(&self, auth: AuthMode) -> Vec<CredentialSource> {
        match self.credential {
            CredentialMode::Env => Vec::new(),
            CredentialMode::Token => {
                vec![CredentialSource::new(CREDENTIAL_NAME, Some(&self.token_header(auth)), None)]
            }
        }
    }

    /// The `credential: env` credentials, or what is missing.
    pub fn env_credentials(&self) -> Result<Credentials, crate::credentials::CredentialError> {
        EnvCredentials {
            access_key: self.access_key.clone().filter(|a| !a.trim().is_empty()),
            secret_key: self.secret_key.clone().filter(|s| !s.expose().trim().is_empty()),
            session_token: self.session_token.clone(),
        }
        .into_credentials()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_existing_servers() {
        let c = RocketMqConfig::default();
        assert_eq!(c.region, "cn-beijing");
        assert_eq!(c.service, "RocketMQ");
        assert_eq!(c.upstream.url, "https://open.volcengineapi.com");
        assert_eq!(c.credential, CredentialMode::Env);
        assert!(c.validate().is_ok());
        assert!(!c.is_regional());
        assert_eq!(c.endpoint_urls(), vec!["https://open.volcengineapi.com".to_owned()]);
    }

    #[test]
    fn regional_endpoints_expand_per_region() {
        let c = RocketMqConfig { upstream: UpstreamConfig::with_url(REGIONAL_ENDPOINT), ..Default::default() };
        assert!(c.is_regional());
        assert!(c.validate().is_ok());
        assert_eq!(c.endpoint_url("cn-shanghai"), "https://rocketmq.cn-shanghai.volcengineapi.com");
        assert_eq!(c.endpoint_urls().len(), KNOWN_REGIONS.len());
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            (RocketMqConfig { region: "mars-1".into(), ..Default::default() }, "region", "unknown region"),
            (RocketMqConfig { service: "Rocket MQ".into(), ..Default::default() }, "service", "word"),
            (RocketMqConfig { upstream: UpstreamConfig::with_url("ftp://x"), ..Default::default() }, "url", "http://"),
            (
                RocketMqConfig { upstream: UpstreamConfig::with_url(""), ..Default::default() },
                "url",
                "VOLCENGINE_ENDPOINT",
            ),
            (
                RocketMqConfig { credential_header: Some("X Bad".into()), ..Default::default() },
                "credential_header",
                "not a valid",
            ),
        ];
        for (c, key, needle) in cases {
            let e = c.validate().unwrap_err();
            assert_eq!(e.key, key, "{e}");
            assert!(e.reason.contains(needle), "{key}: {e}");
        }
    }

    #[test]
    fn the_token_header_follows_the_mcp_auth() {
        let c = RocketMqConfig { credential: CredentialMode::Token, ..Default::default() };
        assert_eq!(c.token_header(AuthMode::None), "Authorization");
        assert_eq!(c.token_header(AuthMode::Bearer), "X-Volcengine-Credential");
        assert_eq!(c.token_header(AuthMode::Oauth), "X-Volcengine-Credential");
        let sources = c.credential_sources(AuthMode::Bearer);
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].name, CREDENTIAL_NAME);
        assert_eq!(sources[0].header.as_deref(), Some("X-Volcengine-Credential"));
        assert!(sources[0].stdio.is_none());
        let explicit = RocketMqConfig { credential_header: Some(" X-Volc ".into()), ..c };
        assert_eq!(explicit.token_header(AuthMode::None), "X-Volc");
        assert!(RocketMqConfig::default().credential_sources(AuthMode::None).is_empty());
    }

    #[test]
    fn env_credentials_need_both_keys() {
        let c = RocketMqConfig::default();
        assert!(c.env_credentials().unwrap_err().to_string().contains("VOLCENGINE_ACCESS_KEY"));
        let c = RocketMqConfig { access_key: Some("AK".into()), secret_key: Some(Secret::new(" ")), ..c };
        assert!(c.env_credentials().unwrap_err().to_string().contains("VOLCENGINE_SECRET_KEY"));
        let c = RocketMqConfig { secret_key: Some(Secret::new("SK")), session_token: Some(Secret::new("")), ..c };
        let creds = c.env_credentials().unwrap();
        assert_eq!(creds.access_key_id(), "AK");
        assert!(creds.session_token().is_none());
    }
}
