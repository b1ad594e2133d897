//! Property-based fuzzing (proptest, stable toolchain) of the parsers of mcp-core that input
//! reaches: JSON-RPC over Streamable HTTP (`POST /mcp`, stateful and stateless), over legacy SSE
//! (`POST /messages`), over stdio (`serve_io`), `${VAR}` expansion and the YAML config loader.
//!
//! Every property states the documented class of answer (a success, or a typed / 4xx error of a
//! given shape), never just "it ran". The number of cases per property is `PROPTEST_CASES`
//! (proptest's default 256 otherwise), and `FUZZ_SECONDS` repeats rounds of them for a time
//! budget per property: `cargo xtask fuzz --cases N --seconds S` sets both. Each property prints
//! one `fuzz: <name>: <cases> cases, <executions> executions, ok|FAILED` line to stderr.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "it/common.rs"]
mod common;

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use futures::StreamExt;
use http::{Request, Response, StatusCode};
use mcp_core::config::{ExpandError, expand};
use mcp_core::server::Core;
use mcp_core::telemetry::Metrics;
use mcp_core::transport::HttpState;
use mcp_core::{App, BuildContext, Caller, NoFlags};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use test_support::fuzz::check;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::common::DemoApp;

/// Longest wait for one answer; a hang is a failure too.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Runner

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Object keys: the JSON-RPC / MCP vocabulary (so generated objects get near real messages) or
/// anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "jsonrpc", "id", "method", "params", "result", "error", "code", "message", "name",
            "arguments", "protocolVersion", "capabilities", "clientInfo", "text", "millis", "cursor",
            "_meta", "progressToken", "level",
        ])
        .prop_map(String::from),
        1 => ".{0,8}",
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        Just(json!("2.0")),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A JSON-RPC id: valid (number, string) or not (null, float, bool, object, array).
fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => any::<i64>().prop_map(Value::from),
        3 => ".{0,12}".prop_map(Value::from),
        1 => Just(Value::Null),
        1 => json_value(),
    ]
}

const METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "logging/setLevel",
    "resources/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "notifications/initialized",
    "notifications/cancelled",
    "notifications/progress",
    "notifications/roots/list_changed",
];

/// Tool names of the demo app ("boom", whose panic is tested elsewhere, only prints noise).
const TOOLS: &[&str] = &["echo", "whoami", "write_note", "purge", "slow", "fetch_upstream", "nope"];

fn method() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(METHODS).prop_map(String::from), 1 => ".{0,24}"]
}

/// Params that get past the first checks: tools/call with plausible arguments, initialize, or
/// any JSON.
fn params() -> impl Strategy<Value = Value> {
    let arguments = prop_oneof![
        ".{0,120}".prop_map(|t| json!({"text": t})),
        (0u64..20).prop_map(|m| json!({"millis": m})),
        "[a-z0-9/._-]{0,20}".prop_map(|p| json!({"path": p})),
        Just(json!({})),
        json_value(),
    ];
    prop_oneof![
        3 => (prop::sample::select(TOOLS), arguments).prop_map(|(n, a)| json!({"name": n, "arguments": a})),
        1 => prop::sample::select(vec!["2025-11-25", "2025-06-18", "2024-11-05", "1999-01-01", ""]).prop_map(
            |v| json!({"protocolVersion": v, "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "0"}})
        ),
        1 => prop::sample::select(vec!["debug", "info", "error", "loud"]).prop_map(|l| json!({"level": l})),
        2 => json_value(),
    ]
}

/// A structurally valid JSON-RPC message (request or notification) with random id, method and
/// params, sometimes with a wrong `jsonrpc` member; or a batch of them.
fn jsonrpc_message() -> impl Strategy<Value = Value> {
    let one = (
        prop::option::weighted(0.8, id()),
        method(),
        prop::option::of(params()),
        prop_oneof![8 => Just(json!("2.0")), 1 => json_value()],
    )
        .prop_map(|(id, method, params, version)| {
            let mut m = serde_json::Map::new();
            m.insert("jsonrpc".into(), version);
            if let Some(id) = id {
                m.insert("id".into(), id);
            }
            m.insert("method".into(), Value::String(method));
            if let Some(params) = params {
                m.insert("params".into(), params);
            }
            Value::Object(m)
        })
        .boxed();
    prop_oneof![6 => one.clone(), 1 => prop::collection::vec(one, 0..4).prop_map(Value::Array)]
}

/// What a POST body is made of.
#[derive(Debug, Clone)]
enum BodyKind {
    Bytes(Vec<u8>),
    Json(Value),
    JsonRpc(Value),
}

impl BodyKind {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Bytes(b) => b.clone(),
            Self::Json(v) | Self::JsonRpc(v) => serde_json::to_vec(v).unwrap(),
        }
    }
}

