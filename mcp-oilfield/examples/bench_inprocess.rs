//! In-process latency of `query_drilling_data` ("latest N reports of a random well"), for
//! `cargo xtask bench oilfield`. No HTTP: each call goes through the same dispatch as every
//! transport (`mcp_core::server::Core::call`: permission check, spawned handler with timeout,
//! metrics, audit record), and separately straight to `Store::query_reports` to split the cost.
//!
//! ```text
//! cargo run --release -p mcp-oilfield --example bench_inprocess -- \
//!     --database target/bench/oilfield-1m.db [--calls 20000] [--warmup 1000] [--wells 1000] [--limit 20]
//! cargo run --release -p mcp-oilfield --example bench_inprocess -- --database DB --check
//! ```
//!
//! Prints one JSON object on stdout (latencies in µs); progress goes to stderr. Well ids are the
//! seeder's `SD-0001` … `SD-NNNN`, drawn by a fixed-seed PRNG (repeatable runs).

// Printing the result is what this program is for.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use mcp_core::App as _;
use mcp_core::server::Core;
use mcp_core::telemetry::Metrics;
use mcp_core::tools::Progress;
use mcp_core::{Caller, TransportKind};
use mcp_oilfield::app::{Oilfield, OilfieldFlags};
use mcp_oilfield::db::ReportQuery;
use mcp_oilfield::rbac::Level;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const TOOL: &str = "query_drilling_data";

struct Args {
    database: PathBuf,
    calls: usize,
    warmup: usize,
    wells: u64,
    limit: u32,
    concurrency: usize,
    check: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        database: PathBuf::from("target/bench/oilfield-1m.db"),
        calls: 20_000,
        warmup: 1_000,
        wells: 1_000,
        limit: 20,
        concurrency: 16,
        check: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--database" => args.database = PathBuf::from(value()?),
            "--calls" => args.calls = value()?.parse()?,
            "--warmup" => args.warmup = value()?.parse()?,
            "--wells" => args.wells = value()?.parse()?,
            "--limit" => args.limit = value()?.parse()?,
            "--concurrency" => args.concurrency = value()?.parse()?,
            "--check" => args.check = true,
            other => bail!(
                "unknown option {other:?}; usage: bench_inprocess --database DB [--calls N] [--warmup N] \
                 [--wells N] [--limit N] [--concurrency N] [--check]"
            ),
        }
    }
    ensure!(args.calls > 0 && args.wells > 0 && args.concurrency > 0, "--calls, --wells and --concurrency must be > 0");
    Ok(args)
}

/// SplitMix64: a tiny fixed-seed PRNG (no `rand` dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn well(&mut self, wells: u64) -> String {
        format!("SD-{:04}", self.next() % wells + 1)
    }
}

/// p50/p90/p99/max/mean of durations, in µs.
fn summary(mut samples: Vec<Duration>) -> Value {
    samples.sort_unstable();
    let n = samples.len();
    let at = |q: f64| {
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        samples[i].as_secs_f64() * 1e6
    };
    let mean = samples.iter().map(Duration::as_secs_f64).sum::<f64>() / n as f64 * 1e6;
    json!({
        "n": n,
        "p50_us": at(0.50),
        "p90_us": at(0.90),
        "p99_us": at(0.99),
        "max_us": at(1.0),
        "mean_us": mean,
    })
}

fn args_for(well: String, limit: u32) -> rmcp::model::JsonObject {
    let mut args = rmcp::model::JsonObject::new();
    args.insert("well_id".into(), Value::String(well));
    args.insert("limit".into(), Value::from(limit));
    args
}

