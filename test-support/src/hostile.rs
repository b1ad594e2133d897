//! A hostile-input suite shared by every server binary: a list of cases ([`core_cases`],
//! [`stdio_cases`]) that each name the exact answer expected, and runners that send them over
//! Streamable HTTP, legacy SSE, raw TCP ([`Target::run`]) or stdio ([`run_stdio`]) and check
//! after every case that the server is still healthy (`/health` 200 and a valid call answers).
//!
//! Per-server suites add their own domain cases ([`Case::call`]) and expected results.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::mcp_http::{McpHttp, PROTOCOL_VERSION, Reply, SseSession, client, first_text, sse_data};

/// What a case sends.
#[derive(Debug, Clone)]
pub enum Send {
    /// POST `body` to `/mcp` inside the runner's initialized session (auth, session id and the
    /// usual MCP headers added, except those named in `drop`), plus `headers` (appended, so a
    /// name given twice is sent twice).
    Mcp {
        /// Raw body bytes.
        body: Vec<u8>,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Default header names left out (`authorization`, `accept`, `mcp-session-id`, ...).
        drop: Vec<String>,
    },
    /// POST `body` to the runner's SSE session endpoint (`/messages?sessionId=`); when the POST
    /// is accepted (202) and `reply_id` is set, the answer with that id is read off the stream.
    Sse {
        /// Raw body bytes.
        body: Vec<u8>,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The JSON-RPC id of the answer to wait for.
        reply_id: Option<Value>,
    },
    /// Any method and path on the server, with the runner's auth headers unless `anonymous`.
    Http {
        /// HTTP method.
        method: String,
        /// Path and query.
        path: String,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Raw body bytes.
        body: Vec<u8>,
        /// Leave the runner's auth headers out.
        anonymous: bool,
    },
    /// Raw bytes on a fresh TCP connection (`{auth}` in them is replaced by the runner's first auth
    /// header line); with `trickle`, the last `trickle.1` bytes go one by one, `trickle.0` apart.
    Raw {
        /// The bytes.
        bytes: Vec<u8>,
        /// (pause, how many trailing bytes) to trickle.
        trickle: Option<(Duration, usize)>,
    },
    /// A scenario that needs more than one request.
    Scenario(Scenario),
}

/// Multi-request cases.
#[derive(Debug, Clone)]
pub enum Scenario {
    /// Another credential presents the runner's Streamable session id: tools/list, tools/call,
    /// GET stream and DELETE must all be refused with 404.
    HijackStreamable,
    /// Another credential POSTs into the runner's SSE session: 404.
    HijackSse,
    /// Two concurrent calls share one JSON-RPC id in one session: each answer that arrives is its
    /// own (never the other's), and a refused one is 400 / -32600.
    DuplicateIdsInFlight,
    /// Open a fresh Streamable session and DELETE it twice: 200 both times (today; the spec's 404
    /// for a terminated session is a known gap, see the unknown-session DELETE case), then the
    /// session is gone (a call in it is 404).
    DeleteTwice,
}

/// What the answer must be. Every field set is checked exactly.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// HTTP status (0: the server closes the connection without an answer).
    pub status: Option<u16>,
    /// A second status accepted instead of `status` (0 for an oversized head: the server may
    /// reset the connection before the client reads its 431).
    pub or_status: Option<u16>,
    /// JSON-RPC `error.code` of the answer.
    pub code: Option<i64>,
    /// A tools/call `result.isError`.
    pub is_error: Option<bool>,
    /// Texts the answer must contain.
    pub contains: Vec<String>,
    /// Texts the answer must not contain (echoed secrets, raw payloads).
    pub absent: Vec<String>,
}

impl Expect {
    /// Exactly this status.
    pub fn status(status: u16) -> Self {
        Self { status: Some(status), ..Self::default() }
    }
    /// This status and JSON-RPC error code.
    pub fn rpc(status: u16, code: i64) -> Self {
        Self { status: Some(status), code: Some(code), ..Self::default() }
    }
    /// A 200 tools/call result with this `isError`.
    pub fn tool(is_error: bool) -> Self {
        Self { status: Some(200), is_error: Some(is_error), ..Self::default() }
    }
    /// Accept `status` as well.
    pub fn or(mut self, status: u16) -> Self {
        self.or_status = Some(status);
        self
    }
    /// The answer must also contain `text`.
    pub fn containing(mut self, text: &str) -> Self {
        self.contains.push(text.to_owned());
        self
    }
    /// The answer must not contain `text`.
    pub fn without(mut self, text: &str) -> Self {
        self.absent.push(text.to_owned());
        self
    }
}

/// One hostile case: a name, what to send and the exact answer.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique, self-explaining name (shown on failure).
    pub name: String,
    /// What to send.
    pub send: Send,
    /// What must come back.
    pub expect: Expect,
    /// `Some(reason)`: a known bug; the case is reported but not failed by [`Target::run`].
    pub known_bug: Option<String>,
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
}

