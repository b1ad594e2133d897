//! Write tools (permission level `write`): add and change reports and wells.

use std::sync::Arc;

use chrono::NaiveDate;
use mcp_core::{Hints, ToolDef, ToolOutput};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{db_err, render};
use crate::app::Oilfield;
use crate::domain::{NewReport, NewWell, ReportPatch, WellPatch};
use crate::rbac::Level;

const WRITE: Level = Level::Write;

/// Arguments of `update_drilling_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReportArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Date of the report to change, YYYY-MM-DD.
    #[serde(deserialize_with = "crate::domain::serde_date")]
    pub report_date: NaiveDate,
    /// The `version` you read; the update is refused if the report changed since.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub expected_version: Option<i64>,
    /// Fields to change (absent fields stay as they are).
    pub changes: ReportPatch,
}

/// Arguments of `update_well`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWellArgs {
    /// Well id (any case, dash optional).
    pub well_id: String,
    /// Fields to change (absent fields stay as they are).
    pub changes: WellPatch,
}

pub(super) fn tools() -> Vec<ToolDef<Oilfield>> {
    vec![
        ToolDef::new(
            "add_drilling_record",
            "Add a daily drilling report",
            "Add the daily drilling report of one well for one day (one report per well per day). Depth must not be lower than the previous day's report; values are checked against realistic ranges and the errors say which field is wrong.",
            Hints::additive(false).closed_world(),
            |s: Arc<Oilfield>, ctx, a: NewReport| async move {
                let g = ctx.access.clone();
                let report = s.store.add_report(&g.scope, a).await.map_err(db_err)?;
                let text = format!("Added report:\n{}", render::report_lines(&report));
                Ok(ToolOutput::with_structured(text, &report)?.affected(1))
            },
        )
        .tag(WRITE),
        ToolDef::new(
            "update_drilling_record",
            "Update a daily drilling report",
            "Change some fields of an existing daily report. Pass expected_version (the version you read) to refuse the update if someone changed the report in the meantime.",
            Hints::additive(true).closed_world(),
            |s: Arc<Oilfield>, ctx, a: UpdateReportArgs| async move {
                let g = ctx.access.clone();
                if a.changes.is_empty() {
                    return Err(mcp_core::ToolError::invalid("`changes` is empty: name at least one field to change"));
                }
                let report = s
                    .store
                    .update_report(&g.scope, &a.well_id, a.report_date, a.changes, a.expected_version)
                    .await
                    .map_err(db_err)?;
                let text = format!("Updated report (now version {}):\n{}", report.version, render::report_lines(&report));
                Ok(ToolOutput::with_structured(text, &report)?.affected(1))
            },
        )
        .tag(WRITE),
        ToolDef::new(
            "create_well",
            "Create a well",
            "Register a new well (id, name, field, block, type, status, spud date, target depth, rig, operator, location). The id is normalised (zt102 → ZT-102).",
            Hints::additive(false).closed_world(),
            |s: Arc<Oilfield>, ctx, a: NewWell| async move {
                let g = ctx.access.clone();
                let well = s.store.create_well(&g.scope, a).await.map_err(db_err)?;
                Ok(ToolOutput::with_structured(format!("Created well {}", render::well_line(&well)), &well)?.affected(1))
            },
        )
        .tag(WRITE),
        ToolDef::new(
            "update_well",
            "Update a well",
            "Change some attributes of a well (name, field, block, type, status, spud date, target depth, rig, operator, location).",
            Hints::additive(true).closed_world(),
            |s: Arc<Oilfield>, ctx, a: UpdateWellArgs| async move {
                let g = ctx.access.clone();
                if a.changes.is_empty() {
                    return Err(mcp_core::ToolError::invalid("`changes` is empty: name at least one field to change"));
                }
                let well = s.store.update_well(&g.scope, &a.well_id, a.changes).await.map_err(db_err)?;
                Ok(ToolOutput::with_structured(format!("Updated well {}", render::well_line(&well)), &well)?.affected(1))
            },
        )
        .tag(WRITE),
    ]
}
