//! What each action does to the stand-in's little state and to the body it answers with.
//!
//! Read actions take the fixture (or the selected variant) and adapt it to the request: the
//! requested `InstanceId`/`RegionId`, the inspect switch, solved results, `Filters.ConfigType`,
//! sorting and the page. Write actions change the state: `EnableInstanceInspect` switches every
//! rule of the instance, `ManualProcessResult` marks a result `Solved`, `ManualTriggerInspect`
//! refuses a rule triggered again within the trigger limit.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::fixtures;

/// The upstream `required` parameters of each inspection action (an action not listed has none).
pub fn required_parameters(action: &str) -> &'static [&'static str] {
    match action {
        "DescribeAvailabilityZones" => &["RegionId"],
        "EnableInstanceInspect" => &["InstanceId", "Enable"],
        "GetInspectConfig" | "GetInstanceInspectResult" => &["InstanceId", "PageNumber", "PageSize"],
        "ManualProcessResult" => &["InstanceId", "ResultId"],
        "ManualTriggerInspect" => &["InstanceId", "Type", "InspectName"],
        _ => &[],
    }
}

/// The inspection state the write actions change.
#[derive(Debug, Clone)]
pub struct InspectState {
    /// The last `EnableInstanceInspect` per instance.
    pub enabled: HashMap<String, bool>,
    /// `(InstanceId, ResultId)` marked solved.
    pub solved: HashSet<(String, String)>,
    /// The last accepted manual trigger per `(InstanceId, InspectName)`.
    pub triggered: HashMap<(String, String), DateTime<Utc>>,
    /// How long after a manual trigger the same rule is refused (upstream: 15 minutes).
    pub trigger_limit: TimeDelta,
}

impl Default for InspectState {
    fn default() -> Self {
        InspectState {
            enabled: HashMap::new(),
            solved: HashSet::new(),
            triggered: HashMap::new(),
            trigger_limit: TimeDelta::minutes(15),
        }
    }
}

/// A string parameter (present: the required check ran before).
fn string<'p>(params: &'p Map<String, Value>, name: &str) -> Result<&'p str, ApiError> {
    params.get(name).and_then(Value::as_str).ok_or_else(|| ApiError::invalid_parameter(name))
}

/// An integer parameter, as a JSON number or (query/form) a decimal string.
fn integer(params: &Map<String, Value>, name: &str) -> Result<i64, ApiError> {
    match params.get(name) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid_parameter(name))
}

/// A boolean parameter, as a JSON boolean or (query/form) `true`/`false`.
fn boolean(params: &Map<String, Value>, name: &str) -> Result<bool, ApiError> {
    match params.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        _ => None,
    }
    .ok_or_else(|| ApiError::invalid_parameter(name))
}

/// Keep one page of `items` (PageNumber from 1; a page below 1 is taken as 1, a size below 1 as 1).
fn page(items: &mut Vec<Value>, params: &Map<String, Value>) -> Result<(), ApiError> {
    let number = usize::try_from(integer(params, "PageNumber")?.max(1)).unwrap_or(usize::MAX);
    let size = usize::try_from(integer(params, "PageSize")?.max(1)).unwrap_or(usize::MAX);
    let start = (number - 1).saturating_mul(size).min(items.len());
    let end = start.saturating_add(size).min(items.len());
    *items = items[start..end].to_vec();
    Ok(())
}

