//! Audit log of tool calls (written by the tool layer; arguments arrive already redacted).

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use rusqlite::named_params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::{DEFAULT_LIMIT, Paged, check_limit};
use super::{DbError, Store};

/// One audited tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuditEntry {
    /// Assigned by the store (ignored by `record_audit`).
    #[serde(default)]
    pub id: Option<i64>,
    /// When the call happened (UTC).
    pub ts: DateTime<Utc>,
    pub caller_id: Option<String>,
    pub caller_email: Option<String>,
    pub caller_role: Option<String>,
    pub tool: String,
    /// Tool arguments, already redacted by the caller.
    pub arguments: serde_json::Value,
    /// e.g. ok, error, denied.
    pub outcome: String,
    pub rows_affected: Option<i64>,
    pub duration_ms: i64,
    pub message: Option<String>,
}

fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

/// Filters of the audit log (all optional, combined with AND), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Caller id or e-mail (exact, case-insensitive).
    #[serde(default)]
    pub caller: Option<String>,
    /// Tool name (exact).
    #[serde(default)]
    pub tool: Option<String>,
    /// Outcome (exact, case-insensitive).
    #[serde(default)]
    pub outcome: Option<String>,
    /// First day (UTC), inclusive.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day (UTC), inclusive.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Rows per page (1-500, default 20).
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    #[serde(default)]
    pub offset: u64,
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self { caller: None, tool: None, outcome: None, from: None, to: None, limit: DEFAULT_LIMIT, offset: 0 }
    }
}

macro_rules! audit_where {
    () => {
        " WHERE (:caller IS NULL OR lower(caller_id) = lower(:caller) OR lower(caller_email) = lower(:caller)) \
           AND (:tool IS NULL OR tool = :tool) \
           AND (:outcome IS NULL OR lower(outcome) = lower(:outcome)) \
           AND ts >= :from AND ts < :to"
    };
}

const INSERT_AUDIT: &str = "INSERT INTO audit_log (ts, caller_id, caller_email, caller_role, tool, arguments, \
     outcome, rows_affected, duration_ms, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

impl Store {
    /// Append several entries in one transaction (the tool layer's background audit writer,
    /// which keeps `entries` to try again when the database is busy).
    pub async fn record_audit_batch(&self, entries: std::sync::Arc<Vec<AuditEntry>>) -> Result<usize, DbError> {
        let encoded = entries
            .iter()
            .map(|e| Ok((e.ts.to_rfc3339_opts(SecondsFormat::Millis, true), serde_json::to_string(&e.arguments)?)))
            .collect::<Result<Vec<_>, DbError>>()?;
        self.write(move |conn, _| {
            let tx = conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(INSERT_AUDIT)?;
                for ((ts, arguments), e) in encoded.iter().zip(entries.iter()) {
                    insert.execute(rusqlite::params![
                        ts,
                        e.caller_id,
                        e.caller_email,
                        e.caller_role,
                        e.tool,
                        arguments,
                        e.outcome,
                        e.rows_affected,
                        e.duration_ms,
                        e.message
                    ])?;
                }
            }
            tx.commit()?;
            Ok(encoded.len())
        })
        .await
    }

    /// Append an entry; returns its id.
    pub async fn record_audit(&self, entry: AuditEntry) -> Result<i64, DbError> {
        let arguments = serde_json::to_string(&entry.arguments)?;
        let ts = entry.ts.to_rfc3339_opts(SecondsFormat::Millis, true);
        self.write(move |conn, _| {
            conn.prepare_cached(INSERT_AUDIT)?.execute(rusqlite::params![
                ts,
                entry.caller_id,
                entry.caller_email,
                entry.caller_role,
                entry.tool,
                arguments,
                entry.outcome,
                entry.rows_affected,
                entry.duration_ms,
                entry.message
            ])?;
            Ok(conn.last_insert_rowid())
        })
        .await
    }

    /// Audit entries matching the filter, newest first.
    pub async fn query_audit(&self, q: AuditQuery) -> Result<Paged<AuditEntry>, DbError> {
        check_limit(q.limit)?;
        let from = q.from.map_or_else(|| "0000".to_string(), |d| d.to_string());
        let to = q.to.map_or_else(|| "9999".to_string(), |d| (d + Duration::days(1)).to_string());
        self.read(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
            let total: i64 = tx.prepare_cached(concat!("SELECT count(*) FROM audit_log", audit_where!()))?.query_row(
                named_params! {":caller": q.caller, ":tool": q.tool, ":outcome": q.outcome,
                ":from": from, ":to": to},
                |r| r.get(0),
            )?;
            let mut stmt = tx.prepare_cached(concat!(
                "SELECT id, ts, caller_id, caller_email, caller_role, tool, arguments, outcome, \
                 rows_affected, duration_ms, message FROM audit_log",
                audit_where!(),
                " ORDER BY ts DESC, id DESC LIMIT :limit OFFSET :offset"
            ))?;
            let items = stmt
                .query_map(
                    named_params! {":caller": q.caller, ":tool": q.tool, ":outcome": q.outcome,
                    ":from": from, ":to": to, ":limit": q.limit, ":offset": offset},
                    |r| {
                        let ts: String = r.get(1)?;
                        let args: String = r.get(6)?;
                        Ok((
                            r.get::<_, i64>(0)?,
                            ts,
                            args,
                            [r.get(2)?, r.get(3)?, r.get(4)?],
                            r.get(5)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                            r.get(10)?,
                        ))
                    },
                )?
                .map(|row| {
                    let (
                        id,
                        ts,
                        args,
                        [caller_id, caller_email, caller_role],
                        tool,
                        outcome,
                        rows_affected,
                        duration_ms,
                        message,
                    ) = row?;
                    let ts = DateTime::parse_from_rfc3339(&ts)
                        .map_err(|e| DbError::Storage(format!("bad audit timestamp '{ts}': {e}")))?
                        .with_timezone(&Utc);
                    Ok(AuditEntry {
                        id: Some(id),
                        ts,
                        caller_id,
                        caller_email,
                        caller_role,
                        tool,
                        arguments: serde_json::from_str(&args).unwrap_or(serde_json::Value::String(args)),
                        outcome,
                        rows_affected,
                        duration_ms,
                        message,
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            Ok(Paged::new(items, u64::try_from(total).unwrap_or(0), q.offset))
        })
        .await
    }
}
