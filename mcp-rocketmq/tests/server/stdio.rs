//! stdio in process: the server's own credentials; token mode has none to give.

use std::time::Duration;

use mcp_core::NoFlags;
use mcp_rocketmq::app::RocketMq;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{ALICE, BOB, alice_env, signer_of, volc, yaml};

/// Run one stdio session: initialize, then `calls` (tools/call name + arguments); the replies by id.
async fn session(yaml: &str, env: &[(&str, &str)], calls: &[(&str, Value)]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let core = mcp_core::testing::core::<RocketMq>(dir.path(), yaml, env, NoFlags {}).await;
    let (client, server) = tokio::io::duplex(256 * 1024);
    let (server_read, server_write) = tokio::io::split(server);
    let serving = tokio::spawn(mcp_core::transport::serve_io(core.clone(), (server_read, server_write)));
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut lines = BufReader::new(client_read).lines();
    let mut messages = vec![
        json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    ];
    for (i, (name, args)) in calls.iter().enumerate() {
        messages
            .push(json!({"jsonrpc":"2.0","id": i + 1,"method":"tools/call","params":{"name": name,"arguments": args}}));
    }
    for m in messages {
        client_write.write_all(format!("{m}\n").as_bytes()).await.unwrap();
    }
    let mut replies: Vec<Value> = Vec::new();
    while replies.len() < calls.len() + 1 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        if v.get("id").is_some() {
            replies.push(v);
        }
    }
    drop(client_write);
    drop(lines);
    tokio::time::timeout(Duration::from_secs(10), serving).await.unwrap().unwrap().unwrap();
    replies.sort_by_key(|r| r["id"].as_u64());
    replies.into_iter().skip(1).map(|r| r["result"].clone()).collect()
}

#[tokio::test]
async fn stdio_uses_the_servers_credentials() {
    let v = volc().await;
    let mut env = alice_env();
    env.push(("VOLCENGINE_ACCESS_SESSION_TOKEN", ""));
    let replies = session(
        &yaml(&v, "", &[]),
        &env,
        &[
            ("DescribeRegions", json!({})),
            ("GetInstanceInspectResult", json!({"InstanceId": "rocketmq-x", "PageSize": 5})),
            ("GetInspectConfig", json!({"InstanceId": "rocketmq-x", "PageSize": 0})),
        ],
    )
    .await;
    crate::common::assert_ok(&replies[0]);
    crate::common::assert_ok(&replies[1]);
    crate::common::assert_error(&replies[2], &["PageSize must be between 1 and 100"]);
    assert_eq!(v.requests().len(), 2);
    assert!(v.requests().iter().all(|r| signer_of(r) == ALICE.0));
    assert_eq!(v.calls("GetInstanceInspectResult")[0].json().unwrap()["PageSize"], 5);
}

#[tokio::test]
async fn stdio_with_sts_keys_sends_the_session_token() {
    let v = volc().await;
    let env = [
        ("VOLCENGINE_ACCESS_KEY", BOB.0),
        ("VOLCENGINE_SECRET_KEY", BOB.1),
        ("VOLCENGINE_ACCESS_SESSION_TOKEN", BOB.2.unwrap()),
    ];
    let replies =
        session(&yaml(&v, "", &[]), &env, &[("DescribeAvailabilityZones", json!({"RegionId": "cn-shanghai"}))]).await;
    crate::common::assert_ok(&replies[0]);
    assert_eq!(v.requests()[0].header("x-security-token"), BOB.2);
}

#[tokio::test]
async fn stdio_in_token_mode_has_no_credentials_and_says_so() {
    let v = volc().await;
    let replies = session(&yaml(&v, "credential: token\n", &[]), &alice_env(), &[("DescribeRegions", json!({}))]).await;
    crate::common::assert_error(&replies[0], &["no Volcengine credentials on this request"]);
    assert!(v.requests().is_empty());
}
