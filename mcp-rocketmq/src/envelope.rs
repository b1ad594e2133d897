//! The Volcengine response envelope.
//!
//! ```json
//! {"ResponseMetadata": {"RequestId": "...", "Action": "...", "Version": "...", "Service": "...", "Region": "...",
//!                       "Error": {"CodeN": 100010, "Code": "SignatureDoesNotMatch", "Message": "..."}},
//!  "Result": {...}}
//! ```
//!
//! An `Error` means failure whatever the HTTP status (it also comes with HTTP 200). A missing or
//! `null` `Result` on success counts as `{}` (the write actions return nothing).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::Action;

/// `ResponseMetadata` of every response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseMetadata {
    /// The gateway's request id: quote it to Volcengine support.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The action called.
    #[serde(default)]
    pub action: Option<String>,
    /// The API version.
    #[serde(default)]
    pub version: Option<String>,
    /// The service (`RocketMQ`).
    #[serde(default)]
    pub service: Option<String>,
    /// The region that served the call.
    #[serde(default)]
    pub region: Option<String>,
    /// The error, when the call failed.
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// `ResponseMetadata.Error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Numeric code (gateway errors only, e.g. 100010).
    #[serde(default, rename = "CodeN")]
    pub code_n: Option<i64>,
    /// Error code, e.g. `InvalidParameter`.
    #[serde(default, rename = "Code")]
    pub code: Option<String>,
    /// Error message.
    #[serde(default, rename = "Message")]
    pub message: Option<String>,
}

/// A successful response.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The HTTP status (2xx).
    pub http_status: u16,
    /// Its `ResponseMetadata`.
    pub metadata: ResponseMetadata,
    /// Its `Result`; `{}` when absent or `null`.
    pub result: Value,
}

impl Success {
    /// The request id, or `unknown`.
    pub fn request_id(&self) -> &str {
        self.metadata.request_id.as_deref().unwrap_or(UNKNOWN)
    }
}

const UNKNOWN: &str = "unknown";

/// How long a body excerpt in an error may be (characters).
pub const SNIPPET_CHARS: usize = 200;

/// A failed response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The API answered with an `Error` (any HTTP status, 200 included).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A non-2xx status without a Volcengine error body (e.g. a proxy's HTML page).
    #[error("HTTP {http_status} without a Volcengine error body (RequestId {}): {snippet}", request_id.as_deref().unwrap_or(UNKNOWN))]
    Status {
        /// The HTTP status.
        http_status: u16,
        /// The request id, if the body had one.
        request_id: Option<String>,
        /// The start of the body.
        snippet: String,
    },
    /// A 2xx response that is not a Volcengine envelope.
    #[error("HTTP {http_status} with a body that is not a Volcengine response ({detail}): {snippet}")]
    Malformed {
        /// The HTTP status.
        http_status: u16,
        /// What is wrong.
        detail: String,
        /// The start of the body.
        snippet: String,
    },
}

impl ResponseError {
    /// Whether a read may be retried after this error: throttling (429, `FlowLimitExceeded`)
    /// and temporary server failures (5xx, `ServiceUnavailable`, `InternalError`, ...).
    pub fn is_transient(&self) -> bool {
        match self {
            ResponseError::Api(e) => e.is_transient(),
            ResponseError::Status { http_status, .. } => is_transient_status(*http_status),
            ResponseError::Malformed { .. } => false,
        }
    }

    /// The request id, when known.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ResponseError::Api(e) => e.request_id.as_deref(),
            ResponseError::Status { request_id, .. } => request_id.as_deref(),
            ResponseError::Malformed { .. } => None,
        }
    }

    /// The HTTP status.
    pub fn http_status(&self) -> u16 {
        match self {
            ResponseError::Api(e) => e.http_status,
            ResponseError::Status { http_status, .. } | ResponseError::Malformed { http_status, .. } => *http_status,
        }
    }
}

