//! The `oilfield` config section: database location, demo data, export directory, roles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcp_core::config::{ConfigError, EnvKind, EnvVar, Section};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rbac::{Level, RoleConfig, default_roles};

/// Settings of the oilfield server (`oilfield:` in the config file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OilfieldConfig {
    /// SQLite database file (`--database`, `OILFIELD_DATABASE`); created if absent.
    /// Default `./oilfield.db`, or the path of `database_url`.
    pub database: Option<PathBuf>,
    /// The seed's `DATABASE_URL`: `sqlite:////abs/path.db` or `sqlite:///relative.db`.
    pub database_url: Option<String>,
    /// Fill an empty database with the deterministic demo data set at startup (`--demo`).
    pub demo: bool,
    /// Read-only SQLite connections in the pool (bounded; no connection per call).
    pub read_pool_size: usize,
    /// Directory where `export_all_data` writes its files (created if absent). Exports are
    /// served from it only as `oilfield://exports/<name>` (resources/read) and signed download
    /// URLs; nothing outside it is ever served.
    pub export_dir: PathBuf,
    /// Export retention: exports older than this many seconds are removed (60 to 31536000,
    /// default 86400 = one day; `OILFIELD_EXPORT_RETENTION_SECS`).
    pub export_retention_secs: u64,
    /// Export retention: at most this many exports are kept, the oldest removed first (1 to
    /// 100000, default 50; `OILFIELD_MAX_EXPORTS`).
    pub max_exports: usize,
    /// Export retention: at most this many bytes of exports are kept, the oldest removed first;
    /// the newest export is kept even when it alone is larger (`OILFIELD_MAX_EXPORT_BYTES`;
    /// at least 1048576). Absent: no byte cap.
    pub max_export_bytes: Option<u64>,
    /// Seconds between two background sweeps of the export directory by the retention (1 to
    /// 86400, default 300). A sweep also runs at start and after every export.
    pub export_sweep_interval_secs: u64,
    /// Roles and what they may do; role names match case-insensitively. When absent:
    /// `ADMIN` read+write+delete+admin, `USER` read+write, `GUEST` read. When given, these roles
    /// replace the defaults entirely.
    pub roles: Option<BTreeMap<String, RoleConfig>>,
    /// Role used when the caller's role is missing, unknown or an unreplaced placeholder:
    /// a configured role name, or `deny` to refuse everything.
    pub fallback_role: String,
    /// Audit retention: rows older than this many days are removed in the background
    /// (`OILFIELD_AUDIT_RETENTION_DAYS`; 1-36500). Absent: kept by age.
    pub audit_retention_days: Option<u32>,
    /// Audit retention: at most this many rows are kept, the oldest removed first, in the
    /// background (`OILFIELD_AUDIT_MAX_ROWS`; at least 1000). Absent: no row limit.
    pub audit_max_rows: Option<u64>,
    /// Seconds between two background pruning runs when a retention is set (10-86400, default
    /// 600). Each run removes at most 5000 rows in one short transaction; a run that hit that
    /// bound is followed by another after one second.
    pub audit_prune_interval_secs: u64,
}

impl Default for OilfieldConfig {
    fn default() -> Self {
        Self {
            database: None,
            database_url: None,
            demo: false,
            read_pool_size: 4,
            export_dir: PathBuf::from("./exports"),
            export_retention_secs: 86_400,
            max_exports: 50,
            max_export_bytes: None,
            export_sweep_interval_secs: 300,
            roles: None,
            fallback_role: "GUEST".into(),
            audit_retention_days: None,
            audit_max_rows: None,
            audit_prune_interval_secs: 600,
        }
    }
}

impl OilfieldConfig {
    /// The roles in effect: the configured ones, or the defaults when none are configured.
    pub fn effective_roles(&self) -> BTreeMap<String, RoleConfig> {
        self.roles.clone().unwrap_or_else(default_roles)
    }

    /// The database file to open: `database`, else the path of `database_url`, else `./oilfield.db`.
    pub fn database_path(&self) -> Result<PathBuf, ConfigError> {
        if let Some(path) = &self.database {
            return Ok(path.clone());
        }
        match &self.database_url {
            Some(url) => parse_database_url(url),
            None => Ok(PathBuf::from("./oilfield.db")),
        }
    }
}

/// `sqlite:////abs/path` → `/abs/path`; `sqlite:///rel/path` → `rel/path`; `sqlite://path` → `path`.
pub fn parse_database_url(url: &str) -> Result<PathBuf, ConfigError> {
    let rest = url.strip_prefix("sqlite://").ok_or_else(|| {
        ConfigError::new("database_url", format!("`{url}` is not a sqlite:// URL (only SQLite is supported)"))
    })?;
    let path = match rest.strip_prefix('/') {
        Some(after) if after.starts_with('/') => after.to_owned(), // sqlite:////abs → /abs
        Some(after) => after.to_owned(),                           // sqlite:///rel → rel
        None => rest.to_owned(),
    };
    let path = path.split('?').next().unwrap_or_default().to_owned();
    if path.is_empty() || path == ":memory:" {
        return Err(ConfigError::new("database_url", format!("`{url}` names no database file")));
    }
    Ok(PathBuf::from(path))
}

