//! `cargo xtask bench rocketmq`: `mcp-rocketmq` in front of the Volcengine stand-in
//! (`test-support/examples/volcengine_standin.rs`), measured by [`super::upstream`].
//!
//! The call: `GetInstanceInspectResult {"InstanceId": "rocketmq-bench"}` (a read, signed per call
//! with the server's own keys: `credential: env`), over stateless Streamable HTTP. The stand-in
//! verifies every signature (HMAC-SHA256, scope `cn-beijing/RocketMQ`, ±15 min) and answers with
//! the fixture of the real API.

use super::upstream::Spec;
use super::*;

/// The keys the server signs with and the stand-in accepts (test keys, not an account's).
const ACCESS_KEY: &str = "AKLTbench00000000000000000";
const SECRET_KEY: &str = "bench/secret+key==";

/// The rocketmq bench.
pub(super) const SPEC: Spec = Spec {
    name: "rocketmq",
    server_package: "mcp-rocketmq",
    standin_example: "volcengine_standin",
    tool: "GetInstanceInspectResult",
    arguments: || serde_json::json!({"InstanceId": "rocketmq-bench"}),
    capture: "GetInstanceInspectResult",
    tool_require: &[r#""RequestId""#],
    upstream_require: &[r#""Result""#, r#""RequestId""#],
    upstream_reject: &[r#""Error":{"#],
    standin_args: || vec!["--credentials".into(), format!("{ACCESS_KEY}:{SECRET_KEY}")],
    server_cmd,
    describe: "Call: `GetInstanceInspectResult` `{\"InstanceId\": \"rocketmq-bench\"}` (the inspection \
               results of an instance: one signed `POST /?Action=GetInstanceInspectResult&Version=2023-01-01` \
               per call, signed with the server's own keys, `credential: env`) against the Volcengine stand-in \
               of `test-support` (`examples/volcengine_standin.rs`), which verifies every HMAC-SHA256 signature \
               and answers with the real API's fixture (2 inspection results).",
    replay_note: ", signature and all, valid for the stand-in's ±15 min window), so server minus direct is the MCP \
                  layer, the tool, the per-call signature and the extra loopback hop",
};

/// `mcp-rocketmq` on stateless Streamable HTTP, 127.0.0.1:0, with a config file pointing at the
/// stand-in and the bench keys in its environment (nothing of the caller's environment that
/// configures it).
fn server_cmd(bin: &Path, url: &str, dir: &Path) -> Result<Command> {
    let config = dir.join("rocketmq.yaml");
    fs::write(
        &config,
        format!(
            "# written by cargo xtask bench rocketmq\nrocketmq:\n  url: {url}\n  proxy: none\n  region: cn-beijing\n  credential: env\n"
        ),
    )?;
    let mut cmd = Command::new(bin);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy().to_ascii_uppercase();
        let configures = ["MCP_", "VOLCENGINE_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]
            .iter()
            .any(|p| k.starts_with(p))
            || ["DEPLOY_MODE", "REGION", "RUST_LOG", "TRANSPORT", "SERVER_PORT"].contains(&k.as_str());
        if configures {
            cmd.env_remove(&key);
        }
    }
    cmd.env("VOLCENGINE_ACCESS_KEY", ACCESS_KEY).env("VOLCENGINE_SECRET_KEY", SECRET_KEY);
    cmd.arg("--config").arg(&config).args(["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--stateless"]);
    Ok(cmd)
}
