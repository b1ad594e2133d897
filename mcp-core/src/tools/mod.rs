//! Tool declarations: what a server crate writes to expose a tool.
//!
//! A server declares [`ToolDef`]s over its own state type `S`. The core owns everything around the
//! call: argument parsing, permission and scope checks, timeouts, spans, metrics and audit.

mod surface;
pub mod testing;

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use rmcp::model::{ContentBlock, JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use surface::{SurfaceConfig, ToolSurface};

use crate::app::App;
use crate::identity::Caller;

/// Behaviour hints every tool must state explicitly (clients auto-approve from them).
///
/// Whether a tool reaches an open world has no default: a tool states [`Hints::open_world`] (it
/// calls an upstream system) or [`Hints::closed_world`] (its own data only), and
/// [`testing::assert_tool_rules`] fails a tool that states neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// The tool does not modify anything.
    pub read_only: bool,
    /// The tool may destroy or overwrite data.
    pub destructive: bool,
    /// Calling it twice with the same arguments has no further effect.
    pub idempotent: bool,
    /// The tool talks to an open world (an external system) rather than a closed data set;
    /// `None` until the tool says which.
    pub open_world: Option<bool>,
}

impl Hints {
    /// A read-only tool.
    pub const fn read_only() -> Self {
        Self { read_only: true, destructive: false, idempotent: true, open_world: None }
    }
    /// A tool that adds or changes data without destroying any.
    pub const fn additive(idempotent: bool) -> Self {
        Self { read_only: false, destructive: false, idempotent, open_world: None }
    }
    /// A tool that may overwrite or delete data.
    pub const fn destructive(idempotent: bool) -> Self {
        Self { read_only: false, destructive: true, idempotent, open_world: None }
    }
    /// Mark the tool as reaching an external system (`openWorldHint: true`).
    pub const fn open_world(mut self) -> Self {
        self.open_world = Some(true);
        self
    }
    /// Mark the tool as working on the server's own data only (`openWorldHint: false`).
    pub const fn closed_world(mut self) -> Self {
        self.open_world = Some(false);
        self
    }
}

/// Why a tool call failed. Every variant becomes an `isError` result whose text the model can act on.
///
/// The upstream variants (`Unauthorized` .. `BadRequest`) are what [`crate::upstream`] maps an
/// upstream's answer to; their text names the upstream and what to do next, never a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ToolError {
    /// Arguments are malformed or out of range.
    #[error("{0}")]
    InvalidArguments(String),
    /// A referenced entity does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The call conflicts with the current state (duplicate, stale version, ...).
    #[error("{0}")]
    Conflict(String),
    /// The caller may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// An upstream system failed (no more specific variant applies).
    #[error("{0}")]
    Upstream(String),
    /// The upstream rejected the credentials (missing, invalid or expired).
    #[error("{0}")]
    Unauthorized(String),
    /// The upstream refused the operation for these credentials (its reason included).
    #[error("{0}")]
    Forbidden(String),
    /// The upstream is rate limiting; `retry_after` says when a retry may succeed, when known.
    #[error("{message}")]
    RateLimited {
        /// What happened and when to retry.
        message: String,
        /// How long to wait before retrying, when the upstream said.
        retry_after: Option<std::time::Duration>,
    },
    /// The upstream is down or overloaded (connection refused, 502/503/504).
    #[error("{0}")]
    Unavailable(String),
    /// The upstream did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// The upstream refused the request as malformed, with its own reason.
    #[error("{0}")]
    BadRequest(String),
    /// Our own failure; the message must not contain secrets.
    #[error("{0}")]
    Internal(String),
}

impl ToolError {
    /// Label used as the `outcome` of metrics and audit events.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::InvalidArguments(_) => "invalid_arguments",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::PermissionDenied(_) => "denied",
            Self::Upstream(_)
            | Self::Unauthorized(_)
            | Self::Forbidden(_)
            | Self::Unavailable(_)
            | Self::BadRequest(_) => "upstream_error",
            Self::RateLimited { .. } => "rate_limited",
            Self::Timeout(_) => "timeout",
            Self::Internal(_) => "internal_error",
        }
    }
    /// Shorthand for [`ToolError::InvalidArguments`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidArguments(msg.into())
    }
    /// Shorthand for [`ToolError::Internal`].
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::Internal(msg.into())
    }
}

