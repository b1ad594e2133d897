//! Admin data exchange: `export_all_data` (streamed to a file, returned as a resource link, with
//! progress notifications; memory bounded however large) and `import_data` (all-or-nothing).

use std::io::BufWriter;
use std::sync::Arc;

use chrono::NaiveDate;
use mcp_core::{Hints, ToolDef, ToolError, ToolOutput};
use rmcp::model::{ContentBlock, Resource};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{args, db_err, render};
use crate::app::Oilfield;
use crate::config::absolute;
use crate::export::{ExportFilter, ExportFormat};
use crate::rbac::Level;

/// Arguments of `export_all_data`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportArgs {
    /// `csv` (one row per report, well columns joined) or `json` (`{"wells": [...], "reports": [...]}`).
    pub format: ExportFormat,
    /// Only these wells (any id spelling); all wells when empty.
    #[serde(default)]
    pub well_ids: Vec<String>,
    /// Only these blocks; all blocks when empty (always limited to the caller's own scope).
    #[serde(default)]
    pub blocks: Vec<String>,
    /// Date range in words or ISO (`last month`, `2026-01-01..2026-03-31`); all dates when absent.
    #[serde(default)]
    pub period: Option<String>,
}

/// Arguments of `import_data`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    /// The file content: CSV with a header row (columns by name: well_id, report_date, md_m, footage_m,
    /// drilling_hours, ...) or a JSON export.
    pub data: String,
    /// `csv` (default) or `json`.
    #[serde(default = "csv")]
    pub format: ExportFormat,
    /// Validate every line and report problems without writing anything.
    #[serde(default)]
    pub dry_run: bool,
}

fn csv() -> ExportFormat {
    ExportFormat::Csv
}

/// What `export_all_data` returns besides the resource link.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExportResult {
    /// `file://` URI of the export file (for a client on the server's machine).
    pub uri: String,
    /// Absolute path on the server.
    pub path: String,
    /// `oilfield://exports/<name>`: read it with `resources/read` over the same connection.
    pub resource_uri: String,
    /// Signed download URL (HTTP modes with `public_url` set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_url: Option<String>,
    /// When the download URL stops working (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_expires_at: Option<String>,
    /// How many times the download URL may be fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub download_max_uses: Option<u32>,
    /// Seconds the export is kept on the server (`export_retention_secs`).
    pub retention_secs: u64,
    /// Wells written.
    pub wells: u64,
    /// Report rows written.
    pub reports: u64,
    /// File size in bytes.
    pub bytes: u64,
}

