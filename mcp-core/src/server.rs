//! The MCP handler: one [`Core`] per process, shared by every transport and session.
//!
//! Tool listing is filtered per caller; every call goes through [`Core::call`], which applies the
//! permission policy, scopes, timeout and panic isolation, and records span, metrics and audit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
#[allow(deprecated)]
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CustomRequest, CustomResult, ErrorCode,
    Implementation, InitializeResult, JsonObject, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities, SetLevelRequestParams,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::app::{App, AuditRecord};
use crate::auth::{AuthMode, scopes_satisfied};
use crate::config::Config;
use crate::identity::Caller;
use crate::telemetry::Escaped;
use crate::telemetry::Metrics;
use crate::tools::{Progress, ToolContext, ToolError, ToolSurface};

/// Everything the transports share: the app, its tools after surface controls, metrics.
pub struct Core<A: App> {
    /// The server's state.
    pub app: Arc<A>,
    /// Effective configuration.
    pub config: Arc<Config<A::Section>>,
    /// Exposed tools.
    pub surface: ToolSurface<A>,
    /// Metrics registry.
    pub metrics: Arc<Metrics>,
    info: InitializeResult,
    fallback_caller: Arc<Caller>,
    call_timeout: Duration,
    check_scopes: bool,
    /// Cancelled when a shutdown signal arrives (stop accepting, then drain).
    pub shutdown: CancellationToken,
    /// Cancelled once in-flight calls have finished (or the grace period ran out): closes streams.
    pub streams: CancellationToken,
    inflight: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
    /// The cached answer of `/ready`.
    pub readiness: crate::readiness::ReadinessCache,
    insecure_upstreams: Vec<&'static str>,
    downloads: Option<Arc<crate::downloads::Downloads>>,
}

/// Decrements the in-flight counter when a call ends, however it ends.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize, &'a tokio::sync::Notify);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            self.1.notify_waiters();
        }
    }
}

/// A tools/call that could not even start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No exposed tool has this name (held quoted, escaped and bounded: it is client input).
    #[error("Unknown tool: {0}; call tools/list for the available tools")]
    UnknownTool(String),
}

/// The result of a dispatched call plus whether the policy refused it.
#[derive(Debug)]
pub struct Dispatched {
    /// The MCP result (possibly `isError`).
    pub result: CallToolResult,
    /// The permission policy refused the call.
    pub denied: bool,
    /// The caller lacked a required OAuth scope.
    pub missing_scopes: Option<Vec<String>>,
}

impl<A: App> Core<A> {
    /// Assemble the core. `fallback_caller` is used when a request carries no caller: the configured
    /// identity in stdio mode, an anonymous caller otherwise.
    pub fn new(
        app: Arc<A>,
        config: Arc<Config<A::Section>>,
        surface: ToolSurface<A>,
        metrics: Arc<Metrics>,
        fallback_caller: Caller,
        shutdown: CancellationToken,
    ) -> Self {
        #[allow(deprecated)] // advertised for 2025-11-25 clients (conformance `logging` scenario)
        let capabilities = if app.has_resources() {
            ServerCapabilities::builder().enable_tools().enable_logging().enable_resources().build()
        } else {
            ServerCapabilities::builder().enable_tools().enable_logging().build()
        };
        let mut info = InitializeResult::new(capabilities);
        info.server_info = Implementation::new(A::NAME, A::VERSION).with_title(A::TITLE);
        info.instructions = Some(A::INSTRUCTIONS.to_owned());
        let check_scopes = config.core.auth == AuthMode::Oauth;
        let call_timeout = Duration::from_secs(config.core.request_timeout_secs);
        let readiness = crate::readiness::ReadinessCache::from_config(&config.core.readiness);
        Self {
            app,
            config,
            surface,
            metrics,
            info,
            fallback_caller: Arc::new(fallback_caller),
            call_timeout,
            check_scopes,
            shutdown,
            streams: CancellationToken::new(),
            inflight: std::sync::atomic::AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
            readiness,
            insecure_upstreams: Vec::new(),
            downloads: None,
        }
    }

