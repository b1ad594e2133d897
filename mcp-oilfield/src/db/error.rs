//! Storage errors. Every message is written for the end user.

use crate::domain::DomainError;

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbError {
    /// The referenced entity does not exist (or is outside the caller's scope, or deleted).
    /// `what` reads like `well ZT-999`; `suggestions` are up to 3 close existing ids.
    #[error("Unknown {what}.{}", did_you_mean(.suggestions))]
    NotFound { what: String, suggestions: Vec<String> },
    /// The operation conflicts with the current data (duplicate, stale version, ...).
    #[error("{0}")]
    Conflict(String),
    /// The input is invalid (range, format, consistency).
    #[error("{0}")]
    Invalid(String),
    /// The database itself failed (I/O, busy, pool exhausted, ...).
    #[error("storage error: {0}")]
    Storage(String),
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() { String::new() } else { format!(" Did you mean: {}?", suggestions.join(", ")) }
}

impl DbError {
    /// A `NotFound` without suggestions.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into(), suggestions: Vec::new() }
    }
}

impl From<DomainError> for DbError {
    fn from(e: DomainError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e
            && matches!(
                f.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            )
        {
            return Self::Conflict(format!("the change conflicts with existing data: {e}"));
        }
        Self::Storage(e.to_string())
    }
}

impl From<r2d2::Error> for DbError {
    fn from(e: r2d2::Error) -> Self {
        Self::Storage(format!("no database connection available: {e}"))
    }
}

impl From<tokio::task::JoinError> for DbError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Storage(format!("database task failed: {e}"))
    }
}

impl From<std::io::Error> for DbError {
    fn from(e: std::io::Error) -> Self {
        Self::Storage(format!("I/O error: {e}"))
    }
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        Self::Storage(format!("JSON error: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_message() {
        let e = DbError::NotFound { what: "well ZT-999".into(), suggestions: vec!["ZT-102".into(), "ZT-105".into()] };
        assert_eq!(e.to_string(), "Unknown well ZT-999. Did you mean: ZT-102, ZT-105?");
        assert_eq!(DbError::not_found("well Q1").to_string(), "Unknown well Q1.");
    }
}