fn body() -> impl Strategy<Value = BodyKind> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..512).prop_map(BodyKind::Bytes),
        1 => json_value().prop_map(BodyKind::Json),
        3 => jsonrpc_message().prop_map(BodyKind::JsonRpc),
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(Some("application/json".to_owned())),
        1 => Just(None),
        1 => Just(Some("text/plain".to_owned())),
        1 => Just(Some("application/json; charset=utf-8".to_owned())),
        1 => "[ -~]{0,30}".prop_map(Some),
    ]
}

fn accept() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        8 => Just(Some("application/json, text/event-stream".to_owned())),
        1 => Just(None),
        1 => "[ -~]{0,30}".prop_map(Some),
    ]
}

/// Which session a POST /mcp carries.
#[derive(Debug, Clone)]
enum SessionPick {
    None,
    Real,
    Random(String),
}

fn session_pick() -> impl Strategy<Value = SessionPick> {
    prop_oneof![
        2 => Just(SessionPick::None),
        4 => Just(SessionPick::Real),
        1 => "[!-~]{1,40}".prop_map(SessionPick::Random),
    ]
}

// ---------------------------------------------------------------------------------------------
// The HTTP app in process

/// The demo app's router, built the way `serve` builds it (minus the listener).
async fn build_router(dir: &std::path::Path, yaml: &str) -> Router {
    // Calls are bounded well below ANSWER_TIMEOUT (a `slow` call with random millis waits for it).
    let yaml = format!("transport: http\nport: 0\nrequest_timeout_secs: 3\n{yaml}");
    let loaded = mcp_core::testing::load::<DemoApp>(dir, &yaml, &[], Vec::new()).unwrap();
    let config = loaded.config.clone();
    let prepared = mcp_core::run::prepare::<DemoApp>(&config).unwrap();
    let metrics = Arc::new(Metrics::new(DemoApp::NAME, DemoApp::VERSION));
    let build = BuildContext::new(DemoApp::NAME, DemoApp::VERSION, metrics.clone());
    let app = Arc::new(DemoApp::build(config.clone(), NoFlags {}, build).await.unwrap());
    let core = Arc::new(Core::new(app, config, prepared.surface, metrics, Caller::default(), CancellationToken::new()));
    mcp_core::transport::app(HttpState::new(core, prepared.auth, prepared.identity))
}

struct Http {
    rt: tokio::runtime::Runtime,
    router: Router,
    /// The `Mcp-Session-Id` of an initialized session (stateful mode).
    session: Option<String>,
    _dir: tempfile::TempDir,
}

impl Http {
    fn new(yaml: &str, stateful: bool) -> Self {
        let rt = runtime();
        let dir = tempfile::tempdir().unwrap();
        let router = rt.block_on(build_router(dir.path(), yaml));
        let mut http = Self { rt, router, session: None, _dir: dir };
        if stateful {
            http.session = Some(http.rt.block_on(http.initialize()));
        }
        http
    }