    /// Serve the signed download URLs of `downloads` (the same the app got in its build context).
    pub fn with_downloads(mut self, downloads: Option<Arc<crate::downloads::Downloads>>) -> Self {
        self.downloads = downloads;
        self
    }

    /// The signed download URLs, in HTTP modes with `public_url` set.
    pub fn downloads(&self) -> Option<&Arc<crate::downloads::Downloads>> {
        self.downloads.as_ref()
    }

    /// `resources/read` for `caller`: the app decides, the core reads the file in bounded chunks.
    /// Unknown and forbidden URIs are the same -32002; a file over `resources.max_read_bytes` is
    /// refused with a download URL when downloads are on.
    pub async fn read_resource(&self, caller: &Caller, uri: &str) -> Result<ReadResourceResult, ErrorData> {
        use crate::resources::ResourceError;
        let shown = bounded(uri, MAX_ECHOED_URI);
        let file = match self.app.read_resource(caller, uri).await {
            Ok(file) => file,
            Err(ResourceError::NotFound) => {
                tracing::info!(target: "audit", caller = %Escaped(caller.id()), role = %Escaped(caller.role_label()), outcome = "not_found", "resources/read");
                return Err(ErrorData::resource_not_found(
                    format!("Resource not found: {shown}; resources/list shows the resources you may read"),
                    None,
                ));
            }
            Err(ResourceError::Unavailable(e)) => {
                tracing::error!(error = %e, "resources/read: the file could not be opened");
                return Err(ErrorData::internal_error(
                    format!("Resource {shown} could not be read (internal error); the failure was logged"),
                    None,
                ));
            }
        };
        let max = self.config.core.resources.max_read_bytes;
        if file.len() > max {
            let link = file.download_id.as_deref().and_then(|id| self.downloads.as_ref()?.link(id));
            let how = match link {
                Some(link) => format!(
                    "download it from {} (valid for {} s, {} use(s))",
                    link.url,
                    link.expires_unix().saturating_sub(unix_now()),
                    link.max_uses
                ),
                None => "use its download URL (HTTP modes with public_url set)".to_owned(),
            };
            return Err(ErrorData::invalid_request(
                format!(
                    "Resource {shown} is {} bytes, more than resources/read returns here (resources.max_read_bytes = {max}); {how}",
                    file.len()
                ),
                None,
            ));
        }
        tracing::info!(target: "audit", caller = %Escaped(caller.id()), role = %Escaped(caller.role_label()), outcome = "ok", bytes = file.len(), "resources/read");
        let uri_owned = uri.to_owned();
        let contents = tokio::task::spawn_blocking(move || crate::resources::read_contents(file, &uri_owned))
            .await
            .map_err(|_| ErrorData::internal_error("resources/read failed unexpectedly; the failure was logged", None))?
            .map_err(|e| {
                tracing::error!(error = %e, "resources/read: the file could not be read");
                ErrorData::internal_error(
                    format!("Resource {shown} could not be read (internal error); the failure was logged"),
                    None,
                )
            })?;
        Ok(ReadResourceResult::new(vec![contents]))
    }

    /// Record the upstreams whose TLS certificates go unchecked (listed in `/ready`).
    pub fn with_insecure_upstreams(mut self, upstreams: Vec<&'static str>) -> Self {
        self.insecure_upstreams = upstreams;
        self
    }

    /// The `/ready` answer: the app's check through the cache, plus what the core knows.
    pub async fn readiness(&self) -> (crate::app::Readiness, serde_json::Value) {
        let answer = self.readiness.get(|| self.app.ready()).await;
        let mut body = serde_json::json!({"status": answer.state, "server": A::NAME, "version": A::VERSION});
        if let Some(obj) = body.as_object_mut() {
            if let Some(reason) = &answer.reason {
                obj.insert("reason".into(), Value::String(reason.clone()));
            }
            if let Value::Object(details) = &answer.details {
                for (k, v) in details {
                    obj.insert(k.clone(), v.clone());
                }
            }
            if !self.insecure_upstreams.is_empty() {
                obj.insert("tls_insecure_skip_verify".into(), serde_json::json!(self.insecure_upstreams));
            }
        }
        (answer, body)
    }

