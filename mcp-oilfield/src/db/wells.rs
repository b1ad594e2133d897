//! Wells: resolution of user-typed ids (with suggestions), listing, CRUD, soft delete / restore.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, named_params};

use super::snapshot::Snapshot;
use super::sql::{scope_sql, well_cols};
use super::types::{Deletion, Page, Paged, Restoration, WellDetail, WellFilter, check_limit, round};
use super::{DbError, Scope, Store, now_ts, rows, stats};
use crate::domain::{NewWell, Well, WellPatch, WellSummary, closest_ids_for, normalize_well_id, validate_new_well};

/// The bits of a well that other operations need.
#[derive(Debug, Clone)]
pub(crate) struct WellRef {
    pub id: String,
    pub spud_date: Option<NaiveDate>,
    pub target_depth_m: Option<f64>,
    pub deleted_at: Option<String>,
}

/// The statement of [`find_well`] (also run by the benchmark's bare reference).
pub(crate) const FIND_WELL: &str = concat!(
    "SELECT w.id, w.spud_date, w.target_depth_m, w.deleted_at FROM wells w \
     WHERE w.id = :id AND (:del = 1 OR w.deleted_at IS NULL) AND ",
    scope_sql!()
);

/// Look a canonical id up within the scope; deleted wells only when `include_deleted`.
pub(crate) fn find_well(
    conn: &Connection,
    scope: &Scope,
    id: &str,
    include_deleted: bool,
) -> Result<Option<WellRef>, DbError> {
    let (sb, sf) = scope.params();
    let mut stmt = conn.prepare_cached(FIND_WELL)?;
    let found = stmt
        .query_row(named_params! {":id": id, ":del": include_deleted, ":sb": sb, ":sf": sf}, |r| {
            Ok(WellRef { id: r.get(0)?, spud_date: r.get(1)?, target_depth_m: r.get(2)?, deleted_at: r.get(3)? })
        })
        .optional()?;
    Ok(found)
}

/// `NotFound` for a well, suggesting up to 3 close ids among active (or deleted) wells in scope.
pub(crate) fn well_not_found(conn: &Connection, scope: &Scope, id: &str, deleted: bool) -> DbError {
    let suggestions = (|| -> Result<Vec<String>, DbError> {
        let (sb, sf) = scope.params();
        let mut stmt = conn.prepare_cached(concat!(
            "SELECT w.id FROM wells w WHERE (w.deleted_at IS NOT NULL) = :del AND ",
            scope_sql!()
        ))?;
        let ids = stmt
            .query_map(named_params! {":del": deleted, ":sb": sb, ":sf": sf}, |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(closest_ids_for(id, &ids))
    })()
    .unwrap_or_default();
    let what = if deleted { format!("deleted well {id}") } else { format!("well {id}") };
    DbError::NotFound { what, suggestions }
}

/// Resolve a user-typed id to an active well in scope, or `NotFound` with suggestions.
pub(crate) fn resolve_well(conn: &Connection, scope: &Scope, input: &str) -> Result<WellRef, DbError> {
    let id = normalize_well_id(input)?;
    find_well(conn, scope, &id, false)?.ok_or_else(|| well_not_found(conn, scope, &id, false))
}

/// Resolve several ids (deduplicated, order kept).
pub(crate) fn resolve_wells(conn: &Connection, scope: &Scope, inputs: &[String]) -> Result<Vec<WellRef>, DbError> {
    let mut out: Vec<WellRef> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let w = resolve_well(conn, scope, input)?;
        if !out.iter().any(|o| o.id == w.id) {
            out.push(w);
        }
    }
    Ok(out)
}

pub(crate) fn load_well(conn: &Connection, id: &str) -> Result<Well, DbError> {
    let mut stmt = conn.prepare_cached(concat!("SELECT ", well_cols!(), " FROM wells w WHERE w.id = ?1"))?;
    stmt.query_row([id], |r| rows::well(r, 0)).optional()?.ok_or_else(|| DbError::not_found(format!("well {id}")))
}

fn ensure_in_scope(scope: &Scope, w: &NewWell, verb: &str) -> Result<(), DbError> {
    if scope.allows(&w.block, &w.field) {
        Ok(())
    } else {
        Err(DbError::Invalid(format!(
            "well {} cannot be {verb} in block {} / field {}: outside the data you may access ({})",
            w.id,
            w.block,
            w.field,
            scope.describe()
        )))
    }
}

