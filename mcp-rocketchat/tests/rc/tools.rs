//! Every tool over Streamable HTTP against the stand-in.

use serde_json::json;
use test_support::rocketchat::{RcVersion, RoomKind};

use crate::common::{client, fails, ok, server_as, text, world};

#[tokio::test]
async fn send_message_posts_and_returns_id_and_permalink() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "send_message", json!({"channel": "#general", "text": "hello team"})).await;
    let id = r["structuredContent"]["id"].as_str().unwrap().to_owned();
    let stored = w.rc.message(&id).unwrap();
    assert_eq!((stored.text.as_str(), stored.username.as_str()), ("hello team", "alice"));
    assert_eq!(r["structuredContent"]["permalink"], format!("{}/channel/general?msg={id}", w.rc.url()));
    assert!(text(&r).contains(&id));
    // The guide's names: roomId and threadId; a reply lands in the thread.
    let r = ok(&mut c, "send_message", json!({"roomId": w.general, "text": "in thread", "threadId": id})).await;
    let reply = w.rc.message(r["structuredContent"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(reply.tmid.as_deref(), Some(id.as_str()));
    // A direct message by @username.
    let r = ok(&mut c, "send_message", json!({"channel": "@bob", "text": "psst"})).await;
    assert!(r["structuredContent"]["permalink"].as_str().unwrap().contains("/direct/"));
}

#[tokio::test]
async fn get_messages_newest_first_with_paging() {
    let w = world(RcVersion::V7).await;
    for i in 0..5 {
        w.rc.post_as("bob", &w.general, &format!("message {i}"), None);
    }
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "get_messages", json!({"roomId": "#general", "count": 3})).await;
    let msgs = r["structuredContent"]["messages"].as_array().unwrap();
    let texts: Vec<&str> = msgs.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["message 4", "message 3", "message 2"]);
    let t = text(&r);
    assert!(t.contains("@bob: message 4"), "{t}");
    assert!(t.contains("call again with before="), "{t}");
    let before = r["structuredContent"]["next_before"].as_str().unwrap().to_owned();
    let r = ok(&mut c, "get_messages", json!({"room_id": "general", "count": 3, "before": before})).await;
    let texts: Vec<String> = r["structuredContent"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .filter(|t| t.starts_with("message"))
        .collect();
    assert_eq!(texts, ["message 1", "message 0"]);
}

#[tokio::test]
async fn search_threads_and_thread_lists() {
    let w = world(RcVersion::V7).await;
    let root = w.rc.post_as("bob", &w.general, "deploy plan for friday", None);
    w.rc.post_as("alice", &w.general, "lunch?", None);
    w.rc.post_as("alice", &w.general, "looks good", Some(&root));
    w.rc.post_as("bob", &w.general, "thanks", Some(&root));
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "search_messages", json!({"query": "deploy", "roomId": "#general"})).await;
    let found = r["structuredContent"]["messages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{r}");
    assert_eq!(found[0]["id"], root.as_str());
    let r = ok(&mut c, "get_thread", json!({"thread_id": root})).await;
    let replies: Vec<&str> =
        r["structuredContent"]["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(replies, ["looks good", "thanks"]);
    // A permalink works wherever an id does.
    let link = format!("{}/channel/general?msg={root}", w.rc.url());
    let r = ok(&mut c, "get_thread", json!({"threadId": link})).await;
    assert_eq!(r["structuredContent"]["messages"].as_array().unwrap().len(), 2);
    let r = ok(&mut c, "list_threads", json!({"room_id": "#general"})).await;
    let threads = r["structuredContent"]["threads"].as_array().unwrap();
    assert_eq!(threads.len(), 1, "{r}");
    assert_eq!(threads[0]["id"], root.as_str());
    assert!(text(&r).contains("thread: 2 replies"), "{}", text(&r));
}

#[tokio::test]
async fn rooms_unread_and_mark_read() {
    let w = world(RcVersion::V7).await;
    let ops = w.rc.add_room(RoomKind::Group, "ops", &["alice", "bob"]);
    w.rc.post_as("bob", &ops, "hey @alice, look", None);
    w.rc.post_as("bob", &w.general, "fyi", None);
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "list_channels", json!({})).await;
    let t = text(&r);
    assert!(t.contains("#general") && t.contains("#ops"), "{t}");
    let r = ok(&mut c, "list_channels", json!({"type": "private"})).await;
    let rooms = r["structuredContent"]["rooms"].as_array().unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0]["name"], "ops");
    assert_eq!(rooms[0]["mentions"], 1);
    let r = ok(&mut c, "get_unread", json!({"mentions_only": true, "include_messages": true})).await;
    let unread = r["structuredContent"]["rooms"].as_array().unwrap();
    assert_eq!(unread.len(), 1, "{r}");
    assert_eq!(unread[0]["room_id"], ops.as_str());
    assert!(text(&r).contains("hey @alice"), "{}", text(&r));
    ok(&mut c, "mark_read", json!({"room_id": "#ops"})).await;
    assert_eq!(w.rc.subscription("alice", &ops).unwrap().unread, 0);
    assert_eq!(w.rc.subscription("alice", &w.general).unwrap().unread, 1);
    ok(&mut c, "mark_read", json!({"all": true})).await;
    assert_eq!(w.rc.subscription("alice", &w.general).unwrap().unread, 0);
    let r = ok(&mut c, "get_unread", json!({})).await;
    assert!(text(&r).contains("Nothing unread"), "{}", text(&r));
}