async fn export(
    s: Arc<Oilfield>,
    ctx: mcp_core::ToolContext<crate::rbac::Grant>,
    a: ExportArgs,
) -> Result<ToolOutput, ToolError> {
    let g = ctx.access.clone();
    let (from, to): (Option<NaiveDate>, Option<NaiveDate>) =
        args::period(a.period.as_deref(), None, None, s.store.today())?;
    let filter = ExportFilter { well_ids: a.well_ids, blocks: a.blocks, from, to };
    let (ext, mime) = match a.format {
        ExportFormat::Csv => ("csv", "text/csv"),
        ExportFormat::Json => ("json", "application/json"),
    };
    tokio::fs::create_dir_all(s.exports.dir())
        .await
        .map_err(|e| ToolError::internal(format!("cannot create the export directory: {e}")))?;
    let name = crate::exports::Exports::new_name(ext);
    let final_path = absolute(&s.exports.dir().join(&name));
    let partial = final_path.with_extension(format!("{ext}.partial"));
    let file = std::fs::File::create(&partial)
        .map_err(|e| ToolError::internal(format!("cannot create the export file: {e}")))?;

    // Progress flows from the blocking export thread to the client without ever blocking it.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, u64)>();
    let progress = ctx.progress.clone();
    let forward = tokio::spawn(async move {
        while let Some((done, total)) = rx.recv().await {
            progress.report(done as f64, Some(total as f64), Some(format!("{done} of {total} reports written"))).await;
        }
    });
    let result = s
        .store
        .export(&g.scope, filter, a.format, BufWriter::with_capacity(64 * 1024, file), move |done, total| {
            let _ = tx.send((done, total));
        })
        .await;
    let _ = forward.await;
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(db_err(e));
        }
    };
    // The scope is recorded before the export is published: a finished export always has it.
    if let Err(e) = s.exports.write_scope(&name, &g.scope) {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(ToolError::internal(format!("cannot record the export's scope: {e}")));
    }
    tokio::fs::rename(&partial, &final_path)
        .await
        .map_err(|e| ToolError::internal(format!("cannot finish the export file: {e}")))?;
    s.exports.sweep_now().await;
    let resource_uri = crate::exports::Exports::uri(&name);
    let download = s.downloads.as_ref().and_then(|d| d.link(&resource_uri));
    let kept = s.exports.retention().as_secs();
    let result = ExportResult {
        uri: format!("file://{}", final_path.display()),
        path: final_path.display().to_string(),
        resource_uri: resource_uri.clone(),
        download_url: download.as_ref().map(|d| d.url.clone()),
        download_expires_at: download.as_ref().and_then(|d| {
            chrono::DateTime::<chrono::Utc>::from_timestamp(i64::try_from(d.expires_unix()).ok()?, 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }),
        download_max_uses: download.as_ref().map(|d| d.max_uses),
        retention_secs: kept,
        wells: summary.wells,
        reports: summary.reports,
        bytes: summary.bytes,
    };
    let mut text = format!(
        "Exported {} wells and {} reports ({} bytes, {ext}) to {} on the server. Read it with resources/read {resource_uri} (admins within this role's scope).",
        summary.wells, summary.reports, summary.bytes, result.path
    );
    if let (Some(url), Some(expires)) = (&result.download_url, &result.download_expires_at) {
        let uses = download.as_ref().map_or(1, |d| d.max_uses);
        text.push_str(&format!(" Download: {url} (valid until {expires}, {uses} use(s))."));
    }
    text.push_str(&format!(" The export is removed after {kept} s."));
    let link = Resource::new(resource_uri, name)
        .with_mime_type(mime)
        .with_size(summary.bytes)
        .with_description("Oilfield data export");
    Ok(ToolOutput::with_structured(text, &result)?.push(ContentBlock::resource_link(link)).affected(summary.reports))
}

async fn import(
    s: Arc<Oilfield>,
    ctx: mcp_core::ToolContext<crate::rbac::Grant>,
    a: ImportArgs,
) -> Result<ToolOutput, ToolError> {
    let g = ctx.access.clone();
    let reader = std::io::Cursor::new(a.data.into_bytes());
    let report = match a.format {
        ExportFormat::Csv => s.store.import_csv(&g.scope, reader, a.dry_run).await,
        ExportFormat::Json => s.store.import_json(&g.scope, reader, a.dry_run).await,
    }
    .map_err(db_err)?;
    let text = render::import_report(&report, a.dry_run);
    if !report.rejected.is_empty() {
        return Err(ToolError::InvalidArguments(text));
    }
    Ok(ToolOutput::with_structured(text, &report)?.affected(if a.dry_run { 0 } else { report.inserted }))
}

pub(super) fn tools() -> Vec<ToolDef<Oilfield>> {
    vec![
        ToolDef::new(
            "export_all_data",
            "Export data to a file",
            "Export wells and daily reports (optionally filtered by wells, blocks and period) as CSV or JSON into a file on the server; returns a resource link (oilfield://exports/<name>, readable with resources/read by admins within this role's scope) and, over HTTP with public_url set, a short-lived signed download URL. Exports are removed after the configured retention. Sends progress notifications for large exports.",
            Hints::additive(false).closed_world(),
            export,
        )
        .tag(Level::Admin),
        ToolDef::new(
            "import_data",
            "Import daily reports",
            "Import daily reports from CSV (header row, columns by name) or from a JSON export. All-or-nothing: if any line is invalid nothing is written and every rejected line is listed with its number and reason. Use dry_run to check first.",
            Hints::additive(false).closed_world(),
            import,
        )
        .tag(Level::Admin),
    ]
}
