//! A raw MCP-over-HTTP client for tests that assert exact status codes and headers
//! (the official SDK clients hide those). Speaks Streamable HTTP and legacy SSE.

use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use futures::StreamExt;
use serde_json::{Value, json};

/// Protocol version sent by default.
pub const PROTOCOL_VERSION: &str = "2025-11-25";

/// An HTTP response reduced to what tests look at.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// Raw body text.
    pub text: String,
}

impl Reply {
    /// The JSON-RPC message in the body (plain JSON or the last `data:` of an SSE body).
    pub fn json(&self) -> Result<Value> {
        if let Ok(v) = serde_json::from_str(&self.text) {
            return Ok(v);
        }
        sse_data(&self.text)
            .into_iter()
            .rev()
            .find_map(|d| serde_json::from_str::<Value>(&d).ok().filter(|v| v.get("id").is_some()))
            .ok_or_else(|| anyhow!("no JSON-RPC message in body: {}", self.text))
    }
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// `data:` payloads of an SSE body, one per event.
pub fn sse_data(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in body.lines() {
        if let Some(d) = line.strip_prefix("data:") {
            current.push(d.strip_prefix(' ').unwrap_or(d));
        } else if line.is_empty() && !current.is_empty() {
            out.push(current.join("\n"));
            current.clear();
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// A Streamable HTTP client bound to one `/mcp` URL, with extra headers on every request.
#[derive(Clone)]
pub struct McpHttp {
    http: reqwest::Client,
    /// The `/mcp` URL.
    pub url: String,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// The session id once initialized (stateful mode).
    pub session: Option<String>,
    next_id: u64,
}

/// A reqwest client for loopback tests (no proxy, bounded timeouts).
pub fn client() -> reqwest::Client {
    crate::install_crypto_provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

impl McpHttp {
    /// A client for `base` (e.g. `http://127.0.0.1:1234`), talking to `{base}/mcp`.
    pub fn new(base: &str) -> Self {
        Self { http: client(), url: format!("{base}/mcp"), headers: Vec::new(), session: None, next_id: 1 }
    }
    /// Add a header to every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    /// Replace or add a header.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// POST raw bytes with the usual MCP headers plus `extra`.
    pub async fn post_raw(&self, body: impl Into<reqwest::Body>, extra: &[(&str, &str)]) -> Result<Reply> {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(s) = &self.session {
            req = req.header("mcp-session-id", s);
        }
        let has_version = extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("mcp-protocol-version"));
        if self.session.is_some() && !has_version {
            req = req.header("mcp-protocol-version", PROTOCOL_VERSION);
        }
        for (n, v) in &self.headers {
            req = req.header(n, v);
        }
        for (n, v) in extra {
            req = req.header(*n, *v);
        }
        let resp = req.body(body).send().await.context("POST /mcp")?;
        reply(resp).await
    }

    /// Send a JSON-RPC request and return the reply.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Reply> {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.post_raw(serde_json::to_vec(&body)?, &[]).await
    }

    /// Send a JSON-RPC notification.
    pub async fn notify(&self, method: &str) -> Result<Reply> {
        let body = json!({"jsonrpc": "2.0", "method": method});
        self.post_raw(serde_json::to_vec(&body)?, &[]).await
    }

    /// initialize + notifications/initialized; remembers the session id.
    pub async fn initialize(&mut self) -> Result<Value> {
        let r = self
            .request(
                "initialize",
                json!({"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": {"name": "test-support", "version": "0"}}),
            )
            .await?;
        if r.status != 200 {
            return Err(anyhow!("initialize answered {}: {}", r.status, r.text));
        }
        self.session = r.header("mcp-session-id");
        let result = r.json()?;
        let n = self.notify("notifications/initialized").await?;
        if n.status != 202 {
            return Err(anyhow!("notifications/initialized answered {}: {}", n.status, n.text));
        }
        Ok(result)
    }

    /// tools/list → the `result` object.
    pub async fn list_tools(&mut self) -> Result<Value> {
        let r = self.request("tools/list", json!({})).await?;
        result_of(&r)
    }

    /// tools/call → the `result` object (which may be `isError`).
    pub async fn call_tool(&mut self, name: &str, arguments: Value) -> Result<Value> {
        let r = self.request("tools/call", json!({"name": name, "arguments": arguments})).await?;
        result_of(&r)
    }

    /// tools/call → the whole JSON-RPC message (for error assertions).
    pub async fn call_tool_raw(&mut self, name: &str, arguments: Value) -> Result<Value> {
        let r = self.request("tools/call", json!({"name": name, "arguments": arguments})).await?;
        r.json()
    }
}

/// The `result` of a JSON-RPC reply, or an error describing what came instead.
pub fn result_of(r: &Reply) -> Result<Value> {
    let v = r.json()?;
    v.get("result").cloned().ok_or_else(|| anyhow!("no result (status {}): {v}", r.status))
}

async fn reply(resp: reqwest::Response) -> Result<Reply> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    Ok(Reply { status, headers, text })
}

/// Names of tools in a tools/list result.
pub fn tool_names(list: &Value) -> Vec<String> {
    list["tools"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The first text content of a tools/call result.
pub fn first_text(result: &Value) -> String {
    result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

/// A legacy SSE session: the open event stream plus its POST endpoint.
pub struct SseSession {
    http: reqwest::Client,
    base: String,
    headers: Vec<(String, String)>,
    /// `/messages?sessionId=...` as announced by the server.
    pub endpoint: String,
    events: futures::stream::BoxStream<'static, reqwest::Result<bytes_compat::Bytes>>,
    buffer: String,
    next_id: u64,
}

mod bytes_compat {
    pub use axum::body::Bytes;
}

impl SseSession {
    /// `GET {base}/sse` and read the `endpoint` event.
    pub async fn open(base: &str, headers: &[(&str, &str)]) -> Result<Self> {
        let http = client();
        let mut req = http.get(format!("{base}/sse")).header("accept", "text/event-stream");
        for (n, v) in headers {
            req = req.header(*n, *v);
        }
        let resp = req.send().await?;
        if resp.status().as_u16() != 200 {
            let status = resp.status();
            return Err(anyhow!("GET /sse answered {status}: {}", resp.text().await.unwrap_or_default()));
        }
        let mut session = Self {
            http,
            base: base.to_owned(),
            headers: headers.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect(),
            endpoint: String::new(),
            events: resp.bytes_stream().boxed(),
            buffer: String::new(),
            next_id: 1,
        };
        let (event, data) = session.next_event().await?;
        if event != "endpoint" {
            return Err(anyhow!("first SSE event was `{event}`, expected `endpoint`"));
        }
        session.endpoint = data;
        Ok(session)
    }

    /// The next SSE event as (event name, data), within 10 s.
    pub async fn next_event(&mut self) -> Result<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let mut event = "message".to_owned();
                let mut data = Vec::new();
                for line in raw.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_owned();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push(d.strip_prefix(' ').unwrap_or(d).to_owned());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return Ok((event, data.join("\n")));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.events.next())
                .await
                .context("timed out waiting for an SSE event")?
                .ok_or_else(|| anyhow!("SSE stream ended"))??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }

    /// POST one message to the session endpoint with the session's headers plus `extra`.
    pub async fn post(&self, body: &Value, extra: &[(&str, &str)]) -> Result<Reply> {
        let mut req =
            self.http.post(format!("{}{}", self.base, self.endpoint)).header("content-type", "application/json");
        for (n, v) in &self.headers {
            req = req.header(n, v);
        }
        for (n, v) in extra {
            req = req.header(*n, *v);
        }
        reply(req.body(serde_json::to_vec(body)?).send().await?).await
    }

    /// Send a request (202 expected) and wait for its response on the stream.
    pub async fn request(&mut self, method: &str, params: Value, extra: &[(&str, &str)]) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let r = self.post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}), extra).await?;
        if r.status != 202 {
            return Err(anyhow!("POST {} answered {}: {}", self.endpoint, r.status, r.text));
        }
        loop {
            let (_, data) = self.next_event().await?;
            let v: Value = serde_json::from_str(&data)?;
            if v.get("id") == Some(&json!(id)) {
                return Ok(v);
            }
        }
    }

    /// initialize + initialized over SSE.
    pub async fn initialize(&mut self) -> Result<Value> {
        let v = self
            .request(
                "initialize",
                json!({"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "test-support", "version": "0"}}),
                &[],
            )
            .await?;
        let r = self.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}), &[]).await?;
        if r.status != 202 {
            return Err(anyhow!("initialized answered {}", r.status));
        }
        Ok(v)
    }
}
