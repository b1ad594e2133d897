//! Delete tools (permission level `delete`; purging and restoring need `admin`).

use std::sync::Arc;

use chrono::NaiveDate;
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use schemars::JsonSchema;
use serde::Deserialize;

use super::db_err;
use crate::app::Oilfield;
use crate::rbac::Level;

/// Arguments of `delete_drilling_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteReportArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Date of the report, YYYY-MM-DD.
    #[serde(deserialize_with = "crate::domain::serde_date")]
    pub report_date: NaiveDate,
    /// Remove permanently instead of the default soft delete (admin only; cannot be restored).
    #[serde(default)]
    pub purge: bool,
}

/// Arguments of `delete_well`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteWellArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Remove the well and all its reports permanently (admin only; cannot be restored).
    #[serde(default)]
    pub purge: bool,
}

/// Arguments of `restore_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Date of a deleted report to restore; without it the deleted well (and its reports) is restored.
    #[serde(default, deserialize_with = "crate::domain::serde_opt_date")]
    pub report_date: Option<NaiveDate>,
}

fn check_purge(
    ctx: &mcp_core::ToolContext<crate::rbac::Grant>,
    tool: &str,
    purge: bool,
) -> Result<crate::rbac::Grant, ToolError> {
    let g = ctx.access.clone();
    if purge && !g.allows(Level::Admin) {
        return Err(ToolError::PermissionDenied(format!(
            "Permission denied: role {} may not purge with tool {tool} (requires admin); call it without purge for a restorable delete",
            g.role
        )));
    }
    Ok(g)
}

pub(super) fn tools() -> Vec<ToolDef<Oilfield>> {
    vec![
        ToolDef::new(
            "delete_drilling_record",
            "Delete a daily drilling report",
            "Delete the daily report of one well for one date. By default the delete is soft (an admin can restore it); purge=true removes it permanently (admin only).",
            Hints::destructive(true).closed_world(),
            |s: Arc<Oilfield>, ctx, a: DeleteReportArgs| async move {
                let g = check_purge(&ctx, "delete_drilling_record", a.purge)?;
                let d = s.store.delete_report(&g.scope, &a.well_id, a.report_date, a.purge).await.map_err(db_err)?;
                let how = if d.purged { "Purged (permanently)" } else { "Deleted (restorable with restore_record)" };
                Ok(ToolOutput::with_structured(format!("{how}: report {}", d.target), &d)?.affected(d.reports))
            },
        )
        .tag(Level::Delete),
        ToolDef::new(
            "delete_well",
            "Delete a well",
            "Delete a well together with its daily reports. By default soft (restorable by an admin with restore_record); purge=true removes everything permanently (admin only).",
            Hints::destructive(true).closed_world(),
            |s: Arc<Oilfield>, ctx, a: DeleteWellArgs| async move {
                let g = check_purge(&ctx, "delete_well", a.purge)?;
                let d = s.store.delete_well(&g.scope, &a.well_id, a.purge).await.map_err(db_err)?;
                let how = if d.purged { "Purged (permanently)" } else { "Deleted (restorable with restore_record)" };
                let text = format!("{how}: well {} with {} report(s)", d.target, d.reports);
                Ok(ToolOutput::with_structured(text, &d)?.affected(d.wells + d.reports))
            },
        )
        .tag(Level::Delete),
        ToolDef::new(
            "restore_record",
            "Restore a deleted well or report",
            "Undo a soft delete: restore a deleted daily report (give report_date) or a deleted well with its reports (omit report_date).",
            Hints::additive(true).closed_world(),
            |s: Arc<Oilfield>, ctx, a: RestoreArgs| async move {
                let g = ctx.access.clone();
                match a.report_date {
                    Some(date) => {
                        let r = s.store.restore_report(&g.scope, &a.well_id, date).await.map_err(db_err)?;
                        let text = format!("Restored report {} {}", r.well_id, r.report_date);
                        Ok(ToolOutput::with_structured(text, &r)?.affected(1))
                    }
                    None => {
                        let r = s.store.restore_well(&g.scope, &a.well_id).await.map_err(db_err)?;
                        let text = format!("Restored well {} with {} report(s)", r.target, r.reports);
                        Ok(ToolOutput::with_structured(text, &r)?.affected(r.wells + r.reports))
                    }
                }
            },
        )
        .tag(Level::Admin),
    ]
}
