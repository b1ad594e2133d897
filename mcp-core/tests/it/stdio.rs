//! The stdio transport in process: newline-delimited JSON-RPC over a pipe, caller from config/env.

use std::time::Duration;

use mcp_core::NoFlags;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::DemoApp;

#[tokio::test]
async fn stdio_session_with_the_configured_caller() {
    let dir = tempfile::tempdir().unwrap();
    let core = mcp_core::testing::core::<DemoApp>(
        dir.path(),
        "",
        &[("MCP_USER_ROLE", "USER"), ("MCP_USER_ID", "u-1")],
        NoFlags {},
    )
    .await;
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(mcp_core::transport::serve_io(core.clone(), (server_read, server_write)));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let mut send = async |v: Value| {
        client_write.write_all(format!("{v}\n").as_bytes()).await.unwrap();
    };
    send(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}})).await;
    send(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await;
    send(json!({"jsonrpc":"2.0","id":2,"method":"tools/list"})).await;
    send(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}})).await;
    send(json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"purge","arguments":{}}})).await;
    let mut replies = Vec::new();
    while replies.len() < 4 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap().unwrap();
        replies.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    let by_id = |id: i64| replies.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id(1)["result"]["serverInfo"]["name"], "mcp-demo");
    let list = by_id(2);
    let names: Vec<&str> =
        list["result"]["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"write_note") && !names.contains(&"purge"), "USER from MCP_USER_ROLE: {names:?}");
    assert_eq!(by_id(3)["result"]["structuredContent"]["role"], "USER");
    assert_eq!(by_id(3)["result"]["structuredContent"]["id"], "u-1");
    assert_eq!(by_id(3)["result"]["structuredContent"]["transport"], "stdio");
    assert_eq!(by_id(4)["result"]["isError"], true);
    drop(client_write);
    drop(lines);
    tokio::time::timeout(Duration::from_secs(10), serving).await.unwrap().unwrap().unwrap();
}
