//! `wait_for_reply`: a reply posted while waiting, a thread reply, a timeout.

use std::time::{Duration, Instant};

use serde_json::json;
use test_support::rocketchat::RcVersion;

use crate::common::{client, ok, server_as, text, world};

const FAST: &str = "rocketchat:\n  wait_poll_interval_ms: 100\n";

#[tokio::test]
async fn returns_a_reply_posted_while_waiting() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, FAST).await;
    let mut c = client(&s).await;
    let sent = ok(&mut c, "send_message", json!({"channel": "#general", "text": "@bob ready?"})).await;
    let sent_id = sent["structuredContent"]["id"].as_str().unwrap().to_owned();
    let t = Instant::now();
    let (r, ()) = tokio::join!(
        c.call_tool("wait_for_reply", json!({"room_id": "#general", "after": sent_id, "timeout_seconds": 20})),
        async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            // My own message does not count as a reply.
            w.rc.post_as("alice", &w.general, "anyone?", None);
            tokio::time::sleep(Duration::from_millis(300)).await;
            w.rc.post_as("bob", &w.general, "yes, go", None);
        }
    );
    let r = r.unwrap();
    assert_ne!(r["isError"], true, "{r}");
    assert!(t.elapsed() < Duration::from_secs(10));
    let msgs = r["structuredContent"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{r}");
    assert_eq!(msgs[0]["text"], "yes, go");
    assert_eq!(r["structuredContent"]["timed_out"], false);
    assert!(text(&r).contains("@bob: yes, go"));
}

#[tokio::test]
async fn waits_in_a_thread_and_from_one_user() {
    let w = world(RcVersion::V7).await;
    let carol = w.rc.add_user("carol", "Carol", "pw");
    let _ = carol;
    let root = w.rc.post_as("alice", &w.general, "question", None);
    let s = server_as(&w, &w.alice, FAST).await;
    let mut c = client(&s).await;
    let (r, ()) = tokio::join!(
        c.call_tool(
            "wait_for_reply",
            json!({"room_id": "#general", "thread_id": root, "from_user": "@bob", "timeout_seconds": 20})
        ),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            w.rc.post_as("bob", &w.general, "not in the thread", None);
            tokio::time::sleep(Duration::from_millis(300)).await;
            w.rc.post_as("bob", &w.general, "answer", Some(&root));
        }
    );
    let r = r.unwrap();
    let msgs = r["structuredContent"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{r}");
    assert_eq!(msgs[0]["text"], "answer");
}

#[tokio::test]
async fn times_out_and_says_so() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, FAST).await;
    let mut c = client(&s).await;
    let t = Instant::now();
    let r = ok(&mut c, "wait_for_reply", json!({"room_id": "#general", "timeout_seconds": 1})).await;
    assert!(t.elapsed() >= Duration::from_millis(800) && t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(r["structuredContent"]["timed_out"], true);
    assert!(text(&r).contains("No reply"), "{}", text(&r));
    assert!(w.rc.requests_to("/api/v1/channels.history").len() >= 3, "it polled");
}

#[tokio::test]
async fn reports_progress_while_waiting() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, FAST).await;
    let mut c = client(&s).await;
    let r = c
        .request(
            "tools/call",
            json!({"name": "wait_for_reply", "arguments": {"room_id": "#general", "timeout_seconds": 1},
                "_meta": {"progressToken": "p1"}}),
        )
        .await
        .unwrap();
    let progress: Vec<String> = test_support::mcp_http::sse_data(&r.text)
        .into_iter()
        .filter(|d| d.contains("notifications/progress") && d.contains("p1"))
        .collect();
    assert!(!progress.is_empty(), "no progress notifications: {}", r.text);
    assert_eq!(r.json().unwrap()["result"]["structuredContent"]["timed_out"], true);
}

#[tokio::test]
async fn after_an_older_message_is_found_through_chat_get_message() {
    let w = world(RcVersion::V7).await;
    let old = w.rc.post_as("bob", &w.general, "m0", None);
    // More than the 50 newest the server looks through first.
    for i in 1..=60 {
        w.rc.post_as("bob", &w.general, &format!("m{i}"), None);
    }
    let s = server_as(&w, &w.alice, FAST).await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "wait_for_reply", json!({"room_id": "#general", "after": old, "timeout_seconds": 5})).await;
    let lookups = w.rc.requests_to("/api/v1/chat.getMessage");
    assert_eq!(lookups.len(), 1, "{r}");
    assert_eq!(lookups[0].query_pairs(), vec![("msgId".to_owned(), old.clone())]);
    let msgs = r["structuredContent"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 60, "every message after m0: {r}");
    assert_eq!(msgs[0]["text"], "m1");
    assert_eq!(r["structuredContent"]["timed_out"], false);
    // An unknown message as `after`: a precise error.
    let e = crate::common::fails(
        &mut c,
        "wait_for_reply",
        json!({"room_id": "#general", "after": "NoSuchMessage1234", "timeout_seconds": 1}),
    )
    .await;
    assert!(e.contains("NoSuchMessage1234") && e.contains("not found"), "{e}");
}
