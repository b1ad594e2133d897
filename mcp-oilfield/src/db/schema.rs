//! Embedded, versioned schema migrations.
//!
//! `PRAGMA user_version` holds the number of applied migrations; pending ones are applied in order,
//! all in one transaction together with the version bump, so a failure leaves the file unchanged.
//! Never edit a released migration: append a new one.
//!
//! Soft deletes and uniqueness: "one report per well per day" is a *partial* unique index over
//! rows with `deleted_at IS NULL`. A soft-deleted report therefore does not block a new report for
//! the same day; restoring it fails with a conflict while an active report exists for that day
//! (purge or delete one of them first). Wells keep a plain primary key: a soft-deleted well still
//! owns its id until it is restored or purged.

use rusqlite::{Connection, TransactionBehavior};

use super::DbError;

/// Ordered migrations; index + 1 is the schema version after applying it.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: wells, daily reports, audit log.
    r#"
    CREATE TABLE wells (
        id             TEXT PRIMARY KEY NOT NULL,
        name           TEXT NOT NULL,
        field          TEXT NOT NULL,
        block          TEXT NOT NULL,
        well_type      TEXT NOT NULL,
        status         TEXT NOT NULL,
        spud_date      TEXT,
        target_depth_m REAL,
        rig            TEXT,
        operator       TEXT,
        latitude       REAL,
        longitude      REAL,
        created_at     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        deleted_at     TEXT
    ) STRICT;
    CREATE INDEX wells_block ON wells(block, field);

    CREATE TABLE daily_reports (
        id                INTEGER PRIMARY KEY,
        well_id           TEXT NOT NULL REFERENCES wells(id) ON DELETE CASCADE,
        report_date       TEXT NOT NULL,
        md_m              REAL NOT NULL,
        footage_m         REAL NOT NULL,
        bit_type          TEXT,
        bit_diameter_mm   REAL,
        wob_kn            REAL,
        rop_m_per_h       REAL,
        rotary_rpm        REAL,
        torque_knm        REAL,
        pump_pressure_mpa REAL,
        flow_rate_lps     REAL,
        mud_density_gcc   REAL,
        mud_viscosity_s   REAL,
        drilling_hours    REAL NOT NULL,
        npt_hours         REAL NOT NULL DEFAULT 0,
        npt_reason        TEXT,
        main_work         TEXT,
        daily_cost        REAL,
        version           INTEGER NOT NULL DEFAULT 1,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        deleted_at        TEXT
    ) STRICT;
    -- One active report per well and day; also serves "latest N reports of a well".
    CREATE UNIQUE INDEX daily_reports_active_day
        ON daily_reports(well_id, report_date) WHERE deleted_at IS NULL;
    -- Latest reports across wells, date-range scans.
    CREATE INDEX daily_reports_active_date
        ON daily_reports(report_date) WHERE deleted_at IS NULL;
    -- Finding soft-deleted rows to restore or purge.
    CREATE INDEX daily_reports_deleted_day
        ON daily_reports(well_id, report_date) WHERE deleted_at IS NOT NULL;

    CREATE TABLE audit_log (
        id            INTEGER PRIMARY KEY,
        ts            TEXT NOT NULL,
        caller_id     TEXT,
        caller_email  TEXT,
        caller_role   TEXT,
        tool          TEXT NOT NULL,
        arguments     TEXT NOT NULL,
        outcome       TEXT NOT NULL,
        rows_affected INTEGER,
        duration_ms   INTEGER NOT NULL,
        message       TEXT
    ) STRICT;
    CREATE INDEX audit_log_ts ON audit_log(ts);
    CREATE INDEX audit_log_tool ON audit_log(tool, ts);
    CREATE INDEX audit_log_caller ON audit_log(caller_id, ts);
    "#,
    // 2: remember which reports were soft-deleted together with their well, so that
    // restore_well brings back exactly those (timestamps can coincide within a millisecond);
    // extend the date index by well id.
    r#"
    ALTER TABLE daily_reports ADD COLUMN deleted_with_well INTEGER NOT NULL DEFAULT 0;
    -- Latest reports across wells ordered by (date, well) straight from the index, no sort.
    DROP INDEX daily_reports_active_date;
    CREATE INDEX daily_reports_active_date
        ON daily_reports(report_date, well_id) WHERE deleted_at IS NULL;
    "#,
    // 3: audit rows keep the digest of the whole arguments (the stored copy is bounded) and the
    // blocks and fields they are about (who may read them), as JSON arrays of lower-case names.
    r#"
    ALTER TABLE audit_log ADD COLUMN arguments_digest TEXT;
    ALTER TABLE audit_log ADD COLUMN blocks TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE audit_log ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Apply pending migrations in one transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<i64, DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(DbError::Storage(format!(
            "database schema version {current} is newer than this build supports ({SCHEMA_VERSION})"
        )));
    }
    let start = usize::try_from(current).unwrap_or(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tx.execute_batch(sql).map_err(|e| DbError::Storage(format!("migration {} failed: {e}", i + 1)))?;
    }
    if current < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tracing::info!(from = current, to = SCHEMA_VERSION, "database schema migrated");
    }
    tx.commit()?;
    Ok(SCHEMA_VERSION)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn upgrades_an_older_database_in_order_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("old.db")).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO wells (id, name, field, block, well_type, status, created_at, updated_at) \
             VALUES ('ZT-102', 'n', 'f', 'b', 'vertical', 'drilling', 't', 't')",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let flag: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('daily_reports') WHERE name = 'deleted_with_well'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(flag, 1);
        let wells: i64 = conn.query_row("SELECT count(*) FROM wells", [], |r| r.get(0)).unwrap();
        assert_eq!(wells, 1);
        // Idempotent.
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_failing_migration_leaves_the_database_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("bad.db")).unwrap();
        // A table in the way of migration 1.
        conn.execute_batch("CREATE TABLE wells (x INTEGER)").unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("migration 1 failed"), "{err}");
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE name IN ('daily_reports', 'audit_log')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(tables, 0);
    }
}
