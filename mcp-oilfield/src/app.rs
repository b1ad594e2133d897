//! The oilfield server as an [`mcp_core::App`]: config section, flags, subcommands, readiness,
//! permission policy and audit persistence.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use mcp_core::config::{Config, Layer};
use mcp_core::resources::{ResourceError, ServedFile};
use mcp_core::{App, AuditRecord, BuildContext, Caller, Denial, Readiness, ToolDef};

use crate::audit_writer::AuditWriter;
use crate::config::{OilfieldConfig, absolute};
use crate::db::{AuditEntry, Store};
use crate::rbac::{Grant, Level, Policy};

/// How long shutdown waits for queued audit records to be written.
const AUDIT_FLUSH_LIMIT: std::time::Duration = std::time::Duration::from_secs(6);

/// Most exports `resources/list` shows (the newest; older ones stay readable by URI).
const MAX_LISTED_EXPORTS: usize = 100;

/// The running oilfield server.
pub struct Oilfield {
    /// The SQLite store.
    pub store: Store,
    /// Role → permissions and scope.
    pub policy: Policy,
    /// Where exports are written.
    pub export_dir: PathBuf,
    /// The export directory: names, resource URIs, who may read them, retention.
    pub exports: Arc<crate::exports::Exports>,
    /// Signed download URLs (HTTP modes with `public_url`).
    pub downloads: Option<Arc<mcp_core::downloads::Downloads>>,
    audit: AuditWriter,
    pruner: Option<crate::audit_pruner::AuditPruner>,
    sweeper: crate::exports::ExportSweeper,
}

/// Flags of `mcp-oilfield` (besides the common ones).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OilfieldFlags {
    /// SQLite database file (created if absent; default ./oilfield.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub database: Option<PathBuf>,
    /// Fill an empty database with a realistic, deterministic demo data set.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Directory for export files.
    #[arg(long, global = true, value_name = "DIR")]
    pub export_dir: Option<PathBuf>,
}