fn is_transient_status(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// An error the API reported in `ResponseMetadata.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (200 is possible).
    pub http_status: u16,
    /// `Code`, e.g. `SignatureDoesNotMatch` (empty if the body had none).
    pub code: String,
    /// `CodeN`, when given.
    pub code_n: Option<i64>,
    /// `Message`.
    pub message: String,
    /// `RequestId`.
    pub request_id: Option<String>,
    /// The action, from `ResponseMetadata.Action` or the caller.
    pub action: Option<Action>,
}

impl std::error::Error for ApiError {}

/// The spec's Describe* error lists spell some codes with `_` for `.`
/// (`InvalidInstanceId_NotFound`); compare in the dotted form.
fn normalized(code: &str) -> String {
    match code.split_once('_') {
        Some((head, tail)) if matches!(head, "InvalidInstanceId" | "OperationDenied") => format!("{head}.{tail}"),
        _ => code.to_string(),
    }
}

/// The hint on the 15-minute manual trigger limit.
pub const TRIGGER_LIMIT_HINT: &str = "each inspection rule can be triggered manually at most once per 15 minutes \
     (TriggerLimit in GetInspectConfig); wait before triggering this rule again";

impl ApiError {
    /// What the caller can do about it, for the codes we know.
    pub fn hint(&self) -> Option<&'static str> {
        let code = normalized(&self.code);
        let trigger = self.action == Some(Action::ManualTriggerInspect);
        Some(match code.as_str() {
            "SignatureDoesNotMatch" => {
                "the signature was refused: check that the secret access key belongs to the access key id \
                 (and, with STS credentials, that the session token goes with them)"
            }
            "InvalidAccessKey" => "the access key id is unknown or disabled: check the access key id",
            "InvalidCredential" | "InvalidAuthorization" | "MissingAuthenticationToken" => {
                "the credentials were refused: check the access key id, secret access key and session token"
            }
            "InvalidTimestamp" => {
                "the request time is outside the gateway's window: check this machine's clock (UTC, NTP)"
            }
            "FlowLimitExceeded" | "AccountFlowLimitExceeded" => {
                "rate limit reached (inspect APIs: 100 requests/s per API, 20 requests/s per user); read-only \
                 tools are retried automatically with backoff, write tools are not: try again shortly"
            }
            "OperationDenied.TaskIsRunning" | "OperationDenied.ResourceOccupied" if trigger => TRIGGER_LIMIT_HINT,
            "OperationDenied.TaskIsRunning" | "OperationDenied.ResourceOccupied" | "ResourceIsBusy" => {
                "another operation is in progress on this resource: try again later"
            }
            "OperationDenied.VersionUnsupported" if trigger => {
                "the instance's version does not support this rule: subscribeConsistency (Type group) is not \
                 available on 5.x instances"
            }
            "OperationDenied.VersionUnsupported" => "the instance's version does not support this operation",
            "OperationDenied.InvalidInstanceStatus" => {
                "the instance is not in a state that allows this operation (e.g. not Running)"
            }
            "OperationDenied.AccountNotAuthorized" => {
                "the account or IAM user lacks permission for this action: grant it the RocketMQ policy"
            }
            "InvalidInstanceId.NotFound" => {
                "no such instance in this region: check InstanceId (DescribeInstances lists them) and the region"
            }
            "MissingParameter" | "InvalidParameter" | "InvalidPara" | "UnsupportedParameter" => {
                "check the argument named in the message"
            }
            "InvalidActionOrVersion" => "the endpoint does not know this action and version: check the endpoint",
            "InternalError" | "ServerInternalError" | "ServiceUnavailable" | "ServiceUnavailableTemp" => {
                "temporary failure at Volcengine: read-only tools are retried automatically; try again later"
            }
            _ if trigger && self.http_status == 429 => TRIGGER_LIMIT_HINT,
            _ => return None,
        })
    }

    /// Whether a read may be retried after this error.
    pub fn is_transient(&self) -> bool {
        let code = normalized(&self.code);
        matches!(
            code.as_str(),
            "FlowLimitExceeded"
                | "AccountFlowLimitExceeded"
                | "InternalError"
                | "ServerInternalError"
                | "ServiceUnavailable"
                | "ServiceUnavailableTemp"
                | "ResourceIsBusy"
        ) || is_transient_status(self.http_status)
    }

    /// Whether the credentials (or the clock) are at fault rather than the arguments.
    pub fn is_auth(&self) -> bool {
        matches!(
            self.code.as_str(),
            "SignatureDoesNotMatch"
                | "InvalidAccessKey"
                | "InvalidCredential"
                | "InvalidAuthorization"
                | "MissingAuthenticationToken"
                | "InvalidTimestamp"
        ) || self.http_status == 401
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = if self.code.is_empty() { "UnknownError" } else { &self.code };
        write!(f, "{code}: {}", self.message)?;
        write!(f, " (HTTP {}, RequestId {}", self.http_status, self.request_id.as_deref().unwrap_or(UNKNOWN))?;
        if let Some(n) = self.code_n {
            write!(f, ", CodeN {n}")?;
        }
        f.write_str(")")?;
        if let Some(hint) = self.hint() {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "ResponseMetadata")]
    metadata: Option<ResponseMetadata>,
    #[serde(rename = "Result", default)]
    result: Value,
}