/// Insert a validated well (used by `create_well` and the importer).
///
/// Well ids are unique across all blocks, so an id taken by a well outside the caller's scope
/// cannot be created either; the refusal then reads like any other refusal of data outside the
/// scope ([`DbError::Invalid`], "not available ... outside the data you may access") and says
/// nothing of that well (not that it exists, nor its block, nor whether it is deleted). Only a
/// well the caller can see is answered with "already exists" / "is deleted".
pub(crate) fn insert_well(conn: &Connection, scope: &Scope, well: &NewWell) -> Result<Well, DbError> {
    let w = validate_new_well(well)?;
    ensure_in_scope(scope, &w, "created")?;
    if let Some(visible) = find_well(conn, scope, &w.id, true)? {
        return Err(DbError::Conflict(if visible.deleted_at.is_some() {
            format!("well {} exists but is deleted; restore it or purge it first", w.id)
        } else {
            format!("well {} already exists", w.id)
        }));
    }
    let taken: bool =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM wells WHERE id = ?1)")?.query_row([&w.id], |r| r.get(0))?;
    if taken {
        return Err(DbError::Invalid(format!(
            "well id {} is not available: it is outside the data you may access ({}); choose another id",
            w.id,
            scope.describe()
        )));
    }
    let ts = now_ts();
    conn.prepare_cached(
        "INSERT INTO wells (id, name, field, block, well_type, status, spud_date, target_depth_m, \
         rig, operator, latitude, longitude, created_at, updated_at) \
         VALUES (:id, :name, :field, :block, :type, :status, :spud, :target, :rig, :op, :lat, :lon, :ts, :ts)",
    )?
    .execute(named_params! {
        ":id": w.id, ":name": w.name, ":field": w.field, ":block": w.block,
        ":type": w.well_type.as_str(), ":status": w.status.as_str(), ":spud": w.spud_date,
        ":target": w.target_depth_m, ":rig": w.rig, ":op": w.operator, ":lat": w.latitude,
        ":lon": w.longitude, ":ts": ts,
    })?;
    load_well(conn, &w.id)
}

macro_rules! well_filter_sql {
    () => {
        concat!(
            "w.deleted_at IS NULL AND ",
            scope_sql!(),
            " AND (:block IS NULL OR lower(w.block) = lower(:block)) \
             AND (:field IS NULL OR lower(w.field) = lower(:field)) \
             AND (:status IS NULL OR w.status = :status) \
             AND (:name IS NULL OR instr(lower(w.name), lower(:name)) > 0 \
                  OR instr(lower(w.id), lower(:name)) > 0)"
        )
    };
}

