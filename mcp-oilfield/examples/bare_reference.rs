//! The benchmark's reference: each call shape `cargo xtask bench oilfield` measures, served by a
//! bare axum + rusqlite handler with none of MCP (no JSON-RPC, no sessions, no tool dispatch, no
//! audit, no logging, no `total`): the floor of the database work of each call.
//!
//! ```text
//! bare_reference --database target/bench/oilfield-1000x1000.db [--port 0]
//! curl -s localhost:PORT/query -H 'content-type: application/json' -d '{"well_id":"SD-0001","limit":10,"offset":0}'
//! curl -s localhost:PORT/well  -H 'content-type: application/json' -d '{"well_id":"SD-0001"}'
//! curl -s localhost:PORT/wells -H 'content-type: application/json' -d '{"limit":20}'
//! curl -s localhost:PORT/stats -H 'content-type: application/json' -d '{"well_id":"SD-0001","from":"2025-01-01","to":"2025-12-31"}'
//! ```
//!
//! - `/query` (`query_drilling_data`): the page by index, newest first, with the store's statements
//!   for one well (`FIND_WELL` of `db/wells.rs`, `ONE_DESC` of `db/reports.rs`; a unit test there
//!   fails when a copy differs), one row more than the page for `next_offset`, and no count.
//! - `/well` (`get_well`): the well's row, its latest report and its kept totals (`well_stats`).
//! - `/wells` (`list_wells`): a page of wells by id with each one's latest depth and date.
//! - `/stats` (`get_well_statistics`): one aggregate over the date range and the NPT hours by reason.
//!
//! Connections are opened as the store opens its readers (read-only, 5 s busy timeout, query
//! planner stability guarantee, statement cache); each blocking-pool thread keeps its own, and
//! queries run on `spawn_blocking`, as in `Store::read`. Binds 127.0.0.1 and prints
//! `Listening on http://...` to stderr. `examples/minimal_rmcp.rs` includes this file for the same
//! page query.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, named_params};
use serde::{Deserialize, Serialize};

const FIND_WELL: &str = "SELECT w.id, w.spud_date, w.target_depth_m, w.deleted_at FROM wells w \
    WHERE w.id = :id AND (:del = 1 OR w.deleted_at IS NULL) AND \
    (:sb IS NULL OR lower(w.block) IN (SELECT lower(value) FROM json_each(:sb))) \
    AND (:sf IS NULL OR lower(w.field) IN (SELECT lower(value) FROM json_each(:sf)))";

const ONE_DESC: &str = "SELECT r.id, r.well_id, r.report_date, r.md_m, r.footage_m, r.bit_type, \
    r.bit_diameter_mm, r.wob_kn, r.rop_m_per_h, r.rotary_rpm, r.torque_knm, r.pump_pressure_mpa, \
    r.flow_rate_lps, r.mud_density_gcc, r.mud_viscosity_s, r.drilling_hours, r.npt_hours, \
    r.npt_reason, r.main_work, r.daily_cost, r.version, r.created_at, r.updated_at \
    FROM daily_reports r WHERE r.deleted_at IS NULL AND r.well_id = :one AND \
    EXISTS (SELECT 1 FROM wells w WHERE w.id = :one AND w.deleted_at IS NULL AND \
    (:sb IS NULL OR lower(w.block) IN (SELECT lower(value) FROM json_each(:sb))) \
    AND (:sf IS NULL OR lower(w.field) IN (SELECT lower(value) FROM json_each(:sf)))) \
    AND r.report_date BETWEEN :from AND :to ORDER BY r.report_date DESC LIMIT :limit OFFSET :offset";

/// Dates as `Store::query_reports` binds them when no range is given.
/// The well's row, as `get_well` reads it.
const WELL_ROW: &str = "SELECT w.id, w.name, w.field, w.block, w.well_type, w.status, w.spud_date, \
    w.target_depth_m, w.rig, w.operator, w.latitude, w.longitude, w.created_at, w.updated_at \
    FROM wells w WHERE w.id = ?1 AND w.deleted_at IS NULL";

/// The totals the writes keep per well.
const WELL_TOTALS: &str = "SELECT report_count, footage_m, drilling_hours, npt_hours, cost_sum, cost_count, \
    mud_sum, mud_count FROM well_stats WHERE well_id = ?1";

/// A page of wells by id with each one's latest report (as `list_wells`, without the count).
const WELLS_PAGE: &str = "SELECT w.id, w.name, w.field, w.block, w.well_type, w.status, w.spud_date, \
    w.target_depth_m, lr.md_m, lr.report_date FROM wells w \
    LEFT JOIN daily_reports lr ON lr.id = (SELECT r.id FROM daily_reports r \
    WHERE r.well_id = w.id AND r.deleted_at IS NULL ORDER BY r.report_date DESC LIMIT 1) \
    WHERE w.deleted_at IS NULL ORDER BY w.id LIMIT ?1 OFFSET ?2";

