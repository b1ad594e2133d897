//! SQLite storage of wells, daily drilling reports and the audit log.
//!
//! [`Store`] is cheap to clone (an `Arc` inside). Every public operation is `async` and runs its
//! SQLite work on `tokio::task::spawn_blocking`:
//! - reads use read-only connections (`SQLITE_OPEN_READ_ONLY`) from a bounded r2d2 pool,
//! - writes use the single writer connection behind a mutex, each in an `IMMEDIATE` transaction.
//!
//! Calls wait for a free connection *before* taking a blocking thread (a semaphore per kind,
//! as many permits as connections), so a burst of calls queues as futures, not as threads parked
//! on the pool or the writer mutex, and a call whose caller gave up (timeout, cancellation)
//! while queued never starts. A write whose caller gives up while it runs is rolled back at its
//! commit (an SQLite commit hook watches the caller), so no write lands after its client was told
//! it timed out or was cancelled. What remains is the instant between a commit and the caller
//! taking its result.
//!
//! Every well/report operation takes the caller's [`Scope`] and applies it inside SQL: a well
//! outside the scope behaves as if it did not exist. Deleted rows (`deleted_at` set) are invisible
//! to every read. See `schema` for how soft deletes interact with "one report per well per day".

mod audit;
pub mod audit_args;
pub(crate) mod cursor;
mod error;
mod offset_marks;
mod pool;
pub(crate) mod reports;
pub(crate) mod rows;
mod schema;
mod scope;
mod snapshot;
pub(crate) mod sql;
mod stats;
pub(crate) mod types;
mod weekly;
pub(crate) mod wells;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{Local, NaiveDate, SecondsFormat, Utc};
use rusqlite::Connection;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

pub use audit::{AUDIT_TOTAL_BOUND, AuditEntry, AuditQuery, PRUNE_BATCH};
pub use error::DbError;
pub use pool::POOL_WAIT;
pub use reports::TOTAL_COUNT_BOUND;
pub use schema::SCHEMA_VERSION;
pub use scope::Scope;
pub use stats::{
    Comparison, ComparisonRow, MAX_PLOT_POINTS, Metric, MonthlyRow, NptByReason, WellSeries, WellStatistics,
};
pub use types::{Cumulative, Deletion, Order, Page, Paged, ReportQuery, Restoration, WellDetail, WellFilter};
pub use weekly::{BitChange, DayHighlight, NptDay, WeeklyHighlights, WeeklySummary};

pub use crate::domain::{DailyReport, NewReport, NewWell, ReportPatch, WellPatch, WellStatus, WellType};

/// Rows a page may ask for and still be read on the calling thread ([`Store::read_here`]).
pub(crate) const INLINE_READ_ROWS: u32 = 50;

