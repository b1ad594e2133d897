//! The benchmark's reference: "latest N reports of one well" served by a bare axum + rusqlite
//! handler, with none of MCP (no JSON-RPC, no sessions, no tool dispatch, no audit, no logging).
//! `cargo xtask bench oilfield` loads it with the same request mix as `query_drilling_data` to show
//! what the MCP layer costs on top of the same database work.
//!
//! ```text
//! bare_reference --database target/bench/oilfield-1m.db [--port 0]
//! curl -s localhost:PORT/query -H 'content-type: application/json' -d '{"well_id":"SD-0001","limit":20}'
//! ```
//!
//! Same SQL as `Store::query_reports` for one well and newest first (resolve the well, count its
//! reports, select the page), with the scope parameters bound to NULL (unrestricted); the
//! statements are copies of `FIND_WELL` (`db/wells.rs`) and `ONE_COUNT` / `ONE_DESC`
//! (`db/reports.rs`); a unit test there fails when a copy and the store's statement differ. Connections are opened as the
//! store opens its readers (read-only, 5 s busy timeout, query planner stability guarantee, statement cache). Each blocking-pool thread keeps
//! its own read-only connection with a prepared-statement cache; queries run on
//! `spawn_blocking`, as in `Store::read`. Binds 127.0.0.1 and prints `Listening on http://...` to
//! stderr.

use std::cell::RefCell;
use std::path::PathBuf;
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

const ONE_COUNT: &str = "SELECT count(*) FROM daily_reports r WHERE r.well_id = :one AND r.deleted_at IS NULL \
    AND r.report_date BETWEEN :from AND :to AND \
    EXISTS (SELECT 1 FROM wells w WHERE w.id = :one AND w.deleted_at IS NULL AND \
    (:sb IS NULL OR lower(w.block) IN (SELECT lower(value) FROM json_each(:sb))) \
    AND (:sf IS NULL OR lower(w.field) IN (SELECT lower(value) FROM json_each(:sf))))";

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
const MIN_DATE: &str = "0000-01-01";
const MAX_DATE: &str = "9999-12-31";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    well_id: String,
    #[serde(default = "default_limit")]
    limit: u32,
    #[serde(default)]
    offset: u64,
}

fn default_limit() -> u32 {
    20
}

#[derive(Serialize)]
struct Report {
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

#[derive(Serialize)]
struct Page {
    well_id: String,
    items: Vec<Report>,
    total: u64,
    next_offset: Option<u64>,
}

enum Failure {
    NotFound(String),
    BadRequest(String),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Db(e)
    }
}

thread_local! {
    static CONN: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn open(path: &PathBuf) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // As the store's connections: plans fixed at prepare time, no re-prepare on re-binding.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Resolve the well, count its reports and read the page, in one read transaction.
fn query(conn: &Connection, q: &Query) -> Result<Page, Failure> {
    if !(1..=500).contains(&q.limit) {
        return Err(Failure::BadRequest(format!("limit must be 1-500, got {}", q.limit)));
    }
    let id = q.well_id.trim().to_ascii_uppercase();
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
    let total: i64 = tx.prepare_cached(ONE_COUNT)?.query_row(
        named_params! {":sb": no_scope, ":sf": no_scope, ":one": well, ":from": MIN_DATE, ":to": MAX_DATE},
        |r| r.get(0),
    )?;
    let items = tx
        .prepare_cached(ONE_DESC)?
        .query_map(
            named_params! {":sb": no_scope, ":sf": no_scope, ":one": well, ":from": MIN_DATE, ":to": MAX_DATE,
            ":limit": q.limit, ":offset": offset},
            |r| {
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
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let total = u64::try_from(total).unwrap_or(0);
    let end = q.offset.saturating_add(items.len() as u64);
    let next_offset = (end < total && !items.is_empty()).then_some(end);
    Ok(Page { well_id: well, items, total, next_offset })
}

fn run_blocking(path: &PathBuf, q: &Query) -> Result<Vec<u8>, Failure> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(path)?);
        }
        let Some(conn) = slot.as_ref() else { unreachable!("connection opened above") };
        let page = query(conn, q)?;
        serde_json::to_vec(&page).map_err(|e| Failure::BadRequest(e.to_string()))
    })
}

async fn handle(State(path): State<Arc<PathBuf>>, axum::Json(q): axum::Json<Query>) -> Response {
    let joined = tokio::task::spawn_blocking(move || run_blocking(&path, &q)).await;
    match joined {
        Ok(Ok(body)) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Ok(Err(Failure::NotFound(m))) => (StatusCode::NOT_FOUND, m).into_response(),
        Ok(Err(Failure::BadRequest(m))) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(Err(Failure::Db(e))) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut database = None;
    let mut port = 0u16;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--database" => database = Some(PathBuf::from(it.next().context("--database needs a path")?)),
            "--port" => port = it.next().context("--port needs a number")?.parse()?,
            other => bail!("unknown option {other:?}; usage: bare_reference --database DB [--port N]"),
        }
    }
    let database = database.context("usage: bare_reference --database DB [--port N]")?;
    // Fail now, not on the first request, when the file is missing or not a database.
    open(&database)?
        .query_row("SELECT count(*) FROM wells", [], |r| r.get::<_, i64>(0))
        .with_context(|| format!("{} is not an oilfield database", database.display()))?;

    let app = Router::new().route("/query", post(handle)).with_state(Arc::new(database));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("Listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