    async fn send(&self, request: Request<Body>) -> Result<Response<Body>, TestCaseError> {
        match tokio::time::timeout(ANSWER_TIMEOUT, self.router.clone().oneshot(request)).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => match e {},
            Err(_) => Err(TestCaseError::fail("no answer within 10 s")),
        }
    }

    /// Open a Streamable HTTP session: initialize, then notifications/initialized.
    async fn initialize(&self) -> String {
        let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}});
        let r = self
            .send(mcp_post("/mcp", init.to_string().into_bytes(), Some("application/json"), Some(ACCEPT), None))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let session = r.headers().get("mcp-session-id").unwrap().to_str().unwrap().to_owned();
        let done = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        let r = self
            .send(mcp_post(
                "/mcp",
                done.to_string().into_bytes(),
                Some("application/json"),
                Some(ACCEPT),
                Some(&session),
            ))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        session
    }
}

const ACCEPT: &str = "application/json, text/event-stream";

fn mcp_post(
    path: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
    accept: Option<&str>,
    session: Option<&str>,
) -> Request<Body> {
    let mut b = Request::post(path).header("host", "127.0.0.1");
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    if let Some(a) = accept {
        b = b.header("accept", a);
    }
    if let Some(s) = session {
        b = b.header("mcp-session-id", s).header("mcp-protocol-version", "2025-06-18");
    }
    b.body(Body::from(body)).unwrap()
}

/// A JSON-RPC error object: `{"jsonrpc":"2.0","id":<id|null>,"error":{"code":<int>,"message":<str>}}`.
fn is_jsonrpc_error(v: &Value) -> bool {
    v["jsonrpc"] == "2.0"
        && v.get("id").is_some_and(|id| id.is_null() || id.is_string() || id.is_i64() || id.is_u64())
        && v["error"]["code"].is_i64()
        && v["error"]["message"].is_string()
}

/// A JSON-RPC response: an error object, or `{"jsonrpc":"2.0","id":..,"result":..}`.
fn is_jsonrpc_response(v: &Value) -> bool {
    is_jsonrpc_error(v) || (v["jsonrpc"] == "2.0" && v.get("id").is_some() && v.get("result").is_some())
}

async fn read_body(response: Response<Body>) -> Result<bytes::Bytes, TestCaseError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, axum::body::to_bytes(response.into_body(), 4 << 20)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(e)) => Err(TestCaseError::fail(format!("reading the body: {e}"))),
        Err(_) => Err(TestCaseError::fail("body not complete within 10 s")),
    }
}

