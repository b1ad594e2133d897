//! The arguments of every tool, their validation, and the JSON body each sends.
//!
//! Argument names are the OpenAPI's own (`InstanceId`, `PageNumber`, ...), plus our optional
//! `region` (the region the call is signed for; never sent in the body). Upstream enforces none
//! of the documented constraints; [`ToolArgs::validate`] checks all of them before any call:
//! `PageNumber >= 1`, `PageSize` 1..=100 (defaults 1 and 20), the enumerations, non-empty ids and
//! the `Type` / `InspectName` pairing of `ManualTriggerInspect`.
//!
//! The body is compact JSON of the fields in the order declared here; absent optional fields,
//! blank optional strings and empty lists are left out.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::Action;
use crate::regions::{Region, RegionError};

/// Smallest `PageNumber`.
pub const MIN_PAGE_NUMBER: i64 = 1;
/// Largest `PageSize`.
pub const MAX_PAGE_SIZE: i64 = 100;
/// `PageNumber` when none is given.
pub const DEFAULT_PAGE_NUMBER: i64 = 1;
/// `PageSize` when none is given.
pub const DEFAULT_PAGE_SIZE: i64 = 20;

fn default_page_number() -> i64 {
    DEFAULT_PAGE_NUMBER
}

fn default_page_size() -> i64 {
    DEFAULT_PAGE_SIZE
}

fn is_blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Why a tool's arguments were refused (before any call).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// The arguments do not deserialize (unknown or missing field, wrong type, unknown value).
    #[error("invalid arguments for {action}: {detail}")]
    Invalid {
        /// The tool.
        action: Action,
        /// serde's description (names the field and, for enumerations, the allowed values).
        detail: String,
    },
    /// A number is out of its range.
    #[error("{field} must be {range} (got {got})")]
    OutOfRange {
        /// The argument.
        field: &'static str,
        /// e.g. `between 1 and 100`.
        range: &'static str,
        /// The value given.
        got: i64,
    },
    /// A required string is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The argument.
        field: &'static str,
    },
    /// `ManualTriggerInspect`'s `InspectName` does not belong to its `Type`.
    #[error(
        "InspectName `{inspect_name}` does not go with Type `{kind}`: {kind} goes with `{expected}` \
         (cluster: queueInsufficient, topic: queueBalance, group: subscribeConsistency)"
    )]
    Pairing {
        /// The `Type` given.
        kind: InspectType,
        /// The `InspectName` given.
        inspect_name: InspectName,
        /// The `InspectName` that goes with `kind`.
        expected: InspectName,
    },
    /// A `Filters` entry of `GetInspectConfig` is not usable.
    #[error("Filters: {0}")]
    Filter(String),
    /// The `region` argument is not a known region.
    #[error(transparent)]
    Region(#[from] RegionError),
}

fn check_page(page_number: i64, page_size: i64) -> Result<(), ArgError> {
    if page_number < MIN_PAGE_NUMBER {
        return Err(ArgError::OutOfRange { field: "PageNumber", range: "at least 1", got: page_number });
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ArgError::OutOfRange { field: "PageSize", range: "between 1 and 100", got: page_size });
    }
    Ok(())
}

fn check_required(field: &'static str, value: &str) -> Result<(), ArgError> {
    if value.trim().is_empty() { Err(ArgError::Empty { field }) } else { Ok(()) }
}

fn check_region(region: &Option<String>) -> Result<(), ArgError> {
    match region {
        Some(r) => Region::parse(r).map(|_| ()).map_err(ArgError::from),
        None => Ok(()),
    }
}

/// What every tool's arguments offer.
pub trait ToolArgs: DeserializeOwned + Serialize + JsonSchema {
    /// The action (and tool) these arguments belong to.
    const ACTION: Action;

    /// The `region` argument, if given (validated by [`ToolArgs::validate`]).
    fn region(&self) -> Option<&str>;

    /// Check every documented constraint.
    fn validate(&self) -> Result<(), ArgError>;

    /// The JSON body to send (compact), after validation.
    fn body(&self) -> Result<Vec<u8>, ArgError> {
        self.validate()?;
        serde_json::to_vec(self).map_err(|e| ArgError::Invalid { action: Self::ACTION, detail: e.to_string() })
    }
}

/// One validated call: the action, the region it asks for, and the exact body bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The action.
    pub action: Action,
    /// The `region` argument (validated); `None` means the server's default.
    pub region: Option<Region>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Parse, validate and serialize one tool's arguments (`Value::Null` counts as `{}`).