    /// Number of tool calls running now.
    pub fn calls_in_flight(&self) -> usize {
        self.inflight.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Wait until no tool call is running.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            if self.calls_in_flight() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Tools visible to `caller`.
    pub fn visible_tools(&self, caller: &Caller) -> Vec<Tool> {
        self.surface.iter().filter(|t| self.app.check_access(caller, t).is_ok()).map(|t| t.tool().clone()).collect()
    }

    /// Required scopes of an exposed tool, if the deployment checks scopes.
    pub fn scopes_needed(&self, tool: &str, caller: &Caller) -> Option<Vec<String>> {
        if !self.check_scopes {
            return None;
        }
        let def = self.surface.get(tool)?;
        (!scopes_satisfied(caller.scopes(), def.required_scopes())).then(|| def.required_scopes().to_vec())
    }

    /// Run one tool call with every check, span, metric and audit record.
    pub async fn call(
        &self,
        caller: Arc<Caller>,
        name: &str,
        arguments: Option<JsonObject>,
        progress: Progress,
        cancel: CancellationToken,
    ) -> Result<Dispatched, CallError> {
        let Some(def) = self.surface.get(name) else {
            // A bounded label: the attempted name is client input.
            self.metrics.tool_call("unknown", "unknown_tool", 0.0);
            return Err(CallError::UnknownTool(bounded(name, MAX_ECHOED_NAME)));
        };
        let span = tracing::info_span!(
            "tool_call",
            tool = name,
            caller = %Escaped(caller.id()),
            role = %Escaped(caller.role_label()),
            transport = caller.transport.map_or("-", |t| t.as_str()),
        );
        let started = Instant::now();
        self.inflight.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let _inflight = InFlight(&self.inflight, &self.idle);
        let args = arguments.unwrap_or_default();
        let mut denied = false;
        let mut missing_scopes = None;
        // Set where the core itself ended the call: its outcome label is not the error's.
        let mut ended_by: Option<&'static str> = None;

        let outcome: Result<crate::tools::ToolOutput, ToolError> = async {
            let access = match self.app.check_access(&caller, def) {
                Ok(access) => access,
                Err(denial) => {
                    denied = true;
                    self.metrics.permission_denied(name, &denial.role);
                    tracing::warn!(tool = name, role = %Escaped(&denial.role), "permission denied");
                    return Err(ToolError::PermissionDenied(denial.message));
                }
            };
            if let Some(scopes) = self.scopes_needed(name, &caller) {
                let msg = format!("Insufficient scope: tool {name} requires scope(s) {}", scopes.join(" "));
                missing_scopes = Some(scopes);
                return Err(ToolError::PermissionDenied(msg));
            }
            let deadline = tokio::time::Instant::from_std(started) + self.call_timeout;
            let ctx = ToolContext { caller: caller.clone(), progress, cancel: cancel.clone(), deadline, access };
            // Run in place, not in a spawned task (a spawn and a cross-thread wake per call):
            // a panic is caught here, and dropping the future on timeout or cancellation stops it.
            let handler = std::panic::AssertUnwindSafe(def.invoke(self.app.clone(), ctx, args.clone())).catch_unwind();
            tokio::select! {
                joined = tokio::time::timeout(self.call_timeout, handler) => match joined {
                    Ok(Ok(result)) => result,
                    Ok(Err(_panic)) => {
                        tracing::error!(tool = name, "tool handler panicked");
                        Err(ToolError::internal(format!("Tool {name} failed unexpectedly (internal error); the failure was logged")))
                    }
                    Err(_) => {
                        ended_by = Some("timeout");
                        Err(ToolError::Timeout(format!(
                            "Tool {name} timed out after {}s; narrow the request (fewer items or a shorter range) and retry",
                            self.call_timeout.as_secs()
                        )))
                    }
                },
                () = cancel.cancelled() => {
                    // The request's token also fires when the server stops serving streams
                    // (shutdown, after the grace period): say which it was.
                    ended_by = Some("cancelled");
                    Err(ToolError::internal(if self.streams.is_cancelled() {
                        format!("Tool {name} was stopped because the server is shutting down; retry shortly")
                    } else {
                        format!("Tool {name} was cancelled by the client")
                    }))
                }
            }
        }
        .instrument(span.clone())
        .await;

        let elapsed = started.elapsed();
        let (label, message, affected) = match &outcome {
            Ok(out) => ("ok", None, out.affected),
            Err(e) => (ended_by.unwrap_or_else(|| e.outcome()), Some(e.to_string()), None),
        };
        self.metrics.tool_call(name, label, elapsed.as_secs_f64());
        let record = AuditRecord {
            tool: name.to_owned(),
            caller: caller.clone(),
            arguments_digest: digest(&args),
            arguments: redact(Value::Object(args)),
            outcome: label,
            message,
            affected,
            duration_ms: elapsed.as_millis() as u64,
        };
        // The call's own line, beside its span rather than in it: it carries every field of the
        // span (and the outcome), so a text line does not print them twice.
        tracing::info!(
            target: "audit",
            tool = %record.tool,
            caller = %Escaped(caller.id()),
            role = %Escaped(caller.role_label()),
            transport = caller.transport.map_or("-", |t| t.as_str()),
            args_digest = %record.arguments_digest,
            outcome = record.outcome,
            duration_ms = record.duration_ms,
            "tool call"
        );
        self.app.audit(&record);

        let result = match outcome {
            Ok(out) => {
                let mut r = CallToolResult::success(out.content);
                r.structured_content = out.structured;
                r
            }
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
        };
        Ok(Dispatched { result, denied, missing_scopes })
    }

    fn caller_of(&self, extensions: &rmcp::model::Extensions) -> Arc<Caller> {
        if let Some(parts) = extensions.get::<http::request::Parts>() {
            return parts.extensions.get::<Arc<Caller>>().cloned().unwrap_or_default();
        }
        extensions.get::<Arc<Caller>>().cloned().unwrap_or_else(|| self.fallback_caller.clone())
    }
}

/// Longest tool or method name echoed back in an error message.
const MAX_ECHOED_NAME: usize = 128;
/// Longest resource URI echoed back in an error message.
const MAX_ECHOED_URI: usize = 256;

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Client input made safe to echo in an error message: at most `max` characters, quoted, with
/// control characters and quotes escaped (`"no_such_tool"`, `"a\nb"`, `"xxxx…"`).
pub fn bounded(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((cut, _)) => format!("{:?}…", value.get(..cut).unwrap_or_default()),
        None => format!("{value:?}"),
    }
}