fn is_json_content(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The class every `/mcp` answer must be in: 2xx or 4xx, never 5xx; a 4xx body that is JSON is a
/// JSON-RPC error object; a 2xx JSON body is a JSON-RPC response (or a batch of them).
async fn check_mcp_answer(response: Response<Body>) -> Result<StatusCode, TestCaseError> {
    let status = response.status();
    prop_assert!(status.is_success() || status.is_client_error(), "status {status}");
    let json_content = is_json_content(&response);
    if status.is_client_error() {
        let bytes = read_body(response).await?;
        let parsed = serde_json::from_slice::<Value>(&bytes);
        if json_content || matches!(parsed, Ok(Value::Object(_) | Value::Array(_))) {
            let v =
                parsed.map_err(|e| TestCaseError::fail(format!("{status}: JSON content type, body not JSON: {e}")))?;
            prop_assert!(is_jsonrpc_error(&v), "{status} with a JSON body that is no JSON-RPC error: {v}");
        }
    } else if json_content {
        let bytes = read_body(response).await?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{status}: JSON content type, body not JSON: {e}")))?;
        let ok = match &v {
            Value::Array(items) => items.iter().all(is_jsonrpc_response),
            other => is_jsonrpc_response(other),
        };
        prop_assert!(ok, "{status} with a JSON body that is no JSON-RPC response: {v}");
    }
    Ok(status)
}

fn http_property(name: &str, http: &Http) {
    check(name, (body(), content_type(), accept(), session_pick()), |(body, ct, accept, pick)| {
        let session = match &pick {
            SessionPick::None => None,
            SessionPick::Real => http.session.clone(),
            SessionPick::Random(s) => Some(s.clone()),
        };
        let request = mcp_post("/mcp", body.bytes(), ct.as_deref(), accept.as_deref(), session.as_deref());
        http.rt.block_on(async {
            let response = http.send(request).await?;
            check_mcp_answer(response).await.map(drop)
        })
    });
}

#[test]
fn http_mcp_post_stateful() {
    let http = Http::new("", true);
    http_property("http_mcp_post_stateful", &http);
    // The session survived everything it was sent.
    let ping = json!({"jsonrpc":"2.0","id":"probe","method":"ping"});
    let status = http.rt.block_on(async {
        let r = http
            .send(mcp_post(
                "/mcp",
                ping.to_string().into_bytes(),
                Some("application/json"),
                Some(ACCEPT),
                http.session.as_deref(),
            ))
            .await
            .unwrap();
        r.status()
    });
    assert_eq!(status, StatusCode::OK, "the fuzzed session still answers a ping");
}

#[test]
fn http_mcp_post_stateless() {
    let http = Http::new("stateless: true\n", false);
    http_property("http_mcp_post_stateless", &http);
}

/// `POST /mcp/call-tool` (the compat shim): 200 with a tool result, or 400 (body), 403 (policy),
/// 404 (unknown tool), 413, each a JSON `{"error": string, "isError": true}`; never 5xx.
#[test]
fn http_compat_call_tool() {
    let http = Http::new("", false);
    let call = (
        prop::option::weighted(0.9, prop_oneof![prop::sample::select(TOOLS).prop_map(String::from), ".{0,12}"]),
        params(),
    )
        .prop_map(|(name, params)| {
            let mut m = serde_json::Map::new();
            if let Some(n) = name {
                m.insert("name".into(), Value::String(n));
            }
            if let Some(a) = params.get("arguments") {
                m.insert("arguments".into(), a.clone());
            }
            BodyKind::JsonRpc(Value::Object(m))
        });
    let body = prop_oneof![1 => body(), 3 => call];
    check("http_compat_call_tool", body, |body| {
        let request = mcp_post("/mcp/call-tool", body.bytes(), Some("application/json"), None, None);
        http.rt.block_on(async {
            let response = http.send(request).await?;
            let status = response.status();
            prop_assert!(
                [200, 400, 403, 404, 413].contains(&status.as_u16()),
                "documented answers: 200, 400, 403, 404, 413; got {status}"
            );
            let v: Value = serde_json::from_slice(&read_body(response).await?)
                .map_err(|e| TestCaseError::fail(format!("{status}: body not JSON: {e}")))?;
            if status == StatusCode::OK {
                prop_assert!(v["content"].is_array(), "200 is a tool result: {v}");
            } else {
                prop_assert!(v["error"].is_string() && v["isError"] == true, "{status} body: {v}");
            }
            Ok(())
        })
    });
}

// ---------------------------------------------------------------------------------------------
// Legacy SSE: POST /messages

struct SseSession {
    http: Http,
    id: String,
    /// `data:` of every `message` event the session's stream delivered.
    events: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Value>>,
}

impl SseSession {
    fn open() -> Self {
        let http = Http::new("", false);
        let (id, events) = http.rt.block_on(async {
            let get = Request::get("/sse").header("host", "127.0.0.1").header("accept", "text/event-stream");
            let response = http.send(get.body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let mut stream = response.into_body().into_data_stream();
            let mut text = String::new();
            let id = loop {
                let chunk = tokio::time::timeout(ANSWER_TIMEOUT, stream.next()).await.unwrap().unwrap().unwrap();
                text.push_str(&String::from_utf8_lossy(&chunk));
                if let Some(pos) = text.find("sessionId=") {
                    let rest = &text[pos + "sessionId=".len()..];
                    if let Some(end) = rest.find(|c: char| c.is_whitespace()) {
                        break rest[..end].to_owned();
                    }
                }
            };
            // Drain the stream all along (a full channel would stall the session), forwarding
            // the messages.
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(async move {
                let mut buf = String::new();
                while let Some(Ok(chunk)) = stream.next().await {
                    buf.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buf.find("\n\n") {
                        let event: String = buf.drain(..end + 2).collect();
                        for line in event.lines() {
                            if let Some(data) = line.strip_prefix("data:")
                                && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                            {
                                let _ = tx.send(v);
                            }
                        }
                    }
                }
            });
            (id, rx)
        });
        let session = Self { http, id, events: tokio::sync::Mutex::new(events) };
        session.http.rt.block_on(async {
            let init = json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}});
            assert_eq!(session.post_messages(&session.id, init.to_string().into_bytes()).await.status(), StatusCode::ACCEPTED);
            session.wait_for("init").await;
            let done = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
            assert_eq!(session.post_messages(&session.id, done.to_string().into_bytes()).await.status(), StatusCode::ACCEPTED);
        });
        session
    }

    async fn post_messages(&self, session: &str, body: Vec<u8>) -> Response<Body> {
        let request = Request::post(format!("/messages?sessionId={session}"))
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        self.http.send(request).await.unwrap()
    }

    /// Wait for the response whose id is `id` on the session's event stream.
    async fn wait_for(&self, id: &str) -> Value {
        let mut events = self.events.lock().await;
        loop {
            let v = tokio::time::timeout(ANSWER_TIMEOUT, events.recv()).await.unwrap().unwrap();
            if v["id"] == id {
                return v;
            }
        }
    }
}

