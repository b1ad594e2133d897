//! Legacy HTTP+SSE transport (protocol 2024-11-05): `GET /sse` opens a session whose first event
//! names the POST endpoint; `POST /messages?sessionId=` carries one JSON-RPC message (202).
//!
//! rmcp no longer ships this transport; each session is an rmcp service over a channel pair.
//! A session ends when its event stream closes. The caller is resolved per POST, never per session.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use http::StatusCode;
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use serde::Deserialize;

use super::http::{HttpState, jsonrpc_error, parse_message};
use super::sessions::{Access, Refusal, SessionOwners, owner_key};
use crate::app::App;
use crate::identity::Caller;
use crate::server::Handler;

const CHANNEL_CAPACITY: usize = 64;

/// Open legacy sessions, capped, with their owners and in-flight request ids.
pub(crate) struct SseSessions {
    map: Mutex<HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>>,
    owners: SessionOwners,
    max: usize,
}

impl SseSessions {
    pub(crate) fn new(max: usize) -> Self {
        // The cap is enforced on `map`; the owners' own cap is not used.
        Self { map: Mutex::new(HashMap::new()), owners: SessionOwners::new(usize::MAX), max }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn sender(&self, id: &str) -> Option<mpsc::Sender<ClientJsonRpcMessage>> {
        self.lock().get(id).cloned()
    }
}

/// Removes the session when its event stream is dropped (client gone or shutdown).
struct SessionGuard<A: App> {
    id: String,
    state: Arc<HttpState<A>>,
}

impl<A: App> Drop for SessionGuard<A> {
    fn drop(&mut self) {
        self.state.sse.lock().remove(&self.id);
        self.state.sse.owners.forget(&self.id);
        self.state.core.metrics.add_sessions("sse", -1);
        tracing::debug!(session = %self.id, "SSE session closed");
    }
}

/// The request id of a server message that answers a request (response or error).
fn answered_id(message: &ServerJsonRpcMessage) -> Option<String> {
    match message {
        ServerJsonRpcMessage::Response(r) => serde_json::to_string(&r.id).ok(),
        ServerJsonRpcMessage::Error(e) => e.id.as_ref().and_then(|id| serde_json::to_string(id).ok()),
        _ => None,
    }
}

/// `GET /sse`. The session belongs to the credential that opens it.
pub(crate) async fn open<A: App>(State(state): State<Arc<HttpState<A>>>, request: Request) -> Response {
    let caller = request.extensions().get::<Arc<Caller>>().cloned().unwrap_or_default();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL_CAPACITY);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    {
        let mut map = state.sse.lock();
        if map.len() >= state.sse.max {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(http::header::RETRY_AFTER, "5")],
                format!("Service Unavailable: the limit of {} concurrent SSE sessions is reached", state.sse.max),
            )
                .into_response();
        }
        map.insert(id.clone(), to_server);
        state.sse.owners.record(&id, owner_key(&caller));
    }
    state.core.metrics.add_sessions("sse", 1);
    tracing::debug!(session = %id, "SSE session opened");

    let handler = Handler(state.core.clone());
    tokio::spawn(async move {
        match handler.serve((to_client, from_client)).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(e) => tracing::debug!(error = %e, "SSE session ended before initialization"),
        }
    });

    let guard = SessionGuard { id: id.clone(), state: state.clone() };
    let endpoint = futures::stream::once(async move {
        Ok::<_, Infallible>(Event::default().event("endpoint").data(format!("/messages?sessionId={id}")))
    });
    let messages = from_server.map(move |message| {
        // The answer is on its way: its request id may be used again.
        if let Some(answered) = answered_id(&message) {
            guard.state.sse.owners.end(&guard.id, &answered);
        }
        let data = serde_json::to_string(&message).unwrap_or_else(|_| "{}".into());
        Ok::<_, Infallible>(Event::default().event("message").data(data))
    });
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(endpoint.chain(messages).take_until(state.core.streams.clone().cancelled_owned()));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

#[derive(Deserialize)]
pub(crate) struct SessionQuery {
    #[serde(rename = "sessionId", alias = "session_id")]
    session_id: Option<String>,
}

/// `POST /messages?sessionId=...`.
pub(crate) async fn post<A: App>(
    State(state): State<Arc<HttpState<A>>>,
    Query(query): Query<SessionQuery>,
    request: Request,
) -> Response {
    let Some(session_id) = query.session_id else {
        return (StatusCode::BAD_REQUEST, "Bad Request: the sessionId query parameter is required").into_response();
    };
    let caller = request.extensions().get::<Arc<Caller>>().cloned().unwrap_or_default();
    let not_found = || {
        (StatusCode::NOT_FOUND, "Not Found: unknown or closed SSE session; open a new one with GET /sse")
            .into_response()
    };
    let owner = owner_key(&caller);
    if state.sse.owners.access(&session_id, &owner) == Access::Foreign {
        tracing::warn!(caller = ?owner, "refused a POST into an SSE session opened by another credential");
        return not_found();
    }
    let Some(mut sender) = state.sse.sender(&session_id) else {
        return not_found();
    };
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, state.body_limit).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large").into_response(),
    };
    let mut message = match parse_message(&bytes) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    let request_id = match &message {
        ClientJsonRpcMessage::Request(r) => serde_json::to_string(&r.id).ok(),
        _ => None,
    };
    if let Some(rid) = &request_id
        && let Err(refusal) = state.sse.owners.begin(&session_id, rid)
    {
        let status = match refusal {
            Refusal::Duplicate => StatusCode::BAD_REQUEST,
            Refusal::TooMany => StatusCode::TOO_MANY_REQUESTS,
        };
        let id = serde_json::from_str::<serde_json::Value>(rid).ok();
        return jsonrpc_error(status, id, -32600, refusal.message(rid));
    }
    match &mut message {
        ClientJsonRpcMessage::Request(req) => {
            req.request.extensions_mut().insert(parts);
        }
        ClientJsonRpcMessage::Notification(not) => {
            not.notification.extensions_mut().insert(parts);
        }
        _ => {}
    }
    if sender.send(message).await.is_err() {
        if let Some(rid) = &request_id {
            state.sse.owners.end(&session_id, rid);
        }
        return (StatusCode::NOT_FOUND, "Not Found: the SSE session has closed").into_response();
    }
    StatusCode::ACCEPTED.into_response()
}
