//! One read snapshot across the statements of a read: `BEGIN` ... `ROLLBACK` through the
//! connection's statement cache. rusqlite's `Transaction` runs both with `execute_batch`, which
//! parses them again on every read; on a small page that parsing is a visible share of the call.

use std::ops::Deref;

use rusqlite::Connection;

/// A deferred read transaction on `conn`: every statement run through it sees the same state of
/// the database (the WAL snapshot taken by its first read). Rolled back when dropped.
pub(crate) struct Snapshot<'c> {
    conn: &'c Connection,
}

impl<'c> Snapshot<'c> {
    pub(crate) fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
        Ok(Self { conn })
    }
}

impl Deref for Snapshot<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        // Nothing was written; a failed rollback (the transaction already ended) leaves the
        // connection in autocommit, which is what a rollback would have done.
        if !self.conn.is_autocommit()
            && let Ok(mut rollback) = self.conn.prepare_cached("ROLLBACK")
        {
            let _ = rollback.execute([]);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_does_not_see_writes_made_after_its_first_read_and_ends_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").unwrap();
        let reader = Connection::open(&path).unwrap();
        let count = |c: &Connection| c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap();
        {
            let snap = Snapshot::begin(&reader).unwrap();
            assert!(!snap.is_autocommit());
            assert_eq!(count(&snap), 1);
            writer.execute("INSERT INTO t VALUES (2)", []).unwrap();
            assert_eq!(count(&snap), 1, "the snapshot keeps the state of its first read");
        }
        assert!(reader.is_autocommit(), "dropping the snapshot ends its transaction");
        assert_eq!(count(&reader), 2);
        // Again on the same connection: the cached statements are reused.
        let snap = Snapshot::begin(&reader).unwrap();
        assert_eq!(count(&snap), 2);
    }
}
