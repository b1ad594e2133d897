//! Daily reports: scoped queries, add / update (optimistic versioning) / delete / restore, and the
//! checks that need the database (spud date, future dates, duplicates, depth order).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior};

use super::sql::{report_cols, scope_sql};
use super::types::{Deletion, Order, Paged, ReportQuery, check_limit, date_bounds};
use super::wells::{WellRef, find_well, resolve_well, resolve_wells, well_not_found};
use super::{DbError, Scope, Store, now_ts, rows};
use crate::domain::validation::check_report_date;
use crate::domain::{DailyReport, NewReport, ReportPatch, normalize_well_id, validate_new_report};

// The scope is applied in SQL through uncorrelated subqueries over `wells` (evaluated once per
// statement), so the per-row work stays on the report indexes:
// - one well: a primary-key check of the well, then `daily_reports_active_day`
//   (well_id, report_date) walked in order, no sort;
// - several wells: their rows via `daily_reports_active_day`, then sorted;
// - all wells: `daily_reports_active_date` (report_date, well_id) walked in order up to LIMIT,
//   filtered by the wells in scope (`+r.well_id` keeps SQLite from driving the scan by that list,
//   which would need a sort).
macro_rules! well_in_scope {
    () => {
        concat!("EXISTS (SELECT 1 FROM wells w WHERE w.id = :one AND w.deleted_at IS NULL AND ", scope_sql!(), ")")
    };
}
macro_rules! listed_wells_in_scope {
    () => {
        concat!(
            "(SELECT w.id FROM wells w WHERE w.id IN (SELECT value FROM json_each(:wells)) \
             AND w.deleted_at IS NULL AND ",
            scope_sql!(),
            ")"
        )
    };
}
macro_rules! wells_in_scope {
    () => {
        concat!("(SELECT w.id FROM wells w WHERE w.deleted_at IS NULL AND ", scope_sql!(), ")")
    };
}
macro_rules! select_reports {
    ($cond:expr, $order:literal) => {
        concat!(
            "SELECT ",
            report_cols!(),
            " FROM daily_reports r WHERE r.deleted_at IS NULL AND ",
            $cond,
            " AND r.report_date BETWEEN :from AND :to ORDER BY ",
            $order,
            " LIMIT :limit OFFSET :offset"
        )
    };
}
/// Per-well index range counts summed over the wells selected by `$wells`.
macro_rules! count_reports {
    ($wells:expr) => {
        concat!(
            "SELECT coalesce(sum((SELECT count(*) FROM daily_reports r WHERE r.well_id = s.id \
             AND r.deleted_at IS NULL AND r.report_date BETWEEN :from AND :to)), 0) FROM ",
            $wells,
            " AS s"
        )
    };
}

pub(crate) const ONE_DESC: &str =
    select_reports!(concat!("r.well_id = :one AND ", well_in_scope!()), "r.report_date DESC");
const ONE_ASC: &str = select_reports!(concat!("r.well_id = :one AND ", well_in_scope!()), "r.report_date ASC");
const ONE_COUNT: &str = concat!(
    "SELECT count(*) FROM daily_reports r WHERE r.well_id = :one AND r.deleted_at IS NULL \
     AND r.report_date BETWEEN :from AND :to AND ",
    well_in_scope!()
);
const MANY_DESC: &str =
    select_reports!(concat!("r.well_id IN ", listed_wells_in_scope!()), "r.report_date DESC, r.well_id DESC");
const MANY_ASC: &str =
    select_reports!(concat!("r.well_id IN ", listed_wells_in_scope!()), "r.report_date ASC, r.well_id ASC");
const MANY_COUNT: &str = count_reports!(listed_wells_in_scope!());
pub(crate) const ALL_DESC: &str =
    select_reports!(concat!("+r.well_id IN ", wells_in_scope!()), "r.report_date DESC, r.well_id DESC");
const ALL_ASC: &str = select_reports!(concat!("+r.well_id IN ", wells_in_scope!()), "r.report_date ASC, r.well_id ASC");
const ALL_COUNT: &str = count_reports!(wells_in_scope!());

/// Insert statement shared with the importer and the seeder; bind with [`insert_params`].
pub(crate) const INSERT_REPORT: &str = "INSERT INTO daily_reports (well_id, report_date, md_m, \
    footage_m, bit_type, bit_diameter_mm, wob_kn, rop_m_per_h, rotary_rpm, torque_knm, \
    pump_pressure_mpa, flow_rate_lps, mud_density_gcc, mud_viscosity_s, drilling_hours, npt_hours, \
    npt_reason, main_work, daily_cost, version, created_at, updated_at) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, 1, ?20, ?20)";

