//! The `rocketchat:` section: the guide's `.env` unchanged, aliases, credential checks.

use mcp_core::App;
use mcp_rocketchat::app::RocketChat as Server;
use mcp_rocketchat::config::{CredentialMode, EnvCredentials};

fn load(
    yaml: &str,
    env: &[(&str, &str)],
) -> Result<mcp_core::config::Loaded<mcp_rocketchat::config::RocketChatConfig>, String> {
    let dir = tempfile::tempdir().unwrap();
    mcp_core::testing::load::<Server>(dir.path(), yaml, env, Vec::new()).map_err(|e| e.to_string())
}

#[test]
fn the_guides_env_works_unchanged() {
    let l = load(
        "",
        &[
            ("ROCKET_CHAT_URL", "https://chat.example.com"),
            ("ROCKET_CHAT_USER_ID", "u1"),
            ("ROCKET_CHAT_AUTH_TOKEN", "tok"),
        ],
    )
    .unwrap();
    let s = &l.config.server;
    assert_eq!(s.upstream.url, "https://chat.example.com");
    assert_eq!(s.credentials, CredentialMode::Env);
    match s.env_credentials() {
        Some(EnvCredentials::Token { user_id, token }) => {
            assert_eq!(user_id, "u1");
            assert_eq!(token.expose(), "tok");
        }
        other => panic!("expected a token, got {other:?}"),
    }
    assert!(!s.allow_mass_mentions);
    assert_eq!(Server::DEFAULT_PORT, 8081);
}

#[test]
fn rocketchat_url_is_an_alias_and_password_login_is_accepted() {
    let l = load(
        "",
        &[("ROCKETCHAT_URL", "https://c.example"), ("ROCKET_CHAT_USER", "alice"), ("ROCKET_CHAT_PASSWORD", "pw")],
    )
    .unwrap();
    assert_eq!(l.config.server.upstream.url, "https://c.example");
    assert!(matches!(l.config.server.env_credentials(), Some(EnvCredentials::Login { .. })));
}

#[test]
fn missing_or_half_credentials_are_config_errors() {
    let e = load("", &[("ROCKET_CHAT_URL", "https://c.example")]).unwrap_err();
    assert!(e.contains("ROCKET_CHAT_AUTH_TOKEN"), "{e}");
    let e = load("", &[("ROCKET_CHAT_URL", "https://c.example"), ("ROCKET_CHAT_USER_ID", "u")]).unwrap_err();
    assert!(e.contains("auth_token"), "{e}");
    let e = load("", &[("ROCKET_CHAT_USER_ID", "u"), ("ROCKET_CHAT_AUTH_TOKEN", "t")]).unwrap_err();
    assert!(e.contains("ROCKET_CHAT_URL"), "{e}");
    // per_request needs no account of its own.
    let l = load("rocketchat:\n  credentials: per_request\n  url: https://c.example\n", &[]).unwrap();
    assert_eq!(l.config.server.credentials, CredentialMode::PerRequest);
}

#[test]
fn bad_zone_and_write_rooms_are_refused() {
    let env = [("ROCKET_CHAT_URL", "https://c.example"), ("ROCKET_CHAT_USER_ID", "u"), ("ROCKET_CHAT_AUTH_TOKEN", "t")];
    let e = load("rocketchat:\n  time_zone: Mars/Olympus\n", &env).unwrap_err();
    assert!(e.contains("time_zone"), "{e}");
    let e = load("rocketchat:\n  write_rooms: ['#']\n", &env).unwrap_err();
    assert!(e.contains("write_rooms"), "{e}");
    let l = load("rocketchat:\n  write_rooms: ['#general', '@bob']\n  time_zone: Europe/Berlin\n", &env).unwrap();
    assert!(!l.config.server.write_allow_list().is_unrestricted());
}

#[test]
fn the_deploy_example_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/rocketchat.example.yaml");
    let yaml = std::fs::read_to_string(path).unwrap();
    let l = load(&yaml, &[("ROCKETCHAT_MCP_KEY", "k-123")]).unwrap();
    let s = &l.config.server;
    assert_eq!(s.credentials, CredentialMode::PerRequest);
    assert_eq!(s.upstream.url, "https://chat.example.com");
    assert_eq!(l.config.core.port, 8081);
}