impl Store {
    /// List wells in scope matching the filter, ordered by id.
    pub async fn list_wells(
        &self,
        scope: &Scope,
        filter: WellFilter,
        page: Page,
    ) -> Result<Paged<WellSummary>, DbError> {
        check_limit(page.limit)?;
        let scope = scope.clone();
        self.read(move |conn| {
            let tx = Snapshot::begin(conn)?;
            let (sb, sf) = scope.params();
            let trim = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from);
            let (block, field, name) = (trim(&filter.block), trim(&filter.field), trim(&filter.name));
            let status = filter.status.map(|s| s.as_str());
            let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
            let total: i64 =
                tx.prepare_cached(concat!("SELECT count(*) FROM wells w WHERE ", well_filter_sql!()))?.query_row(
                    named_params! {":sb": sb, ":sf": sf, ":block": block, ":field": field,
                    ":status": status, ":name": name},
                    |r| r.get(0),
                )?;
            let mut stmt = tx.prepare_cached(concat!(
                "SELECT ",
                well_cols!(),
                ", lr.md_m, lr.report_date FROM wells w \
                 LEFT JOIN daily_reports lr ON lr.id = (SELECT r.id FROM daily_reports r \
                   WHERE r.well_id = w.id AND r.deleted_at IS NULL ORDER BY r.report_date DESC LIMIT 1) \
                 WHERE ",
                well_filter_sql!(),
                " ORDER BY w.id LIMIT :limit OFFSET :offset"
            ))?;
            let items = stmt
                .query_map(
                    named_params! {":sb": sb, ":sf": sf, ":block": block, ":field": field,
                    ":status": status, ":name": name, ":limit": page.limit, ":offset": offset},
                    |r| {
                        let w = rows::well(r, 0)?;
                        let md: Option<f64> = r.get(14)?;
                        let last: Option<NaiveDate> = r.get(15)?;
                        Ok(WellSummary {
                            progress_pct: progress(md, w.target_depth_m),
                            id: w.id,
                            name: w.name,
                            field: w.field,
                            block: w.block,
                            well_type: w.well_type,
                            status: w.status,
                            spud_date: w.spud_date,
                            target_depth_m: w.target_depth_m,
                            current_depth_m: md,
                            last_report_date: last,
                        })
                    },
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Paged::new(items, u64::try_from(total).unwrap_or(0), page.offset))
        })
        .await
    }

    /// A well with its latest report and cumulative figures.
    pub async fn get_well(&self, scope: &Scope, id: &str) -> Result<WellDetail, DbError> {
        // A handful of index seeks and the kept totals, whatever the history: on this thread.
        self.read_here(|conn| {
            let tx = Snapshot::begin(conn)?;
            let w = resolve_well(&tx, scope, id)?;
            let well = load_well(&tx, &w.id)?;
            let latest_report = super::reports::latest_report(&tx, &w.id)?;
            let cumulative = stats::cumulative(&tx, &well, latest_report.as_ref())?;
            Ok(WellDetail { well, latest_report, cumulative })
        })
        .await
    }

    /// Create a well; its block/field must be inside the scope.
    pub async fn create_well(&self, scope: &Scope, well: NewWell) -> Result<Well, DbError> {
        let scope = scope.clone();
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let w = insert_well(&tx, &scope, &well)?;
            tx.commit()?;
            Ok(w)
        })
        .await
    }

    /// Change a well; moving it to a block/field outside the scope is refused, and the spud date
    /// cannot move after the well's first report.
    pub async fn update_well(&self, scope: &Scope, id: &str, patch: WellPatch) -> Result<Well, DbError> {
        let (scope, id) = (scope.clone(), id.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let w = resolve_well(&tx, &scope, &id)?;
            if patch.is_empty() {
                return Err(DbError::Invalid(format!("nothing to update for well {}", w.id)));
            }
            let current = load_well(&tx, &w.id)?;
            let merged = validate_new_well(&patch.apply(&current.to_new()))?;
            ensure_in_scope(&scope, &merged, "moved")?;
            if let Some(spud) = merged.spud_date {
                let first: Option<NaiveDate> = tx
                    .prepare_cached(
                        "SELECT min(report_date) FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL",
                    )?
                    .query_row([&w.id], |r| r.get(0))?;
                if let Some(first) = first.filter(|f| *f < spud) {
                    return Err(DbError::Invalid(format!(
                        "spud_date {spud} is after the first report of well {} on {first}",
                        w.id
                    )));
                }
            }
            tx.prepare_cached(
                "UPDATE wells SET name = :name, field = :field, block = :block, well_type = :type, \
                 status = :status, spud_date = :spud, target_depth_m = :target, rig = :rig, \
                 operator = :op, latitude = :lat, longitude = :lon, updated_at = :ts WHERE id = :id",
            )?
            .execute(named_params! {
                ":id": w.id, ":name": merged.name, ":field": merged.field, ":block": merged.block,
                ":type": merged.well_type.as_str(), ":status": merged.status.as_str(),
                ":spud": merged.spud_date, ":target": merged.target_depth_m, ":rig": merged.rig,
                ":op": merged.operator, ":lat": merged.latitude, ":lon": merged.longitude,
                ":ts": now_ts(),
            })?;
            let updated = load_well(&tx, &w.id)?;
            tx.commit()?;
            Ok(updated)
        })
        .await
    }

    /// Soft-delete a well and its reports, or with `purge` remove both for good (purge also works
    /// on an already soft-deleted well).
    pub async fn delete_well(&self, scope: &Scope, id: &str, purge: bool) -> Result<Deletion, DbError> {
        let (scope, id) = (scope.clone(), id.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let canonical = normalize_well_id(&id)?;
            let w = find_well(&tx, &scope, &canonical, purge)?
                .ok_or_else(|| well_not_found(&tx, &scope, &canonical, false))?;
            let (reports, wells) = if purge {
                let r = tx.prepare_cached("DELETE FROM daily_reports WHERE well_id = ?1")?.execute([&w.id])?;
                let n = tx.prepare_cached("DELETE FROM wells WHERE id = ?1")?.execute([&w.id])?;
                (r, n)
            } else {
                let ts = now_ts();
                let r = tx
                    .prepare_cached(
                        "UPDATE daily_reports SET deleted_at = ?2, deleted_with_well = 1 \
                         WHERE well_id = ?1 AND deleted_at IS NULL",
                    )?
                    .execute([&w.id, &ts])?;
                let n = tx
                    .prepare_cached("UPDATE wells SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1")?
                    .execute([&w.id, &ts])?;
                (r, n)
            };
            tx.commit()?;
            Ok(Deletion {
                target: format!("well {}", w.id),
                purged: purge,
                wells: wells as u64,
                reports: reports as u64,
            })
        })
        .await
    }

    /// Restore a soft-deleted well together with the reports deleted with it (reports deleted
    /// individually before stay deleted).
    pub async fn restore_well(&self, scope: &Scope, id: &str) -> Result<Restoration, DbError> {
        let (scope, id) = (scope.clone(), id.to_string());
        self.write(move |conn, _| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let canonical = normalize_well_id(&id)?;
            let w = find_well(&tx, &scope, &canonical, true)?
                .ok_or_else(|| well_not_found(&tx, &scope, &canonical, true))?;
            if w.deleted_at.is_none() {
                return Err(DbError::Conflict(format!("well {} is not deleted", w.id)));
            }
            let reports = tx
                .prepare_cached(
                    "UPDATE daily_reports SET deleted_at = NULL, deleted_with_well = 0 \
                     WHERE well_id = ?1 AND deleted_at IS NOT NULL AND deleted_with_well = 1",
                )?
                .execute([&w.id])?;
            tx.prepare_cached("UPDATE wells SET deleted_at = NULL, updated_at = ?2 WHERE id = ?1")?
                .execute([&w.id, &now_ts()])?;
            tx.commit()?;
            Ok(Restoration { target: format!("well {}", w.id), wells: 1, reports: reports as u64 })
        })
        .await
    }
}

/// current / target × 100, rounded to 0.01.
pub(crate) fn progress(current: Option<f64>, target: Option<f64>) -> Option<f64> {
    match (current, target) {
        (Some(c), Some(t)) if t > 0.0 => Some(round(c / t * 100.0, 2)),
        _ => None,
    }
}
