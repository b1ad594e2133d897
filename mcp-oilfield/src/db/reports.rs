//! Daily reports: scoped queries, add / update (optimistic versioning) / delete / restore, and the
//! checks that need the database (spud date, future dates, duplicates, depth order).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior};

use super::cursor::{Cursor, fingerprint};
use super::offset_marks::{Listing, PositionsToken, RowKey};
use super::snapshot::Snapshot;
use super::sql::{report_cols, scope_sql};
use super::stats::{report_span, totals};
use super::types::{Deletion, Order, Paged, ReportQuery, check_limit, date_bounds};
use super::wells::{WellRef, find_well, resolve_well, resolve_wells, well_not_found};
use super::{DbError, INLINE_READ_ROWS, Scope, Store, now_ts, rows};
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
/// The page after a known key (`:kd`, `:kw`), `:offset` rows past it: the bound of the date
/// range on the side of the key is moved to `:kd` by the caller, so this only drops the rows of
/// that day up to the key.
macro_rules! select_reports_after {
    ($cond:expr, $cmp:literal, $order:literal) => {
        concat!(
            "SELECT ",
            report_cols!(),
            " FROM daily_reports r WHERE r.deleted_at IS NULL AND ",
            $cond,
            " AND r.report_date BETWEEN :from AND :to AND (r.report_date <> :kd OR r.well_id ",
            $cmp,
            " :kw) ORDER BY ",
            $order,
            " LIMIT :limit OFFSET :offset"
        )
    };
}
/// Rows in the date range, counted up to `:cap` (index range walk, stopping at the cap).
macro_rules! count_reports_upto {
    ($cond:expr) => {
        concat!(
            "SELECT count(*) FROM (SELECT 1 FROM daily_reports r WHERE r.deleted_at IS NULL AND ",
            $cond,
            " AND r.report_date BETWEEN :from AND :to LIMIT :cap)"
        )
    };
}

pub(crate) const ONE_DESC: &str =
    select_reports!(concat!("r.well_id = :one AND ", well_in_scope!()), "r.report_date DESC");
const ONE_ASC: &str = select_reports!(concat!("r.well_id = :one AND ", well_in_scope!()), "r.report_date ASC");
const ONE_DESC_AFTER: &str =
    select_reports_after!(concat!("r.well_id = :one AND ", well_in_scope!()), "<", "r.report_date DESC");
const ONE_ASC_AFTER: &str =
    select_reports_after!(concat!("r.well_id = :one AND ", well_in_scope!()), ">", "r.report_date ASC");
const ONE_COUNT_UPTO: &str = count_reports_upto!(concat!("r.well_id = :one AND ", well_in_scope!()));
const MANY_DESC: &str =
    select_reports!(concat!("r.well_id IN ", listed_wells_in_scope!()), "r.report_date DESC, r.well_id DESC");
const MANY_ASC: &str =
    select_reports!(concat!("r.well_id IN ", listed_wells_in_scope!()), "r.report_date ASC, r.well_id ASC");
const MANY_DESC_AFTER: &str = select_reports_after!(
    concat!("r.well_id IN ", listed_wells_in_scope!()),
    "<",
    "r.report_date DESC, r.well_id DESC"
);
const MANY_ASC_AFTER: &str =
    select_reports_after!(concat!("r.well_id IN ", listed_wells_in_scope!()), ">", "r.report_date ASC, r.well_id ASC");
const MANY_COUNT_UPTO: &str = count_reports_upto!(concat!("r.well_id IN ", listed_wells_in_scope!()));
pub(crate) const ALL_DESC: &str =
    select_reports!(concat!("+r.well_id IN ", wells_in_scope!()), "r.report_date DESC, r.well_id DESC");
const ALL_ASC: &str = select_reports!(concat!("+r.well_id IN ", wells_in_scope!()), "r.report_date ASC, r.well_id ASC");
const ALL_DESC_AFTER: &str =
    select_reports_after!(concat!("+r.well_id IN ", wells_in_scope!()), "<", "r.report_date DESC, r.well_id DESC");
const ALL_ASC_AFTER: &str =
    select_reports_after!(concat!("+r.well_id IN ", wells_in_scope!()), ">", "r.report_date ASC, r.well_id ASC");
const ALL_COUNT_UPTO: &str = count_reports_upto!(concat!("+r.well_id IN ", wells_in_scope!()));
/// Positions token (see `offset_marks`) of one well, of listed wells, of all wells in scope.
const ONE_TOKEN: &str = "SELECT (SELECT n FROM listing_epoch), \
    coalesce((SELECT change_seq FROM well_stats WHERE well_id = :one), 0)";
