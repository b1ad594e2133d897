//! The OpenAPI actions this server exposes, one tool each (tool name = action name).

use std::fmt;
use std::str::FromStr;

/// One RocketMQ OpenAPI action (`Action=` query parameter; also the MCP tool name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// List the regions.
    DescribeRegions,
    /// List the availability zones of a region.
    DescribeAvailabilityZones,
    /// Read an instance's inspection rules.
    GetInspectConfig,
    /// Read an instance's inspection findings.
    GetInstanceInspectResult,
    /// Turn an instance's risk inspection on or off.
    EnableInstanceInspect,
    /// Mark an inspection finding as solved.
    ManualProcessResult,
    /// Run one inspection rule now (at most once per rule per 15 minutes).
    ManualTriggerInspect,
    /// List instances.
    DescribeInstances,
    /// One instance's details and endpoints.
    DescribeInstanceDetail,
    /// List an instance's topics.
    DescribeTopics,
    /// List an instance's consumer groups.
    DescribeGroups,
    /// List the topics a group consumes.
    DescribeConsumedTopics,
    /// Per-queue consumption of one topic by one group.
    DescribeConsumedTopicDetail,
    /// List a group's consumer clients.
    DescribeConsumedClients,
    /// Look up one message by its id.
    QueryMessageByMsgId,
}

impl Action {
    /// Every action, in a stable order.
    pub const ALL: [Action; 15] = [
        Action::DescribeRegions,
        Action::DescribeAvailabilityZones,
        Action::GetInspectConfig,
        Action::GetInstanceInspectResult,
        Action::EnableInstanceInspect,
        Action::ManualProcessResult,
        Action::ManualTriggerInspect,
        Action::DescribeInstances,
        Action::DescribeInstanceDetail,
        Action::DescribeTopics,
        Action::DescribeGroups,
        Action::DescribeConsumedTopics,
        Action::DescribeConsumedTopicDetail,
        Action::DescribeConsumedClients,
        Action::QueryMessageByMsgId,
    ];

    /// The action's name, exactly as the API spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::DescribeRegions => "DescribeRegions",
            Action::DescribeAvailabilityZones => "DescribeAvailabilityZones",
            Action::GetInspectConfig => "GetInspectConfig",
            Action::GetInstanceInspectResult => "GetInstanceInspectResult",
            Action::EnableInstanceInspect => "EnableInstanceInspect",
            Action::ManualProcessResult => "ManualProcessResult",
            Action::ManualTriggerInspect => "ManualTriggerInspect",
            Action::DescribeInstances => "DescribeInstances",
            Action::DescribeInstanceDetail => "DescribeInstanceDetail",
            Action::DescribeTopics => "DescribeTopics",
            Action::DescribeGroups => "DescribeGroups",
            Action::DescribeConsumedTopics => "DescribeConsumedTopics",
            Action::DescribeConsumedTopicDetail => "DescribeConsumedTopicDetail",
            Action::DescribeConsumedClients => "DescribeConsumedClients",
            Action::QueryMessageByMsgId => "QueryMessageByMsgId",
        }
    }

    /// Whether the action only reads (MCP `readOnlyHint`). Reads may be retried.
    pub const fn is_read_only(self) -> bool {
        !matches!(self, Action::EnableInstanceInspect | Action::ManualProcessResult | Action::ManualTriggerInspect)
    }

    /// Whether repeating the action has no further effect (MCP `idempotentHint`).
    /// `ManualTriggerInspect` is the only one that is not.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Action::ManualTriggerInspect)
    }

    /// Whether a failed call (429, 5xx, timeout) may be retried: reads only, as the doc recommends.
    pub const fn is_retryable(self) -> bool {
        self.is_read_only()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownAction(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), a);
            assert_eq!(a.to_string(), format!("{a:?}"));
        }
        assert!("describeregions".parse::<Action>().is_err());
    }

    #[test]
    fn hints_match_the_tools_json() {
        let tools: serde_json::Value =
            serde_json::from_str(include_str!("../tests/fixtures/volcengine-rocketmq-tools.json")).unwrap();
        for tool in tools["tools"].as_array().unwrap() {
            let action: Action = tool["name"].as_str().unwrap().parse().unwrap();
            let hints = &tool["recommended_annotations"];
            assert_eq!(hints["readOnlyHint"].as_bool().unwrap(), action.is_read_only(), "{action}");
            if let Some(idem) = hints["idempotentHint"].as_bool() {
                assert_eq!(idem, action.is_idempotent(), "{action}");
            }
        }
        assert!(!Action::ManualTriggerInspect.is_retryable());
        assert!(!Action::EnableInstanceInspect.is_retryable());
        assert!(Action::QueryMessageByMsgId.is_retryable());
    }
}
