//! The export directory: export names and resource URIs (`oilfield://exports/<name>`), the scope
//! each export was made with (a hidden sidecar file next to it), who may read one, and the
//! retention sweep (age, count and size caps) run after every export and in the background.
//!
//! A file is only ever opened through [`mcp_core::resources::FileRoot`]: a plain name directly
//! inside the directory, never a path out of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mcp_core::resources::{FileRoot, ResourceError, ServedFile, is_plain_name};

use crate::config::OilfieldConfig;
use crate::db::Scope;

/// Scheme and authority of export resource URIs.
pub const URI_PREFIX: &str = "oilfield://exports/";
/// Every export file name starts with this.
const NAME_PREFIX: &str = "oilfield-export-";
/// Unfinished exports end with this.
const PARTIAL: &str = ".partial";
/// A `.partial` file older than this (or the retention, if longer) is a crashed export's.
const PARTIAL_GRACE: Duration = Duration::from_secs(3600);

/// The export directory and its retention.
#[derive(Debug)]
pub struct Exports {
    root: FileRoot,
    retention: Duration,
    max_exports: usize,
    max_bytes: Option<u64>,
}

/// One finished export on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// File name (`oilfield-export-...csv`).
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Last modification (when it was finished).
    pub modified: SystemTime,
}

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Exports removed.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
}

impl Exports {
    /// The export directory of `config`.
    pub fn new(config: &OilfieldConfig) -> Self {
        Self {
            root: FileRoot::new(config.export_dir.clone()),
            retention: Duration::from_secs(config.export_retention_secs),
            max_exports: config.max_exports,
            max_bytes: config.max_export_bytes,
        }
    }

    /// The directory as configured.
    pub fn dir(&self) -> &Path {
        self.root.dir()
    }

    /// How long an export is kept.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// A fresh, unguessable export name with extension `ext`.
    pub fn new_name(ext: &str) -> String {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let nonce = uuid_fragment();
        format!("{NAME_PREFIX}{stamp}-{nonce}.{ext}")
    }

    /// The resource URI of export `name`.
    pub fn uri(name: &str) -> String {
        format!("{URI_PREFIX}{name}")
    }

    /// The export name in a resource URI, when it is one (no decoding: `%2e`, `/`, `..` are not
    /// names).
    pub fn name_of(uri: &str) -> Option<&str> {
        let name = uri.strip_prefix(URI_PREFIX)?;
        (is_plain_name(name) && name.starts_with(NAME_PREFIX) && mime_of(name).is_some()).then_some(name)
    }

    fn sidecar(&self, name: &str) -> PathBuf {
        self.dir().join(format!(".{name}.scope.json"))
    }

    /// Record the scope export `name` was made with (before the export is published).
    pub fn write_scope(&self, name: &str, scope: &Scope) -> std::io::Result<()> {
        let json = serde_json::to_vec(scope).map_err(std::io::Error::other)?;
        std::fs::write(self.sidecar(name), json)
    }

    /// The scope export `name` was made with; an export without a readable record counts as
    /// made with no restriction (only unrestricted callers may read it).
    fn scope_of(&self, name: &str) -> Scope {
        std::fs::read(self.sidecar(name)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_else(Scope::all)
    }

    /// Open export `uri` for a caller with `scope` (already known to have the admin level): only
    /// when the caller's scope covers the export's. Anything else is [`ResourceError::NotFound`].
    pub async fn open_for(&self, scope: &Scope, uri: &str) -> Result<ServedFile, ResourceError> {
        let name = Self::name_of(uri).ok_or(ResourceError::NotFound)?;
        if !covers(scope, &self.scope_of(name)) {
            return Err(ResourceError::NotFound);
        }
        self.open(uri).await
    }

    /// Open export `uri` (a download token's file id: the token is the permission).
    pub async fn open(&self, uri: &str) -> Result<ServedFile, ResourceError> {
        let name = Self::name_of(uri).ok_or(ResourceError::NotFound)?;
        let mime = mime_of(name).ok_or(ResourceError::NotFound)?;
        Ok(self.root.open(name, mime).await?.with_download_id(uri))
    }

    /// Finished exports a caller with `scope` may read, newest first, at most `limit`.
    pub fn list_for(&self, scope: &Scope, limit: usize) -> Vec<ExportFile> {
        self.list().into_iter().filter(|f| covers(scope, &self.scope_of(&f.name))).take(limit).collect()
    }

    /// Finished exports, newest first.
    pub fn list(&self) -> Vec<ExportFile> {
        let Ok(entries) = std::fs::read_dir(self.dir()) else { return Vec::new() };
        let mut files: Vec<ExportFile> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                Self::name_of(&Self::uri(&name))?;
                let meta = std::fs::symlink_metadata(e.path()).ok().filter(std::fs::Metadata::is_file)?;
                Some(ExportFile { name, bytes: meta.len(), modified: meta.modified().ok()? })
            })
            .collect();
        files.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.name.cmp(&a.name)));
        files
    }

    /// Remove exports past the retention, then the oldest beyond `max_exports` and
    /// `max_export_bytes` (the newest export is always kept), their scope records, and
    /// `.partial` files of exports that never finished.
    pub fn sweep(&self) -> Swept {
        let now = SystemTime::now();
        let age = |t: SystemTime| now.duration_since(t).unwrap_or_default();
        let mut swept = Swept::default();
        let mut total = 0u64;
        for (i, f) in self.list().into_iter().enumerate() {
            let keep = i == 0 && age(f.modified) < self.retention
                || age(f.modified) < self.retention
                    && i < self.max_exports
                    && self.max_bytes.is_none_or(|max| total + f.bytes <= max);
            if keep {
                total += f.bytes;
                continue;
            }
            if std::fs::remove_file(self.dir().join(&f.name)).is_ok() {
                swept.files += 1;
                swept.bytes += f.bytes;
            }
            let _ = std::fs::remove_file(self.sidecar(&f.name));
        }
        // Unfinished exports of a crash, and scope records whose export is gone.
        if let Ok(entries) = std::fs::read_dir(self.dir()) {
            for e in entries.filter_map(Result::ok) {
                let Ok(name) = e.file_name().into_string() else { continue };
                let Ok(meta) = std::fs::symlink_metadata(e.path()) else { continue };
                let old = meta.modified().map(age).unwrap_or_default();
                let stale_partial = name.starts_with(NAME_PREFIX)
                    && name.ends_with(PARTIAL)
                    && old >= self.retention.max(PARTIAL_GRACE);
                let orphan = name
                    .strip_prefix('.')
                    .and_then(|n| n.strip_suffix(".scope.json"))
                    .is_some_and(|export| export.starts_with(NAME_PREFIX) && !self.dir().join(export).exists())
                    && old >= PARTIAL_GRACE;
                if meta.is_file() && (stale_partial || orphan) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        swept
    }

    /// [`Self::sweep`] on the blocking pool, logged.
    pub async fn sweep_now(self: &Arc<Self>) -> Swept {
        let exports = self.clone();
        let swept = tokio::task::spawn_blocking(move || exports.sweep()).await.unwrap_or_default();
        if swept.files > 0 {
            tracing::info!(removed = swept.files, bytes = swept.bytes, "exports removed by the configured retention");
        }
        swept
    }
}

/// The MIME type of an export name, by its extension.
pub fn mime_of(name: &str) -> Option<&'static str> {
    if name.ends_with(".csv") {
        Some("text/csv")
    } else if name.ends_with(".json") {
        Some("application/json")
    } else {
        None
    }
}

