//! Admin tools (permission level `admin`): export, import, audit log.

use std::sync::Arc;

use mcp_core::{Hints, ToolDef, ToolOutput};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{args, db_err, render};
use crate::app::Oilfield;
use crate::db::AuditQuery;
use crate::rbac::Level;

/// Arguments of `query_audit_log`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditArgs {
    /// Caller id or e-mail (exact, case-insensitive).
    #[serde(default)]
    pub caller: Option<String>,
    /// Tool name (exact).
    #[serde(default)]
    pub tool: Option<String>,
    /// Outcome: ok, denied, invalid_arguments, not_found, conflict, timeout, cancelled, internal_error.
    #[serde(default)]
    pub outcome: Option<String>,
    /// Date range in words or ISO (`today`, `last 7 days`).
    #[serde(default)]
    pub period: Option<String>,
    /// Rows per page (1-500, default 20), newest first.
    #[serde(default = "default_limit")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: u32,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// `next_cursor` of the previous page (same filters): continues right after its last entry,
    /// however many calls were logged since; `offset` is then ignored.
    #[serde(default)]
    pub cursor: Option<String>,
}

fn default_limit() -> u32 {
    20
}

/// How long `query_audit_log` waits for the audit rows of calls that just finished.
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// Appended when that wait ran out.
const UNSETTLED: &str = "\nNote: the database writer is busy (an import or a large write), so calls from the last few seconds may not be listed yet; ask again shortly.";

pub(super) fn tools() -> Vec<ToolDef<Oilfield>> {
    let mut tools = crate::tools::admin_exchange::tools();
    tools.push(
        ToolDef::new(
            "query_audit_log",
            "Query the audit log",
            "Who called which tool when, with what outcome (arguments are stored with secrets removed and long values cut). Filter by caller, tool, outcome and period; newest first. A role limited to some blocks sees only the calls about those blocks. Paginate with limit (max 500) and next_cursor (continues after the last entry shown, even while new calls are logged) or offset: `total` counts the matching entries up to 2000 and past that `total_is_lower_bound` is true (at least `total` entries), so a page costs the same however long the log is; `next_offset` is exact.",
            Hints::read_only().closed_world(),
            |s: Arc<Oilfield>, ctx, a: AuditArgs| async move {
                let (from, to) = args::period(a.period.as_deref(), None, None, s.store.today())?;
                let q = AuditQuery {
                    caller: a.caller,
                    tool: a.tool,
                    outcome: a.outcome,
                    from,
                    to,
                    limit: a.limit,
                    offset: a.offset,
                    cursor: a.cursor,
                };
                // Read your writes: every call that finished before this one is in the log,
                // unless the writer is held up (then say so instead of stalling).
                let settled = s.settle_audit(SETTLE_WAIT).await;
                // A block-limited admin reads only the rows about its blocks (db::audit docs).
                let page = s.store.query_audit(&ctx.access.scope, q).await.map_err(db_err)?;
                let rows = page.items.iter().map(|e| {
                    vec![
                        e.ts.format("%Y-%m-%d %H:%M:%S").to_string(),
                        e.caller_id.clone().or_else(|| e.caller_email.clone()).unwrap_or_else(|| "-".into()),
                        e.caller_role.clone().unwrap_or_else(|| "-".into()),
                        e.tool.clone(),
                        e.outcome.clone(),
                        e.rows_affected.map_or("-".into(), |n| n.to_string()),
                        format!("{} ms", e.duration_ms),
                    ]
                });
                let total = if page.total_is_lower_bound { format!("at least {}", page.total) } else { page.total.to_string() };
                let mut text = format!(
                    "{}{} of {total} entries",
                    render::table(&["time (UTC)", "caller", "role", "tool", "outcome", "rows", "duration"], rows),
                    page.items.len(),
                );
                if let (Some(next), Some(cursor)) = (page.next_offset, &page.next_cursor) {
                    text.push_str(&format!("; pass cursor=\"{cursor}\" (or offset={next}) for more"));
                }
                if !settled {
                    text.push_str(UNSETTLED);
                }
                ToolOutput::with_structured(text, &page)
            },
        )
        .tag(Level::Admin),
    );
    tools
}
