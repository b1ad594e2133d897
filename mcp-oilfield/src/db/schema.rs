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

/// Body of the triggers of migration 5 that add `NEW` to its well's running totals.
macro_rules! stats_add_new {
    () => {
        r#"
    BEGIN
        INSERT INTO well_stats (well_id, report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count,
                                mud_sum, mud_count, change_seq)
        VALUES (NEW.well_id, 1, NEW.footage_m, NEW.drilling_hours, NEW.npt_hours,
                coalesce(NEW.daily_cost, 0), NEW.daily_cost IS NOT NULL,
                coalesce(NEW.mud_density_gcc, 0), NEW.mud_density_gcc IS NOT NULL, 1)
        ON CONFLICT (well_id) DO UPDATE SET
            report_count = report_count + 1,
            footage_m = footage_m + excluded.footage_m,
            drilling_hours = drilling_hours + excluded.drilling_hours,
            npt_hours = npt_hours + excluded.npt_hours,
            cost_sum = cost_sum + excluded.cost_sum,
            cost_count = cost_count + excluded.cost_count,
            mud_sum = mud_sum + excluded.mud_sum,
            mud_count = mud_count + excluded.mud_count,
            change_seq = change_seq + 1;
    END;
"#
    };
}
/// Body of the triggers of migration 5 that take `OLD` out of its well's running totals.
macro_rules! stats_remove_old {
    () => {
        r#"
    BEGIN
        UPDATE well_stats SET
            report_count = report_count - 1,
            footage_m = footage_m - OLD.footage_m,
            drilling_hours = drilling_hours - OLD.drilling_hours,
            npt_hours = npt_hours - OLD.npt_hours,
            cost_sum = cost_sum - coalesce(OLD.daily_cost, 0),
            cost_count = cost_count - (OLD.daily_cost IS NOT NULL),
            mud_sum = mud_sum - coalesce(OLD.mud_density_gcc, 0),
            mud_count = mud_count - (OLD.mud_density_gcc IS NOT NULL),
            change_seq = change_seq + 1
        WHERE well_id = OLD.well_id;
    END;
"#
    };
}

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
    // 4: per-well running totals over the active reports, kept exact by triggers, so that the
    // report count behind `total` and the cumulative figures of `get_well` cost one row instead
    // of a pass over the well's history. Every change of `daily_reports` goes through the triggers:
    // inserts (tools, importer, seeder), updates, soft deletes and restores (updates of
    // `deleted_at`), purges (deletes, also by cascade). Only sums and counts are kept: they are
    // exact under any order of changes; extremes (first/last date, depth) come from the
    // `(well_id, report_date)` index at read time. Backfilled from existing reports.
    r#"
    CREATE TABLE well_stats (
        well_id        TEXT PRIMARY KEY NOT NULL,
        report_count   INTEGER NOT NULL DEFAULT 0,
        footage_m      REAL NOT NULL DEFAULT 0,
        drilling_hours REAL NOT NULL DEFAULT 0,
        npt_hours      REAL NOT NULL DEFAULT 0,
        cost_sum       REAL NOT NULL DEFAULT 0,
        cost_count     INTEGER NOT NULL DEFAULT 0,
        mud_sum        REAL NOT NULL DEFAULT 0,
        mud_count      INTEGER NOT NULL DEFAULT 0
    ) STRICT, WITHOUT ROWID;

    -- NPT days only: "NPT by reason" reads the days with NPT, not the whole range.
    CREATE INDEX daily_reports_npt_day
        ON daily_reports(well_id, report_date) WHERE deleted_at IS NULL AND npt_hours > 0;

    INSERT INTO well_stats (well_id, report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count,
                            mud_sum, mud_count)
        SELECT well_id, count(*), total(footage_m), total(drilling_hours), total(npt_hours),
               total(daily_cost), count(daily_cost), total(mud_density_gcc), count(mud_density_gcc)
        FROM daily_reports WHERE deleted_at IS NULL GROUP BY well_id;

    CREATE TRIGGER well_stats_report_added AFTER INSERT ON daily_reports
    WHEN NEW.deleted_at IS NULL
    BEGIN
        INSERT INTO well_stats (well_id, report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count,
                                mud_sum, mud_count)
        VALUES (NEW.well_id, 1, NEW.footage_m, NEW.drilling_hours, NEW.npt_hours,
                coalesce(NEW.daily_cost, 0), NEW.daily_cost IS NOT NULL,
                coalesce(NEW.mud_density_gcc, 0), NEW.mud_density_gcc IS NOT NULL)
        ON CONFLICT (well_id) DO UPDATE SET
            report_count = report_count + 1,
            footage_m = footage_m + excluded.footage_m,
            drilling_hours = drilling_hours + excluded.drilling_hours,
            npt_hours = npt_hours + excluded.npt_hours,
            cost_sum = cost_sum + excluded.cost_sum,
            cost_count = cost_count + excluded.cost_count,
            mud_sum = mud_sum + excluded.mud_sum,
            mud_count = mud_count + excluded.mud_count;
    END;

    CREATE TRIGGER well_stats_report_removed AFTER DELETE ON daily_reports
    WHEN OLD.deleted_at IS NULL
    BEGIN
        UPDATE well_stats SET
            report_count = report_count - 1,
            footage_m = footage_m - OLD.footage_m,
            drilling_hours = drilling_hours - OLD.drilling_hours,
            npt_hours = npt_hours - OLD.npt_hours,
            cost_sum = cost_sum - coalesce(OLD.daily_cost, 0),
            cost_count = cost_count - (OLD.daily_cost IS NOT NULL),
            mud_sum = mud_sum - coalesce(OLD.mud_density_gcc, 0),
            mud_count = mud_count - (OLD.mud_density_gcc IS NOT NULL)
        WHERE well_id = OLD.well_id;
    END;

    -- An update is "remove the old row if it was active, add the new one if it is": two
    -- triggers whose effects commute, so their firing order does not matter.
    CREATE TRIGGER well_stats_report_changed_from
    AFTER UPDATE OF well_id, footage_m, drilling_hours, npt_hours, daily_cost, mud_density_gcc, deleted_at
    ON daily_reports
    WHEN OLD.deleted_at IS NULL
    BEGIN
        UPDATE well_stats SET
            report_count = report_count - 1,
            footage_m = footage_m - OLD.footage_m,
            drilling_hours = drilling_hours - OLD.drilling_hours,
            npt_hours = npt_hours - OLD.npt_hours,
            cost_sum = cost_sum - coalesce(OLD.daily_cost, 0),
            cost_count = cost_count - (OLD.daily_cost IS NOT NULL),
            mud_sum = mud_sum - coalesce(OLD.mud_density_gcc, 0),
            mud_count = mud_count - (OLD.mud_density_gcc IS NOT NULL)
        WHERE well_id = OLD.well_id;
    END;

    CREATE TRIGGER well_stats_report_changed_to
    AFTER UPDATE OF well_id, footage_m, drilling_hours, npt_hours, daily_cost, mud_density_gcc, deleted_at
    ON daily_reports
    WHEN NEW.deleted_at IS NULL
    BEGIN
        INSERT INTO well_stats (well_id, report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count,
                                mud_sum, mud_count)
        VALUES (NEW.well_id, 1, NEW.footage_m, NEW.drilling_hours, NEW.npt_hours,
                coalesce(NEW.daily_cost, 0), NEW.daily_cost IS NOT NULL,
                coalesce(NEW.mud_density_gcc, 0), NEW.mud_density_gcc IS NOT NULL)
        ON CONFLICT (well_id) DO UPDATE SET
            report_count = report_count + 1,
            footage_m = footage_m + excluded.footage_m,
            drilling_hours = drilling_hours + excluded.drilling_hours,
            npt_hours = npt_hours + excluded.npt_hours,
            cost_sum = cost_sum + excluded.cost_sum,
            cost_count = cost_count + excluded.cost_count,
            mud_sum = mud_sum + excluded.mud_sum,
            mud_count = mud_count + excluded.mud_count;
    END;

    CREATE TRIGGER well_stats_well_purged AFTER DELETE ON wells
    BEGIN
        DELETE FROM well_stats WHERE well_id = OLD.id;
    END;
    "#,
    // 5: what keeps a remembered page position (`offset_marks`) honest. `well_stats.change_seq`
    // goes up with every change of a well's active reports that can move a row in a listing
    // (insert, delete, soft delete, restore, and updates of the keyed or summed columns, now
    // including `report_date`), folded into the triggers of migration 4 so a write costs no extra
    // statement. `listing_epoch.n` goes up with every insert, update or delete of a well (the set
    // of wells a listing covers, and the scope columns). Both only ever go up, so "the same
    // epoch and the same sum of the listed wells' `change_seq`" means "the same rows in the
    // same order".
    concat!(
        r#"
    ALTER TABLE well_stats ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE listing_epoch (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n  INTEGER NOT NULL
    ) STRICT;
    INSERT INTO listing_epoch (id, n) VALUES (1, 0);

    CREATE TRIGGER listing_epoch_well_added AFTER INSERT ON wells
    BEGIN
        UPDATE listing_epoch SET n = n + 1;
    END;
    CREATE TRIGGER listing_epoch_well_changed AFTER UPDATE ON wells
    BEGIN
        UPDATE listing_epoch SET n = n + 1;
    END;
    CREATE TRIGGER listing_epoch_well_removed AFTER DELETE ON wells
    BEGIN
        UPDATE listing_epoch SET n = n + 1;
    END;

    DROP TRIGGER well_stats_report_added;
    DROP TRIGGER well_stats_report_removed;
    DROP TRIGGER well_stats_report_changed_from;
    DROP TRIGGER well_stats_report_changed_to;

    CREATE TRIGGER well_stats_report_added AFTER INSERT ON daily_reports
    WHEN NEW.deleted_at IS NULL
"#,
        stats_add_new!(),
        r#"
    CREATE TRIGGER well_stats_report_removed AFTER DELETE ON daily_reports
    WHEN OLD.deleted_at IS NULL
"#,
        stats_remove_old!(),
        r#"
    CREATE TRIGGER well_stats_report_changed_from
    AFTER UPDATE OF well_id, report_date, footage_m, drilling_hours, npt_hours, daily_cost, mud_density_gcc,
                    deleted_at
    ON daily_reports
    WHEN OLD.deleted_at IS NULL
"#,
        stats_remove_old!(),
        r#"
    CREATE TRIGGER well_stats_report_changed_to
    AFTER UPDATE OF well_id, report_date, footage_m, drilling_hours, npt_hours, daily_cost, mud_density_gcc,
                    deleted_at
    ON daily_reports
    WHEN NEW.deleted_at IS NULL
"#,
        stats_add_new!()
    ),
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