/// What a tool returns: compact content for the model plus optional structured content.
#[derive(Debug, Clone, Default)]
pub struct ToolOutput {
    /// Content blocks (text first, then images or resource links).
    pub content: Vec<ContentBlock>,
    /// Machine-readable result (`structuredContent`).
    pub structured: Option<Value>,
    /// Rows or items the call changed (recorded in the audit trail).
    pub affected: Option<u64>,
}

impl ToolOutput {
    /// A text-only result.
    pub fn text(text: impl Into<String>) -> Self {
        Self { content: vec![ContentBlock::text(text)], structured: None, affected: None }
    }
    /// A compact text rendering plus the structured value it was rendered from.
    pub fn with_structured(text: impl Into<String>, structured: &impl Serialize) -> Result<Self, ToolError> {
        let value = serde_json::to_value(structured)
            .map_err(|e| ToolError::internal(format!("failed to serialise result: {e}")))?;
        Ok(Self { content: vec![ContentBlock::text(text)], structured: Some(value), affected: None })
    }
    /// Record how many rows or items the call changed.
    pub fn affected(mut self, rows: u64) -> Self {
        self.affected = Some(rows);
        self
    }
    /// Append another content block (an image, a resource link).
    pub fn push(mut self, block: ContentBlock) -> Self {
        self.content.push(block);
        self
    }
}

/// Progress reporting for long-running tools (a no-op when the client asked for none).
#[derive(Clone, Default)]
pub struct Progress {
    inner: Option<(rmcp::Peer<rmcp::RoleServer>, rmcp::model::ProgressToken)>,
}

impl Progress {
    pub(crate) fn new(peer: rmcp::Peer<rmcp::RoleServer>, token: Option<rmcp::model::ProgressToken>) -> Self {
        Self { inner: token.map(|t| (peer, t)) }
    }
    /// Whether the client asked for progress.
    pub fn is_requested(&self) -> bool {
        self.inner.is_some()
    }
    /// Send a progress notification (best effort: a failed send never fails the tool).
    pub async fn report(&self, progress: f64, total: Option<f64>, message: Option<String>) {
        if let Some((peer, token)) = &self.inner {
            let mut param = rmcp::model::ProgressNotificationParam::new(token.clone(), progress);
            param.total = total;
            param.message = message;
            if let Err(e) = peer.notify_progress(param).await {
                tracing::debug!(error = %e, "progress notification not delivered");
            }
        }
    }
}

/// Everything a tool handler may know about the call besides its arguments; `G` is what the
/// server's permission policy granted for this call ([`crate::App::Access`]).
#[derive(Clone)]
pub struct ToolContext<G = ()> {
    /// Who is calling (never shared between requests).
    pub caller: Arc<Caller>,
    /// Progress notifications.
    pub progress: Progress,
    /// Cancelled when the client sends `notifications/cancelled` or the server shuts down.
    pub cancel: tokio_util::sync::CancellationToken,
    /// When the core ends the call (`request_timeout_secs` after it started): upstream requests
    /// and their retries never run past it.
    pub deadline: tokio::time::Instant,
    /// What the permission policy granted this caller for this tool.
    pub access: G,
}

/// The deadline of an in-process context: far enough away not to matter in a test.
const IN_PROCESS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);

impl ToolContext<()> {
    /// A context for in-process use (tests, background work) with the given caller.
    pub fn for_caller(caller: Arc<Caller>) -> Self {
        Self {
            caller,
            progress: Progress::default(),
            cancel: tokio_util::sync::CancellationToken::new(),
            deadline: tokio::time::Instant::now() + IN_PROCESS_DEADLINE,
            access: (),
        }
    }
}

impl<G> ToolContext<G> {
    /// The same context with another deadline.
    pub fn with_deadline(mut self, deadline: tokio::time::Instant) -> Self {
        self.deadline = deadline;
        self
    }

    /// The same context with another grant.
    pub fn with_access<H>(self, access: H) -> ToolContext<H> {
        ToolContext {
            caller: self.caller,
            progress: self.progress,
            cancel: self.cancel,
            deadline: self.deadline,
            access,
        }
    }

    /// Time left before the deadline (zero once it passed).
    pub fn remaining(&self) -> std::time::Duration {
        self.deadline.saturating_duration_since(tokio::time::Instant::now())
    }
}

