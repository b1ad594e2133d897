//! Compact text of a result, for the model.
//!
//! ```text
//! GetInstanceInspectResult: InstanceId=rocketmq-cnoe12efdd** Total=2 InspectCnt=3 UnExpectedCnt=2
//! Results (2):
//! - ResultId=519fe2c3f72e4ea2a1e49de** Type=Topic InspectName=queueBalance Level=medium ...
//! RequestId=202408062203316AC862E450991A2B3C4D
//! ```
//!
//! The first line holds the action and the result's scalar fields; each list of objects follows
//! as a header line and one line per item; a nested object is one line `Name: k=v ...`. Text is
//! written as is (no `\uXXXX` escapes); a string is quoted only when it has spaces or
//! separators, and newlines inside it are written `\n`, so an item never spans two lines. Keys
//! come in a per-action order (ids first), the rest alphabetically. The last line is always the
//! RequestId.

use chrono::{TimeZone as _, Utc};
use serde_json::{Map, Value};

use crate::action::Action;
use crate::envelope::Success;

/// Keys shown first, in this order, for each action (the rest follow alphabetically).
fn key_order(action: Action) -> &'static [&'static str] {
    match action {
        Action::DescribeRegions => &["RegionId", "RegionName", "RegionStatus", "Describeption"],
        Action::DescribeAvailabilityZones => &["RegionId", "ZoneId", "ZoneName", "ZoneStatus", "Description"],
        Action::GetInspectConfig => &[
            "InstanceId",
            "Total",
            "TriggerLimit",
            "Type",
            "InspectName",
            "Configurable",
            "Enable",
            "Interval",
            "StartInspectTimeStamp",
            "Describe",
        ],
        Action::GetInstanceInspectResult => &[
            "InstanceId",
            "Total",
            "InspectCnt",
            "UnExpectedCnt",
            "ResultId",
            "Type",
            "InspectName",
            "Level",
            "Status",
            "TimeStamp",
            "Resource",
            "Suggestion",
            "Describe",
        ],
        Action::DescribeInstances | Action::DescribeInstanceDetail => &[
            "Total",
            "InstanceId",
            "InstanceName",
            "InstanceStatus",
            "Version",
            "RegionId",
            "ZoneId",
            "ComputeSpec",
            "EndpointType",
            "NetworkType",
            "InternalEndpoint",
            "PublicEndpoint",
        ],
        Action::DescribeTopics => &["InstanceId", "Total", "TopicName", "MessageType", "QueueNumber", "CreateTime"],
        Action::DescribeGroups => &["Total", "GroupId", "GroupType"],
        Action::DescribeConsumedTopics => &["Total", "Accumulation", "TopicName", "QueueNum", "SubString"],
        Action::DescribeConsumedTopicDetail => {
            &["Total", "QueueId", "ConsumeOffset", "EndOffset", "DiffCount", "LastTimeStamp"]
        }
        Action::DescribeConsumedClients => {
            &["ConnectionCount", "ClientId", "ClientAddress", "Language", "Version", "Diff"]
        }
        Action::QueryMessageByMsgId => &[
            "MessageId",
            "TopicName",
            "IsExist",
            "Tag",
            "MessageKey",
            "MessageSize",
            "CreateTimestamp",
            "StoreTimestamp",
        ],
        Action::EnableInstanceInspect | Action::ManualProcessResult | Action::ManualTriggerInspect => &[],
    }
}

/// Fields holding epoch times, shown with their UTC time: (action, key, milliseconds?).
const EPOCH_FIELDS: &[(Action, &str, bool)] = &[
    (Action::GetInstanceInspectResult, "TimeStamp", true),
    (Action::GetInspectConfig, "StartInspectTimeStamp", false),
];

fn ordered(action: Action, map: &Map<String, Value>) -> Vec<(&str, &Value)> {
    let order = key_order(action);
    let mut entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    entries.sort_by_key(|(k, _)| (order.iter().position(|o| o == k).unwrap_or(usize::MAX), *k));
    entries
}

fn is_object_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if items.iter().all(Value::is_object))
        && v.as_array().is_some_and(|a| !a.is_empty())
}

/// Render a successful response of `action`.
pub fn render(action: Action, success: &Success) -> String {
    let mut out = String::new();
    out.push_str(action.as_str());
    let empty = Map::new();
    let result = success.result.as_object().unwrap_or(&empty);
    if !success.result.is_object() {
        // Not an object (never seen): show it whole.
        out.push_str(": ");
        write_value(&mut out, action, &success.result);
    } else if result.is_empty() {
        out.push_str(": done (no result fields)");
    }
    let entries = ordered(action, result);
    // Scalars (and lists of scalars) on the first line.
    let mut first = true;
    for (key, value) in &entries {
        if !value.is_object() && !is_object_list(value) && !is_empty_list_of_objects(action, key, value) {
            out.push_str(if first { ": " } else { " " });
            first = false;
            write_pair(&mut out, action, key, value);
        }
    }
    // Nested objects, one line each.
    for (key, value) in &entries {
        if let Value::Object(map) = value {
            out.push('\n');
            out.push_str(key);
            out.push(':');
            if map.is_empty() {
                out.push_str(" none");
            }
            for (k, v) in ordered(action, map) {
                out.push(' ');
                write_pair(&mut out, action, k, v);
            }
        }
    }
    // Lists of objects: a header and one line per item.
    for (key, value) in &entries {
        if is_object_list(value) || is_empty_list_of_objects(action, key, value) {
            let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
            out.push('\n');
            out.push_str(&format!("{key} ({}):", items.len()));
            if items.is_empty() {
                out.push_str(" none");
            }
            for item in items {
                out.push_str("\n-");
                if let Value::Object(map) = item {
                    for (k, v) in ordered(action, map) {
                        out.push(' ');
                        write_pair(&mut out, action, k, v);
                    }
                }
            }
        }
    }
    out.push_str("\nRequestId=");
    out.push_str(success.request_id());
    out
}

