//! Audit log of tool calls (written by the tool layer; arguments arrive already redacted).
//!
//! # Bounded rows
//! A row keeps a bounded copy of the arguments ([`audit_args::bound_arguments`]: long strings
//! cut to 1 KiB with a `…[cut: N bytes]` marker, arrays and objects to 100 items, at most 64 KiB
//! in all) and the core's digest of the whole arguments; the message and the caller's texts are
//! cut the same way. A denied 3 MiB `import_data` adds about a kilobyte. Old rows are removed by
//! [`Store::prune_audit`] (the server runs it in the background when `audit_retention_days` or
//! `audit_max_rows` is configured).
//!
//! # Who may read a row
//! A row is *about* the blocks and fields its call named, fixed when the row is written: the
//! blocks and fields of the wells named in the arguments (`well_id`, `well_ids`, `id`, looked up
//! at that moment, deleted wells included) plus the `block`/`blocks` and `field` values in the
//! arguments themselves. A caller whose scope limits blocks (or fields) sees only rows that are
//! about at least one block (field) and only about blocks (fields) in its scope; rows naming no
//! block (listing every well, the audit log itself, imports, rows written before this rule) are
//! for unrestricted callers only. A well moved to another block later keeps its old rows where
//! they were.

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use rusqlite::named_params;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::audit_args::{self, MAX_STRING, bound_text};
use super::cursor::{AuditCursor, audit_fingerprint};
use super::snapshot::Snapshot;
use super::types::{DEFAULT_LIMIT, Paged, check_limit};
use super::{DbError, Scope, Store};

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
    /// The core's digest of the whole (uncut) arguments.
    #[serde(default)]
    pub arguments_digest: Option<String>,
    /// Blocks the call was about (set by the store when it writes the row; see the module docs).
    #[serde(default)]
    pub blocks: Vec<String>,
    /// Fields the call was about (set by the store, like `blocks`).
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Longest message kept in a row, in bytes.
const MAX_MESSAGE: usize = 4096;
/// Rows removed by one [`Store::prune_audit`] call at most.
pub const PRUNE_BATCH: u64 = 5000;
/// `query_audit`'s `total` counts at most this many matching rows; past it, `total` is a lower
/// bound (`total_is_lower_bound`), so a page costs the same however long the log is.
pub const AUDIT_TOTAL_BOUND: u64 = 2_000;

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
    /// `next_cursor` of the previous page (same filters): the page right after its last entry,
    /// however many entries arrived since; `offset` is then ignored.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self {
            caller: None,
            tool: None,
            outcome: None,
            from: None,
            to: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            cursor: None,
        }
    }
}

macro_rules! audit_where {
    () => {
        " WHERE (:caller IS NULL OR lower(caller_id) = lower(:caller) OR lower(caller_email) = lower(:caller)) \
           AND (:tool IS NULL OR tool = :tool) \
           AND (:outcome IS NULL OR lower(outcome) = lower(:outcome)) \
           AND ts >= :from AND ts < :to \
           AND (:sb IS NULL OR (json_array_length(blocks) > 0 AND NOT EXISTS (SELECT 1 FROM json_each(audit_log.blocks) b \
                WHERE lower(b.value) NOT IN (SELECT lower(value) FROM json_each(:sb))))) \
           AND (:sf IS NULL OR (json_array_length(fields) > 0 AND NOT EXISTS (SELECT 1 FROM json_each(audit_log.fields) f \
                WHERE lower(f.value) NOT IN (SELECT lower(value) FROM json_each(:sf)))))"
    };
}

const INSERT_AUDIT: &str = "INSERT INTO audit_log (ts, caller_id, caller_email, caller_role, tool, arguments, \
     outcome, rows_affected, duration_ms, message, arguments_digest, blocks, fields) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/// An entry as its row stores it: texts and arguments bounded.
struct Encoded {
    ts: String,
    arguments: String,
    caller: [Option<String>; 3],
    message: Option<String>,
    subjects: audit_args::Subjects,
}

fn encode(e: &AuditEntry) -> Result<Encoded, DbError> {
    let cut = |v: &Option<String>| v.as_deref().map(|s| bound_text(s, 256));
    let arguments = audit_args::bound_arguments(&e.arguments);
    Ok(Encoded {
        ts: e.ts.to_rfc3339_opts(SecondsFormat::Millis, true),
        subjects: audit_args::subjects(&arguments),
        arguments: serde_json::to_string(&arguments)?,
        caller: [cut(&e.caller_id), cut(&e.caller_email), cut(&e.caller_role)],
        message: e.message.as_deref().map(|m| bound_text(m, MAX_MESSAGE)),
    })
}

