//! Rocket.Chat's error responses read into a typed error whose message a model can act on, and
//! its rate-limit headers.
//!
//! Decided on the HTTP status first (the body differs between 6.x-8.x and the planned 9.0):
//! 401 is always "token invalid or expired"; 403 carries Rocket.Chat's reason; 400 reads
//! `errorType`, `error` and the `"<reason> [<error>]"` form; a 404 names the version an endpoint
//! needs (or was removed in) when the endpoint is in [`ENDPOINT_VERSIONS`]; 429 says when to retry.

use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::model::Version;

/// When an endpoint appeared in or left Rocket.Chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointVersion {
    /// The endpoint as in `/api/v1/<endpoint>` (first path segment).
    pub endpoint: &'static str,
    /// First release that has it.
    pub since: Option<Version>,
    /// First release that no longer has it.
    pub removed_in: Option<Version>,
    /// What to use instead on servers that lack it.
    pub instead: Option<&'static str>,
}

/// Endpoints whose availability depends on the release (from the upstream notes' version table).
pub const ENDPOINT_VERSIONS: &[EndpointVersion] = &[
    EndpointVersion {
        endpoint: "rooms.media",
        since: Some(Version::new(6, 10, 0)),
        removed_in: None,
        instead: Some("rooms.upload"),
    },
    EndpointVersion {
        endpoint: "rooms.mediaConfirm",
        since: Some(Version::new(6, 10, 0)),
        removed_in: None,
        instead: Some("rooms.upload"),
    },
    EndpointVersion {
        endpoint: "rooms.upload",
        since: None,
        removed_in: Some(Version::new(8, 0, 0)),
        instead: Some("rooms.media then rooms.mediaConfirm"),
    },
    // The notes date these to "8.4-8.6" without the exact release: 8.6 is the safe claim.
    EndpointVersion { endpoint: "rooms.join", since: Some(Version::new(8, 6, 0)), removed_in: None, instead: None },
    EndpointVersion { endpoint: "im.blockUser", since: Some(Version::new(8, 6, 0)), removed_in: None, instead: None },
    EndpointVersion { endpoint: "dm.blockUser", since: Some(Version::new(8, 6, 0)), removed_in: None, instead: None },
    // Inferred (~8.7, Enterprise only).
    EndpointVersion { endpoint: "mcp", since: Some(Version::new(8, 7, 0)), removed_in: None, instead: None },
];

/// The version facts of an endpoint path (`/api/v1/rooms.upload/RID`, `rooms.media`, `dm.*` ≡ `im.*`).
pub fn endpoint_version(path: &str) -> Option<&'static EndpointVersion> {
    let name = endpoint_name(path);
    ENDPOINT_VERSIONS.iter().find(|e| e.endpoint == name)
}

/// The endpoint's name: the path without `/api/v1/`, query or trailing ids.
pub fn endpoint_name(path: &str) -> &str {
    let p = path.split(['?', '#']).next().unwrap_or_default().trim_start_matches('/');
    let p = p.strip_prefix("api/v1/").or_else(|| p.strip_prefix("api/")).unwrap_or(p);
    p.split('/').next().unwrap_or_default()
}

/// The rate-limit headers of a response (absent for users with `api-bypass-rate-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: calls allowed per window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: calls left in this window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset` (epoch milliseconds): when the window starts again.
    pub reset_at: Option<DateTime<Utc>>,
}