pub fn prepare_as<T: ToolArgs>(arguments: Value) -> Result<Prepared, ArgError> {
    let arguments = if arguments.is_null() { Value::Object(Default::default()) } else { arguments };
    let args: T = serde_json::from_value(arguments)
        .map_err(|e| ArgError::Invalid { action: T::ACTION, detail: e.to_string() })?;
    let body = args.body()?;
    let region = args.region().map(Region::parse).transpose()?;
    Ok(Prepared { action: T::ACTION, region, body })
}

/// [`prepare_as`] for the arguments type of `action`.
pub fn prepare(action: Action, arguments: Value) -> Result<Prepared, ArgError> {
    match action {
        Action::DescribeRegions => prepare_as::<DescribeRegionsArgs>(arguments),
        Action::DescribeAvailabilityZones => prepare_as::<DescribeAvailabilityZonesArgs>(arguments),
        Action::GetInspectConfig => prepare_as::<GetInspectConfigArgs>(arguments),
        Action::GetInstanceInspectResult => prepare_as::<GetInstanceInspectResultArgs>(arguments),
        Action::EnableInstanceInspect => prepare_as::<EnableInstanceInspectArgs>(arguments),
        Action::ManualProcessResult => prepare_as::<ManualProcessResultArgs>(arguments),
        Action::ManualTriggerInspect => prepare_as::<ManualTriggerInspectArgs>(arguments),
        Action::DescribeInstances => prepare_as::<DescribeInstancesArgs>(arguments),
        Action::DescribeInstanceDetail => prepare_as::<DescribeInstanceDetailArgs>(arguments),
        Action::DescribeTopics => prepare_as::<DescribeTopicsArgs>(arguments),
        Action::DescribeGroups => prepare_as::<DescribeGroupsArgs>(arguments),
        Action::DescribeConsumedTopics => prepare_as::<DescribeConsumedTopicsArgs>(arguments),
        Action::DescribeConsumedTopicDetail => prepare_as::<DescribeConsumedTopicDetailArgs>(arguments),
        Action::DescribeConsumedClients => prepare_as::<DescribeConsumedClientsArgs>(arguments),
        Action::QueryMessageByMsgId => prepare_as::<QueryMessageByMsgIdArgs>(arguments),
    }
}

/// The JSON schema of `action`'s arguments, as `tools/list` sends it (subschemas inlined, by
/// [`mcp_core::tools::schema_object`]).
pub fn input_schema(action: Action) -> serde_json::Map<String, Value> {
    use mcp_core::tools::schema_object;
    match action {
        Action::DescribeRegions => schema_object::<DescribeRegionsArgs>(),
        Action::DescribeAvailabilityZones => schema_object::<DescribeAvailabilityZonesArgs>(),
        Action::GetInspectConfig => schema_object::<GetInspectConfigArgs>(),
        Action::GetInstanceInspectResult => schema_object::<GetInstanceInspectResultArgs>(),
        Action::EnableInstanceInspect => schema_object::<EnableInstanceInspectArgs>(),
        Action::ManualProcessResult => schema_object::<ManualProcessResultArgs>(),
        Action::ManualTriggerInspect => schema_object::<ManualTriggerInspectArgs>(),
        Action::DescribeInstances => schema_object::<DescribeInstancesArgs>(),
        Action::DescribeInstanceDetail => schema_object::<DescribeInstanceDetailArgs>(),
        Action::DescribeTopics => schema_object::<DescribeTopicsArgs>(),
        Action::DescribeGroups => schema_object::<DescribeGroupsArgs>(),
        Action::DescribeConsumedTopics => schema_object::<DescribeConsumedTopicsArgs>(),
        Action::DescribeConsumedTopicDetail => schema_object::<DescribeConsumedTopicDetailArgs>(),
        Action::DescribeConsumedClients => schema_object::<DescribeConsumedClientsArgs>(),
        Action::QueryMessageByMsgId => schema_object::<QueryMessageByMsgIdArgs>(),
    }
}

// ----- enumerations -----

/// `SortOrder` of `GetInstanceInspectResult` (upper case, as its docs spell it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum InspectSortOrder {
    // Ascending (the API's default).
    #[serde(rename = "ASC")]
    Asc,
    // Descending.
    #[serde(rename = "DESC")]
    Desc,
}

/// `SortBy` of `GetInstanceInspectResult`: only the finding's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum InspectSortBy {
    // The time of the finding.
    TimeStamp,
}

/// `SortOrder` of the inventory actions (`Asc`/`Desc`, as their docs spell it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SortOrder {
    // Ascending.
    Asc,
    // Descending.
    Desc,
}

/// `SortBy` of `DescribeTopics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TopicSortBy {
    // Topic creation time (the API's default).
    CreateTime,
    // Number of queues.
    QueueNumber,
}

