//! One pooled HTTP client per upstream, and the request loop: retries only where repeating is
//! harmless, never past the tool call's deadline, never after cancellation.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::config::UpstreamConfig;
use super::response::Response;
use super::retry::{RateLimitReset, backoff};
use crate::config::ConfigError;
use crate::identity::Secret;
use crate::telemetry::Metrics;
use crate::tools::{ToolContext, ToolError};

/// First backoff step and its ceiling.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// A 429 wait is taken only when the retry still has this much time after it.
const AFTER_WAIT_MARGIN: Duration = Duration::from_millis(250);

/// Who an upstream is: a metric label and the name a person knows it by.
#[derive(Debug, Clone, Copy)]
pub struct UpstreamName {
    /// Bounded metric label (`chat`, `cloud`).
    pub label: &'static str,
    /// Shown in error messages (`Chat API`).
    pub display: &'static str,
}

/// A hook run on every attempt just before it is sent (e.g. to sign it with the current time).
pub type AttemptHook = Arc<dyn Fn(&mut reqwest::Request) -> Result<(), ToolError> + Send + Sync>;

#[derive(Clone)]
struct Inner {
    name: UpstreamName,
    base: reqwest::Url,
    client: reqwest::Client,
    metrics: Arc<Metrics>,
    attempt_timeout: Duration,
    max_body: usize,
    max_retries: u32,
    reset: RateLimitReset,
    insecure: bool,
}

/// A configured upstream API: one pooled client, built once before serving, cheap to clone.
#[derive(Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("name", &self.inner.name.label)
            .field("base", &self.inner.base.as_str())
            .finish()
    }
}

impl Upstream {
    /// Build the client of `config` (validated again here; errors name `prefix.key`).
    /// `user_agent` is `<server name>/<version>`.
    pub fn new(
        name: UpstreamName,
        prefix: &str,
        config: &UpstreamConfig,
        user_agent: &str,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ConfigError> {
        config.validate(prefix, "must be set to the upstream's base URL")?;
        crate::net::install_crypto_provider();
        let base = config.base_url(prefix, "")?;
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none());
        let certs = config.ca_certificates(prefix)?;
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        match config.proxy_setting(prefix)? {
            None => {}
            Some(None) => builder = builder.no_proxy(),
            Some(Some(proxy)) => builder = builder.proxy(proxy),
        }
        if config.tls_insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let key = if prefix.is_empty() { "url".to_owned() } else { format!("{prefix}.url") };
        let client = builder
            .build()
            .map_err(|e| ConfigError::new(key, format!("cannot build the HTTP client: {}", e.without_url())))?;
        Ok(Self {
            inner: Arc::new(Inner {
                name,
                base,
                client,
                metrics,
                attempt_timeout: Duration::from_secs(config.request_timeout_secs),
                max_body: config.max_response_bytes,
                max_retries: config.max_retries,
                reset: RateLimitReset::RetryAfter,
                insecure: config.tls_insecure_skip_verify,
            }),
        })
    }

    /// Also read this header for the end of a rate-limit window (besides `Retry-After`).
    pub fn with_rate_limit_reset(self, reset: RateLimitReset) -> Self {
        let mut inner = self.inner;
        Arc::make_mut(&mut inner).reset = reset;
        Self { inner }
    }

    /// Who this upstream is.
    pub fn name(&self) -> UpstreamName {
        self.inner.name
    }