#[allow(clippy::ptr_arg)] // `&String` coerces to `&dyn ToSql`, `&str` does not
pub(crate) fn insert_params<'a>(r: &'a NewReport, ts: &'a String) -> [&'a dyn ToSql; 20] {
    [
        &r.well_id,
        &r.report_date,
        &r.md_m,
        &r.footage_m,
        &r.bit_type,
        &r.bit_diameter_mm,
        &r.wob_kn,
        &r.rop_m_per_h,
        &r.rotary_rpm,
        &r.torque_knm,
        &r.pump_pressure_mpa,
        &r.flow_rate_lps,
        &r.mud_density_gcc,
        &r.mud_viscosity_s,
        &r.drilling_hours,
        &r.npt_hours,
        &r.npt_reason,
        &r.main_work,
        &r.daily_cost,
        ts,
    ]
}

pub(crate) fn report_by_id(conn: &Connection, id: i64) -> Result<DailyReport, DbError> {
    conn.prepare_cached(concat!("SELECT ", report_cols!(), " FROM daily_reports r WHERE r.id = ?1"))?
        .query_row([id], |r| rows::report(r, 0))
        .optional()?
        .ok_or_else(|| DbError::not_found(format!("report #{id}")))
}

/// The active report of a (resolved) well on a day.
pub(crate) fn active_report(conn: &Connection, well_id: &str, date: NaiveDate) -> Result<Option<DailyReport>, DbError> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT ",
            report_cols!(),
            " FROM daily_reports r WHERE r.well_id = ?1 AND r.report_date = ?2 AND r.deleted_at IS NULL"
        ))?
        .query_row(rusqlite::params![well_id, date], |r| rows::report(r, 0))
        .optional()?)
}

/// The latest active report of a (resolved) well.
pub(crate) fn latest_report(conn: &Connection, well_id: &str) -> Result<Option<DailyReport>, DbError> {
    Ok(conn
        .prepare_cached(concat!(
            "SELECT ",
            report_cols!(),
            " FROM daily_reports r WHERE r.well_id = ?1 AND r.deleted_at IS NULL \
             ORDER BY r.report_date DESC LIMIT 1"
        ))?
        .query_row([well_id], |r| rows::report(r, 0))
        .optional()?)
}