/// `SortBy` of `DescribeConsumedClients`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ClientSortBy {
    // Message backlog (the API's default).
    Diff,
    // Client id.
    ClientId,
}

/// `Type` of an inspection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InspectType {
    // Cluster rules (`queueInsufficient`).
    Cluster,
    // Topic rules (`queueBalance`).
    Topic,
    // Group rules (`subscribeConsistency`).
    Group,
}

impl InspectType {
    /// The one rule of this type.
    pub const fn rule(self) -> InspectName {
        match self {
            InspectType::Cluster => InspectName::QueueInsufficient,
            InspectType::Topic => InspectName::QueueBalance,
            InspectType::Group => InspectName::SubscribeConsistency,
        }
    }

    /// `cluster`, `topic` or `group`.
    pub const fn as_str(self) -> &'static str {
        match self {
            InspectType::Cluster => "cluster",
            InspectType::Topic => "topic",
            InspectType::Group => "group",
        }
    }
}

impl fmt::Display for InspectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `InspectName` of an inspection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum InspectName {
    // Whether the instance lacks queues (type `cluster`).
    QueueInsufficient,
    // Whether queues are unevenly spread (type `topic`).
    QueueBalance,
    // Whether a group's subscriptions disagree (type `group`; not on 5.x instances).
    SubscribeConsistency,
}

impl InspectName {
    /// The rule's name as the API spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            InspectName::QueueInsufficient => "queueInsufficient",
            InspectName::QueueBalance => "queueBalance",
            InspectName::SubscribeConsistency => "subscribeConsistency",
        }
    }
}

impl fmt::Display for InspectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ----- the inspection actions -----

/// Arguments of `DescribeRegions` (none but `region`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DescribeRegionsArgs {
    /// Region to sign the call for (default: the server's region). One of cn-beijing,
    /// cn-guangzhou, cn-shanghai, cn-hongkong, ap-southeast-1, ap-southeast-3.
    #[serde(default, skip_serializing)]
    pub region: Option<String>,
}

impl ToolArgs for DescribeRegionsArgs {
    const ACTION: Action = Action::DescribeRegions;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_region(&self.region)
    }
}

/// Arguments of `DescribeAvailabilityZones`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeAvailabilityZonesArgs {
    /// Region whose zones to list, e.g. `cn-beijing` (see DescribeRegions). Sent in the body.
    #[schemars(length(min = 1), extend("examples" = ["cn-beijing", "cn-shanghai", "cn-guangzhou", "cn-hongkong", "ap-southeast-1", "ap-southeast-3"]))]
    pub region_id: String,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeAvailabilityZonesArgs {
    const ACTION: Action = Action::DescribeAvailabilityZones;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("RegionId", &self.region_id)?;
        check_region(&self.region)
    }
}

/// Arguments of `GetInspectConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct GetInspectConfigArgs {
    /// Instance id, e.g. `rocketmq-cnng33c94**`.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Rules per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// String filters, e.g. `{"ConfigType": "cluster"}` (ConfigType: cluster, topic or group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<BTreeMap<String, String>>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

/// The `Filters` key whose values are known.
pub const FILTER_CONFIG_TYPE: &str = "ConfigType";

impl ToolArgs for GetInspectConfigArgs {
    const ACTION: Action = Action::GetInspectConfig;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_page(self.page_number, self.page_size)?;
        for (key, value) in self.filters.iter().flatten() {
            if key.trim().is_empty() {
                return Err(ArgError::Filter("a filter name is empty".into()));
            }
            if key == FILTER_CONFIG_TYPE && !["cluster", "topic", "group"].contains(&value.as_str()) {
                return Err(ArgError::Filter(format!(
                    "ConfigType must be cluster, topic or group (got `{}`)",
                    value.chars().take(64).collect::<String>()
                )));
            }
        }
        check_region(&self.region)
    }
}

/// Arguments of `GetInstanceInspectResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct GetInstanceInspectResultArgs {
    /// Instance id, e.g. `rocketmq-cnoe12ef**`.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Findings per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Sort key: only `TimeStamp` (the time of the finding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<InspectSortBy>,
    /// `ASC` (the API's default) or `DESC`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<InspectSortOrder>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for GetInstanceInspectResultArgs {
    const ACTION: Action = Action::GetInstanceInspectResult;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_page(self.page_number, self.page_size)?;
        check_region(&self.region)
    }
}

/// Arguments of `EnableInstanceInspect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct EnableInstanceInspectArgs {
    /// Instance id, e.g. `rocketmq-cnoe12efd**`.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// `true` turns risk inspection on, `false` off.
    pub enable: bool,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for EnableInstanceInspectArgs {
    const ACTION: Action = Action::EnableInstanceInspect;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_region(&self.region)
    }
}

