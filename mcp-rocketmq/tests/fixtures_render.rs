//! Every response fixture of `volcengine-rocketmq-fixtures/` (copied into tests/fixtures/responses)
//! through the envelope parser and the renderer.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use mcp_rocketmq::action::Action;
use mcp_rocketmq::envelope::{self, ResponseError};
use mcp_rocketmq::render::render;
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/responses")
}

fn index() -> Value {
    serde_json::from_slice(&std::fs::read(dir().join("index.json")).unwrap()).unwrap()
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(dir().join(file)).unwrap()
}

fn status(entry: &Value) -> u16 {
    u16::try_from(entry["http_status"].as_u64().unwrap()).unwrap()
}

/// (fixture name, action, rendered text) of every success fixture and variant.
fn rendered() -> Vec<(String, Action, String, Value)> {
    let index = index();
    let mut out = Vec::new();
    for section in ["success", "variants"] {
        for (name, entry) in index[section].as_object().unwrap() {
            let action: Action = name.split('.').next().unwrap().parse().unwrap();
            let body = read(entry["file"].as_str().unwrap());
            let s = envelope::parse(action, status(entry), &body).unwrap_or_else(|e| panic!("{name}: {e}"));
            let json: Value = serde_json::from_slice(&body).unwrap();
            out.push((name.clone(), action, render(action, &s), json));
        }
    }
    assert_eq!(out.len(), 10, "fixtures lost");
    out
}

#[test]
fn every_success_renders_compactly_with_its_request_id() {
    for (name, _, text, json) in rendered() {
        let rid = json["ResponseMetadata"]["RequestId"].as_str().unwrap();
        assert!(text.ends_with(&format!("\nRequestId={rid}")), "{name}: {text}");
        assert!(!text.contains("\\u"), "{name}: escaped text: {text}");
        assert!(!text.contains("{\n") && !text.contains("  "), "{name}: pretty-printed: {text}");
        // One line per list item, plus the header and the RequestId line.
        let items: usize = json["Result"]
            .as_object()
            .map(|r| {
                r.values().filter_map(Value::as_array).filter(|a| a.iter().all(Value::is_object)).map(Vec::len).sum()
            })
            .unwrap_or(0);
        assert_eq!(text.lines().filter(|l| l.starts_with("- ")).count(), items, "{name}: {text}");
    }
}

#[test]
fn exact_texts() {
    let all = rendered();
    let text = |n: &str| all.iter().find(|(name, ..)| name == n).map(|(_, _, t, _)| t.as_str()).unwrap();
    assert_eq!(
        text("DescribeRegions"),
        "DescribeRegions\n\
         Regions (6):\n\
         - RegionId=cn-beijing RegionName=cn-beijing RegionStatus=Available Describeption=华北2（北京）\n\
         - RegionId=cn-shanghai RegionName=cn-shanghai RegionStatus=Available Describeption=华东2（上海）\n\
         - RegionId=cn-guangzhou RegionName=cn-guangzhou RegionStatus=Available Describeption=华南1（广州）\n\
         - RegionId=cn-hongkong RegionName=cn-hongkong RegionStatus=Available Describeption=中国香港\n\
         - RegionId=ap-southeast-1 RegionName=ap-southeast-1 RegionStatus=Available Describeption=亚太东南（柔佛）\n\
         - RegionId=ap-southeast-3 RegionName=ap-southeast-3 RegionStatus=Available Describeption=亚太东南（雅加达）\n\
         RequestId=20250115163000A1B2C3D4E5F60718293A"
    );
    assert_eq!(
        text("DescribeAvailabilityZones"),
        "DescribeAvailabilityZones: RegionId=cn-beijing\n\
         Zones (3):\n\
         - ZoneId=cn-beijing-a ZoneName=cn-beijing-a ZoneStatus=Normal Description=北京可用区A\n\
         - ZoneId=cn-beijing-b ZoneName=cn-beijing-b ZoneStatus=Soldout Description=北京可用区B\n\
         - ZoneId=cn-beijing-c ZoneName=cn-beijing-c ZoneStatus=Normal Description=北京可用区C\n\
         RequestId=20250115163001B2C3D4E5F60718293A4B"
    );
    assert_eq!(
        text("GetInspectConfig"),
        "GetInspectConfig: InstanceId=rocketmq-cnng33c94** Total=3 TriggerLimit=900\n\
         Configs (3):\n\
         - Type=cluster InspectName=queueInsufficient Configurable={Enable=true Interval=3600} \
           StartInspectTimeStamp=1725968687 (2024-09-10T11:44:47Z) Describe=实例queue资源不足\n\
         - Type=topic InspectName=queueBalance Configurable={Enable=true Interval=3600} \
           StartInspectTimeStamp=1725968687 (2024-09-10T11:44:47Z) Describe=实例queue分布不均衡\n\
         - Type=group InspectName=subscribeConsistency Configurable={Enable=false Interval=3600} \
           StartInspectTimeStamp=0 Describe=Group组订阅关系不一致\n\
         RequestId=20250115163003D4E5F60718293A4B5C6D"
    );
    assert_eq!(
        text("GetInstanceInspectResult"),
        "GetInstanceInspectResult: InstanceId=rocketmq-cnoe12efdd** Total=2 InspectCnt=3 UnExpectedCnt=2\n\
         Results (2):\n\
         - ResultId=519fe2c3f72e4ea2a1e49de** Type=Topic InspectName=queueBalance Level=medium Status=unSolved \
           TimeStamp=1722944022630 (2024-08-06T11:33:42Z) Resource=[test1, test2] \
           Suggestion=[\"1. 扩容queue, 会自动将queue rebalance到其他broker\", \"2. 联系管理员对queue进行重均衡\"] \
           Describe=实例queue分布不均衡\n\
         - ResultId=45e215e9fe104c849077** Type=Cluster InspectName=queueInsufficient Level=high Status=Solved \
           TimeStamp=1722940422630 (2024-08-06T10:33:42Z) Resource=[rocketmq-cnoe12efdd**] \
           Suggestion=[\"1. 升级实例规格或扩容broker以获得更多queue配额\"] Describe=实例queue资源不足\n\
         RequestId=202408062203316AC862E450991A2B3C4D"
    );
    assert_eq!(
        text("GetInstanceInspectResult.empty"),
        "GetInstanceInspectResult: InstanceId=rocketmq-cnoe12efdd** Total=0 InspectCnt=3 UnExpectedCnt=0\n\
         Results (0): none\n\
         RequestId=20250115163006071829A4B5C6D7E8F90A"
    );
    for (name, rid) in [
        ("EnableInstanceInspect", "20250115163002C3D4E5F60718293A4B5C"),
        ("EnableInstanceInspect.null_result", "20250115163008B5C6D7E8F90A1B2C3D4E"),
        ("ManualProcessResult", "20250115163005F60718293A4B5C6D7E8F"),
        ("ManualTriggerInspect", "2024080621481941C2CF4020DC7E5A6B7C"),
        ("ManualTriggerInspect.no_result_key", "20250115163007A4B5C6D7E8F90A1B2C3D"),
    ] {
        let action = name.split('.').next().unwrap();
        assert_eq!(text(name), format!("{action}: done (no result fields)\nRequestId={rid}"), "{name}");
    }
}

