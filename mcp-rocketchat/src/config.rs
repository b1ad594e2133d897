//! The `rocketchat:` config section: the Rocket.Chat URL on the core's upstream client block,
//! whose credentials to use, and the safety limits of what the server writes.
//!
//! The Rocket.Chat guide's `.env` (`ROCKET_CHAT_URL`, `ROCKET_CHAT_USER_ID`,
//! `ROCKET_CHAT_AUTH_TOKEN`) works unchanged.

use std::path::PathBuf;

use mcp_core::Secret;
use mcp_core::config::{Alias, ConfigError, EnvKind, EnvVar, Section};
use mcp_core::upstream::UpstreamConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::safety::WriteRooms;

/// Whose Rocket.Chat account the tools act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialMode {
    /// One account from the environment or config (stdio, or a single-user HTTP server):
    /// `user_id` + `auth_token`, or `user` + `password`.
    #[default]
    Env,
    /// Every HTTP request carries its user's own `X-RocketChat-User-Id` and
    /// `X-RocketChat-Auth-Token` (shared deployments such as LibreChat with `customUserVars`).
    PerRequest,
}

/// The `rocketchat:` section.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RocketChatConfig {
    /// Whose account the tools use: `env` (default; one account) or `per_request` (each HTTP
    /// request brings X-RocketChat-User-Id and X-RocketChat-Auth-Token).
    pub credentials: CredentialMode,
    /// User id of the personal access token (ROCKET_CHAT_USER_ID).
    pub user_id: Option<String>,
    /// Personal access token (ROCKET_CHAT_AUTH_TOKEN).
    pub auth_token: Option<Secret>,
    /// Username or e-mail for a password login, instead of a token (ROCKET_CHAT_USER).
    pub user: Option<String>,
    /// Password for the login (ROCKET_CHAT_PASSWORD).
    pub password: Option<Secret>,
    /// A two-factor code sent with the login, when the account needs one (ROCKET_CHAT_TOTP_CODE).
    pub totp_code: Option<Secret>,
    /// IANA time zone messages are shown in and relative times are read in (e.g. `Europe/Berlin`).
    pub time_zone: String,
    /// Most bytes of text one tool result holds; a longer result is cut and says how to fetch the rest.
    pub max_result_bytes: usize,
    /// Rooms the server may write to (post, edit, delete, react, upload): `#name`, `@username`,
    /// room ids, or `*` for every room (default). An empty list allows no room.
    pub write_rooms: Vec<String>,
    /// Send `@all`, `@here` and `@channel` as real mentions (default false: sent as plain text).
    pub allow_mass_mentions: bool,
    /// Directory `upload_file` may read files from by `path` (unset: only inline content).
    pub upload_dir: Option<PathBuf>,
    /// Largest file `upload_file` sends, in bytes.
    pub upload_max_bytes: u64,
    /// Longest wait of `wait_for_reply`, in seconds (also bounded by the core's request_timeout_secs).
    pub wait_max_secs: u32,
    /// Interval between two polls of `wait_for_reply`, in milliseconds (Rocket.Chat allows ordinary
    /// users 10 calls per minute per endpoint: keep it at 6000 or more for them).
    pub wait_poll_interval_ms: u64,
    /// How long a resolved room name is remembered, per user, in seconds.
    pub name_cache_ttl_secs: u64,
    /// The Rocket.Chat server: url (ROCKET_CHAT_URL), timeouts, CA file, proxy, ...
    #[serde(flatten)]
    pub upstream: UpstreamConfig,
}

impl Default for RocketChatConfig {
    fn default() -> Self {
        Self {
            credentials: CredentialMode::Env,
            user_id: None,
            auth_token: None,
            user: None,
            password: None,
            totp_code: None,
            time_zone: "UTC".to_owned(),
            max_result_bytes: 16_000,
            write_rooms: vec!["*".to_owned()],
            allow_mass_mentions: false,
            upload_dir: None,
            upload_max_bytes: 10 * 1024 * 1024,
            wait_max_secs: 300,
            wait_poll_interval_ms: 6_000,
            name_cache_ttl_secs: 300,
            upstream: UpstreamConfig::default(),
        }
    }
}

/// Which env credentials are configured.
#[derive(Debug, Clone)]
pub enum EnvCredentials {
    /// A personal access token (or any login token).
    Token {
        /// `X-User-Id`.
        user_id: String,
        /// `X-Auth-Token`.
        token: Secret,
    },
    /// A password login.
    Login {
        /// Username or e-mail.
        user: String,
        /// Password.
        password: Secret,
        /// Optional 2FA code.
        code: Option<Secret>,
    },
}