impl Section for OilfieldConfig {
    const KEY: &'static str = "oilfield";

    fn env_vars() -> &'static [EnvVar] {
        const VARS: &[EnvVar] = &[
            EnvVar::new("OILFIELD_DATABASE", "database", EnvKind::Text),
            EnvVar::new("DATABASE_URL", "database_url", EnvKind::Text),
            EnvVar::new("OILFIELD_DEMO", "demo", EnvKind::Scalar),
            EnvVar::new("OILFIELD_EXPORT_DIR", "export_dir", EnvKind::Text),
            EnvVar::new("OILFIELD_EXPORT_RETENTION_SECS", "export_retention_secs", EnvKind::Scalar),
            EnvVar::new("OILFIELD_MAX_EXPORTS", "max_exports", EnvKind::Scalar),
            EnvVar::new("OILFIELD_MAX_EXPORT_BYTES", "max_export_bytes", EnvKind::Scalar),
            EnvVar::new("OILFIELD_FALLBACK_ROLE", "fallback_role", EnvKind::Text),
            EnvVar::new("OILFIELD_AUDIT_RETENTION_DAYS", "audit_retention_days", EnvKind::Scalar),
            EnvVar::new("OILFIELD_AUDIT_MAX_ROWS", "audit_max_rows", EnvKind::Scalar),
        ];
        VARS
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.database_path()?;
        if self.read_pool_size == 0 || self.read_pool_size > 64 {
            return Err(ConfigError::new("read_pool_size", "must be between 1 and 64"));
        }
        let roles = self.effective_roles();
        if roles.is_empty() {
            return Err(ConfigError::new("roles", "at least one role is required"));
        }
        let mut seen = std::collections::HashSet::new();
        for (name, role) in &roles {
            if name.trim().is_empty() || name.contains("{{") {
                return Err(ConfigError::new("roles", format!("`{name}` is not a usable role name")));
            }
            if !seen.insert(name.to_ascii_uppercase()) {
                return Err(ConfigError::new(
                    format!("roles.{name}"),
                    "defined twice (role names are case-insensitive)",
                ));
            }
            if role.permissions.is_empty() {
                return Err(ConfigError::new(
                    format!("roles.{name}.permissions"),
                    "list at least one of: read, write, delete, admin",
                ));
            }
            if role.permissions.iter().any(|l| *l != Level::Read) && !role.permissions.contains(&Level::Read) {
                return Err(ConfigError::new(
                    format!("roles.{name}.permissions"),
                    "a role that may write, delete or administer must also have read",
                ));
            }
        }
        let fallback = self.fallback_role.trim();
        if !fallback.eq_ignore_ascii_case("deny") && !roles.keys().any(|r| r.eq_ignore_ascii_case(fallback)) {
            return Err(ConfigError::new(
                "fallback_role",
                format!(
                    "`{fallback}` is neither `deny` nor a configured role ({})",
                    roles.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if self.export_dir.as_os_str().is_empty() {
            return Err(ConfigError::new("export_dir", "must not be empty"));
        }
        if !(60..=31_536_000).contains(&self.export_retention_secs) {
            return Err(ConfigError::new("export_retention_secs", "must be between 60 and 31536000"));
        }
        if !(1..=100_000).contains(&self.max_exports) {
            return Err(ConfigError::new("max_exports", "must be between 1 and 100000"));
        }
        if self.max_export_bytes.is_some_and(|b| b < 1024 * 1024) {
            return Err(ConfigError::new("max_export_bytes", "must be at least 1048576"));
        }
        if !(1..=86_400).contains(&self.export_sweep_interval_secs) {
            return Err(ConfigError::new("export_sweep_interval_secs", "must be between 1 and 86400"));
        }
        if self.audit_retention_days.is_some_and(|d| !(1..=36500).contains(&d)) {
            return Err(ConfigError::new("audit_retention_days", "must be between 1 and 36500"));
        }
        if self.audit_max_rows.is_some_and(|n| n < 1000) {
            return Err(ConfigError::new("audit_max_rows", "must be at least 1000"));
        }
        if !(10..=86400).contains(&self.audit_prune_interval_secs) {
            return Err(ConfigError::new("audit_prune_interval_secs", "must be between 10 and 86400"));
        }
        Ok(())
    }
}

/// Resolve `path` against the current directory for messages and resource links.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_forms() {
        assert_eq!(parse_database_url("sqlite:////var/lib/oil.db").unwrap(), PathBuf::from("/var/lib/oil.db"));
        assert_eq!(parse_database_url("sqlite:///data/oil.db").unwrap(), PathBuf::from("data/oil.db"));
        assert_eq!(parse_database_url("sqlite://oil.db?mode=rwc").unwrap(), PathBuf::from("oil.db"));
        assert!(parse_database_url("postgres://x").is_err());
        assert!(parse_database_url("sqlite:///").is_err());
    }

    #[test]
    fn explicit_database_beats_url_and_default() {
        let mut c = OilfieldConfig::default();
        assert_eq!(c.database_path().unwrap(), PathBuf::from("./oilfield.db"));
        c.database_url = Some("sqlite:////tmp/a.db".into());
        assert_eq!(c.database_path().unwrap(), PathBuf::from("/tmp/a.db"));
        c.database = Some("/tmp/b.db".into());
        assert_eq!(c.database_path().unwrap(), PathBuf::from("/tmp/b.db"));
    }

    #[test]
    fn configured_roles_replace_the_defaults() {
        let mut c = OilfieldConfig::default();
        assert_eq!(c.effective_roles().keys().cloned().collect::<Vec<_>>(), ["ADMIN", "GUEST", "USER"]);
        let only = BTreeMap::from([(
            "VIEWER".to_owned(),
            RoleConfig { permissions: vec![Level::Read], blocks: None, fields: None },
        )]);
        c.roles = Some(only);
        c.fallback_role = "VIEWER".into();
        assert_eq!(c.effective_roles().keys().cloned().collect::<Vec<_>>(), ["VIEWER"]);
        assert!(c.validate().is_ok());
        c.fallback_role = "GUEST".into();
        assert_eq!(c.validate().unwrap_err().key, "fallback_role", "GUEST is gone with the defaults");
    }

    #[test]
    fn audit_retention_is_validated_and_documented_in_the_schema() {
        let ok = OilfieldConfig { audit_retention_days: Some(90), audit_max_rows: Some(100_000), ..Default::default() };
        assert!(ok.validate().is_ok());
        let key = |c: OilfieldConfig| c.validate().unwrap_err().key;
        assert_eq!(key(OilfieldConfig { audit_retention_days: Some(0), ..Default::default() }), "audit_retention_days");
        assert_eq!(key(OilfieldConfig { audit_max_rows: Some(10), ..Default::default() }), "audit_max_rows");
        assert_eq!(
            key(OilfieldConfig { audit_prune_interval_secs: 1, ..Default::default() }),
            "audit_prune_interval_secs"
        );
        let schema = serde_json::to_value(schemars::schema_for!(OilfieldConfig)).unwrap();
        for (name, words) in [
            ("audit_retention_days", "older than this many days"),
            ("audit_max_rows", "at most this many rows"),
            ("audit_prune_interval_secs", "between two background pruning runs"),
        ] {
            let doc = schema["properties"][name]["description"].as_str().unwrap_or_default();
            assert!(doc.contains(words), "{name}: {doc:?}");
        }
    }

    #[test]
    fn export_retention_is_validated_and_documented_in_the_schema() {
        assert!(OilfieldConfig { max_export_bytes: Some(1 << 30), ..Default::default() }.validate().is_ok());
        let key = |c: OilfieldConfig| c.validate().unwrap_err().key;
        assert_eq!(key(OilfieldConfig { export_retention_secs: 59, ..Default::default() }), "export_retention_secs");
        assert_eq!(key(OilfieldConfig { max_exports: 0, ..Default::default() }), "max_exports");
        assert_eq!(key(OilfieldConfig { max_export_bytes: Some(10), ..Default::default() }), "max_export_bytes");
        assert_eq!(
            key(OilfieldConfig { export_sweep_interval_secs: 0, ..Default::default() }),
            "export_sweep_interval_secs"
        );
        let schema = serde_json::to_value(schemars::schema_for!(OilfieldConfig)).unwrap();
        for (name, words) in [
            ("export_retention_secs", "older than this many seconds"),
            ("max_exports", "at most this many exports"),
            ("max_export_bytes", "at most this many bytes"),
            ("export_sweep_interval_secs", "between two background sweeps"),
        ] {
            let doc = schema["properties"][name]["description"].as_str().unwrap_or_default();
            assert!(doc.contains(words), "{name}: {doc:?}");
        }
    }

    #[test]
    fn validation_rejects_unknown_fallback_and_write_without_read() {
        let mut c = OilfieldConfig { fallback_role: "NOBODY".into(), ..OilfieldConfig::default() };
        assert_eq!(c.validate().unwrap_err().key, "fallback_role");
        c.fallback_role = "deny".into();
        assert!(c.validate().is_ok());
        let mut roles = default_roles();
        roles.insert("ODD".into(), RoleConfig { permissions: vec![Level::Write], blocks: None, fields: None });
        c.roles = Some(roles);
        assert_eq!(c.validate().unwrap_err().key, "roles.ODD.permissions");
    }
}
