//! The tool surface: rules, the reviewed tools/list snapshot, read-only mode.

use mcp_core::App;
use mcp_rocketchat::app::RocketChat as Server;
use test_support::mcp_http::tool_names;
use test_support::rocketchat::RcVersion;

use crate::common::{client, server_as, world};

const WRITES: &[&str] = &[
    "send_message",
    "create_channel",
    "mark_read",
    "react",
    "edit_message",
    "delete_message",
    "open_direct_message",
    "upload_file",
];

#[test]
fn tools_follow_the_rules() {
    mcp_core::tools::testing::assert_tool_rules(&Server::tools());
}

#[test]
fn tools_list_matches_the_snapshot() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tools.json");
    mcp_core::tools::testing::assert_tools_snapshot(&Server::tools(), &path);
}

#[test]
fn every_tool_calls_rocketchat_and_the_guides_five_come_first() {
    let tools = Server::tools();
    let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    assert_eq!(&names[..5], &["send_message", "list_channels", "get_messages", "search_messages", "create_channel"]);
    assert_eq!(names.len(), 19);
    for t in &tools {
        assert_eq!(t.tool().annotations.as_ref().unwrap().open_world_hint, Some(true), "{}", t.name());
        let writes = WRITES.contains(&t.name());
        assert_eq!(t.hints().read_only, !writes, "{}", t.name());
    }
}

#[test]
fn the_guides_argument_names_are_in_the_schemas() {
    let tools = Server::tools();
    let props = |name: &str| {
        tools.iter().find(|t| t.name() == name).unwrap().tool().input_schema["properties"].as_object().unwrap().clone()
    };
    for (tool, arg) in [
        ("send_message", "channel"),
        ("send_message", "text"),
        ("send_message", "threadId"),
        ("list_channels", "type"),
        ("get_messages", "roomId"),
        ("get_messages", "count"),
        ("search_messages", "query"),
        ("search_messages", "roomId"),
        ("create_channel", "name"),
        ("create_channel", "members"),
        ("create_channel", "readOnly"),
    ] {
        assert!(props(tool).contains_key(arg), "{tool} lacks {arg}");
    }
}

#[tokio::test]
async fn read_only_mode_hides_every_write() {
    let w = world(RcVersion::V7).await;
    let s = server_as(&w, &w.alice, "read_only: true\n").await;
    let mut c = client(&s).await;
    let names = tool_names(&c.list_tools().await.unwrap());
    assert_eq!(names.len(), 19 - WRITES.len(), "{names:?}");
    for wr in WRITES {
        assert!(!names.iter().any(|n| n == wr), "{wr} listed in read-only mode");
    }
    let r = c.call_tool_raw("send_message", serde_json::json!({"channel": "#general", "text": "hi"})).await.unwrap();
    assert!(r.get("error").is_some() || r["result"]["isError"] == true, "{r}");
    assert!(w.rc.requests_to("/api/v1/chat.sendMessage").is_empty());
}