    /// The operator's base URL (ends in `/`).
    pub fn base_url(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// Whether TLS certificates go unchecked (`tls_insecure_skip_verify`).
    pub fn is_insecure(&self) -> bool {
        self.inner.insecure
    }

    /// A `GET` of `endpoint` (a route template relative to the base URL, also the metric label).
    pub fn get(&self, endpoint: &'static str) -> Request<'_> {
        self.request(Method::GET, endpoint)
    }

    /// A `POST` of `endpoint`; not retried unless marked [`Request::idempotent`].
    pub fn post(&self, endpoint: &'static str) -> Request<'_> {
        self.request(Method::POST, endpoint)
    }

    /// A request of any method to `endpoint`.
    pub fn request(&self, method: Method, endpoint: &'static str) -> Request<'_> {
        let idempotent = matches!(method, Method::GET | Method::HEAD);
        Request {
            upstream: self,
            method,
            endpoint,
            path: None,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            hook: None,
        }
    }
}

/// One request being built; [`Request::send`] runs it.
pub struct Request<'a> {
    upstream: &'a Upstream,
    method: Method,
    endpoint: &'static str,
    path: Option<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
    idempotent: bool,
    hook: Option<AttemptHook>,
}

/// What ended one attempt, as the retry loop sees it.
enum Attempt {
    Answered(Response),
    Failed { class: &'static str, error: ToolError, retry: bool },
}

impl Request<'_> {
    /// The real path when it differs from the endpoint template (ids in it); relative to the base.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Add a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Add a plain header. A value that is not a valid header value is an invalid-arguments error
    /// when sent.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.append(HeaderName::from_static(name), v);
        } else {
            self.headers.append(HeaderName::from_static("x-invalid-header"), HeaderValue::from_static(""));
        }
        self
    }

    /// Add a credential header: marked sensitive, never logged.
    pub fn secret_header(mut self, name: &'static str, value: &Secret) -> Self {
        match HeaderValue::from_str(value.expose()) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.append(HeaderName::from_static(name), v);
            }
            Err(_) => {
                self.headers.append(HeaderName::from_static("x-invalid-header"), HeaderValue::from_static(""));
            }
        }
        self
    }

    /// A JSON body (the exact bytes are kept: a signing hook hashes what is sent).
    pub fn json(self, body: &impl serde::Serialize) -> Result<Self, ToolError> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| ToolError::internal(format!("cannot encode the request: {e}")))?;
        Ok(self.body(Bytes::from(bytes), "application/json"))
    }

    /// A raw body with its content type.
    pub fn body(mut self, body: Bytes, content_type: &'static str) -> Self {
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(body);
        self
    }

    /// Mark a request safe to repeat (e.g. a read sent as POST); GET and HEAD already are.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Run `hook` on every attempt just before sending it (sign it again with the current time).
    pub fn on_each_attempt(mut self, hook: AttemptHook) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Send within the tool call's deadline and cancellation. Returns the upstream's final answer
    /// whatever its status (map it with [`Response::error_for_status`]); transport failures,
    /// oversized bodies and the deadline are errors.
    pub async fn send<G>(self, ctx: &ToolContext<G>) -> Result<Response, ToolError> {
        self.send_until(ctx.deadline, &ctx.cancel).await
    }

    /// [`Request::send`] with an explicit deadline and cancel token (background checks).
    pub async fn send_until(
        self,
        deadline: tokio::time::Instant,
        cancel: &CancellationToken,
    ) -> Result<Response, ToolError> {
        if self.headers.contains_key("x-invalid-header") {
            return Err(ToolError::invalid(format!(
                "a header value for {} {} holds characters HTTP headers cannot carry",
                self.upstream.inner.name.display, self.endpoint
            )));
        }
        let inner = &self.upstream.inner;
        let span = tracing::debug_span!(
            "upstream_request",
            upstream = inner.name.label,
            endpoint = self.endpoint,
            method = %self.method,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        async move {
            let mut attempt: u32 = 0;
            loop {
                let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
                if remaining.is_zero() {
                    return Err(self.deadline_error());
                }
                let outcome = tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(self.cancelled_error()),
                    outcome = self.attempt(remaining) => outcome,
                };
                tracing::Span::current().record("attempts", attempt + 1);
                let (wait, reason, last) = match outcome {
                    Attempt::Answered(response) => {
                        tracing::Span::current().record("status", response.status.as_u16());
                        match self.retry_answer(&response, attempt) {
                            Some((wait, reason)) => (wait, reason, Ok(response)),
                            None => return Ok(response),
                        }
                    }
                    Attempt::Failed { class, error, retry } => {
                        tracing::Span::current().record("status", class);
                        if !retry || attempt >= inner.max_retries {
                            return Err(error);
                        }
                        (backoff(attempt, BACKOFF_BASE, BACKOFF_CAP), class, Err(error))
                    }
                };
                let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
                if wait + AFTER_WAIT_MARGIN >= remaining {
                    // No time for another attempt: the last answer or error stands (a 429 says
                    // when to retry).
                    return match last {
                        Ok(response) if response.status == StatusCode::TOO_MANY_REQUESTS => {
                            Err(self.rate_limited_error(wait))
                        }
                        other => other,
                    };
                }
                inner.metrics.upstream_retry(inner.name.label, reason);
                tracing::debug!(reason, wait_ms = wait.as_millis() as u64, attempt, "retrying upstream request");
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(self.cancelled_error()),
                    () = tokio::time::sleep(wait) => {}
                }
                attempt += 1;
            }
        }
        .instrument(span)
        .await
    }

    /// Whether and after how long an answered attempt is repeated.
    fn retry_answer(&self, response: &Response, attempt: u32) -> Option<(Duration, &'static str)> {
        let inner = &self.upstream.inner;
        if !self.idempotent || attempt >= inner.max_retries {
            return None;
        }
        match response.status {
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = inner.reset.wait(&response.headers, SystemTime::now())?;
                Some((wait.max(Duration::from_millis(10)), "rate_limited"))
            }
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
                let wait = super::retry::retry_after(&response.headers, SystemTime::now())
                    .unwrap_or_else(|| backoff(attempt, BACKOFF_BASE, BACKOFF_CAP));
                let reason = match response.status.as_u16() {
                    502 => "status_502",
                    503 => "status_503",
                    _ => "status_504",
                };
                Some((wait, reason))
            }
            _ => None,
        }
    }

    /// Build, sign and send one attempt, and read its body under the cap.
    async fn attempt(&self, remaining: Duration) -> Attempt {
        let inner = &self.upstream.inner;
        let timeout = inner.attempt_timeout.min(remaining);
        let started = Instant::now();
        let request = match self.build() {
            Ok(r) => r,
            Err(error) => return Attempt::Failed { class: "invalid_request", error, retry: false },
        };
        let result = tokio::time::timeout(timeout, async {
            let response = inner.client.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = read_capped(response, inner.max_body).await?;
            Ok::<_, ReadError>((status, headers, body))
        })
        .await;
        let seconds = started.elapsed().as_secs_f64();
        let record = |status: &str| inner.metrics.upstream_request(inner.name.label, self.endpoint, status, seconds);
        let display = inner.name.display;
        match result {
            Ok(Ok((status, headers, body))) => {
                record(status.as_str());
                tracing::debug!(status = status.as_u16(), bytes = body.len(), "upstream answered");
                Attempt::Answered(Response {
                    status,
                    headers,
                    body,
                    endpoint: self.endpoint,
                    upstream: inner.name,
                    reset: inner.reset,
                })
            }
            Err(_elapsed) => {
                record("timeout");
                let applied = if self.idempotent {
                    ""
                } else {
                    "; it may or may not have been applied, check before repeating it"
                };
                Attempt::Failed {
                    class: "timeout",
                    error: ToolError::Timeout(format!(
                        "{display} did not answer {} within {}s{applied}",
                        self.endpoint,
                        timeout.as_secs_f64().ceil()
                    )),
                    retry: self.idempotent,
                }
            }
            Ok(Err(ReadError::TooLarge)) => {
                record("body_error");
                Attempt::Failed {
                    class: "too_large",
                    error: ToolError::Upstream(format!(
                        "{display} answered {} with more than {} bytes (max_response_bytes); ask for less (a smaller page or range)",
                        self.endpoint, inner.max_body
                    )),
                    retry: false,
                }
            }
            Ok(Err(ReadError::Http(e))) if e.is_connect() => {
                record("connect_error");
                // Nothing reached the upstream: repeating is harmless whatever the method.
                Attempt::Failed {
                    class: "connect",
                    error: ToolError::Unavailable(format!(
                        "cannot connect to {display} at {} ({}); check that it is running and reachable",
                        host_of(&inner.base),
                        cause(&e)
                    )),
                    retry: true,
                }
            }
            Ok(Err(ReadError::Http(e))) => {
                record("body_error");
                let applied = if self.idempotent {
                    ""
                } else {
                    "; it may or may not have been applied, check before repeating it"
                };
                Attempt::Failed {
                    class: "connection",
                    error: ToolError::Unavailable(format!(
                        "the connection to {display} failed during {} ({}){applied}",
                        self.endpoint,
                        cause(&e)
                    )),
                    retry: self.idempotent,
                }
            }
        }
    }

    fn build(&self) -> Result<reqwest::Request, ToolError> {
        let inner = &self.upstream.inner;
        let path = self.path.as_deref().unwrap_or(self.endpoint).trim_start_matches('/');
        let mut url = inner
            .base
            .join(path)
            .map_err(|_| ToolError::invalid(format!("`{path}` is not a valid path for {}", inner.name.display)))?;
        // Joining may not leave the operator's base URL (`..`, an absolute URL in an id).
        if url.origin() != inner.base.origin() || !url.path().starts_with(inner.base.path()) {
            return Err(ToolError::invalid(format!("`{path}` leaves {}'s base URL", inner.name.display)));
        }
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        let mut request = reqwest::Request::new(self.method.clone(), url);
        *request.headers_mut() = self.headers.clone();
        if let Some(body) = &self.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        if let Some(hook) = &self.hook {
            hook(&mut request)?;
        }
        Ok(request)
    }

    fn deadline_error(&self) -> ToolError {
        ToolError::Timeout(format!(
            "{} {} did not finish within the tool call's time limit",
            self.upstream.inner.name.display, self.endpoint
        ))
    }

    fn cancelled_error(&self) -> ToolError {
        ToolError::internal(format!("the {} request was cancelled", self.upstream.inner.name.display))
    }

    fn rate_limited_error(&self, wait: Duration) -> ToolError {
        let display = self.upstream.inner.name.display;
        let secs = wait.as_secs_f64().ceil().max(1.0);
        ToolError::RateLimited {
            message: format!(
                "{display} is rate limiting requests ({}) and its limit resets after this call's time limit; retry in {secs:.0}s",
                self.endpoint
            ),
            retry_after: Some(wait),
        }
    }
}

/// Why reading an answer failed.
enum ReadError {
    Http(reqwest::Error),
    TooLarge,
}

impl From<reqwest::Error> for ReadError {
    fn from(e: reqwest::Error) -> Self {
        Self::Http(e)
    }
}

/// Read a body chunk by chunk, refusing more than `cap` bytes.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Bytes, ReadError> {
    if response.content_length().is_some_and(|len| len > cap as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The host (and port) of a URL, for messages: never the path or query.
fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => "its configured URL".to_owned(),
    }
}

/// The innermost cause of a reqwest error, without the URL (which may carry a signed query).
fn cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let text = source.to_string();
    if text.contains("://") { "connection error".to_owned() } else { text }
}
