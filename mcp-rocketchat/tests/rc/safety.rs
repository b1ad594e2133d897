//! What the server writes: mass mentions neutralised, the size limit, the write allow-list.

use serde_json::json;
use test_support::rocketchat::RcVersion;

use crate::common::{client, fails, ok, server_as, text, world};

#[tokio::test]
async fn mass_mentions_are_neutralised_unless_allowed() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r =
        ok(&mut c, "send_message", json!({"channel": "#general", "text": "@all meeting @here now, mail bob@all.com"}))
            .await;
    let m = w.rc.message(r["structuredContent"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(m.text, "@\u{200D}all meeting @\u{200D}here now, mail bob@all.com");
    assert!(text(&r).contains("plain text"), "{}", text(&r));
    // Nobody was notified as a group.
    assert_eq!(w.rc.subscription("bob", &w.general).unwrap().group_mentions, 0);

    let s = server_as(&w, &w.alice, "rocketchat:\n  allow_mass_mentions: true\n").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "send_message", json!({"channel": "#general", "text": "@all fire drill"})).await;
    assert_eq!(w.rc.message(r["structuredContent"]["id"].as_str().unwrap()).unwrap().text, "@all fire drill");
}

#[tokio::test]
async fn the_servers_message_size_is_checked_before_sending() {
    let w = world(RcVersion::V7).await;
    w.rc.set_setting("Message_MaxAllowedSize", 20);
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let e = fails(&mut c, "send_message", json!({"channel": "#general", "text": "x".repeat(30)})).await;
    assert!(e.contains("at most 20"), "{e}");
    assert!(w.rc.requests_to("/api/v1/chat.sendMessage").is_empty());
    ok(&mut c, "send_message", json!({"channel": "#general", "text": "short"})).await;
}

#[tokio::test]
async fn write_rooms_limits_where_the_server_writes() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "rocketchat:\n  write_rooms: ['#general']\n").await;
    let mut c = client(&s).await;
    ok(&mut c, "send_message", json!({"channel": "#general", "text": "allowed"})).await;
    let e = fails(&mut c, "send_message", json!({"channel": "@bob", "text": "not allowed"})).await;
    assert!(e.contains("write_rooms"), "{e}");
    assert_eq!(w.rc.requests_to("/api/v1/chat.sendMessage").len(), 1);
    // Reading elsewhere is fine.
    ok(&mut c, "get_messages", json!({"roomId": "@bob"})).await;
}
