//! A generic loopback HTTP stand-in for upstream services: serves an [`axum::Router`] on
//! `127.0.0.1:0`, records every request, and can be scripted to misbehave per path (error
//! statuses, delays, resets, truncated bodies, hangs) before the router sees a request.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use test_support::standin::{Fault, StandIn};
//! let router = axum::Router::new().route("/api/v1/info", axum::routing::get(|| async { "ok" }));
//! let upstream = StandIn::start(router).await?;
//! upstream.fault("/api/v1/info", [Fault::status(429).with_header("retry-after", "1")]);
//! // ... point the client at `upstream.url()`; the first call gets 429, the next one "ok".
//! assert_eq!(upstream.requests_to("/api/v1/info").len(), 0);
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt as _;

/// How long a truncated response waits after its partial body before failing the stream, so
/// that the bytes reach the client before the connection closes.
const TRUNCATE_FLUSH_DELAY: Duration = Duration::from_millis(50);

/// One request as the stand-in received it (body fully buffered).
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request method.
    pub method: Method,
    /// Request path, without the query.
    pub path: String,
    /// Raw query string (without `?`), if the URI had one.
    pub query: Option<String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Bytes,
}

impl Recorded {
    /// A header as text (None if absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body parsed as JSON (None if it is not JSON).
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query as percent-decoded `application/x-www-form-urlencoded` pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default()
    }
}

/// A scripted misbehaviour, consumed by one matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status, headers and body instead of the router.
    Respond {
        /// Status code.
        status: StatusCode,
        /// Headers, in order (an invalid name or value turns the answer into a 500 saying so).
        headers: Vec<(String, String)>,
        /// Body text.
        body: String,
    },
    /// Wait, then let the router answer.
    Delay(Duration),
    /// Close the connection without any response (the client sees a connection error).
    Reset,
    /// Send the status line and headers with `Content-Length: declared`, then only `body`, then close.
    Truncate {
        /// Status code.
        status: StatusCode,
        /// The `Content-Length` announced.
        declared: usize,
        /// The bytes actually sent (fewer than `declared`).
        body: Vec<u8>,
    },
    /// Wait, then close the connection without a response (a hung upstream that finally drops).
    Hang(Duration),
}

impl Fault {
    /// [`Fault::Respond`] with this status, no headers and an empty body.
    ///
    /// # Panics
    /// If `status` is not a valid HTTP status code (100..=999): a mistake in the test itself.
    pub fn status(status: u16) -> Fault {
        let status = StatusCode::from_u16(status)
            .unwrap_or_else(|_| panic!("Fault::status: {status} is not an HTTP status code"));
        Fault::Respond { status, headers: Vec::new(), body: String::new() }
    }

    /// Add a response header (only meaningful on [`Fault::Respond`]; other faults are unchanged).
    pub fn with_header(mut self, name: &str, value: &str) -> Fault {
        if let Fault::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Set the response body (only meaningful on [`Fault::Respond`]; other faults are unchanged).
    pub fn with_body(mut self, body: impl Into<String>) -> Fault {
        if let Fault::Respond { body: b, .. } = &mut self {
            *b = body.into();
        }
        self
    }

    /// [`Fault::Respond`] with this status, `content-type: application/json` and `body`.
    ///
    /// # Panics
    /// As [`Fault::status`].
    pub fn json(status: u16, body: serde_json::Value) -> Fault {
        Fault::status(status).with_header("content-type", "application/json").with_body(body.to_string())
    }
}

/// Fault queues, keyed by method (None: any method) and exact path.
type FaultQueues = HashMap<(Option<Method>, String), VecDeque<Fault>>;

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Recorded>>,
    faults: Mutex<FaultQueues>,
    connections: Mutex<JoinSet<()>>,
}

/// Lock ignoring poisoning (a panicking test thread must not hide the recorded requests).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    /// The next fault for this request: a method-specific queue is consulted before the
    /// any-method queue of the same path.
    fn next_fault(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        for key in [(Some(method.clone()), path.to_owned()), (None, path.to_owned())] {
            if let Some(queue) = faults.get_mut(&key)
                && let Some(fault) = queue.pop_front()
            {
                if queue.is_empty() {
                    faults.remove(&key);
                }
                return Some(fault);
            }
        }
        None
    }
}

/// A running loopback stand-in (stops serving when dropped: the accept loop and every open
/// connection are aborted, so the port closes as soon as the runtime runs the cancellation).
pub struct StandIn {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl StandIn {
    /// Serve `router` on 127.0.0.1:0. Every request is recorded; scripted faults are applied first.
    pub async fn start(router: Router) -> std::io::Result<StandIn> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let accept = tokio::spawn(accept_loop(listener, router, state.clone()));
        Ok(StandIn { addr, state, accept })
    }

    /// Base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound loopback address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// All requests so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }

