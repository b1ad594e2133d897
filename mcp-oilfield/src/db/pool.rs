//! Connections: one writer connection (serialised by a mutex in `Store`) and a bounded pool of
//! read-only connections (`SQLITE_OPEN_READ_ONLY`).
//!
//! Every connection gets a 5 s busy timeout and `foreign_keys=ON`; the writer also switches the
//! database to WAL (readers then never block the writer and vice versa) with `synchronous=NORMAL`.

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
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
        .min_idle(Some(1))
        .connection_timeout(POOL_WAIT)
        .build(manager)
        .map_err(|e| DbError::Storage(format!("cannot open read connections to {}: {e}", path.display())))
}