const MANY_TOKEN: &str = "SELECT (SELECT n FROM listing_epoch), coalesce(sum(change_seq), 0) FROM well_stats \
    WHERE well_id IN (SELECT value FROM json_each(:wells))";
const ALL_TOKEN: &str = concat!(
    "SELECT (SELECT n FROM listing_epoch), coalesce(sum(s.change_seq), 0) FROM well_stats s WHERE s.well_id IN ",
    wells_in_scope!()
);
/// Maintained report counts of all wells in scope.
const ALL_MAINTAINED: &str =
    concat!("SELECT coalesce(sum(s.report_count), 0) FROM well_stats s WHERE s.well_id IN ", wells_in_scope!());

/// Small pages by `offset` up to here are read on the calling thread: stepping over this many
/// index entries takes well under 0.1 ms.
const INLINE_OFFSET: u64 = 1_000;

/// A date-filtered `total` counts at most this many rows; past it, `total` is a lower bound.
/// (Without dates, or when the range covers every report of the wells asked for, `total` is the
/// exact count the writes keep in `well_stats`.)
pub const TOTAL_COUNT_BOUND: u64 = 2_000;

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
    // Up to 3 dates on each side, by seeks on the active (or deleted) day index, then the 3
    // nearest of those: the cost does not depend on the length of the history.
    let side = |sql: &str| -> rusqlite::Result<Vec<NaiveDate>> {
        conn.prepare_cached(sql)?.query_map(rusqlite::params![well_id, date], |r| r.get::<_, NaiveDate>(0))?.collect()
    };
    let (before, after) = if deleted {
        (
            side(
                "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NOT NULL \
                 AND report_date <= ?2 ORDER BY report_date DESC LIMIT 3",
            ),
            side(
                "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NOT NULL \
                 AND report_date > ?2 ORDER BY report_date ASC LIMIT 3",
            ),
        )
    } else {
        (
            side(
                "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
                 AND report_date <= ?2 ORDER BY report_date DESC LIMIT 3",
            ),
            side(
                "SELECT report_date FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL \
                 AND report_date > ?2 ORDER BY report_date ASC LIMIT 3",
            ),
        )
    };
    let mut near: Vec<NaiveDate> = before.unwrap_or_default().into_iter().chain(after.unwrap_or_default()).collect();
    near.sort_by_key(|d| ((*d - date).num_days().abs(), *d));
    near.dedup();
    let suggestions = near.into_iter().take(3).map(|d| d.to_string()).collect();
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

