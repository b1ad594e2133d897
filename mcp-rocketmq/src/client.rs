//! The Volcengine OpenAPI client: `POST {endpoint}/?Action=<Action>&Version=2023-01-01` with the
//! exact JSON body, through the core's upstream client, signed again on every attempt.
//!
//! Retries: the core repeats reads (and only reads: `.idempotent(action.is_retryable())`) on
//! connect errors, timeouts and 502/503/504. Answers it hands back that are still transient
//! (`FlowLimitExceeded`, 429, 500, an error envelope in HTTP 200 saying so) are repeated here for
//! reads only, with jittered backoff and never past the tool call's deadline. Writes are sent once.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mcp_core::config::ConfigError;
use mcp_core::upstream::{AttemptHook, Upstream, UpstreamName, backoff};
use mcp_core::{BuildContext, ToolContext, ToolError};
use reqwest::header::{HeaderName, HeaderValue};

use crate::action::Action;
use crate::config::RocketMqConfig;
use crate::credentials::Credentials;
use crate::envelope::{self, ResponseError, Success};
use crate::regions::{KNOWN_REGIONS, Region};
use crate::signer::{self, Scope, XDate};

/// The upstream's metric label and display name.
pub const UPSTREAM: UpstreamName = UpstreamName { label: "volcengine", display: "Volcengine RocketMQ" };

/// First backoff step of our own retries, and its ceiling.
const BACKOFF_BASE: Duration = Duration::from_millis(200);
const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// A retry is started only when this much time is left after its wait.
const RETRY_MARGIN: Duration = Duration::from_millis(250);

/// The signed OpenAPI client: one pooled upstream client per endpoint.
#[derive(Debug, Clone)]
pub struct VolcClient {
    /// One client for every region, or one per region (`{region}` in the URL).
    upstreams: Upstreams,
    default_region: Region,
    service: String,
    max_retries: u32,
}

