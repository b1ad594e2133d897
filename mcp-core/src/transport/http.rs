//! The HTTP server: one router serving `/mcp`, `/sse`, `/messages`, the compat shim, `/health`,
//! `/ready`, `/metrics` and the OAuth metadata. Built once; no per-request copying of config.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt as _;
use http::StatusCode;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde::Deserialize;
use tracing::Instrument;

use super::caller::IdentityResolver;
use super::guard::HostGuard;
use super::sessions::{Access, SessionOwners, owner_key};
use super::{compat, sse};
use crate::app::App;
use crate::auth::Authenticator;
use crate::identity::TransportKind;
use crate::server::{Core, Handler};

/// Shared state of the HTTP app.
pub struct HttpState<A: App> {
    /// The MCP core.
    pub core: Arc<Core<A>>,
    /// Request authentication.
    pub auth: Arc<Authenticator>,
    /// Identity header resolution.
    pub identity: IdentityResolver,
    guard: HostGuard,
    pub(super) sse: sse::SseSessions,
    sessions: Arc<LocalSessionManager>,
    /// Owners and in-flight request ids of the Streamable HTTP sessions.
    owners: Arc<SessionOwners>,
    pub(super) body_limit: usize,
    body_timeout: std::time::Duration,
    scoped_tools: bool,
}

impl<A: App> HttpState<A> {
    /// Assemble the state (once, at startup).
    pub fn new(core: Arc<Core<A>>, auth: Arc<Authenticator>, identity: IdentityResolver) -> Arc<Self> {
        let c = &core.config.core;
        let guard = HostGuard::new(&c.allowed_hosts, &c.allowed_origins);
        let sse = sse::SseSessions::new(c.max_sse_sessions);
        let scoped_tools =
            c.auth == crate::auth::AuthMode::Oauth && core.surface.iter().any(|t| !t.required_scopes().is_empty());
        let body_limit = c.body_limit_bytes;
        let owners = Arc::new(SessionOwners::new(c.max_streamable_sessions));
        let body_timeout = std::time::Duration::from_secs(c.body_read_timeout_secs);
        Arc::new(Self {
            core,
            auth,
            identity,
            guard,
            sse,
            sessions: Arc::new(LocalSessionManager::default()),
            owners,
            body_limit,
            body_timeout,
            scoped_tools,
        })
    }
}

/// The router of the HTTP app, testable in process (`tower::ServiceExt::oneshot`).
pub fn app<A: App>(state: Arc<HttpState<A>>) -> Router {
    let c = &state.core.config.core;
    let mcp_config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts() // our guard covers every MCP route, including /sse and the compat shim
        .with_legacy_session_mode(!c.stateless)
        .with_json_response(c.stateless)
        .with_max_request_body_bytes(c.body_limit_bytes)
        .with_cancellation_token(state.core.streams.child_token());
    let handler = Handler(state.core.clone());
    let mcp = StreamableHttpService::new(move || Ok(handler.clone()), state.sessions.clone(), mcp_config);

    let mut protected = Router::new()
        .route_service("/mcp", mcp)
        .route_layer(middleware::from_fn_with_state(state.clone(), streamable::<A>));
    if A::COMPAT_SHIM {
        protected =
            protected.route("/mcp/tools", get(compat::list::<A>)).route("/mcp/call-tool", post(compat::call::<A>));
    }
    let protected = protected
        .route("/sse", get(sse::open::<A>))
        .route("/messages", post(sse::post::<A>))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate::<A>))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::<A>));

    // A person clicks a download link in a browser: no bearer token, the signed token decides.
    let downloads = Router::new()
        .route("/downloads/{token}", get(super::download::serve::<A>))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::<A>));

    let public = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready::<A>))
        .route("/metrics", get(metrics::<A>))
        .route("/.well-known/oauth-protected-resource", get(resource_metadata::<A>))
        .route("/.well-known/oauth-protected-resource/{*rest}", get(resource_metadata::<A>));

    protected
        .merge(downloads)
        .merge(public)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(state.body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), count_and_limit::<A>))
        .with_state(state)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found: this server serves /mcp, /sse, /messages, /health, /ready and /metrics")
        .into_response()
}