/// One well over a date range, in one pass of the range.
const RANGE_AGGREGATE: &str = "SELECT count(*), min(report_date), max(report_date), total(footage_m), \
    total(drilling_hours), total(npt_hours), min(md_m), max(md_m), avg(mud_density_gcc), total(daily_cost) \
    FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL AND report_date BETWEEN ?2 AND ?3";

/// NPT hours by reason over the range (the NPT days' index).
const NPT_BY_REASON: &str = "SELECT coalesce(npt_reason, 'unspecified'), total(npt_hours), count(*) \
    FROM daily_reports WHERE well_id = ?1 AND deleted_at IS NULL AND npt_hours > 0 \
    AND report_date BETWEEN ?2 AND ?3 GROUP BY 1 ORDER BY 2 DESC";

/// Dates as `Store::query_reports` binds them when no range is given.
const MIN_DATE: &str = "0000-01-01";
const MAX_DATE: &str = "9999-12-31";

/// `/query`: the page of one well's reports, newest first.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    pub(crate) well_id: String,
    #[serde(default = "default_limit")]
    pub(crate) limit: u32,
    #[serde(default)]
    pub(crate) offset: u64,
}

/// `/well`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WellQuery {
    well_id: String,
}

/// `/wells`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WellsQuery {
    #[serde(default = "default_limit")]
    limit: u32,
    #[serde(default)]
    offset: u64,
}

/// `/stats`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    well_id: String,
    from: String,
    to: String,
}

fn default_limit() -> u32 {
    20
}

#[derive(Serialize)]
pub(crate) struct Report {
    id: i64,
    well_id: String,
    report_date: String,
    md_m: f64,
    footage_m: f64,
    bit_type: Option<String>,
    bit_diameter_mm: Option<f64>,
    wob_kn: Option<f64>,
    rop_m_per_h: Option<f64>,
    rotary_rpm: Option<f64>,
    torque_knm: Option<f64>,
    pump_pressure_mpa: Option<f64>,
    flow_rate_lps: Option<f64>,
    mud_density_gcc: Option<f64>,
    mud_viscosity_s: Option<f64>,
    drilling_hours: f64,
    npt_hours: f64,
    npt_reason: Option<String>,
    main_work: Option<String>,
    daily_cost: Option<f64>,
    version: i64,
    created_at: String,
    updated_at: String,
}

fn report(r: &rusqlite::Row<'_>) -> rusqlite::Result<Report> {
    Ok(Report {
        id: r.get(0)?,
        well_id: r.get(1)?,
        report_date: r.get(2)?,
        md_m: r.get(3)?,
        footage_m: r.get(4)?,
        bit_type: r.get(5)?,
        bit_diameter_mm: r.get(6)?,
        wob_kn: r.get(7)?,
        rop_m_per_h: r.get(8)?,
        rotary_rpm: r.get(9)?,
        torque_knm: r.get(10)?,
        pump_pressure_mpa: r.get(11)?,
        flow_rate_lps: r.get(12)?,
        mud_density_gcc: r.get(13)?,
        mud_viscosity_s: r.get(14)?,
        drilling_hours: r.get(15)?,
        npt_hours: r.get(16)?,
        npt_reason: r.get(17)?,
        main_work: r.get(18)?,
        daily_cost: r.get(19)?,
        version: r.get(20)?,
        created_at: r.get(21)?,
        updated_at: r.get(22)?,
    })
}

/// One page of reports: no `total` (the floor does no count), an exact `next_offset`.
#[derive(Serialize)]
pub(crate) struct Page {
    well_id: String,
    items: Vec<Report>,
    next_offset: Option<u64>,
}

#[derive(Serialize)]
struct WellDetail {
    well: serde_json::Value,
    latest_report: Option<Report>,
    report_count: i64,
    footage_m: f64,
    drilling_hours: f64,
    npt_hours: f64,
    total_cost: Option<f64>,
    avg_mud_density_gcc: Option<f64>,
}

#[derive(Serialize)]
struct WellRow {
    id: String,
    name: String,
    field: String,
    block: String,
    well_type: String,
    status: String,
    spud_date: Option<String>,
    target_depth_m: Option<f64>,
    current_depth_m: Option<f64>,
    last_report_date: Option<String>,
}

#[derive(Serialize)]
struct Wells {
    items: Vec<WellRow>,
    next_offset: Option<u64>,
}

