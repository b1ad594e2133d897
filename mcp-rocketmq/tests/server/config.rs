//! The config section and the existing server's names (aliases).

use mcp_core::config::{Loaded, Transport};
use mcp_rocketmq::app::RocketMq;
use mcp_rocketmq::config::{CredentialMode, RocketMqConfig};

fn load(yaml: &str, env: &[(&str, &str)]) -> Result<Loaded<RocketMqConfig>, mcp_core::config::ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    mcp_core::testing::load::<RocketMq>(dir.path(), yaml, env, vec![])
}

#[test]
fn defaults() {
    let l = load("", &[]).unwrap();
    let c = &l.config;
    assert_eq!(c.core.port, 8000);
    assert_eq!(c.core.transport, Transport::Stdio);
    assert_eq!(c.server.region, "cn-beijing");
    assert_eq!(c.server.service, "RocketMQ");
    assert_eq!(c.server.upstream.url, "https://open.volcengineapi.com");
    assert_eq!(c.server.credential, CredentialMode::Env);
}

#[test]
fn the_existing_servers_yaml_keys_are_read_as_they_are() {
    for key in ["server_port", "server_prot"] {
        let l = load(&format!("transport: sse\n{key}: 8765\nauth: none\ncredential: token\n"), &[]).unwrap();
        assert_eq!(l.config.core.port, 8765, "{key}");
        assert_eq!(l.config.core.transport, Transport::Sse);
        assert_eq!(l.config.server.credential, CredentialMode::Token);
    }
    let l = load("transport: StreamableHTTP\nak: AKLTx\nsk: secret\nsts_token: tok\n", &[]).unwrap();
    assert_eq!(l.config.core.transport, Transport::StreamableHttp);
    let creds = l.config.server.env_credentials().unwrap();
    assert_eq!(creds.access_key_id(), "AKLTx");
    assert_eq!(creds.secret_access_key().expose(), "secret");
    assert_eq!(creds.session_token().unwrap().expose(), "tok");
    let l = load("rocketmq:\n  endpoint: https://rocketmq.volcengineapi.com\n", &[]).unwrap();
    assert_eq!(l.config.server.upstream.url, "https://rocketmq.volcengineapi.com");
}

#[test]
fn the_existing_servers_environment_is_read_as_it_is() {
    let l = load(
        "",
        &[
            ("MCP_SERVER_MODE", "StreamableHTTP"),
            ("MCP_SERVER_PORT", "9001"),
            ("MCP_SERVER_AUTH", "none"),
            ("VOLCENGINE_CREDENTIAL_TYPE", "token"),
            ("VOLCENGINE_ENDPOINT", "https://rocketmq.{region}.volcengineapi.com"),
            ("VOLCENGINE_ACCESS_KEY", "AKLTenv"),
            ("VOLCENGINE_SECRET_KEY", "env-secret"),
            ("VOLCENGINE_ACCESS_SESSION_TOKEN", "env-token"),
        ],
    )
    .unwrap();
    let c = &l.config;
    assert_eq!(c.core.transport, Transport::StreamableHttp);
    assert_eq!(c.core.port, 9001);
    assert_eq!(c.server.credential, CredentialMode::Token);
    assert!(c.server.is_regional());
    assert_eq!(c.server.endpoint_url("cn-hongkong"), "https://rocketmq.cn-hongkong.volcengineapi.com");
    assert_eq!(c.server.env_credentials().unwrap().session_token().unwrap().expose(), "env-token");
    // Secrets never print.
    let printed = format!("{:?}", c.server);
    assert!(!printed.contains("env-secret") && !printed.contains("env-token"), "{printed}");
}