/// Outermost layer: refuse oversized bodies by Content-Length (413) and count every response.
async fn count_and_limit<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request, next: Next) -> Response {
    let path = route_label(request.uri().path());
    let is_delete = request.method() == http::Method::DELETE;
    let json_post = request.method() == http::Method::POST
        && request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
    let too_big = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|len| len > state.body_limit);
    // At DEBUG, as tower-http's request spans are: at INFO every line of a call already says
    // what it needs (the tool call's own span and line carry the transport, HTTP warnings their
    // path), and a span entered on every poll of the request is a visible share of a small call.
    let span = tracing::debug_span!("http_request", method = %request.method(), path, status = tracing::field::Empty);
    let response = if too_big {
        payload_too_large(state.body_limit)
    } else {
        match read_body(request, state.body_limit, state.body_timeout).await {
            Ok(request) => next.run(request).instrument(span.clone()).await,
            Err(refused) => refused,
        }
    };
    span.record("status", response.status().as_u16());
    // rmcp answers a successful session DELETE with 202; clients (the Python SDK among them) expect
    // 200/204, so report it as 200.
    let response = if is_delete && path == "/mcp" && response.status() == StatusCode::ACCEPTED {
        let (mut parts, body) = response.into_parts();
        parts.status = StatusCode::OK;
        Response::from_parts(parts, body)
    } else {
        response
    };
    // rmcp answers an unparsable JSON body with 415 (the `streamable` layer answers first; this
    // is a safety net): to the client that is a JSON-RPC parse error (400).
    let response = if json_post && path == "/mcp" && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        jsonrpc_error(
            StatusCode::BAD_REQUEST,
            None,
            -32700,
            "Parse error: the body is not a valid JSON-RPC message".into(),
        )
    } else {
        response
    };
    state.core.metrics.http_request(path, response.status().as_u16());
    response
}

/// 413, closing the connection: the unread rest of the body would otherwise be read as the next
/// request on it.
fn payload_too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(http::header::CONNECTION, "close")],
        format!("Payload Too Large: request bodies are limited to {limit} bytes"),
    )
        .into_response()
}

/// Read the whole request body within `timeout` and `limit` (a client trickling its body is cut
/// off with 408; a malformed body, e.g. broken chunked encoding, is the client's error, 400), and
/// hand the request on with the body in memory.
async fn read_body(request: Request, limit: usize, timeout: std::time::Duration) -> Result<Request, Response> {
    use http_body_util::BodyExt as _;
    let (parts, body) = request.into_parts();
    if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        return Ok(Request::from_parts(parts, body));
    }
    match tokio::time::timeout(timeout, http_body_util::Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(Request::from_parts(parts, Body::from(collected.to_bytes()))),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(payload_too_large(limit)),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "unreadable request body");
            Err((StatusCode::BAD_REQUEST, "Bad Request: the request body is malformed (e.g. broken chunked encoding)")
                .into_response())
        }
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            [(http::header::CONNECTION, "close")],
            format!("Request Timeout: the request body was not received within {} s", timeout.as_secs()),
        )
            .into_response()),
    }
}

/// A JSON-RPC error response with the given HTTP status.
pub(super) fn jsonrpc_error(status: StatusCode, id: Option<serde_json::Value>, code: i64, message: String) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

/// The JSON-RPC id of a body that is JSON but not a valid message, if it has a usable one: a
/// string or an integer (JSON-RPC ids have no fractional part; anything else answers with null).
pub(super) fn loose_id(bytes: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    value.get("id").filter(|id| id.is_string() || id.is_i64() || id.is_u64()).cloned()
}

