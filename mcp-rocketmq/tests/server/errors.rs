//! Validation before any call, Volcengine errors as isError results, retries for reads only.

use serde_json::json;
use test_support::standin::Fault;

use crate::common::{ALICE, alice_env, assert_error, assert_ok, client, server, signer_of, volc, yaml};

const INST: &str = "rocketmq-cnoe12efdd**";

#[tokio::test]
async fn invalid_arguments_are_refused_before_any_call() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    for (tool, args, needle) in [
        (
            "GetInspectConfig",
            json!({"InstanceId": INST, "PageSize": 500}),
            "PageSize must be between 1 and 100 (got 500)",
        ),
        ("GetInspectConfig", json!({"InstanceId": INST, "PageNumber": 0}), "PageNumber must be at least 1"),
        ("GetInstanceInspectResult", json!({"InstanceId": INST, "SortOrder": "desc"}), "expected `ASC` or `DESC`"),
        ("GetInstanceInspectResult", json!({"InstanceId": INST, "SortBy": "Level"}), "TimeStamp"),
        ("GetInstanceInspectResult", json!({}), "missing field `InstanceId`"),
        ("DescribeRegions", json!({"region": "mars-1"}), "unknown region `mars-1`"),
        ("DescribeRegions", json!({"region": "CN-Beijing"}), "did you mean `cn-beijing`"),
        (
            "ManualTriggerInspect",
            json!({"InstanceId": INST, "Type": "topic", "InspectName": "queueInsufficient"}),
            "topic goes with `queueBalance`",
        ),
        (
            "ManualTriggerInspect",
            json!({"InstanceId": INST, "Type": "broker", "InspectName": "queueBalance"}),
            "cluster",
        ),
        ("EnableInstanceInspect", json!({"InstanceId": " ", "Enable": true}), "InstanceId must not be empty"),
        ("DescribeTopics", json!({"InstanceId": "i", "MessageType": 9}), "MessageType must be between 0 and 4"),
        ("DescribeInstances", json!({"NoSuchField": 1}), "unknown field"),
    ] {
        let r = c.call_tool(tool, args).await.unwrap();
        assert_error(&r, &[needle]);
    }
    assert!(v.requests().is_empty(), "a request was sent: {:?}", v.requests());
}

#[tokio::test]
async fn volcengine_errors_carry_code_message_request_id_and_hint() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    // An error envelope with HTTP 200 is an error, and not retried (InvalidParameter).
    v.inject_error("GetInspectConfig", "Envelope_Error_with_HTTP200", 1);
    let r = c.call_tool("GetInspectConfig", json!({"InstanceId": INST})).await.unwrap();
    assert_error(
        &r,
        &["GetInspectConfig failed: InvalidParameter", "Filters is not valid", "HTTP 200", "RequestId 20", "hint: "],
    );
    assert_eq!(v.calls("GetInspectConfig").len(), 1);
    // A 404 of the inspect API.
    v.inject_error("ManualTriggerInspect", "InvalidInstanceId.NotFound_404", 1);
    let r = c
        .call_tool(
            "ManualTriggerInspect",
            json!({"InstanceId": INST, "Type": "cluster", "InspectName": "queueInsufficient"}),
        )
        .await
        .unwrap();
    assert_error(&r, &["InvalidInstanceId.NotFound", "HTTP 404", "DescribeInstances"]);
    // A non-Volcengine 502 page.
    v.fault_action("DescribeRegions", std::iter::repeat_n(Fault::status(502).with_body("<html>bad gateway</html>"), 4));
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    assert_error(&r, &["HTTP 502 without a Volcengine error body"]);
}

#[tokio::test]
async fn a_wrong_secret_or_clock_gets_its_hint() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &[("VOLCENGINE_ACCESS_KEY", ALICE.0), ("VOLCENGINE_SECRET_KEY", "not-alices")])
        .await;
    let mut c = client(&s, &[]).await;
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    assert_error(&r, &["SignatureDoesNotMatch", "HTTP 401", "check that the secret access key"]);
    assert_eq!(v.calls("DescribeRegions").len(), 1, "an auth failure is not retried");
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    v.set_gateway_clock_skew(chrono::TimeDelta::hours(1));
    let r = c.call_tool("DescribeRegions", json!({})).await.unwrap();
    assert_error(&r, &["InvalidTimestamp", "clock"]);
}