/// Does `caller` cover everything `export` may contain (on both axes)?
pub fn covers(caller: &Scope, export: &Scope) -> bool {
    let axis = |c: &Option<Vec<String>>, e: &Option<Vec<String>>| match (c, e) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(c), Some(e)) => e.iter().all(|x| c.iter().any(|y| y.trim().eq_ignore_ascii_case(x.trim()))),
    };
    axis(&caller.blocks, &export.blocks) && axis(&caller.fields, &export.fields)
}

fn uuid_fragment() -> String {
    // From the operating system's CSPRNG (a v4 UUID): names are unique and unguessable.
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// The background sweep: at start, then every `export_sweep_interval_secs`; stops on shutdown.
pub(crate) struct ExportSweeper(crate::background::BackgroundTask);

impl ExportSweeper {
    /// Start sweeping `exports` every `every` on the current runtime.
    pub(crate) fn start(exports: Arc<Exports>, every: Duration) -> Self {
        Self(crate::background::BackgroundTask::spawn(|stopped| async move {
            loop {
                tokio::select! {
                    () = stopped.cancelled() => return,
                    _ = exports.sweep_now() => {}
                }
                tokio::select! {
                    () = stopped.cancelled() => return,
                    () = tokio::time::sleep(every) => {}
                }
            }
        }))
    }

    /// Stop the task and wait for it.
    pub(crate) async fn stop(&self) {
        self.0.stop().await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_export_names_are_export_uris() {
        let name = Exports::new_name("csv");
        assert_eq!(Exports::name_of(&Exports::uri(&name)), Some(name.as_str()));
        for bad in [
            "oilfield://exports/../../etc/passwd",
            "oilfield://exports/..%2F..%2Fetc%2Fpasswd",
            "oilfield://exports/%2e%2e/etc/passwd",
            "oilfield://exports/oilfield-export-x.csv/../../etc/passwd",
            "oilfield://exports/.oilfield-export-x.csv.scope.json",
            "oilfield://exports/oilfield-export-x.csv.partial",
            "oilfield://exports/passwd.csv",
            "oilfield://exports/oilfield-export-x.sh",
            "file:///etc/passwd",
            "oilfield://exports/",
        ] {
            assert_eq!(Exports::name_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_scope_covers_only_what_it_contains() {
        assert!(covers(&Scope::all(), &Scope::blocks(["Block-A"])));
        assert!(covers(&Scope::blocks(["block-a", "Block-B"]), &Scope::blocks(["Block-A"])));
        assert!(!covers(&Scope::blocks(["Block-A"]), &Scope::all()));
        assert!(!covers(&Scope::blocks(["Block-A"]), &Scope::blocks(["Block-D"])));
        assert!(!covers(&Scope::fields(["Zhongtai"]), &Scope::blocks(["Block-A"])));
    }

    #[test]
    fn names_are_unique() {
        let a = Exports::new_name("csv");
        let b = Exports::new_name("csv");
        assert_ne!(a, b);
    }
}
