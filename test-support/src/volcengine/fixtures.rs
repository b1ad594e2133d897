//! The response fixtures of `fixtures/volcengine/` (copied from
//! `/work/shared/upstreams/volcengine-rocketmq-fixtures/`), embedded at compile time, with the
//! HTTP status `index.json` gives each.

use std::sync::OnceLock;

use serde_json::Value;

/// Every fixture file, by its path relative to `fixtures/volcengine/`.
const FILES: &[(&str, &str)] = &[
    ("DescribeAvailabilityZones.json", include_str!("../../fixtures/volcengine/DescribeAvailabilityZones.json")),
    ("DescribeRegions.json", include_str!("../../fixtures/volcengine/DescribeRegions.json")),
    ("EnableInstanceInspect.json", include_str!("../../fixtures/volcengine/EnableInstanceInspect.json")),
    (
        "EnableInstanceInspect.null_result.json",
        include_str!("../../fixtures/volcengine/EnableInstanceInspect.null_result.json"),
    ),
    ("GetInspectConfig.json", include_str!("../../fixtures/volcengine/GetInspectConfig.json")),
    (
        "GetInstanceInspectResult.empty.json",
        include_str!("../../fixtures/volcengine/GetInstanceInspectResult.empty.json"),
    ),
    ("GetInstanceInspectResult.json", include_str!("../../fixtures/volcengine/GetInstanceInspectResult.json")),
    ("ManualProcessResult.json", include_str!("../../fixtures/volcengine/ManualProcessResult.json")),
    ("ManualTriggerInspect.json", include_str!("../../fixtures/volcengine/ManualTriggerInspect.json")),
    (
        "ManualTriggerInspect.no_result_key.json",
        include_str!("../../fixtures/volcengine/ManualTriggerInspect.no_result_key.json"),
    ),
    (
        "errors/Envelope_Error_with_HTTP200.json",
        include_str!("../../fixtures/volcengine/errors/Envelope_Error_with_HTTP200.json"),
    ),
    ("errors/FlowLimitExceeded_429.json", include_str!("../../fixtures/volcengine/errors/FlowLimitExceeded_429.json")),
    ("errors/InternalError_500.json", include_str!("../../fixtures/volcengine/errors/InternalError_500.json")),
    ("errors/InvalidAccessKey_401.json", include_str!("../../fixtures/volcengine/errors/InvalidAccessKey_401.json")),
    (
        "errors/InvalidActionOrVersion_404.json",
        include_str!("../../fixtures/volcengine/errors/InvalidActionOrVersion_404.json"),
    ),
    (
        "errors/InvalidInstanceId.NotFound_404.json",
        include_str!("../../fixtures/volcengine/errors/InvalidInstanceId.NotFound_404.json"),
    ),
    ("errors/InvalidPara_400.json", include_str!("../../fixtures/volcengine/errors/InvalidPara_400.json")),
    (
        "errors/InvalidParameter_PageSize_400.json",
        include_str!("../../fixtures/volcengine/errors/InvalidParameter_PageSize_400.json"),
    ),
    ("errors/InvalidTimestamp_403.json", include_str!("../../fixtures/volcengine/errors/InvalidTimestamp_403.json")),
    (
        "errors/MissingParameter_RegionId_400.json",
        include_str!("../../fixtures/volcengine/errors/MissingParameter_RegionId_400.json"),
    ),
    (
        "errors/OperationDenied.AccountNotAuthorized_403.json",
        include_str!("../../fixtures/volcengine/errors/OperationDenied.AccountNotAuthorized_403.json"),
    ),
    (
        "errors/OperationDenied.TaskIsRunning_403.json",
        include_str!("../../fixtures/volcengine/errors/OperationDenied.TaskIsRunning_403.json"),
    ),
    (
        "errors/OperationDenied.VersionUnsupported_403.json",
        include_str!("../../fixtures/volcengine/errors/OperationDenied.VersionUnsupported_403.json"),
    ),
    (
        "errors/ServiceUnavailable_503.json",
        include_str!("../../fixtures/volcengine/errors/ServiceUnavailable_503.json"),
    ),
    (
        "errors/SignatureDoesNotMatch_401.json",
        include_str!("../../fixtures/volcengine/errors/SignatureDoesNotMatch_401.json"),
    ),
];

const INDEX: &str = include_str!("../../fixtures/volcengine/index.json");