impl RateLimit {
    /// Read the headers; `None` when the response has none of them.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let num = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let reset_at = num("x-ratelimit-reset")
            .and_then(|ms| i64::try_from(ms).ok())
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single());
        let rl = Self { limit: num("x-ratelimit-limit"), remaining: num("x-ratelimit-remaining"), reset_at };
        (rl != Self::default()).then_some(rl)
    }

    /// How long to wait at `now` before the window resets (zero once it has).
    pub fn wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.reset_at.map(|r| (r - now).to_std().unwrap_or(Duration::ZERO))
    }

    /// True when no call is left in this window.
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// A Rocket.Chat call that failed, with a message that says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RcError {
    /// 401: the token is missing, wrong, expired or revoked, whatever the body says.
    #[error(
        "Rocket.Chat rejected the credentials: the token is invalid or expired (or was revoked, or belongs to \
         another user id). Create a new personal access token (My Account → Personal Access Tokens) and update it."
    )]
    Unauthorized,
    /// 400 `totp-required` / `totp-invalid`: the call needs a 2FA code.
    #[error(
        "Rocket.Chat asks for a two-factor code{}: create the personal access token with \
         \"Ignore Two Factor Authentication\" ticked, then use that token.",
        method.as_deref().map(|m| format!(" (method: {m})")).unwrap_or_default()
    )]
    TwoFactorRequired {
        /// `details.method`: `totp`, `email` or `password`.
        method: Option<String>,
    },
    /// 403: the account may not do this.
    #[error(
        "Rocket.Chat refused `{endpoint}`: {reason}. This account lacks the permission; ask an admin, or do something else."
    )]
    Forbidden {
        /// The endpoint called.
        endpoint: String,
        /// Rocket.Chat's reason.
        reason: String,
        /// Rocket.Chat's error code (`error-unauthorized`), when given.
        code: Option<String>,
    },
    /// 400: Rocket.Chat refused the request.
    #[error("{}", bad_request_message(endpoint, reason, code.as_deref()))]
    BadRequest {
        /// The endpoint called.
        endpoint: String,
        /// The error code (`error-room-not-found`, `invalid-channel`, …), when given.
        code: Option<String>,
        /// The reason in words.
        reason: String,
        /// `details`, raw.
        details: Option<Value>,
    },
    /// 404 on an endpoint: this server does not have it.
    #[error("{}", not_found_message(endpoint, *server, *known))]
    EndpointMissing {
        /// The endpoint called.
        endpoint: String,
        /// The server's version, when known.
        server: Option<Version>,
        /// What is known of the endpoint's versions.
        known: Option<&'static EndpointVersion>,
    },
    /// 429: too many calls to this endpoint.
    #[error(
        "Rocket.Chat's rate limit was hit on `{endpoint}`{}. Wait, then call again; an account with the bot role is \
         not rate-limited.",
        retry_after.map(|d| format!(": retry in {} s", d.as_secs().max(1))).unwrap_or_default()
    )]
    RateLimited {
        /// The endpoint called.
        endpoint: String,
        /// How long to wait, from `X-RateLimit-Reset` or the body's "wait N seconds".
        retry_after: Option<Duration>,
        /// The headers, when sent.
        limit: Option<RateLimit>,
    },
    /// 5xx: Rocket.Chat failed.
    #[error("Rocket.Chat failed on `{endpoint}` (HTTP {status}): {reason}. Try again later.")]
    Server {
        /// The endpoint called.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// What the body says.
        reason: String,
    },
    /// Any other status.
    #[error("Rocket.Chat answered `{endpoint}` with HTTP {status}: {reason}")]
    Unexpected {
        /// The endpoint called.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// What the body says.
        reason: String,
    },
}

impl RcError {
    /// Read a failed response of `endpoint` (a path or a name; `server` is its version if known;
    /// `now` turns `X-RateLimit-Reset` into a wait).
    pub fn from_response(
        endpoint: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        server: Option<Version>,
        now: DateTime<Utc>,
    ) -> Self {
        let name = endpoint_name(endpoint).to_owned();
        let parsed = Body::read(body);
        match status.as_u16() {
            401 => Self::Unauthorized,
            403 => Self::Forbidden {
                endpoint: name,
                reason: parsed.reason.unwrap_or_else(|| "permission denied".to_owned()),
                code: parsed.code,
            },
            404 => Self::EndpointMissing { known: endpoint_version(&name), endpoint: name, server },
            429 => {
                let limit = RateLimit::from_headers(headers);
                let from_headers = limit.and_then(|l| l.wait(now)).filter(|d| !d.is_zero());
                let from_body = parsed.reason.as_deref().and_then(wait_seconds).map(Duration::from_secs);
                Self::RateLimited { endpoint: name, retry_after: from_headers.or(from_body), limit }
            }
            400 if matches!(parsed.code.as_deref(), Some("totp-required" | "totp-invalid" | "totp-max-attempts")) => {
                let method = parsed.details.as_ref().and_then(|d| d.get("method")?.as_str()).map(str::to_owned);
                Self::TwoFactorRequired { method }
            }
            400 => Self::BadRequest {
                endpoint: name,
                reason: parsed.reason.or_else(|| parsed.code.clone()).unwrap_or_else(|| "bad request".to_owned()),
                code: parsed.code,
                details: parsed.details,
            },
            s @ 500..=599 => {
                Self::Server { endpoint: name, status: s, reason: parsed.reason.unwrap_or_else(|| status_text(status)) }
            }
            s => Self::Unexpected {
                endpoint: name,
                status: s,
                reason: parsed.reason.unwrap_or_else(|| status_text(status)),
            },
        }
    }