/// Handle to the database. Clone it freely.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    readers: pool::ReadPool,
    writer: Mutex<Connection>,
    /// One permit per read connection: taken before a read leaves for the blocking pool.
    read_slots: Arc<Semaphore>,
    /// One permit: taken before a write leaves for the blocking pool.
    write_slot: Arc<Semaphore>,
    today_override: Mutex<Option<NaiveDate>>,
    /// Where pages by `offset` start (see `offset_marks`).
    offset_marks: Arc<offset_marks::OffsetMarks>,
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
        let read_slots = Arc::new(Semaphore::new(readers.max_size() as usize));
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                readers,
                writer: Mutex::new(writer),
                read_slots,
                write_slot: Arc::new(Semaphore::new(1)),
                today_override: Mutex::new(None),
                offset_marks: Arc::default(),
            }),
        })
    }

    /// The marks behind pages by `offset`.
    pub(crate) fn offset_marks(&self) -> Arc<offset_marks::OffsetMarks> {
        Arc::clone(&self.inner.offset_marks)
    }

    /// How many report pages by `offset` started from a remembered position instead of stepping
    /// over the rows before them (diagnostics, tests).
    pub fn offset_mark_hits(&self) -> u64 {
        self.inner.offset_marks.hits()
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

    /// A read slot, once one is free (waits at most [`POOL_WAIT`]).
    async fn read_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, DbError> {
        tokio::time::timeout(POOL_WAIT, Arc::clone(&self.inner.read_slots).acquire_owned())
            .await
            .map_err(|_| {
                DbError::Storage(format!(
                    "no read connection became free within {} s (every connection is busy); retry shortly",
                    POOL_WAIT.as_secs()
                ))
            })?
            .map_err(|_| DbError::Storage("the database is closed".into()))
    }

    /// Run `f` on a pooled read-only connection on the blocking pool, once one is free (waits
    /// at most [`POOL_WAIT`]).
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let slot = self.read_slot().await?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let conn = inner.readers.get()?;
            f(&conn)
        })
        .await?
    }

    /// Run `f` on a pooled read-only connection on the calling thread, once one is free (waits
    /// at most [`POOL_WAIT`]). Only for reads bounded by a small result, a few index seeks and
    /// at most [`INLINE_READ_ROWS`] rows (tens of microseconds): there, the two thread hand-offs
    /// of [`Store::read`] cost more than the read, and the runtime's other tasks wait no longer
    /// than for any other short poll.
    pub(crate) async fn read_here<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError>,
    {
        let _slot = self.read_slot().await?;
        // The slot guarantees a free connection: `get` returns at once.
        let conn = self.inner.readers.get()?;
        f(&conn)
    }

    /// Run `f` on the writer connection (exclusive) on the blocking pool; `f` gets "today".
    /// Queued writes wait as futures, in order; one dropped while queued never runs, and one
    /// dropped while it runs is rolled back when it tries to commit.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, NaiveDate) -> Result<T, DbError> + Send + 'static,
    {
        let slot = Arc::clone(&self.inner.write_slot)
            .acquire_owned()
            .await
            .map_err(|_| DbError::Storage("the database is closed".into()))?;
        let store = self.clone();
        // Cancelled when this future is dropped: its caller gave up (timeout, cancellation).
        let caller_left = CancellationToken::new();
        let _caller_waits = caller_left.clone().drop_guard();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            store.write_blocking(&caller_left, f)
        })
        .await?
    }

    /// Synchronous writer access (only from blocking contexts). Every commit `f` makes (an
    /// explicit transaction or an autocommit statement) is turned into a rollback once
    /// `caller_left` is cancelled.
    fn write_blocking<T>(
        &self,
        caller_left: &CancellationToken,
        f: impl FnOnce(&mut Connection, NaiveDate) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let today = self.today();
        let mut conn = lock(&self.inner.writer);
        let hook = caller_left.clone();
        // `true` from the hook turns the COMMIT into a ROLLBACK.
        conn.commit_hook(Some(move || hook.is_cancelled()));
        let result = f(&mut conn, today);
        conn.commit_hook(None::<fn() -> bool>);
        match result {
            Err(_) if caller_left.is_cancelled() => Err(DbError::Storage(
                "the call ended (timeout or cancellation) before the write committed; it was rolled back".into(),
            )),
            other => other,
        }
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

    /// Threads of this process (nextest runs each test in its own process).
    /// Threads of this process named `name` (tokio names its workers and blocking threads after
    /// the runtime's `thread_name`): other tests running in the same process do not count.
    fn threads_named(name: &str) -> usize {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .flatten()
            .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
            .count()
    }

    #[test]
    fn a_burst_of_reads_queues_without_a_thread_per_call() {
        const NAME: &str = "burst-reads";
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(NAME)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("burst.db"), 2).await.unwrap();
            let before = threads_named(NAME);
            assert!(before >= 2, "the runtime's workers carry its name ({before} found)");
            let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let calls: Vec<_> = (0..64)
                .map(|_| {
                    let (store, running, most) = (store.clone(), Arc::clone(&running), Arc::clone(&most));
                    tokio::spawn(async move {
                        store
                            .read(move |c| {
                                let now = running.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                                most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(20));
                                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                                Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?)
                            })
                            .await
                    })
                })
                .collect();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let during = threads_named(NAME);
            for call in calls {
                assert_eq!(call.await.unwrap().unwrap(), 1);
            }
            assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 2, "more reads ran than connections");
            // 64 queued reads on 2 connections: a couple of blocking threads, not one per call.
            assert!(during <= before + 4, "{during} threads during the burst, {before} before");
        });
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_abandoned_while_queued_never_runs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("queued.db"), 1).await.unwrap();
        // The first write holds the writer until the test releases it.
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let busy = store.clone();
        let first = tokio::spawn(async move {
            busy.write(move |_, _| {
                let _ = started_tx.send(());
                let _ = release_rx.recv();
                Ok(())
            })
            .await
        });
        started_rx.await.unwrap();
        // The caller gives up while the write waits for the writer (as Core::call does on timeout).
        let queued = store.write(|c, _| {
            Ok(c.execute(
                "INSERT INTO audit_log (ts, tool, arguments, outcome, duration_ms) VALUES ('t', 'late', '{}', 'ok', 0)",
                [],
            )?)
        });
        assert!(tokio::time::timeout(std::time::Duration::from_millis(50), queued).await.is_err());
        release_tx.send(()).unwrap();
        first.await.unwrap().unwrap();
        // Writes run one at a time in the order they queued: once this one ran, a write queued
        // before it would have run too.
        store.write(|_, _| Ok(())).await.unwrap();
        let late: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM audit_log WHERE tool = 'late'", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(late, 0, "a write whose caller gave up ran anyway");
    }

    /// Rows `tool` left in the audit log (the tests below write there: it has no constraints).
    async fn audit_rows(store: &Store, tool: &'static str) -> i64 {
        store
            .read(move |c| Ok(c.query_row("SELECT count(*) FROM audit_log WHERE tool = ?1", [tool], |r| r.get(0))?))
            .await
            .unwrap()
    }

    /// A write that inserts a row as `tool`, signals `inserted`, waits for `commit` and commits,
    /// in a transaction or (`autocommit`) by inserting only after the wait.
    fn slow_insert(
        tool: &'static str,
        autocommit: bool,
        inserted: tokio::sync::oneshot::Sender<()>,
        commit: std::sync::mpsc::Receiver<()>,
    ) -> impl FnOnce(&mut Connection, NaiveDate) -> Result<usize, DbError> + Send + 'static {
        move |c, _| {
            const INSERT: &str =
                "INSERT INTO audit_log (ts, tool, arguments, outcome, duration_ms) VALUES ('t', ?1, '{}', 'ok', 0)";
            if autocommit {
                let _ = inserted.send(());
                let _ = commit.recv();
                return Ok(c.execute(INSERT, [tool])?);
            }
            let tx = c.transaction()?;
            let n = tx.execute(INSERT, [tool])?;
            let _ = inserted.send(());
            let _ = commit.recv();
            tx.commit()?;
            Ok(n)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_abandoned_while_it_runs_is_rolled_back_at_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("running.db"), 1).await.unwrap();
        for (tool, autocommit) in [("abandoned-tx", false), ("abandoned-autocommit", true)] {
            let (inserted_tx, inserted_rx) = tokio::sync::oneshot::channel();
            let (commit_tx, commit_rx) = std::sync::mpsc::channel();
            let mut write = Box::pin(store.write(slow_insert(tool, autocommit, inserted_tx, commit_rx)));
            tokio::select! {
                _ = &mut write => panic!("{tool}: the write finished before it was allowed to commit"),
                started = inserted_rx => started.unwrap(),
            }
            // The caller gives up while the write runs (Core::call on timeout or cancellation).
            drop(write);
            commit_tx.send(()).unwrap();
            // The next write queues behind the abandoned one, so once it ran, that one is done.
            store.write(|_, _| Ok(())).await.unwrap();
            assert_eq!(audit_rows(&store, tool).await, 0, "{tool}: a write whose caller gave up landed");
        }
        // The hook is per write: a caller that waits gets its commit.
        let (inserted_tx, inserted_rx) = tokio::sync::oneshot::channel();
        let (commit_tx, commit_rx) = std::sync::mpsc::channel();
        let write = tokio::spawn({
            let store = store.clone();
            async move { store.write(slow_insert("kept", false, inserted_tx, commit_rx)).await }
        });
        inserted_rx.await.unwrap();
        commit_tx.send(()).unwrap();
        assert_eq!(write.await.unwrap().unwrap(), 1);
        assert_eq!(audit_rows(&store, "kept").await, 1);
    }

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