/// One dispatched call; fails on an error result (the benchmark counts only successful calls).
async fn call(
    core: &Core<Oilfield>,
    caller: &Arc<Caller>,
    well: String,
    limit: u32,
) -> Result<rmcp::model::CallToolResult> {
    let dispatched = core
        .call(caller.clone(), TOOL, Some(args_for(well.clone(), limit)), Progress::default(), CancellationToken::new())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if dispatched.result.is_error == Some(true) {
        bail!("{TOOL} for {well} returned an error: {:?}", dispatched.result.content);
    }
    Ok(dispatched.result)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    ensure!(args.database.is_file(), "no database at {} (seed it first)", args.database.display());
    let flags = OilfieldFlags { database: Some(args.database.clone()), ..OilfieldFlags::default() };
    let dir = tempfile::tempdir()?;
    let loaded = mcp_core::testing::load::<Oilfield>(dir.path(), "", &[], Oilfield::flag_layers(&flags))
        .map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let config = loaded.config.clone();
    let prepared = mcp_core::run::prepare::<Oilfield>(&config).map_err(|e| anyhow::anyhow!("config: {e}"))?;
    let metrics = Arc::new(mcp_core::telemetry::Metrics::new(Oilfield::NAME, Oilfield::VERSION));
    let build = mcp_core::BuildContext::new(Oilfield::NAME, Oilfield::VERSION, metrics);
    let app = Arc::new(Oilfield::build(config.clone(), flags, build).await?);

    if args.check {
        let reports = app.store.count_reports().await?;
        let wells = app.store.count_wells_including_deleted().await?;
        println!("{}", json!({"reports": reports, "wells": wells}));
        return Ok(());
    }

    let metrics = Arc::new(Metrics::new(Oilfield::NAME, Oilfield::VERSION));
    let core = Arc::new(Core::new(
        app.clone(),
        config,
        prepared.surface,
        metrics,
        Caller::default(),
        CancellationToken::new(),
    ));
    // As over HTTP without authentication: no role, so the fallback role (GUEST, read) applies.
    let mut caller = Caller::default();
    caller.transport = Some(TransportKind::StreamableHttp);
    let caller = Arc::new(caller);
    let scope = app.grant(&caller, TOOL, Level::Read).map_err(|e| anyhow::anyhow!("{e}"))?.scope;
    let mut rng = Rng(0x0011_f1e1_d000_0001);

    eprintln!("bench_inprocess: warm-up ({} calls)", args.warmup);
    for _ in 0..args.warmup {
        call(&core, &caller, rng.well(args.wells), args.limit).await?;
    }

    eprintln!("bench_inprocess: store only, {} calls (Store::query_reports)", args.calls);
    let mut store_samples = Vec::with_capacity(args.calls);
    for _ in 0..args.calls {
        let q = ReportQuery {
            well_ids: vec![rng.well(args.wells)],
            from: None,
            to: None,
            limit: args.limit,
            offset: 0,
            order: Default::default(),
            cursor: None,
        };
        let started = Instant::now();
        let page = app.store.query_reports(&scope, q).await?;
        store_samples.push(started.elapsed());
        ensure!(page.items.len() == args.limit as usize, "expected {} rows, got {}", args.limit, page.items.len());
    }

    eprintln!("bench_inprocess: full dispatch, {} calls (Core::call)", args.calls);
    let mut core_samples = Vec::with_capacity(args.calls);
    let mut encode_samples = Vec::with_capacity(args.calls);
    let mut reply_bytes = 0usize;
    for _ in 0..args.calls {
        let started = Instant::now();
        let result = call(&core, &caller, rng.well(args.wells), args.limit).await?;
        core_samples.push(started.elapsed());
        // What a transport does next: encode the result as JSON.
        let started = Instant::now();
        let bytes = serde_json::to_vec(&result)?;
        encode_samples.push(started.elapsed());
        reply_bytes = bytes.len();
    }

    eprintln!("bench_inprocess: throughput, {} calls on {} concurrent tasks", args.calls, args.concurrency);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..args.concurrency {
        let (core, caller) = (core.clone(), caller.clone());
        let n = args.calls / args.concurrency + usize::from(t < args.calls % args.concurrency);
        let (wells, limit) = (args.wells, args.limit);
        let mut rng = Rng(0x5eed_0000 + t as u64);
        tasks.spawn(async move {
            for _ in 0..n {
                call(&core, &caller, rng.well(wells), limit).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Let the audit writes spawned by the last calls land before the store is dropped.
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!(
        "{}",
        json!({
            "tool": TOOL,
            "limit": args.limit,
            "wells": args.wells,
            "store": summary(store_samples),
            "core": summary(core_samples),
            "encode": summary(encode_samples),
            "reply_bytes": reply_bytes,
            "concurrent": {
                "tasks": args.concurrency,
                "calls": args.calls,
                "seconds": elapsed,
                "calls_per_s": args.calls as f64 / elapsed,
            },
        })
    );
    Ok(())
}
