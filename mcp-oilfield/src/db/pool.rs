//! Connections: one writer connection (serialised by a mutex in `Store`) and a bounded pool of
//! read-only connections (`SQLITE_OPEN_READ_ONLY`).
//!
//! Every connection gets a 5 s busy timeout and `foreign_keys=ON`; the writer also switches the
//! database to WAL (readers then never block the writer and vice versa) with `synchronous=NORMAL`.

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::DbError;

/// Busy timeout on every connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a read waits for a free pooled connection.
pub const POOL_WAIT: Duration = Duration::from_secs(5);
/// Prepared statements cached per connection.
const STATEMENT_CACHE: usize = 64;

pub(crate) type ReadPool = r2d2::Pool<SqliteConnectionManager>;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Query plans must not depend on bound values (query planner stability guarantee). Without
    // it SQLite marks statements whose planning looked at a parameter (the partial-index and
    // range checks here) and re-compiles them on every re-bind: "latest 20 reports of a well"
    // spent ~150 µs re-preparing per call, several times the query itself. Nothing is lost:
    // there are no sqlite_stat4 samples and no LIKE on parameters for plans to adapt to.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Open (creating if needed) the database file for writing and switch it to WAL.
pub(crate) fn open_writer(path: &Path) -> Result<Connection, DbError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbError::Storage(format!("cannot create directory {}: {e}", parent.display())))?;
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| DbError::Storage(format!("cannot open database {}: {e}", path.display())))?;
    configure(&conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(DbError::Storage(format!(
            "database {} could not be switched to WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// A bounded pool of read-only connections (at least one).
pub(crate) fn read_pool(path: &Path, size: usize) -> Result<ReadPool, DbError> {
    let size = u32::try_from(size.clamp(1, 64)).unwrap_or(1);
    let manager = SqliteConnectionManager::file(path)
        .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_init(|c| configure(c));
    r2d2::Pool::builder()
        .max_size(size)
        // Every connection open from the start and kept: a read on the runtime's thread
        // (`Store::read_here`) then never waits for r2d2's thread to open one.
        .min_idle(None)
        .idle_timeout(None)
        .max_lifetime(None)
        .connection_timeout(POOL_WAIT)
        .build(manager)
        .map_err(|e| DbError::Storage(format!("cannot open read connections to {}: {e}", path.display())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rusqlite::{StatementStatus, ToSql};

    use crate::db::Store;
    use crate::db::reports::ONE_DESC;

    /// Re-binding a parameter must not make SQLite re-compile the statement: "latest reports of a
    /// well" is prepared once per connection and then only re-bound.
    #[tokio::test]
    async fn rebinding_parameters_does_not_reprepare() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("plan.db"), 1).await.unwrap();
        let reprepares = store
            .read(|c| {
                let mut stmt = c.prepare_cached(ONE_DESC)?;
                for (well, from) in [("ZT-1", "0000-01-01"), ("ZT-2", "2026-01-01"), ("W003", "2025-06-30")] {
                    let none: Option<String> = None;
                    let params: &[(&str, &dyn ToSql)] = &[
                        (":one", &well),
                        (":sb", &none),
                        (":sf", &none),
                        (":from", &from),
                        (":to", &"9999-12-31"),
                        (":limit", &20),
                        (":offset", &0),
                    ];
                    let mut rows = stmt.query(params)?;
                    while rows.next()?.is_some() {}
                }
                Ok(stmt.get_status(StatementStatus::RePrepare))
            })
            .await
            .unwrap();
        assert_eq!(reprepares, 0, "ONE_DESC was re-prepared on re-binding");
    }
}