impl Case {
    /// A case POSTing `body` into the Streamable session.
    pub fn mcp(name: &str, body: impl Into<Vec<u8>>, expect: Expect) -> Self {
        Self::new(name, Send::Mcp { body: body.into(), headers: vec![], drop: vec![] }, expect)
    }
    /// Like [`Case::mcp`] with extra headers and default headers dropped.
    pub fn mcp_with(
        name: &str,
        body: impl Into<Vec<u8>>,
        headers: &[(&str, &str)],
        drop: &[&str],
        expect: Expect,
    ) -> Self {
        let drop = drop.iter().map(|d| (*d).to_owned()).collect();
        Self::new(name, Send::Mcp { body: body.into(), headers: h(headers), drop }, expect)
    }
    /// A `tools/call` of `tool` with `arguments` (id 900) in the Streamable session.
    pub fn call(name: &str, tool: &str, arguments: Value, expect: Expect) -> Self {
        Self::call_with(name, tool, arguments, &[], expect)
    }
    /// Like [`Case::call`] with extra headers.
    pub fn call_with(name: &str, tool: &str, arguments: Value, headers: &[(&str, &str)], expect: Expect) -> Self {
        let body = json!({"jsonrpc": "2.0", "id": 900, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}});
        Self::mcp_with(name, body.to_string(), headers, &[], expect)
    }
    /// A `tools/call` whose `arguments` are the raw JSON text `arguments` (numbers serde_json
    /// cannot hold, such as `1e309`).
    pub fn call_text(name: &str, tool: &str, arguments: &str, expect: Expect) -> Self {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":900,"method":"tools/call","params":{{"name":{},"arguments":{arguments}}}}}"#,
            Value::from(tool)
        );
        Self::mcp(name, body, expect)
    }
    /// A case POSTing `body` into the SSE session, waiting for the answer with `reply_id`.
    pub fn sse(name: &str, body: impl Into<Vec<u8>>, reply_id: Option<Value>, expect: Expect) -> Self {
        Self::new(name, Send::Sse { body: body.into(), headers: vec![], reply_id }, expect)
    }
    /// Any HTTP request.
    pub fn http(name: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8], expect: Expect) -> Self {
        let send = Send::Http {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: h(headers),
            body: body.to_vec(),
            anonymous: false,
        };
        Self::new(name, send, expect)
    }
    /// Raw bytes on TCP.
    pub fn raw(name: &str, bytes: impl Into<Vec<u8>>, expect: Expect) -> Self {
        Self::new(name, Send::Raw { bytes: bytes.into(), trickle: None }, expect)
    }
    /// A scenario.
    pub fn scenario(name: &str, scenario: Scenario) -> Self {
        Self::new(name, Send::Scenario(scenario), Expect::default())
    }
    /// Any case.
    pub fn new(name: &str, send: Send, expect: Expect) -> Self {
        Self { name: name.to_owned(), send, expect, known_bug: None }
    }
    /// Mark as a known bug (the runner reports it, and fails if it starts passing).
    pub fn known_bug(mut self, reason: &str) -> Self {
        self.known_bug = Some(reason.to_owned());
        self
    }
}