#[tokio::test]
async fn create_channel_room_info_and_members() {
    let w = world(RcVersion::V7).await;
    w.rc.set_status("bob", "online");
    w.rc.set_status("alice", "offline");
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "create_channel", json!({"name": "team-ops", "members": ["@bob"], "readOnly": true})).await;
    let id = r["structuredContent"]["id"].as_str().unwrap().to_owned();
    assert!(w.rc.rooms_of("bob").contains(&id));
    let r = ok(&mut c, "get_room_info", json!({"room_id": "#team-ops"})).await;
    assert_eq!(r["structuredContent"]["id"], id.as_str());
    assert_eq!(r["structuredContent"]["read_only"], true);
    let r = ok(&mut c, "list_room_members", json!({"room_id": "#team-ops"})).await;
    let names: Vec<&str> =
        r["structuredContent"]["members"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
    assert!(names.contains(&"alice") && names.contains(&"bob"), "{names:?}");
    let r = ok(&mut c, "list_room_members", json!({"room_id": "#team-ops", "status": ["online"]})).await;
    let names: Vec<&str> =
        r["structuredContent"]["members"].as_array().unwrap().iter().map(|m| m["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["bob"]);
    let e = fails(&mut c, "create_channel", json!({"name": "team-ops"})).await;
    assert!(e.contains("team-ops") || e.contains("duplicate"), "{e}");
}

#[tokio::test]
async fn react_edit_delete() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "send_message", json!({"channel": "#general", "text": "typo here"})).await;
    let id = r["structuredContent"]["id"].as_str().unwrap().to_owned();
    ok(&mut c, "react", json!({"message_id": id, "emoji": "+1", "action": "add"})).await;
    ok(&mut c, "react", json!({"message_id": id, "emoji": ":+1:", "action": "add"})).await;
    assert_eq!(w.rc.message(&id).unwrap().reactions.get(":+1:").cloned(), Some(vec!["alice".to_owned()]));
    ok(&mut c, "react", json!({"message_id": id, "emoji": "+1", "action": "remove"})).await;
    assert!(w.rc.message(&id).unwrap().reactions.get(":+1:").is_none_or(Vec::is_empty));
    let link = format!("{}/channel/general?msg={id}", w.rc.url());
    ok(&mut c, "edit_message", json!({"message_id": link, "text": "fixed"})).await;
    let m = w.rc.message(&id).unwrap();
    assert!(m.edited && m.text == "fixed", "{m:?}");
    ok(&mut c, "delete_message", json!({"message_id": id, "room_id": "#general"})).await;
    assert!(w.rc.message(&id).is_none());
}

#[tokio::test]
async fn users_and_direct_messages() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "get_user_info", json!({"user": "@bob"})).await;
    assert_eq!(r["structuredContent"]["id"], w.bob.id.as_str());
    assert!(text(&r).contains("Bob Builder"));
    let r = ok(&mut c, "find_users", json!({"query": "bo"})).await;
    let names: Vec<&str> =
        r["structuredContent"]["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert!(names.contains(&"bob"), "{r}");
    let r = ok(&mut c, "open_direct_message", json!({"username": "@bob"})).await;
    let rid = r["structuredContent"]["room_id"].as_str().unwrap().to_owned();
    assert!(w.rc.rooms_of("bob").contains(&rid));
    let e = fails(&mut c, "get_user_info", json!({"user": "@nobody"})).await;
    assert!(e.to_lowercase().contains("not found") || e.contains("nobody"), "{e}");
}

async fn upload_on(version: RcVersion) {
    let w = world(version).await;
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(
        &mut c,
        "upload_file",
        json!({"room_id": "#general", "filename": "report.csv", "text_content": "a,b\n1,2\n", "message": "the report"}),
    )
    .await;
    let ups = w.rc.uploads(&w.general);
    assert_eq!(ups.len(), 1, "{version}: {r}");
    assert_eq!(ups[0].data, b"a,b\n1,2\n", "{version}");
    assert_eq!(ups[0].name, "report.csv");
    assert!(ups[0].confirmed, "{version}");
    let m = w.rc.message(r["structuredContent"]["message_id"].as_str().unwrap()).unwrap();
    assert_eq!(m.file_name.as_deref(), Some("report.csv"), "{version}");
    let legacy = !w.rc.requests_to(&format!("/api/v1/rooms.upload/{}", w.general)).is_empty();
    assert_eq!(legacy, version < RcVersion::V6_10, "{version}: legacy flow used = {legacy}");
}

#[tokio::test]
async fn upload_file_picks_the_flow_by_version() {
    upload_on(RcVersion::V6_9).await;
    upload_on(RcVersion::V7).await;
    upload_on(RcVersion::V8).await;
}

