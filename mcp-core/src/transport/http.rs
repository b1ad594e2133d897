//! The HTTP server: one router serving `/mcp`, `/sse`, `/messages`, the compat shim, `/health`,
//! `/ready`, `/metrics` and the OAuth metadata. Built once; no per-request copying of config.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde::Deserialize;
use tracing::Instrument;

use super::caller::IdentityResolver;
use super::guard::HostGuard;
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
    pub(super) body_limit: usize,
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
        Arc::new(Self {
            core,
            auth,
            identity,
            guard,
            sse,
            sessions: Arc::new(LocalSessionManager::default()),
            body_limit,
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

    let mut protected = Router::new().route_service("/mcp", mcp);
    if A::COMPAT_SHIM {
        protected =
            protected.route("/mcp/tools", get(compat::list::<A>)).route("/mcp/call-tool", post(compat::call::<A>));
    }
    let protected = protected
        .route("/sse", get(sse::open::<A>))
        .route("/messages", post(sse::post::<A>))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate::<A>))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::<A>));

    let public = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready::<A>))
        .route("/metrics", get(metrics::<A>))
        .route("/.well-known/oauth-protected-resource", get(resource_metadata::<A>))
        .route("/.well-known/oauth-protected-resource/{*rest}", get(resource_metadata::<A>));

    protected
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
    let span = tracing::info_span!("http_request", method = %request.method(), path, status = tracing::field::Empty);
    let response = if too_big {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Payload Too Large: request bodies are limited to {} bytes", state.body_limit),
        )
            .into_response()
    } else {
        next.run(request).instrument(span.clone()).await
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
    // rmcp answers an unparsable JSON body with 415; to the client that is a JSON-RPC parse error (400).
    let response = if json_post && path == "/mcp" && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error: the body is not a valid JSON-RPC message"}});
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    } else {
        response
    };
    state.core.metrics.http_request(path, response.status().as_u16());
    response
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
            tracing::warn!(reason = failure.reason(), path = %request.uri().path(), "authentication failed");
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