#[test]
fn sse_messages_post_with_a_real_session() {
    let session = SseSession::open();
    check("sse_messages_post_with_a_real_session", body(), |body| {
        let bytes = body.bytes();
        session.http.rt.block_on(async {
            let response = session.post_messages(&session.id, bytes.clone()).await;
            let status = response.status();
            let is_json = serde_json::from_slice::<Value>(&bytes).is_ok();
            prop_assert!(
                status != StatusCode::NOT_FOUND,
                "the session is gone (closed by this input or an earlier one)"
            );
            if status == StatusCode::ACCEPTED {
                prop_assert!(is_json, "202 for a body that is not JSON");
                return Ok(());
            }
            prop_assert_eq!(status, StatusCode::BAD_REQUEST, "documented answers: 202, or 400 with a JSON-RPC error");
            let v: Value = serde_json::from_slice(&read_body(response).await?)
                .map_err(|e| TestCaseError::fail(format!("400 body not JSON: {e}")))?;
            prop_assert!(is_jsonrpc_error(&v), "400 body is no JSON-RPC error: {}", v);
            let expected = if is_json { -32600 } else { -32700 };
            prop_assert_eq!(&v["error"]["code"], &json!(expected), "error code of {}", v);
            Ok(())
        })
    });
    // The session still answers after everything it was sent.
    session.http.rt.block_on(async {
        let ping = json!({"jsonrpc":"2.0","id":"probe-after-fuzz","method":"ping"});
        assert_eq!(
            session.post_messages(&session.id, ping.to_string().into_bytes()).await.status(),
            StatusCode::ACCEPTED
        );
        let answer = session.wait_for("probe-after-fuzz").await;
        assert!(answer.get("result").is_some(), "{answer}");
    });
}

#[test]
fn sse_messages_post_with_unknown_or_malformed_session() {
    let session = SseSession::open();
    // Raw query strings: names and values with broken percent-escapes, duplicates, no sessionId.
    let query = prop_oneof![
        "[0-9a-f]{0,40}".prop_map(|id| format!("sessionId={id}")),
        "[A-Za-z0-9%=&_.~-]{0,40}",
        "[A-Za-z0-9%_.~-]{0,20}".prop_map(|id| format!("session_id={id}&sessionId={id}")),
    ];
    check("sse_messages_post_with_unknown_or_malformed_session", (query, body()), |(query, body)| {
        prop_assume!(!query.contains(&session.id));
        let request = Request::post(format!("/messages?{query}"))
            .header("host", "127.0.0.1")
            .header("content-type", "application/json")
            .body(Body::from(body.bytes()))
            .unwrap();
        session.http.rt.block_on(async {
            let response = session.http.send(request).await?;
            let status = response.status();
            prop_assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "unknown session: 404, missing/malformed sessionId: 400; got {status}"
            );
            Ok(())
        })
    });
}