#[tokio::test]
async fn reads_are_retried_on_transient_answers_and_signed_again() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    for (fixture, times) in [("ServiceUnavailable_503", 2), ("InternalError_500", 2), ("FlowLimitExceeded_429", 3)] {
        let before = v.calls("GetInstanceInspectResult").len();
        v.inject_error("GetInstanceInspectResult", fixture, times);
        let r = c.call_tool("GetInstanceInspectResult", json!({"InstanceId": INST})).await.unwrap();
        assert_ok(&r);
        assert_eq!(v.calls("GetInstanceInspectResult").len() - before, times + 1, "{fixture}");
    }
    // FlowLimitExceeded in an HTTP 200 envelope is retried too.
    let flow = json!({"ResponseMetadata": {"RequestId": "r", "Action": "GetInspectConfig", "Error": {"Code": "FlowLimitExceeded", "Message": "slow down"}}});
    v.fault_action("GetInspectConfig", [Fault::json(200, flow)]);
    assert_ok(&c.call_tool("GetInspectConfig", json!({"InstanceId": INST})).await.unwrap());
    assert_eq!(v.calls("GetInspectConfig").len(), 2);
    // Every attempt carried a valid signature (the stand-in verified each that reached it).
    assert!(v.handled().iter().all(|h| h.access_key.as_deref() == Some(ALICE.0)), "{:?}", v.handled());
    assert!(v.requests().iter().all(|r| signer_of(r) == ALICE.0));
    // Retries end: a read that stays throttled is an error with the hint.
    v.inject_error("GetInspectConfig", "FlowLimitExceeded_429", 10);
    let r = c.call_tool("GetInspectConfig", json!({"InstanceId": INST})).await.unwrap();
    assert_error(&r, &["FlowLimitExceeded", "rate limit", "retried automatically"]);
    assert_eq!(v.calls("GetInspectConfig").len(), 2 + 4, "1 try + max_retries 3");
}

#[tokio::test]
async fn writes_are_never_retried() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    let trigger = json!({"InstanceId": INST, "Type": "cluster", "InspectName": "queueInsufficient"});
    for fixture in ["ServiceUnavailable_503", "InternalError_500", "FlowLimitExceeded_429"] {
        v.inject_error("ManualTriggerInspect", fixture, 1);
        let before = v.calls("ManualTriggerInspect").len();
        let r = c.call_tool("ManualTriggerInspect", trigger.clone()).await.unwrap();
        assert_error(&r, &["ManualTriggerInspect failed"]);
        assert_eq!(v.calls("ManualTriggerInspect").len() - before, 1, "{fixture}");
    }
    v.clear_injections();
    // A connection dropped after sending: not repeated either.
    v.fault_action("EnableInstanceInspect", [Fault::Reset]);
    let r = c.call_tool("EnableInstanceInspect", json!({"InstanceId": INST, "Enable": true})).await.unwrap();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(v.calls("EnableInstanceInspect").len(), 1);
    assert_eq!(v.inspect_enabled(INST), None);
    v.inject_error("ManualProcessResult", "ServiceUnavailable_503", 1);
    let r = c
        .call_tool("ManualProcessResult", json!({"InstanceId": INST, "ResultId": "519fe2c3f72e4ea2a1e49de**"}))
        .await
        .unwrap();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(v.calls("ManualProcessResult").len(), 1);
}

#[tokio::test]
async fn the_trigger_limit_is_explained() {
    let v = volc().await;
    let s = server(&yaml(&v, "", &[]), &alice_env()).await;
    let mut c = client(&s, &[]).await;
    let trigger = json!({"InstanceId": INST, "Type": "topic", "InspectName": "queueBalance"});
    assert_ok(&c.call_tool("ManualTriggerInspect", trigger.clone()).await.unwrap());
    let r = c.call_tool("ManualTriggerInspect", trigger).await.unwrap();
    assert_error(&r, &["OperationDenied.TaskIsRunning", "at most once per 15 minutes"]);
    assert_eq!(v.calls("ManualTriggerInspect").len(), 2);
}