/// The seven inspection actions that have success fixtures.
pub const ACTIONS: [&str; 7] = [
    "DescribeRegions",
    "DescribeAvailabilityZones",
    "EnableInstanceInspect",
    "GetInspectConfig",
    "GetInstanceInspectResult",
    "ManualProcessResult",
    "ManualTriggerInspect",
];

/// One fixture: its file, the status to serve it with and its parsed body.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// Path relative to `fixtures/volcengine/`.
    pub file: &'static str,
    /// HTTP status from `index.json`.
    pub http_status: u16,
    /// Parsed body.
    pub body: Value,
}

struct Loaded {
    success: Vec<(String, Fixture)>,
    variants: Vec<(String, Fixture)>,
    errors: Vec<Fixture>,
}

fn file(name: &str) -> Option<(&'static str, &'static str)> {
    FILES.iter().copied().find(|(f, _)| *f == name)
}

fn fixture(entry: &Value) -> Option<Fixture> {
    let (file, text) = file(entry.get("file")?.as_str()?)?;
    let http_status = u16::try_from(entry.get("http_status")?.as_u64()?).ok()?;
    Some(Fixture { file, http_status, body: serde_json::from_str(text).ok()? })
}

fn keyed(index: &Value, section: &str) -> Vec<(String, Fixture)> {
    index
        .get(section)
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), fixture(v)?))).collect())
        .unwrap_or_default()
}

/// The embedded index; a broken fixture is a bug in this crate, caught by its unit test.
fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let index: Value = serde_json::from_str(INDEX).unwrap_or(Value::Null);
        Loaded {
            success: keyed(&index, "success"),
            variants: keyed(&index, "variants"),
            errors: index
                .get("errors")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(fixture).collect())
                .unwrap_or_default(),
        }
    })
}

/// The success fixture of `action`.
pub fn success(action: &str) -> Option<Fixture> {
    loaded().success.iter().find(|(a, _)| a == action).map(|(_, f)| f.clone())
}

/// The variant `variant` of `action` (file `Action.variant.json`), e.g. `("GetInstanceInspectResult", "empty")`.
pub fn variant(action: &str, variant: &str) -> Option<Fixture> {
    let key = format!("{action}.{variant}");
    loaded().variants.iter().find(|(k, _)| *k == key).map(|(_, f)| f.clone())
}

/// The names of all variants as `Action.variant`.
pub fn variant_names() -> Vec<String> {
    loaded().variants.iter().map(|(k, _)| k.clone()).collect()
}

/// An error fixture by name: its file stem (`InvalidPara_400`), its file name
/// (`InvalidPara_400.json`) or its path (`errors/InvalidPara_400.json`).
pub fn error(name: &str) -> Option<Fixture> {
    let stem = name.strip_prefix("errors/").unwrap_or(name);
    let stem = stem.strip_suffix(".json").unwrap_or(stem);
    let path = format!("errors/{stem}.json");
    loaded().errors.iter().find(|f| f.file == path).cloned()
}

/// The stems of every error fixture (`InvalidPara_400`, …).
pub fn error_names() -> Vec<String> {
    loaded()
        .errors
        .iter()
        .filter_map(|f| f.file.strip_prefix("errors/")?.strip_suffix(".json").map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_is_indexed_and_parses() {
        let l = loaded();
        assert_eq!(l.success.len(), ACTIONS.len());
        for action in ACTIONS {
            let f = success(action).unwrap_or_else(|| panic!("no success fixture for {action}"));
            assert_eq!(f.http_status, 200);
            assert_eq!(f.body["ResponseMetadata"]["Action"], action);
        }
        assert_eq!(l.variants.len(), 3);
        assert_eq!(l.errors.len(), 15);
        let indexed = l.success.len() + l.variants.len() + l.errors.len();
        assert_eq!(indexed, FILES.len(), "every embedded file is in index.json and every index entry is embedded");
        assert!(variant("GetInstanceInspectResult", "empty").is_some());
        assert!(variant("GetInstanceInspectResult", "nope").is_none());
    }

    #[test]
    fn errors_by_any_name() {
        let by_stem = error("InvalidPara_400").map(|f| (f.file, f.http_status));
        assert_eq!(by_stem, Some(("errors/InvalidPara_400.json", 400)));
        assert_eq!(error("errors/Envelope_Error_with_HTTP200.json").map(|f| f.http_status), Some(200));
        assert_eq!(error("FlowLimitExceeded_429.json").map(|f| f.http_status), Some(429));
        assert!(error("Nope_400").is_none());
        assert_eq!(error_names().len(), 15);
    }
}