/// Arguments of `ManualProcessResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ManualProcessResultArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Finding to mark as solved: `Results[].ResultId` of GetInstanceInspectResult.
    #[schemars(length(min = 1))]
    pub result_id: String,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for ManualProcessResultArgs {
    const ACTION: Action = Action::ManualProcessResult;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_required("ResultId", &self.result_id)?;
        check_region(&self.region)
    }
}

/// Arguments of `ManualTriggerInspect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct ManualTriggerInspectArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Rule type: `cluster` (rule queueInsufficient), `topic` (queueBalance) or `group`
    /// (subscribeConsistency, not on 5.x instances).
    #[serde(rename = "Type")]
    pub kind: InspectType,
    /// Rule name; must match `Type`. Each rule can be triggered manually at most once per
    /// 15 minutes.
    pub inspect_name: InspectName,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for ManualTriggerInspectArgs {
    const ACTION: Action = Action::ManualTriggerInspect;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        let expected = self.kind.rule();
        if self.inspect_name != expected {
            return Err(ArgError::Pairing { kind: self.kind, inspect_name: self.inspect_name, expected });
        }
        check_region(&self.region)
    }
}

// ----- the inventory actions -----

/// One tag filter of `DescribeInstances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct TagFilter {
    /// Tag key.
    #[schemars(length(min = 1))]
    pub key: String,
    /// Tag values (any of them matches).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// Arguments of `DescribeInstances`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeInstancesArgs {
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Instances per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Exact instance id (the other filters are then ignored by the API).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub instance_id: Option<String>,
    /// Instance name (fuzzy match).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub instance_name: Option<String>,
    /// Instance status, e.g. `Running`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub instance_status: Option<String>,
    /// `PostPaid` (pay as you go) or `PrePaid` (subscription).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub charge_type: Option<String>,
    /// Project name.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub project_name: Option<String>,
    /// Compute spec, e.g. `rocketmq.n1.x2.small`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub spec: Option<String>,
    /// RocketMQ version, e.g. `4.8`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub version: Option<String>,
    /// VPC id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub vpc_id: Option<String>,
    /// Zone id(s), comma-separated, e.g. `cn-shanghai-a`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub zone_id: Option<String>,
    /// Sort key, e.g. `InstanceName` (default), `InstanceStatus`, `CreateTime`,
    /// `UsedTopicNumber`, `UsedGroupNumber`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub sort_by: Option<String>,
    /// `Asc` or `Desc` (the API's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    /// Tag filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_filters: Vec<TagFilter>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl Default for DescribeInstancesArgs {
    fn default() -> Self {
        Self {
            page_number: DEFAULT_PAGE_NUMBER,
            page_size: DEFAULT_PAGE_SIZE,
            instance_id: None,
            instance_name: None,
            instance_status: None,
            charge_type: None,
            project_name: None,
            spec: None,
            version: None,
            vpc_id: None,
            zone_id: None,
            sort_by: None,
            sort_order: None,
            tag_filters: Vec::new(),
            region: None,
        }
    }
}

impl ToolArgs for DescribeInstancesArgs {
    const ACTION: Action = Action::DescribeInstances;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_page(self.page_number, self.page_size)?;
        for filter in &self.tag_filters {
            check_required("TagFilters[].Key", &filter.key)?;
        }
        check_region(&self.region)
    }
}

/// Arguments of `DescribeInstanceDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeInstanceDetailArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeInstanceDetailArgs {
    const ACTION: Action = Action::DescribeInstanceDetail;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_region(&self.region)
    }
}

/// Arguments of `DescribeTopics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeTopicsArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Topics per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Topic name (fuzzy match).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub topic_name: Option<String>,
    /// Message type: 0 normal, 1 transactional, 2 partition-ordered, 3 globally ordered, 4 delayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 4))]
    pub message_type: Option<i64>,
    /// `CreateTime` (the API's default) or `QueueNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<TopicSortBy>,
    /// `Asc` or `Desc` (the API's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeTopicsArgs {
    const ACTION: Action = Action::DescribeTopics;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_page(self.page_number, self.page_size)?;
        if let Some(t) = self.message_type
            && !(0..=4).contains(&t)
        {
            return Err(ArgError::OutOfRange { field: "MessageType", range: "between 0 and 4", got: t });
        }
        check_region(&self.region)
    }
}

/// Arguments of `DescribeGroups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeGroupsArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Groups per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Group id filter.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub group_id: Option<String>,
    /// Group type filter.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub group_type: Option<String>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeGroupsArgs {
    const ACTION: Action = Action::DescribeGroups;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_page(self.page_number, self.page_size)?;
        check_region(&self.region)
    }
}

