//! Config precedence, provenance, validation and secret redaction.

use mcp_core::cli::{scalar_layer, text_layer};
use mcp_core::config::Transport;

use crate::common::load;

#[test]
fn precedence_is_defaults_then_file_then_env_then_flags() {
    let yaml = "port: 9001\nhost: 127.0.0.2\nlog_level: debug\ndemo:\n  greeting: from-file\n";
    // default only
    let l = load("", &[], vec![]).unwrap();
    assert_eq!(l.config.core.port, 8123, "the server's own default port");
    // file beats default
    let l = load(yaml, &[], vec![]).unwrap();
    assert_eq!(l.config.core.port, 9001);
    assert_eq!(l.config.server.greeting, "from-file");
    // env beats file
    let l = load(yaml, &[("MCP_SERVER_PORT", "9002"), ("DEMO_GREETING", "from-env")], vec![]).unwrap();
    assert_eq!(l.config.core.port, 9002);
    assert_eq!(l.config.server.greeting, "from-env");
    assert_eq!(l.config.core.host, "127.0.0.2", "keys not overridden keep the file's value");
    // flag beats env
    let l = load(yaml, &[("MCP_SERVER_PORT", "9002")], vec![scalar_layer("port", "port", "9003")]).unwrap();
    assert_eq!(l.config.core.port, 9003);
}

#[test]
fn print_config_names_each_origin_and_hides_secrets() {
    let yaml = "host: 127.0.0.2\ndemo:\n  api_key: super-secret-key\n";
    let l = load(
        yaml,
        &[("MCP_SERVER_PORT", "9002"), ("MCP_AUTH_TOKENS", "librechat:tok-123"), ("MCP_SERVER_AUTH", "bearer")],
        vec![text_layer("transport", "transport", "StreamableHTTP")],
    )
    .unwrap();
    let out = l.render_with_provenance();
    assert!(out.contains("port: 9002  # env MCP_SERVER_PORT"), "{out}");
    assert!(out.contains("host: 127.0.0.2  # file"), "{out}");
    assert!(out.contains("transport: streamable-http  # flag --transport"), "{out}");
    assert!(out.contains("log_level: info  # default"), "{out}");
    assert!(!out.contains("super-secret-key") && !out.contains("tok-123"), "secret leaked:\n{out}");
    assert!(out.contains("api_key: \"***\""), "{out}");
    assert!(out.contains("\"token\":\"***\""), "{out}");
}

#[test]
fn transport_spellings_are_case_insensitive() {
    for (text, want) in [
        ("stdio", Transport::Stdio),
        ("SSE", Transport::Sse),
        ("StreamableHTTP", Transport::StreamableHttp),
        ("Http", Transport::Http),
    ] {
        let l = load(&format!("transport: {text}\n"), &[], vec![]).unwrap();
        assert_eq!(l.config.core.transport, want, "{text}");
        assert_eq!(l.config.core.transport.is_http(), want != Transport::Stdio);
    }
    let e = load("", &[("MCP_SERVER_MODE", "carrier-pigeon")], vec![]).unwrap_err();
    assert_eq!(e.key, "transport");
    assert_eq!(e.origin.as_deref(), Some("env MCP_SERVER_MODE"));
    assert!(e.reason.contains("carrier-pigeon"), "{e}");
}

