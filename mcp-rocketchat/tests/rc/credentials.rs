//! Whose account a call uses: per-request tokens never mixed, a clear error without them, the
//! password login with its one re-login, and 401 read from the status.

use serde_json::json;
use test_support::mcp_http::McpHttp;
use test_support::rocketchat::RcVersion;
use test_support::standin::Fault;

use crate::common::{client, fails, ok, server_as, start, world};

const PER_REQUEST: &str = "rocketchat:\n  credentials: per_request\n";

#[tokio::test]
async fn two_users_with_their_own_tokens_at_once() {
    let w = world(RcVersion::V7).await;
    let s = start(&[("ROCKET_CHAT_URL".into(), w.rc.url())], PER_REQUEST).await;
    let mut alice = McpHttp::new(&s.base)
        .with_header("X-RocketChat-User-Id", &w.alice.id)
        .with_header("X-RocketChat-Auth-Token", &w.alice.auth_token);
    let mut bob = McpHttp::new(&s.base)
        .with_header("X-RocketChat-User-Id", &w.bob.id)
        .with_header("X-RocketChat-Auth-Token", &w.bob.auth_token);
    alice.initialize().await.unwrap();
    bob.initialize().await.unwrap();
    for i in 0..4 {
        let (a, b) = tokio::join!(
            alice.call_tool("send_message", json!({"channel": "#general", "text": format!("from alice {i}")})),
            bob.call_tool("send_message", json!({"channel": "#general", "text": format!("from bob {i}")})),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let ma = w.rc.message(a["structuredContent"]["id"].as_str().unwrap()).unwrap();
        let mb = w.rc.message(b["structuredContent"]["id"].as_str().unwrap()).unwrap();
        assert_eq!((ma.username.as_str(), ma.text.as_str()), ("alice", format!("from alice {i}").as_str()));
        assert_eq!((mb.username.as_str(), mb.text.as_str()), ("bob", format!("from bob {i}").as_str()));
    }
    // Each upstream request carried the caller's own pair, never the MCP headers' names.
    for r in w.rc.requests_to("/api/v1/chat.sendMessage") {
        let uid = r.header("x-user-id").unwrap();
        let token = r.header("x-auth-token").unwrap();
        assert!(
            (uid == w.alice.id && token == w.alice.auth_token) || (uid == w.bob.id && token == w.bob.auth_token),
            "mixed credentials"
        );
        assert!(r.header("x-rocketchat-auth-token").is_none());
    }
    // A request without the headers gets a clear error, even in a session that had them.
    alice.set_header("X-RocketChat-User-Id", "");
    alice.set_header("X-RocketChat-Auth-Token", "");
    let e = fails(&mut alice, "get_messages", json!({"roomId": "#general"})).await;
    assert!(e.contains("X-RocketChat-User-Id") && e.contains("X-RocketChat-Auth-Token"), "{e}");
}

#[tokio::test]
async fn a_wrong_token_is_invalid_or_expired_whatever_the_body() {
    let w = world(RcVersion::V7).await;
    let s = start(&[("ROCKET_CHAT_URL".into(), w.rc.url())], PER_REQUEST).await;
    let mut c = McpHttp::new(&s.base)
        .with_header("X-RocketChat-User-Id", &w.alice.id)
        .with_header("X-RocketChat-Auth-Token", "not-the-token");
    c.initialize().await.unwrap();
    let e = fails(&mut c, "list_channels", json!({})).await;
    assert!(e.contains("invalid or expired"), "{e}");
    assert!(!e.contains("not-the-token"), "the token leaked: {e}");
}

#[tokio::test]
async fn password_login_logs_in_again_once_on_401() {
    let w = world(RcVersion::V7).await;
    let env = vec![
        ("ROCKET_CHAT_URL".to_owned(), w.rc.url()),
        ("ROCKET_CHAT_USER".to_owned(), "alice".to_owned()),
        ("ROCKET_CHAT_PASSWORD".to_owned(), "alice-pw".to_owned()),
    ];
    let s = start(&env, "").await;
    let mut c = client(&s).await;
    ok(&mut c, "list_channels", json!({})).await;
    let logins = w.rc.requests_to("/api/v1/login");
    assert!(!logins.is_empty());
    // JSON body, never a form.
    assert_eq!(logins[0].json().unwrap()["user"], "alice");
    let before = logins.len();
    w.rc.fault(
        "/api/v1/rooms.get",
        [Fault::json(401, json!({"success": false, "error": "You must be logged in to do this."}))],
    );
    let r = ok(&mut c, "list_channels", json!({})).await;
    assert!(crate::common::text(&r).contains("#general"));
    assert_eq!(w.rc.requests_to("/api/v1/login").len(), before + 1, "exactly one re-login");
    // A personal access token is never logged out.
    assert!(w.rc.requests_to("/api/v1/logout").is_empty());
}

#[tokio::test]
async fn a_wrong_password_says_so() {
    let w = world(RcVersion::V7).await;
    let env = vec![
        ("ROCKET_CHAT_URL".to_owned(), w.rc.url()),
        ("ROCKET_CHAT_USER".to_owned(), "alice".to_owned()),
        ("ROCKET_CHAT_PASSWORD".to_owned(), "bad-secret-pw".to_owned()),
    ];
    let s = start(&env, "").await;
    let mut c = client(&s).await;
    let e = fails(&mut c, "list_channels", json!({})).await;
    assert!(e.contains("ROCKET_CHAT_PASSWORD"), "{e}");
    assert!(!e.contains("bad-secret-pw"), "{e}");
}

#[tokio::test]
async fn pat_mode_never_logs_out() {
    let w = world(RcVersion::V7).await;
    {
        let s = server_as(&w, &w.alice, "").await;
        let mut c = client(&s).await;
        ok(&mut c, "list_channels", json!({})).await;
        s.begin_shutdown();
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(w.rc.requests_to("/api/v1/logout").is_empty());
    assert!(w.rc.token_is_valid(&w.alice.id, &w.alice.auth_token));
}

#[tokio::test]
async fn on_sse_each_post_brings_its_own_token() {
    let w = world(RcVersion::V7).await;
    let s = start(&[("ROCKET_CHAT_URL".into(), w.rc.url())], PER_REQUEST).await;
    let mut sse = test_support::mcp_http::SseSession::open(&s.base, &[]).await.unwrap();
    sse.initialize().await.unwrap();
    let call = json!({"name": "send_message", "arguments": {"channel": "#general", "text": "via sse"}});
    for (user, token) in [(&w.alice, &w.alice.auth_token), (&w.bob, &w.bob.auth_token)] {
        let headers = [("X-RocketChat-User-Id", user.id.as_str()), ("X-RocketChat-Auth-Token", token.as_str())];
        let r = sse.request("tools/call", call.clone(), &headers).await.unwrap();
        let id = r["result"]["structuredContent"]["id"].as_str().unwrap_or_else(|| panic!("{r}"));
        assert_eq!(w.rc.message(id).unwrap().username, user.username);
    }
    let r = sse.request("tools/call", call, &[]).await.unwrap();
    assert_eq!(r["result"]["isError"], true, "{r}");
}

#[tokio::test]
async fn a_totp_code_is_sent_with_the_login() {
    let w = world(RcVersion::V8).await;
    w.rc.set_totp("alice", Some("123456"));
    let env = |code: Option<&str>| {
        let mut e = vec![
            ("ROCKET_CHAT_URL".to_owned(), w.rc.url()),
            ("ROCKET_CHAT_USER".to_owned(), "alice".to_owned()),
            ("ROCKET_CHAT_PASSWORD".to_owned(), "alice-pw".to_owned()),
        ];
        if let Some(c) = code {
            e.push(("ROCKET_CHAT_TOTP_CODE".to_owned(), c.to_owned()));
        }
        e
    };
    let s = start(&env(None), "").await;
    let mut c = client(&s).await;
    let e = fails(&mut c, "list_channels", json!({})).await;
    assert!(e.contains("two-factor") && e.contains("ROCKET_CHAT_TOTP_CODE"), "{e}");
    let s = start(&env(Some("123456")), "").await;
    let mut c = client(&s).await;
    ok(&mut c, "list_channels", json!({})).await;
}