/// Arguments of `DescribeConsumedTopics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeConsumedTopicsArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Consumer group id.
    #[schemars(length(min = 1))]
    pub group_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Topics per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Topic name filter.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub topic_name: Option<String>,
    /// Whether to include the group's retry topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_retry_topic: Option<bool>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeConsumedTopicsArgs {
    const ACTION: Action = Action::DescribeConsumedTopics;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_required("GroupId", &self.group_id)?;
        check_page(self.page_number, self.page_size)?;
        check_region(&self.region)
    }
}

/// Arguments of `DescribeConsumedTopicDetail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeConsumedTopicDetailArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Consumer group id.
    #[schemars(length(min = 1))]
    pub group_id: String,
    /// Topic name.
    #[schemars(length(min = 1))]
    pub topic_name: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Queues per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeConsumedTopicDetailArgs {
    const ACTION: Action = Action::DescribeConsumedTopicDetail;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_required("GroupId", &self.group_id)?;
        check_required("TopicName", &self.topic_name)?;
        check_page(self.page_number, self.page_size)?;
        check_region(&self.region)
    }
}

/// Arguments of `DescribeConsumedClients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct DescribeConsumedClientsArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Consumer group id.
    #[schemars(length(min = 1))]
    pub group_id: String,
    /// Page number, at least 1 (default 1).
    #[serde(default = "default_page_number")]
    #[schemars(range(min = 1))]
    pub page_number: i64,
    /// Clients per page, 1-100 (default 20).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100))]
    pub page_size: i64,
    /// `Diff` (message backlog, the API's default) or `ClientId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<ClientSortBy>,
    /// `Asc` (the API's default) or `Desc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrder>,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for DescribeConsumedClientsArgs {
    const ACTION: Action = Action::DescribeConsumedClients;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_required("GroupId", &self.group_id)?;
        check_page(self.page_number, self.page_size)?;
        check_region(&self.region)
    }
}

/// Arguments of `QueryMessageByMsgId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct QueryMessageByMsgIdArgs {
    /// Instance id.
    #[schemars(length(min = 1))]
    pub instance_id: String,
    /// Topic the message was sent to.
    #[schemars(length(min = 1))]
    pub topic_name: String,
    /// Message id.
    #[schemars(length(min = 1))]
    pub message_id: String,
    /// Region to sign the call for (default: the server's region).
    #[serde(default, skip_serializing, rename = "region")]
    pub region: Option<String>,
}