/// Parse a POSTed JSON-RPC message the way the spec numbers its errors: not JSON is -32700 (parse
/// error), JSON that is not a valid message is -32600 (invalid request).
pub(super) fn parse_message(bytes: &[u8]) -> Result<rmcp::model::ClientJsonRpcMessage, Box<Response>> {
    serde_json::from_slice(bytes).map_err(|_| {
        // Which error it is, is decided on its own (only on this error path): the message type
        // buffers its input, so `0\0`, invalid UTF-8 or nesting past the limit would otherwise
        // read as a shape mismatch rather than the parse errors they are.
        Box::new(match serde_json::from_slice::<serde_json::Value>(bytes) {
            Err(e) => jsonrpc_error(
                StatusCode::BAD_REQUEST,
                None,
                -32700,
                format!("Parse error: the body is not valid JSON (line {}, column {})", e.line(), e.column()),
            ),
            Ok(_) => jsonrpc_error(
                StatusCode::BAD_REQUEST,
                loose_id(bytes),
                -32600,
                "Invalid Request: the body is JSON but not a valid JSON-RPC 2.0 message".into(),
            ),
        })
    })
}

/// The `/mcp` layer (inside authentication): JSON-RPC error codes as the spec has them, and in
/// stateful mode session ownership (a session answers only the credential that opened it; others
/// get 404), exclusive request ids within a session, and the cap on concurrent sessions.
async fn streamable<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request, next: Next) -> Response {
    let stateful = !state.core.config.core.stateless;
    let caller = request.extensions().get::<Arc<crate::identity::Caller>>().cloned().unwrap_or_default();
    let owner = owner_key(&caller);
    let session = request.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let method = request.method().clone();
    let json_post = method == http::Method::POST
        && request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));

    if stateful
        && let Some(id) = &session
        && state.owners.access(id, &owner) == Access::Foreign
    {
        tracing::warn!(caller = ?owner, "refused a session opened by another credential");
        return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
    }

    let mut request = request;
    let mut request_id = None;
    let mut initialize = false;
    if json_post {
        let (parts, body) = request.into_parts();
        // The body is in memory already (read_body): this does not wait on the client.
        let bytes = match axum::body::to_bytes(body, state.body_limit).await {
            Ok(b) => b,
            Err(_) => return payload_too_large(state.body_limit),
        };
        match parse_message(&bytes) {
            Ok(rmcp::model::ClientJsonRpcMessage::Request(r)) => {
                request_id = Some(serde_json::to_string(&r.id).unwrap_or_default());
                initialize = matches!(r.request, rmcp::model::ClientRequest::InitializeRequest(_));
            }
            Ok(_) => {}
            Err(refused) => return *refused,
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    if !stateful {
        return next.run(request).await;
    }

    match (&session, &method) {
        // A new session (initialize): count it against the cap, record its owner.
        // (Requests of the session-less 2026-07-28 era are answered without a session: not counted.)
        (None, &http::Method::POST) if initialize => {
            let live = state.sessions.sessions.read().await;
            let reserved = state.owners.reserve(|id| live.contains_key(id));
            drop(live);
            let Some(_reservation) = reserved else {
                let max = state.core.config.core.max_streamable_sessions;
                tracing::warn!(max, "Streamable HTTP session cap reached; initialize refused");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(http::header::RETRY_AFTER, "5")],
                    format!(
                        "Service Unavailable: the limit of {max} concurrent Streamable HTTP sessions is reached (max_streamable_sessions); retry later or end unused sessions with DELETE"
                    ),
                )
                    .into_response();
            };
            let response = next.run(request).await;
            if let Some(id) = response.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()) {
                state.owners.record(id, owner);
            }
            response
        }
        (Some(id), &http::Method::POST) => {
            let guard = match request_id.as_deref().map(|rid| state.owners.begin_guarded(id, rid)) {
                None => None,
                Some(Ok(guard)) => Some(guard),
                Some(Err(refusal)) => {
                    let rid = request_id.as_deref().unwrap_or_default();
                    let id_value = serde_json::from_str::<serde_json::Value>(rid).ok();
                    let status = match refusal {
                        super::sessions::Refusal::Duplicate => StatusCode::BAD_REQUEST,
                        super::sessions::Refusal::TooMany => StatusCode::TOO_MANY_REQUESTS,
                    };
                    return jsonrpc_error(status, id_value, -32600, refusal.message(rid));
                }
            };
            let response = next.run(request).await;
            match guard {
                // The id stays in use until the response stream has ended (or the client dropped it).
                Some(guard) => {
                    let (parts, body) = response.into_parts();
                    let body = body.into_data_stream().map(move |chunk| {
                        let _in_flight = &guard;
                        chunk
                    });
                    Response::from_parts(parts, Body::from_stream(body))
                }
                None => response,
            }
        }
        (Some(id), &http::Method::DELETE) => {
            let id = id.clone();
            // Every session is recorded at its initialize: one we do not know (never opened,
            // already deleted) is not found, whatever rmcp would answer.
            if state.owners.access(&id, &owner) == Access::Unknown {
                return (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response();
            }
            let response = next.run(request).await;
            if response.status().is_success() {
                state.owners.forget(&id);
            }
            response
        }
        _ => next.run(request).await,
    }
}

