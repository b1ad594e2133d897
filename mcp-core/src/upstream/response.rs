//! An upstream's answer, and its status mapped to a [`ToolError`] a model can act on.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::client::UpstreamName;
use super::retry::RateLimitReset;
use crate::tools::ToolError;

/// The final answer of an upstream request (after any retries).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body (read under `max_response_bytes`).
    pub body: Bytes,
    pub(super) endpoint: &'static str,
    pub(super) upstream: UpstreamName,
    pub(super) reset: RateLimitReset,
}

impl Response {
    /// The endpoint template this answers.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The body as JSON of type `T`. A body that does not parse is an upstream error naming the
    /// endpoint and position, never the body's content (it may hold tokens).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ToolError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            ToolError::Upstream(format!(
                "{} sent an unexpected answer to {} (HTTP {}): {} at line {} column {}",
                self.upstream.display,
                self.endpoint,
                self.status.as_u16(),
                match e.classify() {
                    serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not valid JSON",
                    serde_json::error::Category::Data => "JSON of another shape than expected",
                    serde_json::error::Category::Io => "an unreadable body",
                },
                e.line(),
                e.column()
            ))
        })
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// How long the upstream asked us to wait (429/503), if it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.reset.wait(&self.headers, SystemTime::now())
    }

    /// `Ok(self)` for 2xx; otherwise the typed error for the status, with `reason` (the upstream's
    /// own explanation, extracted by the server from its error envelope) where one helps.
    pub fn error_for_status(self, reason: Option<&str>) -> Result<Self, ToolError> {
        if self.status.is_success() {
            return Ok(self);
        }
        Err(self.to_error(reason))
    }

    /// The typed error for this (non-2xx) answer.
    pub fn to_error(&self, reason: Option<&str>) -> ToolError {
        let name = self.upstream.display;
        let code = self.status.as_u16();
        let endpoint = self.endpoint;
        let because = reason.map(str::trim).filter(|r| !r.is_empty()).map(|r| format!(": {r}")).unwrap_or_default();
        match self.status {
            StatusCode::UNAUTHORIZED => ToolError::Unauthorized(format!(
                "{name} rejected the credentials (HTTP 401): they are missing, invalid or expired; renew them and retry"
            )),
            StatusCode::FORBIDDEN => ToolError::Forbidden(format!(
                "{name} refused {endpoint} for these credentials (HTTP 403){}",
                if because.is_empty() { "; the account lacks the permission".to_owned() } else { because }
            )),
            StatusCode::NOT_FOUND => {
                ToolError::NotFound(format!("{name} has no such resource ({endpoint}, HTTP 404){because}"))
            }
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = self.retry_after();
                let when = wait.map_or_else(
                    || "retry in a minute".to_owned(),
                    |w| format!("retry in {:.0}s", w.as_secs_f64().ceil().max(1.0)),
                );
                ToolError::RateLimited {
                    message: format!("{name} is rate limiting requests ({endpoint}, HTTP 429){because}; {when}"),
                    retry_after: wait,
                }
            }
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => {
                ToolError::Timeout(format!("{name} timed out answering {endpoint} (HTTP {code}){because}; retry later"))
            }
            s if s.is_server_error() => ToolError::Unavailable(format!(
                "{name} failed to answer {endpoint} (HTTP {code}){because}; it may be down or overloaded, retry later"
            )),
            s if s.is_client_error() => {
                ToolError::BadRequest(format!("{name} refused the request to {endpoint} (HTTP {code}){because}"))
            }
            _ => ToolError::Upstream(format!("{name} answered {endpoint} with an unexpected HTTP {code}{because}")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&'static str, &str)]) -> Response {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        Response {
            status: StatusCode::from_u16(status).unwrap(),
            headers: h,
            body: Bytes::from_static(b"{\"token\": \"s3cr3t\""),
            endpoint: "/api/v1/chat.postMessage",
            upstream: UpstreamName { label: "chat", display: "Chat" },
            reset: RateLimitReset::EpochMillis("x-ratelimit-reset"),
        }
    }

    #[test]
    fn each_status_maps_to_its_variant_and_outcome() {
        let cases = [
            (401, "upstream_error", "rejected the credentials"),
            (
                403,
                "upstream_error",
                "refused /api/v1/chat.postMessage for these credentials (HTTP 403): not allowed [error-not-allowed]",
            ),
            (404, "not_found", "no such resource"),
            (400, "upstream_error", "refused the request to /api/v1/chat.postMessage (HTTP 400): not allowed"),
            (429, "rate_limited", "retry in 3s"),
            (503, "upstream_error", "may be down or overloaded"),
            (504, "timeout", "timed out"),
        ];
        for (status, outcome, needle) in cases {
            let reason = (status != 401).then_some("not allowed [error-not-allowed]");
            let reason = if status == 400 { Some("not allowed") } else { reason };
            let mut r = answer(status, &[("retry-after", "3")]);
            if status != 429 {
                r.headers.clear();
            }
            let e = r.error_for_status(reason).unwrap_err();
            assert_eq!(e.outcome(), outcome, "{status}: {e}");
            assert!(e.to_string().contains(needle), "{status}: {e}");
        }
        assert!(answer(200, &[]).error_for_status(None).is_ok());
    }

    #[test]
    fn a_429_carries_the_wait_and_a_401_never_echoes_the_body() {
        let e = answer(429, &[("retry-after", "12")]).to_error(None);
        match e {
            ToolError::RateLimited { retry_after, .. } => {
                assert_eq!(retry_after, Some(std::time::Duration::from_secs(12)))
            }
            other => panic!("{other:?}"),
        }
        let e = answer(401, &[]).to_error(Some("You must be logged in to do this."));
        assert!(matches!(e, ToolError::Unauthorized(_)));
        assert!(!e.to_string().contains("s3cr3t"));
    }

    #[test]
    fn an_unparsable_body_names_the_position_not_the_content() {
        let r = answer(200, &[]);
        let e = r.json::<serde_json::Value>().unwrap_err();
        let text = e.to_string();
        assert!(text.contains("not valid JSON") && text.contains("/api/v1/chat.postMessage"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