type Handler<S> = Arc<
    dyn Fn(Arc<S>, ToolContext<<S as App>::Access>, JsonObject) -> BoxFuture<'static, Result<ToolOutput, ToolError>>
        + Send
        + Sync,
>;

/// One tool of the server `S`.
pub struct ToolDef<S: App> {
    tool: Tool,
    hints: Hints,
    scopes: Vec<String>,
    tag: S::Tag,
    handler: Handler<S>,
}

impl<S: App> Clone for ToolDef<S> {
    fn clone(&self) -> Self {
        Self {
            tool: self.tool.clone(),
            hints: self.hints,
            scopes: self.scopes.clone(),
            tag: self.tag,
            handler: self.handler.clone(),
        }
    }
}

impl<S: App> ToolDef<S> {
    /// Declare a tool whose arguments deserialize into `A` (its JSON schema is the input schema).
    ///
    /// Arguments that fail to deserialize become an `isError` result naming the problem.
    pub fn new<A, F, Fut>(
        name: &'static str,
        title: &'static str,
        description: &'static str,
        hints: Hints,
        handler: F,
    ) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(Arc<S>, ToolContext<S::Access>, A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ToolOutput, ToolError>> + Send + 'static,
    {
        let schema = schema_object::<A>();
        let handler = Arc::new(handler);
        let erased: Handler<S> = Arc::new(move |state, ctx, args: JsonObject| {
            let handler = handler.clone();
            Box::pin(async move {
                let parsed: A = serde_json::from_value(Value::Object(args))
                    .map_err(|e| ToolError::invalid(format!("Invalid arguments for tool {name}: {e}")))?;
                handler(state, ctx, parsed).await
            })
        });
        let mut annotations = ToolAnnotations::new()
            .read_only(hints.read_only)
            .destructive(hints.destructive)
            .idempotent(hints.idempotent);
        annotations.open_world_hint = hints.open_world;
        let tool = Tool::new(name, description, Arc::new(schema)).with_title(title).with_annotations(annotations);
        Self { tool, hints, scopes: Vec::new(), tag: S::Tag::default(), handler: erased }
    }

    /// Declare the shape of `structuredContent` (`outputSchema`).
    pub fn output<O: JsonSchema>(mut self) -> Self {
        self.tool = self.tool.with_raw_output_schema(Arc::new(schema_object::<O>()));
        self
    }

    /// OAuth scopes a token must carry to call this tool.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// The server's tag (e.g. the permission level the tool needs). Opaque to the core.
    pub fn tag(mut self, tag: S::Tag) -> Self {
        self.tag = tag;
        self
    }

    /// The tool name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }
    /// The MCP tool definition as listed.
    pub fn tool(&self) -> &Tool {
        &self.tool
    }
    /// Behaviour hints.
    pub fn hints(&self) -> Hints {
        self.hints
    }
    /// Required OAuth scopes.
    pub fn required_scopes(&self) -> &[String] {
        &self.scopes
    }
    /// The server's tag.
    pub fn tool_tag(&self) -> S::Tag {
        self.tag
    }
    pub(crate) fn set_description(&mut self, description: String) {
        self.tool.description = Some(description.into());
    }
    /// Run the handler (no checks: the caller of this is the core's dispatch).
    pub(crate) fn invoke(
        &self,
        state: Arc<S>,
        ctx: ToolContext<S::Access>,
        args: JsonObject,
    ) -> BoxFuture<'static, Result<ToolOutput, ToolError>> {
        (self.handler)(state, ctx, args)
    }
}

/// A JSON schema for `T` as an object suitable for `inputSchema` / `outputSchema`.
pub fn schema_object<T: JsonSchema>() -> JsonObject {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
    });
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut value = serde_json::to_value(schema).unwrap_or_else(|_| serde_json::json!({"type": "object"}));
    if let Value::Object(obj) = &mut value {
        obj.remove("$schema");
        obj.remove("title");
        if !obj.contains_key("type") {
            obj.insert("type".into(), Value::String("object".into()));
        }
        if !obj.contains_key("properties") {
            obj.insert("properties".into(), Value::Object(JsonObject::new()));
        }
        return std::mem::take(obj);
    }
    JsonObject::new()
}