impl ToolArgs for QueryMessageByMsgIdArgs {
    const ACTION: Action = Action::QueryMessageByMsgId;
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    fn validate(&self) -> Result<(), ArgError> {
        check_required("InstanceId", &self.instance_id)?;
        check_required("TopicName", &self.topic_name)?;
        check_required("MessageId", &self.message_id)?;
        check_region(&self.region)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(action: Action, args: Value) -> String {
        String::from_utf8(prepare(action, args).unwrap().body).unwrap()
    }

    fn err(action: Action, args: Value) -> ArgError {
        prepare(action, args).unwrap_err()
    }

    #[test]
    fn describe_regions_sends_an_empty_object() {
        assert_eq!(body(Action::DescribeRegions, json!({})), "{}");
        assert_eq!(body(Action::DescribeRegions, Value::Null), "{}");
        let p = prepare(Action::DescribeRegions, json!({"region": "cn-shanghai"})).unwrap();
        assert_eq!(p.body, b"{}");
        assert_eq!(p.region.unwrap().as_str(), "cn-shanghai");
        assert!(matches!(err(Action::DescribeRegions, json!({"Foo": 1})), ArgError::Invalid { .. }));
    }

    #[test]
    fn region_argument_is_validated_and_never_sent() {
        let e = err(Action::DescribeAvailabilityZones, json!({"RegionId": "cn-beijing", "region": "mars"}));
        assert!(e.to_string().contains("known regions: cn-beijing"), "{e}");
        let p = prepare(Action::DescribeAvailabilityZones, json!({"RegionId": "cn-shanghai"})).unwrap();
        assert_eq!(p.region, None);
        assert_eq!(p.body, br#"{"RegionId":"cn-shanghai"}"#);
        assert_eq!(
            err(Action::DescribeAvailabilityZones, json!({"RegionId": ""})),
            ArgError::Empty { field: "RegionId" }
        );
        let e = err(Action::DescribeAvailabilityZones, json!({}));
        assert!(e.to_string().contains("missing field `RegionId`"), "{e}");
    }

    #[test]
    fn paging_defaults_and_bounds() {
        assert_eq!(
            body(Action::GetInspectConfig, json!({"InstanceId": "rocketmq-x"})),
            r#"{"InstanceId":"rocketmq-x","PageNumber":1,"PageSize":20}"#
        );
        assert_eq!(
            body(Action::GetInspectConfig, json!({"InstanceId": "rocketmq-x", "PageNumber": 3, "PageSize": 100})),
            r#"{"InstanceId":"rocketmq-x","PageNumber":3,"PageSize":100}"#
        );
        for (n, s, field, got) in
            [(0, 10, "PageNumber", 0), (-1, 10, "PageNumber", -1), (1, 0, "PageSize", 0), (1, 101, "PageSize", 101)]
        {
            for action in [
                Action::GetInspectConfig,
                Action::GetInstanceInspectResult,
                Action::DescribeTopics,
                Action::DescribeGroups,
            ] {
                let e = err(action, json!({"InstanceId": "i", "PageNumber": n, "PageSize": s}));
                assert!(
                    matches!(e, ArgError::OutOfRange { field: f, got: g, .. } if f == field && g == got),
                    "{action}: {e}"
                );
            }
        }
        let e = err(Action::DescribeInstances, json!({"PageSize": 500}));
        assert_eq!(e.to_string(), "PageSize must be between 1 and 100 (got 500)");
        let e = err(Action::GetInspectConfig, json!({"InstanceId": "i", "PageNumber": 0}));
        assert_eq!(e.to_string(), "PageNumber must be at least 1 (got 0)");
        assert!(matches!(
            err(Action::GetInspectConfig, json!({"InstanceId": "i", "PageSize": "10"})),
            ArgError::Invalid { .. }
        ));
        assert!(matches!(
            err(Action::GetInspectConfig, json!({"InstanceId": "i", "PageSize": 1.5})),
            ArgError::Invalid { .. }
        ));
    }

    #[test]
    fn get_inspect_config_filters() {
        assert_eq!(
            body(
                Action::GetInspectConfig,
                json!({"InstanceId": "rocketmq-cnng33c94**", "PageNumber": 1, "PageSize": 10, "Filters": {"ConfigType": "cluster"}})
            ),
            r#"{"InstanceId":"rocketmq-cnng33c94**","PageNumber":1,"PageSize":10,"Filters":{"ConfigType":"cluster"}}"#
        );
        let e = err(Action::GetInspectConfig, json!({"InstanceId": "i", "Filters": {"ConfigType": "broker"}}));
        assert_eq!(e.to_string(), "Filters: ConfigType must be cluster, topic or group (got `broker`)");
        assert!(matches!(
            err(Action::GetInspectConfig, json!({"InstanceId": "i", "Filters": {"": "x"}})),
            ArgError::Filter(_)
        ));
        // The SDK types Filters as dict(str, str).
        assert!(matches!(
            err(Action::GetInspectConfig, json!({"InstanceId": "i", "Filters": {"A": 1}})),
            ArgError::Invalid { .. }
        ));
        assert_eq!(
            body(Action::GetInspectConfig, json!({"InstanceId": "i", "Filters": {"Other": "x"}})),
            r#"{"InstanceId":"i","PageNumber":1,"PageSize":20,"Filters":{"Other":"x"}}"#
        );
    }

    #[test]
    fn inspect_result_sorting() {
        assert_eq!(
            body(
                Action::GetInstanceInspectResult,
                json!({"InstanceId": "rocketmq-cnoe12ef**", "PageNumber": 2, "PageSize": 100, "SortBy": "TimeStamp", "SortOrder": "DESC"})
            ),
            r#"{"InstanceId":"rocketmq-cnoe12ef**","PageNumber":2,"PageSize":100,"SortBy":"TimeStamp","SortOrder":"DESC"}"#
        );
        let e = err(Action::GetInstanceInspectResult, json!({"InstanceId": "i", "SortOrder": "desc"}));
        assert!(e.to_string().contains("unknown variant `desc`, expected `ASC` or `DESC`"), "{e}");
        let e = err(Action::GetInstanceInspectResult, json!({"InstanceId": "i", "SortBy": "Level"}));
        assert!(e.to_string().contains("expected `TimeStamp`"), "{e}");
    }

    #[test]
    fn manual_trigger_pairs_type_and_rule() {
        for (kind, name) in
            [("cluster", "queueInsufficient"), ("topic", "queueBalance"), ("group", "subscribeConsistency")]
        {
            assert_eq!(
                body(Action::ManualTriggerInspect, json!({"InstanceId": "i", "Type": kind, "InspectName": name})),
                format!(r#"{{"InstanceId":"i","Type":"{kind}","InspectName":"{name}"}}"#)
            );
        }
        let e = err(
            Action::ManualTriggerInspect,
            json!({"InstanceId": "i", "Type": "topic", "InspectName": "queueInsufficient"}),
        );
        assert_eq!(
            e,
            ArgError::Pairing {
                kind: InspectType::Topic,
                inspect_name: InspectName::QueueInsufficient,
                expected: InspectName::QueueBalance
            }
        );
        assert!(e.to_string().contains("topic goes with `queueBalance`"), "{e}");
        let e = err(
            Action::ManualTriggerInspect,
            json!({"InstanceId": "i", "Type": "Cluster", "InspectName": "queueInsufficient"}),
        );
        assert!(e.to_string().contains("expected one of `cluster`, `topic`, `group`"), "{e}");
        let e = err(
            Action::ManualTriggerInspect,
            json!({"InstanceId": " ", "Type": "cluster", "InspectName": "queueInsufficient"}),
        );
        assert_eq!(e, ArgError::Empty { field: "InstanceId" });
    }

    #[test]
    fn enable_and_process() {
        assert_eq!(
            body(Action::EnableInstanceInspect, json!({"Enable": false, "InstanceId": "i"})),
            r#"{"InstanceId":"i","Enable":false}"#
        );
        assert!(
            err(Action::EnableInstanceInspect, json!({"InstanceId": "i"}))
                .to_string()
                .contains("missing field `Enable`")
        );
        assert!(matches!(
            err(Action::EnableInstanceInspect, json!({"InstanceId": "i", "Enable": "yes"})),
            ArgError::Invalid { .. }
        ));
        assert_eq!(
            body(
                Action::ManualProcessResult,
                json!({"InstanceId": "rocketmq-cnoe12ef***", "ResultId": "45e215e9fe104c849077**"})
            ),
            r#"{"InstanceId":"rocketmq-cnoe12ef***","ResultId":"45e215e9fe104c849077**"}"#
        );
        assert_eq!(
            err(Action::ManualProcessResult, json!({"InstanceId": "i", "ResultId": ""})),
            ArgError::Empty { field: "ResultId" }
        );
    }

    #[test]
    fn inventory_bodies() {
        assert_eq!(body(Action::DescribeInstances, json!({})), r#"{"PageNumber":1,"PageSize":20}"#);
        assert_eq!(
            body(
                Action::DescribeInstances,
                json!({"InstanceName": "my", "InstanceStatus": "", "SortBy": "CreateTime", "SortOrder": "Asc",
                       "TagFilters": [{"Key": "env", "Values": ["prod"]}]})
            ),
            r#"{"PageNumber":1,"PageSize":20,"InstanceName":"my","SortBy":"CreateTime","SortOrder":"Asc","TagFilters":[{"Key":"env","Values":["prod"]}]}"#
        );
        assert_eq!(
            err(Action::DescribeInstances, json!({"TagFilters": [{"Key": ""}]})),
            ArgError::Empty { field: "TagFilters[].Key" }
        );
        assert!(
            err(Action::DescribeInstances, json!({"SortOrder": "ASC"}))
                .to_string()
                .contains("expected `Asc` or `Desc`")
        );
        assert_eq!(
            body(Action::DescribeInstanceDetail, json!({"InstanceId": "rocketmq-a"})),
            r#"{"InstanceId":"rocketmq-a"}"#
        );
        assert_eq!(
            body(
                Action::DescribeTopics,
                json!({"InstanceId": "i", "MessageType": 0, "SortBy": "QueueNumber", "SortOrder": "Desc"})
            ),
            r#"{"InstanceId":"i","PageNumber":1,"PageSize":20,"MessageType":0,"SortBy":"QueueNumber","SortOrder":"Desc"}"#
        );
        assert_eq!(
            err(Action::DescribeTopics, json!({"InstanceId": "i", "MessageType": 5})),
            ArgError::OutOfRange { field: "MessageType", range: "between 0 and 4", got: 5 }
        );
        assert_eq!(
            body(Action::DescribeGroups, json!({"InstanceId": "i", "GroupId": "GID_a"})),
            r#"{"InstanceId":"i","PageNumber":1,"PageSize":20,"GroupId":"GID_a"}"#
        );
        assert_eq!(
            body(Action::DescribeConsumedTopics, json!({"InstanceId": "i", "GroupId": "g", "NeedRetryTopic": true})),
            r#"{"InstanceId":"i","GroupId":"g","PageNumber":1,"PageSize":20,"NeedRetryTopic":true}"#
        );
        assert_eq!(
            err(Action::DescribeConsumedTopics, json!({"InstanceId": "i", "GroupId": ""})),
            ArgError::Empty { field: "GroupId" }
        );
        assert_eq!(
            body(Action::DescribeConsumedTopicDetail, json!({"InstanceId": "i", "GroupId": "g", "TopicName": "t"})),
            r#"{"InstanceId":"i","GroupId":"g","TopicName":"t","PageNumber":1,"PageSize":20}"#
        );
        assert_eq!(
            body(Action::DescribeConsumedClients, json!({"InstanceId": "i", "GroupId": "g", "SortBy": "Diff"})),
            r#"{"InstanceId":"i","GroupId":"g","PageNumber":1,"PageSize":20,"SortBy":"Diff"}"#
        );
        assert_eq!(
            body(Action::QueryMessageByMsgId, json!({"InstanceId": "i", "TopicName": "t", "MessageId": "m"})),
            r#"{"InstanceId":"i","TopicName":"t","MessageId":"m"}"#
        );
        assert_eq!(
            err(Action::QueryMessageByMsgId, json!({"InstanceId": "i", "TopicName": "t", "MessageId": ""})),
            ArgError::Empty { field: "MessageId" }
        );
    }

    #[test]
    fn non_ascii_is_sent_as_utf8() {
        let b = body(Action::DescribeTopics, json!({"InstanceId": "i", "TopicName": "订单"}));
        assert!(b.contains("\"TopicName\":\"订单\""), "{b}");
    }

    #[test]
    fn unknown_fields_are_refused_everywhere() {
        for action in Action::ALL {
            let e = err(action, json!({"NoSuchField": 1}));
            assert!(matches!(e, ArgError::Invalid { .. }), "{action}: {e}");
        }
    }

    #[test]
    fn schemas_keep_the_upstream_names_plus_region() {
        let tools: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/volcengine-rocketmq-tools.json")).unwrap();
        for tool in tools["tools"].as_array().unwrap() {
            let action: Action = tool["name"].as_str().unwrap().parse().unwrap();
            let upstream = &tool["upstream_inputSchema"];
            let schema = Value::Object(input_schema(action));
            let ours = &schema;
            let mut names: Vec<&str> = upstream["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            names.push("region");
            names.sort_unstable();
            let mut got: Vec<&str> = ours["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            got.sort_unstable();
            assert_eq!(got, names, "{action}");
            // Our required set is upstream's minus the paging fields, which have defaults.
            let required = |v: &Value| -> Vec<String> {
                let mut r: Vec<String> = v["required"]
                    .as_array()
                    .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                r.sort();
                r
            };
            let mut want: Vec<String> =
                required(upstream).into_iter().filter(|r| r != "PageNumber" && r != "PageSize").collect();
            want.sort();
            assert_eq!(required(ours), want, "{action}");
            // Every recommended enum appears in our schema.
            let text = ours.to_string();
            for (prop, c) in tool["recommended_property_constraints"].as_object().unwrap() {
                for value in c["enum"].as_array().into_iter().flatten() {
                    assert!(text.contains(&value.to_string()), "{action}.{prop}: {value} missing from {text}");
                }
                if let Some(max) = c.get("maximum") {
                    assert_eq!(&ours["properties"][prop]["maximum"], max, "{action}.{prop}");
                }
                if let Some(min) = c.get("minimum") {
                    assert_eq!(&ours["properties"][prop]["minimum"], min, "{action}.{prop}");
                }
                if let Some(min) = c.get("minLength") {
                    assert_eq!(&ours["properties"][prop]["minLength"], min, "{action}.{prop}");
                }
            }
            assert_eq!(ours["additionalProperties"], json!(false), "{action}");
        }
    }

    #[test]
    fn schemas_carry_the_constraints() {
        let v = Value::Object(input_schema(Action::GetInstanceInspectResult));
        assert_eq!(v["additionalProperties"], json!(false));
        let props = &v["properties"];
        assert_eq!(props["PageSize"]["minimum"], json!(1));
        assert_eq!(props["PageSize"]["maximum"], json!(100));
        assert_eq!(props["PageNumber"]["minimum"], json!(1));
        assert_eq!(v["required"], json!(["InstanceId"]));
        let text = v.to_string();
        assert!(text.contains("\"ASC\"") && text.contains("\"DESC\"") && text.contains("\"TimeStamp\""), "{text}");
        assert_eq!(props["SortOrder"]["enum"], json!(["ASC", "DESC", null]));
        for action in Action::ALL {
            let text = Value::Object(input_schema(action)).to_string();
            for word in ["$ref", "$defs", "oneOf", "$schema"] {
                assert!(!text.contains(word), "{action}: {word} in {text}");
            }
        }
        let t = Value::Object(input_schema(Action::ManualTriggerInspect)).to_string();
        for word in ["cluster", "topic", "group", "queueInsufficient", "queueBalance", "subscribeConsistency"] {
            assert!(t.contains(&format!("\"{word}\"")), "{word}: {t}");
        }
    }
}