/// The ResultIds the stand-in currently knows (from the served GetInstanceInspectResult body).
pub fn known_result_ids(inspect_result_body: &Value) -> Vec<String> {
    inspect_result_body["Result"]["Results"]
        .as_array()
        .map(|rs| rs.iter().filter_map(|r| r["ResultId"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Apply `action` with `params` to the state and to `body` (the fixture or variant to serve).
/// `adapt` is false when the test replaced the Result wholesale: writes still change the state,
/// reads leave the body alone. `now` is the service clock. `result_ids` are the ResultIds
/// ManualProcessResult accepts.
pub fn apply(
    action: &str,
    params: &Map<String, Value>,
    body: &mut Value,
    adapt: bool,
    state: &mut InspectState,
    now: DateTime<Utc>,
    result_ids: &[String],
) -> Result<(), ApiError> {
    match action {
        "EnableInstanceInspect" => {
            let instance = string(params, "InstanceId")?.to_owned();
            let enable = boolean(params, "Enable")?;
            state.enabled.insert(instance, enable);
        }
        "ManualProcessResult" => {
            let instance = string(params, "InstanceId")?.to_owned();
            let result = string(params, "ResultId")?.to_owned();
            if !result_ids.contains(&result) {
                return Err(ApiError::invalid_parameter("ResultId"));
            }
            state.solved.insert((instance, result));
        }
        "ManualTriggerInspect" => {
            let instance = string(params, "InstanceId")?.to_owned();
            string(params, "Type")?;
            let rule = string(params, "InspectName")?.to_owned();
            let key = (instance, rule);
            if let Some(at) = state.triggered.get(&key)
                && now - *at < state.trigger_limit
            {
                let denied = fixtures::error("OperationDenied.TaskIsRunning_403");
                return Err(denied
                    .and_then(|f| ApiError::from_envelope(f.http_status, &f.body))
                    .unwrap_or_else(|| ApiError::new(403, "OperationDenied.TaskIsRunning", None, "")));
            }
            state.triggered.insert(key, now);
        }
        "DescribeAvailabilityZones" if adapt => {
            let region = string(params, "RegionId")?;
            if let Some(result) = body.get_mut("Result").and_then(Value::as_object_mut) {
                for zone in result.get_mut("Zones").and_then(Value::as_array_mut).into_iter().flatten() {
                    for field in ["ZoneId", "ZoneName"] {
                        if let Some(name) = zone[field].as_str() {
                            zone[field] = json!(name.replacen("cn-beijing", region, 1));
                        }
                    }
                }
                result.insert("RegionId".into(), json!(region));
            }
        }
        "GetInspectConfig" if adapt => {
            let instance = string(params, "InstanceId")?;
            let enabled = state.enabled.get(instance).copied();
            let filter = params.get("Filters").and_then(|f| f.get("ConfigType")).and_then(Value::as_str);
            if let Some(result) = body.get_mut("Result").and_then(Value::as_object_mut) {
                let mut configs = result.get("Configs").and_then(Value::as_array).cloned().unwrap_or_default();
                if let Some(kind) = filter {
                    configs.retain(|c| c["Type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(kind)));
                }
                if let Some(enabled) = enabled {
                    for config in &mut configs {
                        config["Configurable"]["Enable"] = json!(enabled);
                    }
                }
                result.insert("Total".into(), json!(configs.len()));
                page(&mut configs, params)?;
                result.insert("Configs".into(), Value::Array(configs));
                result.insert("InstanceId".into(), json!(instance));
                result.insert("TriggerLimit".into(), json!(state.trigger_limit.num_seconds()));
            }
        }
        "GetInstanceInspectResult" if adapt => {
            let instance = string(params, "InstanceId")?;
            if let Some(result) = body.get_mut("Result").and_then(Value::as_object_mut) {
                let mut results = result.get("Results").and_then(Value::as_array).cloned().unwrap_or_default();
                for r in &mut results {
                    let id = r["ResultId"].as_str().unwrap_or_default().to_owned();
                    if state.solved.contains(&(instance.to_owned(), id)) {
                        r["Status"] = json!("Solved");
                    }
                }
                if params.get("SortBy").and_then(Value::as_str) == Some("TimeStamp") {
                    let stamp = |r: &Value| r["TimeStamp"].as_str().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
                    results.sort_by_key(stamp);
                    if params.get("SortOrder").and_then(Value::as_str) == Some("DESC") {
                        results.reverse();
                    }
                }
                result.insert("Total".into(), json!(results.len()));
                page(&mut results, params)?;
                result.insert("Results".into(), Value::Array(results));
                result.insert("InstanceId".into(), json!(instance));
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn inspect_result_is_sorted_paged_and_shows_solved() {
        let mut state = InspectState::default();
        state.solved.insert(("i-1".into(), "519fe2c3f72e4ea2a1e49de**".into()));
        let mut body = fixtures::success("GetInstanceInspectResult").unwrap().body;
        let p = params(json!({"InstanceId": "i-1", "PageNumber": 1, "PageSize": 1, "SortBy": "TimeStamp"}));
        apply("GetInstanceInspectResult", &p, &mut body, true, &mut state, Utc::now(), &[]).unwrap();
        let result = &body["Result"];
        assert_eq!(result["InstanceId"], "i-1");
        assert_eq!(result["Total"], 2);
        let results = result["Results"].as_array().unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0]["TimeStamp"], "1722940422630", "ascending: the older first");

        let mut body = fixtures::success("GetInstanceInspectResult").unwrap().body;
        let p = params(
            json!({"InstanceId": "i-1", "PageNumber": 1, "PageSize": 10, "SortBy": "TimeStamp", "SortOrder": "DESC"}),
        );
        apply("GetInstanceInspectResult", &p, &mut body, true, &mut state, Utc::now(), &[]).unwrap();
        assert_eq!(body["Result"]["Results"][0]["ResultId"], "519fe2c3f72e4ea2a1e49de**");
        assert_eq!(body["Result"]["Results"][0]["Status"], "Solved");
    }

    #[test]
    fn inspect_config_follows_the_switch_and_the_filter() {
        let mut state = InspectState::default();
        state.enabled.insert("i-1".into(), false);
        let mut body = fixtures::success("GetInspectConfig").unwrap().body;
        let p =
            params(json!({"InstanceId": "i-1", "PageNumber": 1, "PageSize": 10, "Filters": {"ConfigType": "topic"}}));
        apply("GetInspectConfig", &p, &mut body, true, &mut state, Utc::now(), &[]).unwrap();
        assert_eq!(body["Result"]["Total"], 1);
        assert_eq!(body["Result"]["Configs"][0]["InspectName"], "queueBalance");
        assert_eq!(body["Result"]["Configs"][0]["Configurable"]["Enable"], false);
        assert_eq!(body["Result"]["TriggerLimit"], 900);
    }

    #[test]
    fn bad_types_are_invalid_parameters() {
        let mut state = InspectState::default();
        let mut body = json!({});
        let p = params(json!({"InstanceId": "i-1", "Enable": "yes"}));
        let err = apply("EnableInstanceInspect", &p, &mut body, true, &mut state, Utc::now(), &[]).unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (400, "InvalidParameter"));
        assert!(err.message.contains("Enable"));
    }
}