#[derive(Serialize)]
struct Stats {
    well_id: String,
    days_reported: i64,
    first_report_date: Option<String>,
    last_report_date: Option<String>,
    footage_m: f64,
    drilling_hours: f64,
    npt_hours: f64,
    start_depth_m: Option<f64>,
    end_depth_m: Option<f64>,
    avg_mud_density_gcc: Option<f64>,
    total_cost: f64,
    npt_by_reason: Vec<(String, f64, i64)>,
}

pub(crate) enum Failure {
    NotFound(String),
    BadRequest(String),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Db(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotFound(m) | Failure::BadRequest(m) => f.write_str(m),
            Failure::Db(e) => write!(f, "database: {e}"),
        }
    }
}

thread_local! {
    static CONN: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

pub(crate) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // As the store's connections: plans fixed at prepare time, no re-prepare on re-binding.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn check_limit(limit: u32) -> Result<(), Failure> {
    if (1..=500).contains(&limit) {
        Ok(())
    } else {
        Err(Failure::BadRequest(format!("limit must be 1-500, got {limit}")))
    }
}

fn canonical(well_id: &str) -> String {
    well_id.trim().to_ascii_uppercase()
}

/// Resolve the well and read the page (one row more, for `next_offset`), in one read transaction.
pub(crate) fn query(conn: &Connection, q: &Query) -> Result<Page, Failure> {
    check_limit(q.limit)?;
    let id = canonical(&q.well_id);
    let no_scope: Option<String> = None;
    let tx = conn.unchecked_transaction()?;
    let found: Option<String> = tx
        .prepare_cached(FIND_WELL)?
        .query_row(named_params! {":id": id, ":del": false, ":sb": no_scope, ":sf": no_scope}, |r| r.get(0))
        .optional()?;
    let Some(well) = found else {
        return Err(Failure::NotFound(format!("well {id} not found")));
    };
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let mut items = tx
        .prepare_cached(ONE_DESC)?
        .query_map(
            named_params! {":sb": no_scope, ":sf": no_scope, ":one": well, ":from": MIN_DATE, ":to": MAX_DATE,
            ":limit": q.limit + 1, ":offset": offset},
            report,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > q.limit as usize;
    items.truncate(q.limit as usize);
    let next_offset = more.then(|| q.offset + items.len() as u64);
    Ok(Page { well_id: well, items, next_offset })
}

fn well(conn: &Connection, q: &WellQuery) -> Result<WellDetail, Failure> {
    let id = canonical(&q.well_id);
    let tx = conn.unchecked_transaction()?;
    let row = tx
        .prepare_cached(WELL_ROW)?
        .query_row([&id], |r| {
            let text = |i: usize| r.get::<_, Option<String>>(i);
            let real = |i: usize| r.get::<_, Option<f64>>(i);
            Ok(serde_json::json!({
                "id": text(0)?, "name": text(1)?, "field": text(2)?, "block": text(3)?, "well_type": text(4)?,
                "status": text(5)?, "spud_date": text(6)?, "target_depth_m": real(7)?, "rig": text(8)?,
                "operator": text(9)?, "latitude": real(10)?, "longitude": real(11)?, "created_at": text(12)?,
                "updated_at": text(13)?,
            }))
        })
        .optional()?
        .ok_or_else(|| Failure::NotFound(format!("well {id} not found")))?;
    let no_scope: Option<String> = None;
    let latest = tx
        .prepare_cached(ONE_DESC)?
        .query_row(
            named_params! {":sb": no_scope, ":sf": no_scope, ":one": id, ":from": MIN_DATE, ":to": MAX_DATE,
            ":limit": 1, ":offset": 0},
            report,
        )
        .optional()?;
    let totals = tx
        .prepare_cached(WELL_TOTALS)?
        .query_row([&id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                [r.get::<_, f64>(1)?, r.get(2)?, r.get(3)?],
                [r.get::<_, f64>(4)?, r.get(6)?],
                [r.get::<_, i64>(5)?, r.get(7)?],
            ))
        })
        .optional()?;
    let (n, [footage, drilling, npt], [cost, mud], [cost_n, mud_n]) = totals.unwrap_or_default();
    Ok(WellDetail {
        well: row,
        latest_report: latest,
        report_count: n,
        footage_m: footage,
        drilling_hours: drilling,
        npt_hours: npt,
        total_cost: (cost_n > 0).then_some(cost),
        avg_mud_density_gcc: (mud_n > 0).then(|| mud / mud_n as f64),
    })
}