// ---------------------------------------------------------------------------------------------
// stdio: newline-delimited JSON-RPC over a pipe

/// One line written to the server's stdin (without its `\n`).
#[derive(Clone)]
enum Line {
    Bytes(Vec<u8>),
    Huge(u8, usize),
    Json(Value),
}

impl Debug for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({:?})", String::from_utf8_lossy(b)),
            Self::Huge(byte, n) => write!(f, "Huge({byte:#04x} x {n})"),
            Self::Json(v) => write!(f, "Json({v})"),
        }
    }
}

impl Line {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Bytes(b) => b.clone(),
            Self::Huge(byte, n) => vec![*byte; *n],
            Self::Json(v) => serde_json::to_vec(v).unwrap(),
        }
    }
}

/// Lines that are not JSON-RPC: invalid UTF-8, control bytes, empty, `\r`, huge.
fn garbage_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..200).prop_map(Line::Bytes),
        1 => Just(Line::Bytes(Vec::new())),
        1 => Just(Line::Bytes(b"\r".to_vec())),
        1 => Just(Line::Bytes(vec![0xef, 0xbb, 0xbf])),
        1 => (prop::sample::select(vec![b'a', b'{', b'[', b' ', 0xff]), 65_536usize..1_200_000).prop_map(|(b, n)| Line::Huge(b, n)),
    ]
}

fn any_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        2 => garbage_line(),
        1 => json_value().prop_map(Line::Json),
        3 => jsonrpc_message().prop_map(Line::Json),
    ]
}