/// The first [`SNIPPET_CHARS`] characters of a body, control characters shown as spaces.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(SNIPPET_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out.trim().to_string()
}

/// Parse a response of `action` (used when `ResponseMetadata.Action` is absent or unknown).
pub fn parse(action: Action, http_status: u16, body: &[u8]) -> Result<Success, ResponseError> {
    let ok_status = (200..=299).contains(&http_status);
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) if ok_status => {
            return Err(ResponseError::Malformed {
                http_status,
                detail: format!("not JSON: {e}"),
                snippet: snippet(body),
            });
        }
        Err(_) => return Err(ResponseError::Status { http_status, request_id: None, snippet: snippet(body) }),
    };
    let Some(metadata) = envelope.metadata else {
        if ok_status {
            return Err(ResponseError::Malformed {
                http_status,
                detail: "no ResponseMetadata".into(),
                snippet: snippet(body),
            });
        }
        return Err(ResponseError::Status { http_status, request_id: None, snippet: snippet(body) });
    };
    if let Some(error) = metadata.error {
        let action = metadata.action.as_deref().and_then(|a| a.parse().ok()).or(Some(action));
        return Err(ResponseError::Api(ApiError {
            http_status,
            code: error.code.unwrap_or_default(),
            code_n: error.code_n,
            message: error.message.unwrap_or_default(),
            request_id: metadata.request_id,
            action,
        }));
    }
    if !ok_status {
        return Err(ResponseError::Status { http_status, request_id: metadata.request_id, snippet: snippet(body) });
    }
    let result = match envelope.result {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    Ok(Success { http_status, metadata, result })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(action: Action, status: u16, body: &str) -> ApiError {
        match parse(action, status, body.as_bytes()).unwrap_err() {
            ResponseError::Api(e) => e,
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn success_with_result() {
        let s = parse(Action::DescribeRegions, 200, include_bytes!("../tests/fixtures/responses/DescribeRegions.json"))
            .unwrap();
        assert_eq!(s.request_id(), "20250115163000A1B2C3D4E5F60718293A");
        assert_eq!(s.metadata.action.as_deref(), Some("DescribeRegions"));
        assert_eq!(s.metadata.service.as_deref(), Some("RocketMQ"));
        assert_eq!(s.result["Regions"][0]["Describeption"], json!("华北2（北京）"));
    }

    #[test]
    fn missing_or_null_result_is_an_empty_object() {
        for body in [
            &include_bytes!("../tests/fixtures/responses/EnableInstanceInspect.null_result.json")[..],
            &include_bytes!("../tests/fixtures/responses/ManualTriggerInspect.no_result_key.json")[..],
        ] {
            let s = parse(Action::ManualTriggerInspect, 200, body).unwrap();
            assert_eq!(s.result, json!({}));
            assert!(s.request_id().starts_with("2025"), "{}", s.request_id());
        }
    }

    #[test]
    fn error_with_http_200_is_an_error() {
        let e = api(
            Action::GetInspectConfig,
            200,
            include_str!("../tests/fixtures/responses/errors/Envelope_Error_with_HTTP200.json"),
        );
        assert_eq!(e.http_status, 200);
        assert_eq!(e.code, "InvalidParameter");
        assert_eq!(e.message, "The specified parameter Filters is not valid.");
        assert_eq!(e.request_id.as_deref(), Some("20250115163114A0B1C2D3E4F50617283A2"));
        assert!(!e.is_transient());
    }

    #[test]
    fn display_has_code_message_request_id_and_hint() {
        let e = api(
            Action::DescribeRegions,
            401,
            include_str!("../tests/fixtures/responses/errors/SignatureDoesNotMatch_401.json"),
        );
        let text = e.to_string();
        assert!(text.starts_with("SignatureDoesNotMatch: The request signature we calculated"), "{text}");
        assert!(text.contains("(HTTP 401, RequestId 20250115163109A0B1C2D3E4F506172839D, CodeN 100010)"), "{text}");
        assert!(text.contains("hint: the signature was refused: check that the secret access key"), "{text}");
        assert!(e.is_auth());
    }

    #[test]
    fn manual_trigger_limit_is_explained() {
        let body = include_str!("../tests/fixtures/responses/errors/OperationDenied.TaskIsRunning_403.json");
        let e = api(Action::ManualTriggerInspect, 403, body);
        assert_eq!(e.hint(), Some(TRIGGER_LIMIT_HINT));
        assert!(e.to_string().contains("at most once per 15 minutes"));
        // The same code elsewhere is an ordinary busy resource.
        let other = ApiError { action: Some(Action::EnableInstanceInspect), ..e.clone() };
        assert!(!other.to_string().contains("15 minutes"));
        // A 429 on ManualTriggerInspect with an unknown code also points at the limit.
        let limited = ApiError { code: "TriggerTooFrequent".into(), http_status: 429, ..e };
        assert_eq!(limited.hint(), Some(TRIGGER_LIMIT_HINT));
    }

    #[test]
    fn underscore_codes_are_read_as_dotted() {
        let e = ApiError {
            http_status: 404,
            code: "InvalidInstanceId_NotFound".into(),
            code_n: None,
            message: "m".into(),
            request_id: None,
            action: Some(Action::DescribeInstanceDetail),
        };
        assert!(e.hint().unwrap().starts_with("no such instance"));
        assert!(e.to_string().contains("RequestId unknown"));
    }

    #[test]
    fn non_envelope_bodies() {
        let e = parse(Action::DescribeRegions, 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(
            e,
            ResponseError::Status { http_status: 502, request_id: None, snippet: "<html>Bad Gateway</html>".into() }
        );
        assert!(e.is_transient());
        let e = parse(Action::DescribeRegions, 200, b"").unwrap_err();
        assert!(matches!(e, ResponseError::Malformed { http_status: 200, .. }), "{e:?}");
        assert!(!e.is_transient());
        let e = parse(Action::DescribeRegions, 200, br#"{"Result": {}}"#).unwrap_err();
        assert!(e.to_string().contains("no ResponseMetadata"), "{e}");
        // A non-2xx envelope without Error keeps the request id.
        let e = parse(Action::DescribeRegions, 503, br#"{"ResponseMetadata": {"RequestId": "r1"}}"#).unwrap_err();
        assert_eq!(e.request_id(), Some("r1"));
        assert!(e.is_transient());
        assert_eq!(e.http_status(), 503);
    }

    #[test]
    fn snippets_are_short_and_single_line() {
        let long = "x".repeat(500);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert_eq!(snippet(b"a\nb\r\n"), "a b");
        assert_eq!(snippet(&[0xff, b'a']), "\u{fffd}a");
    }
}
