//! The real binary: the existing server's deployment switch, its banner, a signed call, exit 64.

use std::process::Command;
use std::time::Duration;

use serde_json::json;
use test_support::process::{ServerProcess, run_to_end};

use crate::common::{BOB, assert_ok, bearer, signer_of, volc};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mcp-rocketmq"));
    c.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("NO_COLOR", "1");
    c
}

#[tokio::test]
async fn deploy_mode_remote_serves_token_mode_over_http() {
    let v = volc().await;
    let mut c = bin();
    c.env("DEPLOY_MODE", "remote")
        .env("MCP_SERVER_PORT", "0")
        .env("VOLCENGINE_ENDPOINT", v.url())
        .env("HTTPS_PROXY", "")
        .env("HTTP_PROXY", "");
    let mut server = ServerProcess::start(c).unwrap();
    for _ in 0..50 {
        if server.logs().iter().any(|l| l.contains("credential: token")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(server.logs().iter().any(|l| l.contains("Authorization: Bearer base64")), "banner: {:?}", server.logs());
    let mut client = test_support::mcp_http::McpHttp::new(&server.base_url).with_header("authorization", &bearer(BOB));
    client.initialize().await.unwrap();
    let r = client.call_tool("GetInstanceInspectResult", json!({"InstanceId": "rocketmq-x"})).await.unwrap();
    assert_ok(&r);
    assert_eq!(signer_of(&v.calls("GetInstanceInspectResult")[0]), BOB.0);
    assert_eq!(server.terminate(Duration::from_secs(20)).unwrap(), Some(0));
    let logs = server.logs().join("\n");
    assert!(!logs.contains(BOB.1) && !logs.contains(BOB.2.unwrap()), "a secret was logged: {logs}");
}

#[test]
fn bad_config_exits_64() {
    for (name, value) in
        [("VOLCENGINE_CREDENTIAL_TYPE", "sts"), ("VOLCENGINE_REGION", "mars"), ("DEPLOY_MODE", "cloud")]
    {
        let mut c = bin();
        c.env(name, value).arg("check-config");
        let (code, _, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
        assert_eq!(code, Some(64), "{name}={value}: {err}");
        assert!(err.contains(name), "{err}");
    }
}