#[test]
fn unknown_keys_name_the_key_and_the_file() {
    let e = load("prot: 80\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "prot");
    assert!(e.origin.as_deref().unwrap_or_default().contains("config.yaml"), "{e}");
    let e = load("demo:\n  greting: hi\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "demo.greting", "{e}");
    assert!(e.to_string().contains("config.yaml"), "{e}");
    let e = load("identity:\n  trust: always\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "identity.trust", "{e}");
}

#[test]
fn env_references_expand_inside_yaml() {
    let l = load("port: ${PORT}\ndemo:\n  greeting: hello ${WHO:-world}\n", &[("PORT", "7070")], vec![]).unwrap();
    assert_eq!(l.config.core.port, 7070);
    assert_eq!(l.config.server.greeting, "hello world");
    let e = load("demo:\n  greeting: ${MISSING_VAR}\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "demo.greeting");
    assert!(e.reason.contains("MISSING_VAR"), "{e}");
}

#[test]
fn invalid_values_are_reported_with_key_and_origin() {
    let e = load("port: 99999\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "port", "{e}");
    let e = load("", &[("MCP_LOG_LEVEL", "loud!!")], vec![]).unwrap_err();
    assert_eq!(e.key, "log_level");
    assert_eq!(e.origin.as_deref(), Some("env MCP_LOG_LEVEL"));
    let e = load("allowed_origins: [example.com]\n", &[], vec![]).unwrap_err();
    assert_eq!(e.key, "allowed_origins");
}

#[test]
fn identity_env_sets_the_stdio_caller() {
    let l = load(
        "",
        &[("MCP_USER_ROLE", "ADMIN"), ("MCP_USER_ID", "u7"), ("MCP_USER_EMAIL", "{{LIBRECHAT_USER_EMAIL}}")],
        vec![],
    )
    .unwrap();
    let c = mcp_core::run::stdio_caller::<crate::common::DemoApp>(&l.config);
    assert_eq!(c.role.as_deref(), Some("ADMIN"));
    assert_eq!(c.user_id.as_deref(), Some("u7"));
    assert_eq!(c.email, None, "placeholders count as absent");
}

#[test]
fn non_loopback_without_auth_is_refused_unless_explicitly_allowed() {
    let l = load("transport: http\nhost: 0.0.0.0\n", &[], vec![]).unwrap();
    let e = mcp_core::run::prepare::<crate::common::DemoApp>(&l.config).err().expect("must refuse");
    assert_eq!(e.key, "auth");
    assert!(e.reason.contains("--allow-unauthenticated"), "{e}");
    let l = load("transport: http\nhost: 0.0.0.0\nallow_unauthenticated: true\n", &[], vec![]).unwrap();
    assert!(mcp_core::run::prepare::<crate::common::DemoApp>(&l.config).is_ok());
    let l = load("transport: http\nhost: 0.0.0.0\nauth: bearer\n", &[("MCP_AUTH_TOKENS", "lc:abc")], vec![]).unwrap();
    assert!(mcp_core::run::prepare::<crate::common::DemoApp>(&l.config).is_ok());
}

#[test]
fn config_schema_covers_core_and_section() {
    let schema = mcp_core::config::file_schema::<crate::common::DemoSection>();
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["properties"]["transport"].is_object());
    assert!(schema["properties"]["demo"]["properties"]["greeting"].is_object(), "{schema}");
}

#[test]
fn aliases_map_names_users_already_have_onto_ours() {
    let l = load("server_port: 9100\n", &[], vec![]).unwrap();
    assert_eq!(l.config.core.port, 9100);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert!(l.render_with_provenance().contains("port: 9100  # file"), "{}", l.render_with_provenance());

    let l = load("", &[("DEPLOY_MODE", "Remote")], vec![]).unwrap();
    assert_eq!(l.config.core.transport, Transport::StreamableHttp);
    assert_eq!(l.config.server.greeting, "remote");
    assert!(l.render_with_provenance().contains("transport: streamable-http  # env DEPLOY_MODE"));

    let e = load("", &[("DEPLOY_MODE", "cloud")], vec![]).unwrap_err();
    assert_eq!(e.key, "DEPLOY_MODE");
    assert!(e.reason.contains("remote, local"), "{e}");
}

#[test]
fn when_an_alias_and_another_layer_disagree_the_higher_wins_and_a_warning_names_both() {
    let l = load("", &[("DEPLOY_MODE", "remote"), ("MCP_SERVER_MODE", "stdio")], vec![]).unwrap();
    assert_eq!(l.config.core.transport, Transport::Stdio, "the canonical env var is the higher layer");
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    let w = &l.warnings[0];
    assert!(w.contains("env MCP_SERVER_MODE") && w.contains("env DEPLOY_MODE") && w.contains("using \"stdio\""), "{w}");

    let l = load("server_port: 9100\n", &[("MCP_SERVER_PORT", "9200")], vec![]).unwrap();
    assert_eq!(l.config.core.port, 9200);
    assert!(
        l.warnings.iter().any(|w| w.contains("`server_port`") && w.contains("env MCP_SERVER_PORT")),
        "{:?}",
        l.warnings
    );
    assert!(l.render_with_provenance().contains("# warning: "), "print-config shows the warning");

    let l = load("server_port: 9100\nport: 9300\n", &[], vec![]).unwrap();
    assert_eq!(l.config.core.port, 9300, "our own name wins within one file");
    assert!(l.warnings.iter().any(|w| w.contains("both `server_port` (9100) and `port` (9300)")), "{:?}", l.warnings);

    // Agreeing layers say nothing.
    let l = load("server_port: 9100\n", &[("MCP_SERVER_PORT", "9100")], vec![]).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}
