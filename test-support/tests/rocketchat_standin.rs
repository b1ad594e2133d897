//! The stand-in Rocket.Chat, driven by a real reqwest client over loopback, checked against
//! `shared/upstreams/rocketchat.md`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use test_support::jwks::http_client;
use test_support::rocketchat::{RcVersion, RocketChat, RoomKind, UserHandle};

const NOT_LOGGED_IN: &str = "You must be logged in to do this.";

/// A client acting as one user (or anonymously).
struct Api {
    http: reqwest::Client,
    base: String,
    auth: Option<(String, String)>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Api {
    fn new(rc: &RocketChat, user: Option<&UserHandle>) -> Api {
        Api { http: http_client(), base: rc.url(), auth: user.map(|u| (u.id.clone(), u.auth_token.clone())) }
    }

    fn with(rc: &RocketChat, id: &str, token: &str) -> Api {
        Api { http: http_client(), base: rc.url(), auth: Some((id.to_owned(), token.to_owned())) }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut b = self.http.request(method, format!("{}{path}", self.base));
        if let Some((id, token)) = &self.auth {
            b = b.header("X-User-Id", id).header("X-Auth-Token", token);
        }
        b
    }

    async fn send(b: reqwest::RequestBuilder) -> Reply {
        let resp = b.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        Reply { status, headers, body }
    }

    async fn get(&self, path: &str) -> Reply {
        Api::send(self.req(reqwest::Method::GET, path)).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        Api::send(self.req(reqwest::Method::POST, path).json(&body)).await
    }
}

/// A server with alice and bob (ordinary users) and the public channel `general`; the limiter
/// is off unless a test turns it on.
async fn world(version: RcVersion) -> (RocketChat, UserHandle, UserHandle, String) {
    let rc = RocketChat::start(version).await.unwrap();
    let alice = rc.add_user("alice", "Alice Liddell", "alice-pw");
    let bob = rc.add_user("bob", "Bob Builder", "bob-pw");
    let general = rc.add_room(RoomKind::Channel, "general", &["alice", "bob"]);
    rc.disable_rate_limit(None);
    (rc, alice, bob, general)
}

fn ids(messages: &Value) -> Vec<String> {
    messages.as_array().unwrap().iter().map(|m| m["_id"].as_str().unwrap().to_owned()).collect()
}

fn texts(messages: &Value) -> Vec<String> {
    messages.as_array().unwrap().iter().map(|m| m["msg"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn info_hides_the_patch_version_from_non_admins_and_sets_the_standard_headers() {
    let (rc, alice, _, _) = world(RcVersion::V7).await;
    let admin = rc.add_user_with_roles("root", "Root", "pw", &["admin"]);
    let anon = Api::new(&rc, None).get("/api/info").await;
    assert_eq!(anon.status, 200);
    assert_eq!(anon.body, json!({"version": "7.10", "success": true}));
    assert_eq!(anon.headers["content-type"], "application/json");
    assert_eq!(anon.headers["cache-control"], "no-store");
    assert_eq!(anon.headers["pragma"], "no-cache");
    assert_eq!(Api::new(&rc, Some(&alice)).get("/api/info").await.body["version"], "7.10");
    let full = Api::new(&rc, Some(&admin)).get("/api/info").await;
    assert_eq!(full.body["info"]["version"], "7.10.0");
    assert!(full.body.get("version").is_none());
}

#[tokio::test]
async fn auth_headers_and_the_exact_401_bodies() {
    let (rc, alice, bob, _) = world(RcVersion::V8).await;
    let me = Api::new(&rc, Some(&alice)).get("/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["_id"], alice.id.as_str());
    assert_eq!(me.body["username"], "alice");
    assert_eq!(me.body["success"], true);
    assert!(me.body["emails"].is_array() && me.body["roles"] == json!(["user"]));

    let expected = json!({"success": false, "error": NOT_LOGGED_IN, "status": "error", "message": NOT_LOGGED_IN});
    for api in [
        Api::new(&rc, None),
        Api::with(&rc, &alice.id, "wrong-token"),
        // Bob's valid token does not authenticate alice's id.
        Api::with(&rc, &alice.id, &bob.auth_token),
    ] {
        let r = api.get("/api/v1/me").await;
        assert_eq!(r.status, 401);
        assert_eq!(r.body, expected);
        let r = api.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": "x"})).await;
        assert_eq!(r.status, 401);
    }

    // The planned 9.0 body has no status/message.
    let rc9 = RocketChat::start(RcVersion::new(9, 0, 0)).await.unwrap();
    let r = Api::new(&rc9, None).get("/api/v1/me").await;
    assert_eq!(r.body, json!({"success": false, "error": NOT_LOGGED_IN}));
}

#[tokio::test]
async fn login_forms_logout_and_api_me_per_version() {
    let (rc, alice, _, _) = world(RcVersion::V7).await;
    let anon = Api::new(&rc, None);
    for body in [
        json!({"user": "alice", "password": "alice-pw"}),
        json!({"user": "alice@example.test", "password": "alice-pw"}),
        json!({"username": "alice", "password": "alice-pw"}),
        json!({"email": "alice@example.test", "password": "alice-pw"}),
    ] {
        let r = anon.post("/api/v1/login", body.clone()).await;
        assert_eq!(r.status, 200, "{body}");
        assert_eq!(r.body["status"], "success");
        assert_eq!(r.body["success"], true);
        assert_eq!(r.body["data"]["userId"], alice.id.as_str());
        assert_eq!(r.body["data"]["me"]["username"], "alice");
        let token = r.body["data"]["authToken"].as_str().unwrap();
        assert!(rc.token_is_valid(&alice.id, token));
    }
    let unauthorized = json!({"success": false, "error": "Unauthorized", "status": "error", "message": "Unauthorized"});
    let wrong = anon.post("/api/v1/login", json!({"user": "alice", "password": "nope"})).await;
    assert_eq!((wrong.status, wrong.body.clone()), (StatusCode::UNAUTHORIZED, unauthorized.clone()));

    // 7.6+: a form-encoded login is refused even with the right password; 6.9 accepts it.
    let form = || {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("user", "alice")
            .append_pair("password", "alice-pw")
            .finish();
        move |b: reqwest::RequestBuilder| b.header("content-type", "application/x-www-form-urlencoded").body(body)
    };
    let r = Api::send(form()(anon.req(reqwest::Method::POST, "/api/v1/login"))).await;
    assert_eq!((r.status, r.body), (StatusCode::UNAUTHORIZED, unauthorized));
    let old = RocketChat::start(RcVersion::V6_9).await.unwrap();
    old.add_user("alice", "Alice", "alice-pw");
    let r = Api::send(form()(Api::new(&old, None).req(reqwest::Method::POST, "/api/v1/login"))).await;
    assert_eq!(r.status, 200);

    // Logout deletes the token used, even a personal access token.
    let api = Api::new(&rc, Some(&alice));
    let r = api.post("/api/v1/logout", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["message"], "You've been logged out!");
    assert!(!rc.token_is_valid(&alice.id, &alice.auth_token));
    assert_eq!(api.get("/api/v1/me").await.status, 401);

    // `/api/me` without v1 is gone on 7.8+, still there before.
    assert_eq!(Api::new(&rc, None).get("/api/me").await.status, 404);
    let old_alice = old.add_user("carol", "Carol", "pw");
    let r = Api::new(&old, Some(&old_alice)).get("/api/me").await;
    assert_eq!((r.status, r.body["username"].clone()), (StatusCode::OK, json!("carol")));
}

#[tokio::test]
async fn login_with_totp_needs_the_code_in_the_body_or_the_header() {
    let (rc, alice, _, _) = world(RcVersion::V8).await;
    rc.set_totp("alice", Some("123456"));
    let anon = Api::new(&rc, None);
    let r = anon.post("/api/v1/login", json!({"user": "alice", "password": "alice-pw"})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "totp-required");
    assert_eq!(r.body["message"], "TOTP Required");
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["details"]["method"], "totp");
    assert!(r.body.get("errorType").is_none());
    let r = anon.post("/api/v1/login", json!({"user": "alice", "password": "alice-pw", "code": "000000"})).await;
    assert_eq!((r.status, r.body["error"].clone()), (StatusCode::UNAUTHORIZED, json!("totp-invalid")));
    let r = anon.post("/api/v1/login", json!({"user": "alice", "password": "alice-pw", "code": "123456"})).await;
    assert_eq!(r.status, 200);
    let r = Api::send(
        anon.req(reqwest::Method::POST, "/api/v1/login")
            .header("x-2fa-code", "123456")
            .json(&json!({"user": "alice", "password": "alice-pw"})),
    )
    .await;
    assert_eq!(r.status, 200);
    // A resume login skips the second factor.
    let r = anon.post("/api/v1/login", json!({"resume": alice.auth_token})).await;
    assert_eq!(r.status, 200);

    // generatePersonalAccessToken is 2FA-protected: method `totp` here.
    let api = Api::new(&rc, Some(&alice));
    let r = api.post("/api/v1/users.generatePersonalAccessToken", json!({"tokenName": "mcp"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errorType"], "totp-required");
    assert_eq!(r.body["details"]["method"], "totp");
    let r = Api::send(
        api.req(reqwest::Method::POST, "/api/v1/users.generatePersonalAccessToken")
            .header("x-2fa-code", "123456")
            .json(&json!({"tokenName": "mcp"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let pat = r.body["token"].as_str().unwrap();
    assert_eq!(Api::with(&rc, &alice.id, pat).get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn rate_limit_headers_count_down_then_429_until_the_reset() {
    let (rc, alice, _, general) = world(RcVersion::V8).await;
    rc.set_rate_limit(None, 10, Duration::from_millis(60_000));
    let bot = rc.add_user_with_roles("helper", "Helper", "pw", &["bot"]);
    let api = Api::new(&rc, Some(&alice));
    let before = chrono::Utc::now().timestamp_millis();
    let mut reset = 0;
    for i in 0..10u32 {
        let r = api.get("/api/v1/me").await;
        assert_eq!(r.status, 200, "call {i}");
        assert_eq!(r.headers["x-ratelimit-limit"], "10");
        assert_eq!(r.headers["x-ratelimit-remaining"], (9 - i).to_string().as_str());
        reset = r.headers["x-ratelimit-reset"].to_str().unwrap().parse::<i64>().unwrap();
        assert!(reset >= before + 59_000 && reset <= before + 61_000, "epoch ms, one window ahead: {reset}");
    }
    let r = api.get("/api/v1/me").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(r.headers["x-ratelimit-reset"].to_str().unwrap().parse::<i64>().unwrap(), reset);
    assert!(r.headers.get("retry-after").is_none());
    let error = r.body["error"].as_str().unwrap();
    assert!(error.starts_with("Error, too many requests. Please slow down. You must wait "), "{error}");
    assert!(error.ends_with(" seconds before trying this endpoint again. [error-too-many-requests]"), "{error}");
    assert_eq!(r.body["success"], false);
    assert!(r.body.get("errorType").is_none());

    // Buckets are per route and method; bots are exempt and get no headers; 401s are not counted.
    let other = api.get(&format!("/api/v1/channels.history?roomId={general}")).await;
    assert_eq!((other.status, other.headers["x-ratelimit-remaining"].to_str().unwrap()), (StatusCode::OK, "9"));
    let b = Api::new(&rc, Some(&bot)).get("/api/v1/me").await;
    assert_eq!(b.status, 200);
    assert!(b.headers.get("x-ratelimit-limit").is_none());
    assert_eq!(Api::new(&rc, None).get("/api/v1/rooms.get").await.status, 401);
    let first = api.get("/api/v1/rooms.get").await;
    assert_eq!(first.headers["x-ratelimit-remaining"], "9");

    // A short window for one route: it refills after the window.
    rc.set_rate_limit(Some("chat.postMessage"), 1, Duration::from_millis(300));
    let post = || api.post("/api/v1/chat.postMessage", json!({"roomId": general, "text": "hi"}));
    assert_eq!(post().await.status, 200);
    assert_eq!(post().await.status, 429);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(post().await.status, 200);
}

#[tokio::test]
async fn login_is_rate_limited_without_a_user() {
    let rc = RocketChat::start(RcVersion::V8).await.unwrap();
    rc.add_user("alice", "Alice", "pw");
    let anon = Api::new(&rc, None);
    for _ in 0..10 {
        let r = anon.post("/api/v1/login", json!({"user": "alice", "password": "bad"})).await;
        assert_eq!(r.status, 401);
        assert!(r.headers.contains_key("x-ratelimit-remaining"));
    }
    let r = anon.post("/api/v1/login", json!({"user": "alice", "password": "pw"})).await;
    assert_eq!(r.status, 429, "the default limiter: 10 per minute");
}

#[tokio::test]
async fn error_envelopes_for_names_and_access() {
    let (rc, alice, _, _) = world(RcVersion::V8).await;
    let carol = rc.add_user("carol", "Carol", "pw");
    let secret = rc.add_room(RoomKind::Group, "secret", &["carol"]);
    let api = Api::new(&rc, Some(&alice));

    let r = api.get("/api/v1/rooms.info?roomName=general").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["room"]["t"], "c");
    assert_eq!(r.body["room"]["name"], "general");
    let r = api.get("/api/v1/rooms.info?roomName=nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({"success": false, "errorType": "error-room-not-found",
            "error": "The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]"})
    );
    let r = api.get(&format!("/api/v1/rooms.info?roomId={secret}")).await;
    assert_eq!(r.body, json!({"success": false, "error": "not-allowed", "errorType": "Not Allowed"}));
    assert_eq!(Api::new(&rc, Some(&carol)).get("/api/v1/rooms.info?roomName=secret").await.body["room"]["t"], "p");

    let r = api.post("/api/v1/chat.postMessage", json!({"channel": "#nope", "text": "x"})).await;
    assert_eq!(r.body, json!({"success": false, "error": "[invalid-channel]", "errorType": "invalid-channel"}));

    // A route this server does not have.
    let r = api.get("/api/v1/no.such.route").await;
    assert_eq!((r.status, r.body), (StatusCode::NOT_FOUND, json!({"success": false, "error": "Resource not found"})));

    let r = api.get("/api/v1/users.info?username=bob").await;
    assert_eq!(r.body["user"]["username"], "bob");
    let r = api.get("/api/v1/users.info?username=zed").await;
    assert_eq!(r.body, json!({"success": false, "error": "User not found."}));
    let r = api.get("/api/v1/users.info").await;
    assert_eq!(r.body["errorType"], "invalid-params");
}

#[tokio::test]
async fn history_is_newest_first_with_latest_oldest_inclusive_and_count() {
    let (rc, alice, _, general) = world(RcVersion::V8).await;
    let ids_in_order: Vec<String> = (0..5).map(|i| rc.post_as("bob", &general, &format!("m{i}"), None)).collect();
    let api = Api::new(&rc, Some(&alice));

    let r = api.get(&format!("/api/v1/channels.history?roomId={general}&count=2")).await;
    assert_eq!(r.status, 200);
    assert_eq!(texts(&r.body["messages"]), ["m4", "m3"]);
    assert!(r.body.get("total").is_none(), "history has no total");
    // Next page: latest = ts of the oldest message returned (exclusive).
    let oldest_ts = r.body["messages"][1]["ts"].as_str().unwrap().to_owned();
    let r = api.get(&format!("/api/v1/channels.history?roomId={general}&count=2&latest={oldest_ts}")).await;
    assert_eq!(texts(&r.body["messages"]), ["m2", "m1"]);
    let r =
        api.get(&format!("/api/v1/channels.history?roomId={general}&count=2&latest={oldest_ts}&inclusive=true")).await;
    assert_eq!(texts(&r.body["messages"]), ["m3", "m2"]);
    // Polling for newer messages: oldest is exclusive unless inclusive=true.
    let r = api.get(&format!("/api/v1/channels.history?roomId={general}&oldest={oldest_ts}")).await;
    assert_eq!(texts(&r.body["messages"]), ["m4"]);
    let r = api.get(&format!("/api/v1/channels.history?roomId={general}&offset=1&count=2")).await;
    assert_eq!(texts(&r.body["messages"]), ["m3", "m2"]);
    let r = api.get("/api/v1/channels.history?roomName=general").await;
    assert_eq!(ids(&r.body["messages"]), ids_in_order.iter().rev().cloned().collect::<Vec<_>>());

    // unreads=true adds unreadNotLoaded / firstUnread.
    let first_ts = rc.message(&ids_in_order[0]).unwrap().ts;
    let r = api
        .get(&format!("/api/v1/channels.history?roomId={general}&count=2&unreads=true&oldest=2000-01-01T00:00:00.000Z"))
        .await;
    assert_eq!(r.body["unreadNotLoaded"], 3);
    assert_eq!(r.body["firstUnread"]["ts"], first_ts.as_str());

    // The type must match the family.
    let group = rc.add_room(RoomKind::Group, "team", &["alice"]);
    let r = api.get(&format!("/api/v1/channels.history?roomId={group}")).await;
    assert_eq!(r.body["errorType"], "error-room-not-found");
    assert!(r.body["error"].as_str().unwrap().contains("does not match any channel"));
    let r = api.get(&format!("/api/v1/groups.history?roomId={general}")).await;
    assert!(r.body["error"].as_str().unwrap().contains("does not match any group"));
}

#[tokio::test]
async fn history_count_defaults_differ_and_thread_replies_follow_show_thread_messages() {
    let (rc, alice, _, general) = world(RcVersion::V8).await;
    let group = rc.add_room(RoomKind::Group, "team", &["alice", "bob"]);
    for i in 0..120 {
        rc.post_as("bob", &general, &format!("c{i}"), None);
        rc.post_as("bob", &group, &format!("g{i}"), None);
    }
    let api = Api::new(&rc, Some(&alice));
    let len = |r: &Reply| r.body["messages"].as_array().unwrap().len();
    assert_eq!(len(&api.get(&format!("/api/v1/channels.history?roomId={general}")).await), 50);
    assert_eq!(len(&api.get(&format!("/api/v1/channels.history?roomId={general}&count=500")).await), 100, "capped");
    assert_eq!(len(&api.get(&format!("/api/v1/channels.history?roomId={general}&count=0")).await), 120, "0 = all");
    assert_eq!(len(&api.get(&format!("/api/v1/groups.history?roomId={group}")).await), 20);
    assert_eq!(len(&api.get(&format!("/api/v1/groups.history?roomId={group}&count=110")).await), 110, "no cap");

    let root = rc.post_as("bob", &general, "root", None);
    rc.post_as("alice", &general, "reply", Some(&root));
    let g_root = rc.post_as("bob", &group, "groot", None);
    rc.post_as("alice", &group, "greply", Some(&g_root));
    let top = |r: &Reply| r.body["messages"][0]["msg"].as_str().unwrap().to_owned();
    assert_eq!(top(&api.get(&format!("/api/v1/channels.history?roomId={general}&count=1")).await), "root");
    assert_eq!(
        top(&api.get(&format!("/api/v1/channels.history?roomId={general}&count=1&showThreadMessages=true")).await),
        "reply"
    );
    assert_eq!(top(&api.get(&format!("/api/v1/groups.history?roomId={group}&count=1")).await), "greply");
    assert_eq!(
        top(&api.get(&format!("/api/v1/groups.history?roomId={group}&count=1&showThreadMessages=false")).await),
        "groot"
    );
}

#[tokio::test]
async fn paginated_messages_have_count_offset_total() {
    let (rc, alice, _, general) = world(RcVersion::V7).await;
    for i in 0..130 {
        rc.post_as("bob", &general, &format!("m{i}"), None);
    }
    let api = Api::new(&rc, Some(&alice));
    let r = api.get(&format!("/api/v1/channels.messages?roomId={general}")).await;
    assert_eq!(
        (r.body["count"].clone(), r.body["offset"].clone(), r.body["total"].clone()),
        (json!(50), json!(0), json!(130))
    );
    assert_eq!(r.body["messages"][0]["msg"], "m129", "ts:-1 by default");
    let r = api.get(&format!("/api/v1/channels.messages?roomId={general}&count=1000&offset=100")).await;
    assert_eq!((r.body["count"].clone(), r.body["offset"].clone()), (json!(30), json!(100)));
    let r = api.get(&format!("/api/v1/channels.messages?roomId={general}&count=2&sort=%7B%22ts%22%3A1%7D")).await;
    assert_eq!(texts(&r.body["messages"]), ["m0", "m1"]);
    let r = api.get(&format!("/api/v1/channels.messages?roomId={general}&sort=%7B%22ts%22%3A2%7D")).await;
    assert_eq!(r.body["errorType"], "error-invalid-sort-parameter");
    // 7.0+: mentionIds filter.
    rc.post_as("bob", &general, "hey @alice", None);
    let r = api.get(&format!("/api/v1/channels.messages?roomId={general}&mentionIds=%5B%22{}%22%5D", alice.id)).await;
    assert_eq!(texts(&r.body["messages"]), ["hey @alice"]);
    assert_eq!(r.body["total"], 1);
}

#[tokio::test]
async fn post_message_targets_size_limit_and_settings() {
    let (rc, alice, bob, general) = world(RcVersion::V8).await;
    let carol = rc.add_user("carol", "Carol", "pw");
    let api = Api::new(&rc, Some(&carol));

    // `#name` of a public channel auto-joins.
    let r = api.post("/api/v1/chat.postMessage", json!({"channel": "#general", "text": "hi all"})).await;
    assert_eq!(r.status, 200);
    assert!(r.body["ts"].is_i64(), "epoch ms as a number");
    assert_eq!(r.body["channel"], "#general");
    assert_eq!(r.body["message"]["msg"], "hi all");
    assert_eq!(r.body["message"]["rid"], general.as_str());
    assert_eq!(r.body["message"]["u"]["username"], "carol");
    let stored = rc.messages(&general);
    assert_eq!(
        stored.iter().map(|m| (m.system.as_deref(), m.text.as_str())).collect::<Vec<_>>(),
        [(Some("uj"), "carol"), (None, "hi all")]
    );
    assert!(rc.rooms_of("carol").contains(&general));

    // `@username` creates the DM.
    let r = api.post("/api/v1/chat.postMessage", json!({"channel": "@bob", "text": "psst"})).await;
    assert_eq!(r.status, 200);
    let dm = r.body["message"]["rid"].as_str().unwrap().to_owned();
    assert_eq!(rc.subscription("bob", &dm).unwrap().unread, 1);
    assert_eq!(rc.subscription("bob", &dm).unwrap().user_mentions, 1, "a DM message counts as a mention");
    let r = Api::new(&rc, Some(&bob)).post("/api/v1/im.create", json!({"username": "carol"})).await;
    assert_eq!(r.body["room"]["rid"], dm.as_str(), "im.create is idempotent");

    // Size limit, from the setting.
    let limit = Api::new(&rc, None).get("/api/v1/settings.public?_id=Message_MaxAllowedSize").await;
    assert_eq!(limit.body["settings"], json!([{"_id": "Message_MaxAllowedSize", "value": 5000, "enterprise": false}]));
    rc.set_setting("Message_MaxAllowedSize", 10);
    let limit = Api::new(&rc, None).get("/api/v1/settings.public?_id=Message_MaxAllowedSize").await;
    assert_eq!(limit.body["settings"][0]["value"], 10);
    let ok = api.post("/api/v1/chat.postMessage", json!({"roomId": general, "text": "ten chars!"})).await;
    assert_eq!(ok.status, 200);
    let r = api.post("/api/v1/chat.postMessage", json!({"roomId": general, "text": "eleven chars"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["errorType"], "error-message-size-exceeded");
    assert_eq!(r.body["error"], "Message size exceeds Message_MaxAllowedSize [error-message-size-exceeded]");
    let r = Api::new(&rc, Some(&alice))
        .post("/api/v1/chat.sendMessage", json!({"message": {"rid": general, "msg": "also eleven"}}))
        .await;
    assert_eq!(r.body["errorType"], "error-message-size-exceeded");
    assert!(!rc.messages(&general).iter().any(|m| m.text.len() > 10), "nothing too long was stored");

    // alias needs message-impersonate (bots have it).
    let r = api.post("/api/v1/chat.postMessage", json!({"roomId": general, "text": "x", "alias": "Boss"})).await;
    assert_eq!(r.body["errorType"], "error-not-allowed");
}

#[tokio::test]
async fn threads_reactions_unread_and_read_state() {
    let (rc, alice, bob, general) = world(RcVersion::V8).await;
    let alice_api = Api::new(&rc, Some(&alice));
    let bob_api = Api::new(&rc, Some(&bob));
    let root = rc.post_as("alice", &general, "question?", None);

    let r =
        bob_api.post("/api/v1/chat.sendMessage", json!({"message": {"rid": general, "msg": "x", "tshow": true}})).await;
    assert_eq!(r.body["errorType"], "invalid-params", "tshow needs tmid");
    let r = bob_api
        .post("/api/v1/chat.sendMessage", json!({"message": {"rid": general, "msg": "answer", "tmid": root}}))
        .await;
    assert_eq!(r.status, 200);
    let reply = r.body["message"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["message"]["tmid"], root.as_str());
    // A reply to a reply goes to the root.
    let r = bob_api
        .post("/api/v1/chat.sendMessage", json!({"message": {"rid": general, "msg": "more", "tmid": reply}}))
        .await;
    assert_eq!(r.body["message"]["tmid"], root.as_str());
    // chat.postMessage ignores tshow.
    let r = bob_api
        .post("/api/v1/chat.postMessage", json!({"roomId": general, "text": "third", "tmid": root, "tshow": true}))
        .await;
    assert!(r.body["message"].get("tshow").is_none());

    let parent = rc.message(&root).unwrap();
    assert_eq!(parent.tcount, 3);
    let r = alice_api.get(&format!("/api/v1/chat.getThreadMessages?tmid={root}")).await;
    assert_eq!(texts(&r.body["messages"]), ["answer", "more", "third"], "oldest first, no parent");
    assert_eq!(r.body["total"], 3);
    let r = alice_api.get(&format!("/api/v1/chat.getThreadsList?rid={general}")).await;
    assert_eq!(ids(&r.body["threads"]), vec![root.clone()]);
    assert_eq!(r.body["threads"][0]["tcount"], 3);
    assert_eq!(r.body["threads"][0]["replies"], json!([alice.id, bob.id]));
    let r = alice_api.get("/api/v1/chat.getThreadMessages?tmid=nope").await;
    assert_eq!(r.body["error"], "Invalid Message [error-invalid-message]");

    // Thread-only replies go to tunread, not unread; a mention in the room counts.
    let sub = rc.subscription("alice", &general).unwrap();
    assert_eq!((sub.unread, sub.tunread.clone()), (0, vec![root.clone()]));
    rc.post_as("bob", &general, "@alice look", None);
    let r = alice_api.get("/api/v1/subscriptions.get").await;
    let s = r.body["update"].as_array().unwrap().iter().find(|s| s["rid"] == general.as_str()).unwrap().clone();
    assert_eq!((s["unread"].clone(), s["userMentions"].clone(), s["alert"].clone()), (json!(1), json!(1), json!(true)));
    assert_eq!(s["tunread"], json!([root]));
    let r = alice_api.post("/api/v1/subscriptions.read", json!({"rid": general})).await;
    assert_eq!(r.body, json!({"success": true}));
    let sub = rc.subscription("alice", &general).unwrap();
    assert_eq!((sub.unread, sub.user_mentions, sub.alert, sub.tunread.len()), (0, 0, false, 0));

    // Reactions: toggle without shouldReact; shouldReact sets.
    let react = |body: Value| bob_api.post("/api/v1/chat.react", body);
    assert_eq!(react(json!({"messageId": root, "emoji": "smile"})).await.status, 200);
    assert_eq!(rc.message(&root).unwrap().reactions[":smile:"], ["bob"]);
    let r = alice_api.get(&format!("/api/v1/chat.getThreadsList?rid={general}")).await;
    assert_eq!(r.body["threads"][0]["reactions"], json!({":smile:": {"usernames": ["bob"]}}));
    react(json!({"messageId": root, "emoji": ":smile:"})).await;
    assert!(rc.message(&root).unwrap().reactions.is_empty(), "toggled off");
    react(json!({"messageId": root, "reaction": ":+1:", "shouldReact": true})).await;
    react(json!({"messageId": root, "reaction": ":+1:", "shouldReact": true})).await;
    assert_eq!(rc.message(&root).unwrap().reactions[":+1:"], ["bob"]);
    react(json!({"messageId": root, "reaction": "+1", "shouldReact": false})).await;
    assert!(rc.message(&root).unwrap().reactions.is_empty());
    let r = react(json!({"messageId": root, "emoji": "no such emoji!"})).await;
    assert_eq!(r.body["error"], "Invalid emoji provided. [error-not-allowed]");
    let r = react(json!({"messageId": "nope", "emoji": "smile"})).await;
    assert_eq!(r.body["errorType"], "error-message-not-found");
}

#[tokio::test]
async fn update_and_delete() {
    let (rc, alice, bob, general) = world(RcVersion::V8).await;
    let api = Api::new(&rc, Some(&alice));
    let mine = rc.post_as("alice", &general, "typo", None);
    let theirs = rc.post_as("bob", &general, "bob's", None);
    let r = api.post("/api/v1/chat.update", json!({"roomId": general, "msgId": mine, "text": "fixed"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["message"]["msg"], "fixed");
    assert!(r.body["message"]["editedAt"].is_string());
    assert_eq!(r.body["message"]["editedBy"]["username"], "alice");
    let r = api.post("/api/v1/chat.update", json!({"roomId": general, "msgId": "nope", "text": "x"})).await;
    assert_eq!(r.body, json!({"success": false, "error": "No message found with the id of \"nope\"."}));
    let r = api.post("/api/v1/chat.update", json!({"roomId": "other", "msgId": mine, "text": "x"})).await;
    assert_eq!(r.body["error"], "The room id provided does not match where the message is from.");
    // Bob is no owner of `general`: he may not edit or delete alice's message.
    let bob_api = Api::new(&rc, Some(&bob));
    let r = bob_api.post("/api/v1/chat.update", json!({"roomId": general, "msgId": mine, "text": "x"})).await;
    assert_eq!(
        r.body,
        json!({"success": false, "error": "Message editing not allowed [error-action-not-allowed]",
        "errorType": "error-action-not-allowed"})
    );
    let r = bob_api.post("/api/v1/chat.delete", json!({"roomId": general, "msgId": mine})).await;
    assert_eq!(r.body["errorType"], "error-action-not-allowed");
    assert!(rc.message(&mine).is_some());

    let r = api.post("/api/v1/chat.delete", json!({"roomId": general, "msgId": mine})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["_id"], mine.as_str());
    assert!(r.body["ts"].as_str().unwrap().parse::<i64>().is_ok(), "epoch ms as a string");
    assert_eq!(r.body["message"]["rid"], general.as_str());
    assert!(rc.message(&mine).is_none());
    // Alice owns `general` (she created it), so she may moderate bob's message.
    let r = api.post("/api/v1/chat.delete", json!({"roomId": general, "msgId": theirs})).await;
    assert_eq!(r.status, 200);
    assert!(rc.message(&theirs).is_none());
}

#[tokio::test]
async fn get_message_returns_one_message_or_the_real_failures() {
    let (rc, alice, bob, general) = world(RcVersion::V8).await;
    let carol = rc.add_user("carol", "Carol", "pw");
    let secret = rc.add_room(RoomKind::Group, "secret", &["bob"]);
    let id = rc.post_as("bob", &general, "hello @alice", None);
    let hidden = rc.post_as("bob", &secret, "not for alice", None);
    let api = Api::new(&rc, Some(&alice));
    let r = api.get(&format!("/api/v1/chat.getMessage?msgId={id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["success"], true);
    assert_eq!(r.body["message"]["_id"], id.as_str());
    assert_eq!(r.body["message"]["rid"], general.as_str());
    assert_eq!(r.body["message"]["msg"], "hello @alice");
    assert_eq!(r.body["message"]["u"]["username"], "bob");
    assert!(r.body["message"]["ts"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", r.body);
    // A public channel is readable by anyone who may view channels, member or not.
    let r = Api::new(&rc, Some(&carol)).get(&format!("/api/v1/chat.getMessage?msgId={id}")).await;
    assert_eq!(r.status, 200);
    // getSingleMessage gives null for an unknown id: a bare failure(), no error text.
    let r = api.get("/api/v1/chat.getMessage?msgId=nope").await;
    assert_eq!((r.status, r.body), (StatusCode::BAD_REQUEST, json!({"success": false})));
    let r = api.get(&format!("/api/v1/chat.getMessage?msgId={hidden}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        json!({"success": false, "error": "Not allowed [error-not-allowed]", "errorType": "error-not-allowed"})
    );
    let r = Api::new(&rc, Some(&bob)).get(&format!("/api/v1/chat.getMessage?msgId={hidden}")).await;
    assert_eq!(r.body["message"]["msg"], "not for alice");
    let r = api.get("/api/v1/chat.getMessage").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "must have required property 'msgId' [invalid-params]");
    assert_eq!(r.body["errorType"], "invalid-params");
    let r = api.get("/api/v1/chat.getMessage?msgId=").await;
    assert_eq!(r.body, json!({"success": false, "error": "The \"msgId\" query parameter must be provided."}));
    let r = Api::new(&rc, None).get(&format!("/api/v1/chat.getMessage?msgId={id}")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

async fn upload(api: &Api, path: &str, fields: &[(&str, &str)]) -> Reply {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello file".to_vec()).file_name("notes.txt").mime_str("text/plain").unwrap(),
    );
    for (k, v) in fields {
        form = form.text((*k).to_owned(), (*v).to_owned());
    }
    Api::send(api.req(reqwest::Method::POST, path).multipart(form)).await
}

#[tokio::test]
async fn upload_flows_follow_the_version() {
    // 6.9: only rooms.upload.
    let (rc, alice, _, general) = world(RcVersion::V6_9).await;
    let api = Api::new(&rc, Some(&alice));
    let r =
        upload(&api, &format!("/api/v1/rooms.upload/{general}"), &[("msg", "see file"), ("description", "my notes")])
            .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["message"]["file"]["name"], "notes.txt");
    assert_eq!(r.body["message"]["attachments"][0]["description"], "my notes");
    assert_eq!(rc.uploads(&general)[0].data, b"hello file");
    let r = upload(&api, &format!("/api/v1/rooms.media/{general}"), &[]).await;
    assert_eq!(r.status, 404);

    // 6.10: both.
    let (rc, alice, _, general) = world(RcVersion::V6_10).await;
    let api = Api::new(&rc, Some(&alice));
    assert_eq!(upload(&api, &format!("/api/v1/rooms.upload/{general}"), &[]).await.status, 200);
    assert_eq!(upload(&api, &format!("/api/v1/rooms.media/{general}"), &[]).await.status, 200);

    // 8.x: rooms.upload is gone; media + confirm.
    let (rc, alice, bob, general) = world(RcVersion::V8).await;
    let api = Api::new(&rc, Some(&alice));
    let r = upload(&api, &format!("/api/v1/rooms.upload/{general}"), &[]).await;
    assert_eq!((r.status, r.body), (StatusCode::NOT_FOUND, json!({"success": false, "error": "Resource not found"})));
    let r = upload(&api, &format!("/api/v1/rooms.media/{general}"), &[]).await;
    assert_eq!(r.status, 200);
    let file_id = r.body["file"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["file"]["url"], format!("/file-upload/{file_id}/notes.txt"));
    assert!(rc.messages(&general).is_empty(), "rooms.media posts no message");
    assert!(!rc.uploads(&general)[0].confirmed);
    let root = rc.post_as("bob", &general, "send me the notes", None);
    let r = api
        .post(
            &format!("/api/v1/rooms.mediaConfirm/{general}/{file_id}"),
            json!({"msg": "", "description": "here", "tmid": root}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["message"]["files"][0]["_id"], file_id.as_str());
    assert_eq!(r.body["message"]["tmid"], root.as_str());
    assert!(rc.uploads(&general)[0].confirmed);
    let r = api.post(&format!("/api/v1/rooms.mediaConfirm/{general}/nope"), json!({})).await;
    assert_eq!(r.body, json!({"success": false, "error": "[invalid-file]", "errorType": "invalid-file"}));
    // No room access: 403.
    let secret = rc.add_room(RoomKind::Group, "secret", &["bob"]);
    let r = upload(&api, &format!("/api/v1/rooms.media/{secret}"), &[]).await;
    assert_eq!((r.status, r.body), (StatusCode::FORBIDDEN, json!({"success": false, "error": "unauthorized"})));
    // The description is bound by Message_MaxAllowedSize.
    rc.set_setting("Message_MaxAllowedSize", 3);
    let r = upload(&Api::new(&rc, Some(&bob)), &format!("/api/v1/rooms.media/{general}"), &[]).await;
    let id = r.body["file"]["_id"].as_str().unwrap().to_owned();
    let r = Api::new(&rc, Some(&bob))
        .post(&format!("/api/v1/rooms.mediaConfirm/{general}/{id}"), json!({"description": "too long"}))
        .await;
    assert_eq!(r.body["errorType"], "error-message-size-exceeded");
}

#[tokio::test]
async fn dm_routes_are_im_routes() {
    let (rc, alice, _, _) = world(RcVersion::V8).await;
    let api = Api::new(&rc, Some(&alice));
    let r = api.post("/api/v1/dm.create", json!({"username": "bob"})).await;
    assert_eq!(r.status, 200);
    let rid = r.body["room"]["rid"].as_str().unwrap().to_owned();
    assert_eq!(r.body["room"]["t"], "d");
    assert_eq!(r.body["room"]["_id"], rid.as_str());
    assert_eq!(api.post("/api/v1/im.create", json!({"username": "bob"})).await.body["room"]["rid"], rid.as_str());
    rc.post_as("bob", &rid, "yo", None);
    let a = api.get(&format!("/api/v1/im.history?roomId={rid}")).await;
    let b = api.get(&format!("/api/v1/dm.history?roomId={rid}")).await;
    assert_eq!(texts(&a.body["messages"]), ["yo"]);
    assert_eq!(a.body["messages"], b.body["messages"]);
    // im.history takes a username as roomId too.
    assert_eq!(texts(&api.get("/api/v1/im.history?roomId=bob").await.body["messages"]), ["yo"]);
    let r = api.get("/api/v1/im.history?roomId=nobody").await;
    assert_eq!(r.body["error"], "[invalid-channel]");
    let r = api.post("/api/v1/im.create", json!({"username": "nobody"})).await;
    assert_eq!(r.body["error"], "Invalid user [error-invalid-user]");
    let r = api.get("/api/v1/dm.list").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["ims"][0]["usernames"], json!(["alice", "bob"]));
    assert_eq!(api.get(&format!("/api/v1/dm.messages?roomId={rid}")).await.body["total"], 1);
}

#[tokio::test]
async fn creating_rooms_members_and_read_only() {
    let (rc, alice, bob, _) = world(RcVersion::V8).await;
    let api = Api::new(&rc, Some(&alice));
    let r = api.post("/api/v1/channels.create", json!({"name": "news", "members": ["bob"], "readOnly": true})).await;
    assert_eq!(r.status, 200);
    let news = r.body["channel"]["_id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["channel"]["ro"], true);
    let r = api.get(&format!("/api/v1/channels.members?roomId={news}")).await;
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["members"][0]["username"], "alice");
    rc.set_status("bob", "away");
    let r = api.get(&format!("/api/v1/channels.members?roomId={news}&status%5B%5D=away")).await;
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1);
    // Only the owner posts in a read-only room.
    let r = Api::new(&rc, Some(&bob)).post("/api/v1/chat.postMessage", json!({"roomId": news, "text": "me too"})).await;
    assert_eq!(r.body["error"], "You can't send messages because the room is readonly.");
    assert_eq!(api.post("/api/v1/chat.postMessage", json!({"roomId": news, "text": "news!"})).await.status, 200);

    let r = api.post("/api/v1/channels.create", json!({"name": "news"})).await;
    assert_eq!(r.body["error"], "A channel with name 'news' exists [error-duplicate-channel-name]");
    let r = api.post("/api/v1/channels.create", json!({})).await;
    assert_eq!(r.body, json!({"success": false, "error": "Param \"name\" is required"}));
    let r = api.post("/api/v1/groups.create", json!({})).await;
    assert_eq!(r.body["error"], "Body param \"name\" is required");
    let r = api.post("/api/v1/groups.create", json!({"name": "bad name!"})).await;
    assert_eq!(r.body["errorType"], "error-invalid-room-name");
    let r = api.post("/api/v1/groups.create", json!({"name": "ops", "members": ["bob"]})).await;
    assert_eq!(r.body["group"]["t"], "p");
    rc.revoke_permission("user", "create-c");
    let r = api.post("/api/v1/channels.create", json!({"name": "later"})).await;
    assert_eq!((r.status, r.body), (StatusCode::FORBIDDEN, json!({"success": false, "error": "unauthorized"})));

    let r = api.get("/api/v1/chat.search?searchText=news").await;
    assert_eq!(r.body["errorType"], "error-roomId-param-not-provided");
    let r = api.get(&format!("/api/v1/chat.search?roomId={news}&searchText=NEWS")).await;
    assert_eq!(texts(&r.body["messages"]), ["news!"]);
    let r = api.get("/api/v1/users.autocomplete?selector=%7B%22term%22%3A%22bo%22%7D").await;
    assert_eq!(r.body["items"][0]["username"], "bob");
}

#[tokio::test]
async fn channels_list_rejects_count_between_7_0_3_and_7_4() {
    for (version, status) in [(RcVersion::new(7, 2, 0), 400), (RcVersion::new(7, 4, 0), 200)] {
        let (rc, alice, _, _) = world(version).await;
        let r = Api::new(&rc, Some(&alice)).get("/api/v1/channels.list?count=10").await;
        assert_eq!(r.status.as_u16(), status, "{version}");
        if status == 400 {
            assert_eq!(r.body["error"], "must NOT have additional properties [invalid-params]");
        } else {
            assert_eq!(r.body["channels"][0]["name"], "general");
        }
    }
}

#[tokio::test]
async fn requests_are_recorded_and_faults_apply_first() {
    let (rc, alice, _, _) = world(RcVersion::V8).await;
    rc.fault("/api/v1/me", [test_support::standin::Fault::status(503)]);
    let api = Api::new(&rc, Some(&alice));
    assert_eq!(api.req(reqwest::Method::GET, "/api/v1/me").send().await.unwrap().status(), 503);
    assert_eq!(api.get("/api/v1/me").await.status, 200);
    let seen = rc.requests_to("/api/v1/me");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("x-user-id"), Some(alice.id.as_str()));
}

#[tokio::test]
async fn counters_mentions_directory_and_file_size() {
    let (rc, alice, _, general) = world(RcVersion::V8).await;
    let api = Api::new(&rc, Some(&alice));
    rc.post_as("bob", &general, "plain", None);
    let ping = rc.post_as("bob", &general, "ping @alice", None);
    let r = api.get(&format!("/api/v1/channels.counters?roomId={general}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (r.body["joined"].clone(), r.body["members"].clone(), r.body["unreads"].clone(), r.body["msgs"].clone()),
        (json!(true), json!(2), json!(2), json!(2))
    );
    assert_eq!(r.body["userMentions"], 1);
    assert_eq!(r.body["latest"], rc.message(&ping).unwrap().ts.as_str());
    let r = api.get(&format!("/api/v1/chat.getMentionedMessages?roomId={general}")).await;
    assert_eq!(ids(&r.body["messages"]), vec![ping]);
    assert_eq!(r.body["total"], 1);

    let r = api.get("/api/v1/directory?text=gen&type=channels").await;
    assert_eq!(r.body["result"][0]["name"], "general");
    assert_eq!(r.body["total"], 1);
    let r = api.get("/api/v1/directory?text=builder&type=users").await;
    assert_eq!(r.body["result"][0]["username"], "bob");

    // attachments[] are kept on the message.
    let r = api
        .post(
            "/api/v1/chat.postMessage",
            json!({"roomId": general, "text": "", "attachments": [{"title": "report", "text": "all green"}]}),
        )
        .await;
    assert_eq!(r.body["message"]["attachments"][0]["title"], "report");

    rc.set_setting("FileUpload_MaxFileSize", 4);
    let r = upload(&api, &format!("/api/v1/rooms.media/{general}"), &[]).await;
    assert_eq!(r.body["errorType"], "error-file-too-large");
    assert!(rc.uploads(&general).is_empty());
}

#[tokio::test]
async fn uploads_larger_than_axums_default_limit_are_accepted() {
    let (rc, alice, _, general) = world(RcVersion::V7).await;
    let api = Api::new(&rc, Some(&alice));
    let big = vec![7u8; 3 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(big.clone()).file_name("big.bin"))
        .text("description", "three megabytes");
    let r = Api::send(api.req(reqwest::Method::POST, &format!("/api/v1/rooms.upload/{general}")).multipart(form)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["message"]["file"]["size"], big.len());
    assert_eq!(rc.uploads(&general)[0].data.len(), big.len());
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let rc = RocketChat::start(RcVersion::V6_10).await.unwrap();
    let url = format!("{}/api/info", rc.url());
    let http = http_client();
    assert_eq!(http.get(&url).send().await.unwrap().json::<Value>().await.unwrap()["version"], "6.10");
    rc.shutdown().await;
    assert!(http_client().get(&url).send().await.is_err());
}