/// `NotFound` for a report, suggesting the nearest dates that do have a report.
fn report_not_found(conn: &Connection, well_id: &str, date: NaiveDate, deleted: bool) -> DbError {
    let suggestions = conn
        .prepare_cached(
            "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND (deleted_at IS NOT NULL) = ?3 \
             ORDER BY abs(julianday(report_date) - julianday(?2)), report_date LIMIT 3",
        )
        .and_then(|mut s| {
            s.query_map(rusqlite::params![well_id, date, deleted], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default();
    let kind = if deleted { "deleted report" } else { "report" };
    DbError::NotFound { what: format!("{kind} for {well_id} on {date}"), suggestions }
}

/// Depth must not decrease: `md` must be ≥ the previous report's and ≤ the next report's.
pub(crate) fn check_depth_order(conn: &Connection, well_id: &str, date: NaiveDate, md: f64) -> Result<(), DbError> {
    let prev: Option<(NaiveDate, f64)> = conn
        .prepare_cached(
            "SELECT report_date, md_m FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
             AND report_date < ?2 ORDER BY report_date DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![well_id, date], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((d, prev_md)) = prev
        && md < prev_md
    {
        return Err(DbError::Invalid(format!(
            "md_m = {md} m on {date} is lower than {prev_md} m reported for {well_id} on {d} \
             (previous report); measured depth must not decrease"
        )));
    }
    let next: Option<(NaiveDate, f64)> = conn
        .prepare_cached(
            "SELECT report_date, md_m FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
             AND report_date > ?2 ORDER BY report_date ASC LIMIT 1",
        )?
        .query_row(rusqlite::params![well_id, date], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((d, next_md)) = next
        && md > next_md
    {
        return Err(DbError::Invalid(format!(
            "md_m = {md} m on {date} is higher than {next_md} m reported for {well_id} on {d} \
             (next report); measured depth must not decrease"
        )));
    }
    Ok(())
}

fn duplicate(well_id: &str, date: NaiveDate) -> DbError {
    DbError::Conflict(format!("a report for {well_id} on {date} already exists"))
}

/// All checks of a new report against an already resolved well, then the insert. Used by
/// `add_report` and the importer (inside their transactions).
pub(crate) fn insert_report(
    conn: &Connection,
    well: &WellRef,
    report: &NewReport,
    today: NaiveDate,
) -> Result<DailyReport, DbError> {
    let r = validate_new_report(&NewReport { well_id: well.id.clone(), ..report.clone() })?;
    check_report_date(&well.id, r.report_date, well.spud_date, today)?;
    if active_report(conn, &well.id, r.report_date)?.is_some() {
        return Err(duplicate(&well.id, r.report_date));
    }
    check_depth_order(conn, &well.id, r.report_date, r.md_m)?;
    let ts = now_ts();
    conn.prepare_cached(INSERT_REPORT)?.execute(&insert_params(&r, &ts)[..])?;
    report_by_id(conn, conn.last_insert_rowid())
}

fn resolve_report(
    conn: &Connection,
    scope: &Scope,
    well: &str,
    date: NaiveDate,
) -> Result<(WellRef, DailyReport), DbError> {
    let w = resolve_well(conn, scope, well)?;
    let r = active_report(conn, &w.id, date)?.ok_or_else(|| report_not_found(conn, &w.id, date, false))?;
    Ok((w, r))
}

impl Store {
    /// Reports of some wells (or all wells in scope), newest first by default, paged.
    pub async fn query_reports(&self, scope: &Scope, q: ReportQuery) -> Result<Paged<DailyReport>, DbError> {
        check_limit(q.limit)?;
        let (from, to) = date_bounds(q.from, q.to)?;
        let scope = scope.clone();
        self.read(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let wells = resolve_wells(&tx, &scope, &q.well_ids)?;
            let desc = q.order == Order::Desc;
            let (sb, sf) = scope.params();
            let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
            let (from, to) = (from.as_str(), to.as_str());
            let (select, count, key, value): (&str, &str, &str, String) = match wells.as_slice() {
                [] => (if desc { ALL_DESC } else { ALL_ASC }, ALL_COUNT, ":none", String::new()),
                [one] => (if desc { ONE_DESC } else { ONE_ASC }, ONE_COUNT, ":one", one.id.clone()),
                many => {
                    let ids: Vec<&str> = many.iter().map(|w| w.id.as_str()).collect();
                    (if desc { MANY_DESC } else { MANY_ASC }, MANY_COUNT, ":wells", serde_json::to_string(&ids)?)
                }
            };
            // Bind only the parameters each statement has (`:none` binds nothing).
            let mut params: Vec<(&str, &dyn ToSql)> = vec![(":sb", &sb), (":sf", &sf), (":from", &from), (":to", &to)];
            if key != ":none" {
                params.push((key, &value));
            }
            let total: i64 = tx.prepare_cached(count)?.query_row(params.as_slice(), |r| r.get(0))?;
            params.push((":limit", &q.limit));
            params.push((":offset", &offset));
            let items = tx
                .prepare_cached(select)?
                .query_map(params.as_slice(), |r| rows::report(r, 0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Paged::new(items, u64::try_from(total).unwrap_or(0), q.offset))
        })
        .await
    }

    /// The report of a well on a day (`NotFound` suggests the nearest dates with a report).
    pub async fn get_report(&self, scope: &Scope, well: &str, date: NaiveDate) -> Result<DailyReport, DbError> {
        let (scope, well) = (scope.clone(), well.to_string());
        self.read(move |conn| Ok(resolve_report(conn, &scope, &well, date)?.1)).await
    }

    /// Add a report after all checks (ranges, spud date, not in the future, one per day, depth
    /// order).
    pub async fn add_report(&self, scope: &Scope, report: NewReport) -> Result<DailyReport, DbError> {
        let scope = scope.clone();
        self.write(move |conn, today| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let well = resolve_well(&tx, &scope, &report.well_id)?;
            let r = insert_report(&tx, &well, &report, today)?;
            tx.commit()?;
            Ok(r)
        })
        .await
    }

    /// Change some values of a report. With `expected_version`, fails with a conflict if the
    /// report changed since it was read. The version goes up by one.
    pub async fn update_report(
        &self,
        scope: &Scope,
        well: &str,
        date: NaiveDate,
        patch: ReportPatch,
        expected_version: Option<i64>,
    ) -> Result<DailyReport, DbError> {
        let (scope, well) = (scope.clone(), well.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (w, current) = resolve_report(&tx, &scope, &well, date)?;
            if let Some(expected) = expected_version
                && expected != current.version
            {
                return Err(DbError::Conflict(format!(
                    "report {} {date} changed since you read it (version {}, you had {expected}); \
                     re-read and retry",
                    w.id, current.version
                )));
            }
            if patch.is_empty() {
                return Err(DbError::Invalid(format!("nothing to update for report {} {date}", w.id)));
            }
            let r = validate_new_report(&patch.apply(&current.to_new()))?;
            check_depth_order(&tx, &w.id, date, r.md_m)?;
            let ts = now_ts();
            let changed = tx
                .prepare_cached(
                    "UPDATE daily_reports SET md_m = ?3, footage_m = ?4, bit_type = ?5, \
                     bit_diameter_mm = ?6, wob_kn = ?7, rop_m_per_h = ?8, rotary_rpm = ?9, \
                     torque_knm = ?10, pump_pressure_mpa = ?11, flow_rate_lps = ?12, \
                     mud_density_gcc = ?13, mud_viscosity_s = ?14, drilling_hours = ?15, \
                     npt_hours = ?16, npt_reason = ?17, main_work = ?18, daily_cost = ?19, \
                     version = version + 1, updated_at = ?20 \
                     WHERE id = ?21 AND version = ?22 AND well_id = ?1 AND report_date = ?2",
                )?
                .execute(rusqlite::params![
                    r.well_id,
                    r.report_date,
                    r.md_m,
                    r.footage_m,
                    r.bit_type,
                    r.bit_diameter_mm,
                    r.wob_kn,
                    r.rop_m_per_h,
                    r.rotary_rpm,
                    r.torque_knm,
                    r.pump_pressure_mpa,
                    r.flow_rate_lps,
                    r.mud_density_gcc,
                    r.mud_viscosity_s,
                    r.drilling_hours,
                    r.npt_hours,
                    r.npt_reason,
                    r.main_work,
                    r.daily_cost,
                    ts,
                    current.id,
                    current.version
                ])?;
            if changed != 1 {
                return Err(DbError::Conflict(format!(
                    "report {} {date} changed while it was being updated; re-read and retry",
                    w.id
                )));
            }
            let updated = report_by_id(&tx, current.id)?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    /// Soft-delete the report of a well on a day, or with `purge` remove it for good (purge also
    /// removes an already soft-deleted report of that day when no active one exists, and works for
    /// reports of a soft-deleted well).
    pub async fn delete_report(
        &self,
        scope: &Scope,
        well: &str,
        date: NaiveDate,
        purge: bool,
    ) -> Result<Deletion, DbError> {
        let (scope, well) = (scope.clone(), well.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = normalize_well_id(&well)?;
            let w = find_well(&tx, &scope, &id, purge)?.ok_or_else(|| well_not_found(&tx, &scope, &id, false))?;
            let active = active_report(&tx, &w.id, date)?;
            let n = match (active, purge) {
                (Some(r), false) => tx
                    .prepare_cached("UPDATE daily_reports SET deleted_at = ?2 WHERE id = ?1")?
                    .execute(rusqlite::params![r.id, now_ts()])?,
                (Some(r), true) => tx.prepare_cached("DELETE FROM daily_reports WHERE id = ?1")?.execute([r.id])?,
                (None, true) => tx
                    .prepare_cached(
                        "DELETE FROM daily_reports WHERE well_id = ?1 AND report_date = ?2 \
                         AND deleted_at IS NOT NULL",
                    )?
                    .execute(rusqlite::params![w.id, date])?,
                (None, false) => 0,
            };
            if n == 0 {
                return Err(report_not_found(&tx, &w.id, date, false));
            }
            tx.commit()?;
            Ok(Deletion { target: format!("report {} {date}", w.id), purged: purge, wells: 0, reports: n as u64 })
        })
        .await
    }

    /// Restore the most recently soft-deleted report of a well on a day. Fails with a conflict if an
    /// active report exists for that day, and with a validation error if its depth no longer fits
    /// between its neighbours. The version goes up by one.
    pub async fn restore_report(&self, scope: &Scope, well: &str, date: NaiveDate) -> Result<DailyReport, DbError> {
        let (scope, well) = (scope.clone(), well.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = normalize_well_id(&well)?;
            let w = match find_well(&tx, &scope, &id, true)? {
                Some(w) if w.deleted_at.is_some() => {
                    return Err(DbError::Conflict(format!("well {} is deleted; restore the well first", w.id)));
                }
                Some(w) => w,
                None => return Err(well_not_found(&tx, &scope, &id, false)),
            };
            let deleted: Option<(i64, f64)> = tx
                .prepare_cached(
                    "SELECT id, md_m FROM daily_reports WHERE well_id = ?1 AND report_date = ?2 \
                     AND deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC LIMIT 1",
                )?
                .query_row(rusqlite::params![w.id, date], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((rid, md)) = deleted else {
                return Err(report_not_found(&tx, &w.id, date, true));
            };
            if active_report(&tx, &w.id, date)?.is_some() {
                return Err(DbError::Conflict(format!(
                    "cannot restore the report for {} on {date}: an active report for that day \
                     already exists (delete or purge it first)",
                    w.id
                )));
            }
            check_depth_order(&tx, &w.id, date, md)?;
            tx.prepare_cached(
                "UPDATE daily_reports SET deleted_at = NULL, version = version + 1, updated_at = ?2 WHERE id = ?1",
            )?
            .execute(rusqlite::params![rid, now_ts()])?;
            let restored = report_by_id(&tx, rid)?;
            tx.commit()?;
            Ok(restored)
        })
        .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// "Latest N reports" of one well and of all wells must walk an index in order: no table
    /// scan, no temporary sort.
    #[tokio::test]
    async fn latest_reports_queries_walk_an_index_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("plan.db"), 1).await.unwrap();
        for (sql, index) in [(ONE_DESC, "daily_reports_active_day"), (ALL_DESC, "daily_reports_active_date")] {
            let text = plan(&store, sql).await;
            assert!(
                text.contains(&format!("SEARCH r USING INDEX {index}"))
                    || text.contains(&format!("SCAN r USING INDEX {index}")),
                "{text}"
            );
            assert!(!text.contains("TEMP B-TREE"), "{text}");
        }
    }

    /// `cargo xtask bench` compares `query_drilling_data` with `examples/bare_reference.rs`,
    /// which must run the same statements for the comparison to mean anything. It keeps its own
    /// copies (it links nothing of this crate), so this test holds them in step.
    #[test]
    fn the_bench_reference_runs_the_stores_statements() {
        let source = include_str!("../../examples/bare_reference.rs");
        for (name, ours) in
            [("FIND_WELL", crate::db::wells::FIND_WELL), ("ONE_COUNT", ONE_COUNT), ("ONE_DESC", ONE_DESC)]
        {
            let theirs = str_const(source, name).unwrap_or_else(|| panic!("bare_reference.rs has no const {name}"));
            assert_eq!(words(&theirs), words(ours), "bare_reference.rs {name} differs from the store's statement");
        }
    }

    fn words(sql: &str) -> Vec<&str> {
        sql.split_whitespace().collect()
    }

    /// The value of `const NAME: &str = "...";` in Rust source: a plain literal whose lines may end
    /// in `\` (the line break and the next line's indentation are not part of the string).
    fn str_const(source: &str, name: &str) -> Option<String> {
        let opening = format!("const {name}: &str = \"");
        let start = source.find(&opening)? + opening.len();
        let mut value = String::new();
        let mut chars = source[start..].chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(value),
                '\\' => match chars.next()? {
                    '\n' => {
                        let rest = chars.as_str().trim_start();
                        chars = rest.chars();
                    }
                    escaped => value.push(escaped),
                },
                c => value.push(c),
            }
        }
        None
    }

    async fn plan(store: &Store, sql: &'static str) -> String {
        let plan: Vec<String> = store
            .read(move |c| {
                let sql = format!("EXPLAIN QUERY PLAN {sql}");
                let mut s = c.prepare(&sql)?;
                let mut params: Vec<(&str, &dyn ToSql)> = vec![
                    (":sb", &None::<String>),
                    (":sf", &"[\"F\"]"),
                    (":from", &"0000-01-01"),
                    (":to", &"9999-12-31"),
                    (":limit", &20),
                    (":offset", &0),
                ];
                if sql.contains(":one") {
                    params.push((":one", &"ZT-102"));
                }
                let rows = s.query_map(&*params, |r| r.get::<_, String>(3))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        plan.join("\n")
    }
}