/// Subcommands of `mcp-oilfield`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum OilfieldCommand {
    /// Generate a large synthetic data set (benchmarks): N wells with D daily reports each.
    Seed {
        /// Number of wells.
        #[arg(long, default_value_t = 1000)]
        wells: usize,
        /// Daily reports per well.
        #[arg(long, default_value_t = 1000)]
        days: usize,
    },
    /// Import daily reports from a CSV file (all-or-nothing; prints inserted and rejected lines).
    Import {
        /// CSV file with a header row.
        file: PathBuf,
        /// Validate only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

impl Oilfield {
    /// Open the store (and fill demo data when asked) for `config`.
    pub async fn open(config: &OilfieldConfig) -> anyhow::Result<Self> {
        let path = config.database_path()?;
        let store = Store::open(&path, config.read_pool_size)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", absolute(&path).display()))?;
        if config.demo {
            let today = Utc::now().date_naive();
            if crate::demo::fill_demo(&store, today).await? {
                tracing::info!(database = %absolute(&path).display(), "filled the empty database with the demo data set");
            }
        }
        let audit = AuditWriter::start(store.clone());
        let pruner = crate::audit_pruner::AuditPruner::start(store.clone(), config);
        let exports = Arc::new(crate::exports::Exports::new(config));
        let sweeper = crate::exports::ExportSweeper::start(
            exports.clone(),
            std::time::Duration::from_secs(config.export_sweep_interval_secs),
        );
        Ok(Self {
            store,
            policy: Policy::new(&config.effective_roles(), &config.fallback_role),
            export_dir: config.export_dir.clone(),
            exports,
            downloads: None,
            audit,
            pruner,
            sweeper,
        })
    }

    /// Wait until the audit rows of every tool call that has finished are written, for at most
    /// `within`: false when the writer is still busy then (a long import holds the database
    /// writer), so a reader can say its view may lack the newest calls rather than stall.
    pub async fn settle_audit(&self, within: std::time::Duration) -> bool {
        tokio::time::timeout(within, self.audit.settle()).await.is_ok()
    }

    /// The caller's grant for a tool needing `level` (the core already checked it; this yields the scope).
    pub fn grant(&self, caller: &Caller, tool: &str, level: Level) -> Result<Grant, mcp_core::ToolError> {
        self.policy.check(caller, tool, level).map_err(|d| mcp_core::ToolError::PermissionDenied(d.message))
    }
}

impl App for Oilfield {
    type Section = OilfieldConfig;
    type Flags = OilfieldFlags;
    type Command = OilfieldCommand;
    type Access = Grant;
    type Tag = Level;

    const NAME: &'static str = "mcp-oilfield";
    const TITLE: &'static str = "Oilfield drilling data (daily drilling reports, statistics, comparisons)";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DEFAULT_PORT: u16 = 8080;
    const COMPAT_SHIM: bool = true;
    const INSTRUCTIONS: &'static str = "Drilling data of oil wells: wells (ids like ZT-102, W001, any case, dash optional) and one \
daily drilling report per well per day (depth in m, ROP in m/h, mud density in g/cm³, NPT in hours). Start with list_wells or \
get_well; use query_drilling_data for report rows (latest first), get_well_statistics / compare_wells / weekly_report for \
summaries, plot_drilling_curve for a depth chart. Dates accept YYYY-MM-DD and forms like 'last 7 days', 'last week', \
'this month'. Tools you cannot use are not listed; write, delete and admin tools depend on the user's role.";
    const EXAMPLES: &'static str = "Examples:
  mcp-oilfield --demo --transport http            # demo data over HTTP on 127.0.0.1:8080 (/mcp, /sse)
  mcp-oilfield --transport stdio --database /data/oil.db
  MCP_USER_ROLE=ADMIN mcp-oilfield                # stdio as an admin (Claude Desktop, Cursor)
  mcp-oilfield seed --wells 1000 --days 1000 --database bench.db
  mcp-oilfield import reports.csv --dry-run
  mcp-oilfield print-config --config oilfield.yaml";

    fn flag_layers(flags: &OilfieldFlags) -> Vec<Layer> {
        let mut layers = Vec::new();
        if let Some(db) = &flags.database {
            layers.push(mcp_core::cli::text_layer("database", "oilfield.database", &db.to_string_lossy()));
        }
        if flags.demo {
            layers.push(mcp_core::cli::switch_layer("demo", "oilfield.demo"));
        }
        if let Some(dir) = &flags.export_dir {
            layers.push(mcp_core::cli::text_layer("export-dir", "oilfield.export_dir", &dir.to_string_lossy()));
        }
        layers
    }

    fn tools() -> Vec<ToolDef<Self>> {
        crate::tools::all()
    }

    async fn build(
        config: Arc<Config<OilfieldConfig>>,
        _flags: OilfieldFlags,
        ctx: BuildContext,
    ) -> anyhow::Result<Self> {
        let mut app = Self::open(&config.server).await?;
        app.downloads = ctx.downloads.clone();
        Ok(app)
    }

    async fn ready(&self) -> Readiness {
        // The core caches this answer for `readiness.cache_secs` and runs one check at a time:
        // counting scans an index (~85 ms on 1,000,000 reports), and `/ready` is unauthenticated.
        match self.store.count_reports().await {
            Ok(total) => Readiness::ready(serde_json::json!({"database": "connected", "total_records": total})),
            Err(e) => {
                tracing::error!(error = %e, "readiness: database check failed");
                Readiness::not_ready(serde_json::json!({"database": "unavailable"}))
            }
        }
    }

    fn check_access(&self, caller: &Caller, tool: &ToolDef<Self>) -> Result<Grant, Denial> {
        self.policy.check(caller, tool.name(), tool.tool_tag())
    }

    fn has_resources(&self) -> bool {
        true
    }

    /// The exports an admin may read (within the role's scope), newest first, at most 100.
    async fn list_resources(&self, caller: &Caller) -> Vec<rmcp::model::Resource> {
        let Ok(grant) = self.policy.check(caller, "export_all_data", Level::Admin) else { return Vec::new() };
        let exports = self.exports.clone();
        let files = tokio::task::spawn_blocking(move || exports.list_for(&grant.scope, MAX_LISTED_EXPORTS))
            .await
            .unwrap_or_default();
        files
            .into_iter()
            .map(|f| {
                let mime = crate::exports::mime_of(&f.name).unwrap_or("application/octet-stream");
                rmcp::model::Resource::new(crate::exports::Exports::uri(&f.name), f.name)
                    .with_mime_type(mime)
                    .with_size(f.bytes)
                    .with_description("Oilfield data export")
            })
            .collect()
    }

    /// An export, for an admin whose scope covers the export's; everything else is not found.
    async fn read_resource(&self, caller: &Caller, uri: &str) -> Result<ServedFile, ResourceError> {
        let grant = self.policy.check(caller, "export_all_data", Level::Admin).map_err(|_| ResourceError::NotFound)?;
        self.exports.open_for(&grant.scope, uri).await
    }

    async fn download(&self, file_id: &str) -> Result<ServedFile, ResourceError> {
        self.exports.open(file_id).await
    }

    fn audit(&self, record: &AuditRecord) {
        let c = &record.caller;
        let entry = AuditEntry {
            id: None,
            ts: Utc::now(),
            caller_id: c.user_id.clone().or_else(|| c.principal.as_ref().map(|p| p.subject.clone())),
            caller_email: c.email.clone(),
            caller_role: c.role.clone(),
            tool: record.tool.clone(),
            arguments: record.arguments.clone(),
            outcome: record.outcome.to_owned(),
            rows_affected: record.affected.and_then(|n| i64::try_from(n).ok()),
            duration_ms: i64::try_from(record.duration_ms).unwrap_or(i64::MAX),
            message: record.message.clone(),
            arguments_digest: Some(record.arguments_digest.clone()),
            blocks: Vec::new(),
            fields: Vec::new(),
        };
        self.audit.record(entry);
    }

    async fn on_shutdown(&self) {
        self.sweeper.stop().await;
        if let Some(pruner) = &self.pruner {
            pruner.stop().await;
        }
        // Bounded: with the database locked by another process the writer would retry for
        // about half a minute, holding the exit up long after the shutdown grace.
        if tokio::time::timeout(AUDIT_FLUSH_LIMIT, self.audit.flush()).await.is_err() {
            tracing::error!(
                within_secs = AUDIT_FLUSH_LIMIT.as_secs(),
                "audit records not written at shutdown: the database did not take them in time"
            );
        }
    }

    async fn run_command(
        command: OilfieldCommand,
        config: Arc<Config<OilfieldConfig>>,
        _flags: OilfieldFlags,
    ) -> anyhow::Result<()> {
        let path = config.server.database_path()?;
        let store = Store::open(&path, config.server.read_pool_size).await?;
        match command {
            OilfieldCommand::Seed { wells, days } => {
                anyhow::ensure!(wells > 0 && days > 0, "--wells and --days must be at least 1");
                let started = std::time::Instant::now();
                let summary = crate::demo::seed(&store, wells, days, Utc::now().date_naive()).await?;
                eprintln!(
                    "seeded {} ({:.1}s): {summary:?}",
                    absolute(&path).display(),
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            }
            OilfieldCommand::Import { file, dry_run } => {
                let reader =
                    std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
                let report = store.import_csv(&crate::db::Scope::all(), reader, dry_run).await?;
                let mut out = String::new();
                out.push_str(&crate::tools::render::import_report(&report, dry_run));
                eprintln!("{out}");
                anyhow::ensure!(
                    report.rejected.is_empty(),
                    "{} line(s) rejected; nothing was imported",
                    report.rejected.len()
                );
                Ok(())
            }
        }
    }

    fn banner(config: &Config<OilfieldConfig>, url: &str) -> Option<String> {
        let auth = if config.core.auth == mcp_core::auth::AuthMode::None {
            String::new()
        } else {
            ",\n      \"headers\": { \"Authorization\": \"Bearer <your key>\", \"X-User-Role\": \"ADMIN\" }".to_owned()
        };
        Some(format!(
            "Streamable HTTP: {url}/mcp   legacy SSE: {url}/sse   health: {url}/health   metrics: {url}/metrics
Client entry (Claude Code .mcp.json / Cursor / VS Code):
  {{ \"mcpServers\": {{ \"oilfield\": {{ \"type\": \"http\", \"url\": \"{url}/mcp\"{auth} }} }} }}
Try it: curl -s {url}/mcp/tools | head -c 300"
        ))
    }
}
