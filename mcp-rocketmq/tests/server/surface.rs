//! The tool surface: names, annotations, schemas (snapshot), read-only mode, every tool end to end.

use std::path::PathBuf;

use mcp_core::App as _;
use mcp_rocketmq::action::Action;
use mcp_rocketmq::app::RocketMq;
use serde_json::{Value, json};
use test_support::mcp_http::tool_names;

use crate::common::{alice_env, assert_ok, client, server, volc, yaml};

#[test]
fn tools_follow_the_rules_and_keep_the_action_names() {
    let tools = RocketMq::tools();
    mcp_core::tools::testing::assert_tool_rules(&tools);
    let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(names, actions);
    for t in &tools {
        let action: Action = t.name().parse().unwrap();
        let a = t.tool().annotations.clone().unwrap();
        assert_eq!(a.read_only_hint, Some(action.is_read_only()), "{action}");
        assert_eq!(a.idempotent_hint, Some(action.is_idempotent()), "{action}");
        assert_eq!(a.destructive_hint, Some(false), "{action}");
        assert_eq!(a.open_world_hint, Some(true), "{action}");
        let schema = Value::Object((*t.tool().input_schema).clone());
        assert!(schema["properties"]["region"]["description"].is_string(), "{action}: {schema}");
        assert_eq!(schema, Value::Object(mcp_rocketmq::tools::args::input_schema(action)), "{action}");
    }
}

#[test]
fn tools_list_matches_the_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tools.json");
    mcp_core::tools::testing::assert_tools_snapshot(&RocketMq::tools(), &path);
}

