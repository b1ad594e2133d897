//! Stdio in process: newline-delimited JSON-RPC over a pipe, credentials from the environment.

use std::time::Duration;

use mcp_rocketchat::app::RocketChat as Server;
use serde_json::{Value, json};
use test_support::rocketchat::RcVersion;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{guide_env, world};

async fn session(env: &[(String, String)], yaml: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let core = mcp_core::testing::core::<Server>(dir.path(), yaml, &pairs, mcp_core::NoFlags {}).await;
    let (client, server) = tokio::io::duplex(256 * 1024);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(mcp_core::transport::serve_io(core, (server_read, server_write)));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let mut replies = Vec::new();
    // One at a time: stdio serves requests concurrently, and the read must follow the send.
    for v in [
        json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","id":2,"method":"tools/list"}),
        json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"send_message","arguments":{"channel":"#general","text":"over stdio"}}}),
        json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_messages","arguments":{"roomId":"#general"}}}),
    ] {
        client_write.write_all(format!("{v}\n").as_bytes()).await.unwrap();
        if v.get("id").is_none() {
            continue;
        }
        loop {
            let line =
                tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap().unwrap();
            let r: Value = serde_json::from_str(&line).unwrap();
            if r.get("id") == v.get("id") {
                replies.push(r);
                break;
            }
        }
    }
    drop(client_write);
    drop(lines);
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;
    replies
}

#[tokio::test]
async fn stdio_with_the_guides_env() {
    let w = world(RcVersion::V8).await;
    let r = session(&guide_env(&w.rc, &w.alice), "").await;
    assert_eq!(r[0]["result"]["serverInfo"]["name"], "mcp-rocketchat");
    assert_eq!(r[1]["result"]["tools"].as_array().unwrap().len(), 19);
    assert_ne!(r[2]["result"]["isError"], true, "{}", r[2]);
    let id = r[2]["result"]["structuredContent"]["id"].as_str().unwrap();
    assert_eq!(w.rc.message(id).unwrap().username, "alice");
    let text = r[3]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("@alice: over stdio"), "{text}");
}

#[tokio::test]
async fn per_request_mode_on_stdio_takes_the_configured_token() {
    let w = world(RcVersion::V7).await;
    let r = session(&guide_env(&w.rc, &w.bob), "rocketchat:\n  credentials: per_request\n").await;
    assert_ne!(r[2]["result"]["isError"], true, "{}", r[2]);
    let id = r[2]["result"]["structuredContent"]["id"].as_str().unwrap();
    assert_eq!(w.rc.message(id).unwrap().username, "bob");
}