    /// Rocket.Chat's error code, when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::BadRequest { code, .. } | Self::Forbidden { code, .. } => code.as_deref(),
            Self::TwoFactorRequired { .. } => Some("totp-required"),
            Self::RateLimited { .. } => Some("error-too-many-requests"),
            _ => None,
        }
    }

    /// True when the same call may succeed later unchanged (rate limits, server failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Server { status: 502..=504, .. })
    }

    /// How long to wait before retrying, when Rocket.Chat said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True when the credentials, not the request, are at fault.
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Unauthorized | Self::TwoFactorRequired { .. })
    }
}

/// What a Rocket.Chat error body says: a code and a reason, wherever the version put them.
#[derive(Debug, Default)]
struct Body {
    code: Option<String>,
    reason: Option<String>,
    details: Option<Value>,
}

impl Body {
    fn read(body: &[u8]) -> Self {
        let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            // HTML from a proxy says nothing useful.
            let reason = (!text.is_empty() && !text.starts_with('<')).then(|| truncate(text, 300));
            return Self { reason, ..Self::default() };
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let (error, error_type, message) = (text("error"), text("errorType"), text("message"));
        let (bracket_reason, bracket_code) = error.map(split_bracket).unwrap_or_default();
        let code = error_type
            .filter(|t| is_code(t))
            .or(bracket_code)
            .or(error.filter(|e| is_code(e)))
            .or(message.filter(|m| is_code(m)))
            .map(str::to_owned);
        // The reason is the human text: the bracket form's text, a non-code `error` (or a
        // non-code `errorType`, which `rooms.info` swaps with `error`), else `message`.
        let human = |s: &&str| !is_code(s);
        let reason = bracket_reason
            .or(error.filter(human))
            .or(error_type.filter(human))
            .or(message.filter(human))
            .or(error)
            .map(|r| truncate(r, 500));
        Self { code, reason, details: obj.get("details").cloned() }
    }
}

/// `"<reason> [<code>]"` → (reason, code).
fn split_bracket(s: &str) -> (Option<&str>, Option<&str>) {
    if let Some(inner) = s.strip_suffix(']')
        && let Some(open) = inner.rfind('[')
    {
        let code = inner[open + 1..].trim();
        let reason = inner[..open].trim();
        if is_code(code) {
            return ((!reason.is_empty()).then_some(reason), Some(code));
        }
    }
    (None, None)
}

/// An error code: one lowercase-led word of letters, digits, `-` and `_` (`error-roomId-param-not-provided`).
fn is_code(s: &str) -> bool {
    (s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.contains(['-', '_'])
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        || matches!(s, "unauthorized" | "forbidden")
}

/// "You must wait 42 seconds before …" → 42.
fn wait_seconds(reason: &str) -> Option<u64> {
    let rest = &reason[reason.find("wait ")? + 5..];
    rest.split_whitespace().next()?.parse().ok()
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn status_text(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("no reason given").to_owned()
}

/// What to do about a known error code.
pub fn hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "error-room-not-found" => "no room by that name or id; find it with list_channels, or give its id",
        "invalid-channel" => "no room or user by that name; check it with list_channels or find_users",
        "error-message-size-exceeded" => {
            "the message is longer than the server allows (Message_MaxAllowedSize); shorten it or split it"
        }
        "error-not-allowed" | "not-allowed" => {
            "not allowed here (no access to the room, threads disabled, or an encrypted room)"
        }
        "error-duplicate-channel-name" => "a room with that name exists; pick another name or use that room",
        "error-invalid-room-name" => "room names allow letters, digits, `-`, `_` and `.` only (the default rule)",
        "error-invalid-message" | "error-message-not-found" => "no such message; check its id or link",
        "error-roomId-param-not-provided" => "give the room to search in",
        "invalid-params" | "error-invalid-params" => "the arguments do not fit what the server expects",
        "error-invalid-user" => {
            "no such user, or the user id and token do not belong together (check the configured user id)"
        }
        "invalid-file" => "the upload is unknown or expired (uploads are kept 24 h); upload the file again",
        "error-invalid-sort" | "error-invalid-sort-parameter" => "sort values must be 1 or -1",
        "error-unauthorized" | "unauthorized" => "this account lacks the permission",
        _ => return None,
    })
}