    /// The requests whose path is exactly `path` (the query is not compared), in arrival order.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        lock(&self.state.requests).iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Forget the requests recorded so far.
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }

    /// Queue faults for requests to `path` (exact path, any method): each matching request
    /// consumes the next fault; once the queue is empty, requests reach the router again.
    /// A queue set with [`fault_on`](Self::fault_on) for the request's method is used first.
    pub fn fault(&self, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.queue(None, path, faults);
    }

    /// Same as [`fault`](Self::fault), only for requests with this method.
    pub fn fault_on(&self, method: Method, path: &str, faults: impl IntoIterator<Item = Fault>) {
        self.queue(Some(method), path, faults);
    }

    /// Drop every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Stop serving and wait until the port and every connection are closed (dropping does the
    /// same without waiting).
    pub async fn shutdown(mut self) {
        self.accept.abort();
        // Once the accept loop is gone no connection can be added behind our back.
        let _ = (&mut self.accept).await;
        let mut connections = std::mem::take(&mut *lock(&self.state.connections));
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }

    fn queue(&self, method: Option<Method>, path: &str, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state.faults).entry((method, path.to_owned())).or_default().extend(faults);
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.accept.abort();
        lock(&self.state.connections).abort_all();
    }
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn").field("addr", &self.addr).finish_non_exhaustive()
    }
}

async fn accept_loop(listener: TcpListener, router: Router, state: Arc<State>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Transient (e.g. too many open files, a connection reset while queued): keep serving.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let conn_state = state.clone();
        let mut connections = lock(&state.connections);
        while connections.try_join_next().is_some() {}
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(req, router.clone(), conn_state.clone()));
            // Keep-alive is hyper's default; an error here is a fault or a client gone away.
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// The error that makes hyper close the connection without answering.
fn dropped(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, format!("stand-in: {what}"))
}

async fn handle(req: Request<Incoming>, router: Router, state: Arc<State>) -> Result<Response<Body>, std::io::Error> {
    let (parts, incoming) = req.into_parts();
    let body = incoming.collect().await.map_err(std::io::Error::other)?.to_bytes();
    let path = parts.uri.path().to_owned();
    lock(&state.requests).push(Recorded {
        method: parts.method.clone(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    match state.next_fault(&parts.method, &path) {
        None => {}
        Some(Fault::Delay(wait)) => tokio::time::sleep(wait).await,
        Some(Fault::Respond { status, headers, body }) => return Ok(respond(status, &headers, body)),
        Some(Fault::Reset) => return Err(dropped("scripted reset")),
        Some(Fault::Hang(wait)) => {
            tokio::time::sleep(wait).await;
            return Err(dropped("scripted hang"));
        }
        Some(Fault::Truncate { status, declared, body }) => return Ok(truncated(status, declared, body)),
    }
    let response: Result<Response<Body>, Infallible> =
        router.oneshot(Request::from_parts(parts, Body::from(body))).await;
    match response {
        Ok(response) => Ok(response),
        Err(never) => match never {},
    }
}

fn respond(status: StatusCode, headers: &[(String, String)], body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                let mut invalid =
                    Response::new(Body::from(format!("stand-in: invalid scripted header {name:?}: {value:?}")));
                *invalid.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return invalid;
            }
        }
    }
    response
}

fn truncated(status: StatusCode, declared: usize, body: Vec<u8>) -> Response<Body> {
    let partial = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(body)) });
    let failure = futures::stream::once(async {
        tokio::time::sleep(TRUNCATE_FLUSH_DELAY).await;
        Err(dropped("scripted truncation"))
    });
    let mut response = Response::new(Body::from_stream(futures::StreamExt::chain(partial, failure)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(declared));
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fault_builders() {
        let f = Fault::json(429, serde_json::json!({"error": "slow down"})).with_header("retry-after", "2");
        let Fault::Respond { status, headers, body } = f else { panic!("not Respond") };
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            headers,
            vec![("content-type".into(), "application/json".into()), ("retry-after".into(), "2".into())]
        );
        assert_eq!(body, r#"{"error":"slow down"}"#);
        assert!(matches!(Fault::Reset.with_header("a", "b").with_body("x"), Fault::Reset));
    }

    #[test]
    fn method_queue_comes_before_any_method_queue() {
        let state = State::default();
        lock(&state.faults).insert((None, "/p".into()), VecDeque::from([Fault::status(500)]));
        lock(&state.faults).insert((Some(Method::POST), "/p".into()), VecDeque::from([Fault::status(409)]));
        let status = |f: Option<Fault>| match f {
            Some(Fault::Respond { status, .. }) => Some(status.as_u16()),
            _ => None,
        };
        assert_eq!(status(state.next_fault(&Method::GET, "/q")), None);
        assert_eq!(status(state.next_fault(&Method::POST, "/p")), Some(409));
        assert_eq!(status(state.next_fault(&Method::POST, "/p")), Some(500));
        assert_eq!(status(state.next_fault(&Method::POST, "/p")), None);
        assert!(lock(&state.faults).is_empty(), "empty queues are removed");
    }

    #[test]
    fn query_pairs_are_decoded() {
        let r = Recorded {
            method: Method::GET,
            path: "/".into(),
            query: Some("roomId=a%2Fb&text=hi+there&x=%C3%A9".into()),
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"{\"a\":1}"),
        };
        assert_eq!(
            r.query_pairs(),
            vec![("roomId".into(), "a/b".into()), ("text".into(), "hi there".into()), ("x".into(), "é".into())]
        );
        assert_eq!(r.json(), Some(serde_json::json!({"a": 1})));
    }
}