/// The result lists of each action, so that an empty one still gets its `Name (0): none` line.
fn is_empty_list_of_objects(action: Action, key: &str, value: &Value) -> bool {
    let lists: &[&str] = match action {
        Action::DescribeRegions => &["Regions"],
        Action::DescribeAvailabilityZones => &["Zones"],
        Action::GetInspectConfig => &["Configs"],
        Action::GetInstanceInspectResult => &["Results"],
        Action::DescribeInstances => &["InstancesInfo"],
        Action::DescribeInstanceDetail => &["ConnectionInfo"],
        Action::DescribeTopics => &["TopicsInfo"],
        Action::DescribeGroups => &["GroupsInfo"],
        Action::DescribeConsumedTopics => &["ConsumedTopicsInfo"],
        Action::DescribeConsumedTopicDetail => &["ConsumedQueueInfo"],
        Action::DescribeConsumedClients => &["ConsumedClientsInfo"],
        _ => &[],
    };
    lists.contains(&key) && matches!(value, Value::Array(a) if a.is_empty())
}

fn write_pair(out: &mut String, action: Action, key: &str, value: &Value) {
    out.push_str(key);
    out.push('=');
    write_value(out, action, value);
    if let Some(time) = epoch_annotation(action, key, value) {
        out.push_str(" (");
        out.push_str(&time);
        out.push(')');
    }
}

fn epoch_annotation(action: Action, key: &str, value: &Value) -> Option<String> {
    let &(_, _, millis) = EPOCH_FIELDS.iter().find(|(a, k, _)| *a == action && *k == key)?;
    let n = match value {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    if n <= 0 {
        return None;
    }
    let t = if millis { Utc.timestamp_millis_opt(n).single()? } else { Utc.timestamp_opt(n, 0).single()? };
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn write_value(out: &mut String, action: Action, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, action, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in ordered(action, map).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_pair(out, action, k, v);
            }
            out.push('}');
        }
    }
}

/// A string as is when it is one plain word, else in double quotes with `"`, `\` and line
/// breaks escaped; other control characters become U+FFFD. Never a `\uXXXX` escape.
fn write_str(out: &mut String, s: &str) {
    let plain = !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '=' | '[' | ']' | '{' | '}' | ',' | '"'));
    if plain {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::envelope::{ResponseMetadata, parse};
    use serde_json::json;

    fn success(result: Value) -> Success {
        Success {
            http_status: 200,
            metadata: ResponseMetadata { request_id: Some("RID".into()), ..Default::default() },
            result,
        }
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        let mut s = String::new();
        write_str(&mut s, "华北2（北京）");
        assert_eq!(s, "华北2（北京）");
        let mut s = String::new();
        write_str(&mut s, "1. 扩容queue, 会\n\"x\"\\\u{1}");
        assert_eq!(s, "\"1. 扩容queue, 会\\n\\\"x\\\"\\\\\u{fffd}\"");
        let mut s = String::new();
        write_str(&mut s, "");
        assert_eq!(s, "\"\"");
    }

    #[test]
    fn empty_result() {
        let text = render(Action::ManualTriggerInspect, &success(json!({})));
        assert_eq!(text, "ManualTriggerInspect: done (no result fields)\nRequestId=RID");
    }

    #[test]
    fn nested_objects_and_lists() {
        let r = json!({
            "BasicInfo": {"InstanceName": "a b", "InstanceId": "rocketmq-1", "ChargeDetail": {"ChargeType": "PostPaid"}},
            "ConnectionInfo": [{"NetworkType": "PrivateNetwork", "EndpointType": "TCP", "InternalEndpoint": "10.0.0.1:9876"}],
            "FileReservedTime": 72
        });
        let text = render(Action::DescribeInstanceDetail, &success(r));
        assert_eq!(
            text,
            "DescribeInstanceDetail: FileReservedTime=72\n\
             BasicInfo: InstanceId=rocketmq-1 InstanceName=\"a b\" ChargeDetail={ChargeType=PostPaid}\n\
             ConnectionInfo (1):\n\
             - EndpointType=TCP NetworkType=PrivateNetwork InternalEndpoint=10.0.0.1:9876\n\
             RequestId=RID"
        );
    }

    #[test]
    fn message_bodies_stay_on_one_line() {
        let r = json!({"MessageInfo": {"MessageId": "m1", "Body": "line1\nline2", "IsExist": true}});
        let text = render(Action::QueryMessageByMsgId, &success(r));
        assert_eq!(
            text,
            "QueryMessageByMsgId\nMessageInfo: MessageId=m1 IsExist=true Body=\"line1\\nline2\"\nRequestId=RID"
        );
    }

    #[test]
    fn unknown_request_id_is_said() {
        let mut s = success(json!({}));
        s.metadata.request_id = None;
        assert!(render(Action::DescribeRegions, &s).ends_with("\nRequestId=unknown"));
    }

    #[test]
    fn epoch_fields_get_their_time() {
        let body = include_bytes!("../tests/fixtures/responses/GetInspectConfig.json");
        let s = parse(Action::GetInspectConfig, 200, body).unwrap();
        let text = render(Action::GetInspectConfig, &s);
        assert!(text.contains("StartInspectTimeStamp=1725968687 (2024-09-10T11:44:47Z)"), "{text}");
        assert!(text.contains("StartInspectTimeStamp=0 Describe="), "{text}");
    }
}