fn bad_request_message(endpoint: &str, reason: &str, code: Option<&str>) -> String {
    let shown = code.filter(|c| *c != reason).map(|c| format!(" [{c}]")).unwrap_or_default();
    let hint = code.and_then(hint).map(|h| format!(": {h}")).unwrap_or_default();
    format!("Rocket.Chat refused `{endpoint}`: {reason}{shown}{hint}.")
}

fn not_found_message(endpoint: &str, server: Option<Version>, known: Option<&EndpointVersion>) -> String {
    let on = server.map(|v| format!("Rocket.Chat {v}")).unwrap_or_else(|| "this Rocket.Chat server".to_owned());
    let instead = known.and_then(|k| k.instead).map(|i| format!("; use {i} instead")).unwrap_or_default();
    if let Some(k) = known {
        if let Some(removed) = k.removed_in
            && server.is_none_or(|v| v >= removed)
        {
            return format!("`{endpoint}` is not on {on}: it was removed in Rocket.Chat {removed}{instead}.");
        }
        if let Some(since) = k.since
            && server.is_none_or(|v| v < since)
        {
            return format!("`{endpoint}` is not on {on}: it needs Rocket.Chat {since} or newer{instead}.");
        }
    }
    format!("`{endpoint}` is not on {on} (404 Resource not found); this release lacks the endpoint.")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_763_632_260_000).unwrap()
    }
    fn err(endpoint: &str, status: u16, body: &str) -> RcError {
        RcError::from_response(
            endpoint,
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
            None,
            now(),
        )
    }

    #[test]
    fn every_401_is_an_invalid_token() {
        for body in [
            r#"{"success":false,"error":"You must be logged in to do this.","status":"error","message":"You must be logged in to do this."}"#,
            r#"{"status":"error","message":"You must be logged in to do this."}"#,
            r#"{"success":false,"error":"You must be logged in to do this."}"#,
            r#"{"success":false,"error":"Unauthorized","status":"error","message":"Unauthorized"}"#,
            "",
            "<html>401</html>",
        ] {
            let e = err("/api/v1/me", 401, body);
            assert_eq!(e, RcError::Unauthorized, "{body}");
            assert!(e.is_auth());
            assert!(e.to_string().contains("token is invalid or expired"));
        }
    }

    #[test]
    fn forbidden_carries_the_reason() {
        let e = err(
            "channels.create",
            403,
            r#"{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}"#,
        );
        let RcError::Forbidden { reason, code, endpoint } = &e else { panic!("{e:?}") };
        assert_eq!(reason, "User does not have the permissions required for this action");
        assert_eq!(code.as_deref(), Some("error-unauthorized"));
        assert_eq!(endpoint, "channels.create");
        assert!(e.to_string().starts_with("Rocket.Chat refused `channels.create`: User does not have"), "{e}");

        let plain = err("channels.create", 403, r#"{"success":false,"error":"unauthorized"}"#);
        assert!(matches!(&plain, RcError::Forbidden { reason, .. } if reason == "unauthorized"), "{plain:?}");
        let nine = err("x", 403, r#"{"success":false,"error":"forbidden"}"#);
        assert_eq!(nine.code(), Some("forbidden"));
        let empty = err("x", 403, "");
        assert!(matches!(&empty, RcError::Forbidden { reason, .. } if reason == "permission denied"));
    }

    #[test]
    fn bad_request_forms() {
        // Meteor.Error: "<reason> [<error>]" with errorType.
        let e = err(
            "rooms.info",
            400,
            r#"{"success":false,"error":"The required \"roomId\" or \"roomName\" param provided does not match any channel [error-room-not-found]","errorType":"error-room-not-found"}"#,
        );
        assert_eq!(e.code(), Some("error-room-not-found"));
        let s = e.to_string();
        assert!(s.contains("does not match any channel [error-room-not-found]: no room by that name"), "{s}");
        assert!(!s.contains("any channel [error-room-not-found] [error"), "the code is not repeated: {s}");

        // Bracket form without errorType.
        let e = err("chat.postMessage", 400, r#"{"success":false,"error":"Invalid channel [invalid-channel]"}"#);
        assert_eq!(e.code(), Some("invalid-channel"));
        assert!(matches!(&e, RcError::BadRequest { reason, .. } if reason == "Invalid channel"));

        // rooms.info swaps error and errorType.
        let e = err("rooms.info", 400, r#"{"success":false,"error":"not-allowed","errorType":"Not Allowed"}"#);
        assert_eq!(e.code(), Some("not-allowed"));
        assert!(matches!(&e, RcError::BadRequest { reason, .. } if reason == "Not Allowed"), "{e:?}");

        // A plain thrown error: no code.
        let e = err("channels.create", 400, r#"{"success":false,"error":"Param \"name\" is required"}"#);
        assert_eq!(e.code(), None);
        assert_eq!(e.to_string(), "Rocket.Chat refused `channels.create`: Param \"name\" is required.");

        // Only a code.
        let e = err("chat.update", 400, r#"{"success":false,"errorType":"error-invalid-params"}"#);
        assert!(matches!(&e, RcError::BadRequest { reason, .. } if reason == "error-invalid-params"), "{e:?}");
        assert_eq!(
            e.to_string(),
            "Rocket.Chat refused `chat.update`: error-invalid-params: the arguments do not fit what the server expects."
        );

        // Details are kept.
        let e = err(
            "im.create",
            400,
            r#"{"success":false,"error":"Invalid user [error-invalid-user]","errorType":"error-invalid-user","details":{"method":"createDirectMessage"}}"#,
        );
        assert!(matches!(&e, RcError::BadRequest { details: Some(d), .. } if d["method"] == "createDirectMessage"));
        assert!(e.to_string().contains("user id and token do not belong together"));

        // Not JSON.
        let e = err("x", 400, "Bad Request");
        assert!(matches!(&e, RcError::BadRequest { reason, code: None, .. } if reason == "Bad Request"));
    }

    #[test]
    fn two_factor() {
        let e = err(
            "users.generatePersonalAccessToken",
            400,
            r#"{"success":false,"error":"TOTP Required [totp-required]","errorType":"totp-required","details":{"method":"password"}}"#,
        );
        assert_eq!(e, RcError::TwoFactorRequired { method: Some("password".into()) });
        assert!(e.to_string().contains("Ignore Two Factor Authentication"));
        assert!(e.to_string().contains("(method: password)"));
        // No errorType at all (8.5 capture), still recognised by `error`.
        let e = err(
            "x",
            400,
            r#"{"success":false,"error":"totp-required","status":"error","message":"TOTP Required","details":{"method":"email","availableMethods":["email"],"codeGenerated":false}}"#,
        );
        assert_eq!(e, RcError::TwoFactorRequired { method: Some("email".into()) });
    }

    #[test]
    fn missing_endpoints_name_the_version() {
        let at = |ep: &str, v: Option<Version>| {
            RcError::from_response(ep, StatusCode::NOT_FOUND, &HeaderMap::new(), b"", v, now()).to_string()
        };
        assert_eq!(
            at("/api/v1/rooms.upload/GENERAL", Some(Version::new(8, 0, 1))),
            "`rooms.upload` is not on Rocket.Chat 8.0.1: it was removed in Rocket.Chat 8.0.0; use rooms.media then \
             rooms.mediaConfirm instead."
        );
        assert_eq!(
            at("/api/v1/rooms.media/GENERAL", Some(Version::new(6, 9, 3))),
            "`rooms.media` is not on Rocket.Chat 6.9.3: it needs Rocket.Chat 6.10.0 or newer; use rooms.upload instead."
        );
        assert!(at("rooms.mediaConfirm/R/F", None).contains("needs Rocket.Chat 6.10.0 or newer"));
        assert!(at("rooms.join", None).contains("needs Rocket.Chat 8.6.0"));
        assert!(at("dm.blockUser", None).contains("needs Rocket.Chat 8.6.0"));
        // Known endpoint on a server that should have it: the generic message.
        assert!(at("rooms.media/R", Some(Version::new(7, 0, 0))).contains("404 Resource not found"));
        let generic = at("/api/v1/chat.nothing?x=1", Some(Version::new(7, 4, 0)));
        assert_eq!(
            generic,
            "`chat.nothing` is not on Rocket.Chat 7.4.0 (404 Resource not found); this release lacks the endpoint."
        );
    }

    #[test]
    fn endpoint_names() {
        assert_eq!(endpoint_name("/api/v1/rooms.upload/GENERAL"), "rooms.upload");
        assert_eq!(endpoint_name("api/v1/chat.search?roomId=x"), "chat.search");
        assert_eq!(endpoint_name("channels.list"), "channels.list");
        assert_eq!(endpoint_name("/api/info"), "info");
        assert_eq!(endpoint_version("/api/v1/rooms.media/X").unwrap().since, Some(Version::new(6, 10, 0)));
        assert!(endpoint_version("chat.postMessage").is_none());
    }

    fn limit_headers(reset_ms: i64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Limit", HeaderValue::from_static("10"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("X-RateLimit-Reset", HeaderValue::from_str(&reset_ms.to_string()).unwrap());
        h
    }

    #[test]
    fn rate_limit_headers() {
        let reset = now().timestamp_millis() + 42_500;
        let rl = RateLimit::from_headers(&limit_headers(reset)).unwrap();
        assert_eq!((rl.limit, rl.remaining), (Some(10), Some(0)));
        assert_eq!(rl.reset_at.unwrap().timestamp_millis(), reset);
        assert!(rl.exhausted());
        assert_eq!(rl.wait(now()), Some(Duration::from_millis(42_500)));
        assert_eq!(rl.wait(now() + chrono::Duration::minutes(1)), Some(Duration::ZERO));
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
        let mut junk = HeaderMap::new();
        junk.insert("x-ratelimit-reset", HeaderValue::from_static("soon"));
        assert_eq!(RateLimit::from_headers(&junk), None);
    }

    #[test]
    fn too_many_requests() {
        let body = r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 37 seconds before trying this endpoint again. [error-too-many-requests]"}"#;
        let reset = now().timestamp_millis() + 12_000;
        let e = RcError::from_response(
            "/api/v1/channels.history",
            StatusCode::TOO_MANY_REQUESTS,
            &limit_headers(reset),
            body.as_bytes(),
            None,
            now(),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(12)), "the header wins over the body");
        assert!(e.is_retryable());
        assert!(e.to_string().contains("retry in 12 s"), "{e}");
        let body_only = err("channels.history", 429, body);
        assert_eq!(body_only.retry_after(), Some(Duration::from_secs(37)));
        let nothing = err("channels.history", 429, "");
        assert_eq!(nothing.retry_after(), None);
        assert!(nothing.to_string().contains("bot role"));
    }

    #[test]
    fn server_failures() {
        let e = err("chat.search", 500, r#"{"success":false,"error":"Internal server error"}"#);
        assert_eq!(
            e.to_string(),
            "Rocket.Chat failed on `chat.search` (HTTP 500): Internal server error. Try again later."
        );
        assert!(!e.is_retryable());
        assert!(err("x", 503, "<html>").is_retryable());
        assert!(matches!(err("x", 503, "<html>"), RcError::Server { reason, .. } if reason == "Service Unavailable"));
        assert!(matches!(err("x", 418, ""), RcError::Unexpected { status: 418, .. }));
    }

    #[test]
    fn codes_are_told_from_words() {
        assert!(
            is_code("error-room-not-found") && is_code("invalid-channel") && is_code("error-roomId-param-not-provided")
        );
        assert!(!is_code("Not Allowed") && !is_code("You must be logged in to do this.") && !is_code("Unauthorized"));
        assert_eq!(split_bracket("a [b-c]"), (Some("a"), Some("b-c")));
        assert_eq!(split_bracket("[b-c]"), (None, Some("b-c")));
        assert_eq!(split_bracket("see [the docs]"), (None, None));
        assert_eq!(wait_seconds("You must wait 5 seconds"), Some(5));
        assert_eq!(truncate("abcdef", 3), "abc…");
    }
}
