//! `cargo xtask bench rocketchat`: `mcp-rocketchat` in front of the Rocket.Chat stand-in
//! (`test-support/examples/rocketchat_standin.rs`), measured by [`super::upstream`].
//!
//! The call: `get_messages {"roomId": "#general", "count": 20}` (the guide's argument names)
//! over stateless Streamable HTTP, as one user with a personal access token (`credentials: env`,
//! `ROCKET_CHAT_USER_ID` + `ROCKET_CHAT_AUTH_TOKEN`). The warm-up resolves `#general` once
//! (`rooms.info`, cached per user for `name_cache_ttl_secs`), so each measured call is one
//! `GET /api/v1/channels.history?roomId=…&count=20&showThreadMessages=false`; the stand-in counts
//! what it receives and the report says how many upstream requests each call made. The limiter
//! of the stand-in is off (`TEST_MODE`), as for a bot account.

use super::upstream::Spec;
use super::*;

/// The user the server acts as and the stand-in preloads (test credentials, not an account's).
const USER: &str = "bench";
const USER_ID: &str = "BenchUser00000001";
const AUTH_TOKEN: &str = "bench-personal-access-token-000000000000000";
/// Messages seeded in `#general` (more than the 20 read per call).
const MESSAGES: &str = "200";

/// The rocketchat bench.
pub(super) const SPEC: Spec = Spec {
    name: "rocketchat",
    server_package: "mcp-rocketchat",
    standin_example: "rocketchat_standin",
    tool: "get_messages",
    arguments: || serde_json::json!({"roomId": "#general", "count": 20}),
    capture: "channels.history",
    tool_require: &["seeded by the stand-in"],
    upstream_require: &[r#""success":true"#, "seeded by the stand-in"],
    upstream_reject: &[r#""success":false"#],
    standin_args,
    server_cmd,
    describe: "Call: `get_messages` `{\"roomId\": \"#general\", \"count\": 20}` (the 20 newest of 200 messages, \
               rendered one line each plus structured content; `#general` resolved once by the warm-up and cached, \
               so each call is one `GET /api/v1/channels.history` with the user's personal access token, \
               `credentials: env`) against the Rocket.Chat stand-in of `test-support` \
               (`examples/rocketchat_standin.rs`, Rocket.Chat 8.5 behaviour, rate limiter off), which checks the \
               token on every request and answers with the real envelope.",
    replay_note: ", the same `X-User-Id` / `X-Auth-Token` headers: a personal access token does not expire), so \
                  server minus direct is the MCP layer, the tool (argument checks, the cached room lookup, \
                  rendering 20 messages as text and structured content) and the extra loopback hop",
};

fn standin_args() -> Vec<String> {
    ["--user", &format!("{USER}:{USER_ID}:{AUTH_TOKEN}"), "--channel", "general", "--messages", MESSAGES]
        .into_iter()
        .chain(["--rate-limit", "off"])
        .map(String::from)
        .collect()
}

/// `mcp-rocketchat` on stateless Streamable HTTP, 127.0.0.1:0, with a config file pointing at
/// the stand-in and the bench user's token in its environment (nothing of the caller's
/// environment that configures it).
fn server_cmd(bin: &Path, url: &str, dir: &Path) -> Result<Command> {
    let config = dir.join("rocketchat.yaml");
    fs::write(
        &config,
        format!(
            "# written by cargo xtask bench rocketchat\nrocketchat:\n  url: {url}\n  proxy: none\n  credentials: env\n"
        ),
    )?;
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy().to_ascii_uppercase();
        let configures = ["MCP_", "ROCKET_CHAT_", "ROCKETCHAT_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]
            .iter()
            .any(|p| k.starts_with(p))
            || ["DEPLOY_MODE", "RUST_LOG", "TRANSPORT", "SERVER_PORT"].contains(&k.as_str());
        if configures {
            cmd.env_remove(&key);
        }
    }
    cmd.env("ROCKET_CHAT_USER_ID", USER_ID).env("ROCKET_CHAT_AUTH_TOKEN", AUTH_TOKEN);
    cmd.arg("--config").arg(&config).args(["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--stateless"]);
    Ok(cmd)
}