#[tokio::test]
async fn read_only_hides_the_three_writes() {
    let v = volc().await;
    let s = server(&yaml(&v, "read_only: true\n", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    let names = tool_names(&c.list_tools().await.unwrap());
    assert_eq!(names.len(), 12, "{names:?}");
    for w in ["EnableInstanceInspect", "ManualProcessResult", "ManualTriggerInspect"] {
        assert!(!names.iter().any(|n| n == w), "{w} listed in read-only mode");
        let r = c.call_tool_raw(w, json!({"InstanceId": "i", "Enable": true})).await.unwrap();
        assert!(r.get("error").is_some() || r["result"]["isError"] == true, "{r}");
    }
    assert!(v.calls("EnableInstanceInspect").is_empty());
}

#[tokio::test]
async fn every_tool_answers_with_text_and_structured_content() {
    let v = volc().await;
    for (action, result) in [
        (
            "DescribeInstances",
            json!({"Total": 1, "InstancesInfo": [{"InstanceId": "rocketmq-cn1", "InstanceName": "orders", "InstanceStatus": "Running"}]}),
        ),
        (
            "DescribeInstanceDetail",
            json!({"BasicInfo": {"InstanceId": "rocketmq-cn1"}, "ConnectionInfo": [{"EndpointType": "TCP", "InternalEndpoint": "x:9876"}]}),
        ),
        (
            "DescribeTopics",
            json!({"InstanceId": "rocketmq-cn1", "Total": 1, "TopicsInfo": [{"TopicName": "orders", "QueueNumber": 8}]}),
        ),
        ("DescribeGroups", json!({"Total": 1, "GroupsInfo": [{"GroupId": "GID_billing", "GroupType": "TCP"}]})),
        (
            "DescribeConsumedTopics",
            json!({"Total": 1, "Accumulation": 1234, "ConsumedTopicsInfo": [{"TopicName": "orders", "QueueNum": 8}]}),
        ),
        ("DescribeConsumedTopicDetail", json!({"Total": 1, "ConsumedQueueInfo": [{"QueueId": "0", "DiffCount": 10}]})),
        (
            "DescribeConsumedClients",
            json!({"ConnectionCount": 1, "ConsumedClientsInfo": [{"ClientId": "c1", "Diff": 10}]}),
        ),
        ("QueryMessageByMsgId", json!({"MessageInfo": {"MessageId": "m1", "IsExist": true, "Body": "订单 created"}})),
    ] {
        v.set_result(action, result);
    }
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    let inst = "rocketmq-cnoe12efdd**";
    let calls = [
        ("DescribeRegions", json!({})),
        ("DescribeAvailabilityZones", json!({"RegionId": "cn-beijing"})),
        ("GetInspectConfig", json!({"InstanceId": inst, "Filters": {"ConfigType": "cluster"}})),
        ("GetInstanceInspectResult", json!({"InstanceId": inst, "SortBy": "TimeStamp", "SortOrder": "DESC"})),
        ("EnableInstanceInspect", json!({"InstanceId": inst, "Enable": true})),
        ("ManualProcessResult", json!({"InstanceId": inst, "ResultId": "519fe2c3f72e4ea2a1e49de**"})),
        ("ManualTriggerInspect", json!({"InstanceId": inst, "Type": "cluster", "InspectName": "queueInsufficient"})),
        ("DescribeInstances", json!({})),
        ("DescribeInstanceDetail", json!({"InstanceId": "rocketmq-cn1"})),
        ("DescribeTopics", json!({"InstanceId": "rocketmq-cn1"})),
        ("DescribeGroups", json!({"InstanceId": "rocketmq-cn1"})),
        ("DescribeConsumedTopics", json!({"InstanceId": "rocketmq-cn1", "GroupId": "GID_billing"})),
        (
            "DescribeConsumedTopicDetail",
            json!({"InstanceId": "rocketmq-cn1", "GroupId": "GID_billing", "TopicName": "orders"}),
        ),
        ("DescribeConsumedClients", json!({"InstanceId": "rocketmq-cn1", "GroupId": "GID_billing"})),
        ("QueryMessageByMsgId", json!({"InstanceId": "rocketmq-cn1", "TopicName": "orders", "MessageId": "m1"})),
    ];
    assert_eq!(calls.len(), Action::ALL.len());
    for (tool, args) in calls {
        let r = c.call_tool(tool, args).await.unwrap();
        assert_ok(&r);
        let t = crate::common::text(&r);
        assert!(t.starts_with(tool), "{t}");
        assert!(!t.contains("\\u") && !t.contains("{\n"), "{t}");
        assert_eq!(r["structuredContent"]["Action"], tool);
        assert_eq!(r["structuredContent"]["Region"], "cn-beijing");
        assert!(r["structuredContent"]["Result"].is_object(), "{r}");
        assert_eq!(v.calls(tool).len(), 1, "{tool}");
    }
    assert!(
        crate::common::text(
            &c.call_tool("QueryMessageByMsgId", json!({"InstanceId": "i", "TopicName": "t", "MessageId": "m1"}))
                .await
                .unwrap()
        )
        .contains("订单")
    );
    assert_eq!(v.inspect_enabled(inst), Some(true));
    assert!(v.is_solved(inst, "519fe2c3f72e4ea2a1e49de**"));
    // Every request was signed by the server's keys and verified.
    assert!(v.handled().iter().all(|h| h.access_key.as_deref() == Some(crate::common::ALICE.0)), "{:?}", v.handled());
    let body = v.calls("DescribeRegions")[0].body.clone();
    assert_eq!(&body[..], b"{}");
    let trigger = &v.calls("ManualTriggerInspect")[0];
    assert_eq!(trigger.header("content-type"), Some("application/json"));
    assert_eq!(trigger.query.as_deref(), Some("Action=ManualTriggerInspect&Version=2023-01-01"));
}

#[tokio::test]
async fn the_region_argument_signs_for_that_region() {
    let v = volc().await;
    v.set_policy(test_support::volcengine::verify::VerifyPolicy { region: "cn-shanghai".into(), ..Default::default() });
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    let r = c.call_tool("DescribeRegions", json!({"region": "cn-shanghai"})).await.unwrap();
    assert_ok(&r);
    assert_eq!(r["structuredContent"]["Region"], "cn-shanghai");
    // Without it, the configured cn-beijing: the gateway refuses the scope.
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    crate::common::assert_error(&r, &["SignatureDoesNotMatch"]);
    let s = server(&yaml(&v, "", &["region: cn-shanghai"]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    assert_ok(&c.call_tool("DescribeRegions", json!({})).await.unwrap());
}
