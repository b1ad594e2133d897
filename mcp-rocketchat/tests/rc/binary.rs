//! The real binary: a missing URL or token exits 64 naming the variable; `tools` lists 19 tools.

use std::time::Duration;

use test_support::process::run_to_end;

fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-rocketchat"));
    c.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

#[test]
fn missing_credentials_exit_64_naming_the_variables() {
    let mut c = bin();
    c.env("ROCKET_CHAT_URL", "https://chat.example.com");
    let (code, _, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("ROCKET_CHAT_AUTH_TOKEN"), "{err}");
    let mut c = bin();
    c.env("ROCKET_CHAT_USER_ID", "u").env("ROCKET_CHAT_AUTH_TOKEN", "secret-token-value");
    let (code, _, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(64), "{err}");
    assert!(err.contains("ROCKET_CHAT_URL"), "{err}");
    assert!(!err.contains("secret-token-value"), "the token was printed: {err}");
}

#[test]
fn print_config_hides_the_token() {
    let mut c = bin();
    c.args(["print-config"])
        .env("ROCKET_CHAT_URL", "https://chat.example.com")
        .env("ROCKET_CHAT_USER_ID", "u")
        .env("ROCKET_CHAT_AUTH_TOKEN", "secret-token-value");
    let (code, out, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("https://chat.example.com") && out.contains("ROCKET_CHAT_URL"), "{out}");
    assert!(!out.contains("secret-token-value") && !err.contains("secret-token-value"), "{out}");
}