/// Blocks and fields (lower-case, JSON arrays) a row is about: those named, and those of the
/// wells named (as they are now).
fn about(conn: &rusqlite::Connection, s: &audit_args::Subjects) -> Result<(String, String), DbError> {
    let mut blocks: Vec<String> = s.blocks.iter().map(|b| b.to_lowercase()).collect();
    let mut fields: Vec<String> = s.fields.iter().map(|f| f.to_lowercase()).collect();
    let mut lookup = conn.prepare_cached("SELECT lower(block), lower(field) FROM wells WHERE id = ?1")?;
    for input in &s.well_ids {
        let Ok(id) = crate::domain::normalize_well_id(input) else { continue };
        if let Some((block, field)) =
            rusqlite::OptionalExtension::optional(lookup.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?))))?
        {
            blocks.push(block);
            fields.push(field);
        }
    }
    for list in [&mut blocks, &mut fields] {
        list.sort();
        list.dedup();
        list.truncate(audit_args::MAX_SUBJECTS);
    }
    Ok((serde_json::to_string(&blocks)?, serde_json::to_string(&fields)?))
}

fn insert(conn: &rusqlite::Connection, e: &AuditEntry, enc: &Encoded) -> Result<(), DbError> {
    let (blocks, fields) = about(conn, &enc.subjects)?;
    let digest = e.arguments_digest.as_deref().map(|d| bound_text(d, MAX_STRING));
    conn.prepare_cached(INSERT_AUDIT)?.execute(rusqlite::params![
        enc.ts,
        enc.caller[0],
        enc.caller[1],
        enc.caller[2],
        bound_text(&e.tool, 256),
        enc.arguments,
        bound_text(&e.outcome, 256),
        e.rows_affected,
        e.duration_ms,
        enc.message,
        digest,
        blocks,
        fields
    ])?;
    Ok(())
}

/// The page of `fetched` rows (up to `limit + 1`, read from `offset`) with `counted` matching
/// rows counted up to [`AUDIT_TOTAL_BOUND`] + 1: `next_offset` is exact (there is a next page when
/// one row more than the page was read), `total` exact up to the bound and past it a lower bound.
/// `cursor_of` names the last row of a page as a `next_cursor`.
fn bounded_page<T>(
    mut fetched: Vec<T>,
    counted: u64,
    offset: u64,
    limit: u32,
    cursor_of: impl Fn(&T, u64) -> String,
) -> Paged<T> {
    let more = fetched.len() > limit as usize;
    fetched.truncate(limit as usize);
    let end = offset.saturating_add(fetched.len() as u64);
    let next_offset = more.then_some(end);
    let next_cursor = if more { fetched.last().map(|last| cursor_of(last, end)) } else { None };
    let (total, total_is_lower_bound) = if counted <= AUDIT_TOTAL_BOUND {
        // Exact; a page read past the end of the log still says how many rows there are.
        (counted, false)
    } else {
        // At least the rows counted, and at least those the page proves exist.
        let seen = if fetched.is_empty() { 0 } else { end + u64::from(more) };
        (counted.max(seen), true)
    };
    Paged { items: fetched, total, total_is_lower_bound, next_offset, next_cursor }
}

impl Store {
    /// Append several entries in one transaction (the tool layer's background audit writer,
    /// which keeps `entries` to try again when the database is busy).
    pub async fn record_audit_batch(&self, entries: std::sync::Arc<Vec<AuditEntry>>) -> Result<usize, DbError> {
        let encoded = entries.iter().map(encode).collect::<Result<Vec<_>, DbError>>()?;
        self.write(move |conn, _| {
            // IMMEDIATE: the row's blocks are read before the insert, and a read transaction
            // cannot wait for another process's write lock to upgrade (it would fail at once).
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for (enc, e) in encoded.iter().zip(entries.iter()) {
                insert(&tx, e, enc)?;
            }
            tx.commit()?;
            Ok(encoded.len())
        })
        .await
    }