/// Map a matched route to a bounded label.
fn route_label(path: &str) -> &'static str {
    match path {
        "/mcp" => "/mcp",
        "/mcp/tools" => "/mcp/tools",
        "/mcp/call-tool" => "/mcp/call-tool",
        "/sse" => "/sse",
        "/messages" => "/messages",
        "/health" => "/health",
        "/ready" => "/ready",
        "/metrics" => "/metrics",
        p if p.starts_with("/downloads/") => "/downloads",
        p if p.starts_with("/.well-known/oauth-protected-resource") => "/.well-known/oauth-protected-resource",
        _ => "other",
    }
}

async fn guard<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request, next: Next) -> Response {
    match state.guard.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::warn!(reason, "request refused by Host/Origin guard");
            (StatusCode::FORBIDDEN, reason).into_response()
        }
    }
}

#[derive(Deserialize)]
struct CallPeek {
    method: Option<String>,
    params: Option<CallPeekParams>,
}

#[derive(Deserialize)]
struct CallPeekParams {
    name: Option<String>,
}

/// Authenticate every request (never per session), build its [`crate::identity::Caller`], and, for
/// scoped tools in OAuth mode, answer 403 `insufficient_scope` before the call is dispatched.
async fn authenticate<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request, next: Next) -> Response {
    let principal = match state.auth.authenticate(request.headers()).await {
        Ok(p) => p,
        Err(failure) => {
            state.core.metrics.auth_failure(failure.reason());
            tracing::warn!(
                reason = failure.reason(),
                path = %crate::telemetry::Escaped(request.uri().path()),
                "authentication failed"
            );
            return state.auth.unauthorized(&failure);
        }
    };
    let transport = match request.uri().path() {
        "/mcp" => TransportKind::StreamableHttp,
        "/sse" | "/messages" => TransportKind::Sse,
        _ => TransportKind::Compat,
    };
    let caller = state.identity.resolve(request.headers(), principal, transport, &state.core.metrics);
    let caller = Arc::new(caller);
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(caller.clone());

    if state.scoped_tools
        && parts.method == http::Method::POST
        && matches!(transport, TransportKind::StreamableHttp | TransportKind::Sse)
    {
        let bytes = match axum::body::to_bytes(body, state.body_limit).await {
            Ok(b) => b,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large").into_response(),
        };
        if let Ok(peek) = serde_json::from_slice::<CallPeek>(&bytes)
            && peek.method.as_deref() == Some("tools/call")
            && let Some(name) = peek.params.and_then(|p| p.name)
            && let Some(scopes) = state.core.scopes_needed(&name, &caller)
        {
            state.core.metrics.auth_failure("insufficient_scope");
            return state.auth.insufficient_scope(&scopes);
        }
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    next.run(Request::from_parts(parts, body)).await
}

async fn health() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn ready<A: App>(State(state): State<Arc<HttpState<A>>>) -> Response {
    let (answer, body) = state.core.readiness().await;
    let status = if answer.is_serving() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

async fn metrics<A: App>(State(state): State<Arc<HttpState<A>>>) -> Response {
    let sessions = state.sessions.sessions.read().await.len();
    state.core.metrics.set_sessions("streamable-http", i64::try_from(sessions).unwrap_or(i64::MAX));
    (
        [(http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.core.metrics.encode(),
    )
        .into_response()
}

async fn resource_metadata<A: App>(State(state): State<Arc<HttpState<A>>>) -> Response {
    match state.auth.resource_metadata() {
        Some(doc) => axum::Json(doc).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found: this server does not use OAuth").into_response(),
    }
}