/// Whether `[from, to]` holds every active report of the wells (all wells when `ids` is empty):
/// then `total` is their maintained count. Index seeks only.
fn covers_all_reports(conn: &Connection, ids: &[&str], from: &str, to: &str) -> Result<bool, DbError> {
    if from <= "0000-01-01" && to >= "9999-12-31" {
        return Ok(true);
    }
    let covers = |span: Option<(NaiveDate, NaiveDate)>| {
        span.is_none_or(|(first, last)| from <= first.to_string().as_str() && to >= last.to_string().as_str())
    };
    if ids.is_empty() {
        let edge = |sql: &str| -> Result<Option<NaiveDate>, DbError> {
            Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0)).optional()?)
        };
        let first =
            edge("SELECT report_date FROM daily_reports WHERE deleted_at IS NULL ORDER BY report_date ASC LIMIT 1")?;
        let last =
            edge("SELECT report_date FROM daily_reports WHERE deleted_at IS NULL ORDER BY report_date DESC LIMIT 1")?;
        return Ok(covers(first.zip(last)));
    }
    for id in ids {
        if !covers(report_span(conn, id)?) {
            return Ok(false);
        }
    }
    Ok(true)
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
    ///
    /// Cost per call does not grow with the history: the page is read from an index (after
    /// `OFFSET` rows, or by seeking past the key in `cursor`), `next_offset` / `next_cursor` come
    /// from reading one row more than the page, and `total` is the maintained count of the wells
    /// (no dates, or dates covering all their reports) or a count of the date range bounded by
    /// [`TOTAL_COUNT_BOUND`] (then `total_is_lower_bound` says "at least").
    pub async fn query_reports(&self, scope: &Scope, q: ReportQuery) -> Result<Paged<DailyReport>, DbError> {
        check_limit(q.limit)?;
        let (from, to) = date_bounds(q.from, q.to)?;
        // A small page near the start, or after a cursor's key, costs a few index seeks and
        // its rows (the date-range count stops at TOTAL_COUNT_BOUND): read on this thread.
        // Larger or deeper pages go to the blocking pool.
        let inline = q.limit <= INLINE_READ_ROWS && (q.cursor.is_some() || q.offset <= INLINE_OFFSET);
        let scope = scope.clone();
        let self_marks = self.offset_marks();
        let run = move |conn: &Connection| {
            let tx = Snapshot::begin(conn)?;
            let wells = resolve_wells(&tx, &scope, &q.well_ids)?;
            let desc = q.order == Order::Desc;
            let ids: Vec<&str> = wells.iter().map(|w| w.id.as_str()).collect();
            let query = fingerprint(&ids, &from, &to, desc);
            let cursor = q.cursor.as_deref().map(|c| Cursor::decode(c, query)).transpose()?;
            let offset = cursor.as_ref().map_or(q.offset, |c| c.offset);
            let (sb, sf) = scope.params();
            let (kind_key, value): (&str, String) = match ids.as_slice() {
                [] => (":none", String::new()),
                [one] => (":one", (*one).to_string()),
                many => (":wells", serde_json::to_string(many)?),
            };
            // A page by offset past the first: its listing and positions token, for the marks.
            let listing = if cursor.is_none() && offset > 0 {
                let listing = Listing {
                    wells: ids.iter().map(|id| (*id).to_string()).collect(),
                    from: from.clone(),
                    to: to.clone(),
                    desc,
                    scope: (sb.clone(), sf.clone()),
                };
                let (sql, params): (&str, Vec<(&str, &dyn ToSql)>) = match kind_key {
                    ":none" => (ALL_TOKEN, vec![(":sb", &sb), (":sf", &sf)]),
                    ":one" => (ONE_TOKEN, vec![(kind_key, &value)]),
                    _ => (MANY_TOKEN, vec![(kind_key, &value)]),
                };
                let token = tx
                    .prepare_cached(sql)?
                    .query_row(params.as_slice(), |r| Ok(PositionsToken(r.get(0)?, r.get(1)?)))?;
                Some((listing, token))
            } else {
                None
            };
            // Where the page starts: past a cursor's key; past the nearest mark at or below the
            // offset, then the rows in between; or that many rows into the listing. A page by
            // offset that is not at a mark also reads the row before it, to leave a mark there.
            let mark = listing.as_ref().and_then(|(l, t)| self_marks.floor(l, *t, offset));
            let (key, skip, read_before) = match (&cursor, mark) {
                (Some(c), _) => (Some(RowKey { date: c.date, well_id: c.well_id.clone() }), 0, false),
                (None, Some((at, k))) if at == offset => (Some(k), 0, false),
                (None, Some((at, k))) => (Some(k), offset - at - 1, true),
                (None, None) if offset > 0 => (None, offset - 1, true),
                (None, None) => (None, 0, false),
            };
            let (mut page_from, mut page_to) = (from.clone(), to.clone());
            let key = key.map(|k| (k.date.format("%Y-%m-%d").to_string(), k.well_id));
            if let Some((kd, _)) = &key {
                if desc {
                    page_to = page_to.min(kd.clone());
                } else {
                    page_from = page_from.max(kd.clone());
                }
            }
            let select = match (kind_key, key.is_some(), desc) {
                (":none", false, true) => ALL_DESC,
                (":none", false, false) => ALL_ASC,
                (":none", true, true) => ALL_DESC_AFTER,
                (":none", true, false) => ALL_ASC_AFTER,
                (":one", false, true) => ONE_DESC,
                (":one", false, false) => ONE_ASC,
                (":one", true, true) => ONE_DESC_AFTER,
                (":one", true, false) => ONE_ASC_AFTER,
                (_, false, true) => MANY_DESC,
                (_, false, false) => MANY_ASC,
                (_, true, true) => MANY_DESC_AFTER,
                (_, true, false) => MANY_ASC_AFTER,
            };
            let count = match kind_key {
                ":none" => ALL_COUNT_UPTO,
                ":one" => ONE_COUNT_UPTO,
                _ => MANY_COUNT_UPTO,
            };
            // One row more than the page tells whether there is a next page.
            let fetch = i64::from(q.limit) + 1 + i64::from(read_before);
            let skip = i64::try_from(skip).unwrap_or(i64::MAX);
            let (kd, kw) = key.clone().unzip();
            let (pf, pt) = (page_from.as_str(), page_to.as_str());
            // Bind only the parameters each statement has (`:none` binds nothing).
            let mut params: Vec<(&str, &dyn ToSql)> =
                vec![(":sb", &sb), (":sf", &sf), (":from", &pf), (":to", &pt), (":limit", &fetch), (":offset", &skip)];
            if kind_key != ":none" {
                params.push((kind_key, &value));
            }
            if key.is_some() {
                params.push((":kd", &kd));
                params.push((":kw", &kw));
            }
            let mut items = tx
                .prepare_cached(select)?
                .query_map(params.as_slice(), |r| rows::report(r, 0))?
                .collect::<Result<Vec<_>, _>>()?;
            if read_before && !items.is_empty() {
                let before = items.remove(0);
                if let Some((l, t)) = &listing {
                    self_marks.record(l, *t, offset, RowKey { date: before.report_date, well_id: before.well_id });
                }
            }
            let more = items.len() > q.limit as usize;
            items.truncate(q.limit as usize);
            let end = offset.saturating_add(items.len() as u64);
            let next_offset = more.then_some(end);
            if let (true, Some((l, t)), Some(last)) = (more, &listing, items.last()) {
                self_marks.record(l, *t, end, RowKey { date: last.report_date, well_id: last.well_id.clone() });
            }
            let next_cursor = if more {
                items
                    .last()
                    .map(|r| Cursor { offset: end, date: r.report_date, well_id: r.well_id.clone(), query }.encode())
            } else {
                None
            };
            // Total: the maintained count when the range holds every report of the wells asked for.
            let maintained = if covers_all_reports(&tx, &ids, &from, &to)? {
                Some(match ids.as_slice() {
                    [] => u64::try_from(
                        tx.prepare_cached(ALL_MAINTAINED)?
                            .query_row(&[(":sb", &sb as &dyn ToSql), (":sf", &sf)][..], |r| r.get::<_, i64>(0))?,
                    )
                    .unwrap_or(0),
                    some => {
                        let mut n = 0u64;
                        for id in some {
                            n += totals(&tx, id)?.reports;
                        }
                        n
                    }
                })
            } else {
                None
            };
            let (total, lower_bound) = match maintained {
                Some(n) => (n, false),
                None => {
                    let cap = i64::try_from(TOTAL_COUNT_BOUND).unwrap_or(i64::MAX) + 1;
                    let (f, t) = (from.as_str(), to.as_str());
                    let mut params: Vec<(&str, &dyn ToSql)> =
                        vec![(":sb", &sb), (":sf", &sf), (":from", &f), (":to", &t), (":cap", &cap)];
                    if kind_key != ":none" {
                        params.push((kind_key, &value));
                    }
                    let n: i64 = tx.prepare_cached(count)?.query_row(params.as_slice(), |r| r.get(0))?;
                    let n = u64::try_from(n).unwrap_or(0);
                    if n <= TOTAL_COUNT_BOUND { (n, false) } else { (n.max(end + u64::from(more)), true) }
                }
            };
            Ok(Paged { items, total, total_is_lower_bound: lower_bound, next_offset, next_cursor })
        };
        if inline { self.read_here(run).await } else { self.read(run).await }
    }

    /// The report of a well on a day (`NotFound` suggests the nearest dates with a report).
    pub async fn get_report(&self, scope: &Scope, well: &str, date: NaiveDate) -> Result<DailyReport, DbError> {
        // Index seeks only: on this thread.
        self.read_here(|conn| Ok(resolve_report(conn, scope, well, date)?.1)).await
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
        for (sql, index) in [
            (ONE_DESC, "daily_reports_active_day"),
            (ALL_DESC, "daily_reports_active_date"),
            (ONE_DESC_AFTER, "daily_reports_active_day"),
            (ONE_ASC_AFTER, "daily_reports_active_day"),
            (ALL_DESC_AFTER, "daily_reports_active_date"),
            (ALL_ASC_AFTER, "daily_reports_active_date"),
            (ONE_COUNT_UPTO, "daily_reports_active_day"),
        ] {
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
        for (name, ours) in [("FIND_WELL", crate::db::wells::FIND_WELL), ("ONE_DESC", ONE_DESC)] {
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
                let all: [(&str, &dyn ToSql); 10] = [
                    (":sb", &None::<String>),
                    (":sf", &"[\"F\"]"),
                    (":from", &"0000-01-01"),
                    (":to", &"9999-12-31"),
                    (":limit", &20),
                    (":offset", &0),
                    (":cap", &2001),
                    (":kd", &"2026-03-04"),
                    (":kw", &"ZT-102"),
                    (":one", &"ZT-102"),
                ];
                let params: Vec<(&str, &dyn ToSql)> = all.into_iter().filter(|(name, _)| sql.contains(name)).collect();
                let rows = s.query_map(&*params, |r| r.get::<_, String>(3))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
            .unwrap();
        plan.join("\n")
    }
}