#[derive(Debug, Clone)]
enum Upstreams {
    Shared(Upstream),
    PerRegion(Vec<(&'static str, Upstream)>),
}

impl VolcClient {
    /// Build the client(s) of `config` (bad URL, CA file or proxy: a config error naming the key).
    pub fn new(config: &RocketMqConfig, ctx: &BuildContext) -> Result<Self, ConfigError> {
        let block = |url: String| mcp_core::upstream::UpstreamConfig { url, ..config.upstream.clone() };
        let upstreams = if config.is_regional() {
            let mut per = Vec::with_capacity(KNOWN_REGIONS.len());
            for region in KNOWN_REGIONS {
                per.push((region, ctx.upstream(UPSTREAM, "rocketmq", &block(config.endpoint_url(region)))?));
            }
            Upstreams::PerRegion(per)
        } else {
            Upstreams::Shared(ctx.upstream(UPSTREAM, "rocketmq", &block(config.endpoint_url("")))?)
        };
        Ok(Self {
            upstreams,
            default_region: config.default_region(),
            service: config.service.trim().to_owned(),
            max_retries: config.upstream.max_retries,
        })
    }

    /// The region a call without a `region` argument is signed for.
    pub fn default_region(&self) -> &Region {
        &self.default_region
    }

    /// The base URL calls for `region` go to.
    pub fn base_url(&self, region: &Region) -> Option<&reqwest::Url> {
        self.upstream(region).map(Upstream::base_url)
    }

    fn upstream(&self, region: &Region) -> Option<&Upstream> {
        match &self.upstreams {
            Upstreams::Shared(u) => Some(u),
            Upstreams::PerRegion(per) => per.iter().find(|(r, _)| *r == region.as_str()).map(|(_, u)| u),
        }
    }

    /// Call `action` with the exact `body`, signed with `credentials` for `region` (default: the
    /// configured one). Every failure is a [`ToolError`] whose text has the Code, Message,
    /// RequestId and a hint where one helps.
    pub async fn call<G>(
        &self,
        ctx: &ToolContext<G>,
        credentials: &Credentials,
        action: Action,
        region: Option<&Region>,
        body: Vec<u8>,
    ) -> Result<Success, ToolError> {
        let region = region.unwrap_or(&self.default_region).clone();
        let upstream = self
            .upstream(&region)
            .ok_or_else(|| ToolError::invalid(format!("no endpoint is configured for region {region}")))?;
        let body = Bytes::from(body);
        let hook = signing_hook(credentials.clone(), region.clone(), self.service.clone());
        let mut attempt: u32 = 0;
        loop {
            let response = upstream
                .post(action.as_str())
                .path("/")
                .query("Action", action.as_str())
                .query("Version", crate::API_VERSION)
                .body(body.clone(), "application/json")
                .idempotent(action.is_retryable())
                .on_each_attempt(hook.clone())
                .send(ctx)
                .await?;
            let status = response.status.as_u16();
            let error = match envelope::parse(action, status, &response.body) {
                Ok(success) => return Ok(success),
                Err(e) => e,
            };
            let core_retried = matches!(status, 502..=504)
                || (status == 429 && response.headers.contains_key(reqwest::header::RETRY_AFTER));
            if action.is_retryable() && error.is_transient() && !core_retried && attempt < self.max_retries {
                let wait = backoff(attempt, BACKOFF_BASE, BACKOFF_CAP);
                if wait + RETRY_MARGIN < ctx.remaining() {
                    tracing::debug!(
                        action = action.as_str(),
                        status,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "retrying a transient Volcengine answer"
                    );
                    tokio::select! {
                        biased;
                        () = ctx.cancel.cancelled() => return Err(ToolError::internal("the Volcengine request was cancelled")),
                        () = tokio::time::sleep(wait) => {}
                    }
                    attempt += 1;
                    continue;
                }
            }
            return Err(to_tool_error(action, &error));
        }
    }
}

/// The hook that signs each attempt with the current time: canonical query on the URL, body hash
/// over the exact bytes, `X-Security-Token` with a session token.
pub fn signing_hook(credentials: Credentials, region: Region, service: String) -> AttemptHook {
    Arc::new(move |request: &mut reqwest::Request| sign_request(request, &credentials, &region, &service))
}

/// Sign `request` in place (see [`signing_hook`]).
pub fn sign_request(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    region: &Region,
    service: &str,
) -> Result<(), ToolError> {
    let url = request.url().clone();
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(ToolError::internal("the Volcengine endpoint has no host")),
    };
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // The wire query is the canonical one, so what is signed is what is sent.
    let canonical = signer::canonical_query(&query);
    request.url_mut().set_query(Some(&canonical));
    let content_type = request
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let body: &[u8] = request.body().and_then(reqwest::Body::as_bytes).unwrap_or_default();
    let x_date = XDate::now();
    let signed = signer::sign(
        &signer::Request {
            method: request.method().as_str(),
            host: &host,
            path: url.path(),
            query: &query,
            headers: &[("Content-Type", &content_type)],
            body,
        },
        credentials,
        &Scope { region: region.as_str(), service, x_date: &x_date },
    )
    .map_err(|e| ToolError::internal(format!("cannot sign the Volcengine request: {e}")))?;
    let headers = request.headers_mut();
    for (name, value) in signed.headers(false) {
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            ToolError::internal(format!("the {name} header of the signature is not a valid header value"))
        })?;
        let sensitive = name == signer::AUTHORIZATION || name == signer::X_SECURITY_TOKEN;
        value.set_sensitive(sensitive);
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ToolError::internal(format!("`{name}` is not a header name")))?;
        headers.insert(name, value);
    }
    Ok(())
}

