//! Upstream etiquette: GETs retried, sends never; a 429 waits when the reset fits, else says when;
//! a 404 names the version.

use std::time::{Duration, Instant};

use serde_json::json;
use test_support::rocketchat::RcVersion;
use test_support::standin::Fault;

use crate::common::{client, fails, ok, server_as, world};

#[tokio::test]
async fn a_429_on_a_read_waits_for_the_reset_when_it_fits() {
    let w = world(RcVersion::V7).await;
    w.rc.set_rate_limit(Some("channels.history"), 1, Duration::from_millis(1500));
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    ok(&mut c, "get_messages", json!({"roomId": "#general"})).await;
    let t = Instant::now();
    ok(&mut c, "get_messages", json!({"roomId": "#general"})).await;
    assert!(t.elapsed() >= Duration::from_millis(300), "it did not wait: {:?}", t.elapsed());
    assert_eq!(w.rc.requests_to("/api/v1/channels.history").len(), 3, "one 429, then the retry");
}

#[tokio::test]
async fn a_429_past_the_call_time_says_when_to_retry() {
    let w = world(RcVersion::V7).await;
    w.rc.set_rate_limit(Some("channels.history"), 1, Duration::from_secs(600));
    let s = server_as(&w, &w.alice, "request_timeout_secs: 3\n").await;
    let mut c = client(&s).await;
    ok(&mut c, "get_messages", json!({"roomId": "#general"})).await;
    let t = Instant::now();
    let e = fails(&mut c, "get_messages", json!({"roomId": "#general"})).await;
    assert!(t.elapsed() < Duration::from_secs(3), "it waited");
    assert!(e.contains("retry in"), "{e}");
    let secs: u64 = e
        .split("retry in ")
        .nth(1)
        .unwrap()
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((500..=600).contains(&secs), "{e}");
}

#[tokio::test]
async fn a_send_is_never_retried() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    // 503: not repeated.
    w.rc.fault("/api/v1/chat.sendMessage", [Fault::status(503)]);
    fails(&mut c, "send_message", json!({"channel": "#general", "text": "once"})).await;
    assert_eq!(w.rc.requests_to("/api/v1/chat.sendMessage").len(), 1);
    // 429 with a reset that would fit: still not repeated, and the answer says when.
    w.rc.set_rate_limit(Some("chat.sendMessage"), 1, Duration::from_secs(30));
    ok(&mut c, "send_message", json!({"channel": "#general", "text": "first"})).await;
    let e = fails(&mut c, "send_message", json!({"channel": "#general", "text": "second"})).await;
    assert!(e.contains("retry in"), "{e}");
    assert_eq!(w.rc.requests_to("/api/v1/chat.sendMessage").len(), 3);
    let texts: Vec<String> = w.rc.messages(&w.general).into_iter().map(|m| m.text).collect();
    assert_eq!(texts.iter().filter(|t| *t == "second").count(), 0);
    assert_eq!(texts.iter().filter(|t| *t == "first").count(), 1);
}

#[tokio::test]
async fn a_read_is_retried_after_a_503() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    w.rc.fault("/api/v1/channels.history", [Fault::status(503)]);
    ok(&mut c, "get_messages", json!({"roomId": "#general"})).await;
    assert_eq!(w.rc.requests_to("/api/v1/channels.history").len(), 2);
}

#[tokio::test]
async fn a_404_names_the_version() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    // Let the startup check learn the version.
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.rc.fault(
        &format!("/api/v1/rooms.media/{}", w.general),
        [Fault::json(404, json!({"success": false, "error": "Resource not found"}))],
    );
    let e =
        fails(&mut c, "upload_file", json!({"room_id": "#general", "filename": "a.txt", "text_content": "x"})).await;
    assert!(e.contains("rooms.media") && e.contains("7.10"), "{e}");
}

#[tokio::test]
async fn a_400_carries_rocketchats_reason() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let e = fails(&mut c, "get_messages", json!({"roomId": "#no-such-room"})).await;
    assert!(e.contains("no-such-room") || e.contains("room-not-found"), "{e}");
}