fn rpc(id: Value, method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

fn nested(depth: usize) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"x":{}{}}}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// The transport-level cases every server shares (Streamable HTTP, SSE, raw TCP). `body_limit`
/// is the server's `body_limit_bytes`; `tool`/`args` a valid call; the server must run with a
/// body read timeout of 1 s (`MCP_BODY_READ_TIMEOUT_SECS=1`) and a header read timeout of 1 s.
pub fn core_cases(body_limit: usize, tool: &str, args: &Value) -> Vec<Case> {
    let ok_call = rpc(json!(901), "tools/call", json!({"name": tool, "arguments": args}));
    let big =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{{"pad":"{}"}}}}"#, "x".repeat(body_limit));
    let mut cases = vec![
        // Malformed JSON-RPC framing.
        Case::mcp("not json", "{not json", Expect::rpc(400, -32700)),
        Case::mcp("empty body", "", Expect::rpc(400, -32700)),
        Case::mcp("truncated object", r#"{"jsonrpc":"2.0","id":1,"method":"#, Expect::rpc(400, -32700)),
        Case::mcp("json null", "null", Expect::rpc(400, -32600)),
        Case::mcp("json string", r#""tools/list""#, Expect::rpc(400, -32600)),
        Case::mcp("json number", "42", Expect::rpc(400, -32600)),
        Case::mcp("empty object", "{}", Expect::rpc(400, -32600)),
        Case::mcp("empty batch", "[]", Expect::rpc(400, -32600)),
        Case::mcp("batch of numbers", "[1,2]", Expect::rpc(400, -32600)),
        Case::mcp(
            "batch of two valid requests",
            format!("[{},{}]", rpc(json!(11), "tools/list", json!({})), rpc(json!(12), "ping", json!({}))),
            Expect::rpc(400, -32600),
        ),
        Case::mcp("request without method", r#"{"jsonrpc":"2.0","id":5,"params":{}}"#, Expect::rpc(400, -32600)),
        Case::mcp("method is a number", r#"{"jsonrpc":"2.0","id":5,"method":3}"#, Expect::rpc(400, -32600)),
        Case::mcp("jsonrpc 1.0", r#"{"jsonrpc":"1.0","id":5,"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("jsonrpc missing", r#"{"id":5,"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("id is an object", r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("id is an array", r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("id is a bool", r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("id is a float", r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, Expect::rpc(400, -32600)),
        Case::mcp("id is 1e400", r#"{"jsonrpc":"2.0","id":1e400,"method":"ping"}"#, Expect::rpc(400, -32700)),
        Case::mcp("id is a long string", rpc(json!("i".repeat(4000)), "ping", json!({})), Expect::status(200)),
        Case::mcp("id is a negative number", rpc(json!(-7), "ping", json!({})), Expect::status(200)),
        Case::mcp(
            "response object sent to the server",
            r#"{"jsonrpc":"2.0","id":77,"result":{}}"#,
            Expect::status(202),
        ),
        Case::mcp("unknown method", rpc(json!(13), "tools/destroy", json!({})), Expect::rpc(200, -32601)),
        Case::mcp("unknown notification", r#"{"jsonrpc":"2.0","method":"notifications/nope"}"#, Expect::status(202)),
        Case::mcp("params is an array", rpc(json!(14), "tools/list", json!([1, 2])), Expect::rpc(400, -32600)),
        Case::mcp(
            "tools/call without name",
            rpc(json!(15), "tools/call", json!({"arguments": {}})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "tools/call without params",
            r#"{"jsonrpc":"2.0","id":16,"method":"tools/call"}"#,
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "tools/call name null",
            rpc(json!(17), "tools/call", json!({"name": null})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "tools/call name is a number",
            rpc(json!(18), "tools/call", json!({"name": 42})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "unknown tool",
            rpc(json!(19), "tools/call", json!({"name": "rm_rf", "arguments": {}})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "unknown tool with a newline and a forged field",
            rpc(json!(20), "tools/call", json!({"name": "x\nrole=ADMIN", "arguments": {}})),
            Expect::rpc(200, -32602).without("x\nrole"),
        ),
        Case::mcp(
            "arguments is an array",
            rpc(json!(21), "tools/call", json!({"name": tool, "arguments": [1]})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp(
            "arguments is a string",
            rpc(json!(22), "tools/call", json!({"name": tool, "arguments": "{}"})),
            Expect::rpc(200, -32602),
        ),
        Case::mcp("nested 100 deep", nested(100), Expect::status(200)),
        Case::mcp("nested 200 deep (past serde's limit)", nested(200), Expect::rpc(400, -32700)),
        Case::mcp("nested 100000 deep", nested(100_000).into_bytes(), Expect::status(413)),
        Case::mcp("body one byte over the limit", big.clone(), Expect::status(413)),
        Case::mcp(
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}".to_vec(),
            Expect::rpc(400, -32700),
        ),
        Case::mcp("NUL bytes in a string", rpc(json!(23), "tools/destroy\u{0}", json!({})), Expect::rpc(200, -32601)),
        // Headers.
        Case::mcp_with(
            "content-type text/plain",
            ok_call.clone(),
            &[("content-type", "text/plain")],
            &["content-type"],
            Expect::status(415),
        ),
        Case::mcp_with("no content-type", ok_call.clone(), &[], &["content-type"], Expect::status(415)),
        Case::mcp_with(
            "accept json only",
            ok_call.clone(),
            &[("accept", "application/json")],
            &["accept"],
            Expect::status(406),
        ),
        Case::mcp_with("no accept", ok_call.clone(), &[], &["accept"], Expect::status(406)),
        Case::mcp_with(
            "unknown protocol version",
            ok_call.clone(),
            &[("mcp-protocol-version", "1999-01-01")],
            &["mcp-protocol-version"],
            Expect::status(400),
        ),
        Case::mcp_with(
            "unknown session id",
            ok_call.clone(),
            &[("mcp-session-id", "no-such-session")],
            &["mcp-session-id"],
            Expect::status(404),
        ),
        // The first value is the caller's own session (ownership is still checked): served.
        Case::mcp_with(
            "two session ids, the first one mine",
            ok_call.clone(),
            &[("mcp-session-id", "no-such-session")],
            &[],
            Expect::tool(false),
        ),
        Case::mcp_with(
            "session id with spaces and quotes",
            ok_call.clone(),
            &[("mcp-session-id", "a b\"c")],
            &["mcp-session-id"],
            Expect::status(404),
        ),
        Case::mcp_with("call without a session id", ok_call.clone(), &[], &["mcp-session-id"], Expect::status(400)),
        Case::mcp_with("no authorization", ok_call.clone(), &[], &["authorization"], Expect::status(401)),
        Case::mcp_with(
            "wrong bearer key",
            ok_call.clone(),
            &[("authorization", "Bearer not-the-key")],
            &["authorization"],
            Expect::status(401).without("not-the-key"),
        ),
        Case::mcp_with(
            "empty bearer",
            ok_call.clone(),
            &[("authorization", "Bearer ")],
            &["authorization"],
            Expect::status(401),
        ),
        Case::mcp_with(
            "basic auth scheme",
            ok_call.clone(),
            &[("authorization", "Basic dXNlcjpwYXNz")],
            &["authorization"],
            Expect::status(401),
        ),
        Case::mcp_with(
            "placeholder bearer",
            ok_call.clone(),
            &[("authorization", "Bearer {{MCP_API_KEY}}")],
            &["authorization"],
            Expect::status(401),
        ),
        Case::mcp_with(
            "origin from another site",
            ok_call.clone(),
            &[("origin", "http://evil.example")],
            &[],
            Expect::status(403),
        ),
        Case::mcp_with("origin null", ok_call.clone(), &[("origin", "null")], &[], Expect::status(403)),
        Case::mcp_with(
            "origin lookalike of loopback",
            ok_call.clone(),
            &[("origin", "http://127.0.0.1.evil.example")],
            &[],
            Expect::status(403),
        ),
        Case::raw(
            "1 MiB header value",
            format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n", "p".repeat(1 << 20)),
            Expect::status(431).or(0),
        ),
        Case::mcp_with(
            "a valid call with a CRLF-free odd user agent",
            ok_call.clone(),
            &[("user-agent", "() { :; }; /bin/sh")],
            &[],
            Expect::status(200),
        ),
        // Other methods and paths.
        Case::http("PUT /mcp", "PUT", "/mcp", &[], b"{}", Expect::status(405)),
        Case::http("PATCH /mcp", "PATCH", "/mcp", &[], b"{}", Expect::status(405)),
        Case::http("GET an unknown path", "GET", "/../../etc/passwd", &[], b"", Expect::status(404)),
        Case::http("GET an encoded traversal", "GET", "/%2e%2e/%2e%2e/etc/passwd", &[], b"", Expect::status(404)),
        Case::http("GET /mcp without accept", "GET", "/mcp", &[], b"", Expect::status(406)),
        Case::http(
            "DELETE /mcp of an unknown session",
            "DELETE",
            "/mcp",
            &[("mcp-session-id", "nope")],
            b"",
            Expect::status(404),
        ),
        Case::http(
            "POST /messages for an unknown session",
            "POST",
            "/messages?sessionId=nope",
            &[("content-type", "application/json")],
            ok_call.as_bytes(),
            Expect::status(404),
        ),
        Case::http(
            "POST /messages without sessionId",
            "POST",
            "/messages",
            &[("content-type", "application/json")],
            ok_call.as_bytes(),
            Expect::status(400),
        ),
        Case::http("GET /health with a body", "GET", "/health", &[], b"garbage", Expect::status(200)),
        // Legacy SSE.
        Case::sse("sse: not json", "{not json", None, Expect::rpc(400, -32700)),
        Case::sse("sse: no method", r#"{"jsonrpc":"2.0","id":3}"#, None, Expect::rpc(400, -32600)),
        Case::sse("sse: batch", "[1,2]", None, Expect::rpc(400, -32600)),
        Case::sse(
            "sse: id is an object",
            r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
            None,
            Expect::rpc(400, -32600),
        ),
        Case::sse(
            "sse: tools/call without name",
            rpc(json!(31), "tools/call", json!({})),
            Some(json!(31)),
            Expect::rpc(202, -32602),
        ),
        Case::sse(
            "sse: unknown tool",
            rpc(json!(32), "tools/call", json!({"name": "nope"})),
            Some(json!(32)),
            Expect::rpc(202, -32602),
        ),
        Case::sse(
            "sse: unknown method",
            rpc(json!(33), "nope/nope", json!({})),
            Some(json!(33)),
            Expect::rpc(202, -32601),
        ),
        Case::sse("sse: body over the limit", big, None, Expect::status(413)),
        Case::sse("sse: nested 200 deep", nested(200), None, Expect::rpc(400, -32700)),
        Case::sse(
            "sse: valid call",
            ok_call.clone(),
            Some(json!(901)),
            Expect { status: Some(202), is_error: Some(false), ..Expect::default() },
        ),
        // Raw TCP.
        Case::raw(
            "chunk size not hex",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            Expect::status(400),
        ),
        Case::raw(
            "chunk size overflowing u64",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n\
             fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
            Expect::status(400),
        ),
        Case::raw(
            "chunked body larger than the limit",
            format!(
                "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{{auth}}Content-Type: application/json\r\n\
                 Accept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
                body_limit + 10,
                "x".repeat(body_limit + 10)
            ),
            Expect::status(413),
        ),
        Case::raw(
            "chunked into /messages, malformed",
            "POST /messages?sessionId=x HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n\r\n-1\r\n{}\r\n0\r\n\r\n",
            Expect::status(400),
        ),
        Case::raw(
            "content-length and transfer-encoding together",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            Expect::status(400),
        ),
        Case::raw(
            "two different content-lengths",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            Expect::status(400),
        ),
        Case::raw("garbage request line", "HELLO THERE\r\n\r\n", Expect::status(400)),
        // /health is public (probes); the guard covers /mcp, /sse and /messages.
        Case::raw(
            "host of another site on /health",
            "GET /health HTTP/1.1\r\nHost: evil.example\r\n\r\n",
            Expect::status(200),
        ),
        Case::raw(
            "host of another site on /mcp",
            "POST /mcp HTTP/1.1\r\nHost: evil.example\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: 2\r\n\r\n{}",
            Expect::status(403),
        ),
        Case::raw(
            "host of another site on /sse",
            "GET /sse HTTP/1.1\r\nHost: evil.example\r\n{auth}Accept: text/event-stream\r\n\r\n",
            Expect::status(403),
        ),
        Case::raw(
            "host that only starts like loopback",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: 2\r\n\r\n{}",
            Expect::status(403),
        ),
        Case::raw(
            "two host headers",
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: 2\r\n\r\n{}",
            Expect::status(400),
        ),
        Case::raw(
            "no host header on /mcp",
            "POST /mcp HTTP/1.1\r\n{auth}Content-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\nContent-Length: 2\r\n\r\n{}",
            Expect::status(403),
        ),
        Case::new(
            "body trickled one byte at a time",
            Send::Raw {
                bytes: "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n\
                        Accept: application/json, text/event-stream\r\nContent-Length: 100\r\n\r\n{                    "
                    .into(),
                trickle: Some((Duration::from_millis(150), 20)),
            },
            Expect::status(408),
        ),
        Case::new(
            "headers trickled one byte at a time",
            Send::Raw {
                bytes: "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa".into(),
                trickle: Some((Duration::from_millis(150), 20)),
            },
            Expect::status(0),
        ),
        // Sessions.
        Case::scenario("another credential in my Streamable session", Scenario::HijackStreamable),
        Case::scenario("another credential in my SSE session", Scenario::HijackSse),
        Case::scenario("duplicate request ids in flight", Scenario::DuplicateIdsInFlight),
        Case::scenario("session deleted twice", Scenario::DeleteTwice),
    ];
    cases.push(Case::mcp("the valid call itself", ok_call, Expect::tool(false)));
    cases
}

/// A server to attack over HTTP.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Headers of the main credential (e.g. `authorization: Bearer ...`), sent with every case.
    pub auth: Vec<(String, String)>,
    /// Headers of a second valid credential, for hijack attempts.
    pub other_auth: Vec<(String, String)>,
    /// A tool and arguments that must succeed (the health probe).
    pub tool: String,
    /// Its arguments.
    pub args: Value,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct Outcome {
    /// Case name.
    pub name: String,
    /// `Err`: what differed from the expectation.
    pub result: Result<(), String>,
    /// The case was marked as a known bug.
    pub known_bug: Option<String>,
}

impl Target {
    /// A target at `base` with a main and another credential.
    pub fn new(base: &str, auth: &[(&str, &str)], other_auth: &[(&str, &str)], tool: &str, args: Value) -> Self {
        Self { base: base.to_owned(), auth: h(auth), other_auth: h(other_auth), tool: tool.to_owned(), args }
    }

    fn auth_refs(&self) -> Vec<(&str, &str)> {
        self.auth.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
    }

    async fn session(&self, auth: &[(String, String)]) -> Result<McpHttp> {
        let mut c = McpHttp::new(&self.base);
        for (n, v) in auth {
            c = c.with_header(n, v);
        }
        c.initialize().await?;
        Ok(c)
    }

    /// `/health` is 200 and the valid call answers without `isError` in `session`.
    pub async fn healthy(&self, session: &mut McpHttp) -> Result<()> {
        let health = client().get(format!("{}/health", self.base)).send().await.context("GET /health")?;
        if health.status().as_u16() != 200 {
            bail!("/health answered {}", health.status());
        }
        let r = session.call_tool(&self.tool, self.args.clone()).await?;
        if r["isError"] == true {
            bail!("the valid call failed: {r}");
        }
        Ok(())
    }

    /// Run every case (each followed by a health check), then open a fresh session and call once
    /// more. Returns one outcome per case; see [`assert_outcomes`].
    pub async fn run(&self, cases: &[Case]) -> Result<Vec<Outcome>> {
        let mut main = self.session(&self.auth).await.context("opening the main session")?;
        let auth = self.auth_refs();
        let mut sse = SseSession::open(&self.base, &auth).await.context("opening the SSE session")?;
        sse.initialize().await?;
        let mut out = Vec::new();
        for case in cases {
            let checked = tokio::time::timeout(Duration::from_secs(20), self.one(case, &main, &mut sse))
                .await
                .unwrap_or_else(|_| Err(anyhow!("no answer within 20 s (a hang)")));
            let mut result = checked.map_err(|e| format!("{e:#}"));
            if let Err(e) = self.healthy(&mut main).await {
                result = Err(format!("unhealthy afterwards: {e:#}; case: {result:?}"));
                out.push(Outcome { name: case.name.clone(), result, known_bug: case.known_bug.clone() });
                // Later cases would all fail for the same reason.
                main = self.session(&self.auth).await.context("re-opening after an unhealthy case")?;
                continue;
            }
            out.push(Outcome { name: case.name.clone(), result, known_bug: case.known_bug.clone() });
        }
        let mut fresh = self.session(&self.auth).await.context("a fresh session at the end")?;
        self.healthy(&mut fresh).await.context("a fresh session at the end")?;
        Ok(out)
    }

    async fn one(&self, case: &Case, main: &McpHttp, sse: &mut SseSession) -> Result<()> {
        match &case.send {
            Send::Mcp { body, headers, drop } => {
                let reply = self.post_mcp(main, body, headers, drop).await?;
                check_reply(&reply, &case.expect)
            }
            Send::Http { method, path, headers, body, anonymous } => {
                let method = reqwest::Method::from_bytes(method.as_bytes())?;
                let mut req = client().request(method, format!("{}{path}", self.base));
                if !anonymous {
                    for (n, v) in &self.auth {
                        req = req.header(n, v);
                    }
                }
                for (n, v) in headers {
                    req = req.header(n, v);
                }
                let resp = req.body(body.clone()).send().await?;
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                // An SSE stream (GET /mcp) never ends: do not read its body.
                let text = if status == 200 && path == "/mcp" { String::new() } else { resp.text().await? };
                check_reply(&Reply { status, headers, text }, &case.expect)
            }
            Send::Sse { body, headers, reply_id } => {
                let mut req =
                    client().post(format!("{}{}", self.base, sse.endpoint)).header("content-type", "application/json");
                for (n, v) in self.auth.iter().chain(headers) {
                    req = req.header(n, v);
                }
                let resp = req.body(body.clone()).send().await?;
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let mut text = resp.text().await?;
                if let (202, Some(id)) = (status, reply_id) {
                    loop {
                        let (_, data) = sse.next_event().await?;
                        let v: Value = serde_json::from_str(&data)?;
                        if v.get("id") == Some(id) {
                            text = data;
                            break;
                        }
                    }
                }
                check_reply(&Reply { status, headers, text }, &case.expect)
            }
            Send::Raw { bytes, trickle } => {
                let auth = self.auth.first().map(|(n, v)| format!("{n}: {v}\r\n")).unwrap_or_default();
                let bytes = String::from_utf8_lossy(bytes).replace("{auth}", &auth).into_bytes();
                let status = raw_status(&self.base, &bytes, *trickle).await?;
                if case.expect.or_status == Some(status) {
                    return Ok(());
                }
                expect_eq("status", status, case.expect.status)
            }
            Send::Scenario(s) => self.scenario(s, main, sse).await,
        }
    }

    async fn post_mcp(
        &self,
        session: &McpHttp,
        body: &[u8],
        headers: &[(String, String)],
        drop: &[String],
    ) -> Result<Reply> {
        let dropped = |n: &str| drop.iter().any(|d| d.eq_ignore_ascii_case(n));
        let mut req = client().post(&session.url);
        let mut defaults: Vec<(String, String)> = vec![
            ("content-type".into(), "application/json".into()),
            ("accept".into(), "application/json, text/event-stream".into()),
            ("mcp-protocol-version".into(), PROTOCOL_VERSION.into()),
        ];
        if let Some(s) = &session.session {
            defaults.push(("mcp-session-id".into(), s.clone()));
        }
        defaults.extend(self.auth.iter().cloned());
        for (n, v) in defaults.iter().filter(|(n, _)| !dropped(n)).chain(headers) {
            req = req.header(n, v);
        }
        let resp = req.body(body.to_vec()).send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Ok(Reply { status, headers, text })
    }

    async fn scenario(&self, s: &Scenario, main: &McpHttp, sse: &mut SseSession) -> Result<()> {
        match s {
            Scenario::HijackStreamable => {
                let id = main.session.clone().ok_or_else(|| anyhow!("the main session has no id"))?;
                let mut intruder = McpHttp::new(&self.base);
                for (n, v) in &self.other_auth {
                    intruder = intruder.with_header(n, v);
                }
                intruder.session = Some(id.clone());
                let r = intruder.request("tools/list", json!({})).await?;
                expect_eq("tools/list status", r.status, Some(404))?;
                let r = intruder.request("tools/call", json!({"name": self.tool, "arguments": self.args})).await?;
                expect_eq("tools/call status", r.status, Some(404))?;
                for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
                    let mut req = client()
                        .request(method.clone(), format!("{}/mcp", self.base))
                        .header("accept", "text/event-stream")
                        .header("mcp-session-id", &id)
                        .header("mcp-protocol-version", PROTOCOL_VERSION);
                    for (n, v) in &self.other_auth {
                        req = req.header(n, v);
                    }
                    let status = req.send().await?.status().as_u16();
                    expect_eq(&format!("{method} status"), status, Some(404))?;
                }
                Ok(())
            }
            Scenario::HijackSse => {
                let mut req =
                    client().post(format!("{}{}", self.base, sse.endpoint)).header("content-type", "application/json");
                for (n, v) in &self.other_auth {
                    req = req.header(n, v);
                }
                let body = rpc(json!(41), "tools/call", json!({"name": self.tool, "arguments": self.args}));
                let status = req.body(body).send().await?.status().as_u16();
                expect_eq("status", status, Some(404))?;
                // The owner's session still works, and nothing of the intruder's reached it.
                let v = sse.request("tools/call", json!({"name": self.tool, "arguments": self.args}), &[]).await?;
                if v["result"]["isError"] == true || v.get("error").is_some() {
                    bail!("the owner's SSE call failed afterwards: {v}");
                }
                Ok(())
            }
            Scenario::DuplicateIdsInFlight => {
                let body = |text: &str| {
                    rpc(
                        json!(777),
                        "tools/call",
                        json!({"name": self.tool, "arguments": self.args, "_meta": {"tag": text}}),
                    )
                };
                let list = rpc(json!(777), "tools/list", json!({}));
                let calls = (0..4).map(|i| {
                    let b = if i % 2 == 0 { body("call") } else { list.clone() };
                    async move { (i, self.post_mcp(main, b.as_bytes(), &[], &[]).await) }
                });
                for (i, reply) in futures::future::join_all(calls).await {
                    let reply = reply?;
                    let v = reply.json()?;
                    if reply.status == 400 {
                        expect_eq("refused code", v["error"]["code"].as_i64(), Some(Some(-32600)))?;
                        continue;
                    }
                    expect_eq("status", reply.status, Some(200))?;
                    let is_list = v["result"].get("tools").is_some();
                    if is_list != (i % 2 == 1) {
                        bail!("request {i} got another request's answer: {v}");
                    }
                }
                Ok(())
            }
            Scenario::DeleteTwice => {
                let c = self.session(&self.auth).await?;
                let id = c.session.clone().ok_or_else(|| anyhow!("no session id"))?;
                // The first DELETE ends the session; the second finds nothing to end.
                for expected in [200, 404] {
                    let mut req = client()
                        .delete(format!("{}/mcp", self.base))
                        .header("mcp-session-id", &id)
                        .header("mcp-protocol-version", PROTOCOL_VERSION);
                    for (n, v) in &self.auth {
                        req = req.header(n, v);
                    }
                    expect_eq("DELETE status", req.send().await?.status().as_u16(), Some(expected))?;
                }
                let r = self.post_mcp(&c, rpc(json!(1), "tools/list", json!({})).as_bytes(), &[], &[]).await?;
                expect_eq("a call in the deleted session", r.status, Some(404))
            }
        }
    }
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: Option<T>) -> Result<()> {
    match want {
        Some(w) if w != got => bail!("{what}: expected {w:?}, got {got:?}"),
        _ => Ok(()),
    }
}

/// Check `reply` against `expect` (status, JSON-RPC code, isError, texts).
pub fn check_reply(reply: &Reply, expect: &Expect) -> Result<()> {
    let short: String = reply.text.chars().take(300).collect();
    expect_eq("status", reply.status, expect.status).map_err(|e| anyhow!("{e}; body: {short}"))?;
    if expect.code.is_some() || expect.is_error.is_some() {
        let v = reply.json().map_err(|e| anyhow!("{e}; status {}", reply.status))?;
        if let Some(code) = expect.code {
            expect_eq("error.code", v["error"]["code"].as_i64(), Some(Some(code)))
                .map_err(|e| anyhow!("{e}; {short}"))?;
        }
        if let Some(is_error) = expect.is_error {
            if v.get("error").is_some() {
                bail!("a JSON-RPC error instead of a tool result: {short}");
            }
            expect_eq("isError", v["result"]["isError"] == true, Some(is_error))
                .map_err(|e| anyhow!("{e}; {}", first_text(&v["result"]).chars().take(300).collect::<String>()))?;
        }
    }
    let all = format!("{}{}", reply.text, sse_data(&reply.text).join(""));
    for needle in &expect.contains {
        if !all.contains(needle) {
            bail!("`{needle}` missing from: {short}");
        }
    }
    for needle in &expect.absent {
        if all.contains(needle) {
            bail!("`{needle}` must not appear in: {short}");
        }
    }
    Ok(())
}

/// Send `bytes` on a fresh TCP connection to `base` and return the answer's status (0 when the
/// server closes without answering), within 10 s.
pub async fn raw_status(base: &str, bytes: &[u8], trickle: Option<(Duration, usize)>) -> Result<u16> {
    let addr = base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    let (head, tail) = match trickle {
        Some((_, n)) => bytes.split_at(bytes.len().saturating_sub(n)),
        None => (bytes, &[][..]),
    };
    // A server refusing an oversized head may close before reading all of it: read anyway.
    let _ = tcp.write_all(head).await;
    let (mut read, mut write) = tcp.split();
    let pause = trickle.map_or(Duration::ZERO, |(p, _)| p);
    let writing = async {
        for b in tail {
            tokio::time::sleep(pause).await;
            if write.write_all(&[*b]).await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let mut answer = Vec::new();
    let reading = async {
        let mut buf = [0u8; 4096];
        while let Ok(n) = read.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(buf.get(..n).unwrap_or_default());
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    tokio::select! {
        () = reading => {}
        () = writing => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => bail!("no answer and no close within 10 s"),
    }
    let text = String::from_utf8_lossy(&answer);
    if text.is_empty() {
        return Ok(0);
    }
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| anyhow!("not an HTTP answer: {text}"))
}

/// Panic with every failing case (known bugs listed, and failing the run if one now passes).
pub fn assert_outcomes(outcomes: &[Outcome]) {
    let mut failures = Vec::new();
    for o in outcomes {
        match (&o.result, &o.known_bug) {
            (Err(e), None) => failures.push(format!("- {}: {e}", o.name)),
            (Ok(()), Some(bug)) => failures.push(format!("- {}: passes now; drop its known bug mark ({bug})", o.name)),
            (Err(e), Some(bug)) => eprintln!("known bug ({bug}) in `{}`: {e}", o.name),
            (Ok(()), None) => {}
        }
    }
    eprintln!("{} hostile cases run, {} failing", outcomes.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// One stdio case: a line (sent as is, then `\n`) and the expected answer.
#[derive(Debug, Clone)]
pub struct StdioCase {
    /// Name.
    pub name: String,
    /// The bytes of the line.
    pub line: Vec<u8>,
    /// The id of the answer to wait for; `None` expects no answer at all (within 300 ms).
    pub reply_id: Option<Value>,
    /// Expected JSON-RPC error code (`None`: a result).
    pub code: Option<i64>,
    /// Expected `result.isError` of a tools/call.
    pub is_error: Option<bool>,
    /// `Some(reason)`: a known bug (reported, not failed; the answer is awaited 1 s only).
    pub known_bug: Option<String>,
}

impl StdioCase {
    fn new(name: &str, line: Vec<u8>, reply_id: Option<Value>, code: Option<i64>, is_error: Option<bool>) -> Self {
        Self { name: name.to_owned(), line, reply_id, code, is_error, known_bug: None }
    }
    /// A line expecting a JSON-RPC error `code` with `id`.
    pub fn error(name: &str, line: impl Into<Vec<u8>>, id: Value, code: i64) -> Self {
        Self::new(name, line.into(), Some(id), Some(code), None)
    }
    /// A tools/call line expecting a result with `is_error`.
    pub fn call(name: &str, tool: &str, args: Value, is_error: bool) -> Self {
        let line = rpc(json!(950), "tools/call", json!({"name": tool, "arguments": args}));
        Self::new(name, line.into(), Some(json!(950)), None, Some(is_error))
    }
    /// A line expecting no answer.
    pub fn silent(name: &str, line: impl Into<Vec<u8>>) -> Self {
        Self::new(name, line.into(), None, None, None)
    }
    /// Mark as a known bug.
    pub fn known_bug(mut self, reason: &str) -> Self {
        self.known_bug = Some(reason.to_owned());
        self
    }
}

/// Framing cases for stdio; `line_limit` is the server's `body_limit_bytes`.
pub fn stdio_cases(line_limit: usize) -> Vec<StdioCase> {
    vec![
        StdioCase::error("not json", "{not json", Value::Null, -32700),
        StdioCase::error("no method", r#"{"jsonrpc":"2.0","id":3}"#, json!(3), -32600),
        StdioCase::error("method is a number", r#"{"jsonrpc":"2.0","id":4,"method":7}"#, json!(4), -32600),
        StdioCase::error("batch of numbers", "[1,2]", Value::Null, -32600),
        StdioCase::error("jsonrpc 1.0", r#"{"jsonrpc":"1.0","id":5,"method":"ping"}"#, json!(5), -32600),
        StdioCase::error("unknown method", rpc(json!(6), "nope/nope", json!({})), json!(6), -32601),
        StdioCase::error("tools/call without name", rpc(json!(7), "tools/call", json!({})), json!(7), -32602),
        StdioCase::error("unknown tool", rpc(json!(8), "tools/call", json!({"name": "nope"})), json!(8), -32602),
        StdioCase::error("params is an array", rpc(json!(9), "tools/list", json!([1])), json!(9), -32600),
        StdioCase::error(
            "line over the limit",
            rpc(json!(10), "tools/list", json!({"pad": "x".repeat(line_limit)})),
            Value::Null,
            -32600,
        ),
        StdioCase::error("nested 200 deep", nested(200), Value::Null, -32700),
        StdioCase::error(
            "invalid UTF-8",
            b"{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"\xff\"}".to_vec(),
            Value::Null,
            -32700,
        ),
        StdioCase::silent("blank line", ""),
        StdioCase::silent("whitespace line", "   \t "),
        StdioCase::silent("unknown notification", r#"{"jsonrpc":"2.0","method":"notifications/nope"}"#),
        StdioCase::silent("a response object", r#"{"jsonrpc":"2.0","id":99,"result":{}}"#),
    ]
}

/// Run `cases` against a stdio server started by `command` (stdin/stdout piped, stderr
/// discarded): initialize, then each case followed by `tool(args)`, which must succeed. Returns
/// one outcome per case.
pub fn run_stdio(mut command: Command, cases: &[StdioCase], tool: &str, args: &Value) -> Result<Vec<Outcome>> {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut guard =
        crate::process::ChildGuard::new(command.spawn().context("spawning the stdio server")?, "stdio server");
    let mut stdin = guard.child_mut().stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
    let stdout = guard.child_mut().stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |want: &Value, within: Duration| -> Result<Option<Value>> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let v: Value =
                        serde_json::from_str(&line).map_err(|e| anyhow!("stdout is not JSON ({e}): {line}"))?;
                    if &v["id"] == want {
                        return Ok(Some(v));
                    }
                    if want.is_null() {
                        return Ok(Some(v));
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the server closed stdout (exited?)"),
            }
        }
    };
    let mut send = |bytes: &[u8]| -> Result<()> {
        stdin.write_all(bytes)?;
        stdin.write_all(b"\n")?;
        stdin.flush()?;
        Ok(())
    };
    let init = rpc(
        json!(1),
        "initialize",
        json!({"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
        "clientInfo": {"name": "hostile", "version": "0"}}),
    );
    send(init.as_bytes())?;
    next(&json!(1), Duration::from_secs(30))?.ok_or_else(|| anyhow!("no initialize answer"))?;
    send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)?;
    let mut out = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let result = (|| -> Result<()> {
            send(&case.line)?;
            match &case.reply_id {
                None => {
                    if let Some(v) = next(&Value::Null, Duration::from_millis(300))? {
                        bail!("expected no answer, got {v}");
                    }
                }
                Some(id) => {
                    let wait = if case.known_bug.is_some() { Duration::from_secs(1) } else { Duration::from_secs(10) };
                    let v = next(id, wait)?.ok_or_else(|| anyhow!("no answer with id {id}"))?;
                    if let Some(code) = case.code {
                        expect_eq("error.code", v["error"]["code"].as_i64(), Some(Some(code)))
                            .map_err(|e| anyhow!("{e}: {v}"))?;
                    }
                    if let Some(is_error) = case.is_error {
                        expect_eq("isError", v["result"]["isError"] == true, Some(is_error))
                            .map_err(|e| anyhow!("{e}: {v}"))?;
                    }
                }
            }
            Ok(())
        })()
        .map_err(|e| format!("{e:#}"));
        let probe_id = json!(10_000 + i);
        let probe = rpc(probe_id.clone(), "tools/call", json!({"name": tool, "arguments": args}));
        let health = send(probe.as_bytes()).and_then(|()| {
            let v = next(&probe_id, Duration::from_secs(10))?.ok_or_else(|| anyhow!("the valid call got no answer"))?;
            if v["result"]["isError"] == true || v.get("error").is_some() {
                bail!("the valid call failed: {v}");
            }
            Ok(())
        });
        let result = match health {
            Ok(()) => result,
            Err(e) => Err(format!("unhealthy afterwards: {e:#}; case: {result:?}")),
        };
        out.push(Outcome { name: case.name.clone(), result, known_bug: case.known_bug.clone() });
    }
    drop(stdin);
    if guard.wait_timeout(Duration::from_secs(10))?.is_none() {
        bail!("the stdio server did not exit after stdin closed");
    }
    Ok(out)
}
