//! SQLite storage of wells, daily drilling reports and the audit log.
//!
//! [`Store`] is cheap to clone (an `Arc` inside). Every public operation is `async` and runs its
//! SQLite work on `tokio::task::spawn_blocking`:
//! - reads use read-only connections (`SQLITE_OPEN_READ_ONLY`) from a bounded r2d2 pool,
//! - writes use the single writer connection behind a mutex, each in an `IMMEDIATE` transaction.
//!
//! Every well/report operation takes the caller's [`Scope`] and applies it inside SQL: a well
//! outside the scope behaves as if it did not exist. Deleted rows (`deleted_at` set) are invisible
//! to every read. See `schema` for how soft deletes interact with "one report per well per day".

mod audit;
mod error;
mod pool;
pub(crate) mod reports;
pub(crate) mod rows;
mod schema;
mod scope;
pub(crate) mod sql;
mod stats;
pub(crate) mod types;
mod weekly;
pub(crate) mod wells;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{Local, NaiveDate, SecondsFormat, Utc};
use rusqlite::Connection;

pub use audit::{AuditEntry, AuditQuery};
pub use error::DbError;
pub use pool::{BUSY_TIMEOUT, POOL_WAIT};
pub use schema::SCHEMA_VERSION;
pub use scope::Scope;
pub use stats::{Comparison, ComparisonRow, Metric, MonthlyRow, NptByReason, WellSeries, WellStatistics};
pub use types::{
    Cumulative, DEFAULT_LIMIT, Deletion, MAX_LIMIT, Order, Page, Paged, ReportQuery, Restoration, WellDetail,
    WellFilter, check_limit,
};
pub use weekly::{BitChange, DayHighlight, NptDay, WeeklyHighlights, WeeklySummary};

pub use crate::domain::{
    DailyReport, NewReport, NewWell, ReportPatch, Well, WellPatch, WellStatus, WellSummary, WellType,
};

/// Handle to the database. Clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    readers: pool::ReadPool,
    writer: Mutex<Connection>,
    today_override: Mutex<Option<NaiveDate>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

/// Current time as stored in `created_at` / `updated_at` / `deleted_at` (RFC 3339, UTC, ms).
pub(crate) fn now_ts() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the writer cannot leave a transaction open (rusqlite rolls back on
    // drop), so the connection is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Open (creating the file and any missing parent directories) and migrate the database.
    /// `read_pool_size` bounds the read-only connections (clamped to 1..=64).
    pub async fn open(path: &Path, read_pool_size: usize) -> Result<Store, DbError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, read_pool_size)).await?
    }

    /// Synchronous [`Store::open`], for start-up code outside a runtime.
    pub fn open_blocking(path: &Path, read_pool_size: usize) -> Result<Store, DbError> {
        let mut writer = pool::open_writer(path)?;
        schema::migrate(&mut writer)?;
        let readers = pool::read_pool(path, read_pool_size)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                readers,
                writer: Mutex::new(writer),
                today_override: Mutex::new(None),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// "Today" for date checks (no reports in the future): the local date unless overridden.
    pub fn today(&self) -> NaiveDate {
        lock(&self.inner.today_override).unwrap_or_else(|| Local::now().date_naive())
    }

    /// Pin "today" (tests, demos replaying a fixed date); `None` returns to the clock.
    pub fn set_today(&self, today: Option<NaiveDate>) {
        *lock(&self.inner.today_override) = today;
    }

    /// Run `f` on a pooled read-only connection on the blocking pool.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner.readers.get()?;
            f(&conn)
        })
        .await?
    }

    /// Run `f` on the writer connection (exclusive) on the blocking pool; `f` gets "today".
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, NaiveDate) -> Result<T, DbError> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_blocking(f)).await?
    }

    /// Synchronous writer access (only from blocking contexts).
    pub(crate) fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection, NaiveDate) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let today = self.today();
        let mut conn = lock(&self.inner.writer);
        f(&mut conn, today)
    }

    /// Synchronous pooled read access (only from blocking contexts).
    pub(crate) fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        let conn = self.inner.readers.get()?;
        f(&conn)
    }

    /// Check that a read connection works.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|c| {
            let one: i64 = c.prepare_cached("SELECT 1")?.query_row([], |r| r.get(0))?;
            if one == 1 { Ok(()) } else { Err(DbError::Storage("ping returned a wrong value".into())) }
        })
        .await
    }

    /// Number of active reports of active wells (all scopes), for readiness checks.
    pub async fn count_reports(&self) -> Result<i64, DbError> {
        self.read(|c| {
            // Active reports only exist for active wells (deleting a well deletes its reports,
            // reports of a deleted well cannot be added or restored), so no join is needed and
            // the count runs over the small partial date index.
            Ok(c.prepare_cached("SELECT count(*) FROM daily_reports WHERE deleted_at IS NULL")?
                .query_row([], |r| r.get(0))?)
        })
        .await
    }

    /// Number of wells including deleted ones (all scopes).
    pub async fn count_wells_including_deleted(&self) -> Result<i64, DbError> {
        self.read(|c| Ok(c.prepare_cached("SELECT count(*) FROM wells")?.query_row([], |r| r.get(0))?)).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_connections_are_read_only_and_schema_is_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/oil.db");
        let store = Store::open(&path, 2).await.unwrap();
        assert!(path.exists());
        let err = store.read(|c| Ok(c.execute("DELETE FROM audit_log", [])?)).await.unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        let (version, mode, fk): (i64, String, i64) = store
            .read(|c| {
                Ok((
                    c.query_row("PRAGMA user_version", [], |r| r.get(0))?,
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
                ))
            })
            .await
            .unwrap();
        assert_eq!((version, mode.as_str(), fk), (SCHEMA_VERSION, "wal", 1));
        drop(store);
        // Re-opening an up-to-date database applies nothing and keeps the version.
        let store = Store::open(&path, 1).await.unwrap();
        store.ping().await.unwrap();
        assert_eq!(store.count_reports().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oil.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        }
        let err = Store::open(&path, 1).await.unwrap_err();
        assert!(err.to_string().contains("newer than this build"), "{err}");
    }
}