#[tokio::test]
async fn upload_file_from_the_upload_dir_and_limits() {
    let w = world(RcVersion::V8).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"from disk").unwrap();
    let yaml = format!("rocketchat:\n  upload_dir: {}\n  upload_max_bytes: 100\n", dir.path().display());
    let s = server_as(&w, &w.alice, &yaml).await;
    let mut c = client(&s).await;
    ok(&mut c, "upload_file", json!({"room_id": "#general", "filename": "n.txt", "path": "notes.txt"})).await;
    assert_eq!(w.rc.uploads(&w.general)[0].data, b"from disk");
    let e =
        fails(&mut c, "upload_file", json!({"room_id": "#general", "filename": "x", "path": "../etc/passwd"})).await;
    assert!(e.contains("upload directory"), "{e}");
    let big = "x".repeat(101);
    let e = fails(&mut c, "upload_file", json!({"room_id": "#general", "filename": "x", "text_content": big})).await;
    assert!(e.contains("at most 100"), "{e}");
    assert_eq!(w.rc.uploads(&w.general).len(), 1);
}

#[tokio::test]
async fn search_across_joined_rooms_without_a_room() {
    let w = world(RcVersion::V7).await;
    let ops = w.rc.add_room(RoomKind::Group, "ops", &["alice", "bob"]);
    let other = w.rc.add_room(RoomKind::Channel, "elsewhere", &["bob"]);
    w.rc.post_as("bob", &w.general, "deploy at 5", None);
    w.rc.post_as("bob", &ops, "deploy rollback plan", None);
    w.rc.post_as("bob", &other, "deploy secret", None);
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    let r = ok(&mut c, "search_messages", json!({"query": "deploy"})).await;
    let mut texts: Vec<&str> =
        r["structuredContent"]["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["deploy at 5", "deploy rollback plan"], "only joined rooms: {r}");
    let r = ok(&mut c, "search_messages", json!({"query": "deploy", "max_rooms": 1})).await;
    assert_eq!(r["structuredContent"]["rooms_searched"].as_array().unwrap().len(), 1);
    assert!(text(&r).contains("not searched"), "{}", text(&r));
}

#[tokio::test]
async fn room_names_are_resolved_once_per_user() {
    let w = world(RcVersion::V7).await;
    let s =
        crate::common::start(&[("ROCKET_CHAT_URL".into(), w.rc.url())], "rocketchat:\n  credentials: per_request\n")
            .await;
    let user = |u: &test_support::rocketchat::UserHandle| {
        test_support::mcp_http::McpHttp::new(&s.base)
            .with_header("X-RocketChat-User-Id", &u.id)
            .with_header("X-RocketChat-Auth-Token", &u.auth_token)
    };
    let (mut a, mut b) = (user(&w.alice), user(&w.bob));
    a.initialize().await.unwrap();
    b.initialize().await.unwrap();
    for _ in 0..3 {
        ok(&mut a, "get_messages", json!({"roomId": "#general"})).await;
    }
    let by = |uid: &str| {
        w.rc.requests_to("/api/v1/rooms.info").iter().filter(|r| r.header("x-user-id") == Some(uid)).count()
    };
    assert_eq!(by(&w.alice.id), 1, "alice resolved #general once");
    ok(&mut b, "get_messages", json!({"roomId": "#general"})).await;
    assert_eq!(by(&w.bob.id), 1, "bob resolves for himself");
}

#[tokio::test]
async fn a_bare_message_id_is_located_through_chat_get_message() {
    let w = world(RcVersion::V7).await;
    let secret = w.rc.add_room(RoomKind::Group, "secret", &["bob"]);
    let id = w.rc.post_as("alice", &w.general, "typo", None);
    let hidden = w.rc.post_as("bob", &secret, "bob only", None);
    let s = server_as(&w, &w.alice, "").await;
    let mut c = client(&s).await;
    // No room and no link: the server asks Rocket.Chat where the message lives.
    let r = ok(&mut c, "edit_message", json!({"message_id": id, "text": "fixed"})).await;
    assert!(text(&r).contains("#general"), "{}", text(&r));
    assert_eq!(w.rc.message(&id).unwrap().text, "fixed");
    let lookups = w.rc.requests_to("/api/v1/chat.getMessage");
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0].query_pairs(), vec![("msgId".to_owned(), id.clone())]);
    assert_eq!(lookups[0].header("x-user-id"), Some(w.alice.id.as_str()));
    let update = w.rc.requests_to("/api/v1/chat.update");
    assert_eq!(update[0].json().unwrap()["roomId"], w.general.as_str());

    // An id Rocket.Chat does not know: a precise error, nothing sent.
    let e = fails(&mut c, "delete_message", json!({"message_id": "NoSuchMessage1234"})).await;
    assert!(e.contains("NoSuchMessage1234") && e.contains("not found"), "{e}");
    // A message in a room alice cannot see: Rocket.Chat's reason.
    let e = fails(&mut c, "delete_message", json!({"message_id": hidden})).await;
    assert!(e.contains("Not allowed"), "{e}");
    assert!(w.rc.requests_to("/api/v1/chat.delete").is_empty());
    assert!(w.rc.message(&hidden).is_some());
}