impl RocketChatConfig {
    /// The env credentials, when complete.
    pub fn env_credentials(&self) -> Option<EnvCredentials> {
        let text = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let secret = |s: &Option<Secret>| s.clone().filter(|s| !s.expose().trim().is_empty());
        if let (Some(user_id), Some(token)) = (text(&self.user_id), secret(&self.auth_token)) {
            return Some(EnvCredentials::Token { user_id, token });
        }
        if let (Some(user), Some(password)) = (text(&self.user), secret(&self.password)) {
            return Some(EnvCredentials::Login { user, password, code: secret(&self.totp_code) });
        }
        None
    }

    /// The time zone.
    pub fn tz(&self) -> chrono_tz::Tz {
        crate::timebounds::parse_zone(&self.time_zone).unwrap_or(chrono_tz::UTC)
    }

    /// The write allow-list.
    pub fn write_allow_list(&self) -> WriteRooms {
        // Validated at load; should an entry not parse, no room is allowed (never every room).
        WriteRooms::parse(&self.write_rooms)
            .or_else(|_| WriteRooms::parse(std::iter::empty::<&str>()))
            .unwrap_or_else(|_| WriteRooms::any())
    }
}

impl Section for RocketChatConfig {
    const KEY: &'static str = "rocketchat";

    fn env_vars() -> &'static [EnvVar] {
        const VARS: &[EnvVar] = &[
            EnvVar::new("ROCKETCHAT_URL", "url", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_URL", "url", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_CREDENTIALS", "credentials", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_USER_ID", "user_id", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_AUTH_TOKEN", "auth_token", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_USER", "user", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_PASSWORD", "password", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_TOTP_CODE", "totp_code", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_TIME_ZONE", "time_zone", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_WRITE_ROOMS", "write_rooms", EnvKind::List),
            EnvVar::new("ROCKET_CHAT_ALLOW_MASS_MENTIONS", "allow_mass_mentions", EnvKind::Scalar),
            EnvVar::new("ROCKET_CHAT_UPLOAD_DIR", "upload_dir", EnvKind::Text),
            EnvVar::new("ROCKET_CHAT_MAX_RESULT_BYTES", "max_result_bytes", EnvKind::Scalar),
        ];
        VARS
    }

    fn aliases() -> &'static [Alias] {
        const ALIASES: &[Alias] = &[Alias::Key { from: "rocketchat.server_url", to: "rocketchat.url" }];
        ALIASES
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.upstream.validate(
            "",
            "must be set to your Rocket.Chat's address (ROCKET_CHAT_URL), e.g. https://chat.example.com",
        )?;
        crate::timebounds::parse_zone(&self.time_zone)
            .map_err(|e| ConfigError::new("time_zone", format!("{e} (an IANA name such as Europe/Berlin or UTC)")))?;
        WriteRooms::parse(&self.write_rooms).map_err(|e| {
            ConfigError::new("write_rooms", format!("{e} (entries are #name, @username, a room id or *)"))
        })?;
        if self.max_result_bytes < 1000 {
            return Err(ConfigError::new("max_result_bytes", "must be at least 1000"));
        }
        if self.wait_max_secs == 0 || self.wait_max_secs > crate::args::MAX_WAIT_SECONDS {
            return Err(ConfigError::new(
                "wait_max_secs",
                format!("must be between 1 and {}", crate::args::MAX_WAIT_SECONDS),
            ));
        }
        if self.wait_poll_interval_ms < 50 {
            return Err(ConfigError::new("wait_poll_interval_ms", "must be at least 50"));
        }
        let half = |a: bool, b: bool| a != b;
        if half(self.user_id.is_some(), self.auth_token.is_some()) {
            return Err(ConfigError::new(
                if self.user_id.is_some() { "auth_token" } else { "user_id" },
                "a personal access token needs both ROCKET_CHAT_USER_ID and ROCKET_CHAT_AUTH_TOKEN",
            ));
        }
        if half(self.user.is_some(), self.password.is_some()) {
            return Err(ConfigError::new(
                if self.user.is_some() { "password" } else { "user" },
                "a password login needs both ROCKET_CHAT_USER and ROCKET_CHAT_PASSWORD",
            ));
        }
        if self.credentials == CredentialMode::Env && self.env_credentials().is_none() {
            return Err(ConfigError::new(
                "user_id",
                "no Rocket.Chat credentials: set ROCKET_CHAT_USER_ID and ROCKET_CHAT_AUTH_TOKEN (a personal access \
                 token from My Account → Personal Access Tokens), or ROCKET_CHAT_USER and ROCKET_CHAT_PASSWORD, or \
                 use credentials: per_request on HTTP",
            ));
        }
        if let Some(dir) = &self.upload_dir
            && !dir.is_dir()
        {
            return Err(ConfigError::new("upload_dir", format!("{} is not a directory", dir.display())));
        }
        Ok(())
    }
}
