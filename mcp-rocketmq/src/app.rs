//! The RocketMQ server as an [`mcp_core::App`]: config section, credentials per mode, tools and
//! readiness.

use std::sync::Arc;

use chrono::Utc;
use mcp_core::config::Config;
use mcp_core::{
    App, BuildContext, Caller, CredentialSource, Denial, NoCommand, NoFlags, Readiness, ToolDef, ToolError,
};
use serde_json::json;

use crate::client::VolcClient;
use crate::config::{CREDENTIAL_NAME, CredentialMode, RocketMqConfig};
use crate::credentials::{CredentialError, Credentials, parse_bearer};

/// The running server.
pub struct RocketMq {
    /// The signed OpenAPI client.
    pub client: VolcClient,
    mode: CredentialMode,
    /// `credential: env`: the server's credentials, or what is missing.
    env: Result<Credentials, CredentialError>,
    /// `credential: token`: the header each request brings its token in.
    token_header: String,
    endpoint: String,
}

impl RocketMq {
    /// The credentials of one call: the server's (`credential: env`) or the caller's token
    /// (`credential: token`, parsed per request and used for that request only). Missing or
    /// refused credentials are an error, never an empty success.
    pub fn credentials_for(&self, caller: &Caller) -> Result<Credentials, ToolError> {
        match self.mode {
            CredentialMode::Env => self.env.clone().map_err(|e| {
                ToolError::Unauthorized(format!(
                    "no Volcengine credentials (credential: env): {e}; give the server its keys \
                     (also as rocketmq.access_key / rocketmq.secret_key), or run it with credential: token so \
                     each request brings its own"
                ))
            }),
            CredentialMode::Token => {
                let header = &self.token_header;
                let Some(value) = caller.credential(CREDENTIAL_NAME) else {
                    return Err(ToolError::Unauthorized(format!(
                        "no Volcengine credentials on this request (credential: token): send the header \
                         `{header}: Bearer <base64 of {{\"AccessKeyId\":\"...\",\"SecretAccessKey\":\"...\",\"SessionToken\":\"...\"}}>`"
                    )));
                };
                parse_bearer(value.expose(), Utc::now()).map(|t| t.credentials).map_err(|e| {
                    ToolError::Unauthorized(format!("the {header} header was refused (credential: token): {e}"))
                })
            }
        }
    }
}

impl App for RocketMq {
    type Section = RocketMqConfig;
    type Flags = NoFlags;
    type Command = NoCommand;
    type Access = ();
    type Tag = ();

    const NAME: &'static str = "mcp-rocketmq";
    const TITLE: &'static str = "Volcengine RocketMQ (instances, topics, consumer groups and lag, risk inspection)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DEFAULT_PORT: u16 = 8000;
    const INSTRUCTIONS: &'static str = "Volcengine RocketMQ over its OpenAPI. Find instances with DescribeInstances \
(InstanceId like rocketmq-cn...), then their topics (DescribeTopics), consumer groups (DescribeGroups), a group's topics \
and backlog (DescribeConsumedTopics, DescribeConsumedTopicDetail) and clients (DescribeConsumedClients), or one message \
(QueryMessageByMsgId). Risk inspection: GetInspectConfig (rules), GetInstanceInspectResult (findings), \
EnableInstanceInspect, ManualTriggerInspect (at most once per rule per 15 minutes) and ManualProcessResult (mark a \
finding solved). Every tool takes an optional `region` (cn-beijing, cn-shanghai, cn-guangzhou, cn-hongkong, \
ap-southeast-1, ap-southeast-3; default the server's). Paged tools take PageNumber (from 1) and PageSize (1-100).";
    const EXAMPLES: &'static str = "Examples:
  VOLCENGINE_ACCESS_KEY=AK... VOLCENGINE_SECRET_KEY=... mcp-rocketmq          # stdio with the server's credentials
  DEPLOY_MODE=remote mcp-rocketmq                       # Streamable HTTP on 127.0.0.1:8000, each request brings
                                                        # Authorization: Bearer base64(JSON credentials)
  mcp-rocketmq --transport http --read-only             # only the read tools
  VOLCENGINE_ENDPOINT='https://rocketmq.{region}.volcengineapi.com' mcp-rocketmq   # regional endpoints
  mcp-rocketmq print-config --config rocketmq.yaml";

    fn tools() -> Vec<ToolDef<Self>> {
        crate::tools::all()
    }

    fn credentials(config: &Config<RocketMqConfig>) -> Vec<CredentialSource> {
        config.server.credential_sources(config.core.auth)
    }

    async fn build(config: Arc<Config<RocketMqConfig>>, _flags: NoFlags, ctx: BuildContext) -> anyhow::Result<Self> {
        let section = &config.server;
        let client = VolcClient::new(section, &ctx)?;
        let env = section.env_credentials();
        if section.credential == CredentialMode::Env
            && let Err(e) = &env
        {
            tracing::warn!("credential: env but {e}: every tool call will fail until the credentials are set");
        }
        Ok(Self {
            client,
            mode: section.credential,
            env,
            token_header: section.token_header(config.core.auth),
            endpoint: section.upstream.url.clone(),
        })
    }

    async fn ready(&self) -> Readiness {
        let details = json!({
            "credential": self.mode.as_str(),
            "region": self.client.default_region().as_str(),
            "endpoint": self.endpoint,
        });
        match (&self.mode, &self.env) {
            (CredentialMode::Env, Err(e)) => {
                Readiness::degraded(format!("no Volcengine credentials: {e}; every tool call fails"), details)
            }
            _ => Readiness::ready(details),
        }
    }

    fn check_access(&self, _caller: &Caller, _tool: &ToolDef<Self>) -> Result<(), Denial> {
        Ok(())
    }

    async fn run_command(c: NoCommand, _: Arc<Config<RocketMqConfig>>, _: NoFlags) -> anyhow::Result<()> {
        match c {}
    }

    fn banner(config: &Config<RocketMqConfig>, _url: &str) -> Option<String> {
        let section = &config.server;
        (section.credential == CredentialMode::Token).then(|| {
            format!(
                "credential: token: each request sends `{}: Bearer base64({{\"AccessKeyId\":...,\"SecretAccessKey\":...,\"SessionToken\":...}})`",
                section.token_header(config.core.auth)
            )
        })
    }
}