#[test]
fn every_error_fixture_is_a_typed_error() {
    let index = index();
    let entries = index["errors"].as_array().unwrap();
    // The index lists every file of errors/.
    let listed: BTreeSet<String> = entries.iter().map(|e| e["file"].as_str().unwrap().to_string()).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir().join("errors"))
        .unwrap()
        .map(|f| format!("errors/{}", f.unwrap().file_name().to_string_lossy()))
        .collect();
    assert_eq!(listed, on_disk);
    assert_eq!(on_disk.len(), 15);

    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let action: Action = entry["action"].as_str().unwrap().parse().unwrap();
        let body = read(file);
        let json: Value = serde_json::from_slice(&body).unwrap();
        let want = &json["ResponseMetadata"]["Error"];
        let err = envelope::parse(action, status(entry), &body).unwrap_err();
        let ResponseError::Api(api) = &err else { panic!("{file}: not an API error: {err:?}") };
        assert_eq!(api.http_status, status(entry), "{file}");
        assert_eq!(api.code, want["Code"].as_str().unwrap(), "{file}");
        assert_eq!(api.message, want["Message"].as_str().unwrap(), "{file}");
        assert_eq!(api.code_n, want["CodeN"].as_i64(), "{file}");
        assert_eq!(api.request_id.as_deref(), json["ResponseMetadata"]["RequestId"].as_str(), "{file}");
        assert_eq!(api.action, Some(action), "{file}");
        let text = err.to_string();
        assert!(text.starts_with(&format!("{}: {}", api.code, api.message)), "{file}: {text}");
        assert!(text.contains(&format!("RequestId {}", api.request_id.as_deref().unwrap())), "{file}: {text}");
        assert!(text.contains(&format!("HTTP {}", api.http_status)), "{file}: {text}");
        assert!(api.hint().is_some(), "{file}: every fixture code has a hint");

        let transient = matches!(api.code.as_str(), "FlowLimitExceeded" | "InternalError" | "ServiceUnavailable");
        assert_eq!(err.is_transient(), transient, "{file}");
        let auth = matches!(api.code.as_str(), "SignatureDoesNotMatch" | "InvalidAccessKey" | "InvalidTimestamp");
        assert_eq!(api.is_auth(), auth, "{file}");
    }
}

#[test]
fn hints_say_what_to_do() {
    let index = index();
    let hint = |code_file: &str| {
        let entry = index["errors"].as_array().unwrap().iter().find(|e| e["file"] == code_file).unwrap();
        let action: Action = entry["action"].as_str().unwrap().parse().unwrap();
        match envelope::parse(action, status(entry), &read(code_file)).unwrap_err() {
            ResponseError::Api(e) => e.hint().unwrap().to_string(),
            other => panic!("{other:?}"),
        }
    };
    assert!(hint("errors/SignatureDoesNotMatch_401.json").contains("check that the secret access key"));
    assert!(hint("errors/InvalidTimestamp_403.json").contains("check this machine's clock"));
    assert!(hint("errors/FlowLimitExceeded_429.json").contains("read-only tools are retried automatically"));
    assert!(hint("errors/OperationDenied.TaskIsRunning_403.json").contains("at most once per 15 minutes"));
    assert!(hint("errors/OperationDenied.VersionUnsupported_403.json").contains("5.x"));
    assert!(hint("errors/InvalidInstanceId.NotFound_404.json").contains("DescribeInstances"));
    assert!(hint("errors/Envelope_Error_with_HTTP200.json").contains("argument"));
}