#[test]
fn deploy_mode_remote_is_http_with_token_credentials() {
    let l = load("", &[("DEPLOY_MODE", "remote")]).unwrap();
    assert_eq!(l.config.core.transport, Transport::StreamableHttp);
    assert_eq!(l.config.server.credential, CredentialMode::Token);
    let l = load("", &[("DEPLOY_MODE", "LOCAL")]).unwrap();
    assert_eq!(l.config.core.transport, Transport::Stdio);
    assert_eq!(l.config.server.credential, CredentialMode::Env);
    let e = load("", &[("DEPLOY_MODE", "cloud")]).unwrap_err();
    assert!(e.to_string().contains("remote, local"), "{e}");
    // Our own names win over the alias.
    let l = load("", &[("DEPLOY_MODE", "remote"), ("VOLCENGINE_CREDENTIAL_TYPE", "env")]).unwrap();
    assert_eq!(l.config.server.credential, CredentialMode::Env);
}

#[test]
fn region_from_volcengine_region_over_region() {
    assert_eq!(load("", &[("REGION", "cn-shanghai")]).unwrap().config.server.region, "cn-shanghai");
    let l = load("", &[("REGION", "cn-shanghai"), ("VOLCENGINE_REGION", "ap-southeast-1")]).unwrap();
    assert_eq!(l.config.server.region, "ap-southeast-1");
    let e = load("", &[("VOLCENGINE_REGION", "cn-hangzhou")]).unwrap_err();
    assert_eq!(e.key, "rocketmq.region");
    assert!(e.to_string().contains("known regions"), "{e}");
}

#[test]
fn bad_values_are_config_errors_naming_the_key() {
    for (yaml, env, key) in [
        ("", vec![("VOLCENGINE_CREDENTIAL_TYPE", "sts")], "rocketmq.credential"),
        ("rocketmq:\n  url: ftp://x\n", vec![], "rocketmq.url"),
        ("rocketmq:\n  service: ''\n", vec![], "rocketmq.service"),
        ("rocketmq:\n  no_such_key: 1\n", vec![], "rocketmq.no_such_key"),
    ] {
        let e = load(yaml, &env).unwrap_err();
        assert!(e.key.starts_with(key), "{key}: {e}");
    }
}

#[test]
fn with_a_protected_endpoint_the_token_travels_in_x_volcengine_credential() {
    let env = [("MCP_AUTH_TOKENS", "lc:k")];
    let l = load("transport: http\nauth: bearer\ncredential: token\n", &env).unwrap();
    let sources = <RocketMq as mcp_core::App>::credentials(&l.config);
    assert_eq!(sources[0].header.as_deref(), Some("X-Volcengine-Credential"));
    assert!(mcp_core::run::prepare::<RocketMq>(&l.config).is_ok());
    let l = load("transport: http\ncredential: token\n", &[]).unwrap();
    assert_eq!(<RocketMq as mcp_core::App>::credentials(&l.config)[0].header.as_deref(), Some("Authorization"));
    // Naming Authorization while it carries the MCP token is refused at startup.
    let l =
        load("transport: http\nauth: bearer\ncredential: token\nrocketmq:\n  credential_header: Authorization\n", &env)
            .unwrap();
    let e = mcp_core::run::prepare::<RocketMq>(&l.config).err().unwrap();
    assert_eq!(e.key, "auth", "{e}");
}

#[test]
fn the_deploy_example_loads() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/rocketmq.example.yaml")).unwrap();
    let l = load(&text, &[("ROCKETMQ_MCP_KEY", "k-123")]).unwrap();
    assert_eq!(l.config.core.transport, Transport::StreamableHttp);
    assert_eq!(l.config.server.credential, CredentialMode::Token);
    assert!(mcp_core::run::prepare::<RocketMq>(&l.config).is_ok());
    let sources = <RocketMq as mcp_core::App>::credentials(&l.config);
    assert_eq!(sources[0].header.as_deref(), Some("X-Volcengine-Credential"));
    let unit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/mcp-rocketmq.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/mcp-rocketmq serve")
            && unit.contains("SystemCallFilter=@system-service")
    );
}
