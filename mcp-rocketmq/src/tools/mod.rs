//! The tools: one per [`crate::action::Action`], named like the action (the existing server's
//! names). Each validates its arguments before anything else ([`args`]), then calls the
//! OpenAPI with the caller's credentials and answers with compact text plus structuredContent.

pub mod args;

use std::sync::Arc;

use mcp_core::{Hints, ToolContext, ToolDef, ToolError, ToolOutput};
use serde_json::json;

use self::args::{
    DescribeAvailabilityZonesArgs, DescribeConsumedClientsArgs, DescribeConsumedTopicDetailArgs,
    DescribeConsumedTopicsArgs, DescribeGroupsArgs, DescribeInstanceDetailArgs, DescribeInstancesArgs,
    DescribeRegionsArgs, DescribeTopicsArgs, EnableInstanceInspectArgs, GetInspectConfigArgs,
    GetInstanceInspectResultArgs, ManualProcessResultArgs, ManualTriggerInspectArgs, QueryMessageByMsgIdArgs, ToolArgs,
};
use crate::app::RocketMq;
use crate::regions::Region;

/// Every tool, in a stable order (inspection first, then the inventory).
pub fn all() -> Vec<ToolDef<RocketMq>> {
    vec![
        tool::<DescribeRegionsArgs>(
            "List regions",
            "List the Volcengine regions RocketMQ is offered in (RegionId, name, status). Use a RegionId as the \
             `region` argument of the other tools.",
            Hints::read_only(),
        ),
        tool::<DescribeAvailabilityZonesArgs>(
            "List availability zones",
            "List the availability zones of one region (ZoneId, name, status: Normal, Soldout or Unavailable).",
            Hints::read_only(),
        ),
        tool::<GetInspectConfigArgs>(
            "Get inspection rules",
            "Read the risk-inspection rules of a RocketMQ instance: each rule's Type (cluster, topic, group), \
             InspectName, whether it is enabled, its interval, and TriggerLimit (how often it may be triggered \
             manually). Filter with Filters {\"ConfigType\": \"cluster\"}.",
            Hints::read_only(),
        ),
        tool::<GetInstanceInspectResultArgs>(
            "Get inspection findings",
            "Read the risk-inspection findings of a RocketMQ instance: each finding's ResultId, rule, Level \
             (low, medium, high), Status (unSolved, Solved), affected resources and suggestions. Sort with \
             SortBy TimeStamp and SortOrder ASC or DESC.",
            Hints::read_only(),
        ),
        tool::<EnableInstanceInspectArgs>(
            "Turn inspection on or off",
            "Turn the risk inspection of a RocketMQ instance on (Enable true) or off (Enable false).",
            Hints::additive(true),
        ),
        tool::<ManualProcessResultArgs>(
            "Mark a finding solved",
            "Mark one inspection finding of an instance as solved (Status Solved); the ResultId comes from \
             GetInstanceInspectResult.",
            Hints::additive(true),
        ),
        tool::<ManualTriggerInspectArgs>(
            "Run an inspection rule now",
            "Run one inspection rule of an instance now: Type cluster with InspectName queueInsufficient, topic \
             with queueBalance, or group with subscribeConsistency (not on 5.x instances). Each rule can be \
             triggered manually at most once per 15 minutes; read the findings afterwards with \
             GetInstanceInspectResult. Not retried automatically.",
            Hints::additive(false),
        ),
        tool::<DescribeInstancesArgs>(
            "List instances",
            "List the RocketMQ instances of the account in a region (InstanceId, name, status, version, zone, \
             spec, topic and group usage), optionally filtered by id, name, status, project, VPC, zone or tags.",
            Hints::read_only(),
        ),
        tool::<DescribeInstanceDetailArgs>(
            "Get instance details",
            "Show one RocketMQ instance: basic info, charge details and its connection endpoints (internal and \
             public).",
            Hints::read_only(),
        ),
        tool::<DescribeTopicsArgs>(
            "List topics",
            "List the topics of a RocketMQ instance (TopicName, MessageType, QueueNumber, CreateTime), \
             optionally filtered by name or message type.",
            Hints::read_only(),
        ),
        tool::<DescribeGroupsArgs>(
            "List consumer groups",
            "List the consumer groups of a RocketMQ instance (GroupId, GroupType).",
            Hints::read_only(),
        ),
        tool::<DescribeConsumedTopicsArgs>(
            "List a group's topics and lag",
            "List the topics a consumer group subscribes to, with the group's total message backlog \
             (Accumulation) and each topic's queue count and subscription expression.",
            Hints::read_only(),
        ),
        tool::<DescribeConsumedTopicDetailArgs>(
            "Per-queue lag of a topic",
            "Show how far one consumer group is behind on one topic, queue by queue (ConsumeOffset, EndOffset, \
             DiffCount, LastTimeStamp).",
            Hints::read_only(),
        ),
        tool::<DescribeConsumedClientsArgs>(
            "List a group's consumer clients",
            "List the clients connected for a consumer group (ClientId, address, language, version, backlog \
             Diff) and their ConnectionCount.",
            Hints::read_only(),
        ),
        tool::<QueryMessageByMsgIdArgs>(
            "Look up a message",
            "Look up one message by its MessageId in a topic: whether it exists, its tag, key, size, producer \
             host, create and store times, and its body.",
            Hints::read_only(),
        ),
    ]
}

/// The tool of the arguments type `A` (name = its action; every tool reaches Volcengine).
fn tool<A>(title: &'static str, description: &'static str, hints: Hints) -> ToolDef<RocketMq>
where
    A: ToolArgs + Send + Sync + 'static,
{
    ToolDef::new(
        A::ACTION.as_str(),
        title,
        description,
        hints.open_world(),
        |server: Arc<RocketMq>, ctx: ToolContext<()>, args: A| async move { run(&server, &ctx, &args).await },
    )
}

/// Validate, authenticate, call, render. Nothing is sent unless the arguments are valid and the
/// call has credentials.
pub async fn run<A: ToolArgs>(server: &RocketMq, ctx: &ToolContext<()>, args: &A) -> Result<ToolOutput, ToolError> {
    let action = A::ACTION;
    let body = args.body().map_err(|e| ToolError::invalid(e.to_string()))?;
    let region = args.region().map(Region::parse).transpose().map_err(|e| ToolError::invalid(e.to_string()))?;
    let credentials = server.credentials_for(&ctx.caller)?;
    let region = region.unwrap_or_else(|| server.client.default_region().clone());
    let success = server.client.call(ctx, &credentials, action, Some(&region), body).await?;
    let text = crate::render::render(action, &success);
    let structured = json!({
        "Action": action.as_str(),
        "Region": region.as_str(),
        "RequestId": success.request_id(),
        "Result": success.result,
    });
    let output = ToolOutput::with_structured(text, &structured)?;
    Ok(if action.is_read_only() { output } else { output.affected(1) })
}
