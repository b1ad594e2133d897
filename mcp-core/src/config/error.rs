//! Configuration errors: one message naming the key, where its value came from, and the reason.

use std::fmt;

/// Exit code for configuration and usage errors (`EX_USAGE` from sysexits.h).
pub const EXIT_CONFIG: u8 = 64;

/// A configuration problem found before anything is bound or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// Dotted key, e.g. `oauth.issuer` (empty for whole-file problems).
    pub key: String,
    /// Where the value came from (`file ./config.yaml`, `env MCP_SERVER_PORT`, `flag --port`, `default`).
    pub origin: Option<String>,
    /// What is wrong and, where possible, what would be right.
    pub reason: String,
}

impl ConfigError {
    /// A problem with `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { key: key.into(), origin: None, reason: reason.into() }
    }
    /// Attach where the value came from.
    pub fn from_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration")?;
        if !self.key.is_empty() {
            write!(f, ": `{}`", self.key)?;
        }
        if let Some(origin) = &self.origin {
            write!(f, " (from {origin})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Turn a figment extraction error into a [`ConfigError`].
pub(crate) fn from_figment(err: figment::Error, prefix: Option<&str>) -> ConfigError {
    let mut path: Vec<String> = err.path.clone();
    if let Some(prefix) = prefix
        && path.first().map(String::as_str) != Some(prefix)
    {
        path.insert(0, prefix.to_owned());
    }
    let mut push_last = |field: &str| {
        if path.last().map(String::as_str) != Some(field) {
            path.push(field.to_owned());
        }
    };
    let reason = match &err.kind {
        figment::error::Kind::UnknownField(field, expected) => {
            push_last(field);
            format!("unknown key; expected one of: {}", expected.join(", "))
        }
        figment::error::Kind::MissingField(field) => {
            push_last(field);
            "required key is missing".to_owned()
        }
        // A section that flattens a block (an upstream's) reports unknown keys as a message.
        figment::error::Kind::Message(message) if message.starts_with("unknown field `") => {
            if let Some(field) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
                push_last(field);
            }
            "unknown key".to_owned()
        }
        other => other.to_string(),
    };
    let origin = err.metadata.as_ref().map(|m| m.name.to_string());
    ConfigError { key: path.join("."), origin, reason }
}