/// The isError text and kind of a failed answer: `<Action> failed: <Code>: <Message> (HTTP s,
/// RequestId r[, CodeN n]); hint: ...`.
pub fn to_tool_error(action: Action, error: &ResponseError) -> ToolError {
    let text = format!("{action} failed: {error}");
    match error {
        ResponseError::Api(api) => {
            let code = api.code.as_str();
            if code.contains("FlowLimitExceeded") || api.http_status == 429 {
                ToolError::RateLimited { message: text, retry_after: None }
            } else if api.is_auth() {
                ToolError::Unauthorized(text)
            } else if code.contains("NotFound") || api.http_status == 404 {
                ToolError::NotFound(text)
            } else if code.starts_with("OperationDenied") || api.http_status == 403 {
                ToolError::Forbidden(text)
            } else if api.is_transient() {
                ToolError::Unavailable(text)
            } else if (400..500).contains(&api.http_status) || code.contains("Param") {
                ToolError::BadRequest(text)
            } else {
                ToolError::Upstream(text)
            }
        }
        ResponseError::Status { http_status, .. } => match *http_status {
            401 => ToolError::Unauthorized(text),
            403 => ToolError::Forbidden(text),
            404 => ToolError::NotFound(text),
            429 => ToolError::RateLimited { message: text, retry_after: None },
            408 | 504 => ToolError::Timeout(text),
            s if s >= 500 => ToolError::Unavailable(text),
            s if s >= 400 => ToolError::BadRequest(text),
            _ => ToolError::Upstream(text),
        },
        ResponseError::Malformed { .. } => ToolError::Upstream(text),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use mcp_core::Secret;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new("AKLTtest", Secret::new("sk-test"), token.map(Secret::new)).unwrap()
    }

    fn request(url: &str, body: &'static [u8]) -> reqwest::Request {
        let mut r = reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap());
        r.headers_mut().insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *r.body_mut() = Some(reqwest::Body::from(body));
        r
    }

    #[test]
    fn signs_the_exact_body_and_query_and_the_session_token() {
        let mut r = request("http://127.0.0.1:9000/?Version=2023-01-01&Action=DescribeRegions", b"{}");
        let region = Region::parse("cn-shanghai").unwrap();
        sign_request(&mut r, &creds(Some("STS-token")), &region, "RocketMQ").unwrap();
        assert_eq!(r.url().query(), Some("Action=DescribeRegions&Version=2023-01-01"));
        let h = |n: &str| r.headers().get(n).unwrap().to_str().unwrap().to_owned();
        assert_eq!(h("x-content-sha256"), signer::sha256_hex(b"{}"));
        assert_eq!(h("x-security-token"), "STS-token");
        assert!(r.headers().get("x-security-token").unwrap().is_sensitive());
        assert!(r.headers().get("authorization").unwrap().is_sensitive());
        let auth = h("authorization");
        assert!(auth.starts_with("HMAC-SHA256 Credential=AKLTtest/"), "{auth}");
        assert!(auth.contains("/cn-shanghai/RocketMQ/request, SignedHeaders=content-type;host;x-content-sha256;x-date;x-security-token, Signature="), "{auth}");
        // Recompute with the same X-Date: the signature covers host with its port.
        let x_date = XDate::parse(&h("x-date")).unwrap();
        let signed = signer::sign(
            &signer::Request {
                method: "POST",
                host: "127.0.0.1:9000",
                path: "/",
                query: &[("Action", "DescribeRegions"), ("Version", "2023-01-01")],
                headers: &[("Content-Type", "application/json")],
                body: b"{}",
            },
            &creds(Some("STS-token")),
            &Scope { region: "cn-shanghai", service: "RocketMQ", x_date: &x_date },
        )
        .unwrap();
        assert_eq!(signed.authorization, auth);
    }

    #[test]
    fn without_a_session_token_there_is_no_security_header() {
        let mut r = request("https://open.volcengineapi.com/?Action=A&Version=V", b"{\"a\":1}");
        sign_request(&mut r, &creds(None), &Region::default(), "RocketMQ").unwrap();
        assert!(r.headers().get("x-security-token").is_none());
        let auth = r.headers().get("authorization").unwrap().to_str().unwrap();
        assert!(auth.contains("SignedHeaders=content-type;host;x-content-sha256;x-date,"), "{auth}");
    }

    #[test]
    fn errors_keep_code_message_request_id_and_hint() {
        let body = br#"{"ResponseMetadata":{"RequestId":"rid-1","Error":{"CodeN":100010,"Code":"SignatureDoesNotMatch","Message":"bad sig"}}}"#;
        let e = envelope::parse(Action::DescribeRegions, 401, body).unwrap_err();
        let t = to_tool_error(Action::DescribeRegions, &e);
        assert!(matches!(t, ToolError::Unauthorized(_)));
        let text = t.to_string();
        for needle in
            ["DescribeRegions failed", "SignatureDoesNotMatch", "bad sig", "rid-1", "hint: ", "secret access key"]
        {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        let body =
            br#"{"ResponseMetadata":{"RequestId":"rid-2","Error":{"Code":"FlowLimitExceeded","Message":"slow"}}}"#;
        let e = envelope::parse(Action::GetInspectConfig, 200, body).unwrap_err();
        assert!(matches!(to_tool_error(Action::GetInspectConfig, &e), ToolError::RateLimited { .. }));
        let e = envelope::parse(Action::GetInspectConfig, 502, b"<html>bad gateway</html>").unwrap_err();
        assert!(matches!(to_tool_error(Action::GetInspectConfig, &e), ToolError::Unavailable(_)));
        let body =
            br#"{"ResponseMetadata":{"RequestId":"r","Error":{"Code":"InvalidInstanceId.NotFound","Message":"m"}}}"#;
        let e = envelope::parse(Action::ManualTriggerInspect, 404, body).unwrap_err();
        assert!(matches!(to_tool_error(Action::ManualTriggerInspect, &e), ToolError::NotFound(_)));
    }
}