fn wells(conn: &Connection, q: &WellsQuery) -> Result<Wells, Failure> {
    check_limit(q.limit)?;
    let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
    let mut items = conn
        .prepare_cached(WELLS_PAGE)?
        .query_map(rusqlite::params![q.limit + 1, offset], |r| {
            Ok(WellRow {
                id: r.get(0)?,
                name: r.get(1)?,
                field: r.get(2)?,
                block: r.get(3)?,
                well_type: r.get(4)?,
                status: r.get(5)?,
                spud_date: r.get(6)?,
                target_depth_m: r.get(7)?,
                current_depth_m: r.get(8)?,
                last_report_date: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > q.limit as usize;
    items.truncate(q.limit as usize);
    let next_offset = more.then(|| q.offset + items.len() as u64);
    Ok(Wells { items, next_offset })
}

fn stats(conn: &Connection, q: &StatsQuery) -> Result<Stats, Failure> {
    let id = canonical(&q.well_id);
    let tx = conn.unchecked_transaction()?;
    let (days, first, last, footage, drilling, npt, start, end, mud, cost) =
        tx.prepare_cached(RANGE_AGGREGATE)?.query_row([&id, &q.from, &q.to], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?;
    let npt_by_reason = tx
        .prepare_cached(NPT_BY_REASON)?
        .query_map([&id, &q.from, &q.to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stats {
        well_id: id,
        days_reported: days,
        first_report_date: first,
        last_report_date: last,
        footage_m: footage,
        drilling_hours: drilling,
        npt_hours: npt,
        start_depth_m: start,
        end_depth_m: end,
        avg_mud_density_gcc: mud,
        total_cost: cost,
        npt_by_reason,
    })
}

/// `f` on this blocking thread's connection (opened on first use).
pub(crate) fn with_conn<T>(path: &Path, f: impl FnOnce(&Connection) -> Result<T, Failure>) -> Result<T, Failure> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(path)?);
        }
        let Some(conn) = slot.as_ref() else { unreachable!("connection opened above") };
        f(conn)
    })
}

/// Run `f` on a blocking thread with its connection and answer its result as JSON.
async fn answer<T: Serialize>(
    path: Arc<PathBuf>,
    f: impl FnOnce(&Connection) -> Result<T, Failure> + Send + 'static,
) -> Response {
    let joined = tokio::task::spawn_blocking(move || {
        with_conn(&path, |conn| serde_json::to_vec(&f(conn)?).map_err(|e| Failure::BadRequest(e.to_string())))
    })
    .await;
    match joined {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Ok(Err(Failure::NotFound(m))) => (StatusCode::NOT_FOUND, m).into_response(),
        Ok(Err(Failure::BadRequest(m))) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(Err(Failure::Db(e))) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn handle_query(State(path): State<Arc<PathBuf>>, axum::Json(q): axum::Json<Query>) -> Response {
    answer(path, move |c| query(c, &q)).await
}

async fn handle_well(State(path): State<Arc<PathBuf>>, axum::Json(q): axum::Json<WellQuery>) -> Response {
    answer(path, move |c| well(c, &q)).await
}

async fn handle_wells(State(path): State<Arc<PathBuf>>, axum::Json(q): axum::Json<WellsQuery>) -> Response {
    answer(path, move |c| wells(c, &q)).await
}

async fn handle_stats(State(path): State<Arc<PathBuf>>, axum::Json(q): axum::Json<StatsQuery>) -> Response {
    answer(path, move |c| stats(c, &q)).await
}

/// `--database DB [--port N]`, the database checked to be an oilfield one.
pub(crate) fn parse_args(program: &str) -> Result<(PathBuf, u16)> {
    let mut database = None;
    let mut port = 0u16;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--database" => database = Some(PathBuf::from(it.next().context("--database needs a path")?)),
            "--port" => port = it.next().context("--port needs a number")?.parse()?,
            other => bail!("unknown option {other:?}; usage: {program} --database DB [--port N]"),
        }
    }
    let database = database.with_context(|| format!("usage: {program} --database DB [--port N]"))?;
    // Fail now, not on the first request, when the file is missing or not a database.
    open(&database)?
        .query_row("SELECT count(*) FROM wells", [], |r| r.get::<_, i64>(0))
        .with_context(|| format!("{} is not an oilfield database", database.display()))?;
    Ok((database, port))
}

#[allow(dead_code)] // minimal_rmcp.rs includes this file for the page query, not for its main
#[tokio::main]
async fn main() -> Result<()> {
    let (database, port) = parse_args("bare_reference")?;
    let app = Router::new()
        .route("/query", post(handle_query))
        .route("/well", post(handle_well))
        .route("/wells", post(handle_wells))
        .route("/stats", post(handle_stats))
        .with_state(Arc::new(database));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("Listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
