//! Caller identity: who is making *this* request.
//!
//! One [`Caller`] is built per HTTP request (per POST for legacy SSE, never per session) from the
//! authenticated principal and the identity headers, or once from config/env in stdio mode.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How the caller reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportKind {
    /// Standard input/output (one local client).
    Stdio,
    /// Streamable HTTP at `/mcp`.
    StreamableHttp,
    /// Legacy HTTP+SSE (`/sse` + `/messages`).
    Sse,
    /// The curl-friendly compatibility endpoints (`/mcp/tools`, `/mcp/call-tool`).
    Compat,
    /// In-process (tests, `tools` subcommand).
    InProcess,
}

impl TransportKind {
    /// Stable label used in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdio => "stdio",
            Self::StreamableHttp => "streamable-http",
            Self::Sse => "sse",
            Self::Compat => "compat",
            Self::InProcess => "in-process",
        }
    }
}

/// The authenticated principal behind a request (from a bearer key or an OAuth token).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principal {
    /// Key name (bearer) or token `sub` (oauth).
    pub subject: String,
    /// Granted scopes (oauth `scope`/`scp`; empty for bearer keys).
    pub scopes: Vec<String>,
}

/// A secret value that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The raw value: use it only to send it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Secrets serialize as `***`, so no serialized config (`print-config`, logs) ever shows one.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": "A secret (never printed)", "writeOnly": true})
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Who is calling, for one request.
#[derive(Clone, Default)]
pub struct Caller {
    /// Authenticated principal, if the request carried valid credentials.
    pub principal: Option<Principal>,
    /// `X-User-ID` (or configured header), when trusted and not a placeholder.
    pub user_id: Option<String>,
    /// `X-User-Email`.
    pub email: Option<String>,
    /// `X-User-Role`.
    pub role: Option<String>,
    /// `X-User-Name`.
    pub name: Option<String>,
    /// Per-request upstream credentials the server asked for (header name lowercased → value).
    /// Never logged; never the MCP token itself.
    credentials: HashMap<String, Secret>,
    /// How the request arrived.
    pub transport: Option<TransportKind>,
}

impl Caller {
    /// A caller with only the given role (handy for stdio and tests).
    pub fn with_role(role: impl Into<String>) -> Self {
        Self { role: Some(role.into()), ..Self::default() }
    }

    /// Is this request authenticated (bearer key or OAuth token)?
    pub fn is_authenticated(&self) -> bool {
        self.principal.is_some()
    }

    /// Scopes granted to the caller.
    pub fn scopes(&self) -> &[String] {
        self.principal.as_ref().map_or(&[], |p| p.scopes.as_slice())
    }

    /// A best-effort id for logs and audit: user id, else email, else principal subject.
    pub fn id(&self) -> &str {
        self.user_id
            .as_deref()
            .or(self.email.as_deref())
            .or(self.principal.as_ref().map(|p| p.subject.as_str()))
            .unwrap_or("anonymous")
    }

    /// Role for logs (`-` when absent).
    pub fn role_label(&self) -> &str {
        self.role.as_deref().unwrap_or("-")
    }

    /// A per-request credential header declared by the server (case-insensitive name).
    pub fn credential(&self, header: &str) -> Option<&Secret> {
        self.credentials.get(&header.to_ascii_lowercase())
    }

    /// Attach a credential (used by the identity extractor and tests).
    pub fn set_credential(&mut self, header: &str, value: Secret) {
        self.credentials.insert(header.to_ascii_lowercase(), value);
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("principal", &self.principal.as_ref().map(|p| &p.subject))
            .field("user_id", &self.user_id)
            .field("role", &self.role)
            .field("transport", &self.transport)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// True when a header value is an unreplaced client placeholder such as `{{LIBRECHAT_USER_ROLE}}`.
pub fn is_placeholder(value: &str) -> bool {
    value.contains("{{")
}