#[test]
fn stdio_keeps_answering_after_random_lines() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let core = rt.block_on(mcp_core::testing::core::<DemoApp>(dir.path(), "", &[], NoFlags {}));
    let lines = (prop::collection::vec(garbage_line(), 0..4), prop::collection::vec(any_line(), 0..12));
    check("stdio_keeps_answering_after_random_lines", lines, |(before_init, after_init)| {
        rt.block_on(async {
            let (client, server) = tokio::io::duplex(64 * 1024);
            let (server_read, server_write) = tokio::io::split(server);
            let serving = tokio::spawn(mcp_core::transport::serve_io(core.clone(), (server_read, server_write)));
            let (client_read, mut client_write) = tokio::io::split(client);
            // Read every answer all along (the pipe is small: an unread answer would stall the server).
            let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel::<String>();
            let reader = tokio::spawn(async move {
                let mut lines = BufReader::new(client_read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let _ = tx.send(line);
                }
            });
            let init = json!({"jsonrpc":"2.0","id":"fuzz-init-\u{1f50d}","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}});
            let done = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
            let probe = json!({"jsonrpc":"2.0","id":"fuzz-probe-\u{1f50d}","method":"ping"});
            let mut input = Vec::new();
            for l in &before_init {
                input.extend(l.bytes());
                input.push(b'\n');
            }
            for v in [&init, &done] {
                input.extend(serde_json::to_vec(v).unwrap());
                input.push(b'\n');
            }
            for l in &after_init {
                input.extend(l.bytes());
                input.push(b'\n');
            }
            input.extend(serde_json::to_vec(&probe).unwrap());
            input.push(b'\n');
            let write = tokio::time::timeout(ANSWER_TIMEOUT, client_write.write_all(&input)).await;
            prop_assert!(matches!(write, Ok(Ok(()))), "the server stopped reading its input: {write:?}");
            let mut saw_init = false;
            loop {
                let next = tokio::time::timeout(ANSWER_TIMEOUT, answers.recv()).await;
                let Ok(Some(line)) = next else {
                    return Err(TestCaseError::fail(format!(
                        "no answer to the probe (initialize answered: {saw_init}); serve_io: {:?}",
                        serving.is_finished()
                    )));
                };
                let v: Value = serde_json::from_str(&line)
                    .map_err(|e| TestCaseError::fail(format!("the server wrote a line that is not JSON: {e}: {line}")))?;
                prop_assert_eq!(&v["jsonrpc"], "2.0", "not JSON-RPC: {}", line);
                if v["id"] == init["id"] {
                    prop_assert!(v.get("result").is_some(), "initialize failed: {}", line);
                    saw_init = true;
                }
                if v["id"] == probe["id"] {
                    prop_assert!(saw_init, "probe answered before initialize");
                    prop_assert!(v.get("result").is_some(), "the probe failed: {}", line);
                    break;
                }
            }
            // EOF on stdin ends the session cleanly (shutdown: the read half keeps the pipe open).
            prop_assert!(client_write.shutdown().await.is_ok());
            let ended = tokio::time::timeout(ANSWER_TIMEOUT, serving).await;
            reader.abort();
            prop_assert!(matches!(ended, Ok(Ok(Ok(())))), "serve_io after EOF: {ended:?}");
            Ok(())
        })
    });
}

// ---------------------------------------------------------------------------------------------
// Config: ${VAR} expansion and YAML

fn env(name: &str) -> Option<String> {
    match name {
        "HOST" => Some("example.org".into()),
        "EMPTY" => Some(String::new()),
        "DOLLAR" => Some("$${X}".into()),
        "PORT_1" => Some("8080".into()),
        _ => None,
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Strings made of the pieces expansion cares about, in any order.
fn dollar_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("$".to_owned()),
        Just("$$".to_owned()),
        Just("${".to_owned()),
        Just("}".to_owned()),
        Just(":-".to_owned()),
        prop::sample::select(vec!["HOST", "EMPTY", "DOLLAR", "PORT_1", "UNSET", "a-b", "é"]).prop_map(String::from),
        "[A-Za-z0-9_]{1,6}",
        ".{0,3}",
    ];
    prop::collection::vec(piece, 0..16).prop_map(|p| p.concat())
}

#[test]
fn expand_answers_ok_or_a_typed_error() {
    check("expand_answers_ok_or_a_typed_error", dollar_soup(), |input| {
        match expand(&input, &env) {
            Ok(out) => {
                if !input.contains('$') {
                    prop_assert_eq!(out, input);
                }
            }
            Err(ExpandError::Undefined(name)) => {
                prop_assert!(valid_name(&name), "Undefined names a valid name: {name:?}");
                prop_assert!(env(&name).is_none(), "Undefined for a set variable {name}");
                let needle = format!("${{{name}}}");
                prop_assert!(input.contains(&needle), "{needle} is in the input");
            }
            Err(ExpandError::Unterminated) => {
                let opens = input.contains("${");
                prop_assert!(opens, "Unterminated without an opening reference");
            }
            Err(ExpandError::BadName(name)) => {
                prop_assert!(!valid_name(&name), "BadName for a valid name {name:?}");
                let needle = format!("${{{name}");
                prop_assert!(input.contains(&needle), "{needle} is in the input");
            }
        }
        Ok(())
    });
}

#[test]
fn expand_is_the_identity_without_dollars() {
    check("expand_is_the_identity_without_dollars", "[^$]{0,64}", |input| {
        prop_assert_eq!(expand(&input, &env), Ok(input));
        Ok(())
    });
}

#[test]
fn expand_of_escaped_text_is_the_text() {
    // `$$` escapes a literal `$`: doubling every `$` of any text gives the text back.
    check("expand_of_escaped_text_is_the_text", any::<String>(), |text| {
        prop_assert_eq!(expand(&text.replace('$', "$$"), &env), Ok(text));
        Ok(())
    });
}

/// A piece of a well-formed template and what it expands to.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Escape,
    Var(&'static str),
    Default(&'static str, String),
}

#[test]
fn expand_matches_a_model_on_well_formed_templates() {
    let piece = prop_oneof![
        "[^$]{1,8}".prop_map(Piece::Text),
        Just(Piece::Escape),
        prop::sample::select(vec!["HOST", "EMPTY", "DOLLAR", "PORT_1"]).prop_map(Piece::Var),
        (prop::sample::select(vec!["HOST", "EMPTY", "UNSET", "DOLLAR"]), "[^}]{0,8}")
            .prop_map(|(n, d)| Piece::Default(n, d)),
    ];
    check("expand_matches_a_model_on_well_formed_templates", prop::collection::vec(piece, 0..10), |pieces| {
        let mut input = String::new();
        let mut expected = String::new();
        for p in &pieces {
            match p {
                Piece::Text(t) => {
                    input.push_str(t);
                    expected.push_str(t);
                }
                Piece::Escape => {
                    input.push_str("$$");
                    expected.push('$');
                }
                Piece::Var(n) => {
                    input.push_str(&format!("${{{n}}}"));
                    expected.push_str(&env(n).unwrap());
                }
                Piece::Default(n, d) => {
                    input.push_str(&format!("${{{n}:-{d}}}"));
                    expected.push_str(&env(n).filter(|v| !v.is_empty()).unwrap_or_else(|| d.clone()));
                }
            }
        }
        prop_assert_eq!(expand(&input, &env), Ok(expected), "input {:?}", input);
        Ok(())
    });
}

/// YAML: arbitrary text, or lines of known keys with random scalars and `${VAR}` references.
fn yaml_text() -> impl Strategy<Value = String> {
    let keys = prop::sample::select(vec![
        "transport",
        "host",
        "port",
        "server_port",
        "auth",
        "log_level",
        "log_format",
        "stateless",
        "body_limit_bytes",
        "request_timeout_secs",
        "max_sse_sessions",
        "read_only",
        "allowed_hosts",
        "public_url",
        "demo",
        "nope",
    ]);
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..70_000).prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "true",
            "no",
            "~",
            "null",
            "http",
            "stdio",
            "sse",
            "streamable-http",
            "bearer",
            "oauth",
            "[]",
            "{}",
            "[a, b]",
            "{greeting: hi}",
            "'${HOST}'",
            "${UNSET}",
            "${PORT:-8080}",
            "${",
            "\"\\u0000\"",
            "&a",
            "*a",
            "!!binary aGk=",
            "|\n  x",
        ])
        .prop_map(String::from),
        "[ -~]{0,12}",
    ];
    let line = (keys, scalar).prop_map(|(k, v)| format!("{k}: {v}"));
    prop_oneof![
        3 => prop::collection::vec(line, 0..6).prop_map(|l| l.join("\n")),
        1 => "(.|\n){0,80}",
        1 => (prop::sample::select(vec!["demo", "tools", "identity", "oauth"]), "[ -~]{0,12}", "[ -~]{0,12}")
            .prop_map(|(s, k, v)| format!("{s}:\n  {k}: {v}\n")),
    ]
}

#[test]
fn yaml_config_loads_or_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    check("yaml_config_loads_or_is_a_config_error", yaml_text(), |yaml| {
        match mcp_core::testing::load::<DemoApp>(dir.path(), &yaml, &[("HOST", "h")], Vec::new()) {
            Ok(loaded) => {
                // What loads is valid: the port is the file's when it names one.
                if let Some(port) = yaml.lines().find_map(|l| l.strip_prefix("port: ")?.parse::<u16>().ok())
                    && yaml.lines().filter(|l| l.starts_with("port:") || l.starts_with("server_port:")).count() == 1
                {
                    prop_assert_eq!(loaded.config.core.port, port);
                }
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty(), "a ConfigError says what is wrong"),
        }
        Ok(())
    });
}

#[test]
fn yaml_valid_port_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    check("yaml_valid_port_round_trips", 1u16..=u16::MAX, |port| {
        let loaded = mcp_core::testing::load::<DemoApp>(dir.path(), &format!("port: {port}\n"), &[], Vec::new());
        prop_assert_eq!(loaded.map(|l| l.config.core.port).map_err(|e| e.to_string()), Ok(port));
        Ok(())
    });
}