    /// Append an entry (bounded like every row, see the module docs); returns its id.
    pub async fn record_audit(&self, entry: AuditEntry) -> Result<i64, DbError> {
        let enc = encode(&entry)?;
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            insert(&tx, &entry, &enc)?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    /// Remove audit rows older than `older_than` and, past `max_rows`, the oldest ones: at most
    /// [`PRUNE_BATCH`] rows per call in one short transaction (call again while it returns
    /// [`PRUNE_BATCH`]). Returns the rows removed.
    pub async fn prune_audit(&self, older_than: Option<DateTime<Utc>>, max_rows: Option<u64>) -> Result<u64, DbError> {
        let cutoff = older_than.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
        let max_rows = max_rows.map(|m| i64::try_from(m).unwrap_or(i64::MAX));
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let batch = PRUNE_BATCH as i64;
            let mut removed = 0i64;
            if let Some(cutoff) = &cutoff {
                removed += tx
                    .prepare_cached(
                        "DELETE FROM audit_log WHERE id IN \
                         (SELECT id FROM audit_log WHERE ts < ?1 ORDER BY ts, id LIMIT ?2)",
                    )?
                    .execute(rusqlite::params![cutoff, batch])? as i64;
            }
            if let Some(max) = max_rows {
                let rows: i64 = tx.prepare_cached("SELECT count(*) FROM audit_log")?.query_row([], |r| r.get(0))?;
                let excess = (rows - max).clamp(0, batch - removed);
                if excess > 0 {
                    removed += tx
                        .prepare_cached(
                            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY ts, id LIMIT ?1)",
                        )?
                        .execute([excess])? as i64;
                }
            }
            tx.commit()?;
            Ok(u64::try_from(removed).unwrap_or(0))
        })
        .await
    }

    /// Audit entries matching the filter that `scope` may read (see the module docs), newest first.
    ///
    /// Cost per page does not grow with the log: the page is read from the `ts` index (one row
    /// more than asked, for an exact `next_offset`) and `total` is counted up to
    /// [`AUDIT_TOTAL_BOUND`] (past it, `total_is_lower_bound` says "at least `total`").
    pub async fn query_audit(&self, scope: &Scope, q: AuditQuery) -> Result<Paged<AuditEntry>, DbError> {
        check_limit(q.limit)?;
        let (sb, sf) = scope.params();
        let from = q.from.map_or_else(|| "0000".to_string(), |d| d.to_string());
        let to = q.to.map_or_else(|| "9999".to_string(), |d| (d + Duration::days(1)).to_string());
        let query = audit_fingerprint(q.caller.as_deref(), q.tool.as_deref(), q.outcome.as_deref(), &from, &to);
        let cursor = q.cursor.as_deref().map(|c| AuditCursor::decode(c, query)).transpose()?;
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            // After a cursor: seek past its entry on the `ts` index (rows added since, all newer,
            // do not move the page). Otherwise step over `offset` rows.
            let (start, skip, key) = match &cursor {
                Some(c) => (c.offset, 0, Some((c.ts.clone(), c.id))),
                None => (q.offset, i64::try_from(q.offset).unwrap_or(i64::MAX), None),
            };
            let (kts, kid) = key.unzip();
            // Counted up to the bound (and the page read one row past its end, below): neither
            // walks more of the log than the bound or the page needs.
            let cap = i64::try_from(AUDIT_TOTAL_BOUND).unwrap_or(i64::MAX) + 1;
            let counted: i64 = tx
                .prepare_cached(concat!(
                    "SELECT count(*) FROM (SELECT 1 FROM audit_log",
                    audit_where!(),
                    " LIMIT :cap)"
                ))?
                .query_row(
                    named_params! {":caller": q.caller, ":tool": q.tool, ":outcome": q.outcome,
                    ":from": from, ":to": to, ":sb": sb, ":sf": sf, ":cap": cap},
                    |r| r.get(0),
                )?;
            let fetch = i64::from(q.limit) + 1;
            let mut stmt = tx.prepare_cached(concat!(
                "SELECT id, ts, caller_id, caller_email, caller_role, tool, arguments, outcome, \
                 rows_affected, duration_ms, message, arguments_digest, blocks, fields FROM audit_log",
                audit_where!(),
                " AND (:kts IS NULL OR (ts <= :kts AND (ts < :kts OR id < :kid))) \
                 ORDER BY ts DESC, id DESC LIMIT :limit OFFSET :offset"
            ))?;
            let items = stmt
                .query_map(
                    named_params! {":caller": q.caller, ":tool": q.tool, ":outcome": q.outcome,
                    ":from": from, ":to": to, ":limit": fetch, ":offset": skip, ":sb": sb, ":sf": sf,
                    ":kts": kts, ":kid": kid},
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
                            [r.get::<_, Option<String>>(11)?, r.get(12)?, r.get(13)?],
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
                        [arguments_digest, blocks, fields],
                    ) = row?;
                    let list = |v: Option<String>| -> Vec<String> {
                        v.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default()
                    };
                    let stored_ts = ts.clone();
                    let ts = DateTime::parse_from_rfc3339(&ts)
                        .map_err(|e| DbError::Storage(format!("bad audit timestamp '{ts}': {e}")))?
                        .with_timezone(&Utc);
                    Ok((
                        stored_ts,
                        AuditEntry {
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
                            arguments_digest,
                            blocks: list(blocks),
                            fields: list(fields),
                        },
                    ))
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            let page = bounded_page(items, u64::try_from(counted).unwrap_or(0), start, q.limit, |(ts, e), end| {
                AuditCursor { offset: end, ts: ts.clone(), id: e.id.unwrap_or_default(), query }.encode()
            });
            Ok(Paged {
                items: page.items.into_iter().map(|(_, e)| e).collect(),
                total: page.total,
                total_is_lower_bound: page.total_is_lower_bound,
                next_offset: page.next_offset,
                next_cursor: page.next_cursor,
            })
        })
        .await
    }
}