/// Client input for a message a person reads: a plain token (letters, digits, `_ - . @`) of at most
/// `max` characters as it is, anything else through [`bounded`] (quoted, escaped, cut), so that
/// no echoed value can pass for more text than it is.
pub fn echo_input(value: &str, max: usize) -> String {
    let plain = !value.is_empty()
        && value.chars().count() <= max
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if plain { value.to_owned() } else { bounded(value, max) }
}

/// SHA-256 of the arguments (canonical JSON), first 16 hex chars.
fn digest(args: &JsonObject) -> String {
    let bytes = serde_json::to_vec(args).unwrap_or_default();
    let hash = Sha256::digest(&bytes);
    hex::encode(&hash[..8])
}

const SECRET_KEYS: &[&str] =
    &["password", "secret", "token", "apikey", "api_key", "authorization", "credential", "private_key"];

/// Replace values of secret-looking keys with `***`, recursively.
pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let lower = k.to_ascii_lowercase();
                    if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                        (k, Value::String("***".into()))
                    } else {
                        (k, redact(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

/// The rmcp handler: a cheap handle on the shared [`Core`].
pub struct Handler<A: App>(pub Arc<Core<A>>);

impl<A: App> Clone for Handler<A> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<A: App> ServerHandler for Handler<A> {
    fn get_info(&self) -> InitializeResult {
        self.0.info.clone()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = self.0.caller_of(&context.extensions);
        Ok(ListToolsResult::with_all_items(self.0.visible_tools(&caller)))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.0.surface.get(name).map(|t| t.tool().clone())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.0.caller_of(&context.extensions);
        // rmcp moves the request's `_meta` into the context before dispatch.
        let token =
            context.meta.get_progress_token().or_else(|| request.meta.as_ref().and_then(|m| m.get_progress_token()));
        let progress = Progress::new(context.peer.clone(), token);
        match self.0.call(caller, &request.name, request.arguments, progress, context.ct.clone()).await {
            Ok(dispatched) => Ok(dispatched.result.into()),
            Err(e @ CallError::UnknownTool(_)) => Err(ErrorData::invalid_params(e.to_string(), None)),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        // Clients (and the conformance suite) list resources whatever the capabilities say: a
        // server without any answers an empty list, as rmcp's default does.
        if !self.0.app.has_resources() {
            return Ok(ListResourcesResult::with_all_items(Vec::new()));
        }
        let caller = self.0.caller_of(&context.extensions);
        Ok(ListResourcesResult::with_all_items(self.0.app.list_resources(&caller).await))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        if !self.0.app.has_resources() {
            return Err(ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                "Method not found: this server offers no resources",
                None,
            ));
        }
        let caller = self.0.caller_of(&context.extensions);
        Ok(self.0.read_resource(&caller, &request.uri).await?.into())
    }

    /// A request rmcp did not recognise. A `tools/call` lands here when its params do not parse
    /// (no `name`): that is invalid params (-32602), not an unknown method.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        if request.method == "tools/call" {
            return Err(ErrorData::invalid_params(
                "Invalid params: tools/call needs params.name (a tool name from tools/list) and optional params.arguments (an object)",
                None,
            ));
        }
        Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {}", bounded(&request.method, MAX_ECHOED_NAME)),
            None,
        ))
    }

    #[allow(deprecated)] // logging/setLevel is deprecated by SEP-2577 but 2025-11-25 clients still send it
    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        tracing::debug!(level = ?request.level, "client set log level");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_secret_looking_keys_at_any_depth() {
        let v = serde_json::json!({"well_id": "ZT-102", "api_key": "k", "nested": {"Password": "p", "list": [{"access_token": "t"}]}});
        let r = redact(v);
        assert_eq!(r["well_id"], "ZT-102");
        assert_eq!(r["api_key"], "***");
        assert_eq!(r["nested"]["Password"], "***");
        assert_eq!(r["nested"]["list"][0]["access_token"], "***");
    }

    #[test]
    fn echoed_input_is_plain_only_when_it_is_a_plain_token() {
        assert_eq!(echo_input("SUPERUSER", 64), "SUPERUSER");
        assert_eq!(echo_input("ADMIN; role=GUEST", 64), "\"ADMIN; role=GUEST\"");
        assert_eq!(echo_input("a\nb", 64), "\"a\\nb\"");
        assert!(echo_input(&"x".repeat(100), 64).ends_with('…'));
    }

    #[test]
    fn echoed_names_are_quoted_escaped_and_bounded() {
        assert_eq!(bounded("echo", 128), "\"echo\"");
        assert_eq!(bounded("a b=c\nrole=ADMIN", 128), "\"a b=c\\nrole=ADMIN\"");
        let long = "x".repeat(500);
        let b = bounded(&long, 128);
        assert!(b.len() < 140 && b.ends_with('…'), "{b}");
        assert_eq!(CallError::UnknownTool(bounded("x\ny", 128)).to_string().lines().count(), 1);
    }

    #[test]
    fn a_tools_call_without_name_reaches_the_custom_request_handler() {
        use rmcp::model::{ClientJsonRpcMessage, ClientRequest};
        let m: ClientJsonRpcMessage = serde_json::from_value(
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"arguments": {}}}),
        )
        .unwrap();
        let ClientJsonRpcMessage::Request(r) = m else { panic!("not a request") };
        assert!(matches!(r.request, ClientRequest::CustomRequest(_)), "{:?}", r.request);
    }

    #[test]
    fn digest_is_stable_and_short() {
        let mut a = JsonObject::new();
        a.insert("x".into(), Value::from(1));
        // SHA-256 of the canonical JSON, first 8 bytes in hex (pinned: audit rows store it).
        assert_eq!(digest(&a), "5041bf1f713df204", "sha256(r#\"{{\"x\":1}}\"#)");
        assert_eq!(digest(&JsonObject::new()), "44136fa355b3678a", "sha256(\"{{}}\")");
    }
}
