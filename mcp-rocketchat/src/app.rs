//! The Rocket.Chat server as an [`mcp_core::App`].

use std::sync::Arc;
use std::time::Duration;

use mcp_core::config::Config;
use mcp_core::upstream::{RateLimitReset, UpstreamName};
use mcp_core::{App, BuildContext, Caller, CredentialSource, Denial, NoCommand, NoFlags, Readiness, ToolDef};

use crate::client::{CRED_TOKEN, CRED_USER_ID, HEADER_TOKEN, HEADER_USER_ID, RcClient};
use crate::config::{CredentialMode, RocketChatConfig};
use crate::render::Renderer;
use crate::safety::WriteRooms;

/// The running server.
pub struct RocketChat {
    /// The Rocket.Chat client.
    pub client: Arc<RcClient>,
    /// The `rocketchat:` section.
    pub config: RocketChatConfig,
    /// Renders in the configured zone.
    pub renderer: Renderer,
    /// The write allow-list.
    pub write_rooms: WriteRooms,
}

impl App for RocketChat {
    type Section = RocketChatConfig;
    type Flags = NoFlags;
    type Command = NoCommand;
    type Access = ();
    type Tag = ();

    const NAME: &'static str = "mcp-rocketchat";
    const TITLE: &'static str = "Rocket.Chat (read, search, follow threads, triage unread, post and wait for replies)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DEFAULT_PORT: u16 = 8081;
    const INSTRUCTIONS: &'static str = "A self-hosted Rocket.Chat, acting as the user's own account. Rooms are named \
like people name them: #general, general, @alice (a direct message), a room id, or a room link; message and thread ids \
may be permalinks. Times accept ISO forms and 2h, 1d, 7d, yesterday. Start with list_channels or get_unread; read with \
get_messages, get_thread, search_messages; post with send_message (replies in threads with thread_id) and use \
wait_for_reply to wait for an answer. @all/@here are sent as plain text unless the server allows them. Results are \
bounded: a cut result says how to fetch the rest.";
    const EXAMPLES: &'static str = "Examples:
  ROCKET_CHAT_URL=https://chat.example.com ROCKET_CHAT_USER_ID=... ROCKET_CHAT_AUTH_TOKEN=... mcp-rocketchat
  mcp-rocketchat --transport http --config rocketchat.yaml      # HTTP on 127.0.0.1:8081 (/mcp, /sse)
  ROCKET_CHAT_CREDENTIALS=per_request mcp-rocketchat --transport http   # each user sends their own token
  mcp-rocketchat print-config";

    fn tools() -> Vec<ToolDef<Self>> {
        crate::tools::all()
    }

    fn credentials(config: &Config<RocketChatConfig>) -> Vec<CredentialSource> {
        let s = &config.server;
        let stdio_id = s.user_id.clone().map(mcp_core::Secret::new);
        vec![
            CredentialSource::new(CRED_USER_ID, Some(HEADER_USER_ID), stdio_id),
            CredentialSource::new(CRED_TOKEN, Some(HEADER_TOKEN), s.auth_token.clone()),
        ]
    }

    async fn build(config: Arc<Config<RocketChatConfig>>, _flags: NoFlags, ctx: BuildContext) -> anyhow::Result<Self> {
        let s = config.server.clone();
        let up = ctx
            .upstream(UpstreamName { label: "rocketchat", display: "Rocket.Chat" }, "rocketchat", &s.upstream)?
            .with_rate_limit_reset(RateLimitReset::EpochMillis("x-ratelimit-reset"));
        let client = Arc::new(RcClient::new(up, &s));
        // In the background: a slow or unreachable Rocket.Chat never blocks `initialize`.
        let checking = client.clone();
        let timeout = Duration::from_secs(s.upstream.request_timeout_secs.clamp(1, 30));
        tokio::spawn(async move { checking.startup_check(timeout).await });
        let app = Self { client, renderer: Renderer::new(s.tz()), write_rooms: s.write_allow_list(), config: s };
        if app.config.credentials == CredentialMode::PerRequest {
            tracing::info!("credentials: per_request: every request must carry {HEADER_USER_ID} and {HEADER_TOKEN}");
        }
        Ok(app)
    }

    async fn ready(&self) -> Readiness {
        self.client.readiness(Duration::from_secs(5)).await
    }

    fn check_access(&self, _caller: &Caller, _tool: &ToolDef<Self>) -> Result<(), Denial> {
        Ok(())
    }

    async fn on_shutdown(&self) {
        self.client.logout_own_session().await;
    }

    async fn run_command(c: NoCommand, _: Arc<Config<RocketChatConfig>>, _: NoFlags) -> anyhow::Result<()> {
        match c {}
    }
}
