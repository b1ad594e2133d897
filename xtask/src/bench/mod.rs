//! `cargo xtask bench [NAME]`: `oilfield` (the default, this module), `rocketmq` or `rocketchat`
//! (a server in front of an upstream stand-in: [`upstream`], with [`rocketmq::SPEC`] or
//! [`rocketchat::SPEC`]).
//!
//! `cargo xtask bench oilfield`: the oilfield server's performance on databases of three shapes
//! ([`shapes`]: 1,000 wells × 1,000 days and 50 wells × 20,000 days, 1,000,000 reports each, and
//! 500 wells × 20,000 days, 10,000,000 reports), against two references in the same run.
//!
//! What it measures (all on this machine, all traffic on 127.0.0.1, every run bounded in time):
//! 0. Each shape's database, seeded once by `mcp-oilfield seed` into `target/bench/` and reused
//!    while its counts match (`--reseed` seeds again): the time seeding took.
//! 1. On each shape, three servers on the same database: `mcp-oilfield` (Streamable HTTP,
//!    stateless: JSON replies, no session), the bare axum + rusqlite reference
//!    (`examples/bare_reference.rs`: each call's floor, the page by index with no count) and the
//!    minimal rmcp server (`examples/minimal_rmcp.rs`: one tool, the same page query inline, the
//!    floor of any rmcp server). Calls/s, latency and server CPU per call with wrk at 1 and N
//!    clients for `query_drilling_data` (first page, a deep page), `get_well`, `list_wells` and
//!    `get_well_statistics` over one year; idle and after-load RSS and threads of each server.
//!    `query_drilling_data` at N clients runs `--repeat` times, the three servers alternating, and
//!    the ratios are taken run by run (a triple sees the same host).
//! 2. `query_drilling_data` ("latest 20 reports of a random well") in process on the first shape,
//!    through the core's dispatch (`examples/bench_inprocess.rs`): p50/p90/p99/max of sequential
//!    calls, the same for `Store::query_reports` alone, and calls/s with N concurrent tasks.
//! 3. Stateful Streamable HTTP (one initialized session, SSE replies) at 1 and N clients.
//! 4. `export_all_data` of every row of the first shape (CSV, then JSON) through
//!    `POST /mcp/call-tool` as an ADMIN (bearer key), each on a fresh server: time and peak RSS.
//!
//! Then it prints PASS/FAIL against the targets, writes `target/bench/oilfield.md` and, with
//! `--update-readme`, the section between `<!-- bench:oilfield:start -->` and
//! `<!-- bench:oilfield:end -->` of the root README.md. It exits 0 whether targets pass or not;
//! only a failed run (build, seed, a server that does not start, a bad smoke reply) is an error.
//!
//! Load generator: wrk (Debian package `wrk`, installed on first use when running as root). wrk
//! is a small C binary with a Lua hook per response (so each reply is checked for errors) that
//! costs little CPU on a 2-core machine; `oha` would need a long crates.io build.

mod http;
mod report;
mod rocketchat;
mod rocketmq;
mod servers;
mod shapes;
mod upstream;
mod wrk;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use self::report::*;
use self::servers::*;
use self::shapes::*;
use self::wrk::*;
use crate::process::{ChildGuard, listening_url};
use crate::util::{Line, cargo, human_size, rel, root, run, run_streaming, target_dir};

const WRK_LUA: &str = include_str!("wrk.lua");
/// Rows per page of the in-process and stateful runs (`query_drilling_data`, latest 20).
const LIMIT: u32 = 20;
const PROTOCOL: &str = "2025-11-25";
/// With `--pin` (the default): the CPU of the measured servers, and the load generator's.
const SERVER_CPU: usize = 1;
const LOAD_CPU: usize = 0;

const USAGE: &str = "\
usage: cargo xtask bench [oilfield] [options]

  --duration SECS     length of each wrk run (default 5)
  --concurrency N     the concurrent-clients level (default 16; 1 client is always measured too)
  --calls N           in-process calls per stage (default 20000)
  --repeat N          repetitions of the in-process stage and of each query_drilling_data run at
                      N clients, the three servers alternating (default 3); the report gives the
                      median and every value
  --quick             a smoke run: small databases (100 x 100, 5 x 2,000, 50 x 2,000), 2 s runs,
                      one repetition, 2,000 in-process calls
  --no-build          use the binaries already built in target/release
  --no-stateful       skip the stateful (session) Streamable HTTP runs
  --no-pin            do not pin: by default (with 2 CPUs or more) each measured server is started
                      on CPU 1 alone and wrk runs on CPU 0 (taskset), so the load generator never
                      takes the server's CPU and the ratios compare servers on one core each
  --reseed            seed every shape's database again (they are kept in target/bench/ and
                      reused while their row counts match)
  --update-readme     also write the table into README.md between the bench:oilfield markers
";

#[derive(Debug, Clone)]
struct Options {
    duration: u64,
    concurrency: u32,
    calls: u64,
    /// Repetitions of the in-process stage and of each wrk run; the report takes the median.
    repeat: u32,
    build: bool,
    stateful: bool,
    /// Pin each measured server to CPU 1 and wrk to CPU 0.
    pin: bool,
    update_readme: bool,
    /// Small databases and short runs.
    quick: bool,
    reseed: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            duration: 5,
            concurrency: 16,
            calls: 20_000,
            repeat: 3,
            build: true,
            stateful: true,
            pin: true,
            update_readme: false,
            quick: false,
            reseed: false,
        }
    }
}

impl Options {
    fn shapes(&self) -> [Shape; 3] {
        if self.quick { Shape::QUICK } else { Shape::FULL }
    }
}

fn parse_args(args: &[String]) -> Result<Option<Options>> {
    let mut opts = Options::default();
    let mut it = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64> {
        let value = value.with_context(|| format!("{flag} needs a value"))?;
        let n: u64 = value.parse().with_context(|| format!("{flag} wants a number, got {value:?}"))?;
        ensure!(n > 0, "{flag} must be at least 1");
        Ok(n)
    };
    let (mut duration, mut calls, mut repeat) = (None, None, None);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "oilfield" | "mcp-oilfield" => {}
            "--duration" => duration = Some(number(arg, it.next())?.min(600)),
            "--concurrency" => opts.concurrency = u32::try_from(number(arg, it.next())?.min(1024))?,
            "--calls" => calls = Some(number(arg, it.next())?.min(1_000_000)),
            "--repeat" => repeat = Some(number(arg, it.next())?.min(9) as u32),
            "--quick" => opts.quick = true,
            "--no-build" => opts.build = false,
            "--no-stateful" => opts.stateful = false,
            "--no-pin" => opts.pin = false,
            "--reseed" => opts.reseed = true,
            "--update-readme" => opts.update_readme = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            a if !a.starts_with('-') => {
                bail!("unknown bench target {a:?} (known: {}; the name goes first)", BENCHES.join(", "))
            }
            a => bail!("unknown bench option {a:?}\n\n{USAGE}"),
        }
    }
    // --quick sets the defaults; flags given explicitly win.
    let (d, c, r) = if opts.quick { (2, 2_000, 1) } else { (opts.duration, opts.calls, opts.repeat) };
    opts.duration = duration.unwrap_or(d);
    opts.calls = calls.unwrap_or(c);
    opts.repeat = repeat.unwrap_or(r);
    Ok(Some(opts))
}

/// The benches `cargo xtask bench NAME` knows; the first is the default.
const BENCHES: [&str; 3] = ["oilfield", "rocketmq", "rocketchat"];

/// `cargo xtask bench [NAME] [options]`: NAME (first, default `oilfield`) picks the bench.
pub fn bench(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("rocketmq" | "mcp-rocketmq") => upstream::run_upstream(&rocketmq::SPEC, &args[1..]),
        Some("rocketchat" | "mcp-rocketchat") => upstream::run_upstream(&rocketchat::SPEC, &args[1..]),
        _ => oilfield(args),
    }
}

/// `cargo xtask bench [oilfield] [options]`.
fn oilfield(args: &[String]) -> Result<()> {
    let Some(mut opts) = parse_args(args)? else { return Ok(()) };
    let started = Instant::now();
    let dir = target_dir().join("bench");
    fs::create_dir_all(&dir)?;
    let machine = Machine::probe();
    // Pinning needs a CPU for the servers and another for wrk.
    opts.pin &= machine.cpus >= 2;
    if machine.load_start > 0.5 * machine.cpus as f64 {
        println!(
            "warning: load average is {:.2} on {} CPUs before the bench starts: other work competes for the CPU and the figures will be noisy",
            machine.load_start, machine.cpus
        );
    }
    let shapes = opts.shapes();
    let steps = 4 + shapes.len() + usize::from(opts.stateful);
    let mut step = 0;
    let mut progress = |what: &str| {
        step += 1;
        println!("\n==> [{step}/{steps}] {what} ({:.0}s)", started.elapsed().as_secs_f64());
    };

    progress("build the release binaries");
    let bins = Bins::locate();
    if opts.build {
        run(cargo().args([
            "build",
            "--release",
            "-p",
            "mcp-oilfield",
            "--bin",
            "mcp-oilfield",
            "--example",
            "bare_reference",
            "--example",
            "minimal_rmcp",
            "--example",
            "bench_inprocess",
        ]))?;
    }
    bins.check()?;
    // The shared target directory may be rebuilt from another checkout while this runs: measure
    // copies of what was just built.
    let bins = bins.copy_to(&dir.join("bin"))?;
    let wrk = ensure_wrk()?;
    let script = dir.join("oilfield.lua");
    fs::write(&script, WRK_LUA)?;

    let measuring = Instant::now();
    let mut shape_runs = Vec::new();
    for shape in shapes {
        progress(&format!(
            "{} ({} reports): mcp-oilfield, bare reference, minimal rmcp",
            shape.label(),
            thousands(shape.reports() as f64)
        ));
        shape_runs.push(measure_shape(&bins, &wrk, &script, &dir, &opts, shape)?);
    }
    let first = shapes[0];
    let db = first.database(&dir);

    progress(&format!(
        "in process on {}: {} calls of query_drilling_data per stage, {} times",
        first.label(),
        opts.calls,
        opts.repeat
    ));
    let mut inprocs = Vec::new();
    for _ in 0..opts.repeat {
        inprocs.push(in_process(&bins, &db, &opts, first.wells)?);
    }
    let inproc_p99s: Vec<f64> = inprocs.iter().map(|r| r.core.p99_us).collect();
    let inproc = median_by(inprocs, |r| r.core.p99_us).context("no in-process run")?;

    let mut runs = Vec::new();
    if opts.stateful {
        progress("Streamable HTTP, stateful (one session, SSE replies), wrk");
        let (name, cmd, log) =
            ("mcp-oilfield (stateful)", bins.server_cmd(&db, false), dir.join("server-stateful.log"));
        let mut server = if opts.pin {
            Server::start_pinned(name, cmd, &log, SERVER_CPU, LOAD_CPU)?
        } else {
            Server::start(name, cmd, &log)?
        };
        let session = open_session(&server.addr)?;
        warm_up_mcp(&server.addr, Some(&session), first.wells)?;
        for _ in 0..opts.repeat {
            for clients in [1, opts.concurrency] {
                runs.push(wrk_run(
                    &wrk,
                    &script,
                    &opts,
                    Target::McpStateful,
                    &server,
                    first.wells,
                    clients,
                    Some(&session),
                )?);
            }
        }
        server.stop()?;
    }

    progress("export_all_data of every row (CSV, JSON): time and peak RSS");
    let exports = vec![export(&bins, &db, &dir, "csv", first)?, export(&bins, &db, &dir, "json", first)?];

    progress("report");
    let report = Report {
        machine: Machine { load_end: load_average(), ..machine },
        opts: opts.clone(),
        shapes: shape_runs,
        inproc,
        inproc_p99s,
        runs,
        exports,
        wrk_version: wrk_version(&wrk),
        elapsed: measuring.elapsed(),
    };
    let section = report.markdown();
    let md = dir.join("oilfield.md");
    fs::write(&md, &section)?;
    println!("\n{section}");
    report.print_verdicts();
    println!("\nwrote {}", rel(&md));
    if opts.update_readme {
        update_readme(&root().join("README.md"), &section)?;
    } else {
        println!("(pass --update-readme to put this table into README.md)");
    }
    // The databases stay for the next run and for manual runs of the examples; the database of
    // older versions of this bench does not.
    remove_database(&dir.join("oilfield-1m.db"))?;
    remove_database(&dir.join("oilfield-1m.run.db"))?;
    println!("bench finished in {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Binaries, database

struct Bins {
    server: PathBuf,
    bare: PathBuf,
    minimal: PathBuf,
    inproc: PathBuf,
}

impl Bins {
    fn locate() -> Self {
        let release = target_dir().join("release");
        Self {
            server: release.join("mcp-oilfield"),
            bare: release.join("examples").join("bare_reference"),
            minimal: release.join("examples").join("minimal_rmcp"),
            inproc: release.join("examples").join("bench_inprocess"),
        }
    }

    fn check(&self) -> Result<()> {
        for bin in [&self.server, &self.bare, &self.minimal, &self.inproc] {
            ensure!(bin.is_file(), "{} is missing: build it (drop --no-build)", rel(bin));
        }
        Ok(())
    }

    /// The same binaries copied into `dir`.
    fn copy_to(&self, dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir)?;
        let copy = |bin: &Path| -> Result<PathBuf> {
            let to = dir.join(bin.file_name().context("a binary without a name")?);
            let _ = fs::remove_file(&to);
            fs::copy(bin, &to).with_context(|| format!("copying {} to {}", rel(bin), rel(&to)))?;
            Ok(to)
        };
        Ok(Self {
            server: copy(&self.server)?,
            bare: copy(&self.bare)?,
            minimal: copy(&self.minimal)?,
            inproc: copy(&self.inproc)?,
        })
    }

    /// `mcp-oilfield` with a clean environment (no MCP_*/OILFIELD_* settings of the caller).
    fn server(&self) -> Command {
        let mut cmd = Command::new(&self.server);
        clean_env(&mut cmd);
        cmd
    }

    fn server_cmd(&self, db: &Path, stateless: bool) -> Command {
        let mut cmd = self.server();
        cmd.args(["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--database"]).arg(db);
        if stateless {
            cmd.arg("--stateless");
        }
        cmd
    }

    fn bare_cmd(&self, db: &Path) -> Command {
        let mut cmd = Command::new(&self.bare);
        cmd.arg("--database").arg(db);
        cmd
    }

    fn minimal_cmd(&self, db: &Path) -> Command {
        let mut cmd = Command::new(&self.minimal);
        cmd.arg("--database").arg(db);
        cmd
    }
}

fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("MCP_") || k.starts_with("OILFIELD_") || k == "DATABASE_URL" || k == "RUST_LOG" {
            cmd.env_remove(&key);
        }
    }
}

/// Reports and wells in `db` (this also applies pending schema migrations).
fn count_rows(bins: &Bins, db: &Path) -> Result<(u64, u64)> {
    let out = Command::new(&bins.inproc)
        .arg("--database")
        .arg(db)
        .arg("--check")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", rel(&bins.inproc)))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    parse_counts(&String::from_utf8_lossy(&out.stdout))
}

/// `{"reports": N, "wells": N}`, as `bench_inprocess --check` prints it.
fn parse_counts(text: &str) -> Result<(u64, u64)> {
    let v: Value =
        serde_json::from_str(text.trim()).with_context(|| format!("bench_inprocess --check printed {text:?}"))?;
    Ok((number(&v, "/reports")? as u64, number(&v, "/wells")? as u64))
}

/// The number at `pointer` (RFC 6901, e.g. `/core/p99_us`) of `v`.
fn number(v: &Value, pointer: &str) -> Result<f64> {
    v.pointer(pointer).and_then(Value::as_f64).with_context(|| format!("no number at {pointer} in {v}"))
}

fn remove_database(db: &Path) -> Result<()> {
    for path in [db.to_path_buf(), with_suffix(db, "-wal"), with_suffix(db, "-shm")] {
        if path.exists() {
            fs::remove_file(&path).with_context(|| format!("removing {}", rel(&path)))?;
        }
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

// ---------------------------------------------------------------------------------------------
// In process

#[derive(Debug, Clone, Default, PartialEq)]
struct Latency {
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    max_us: f64,
}

impl Latency {
    /// The `p50_us` .. `max_us` members of the object at `pointer` (`""` for `v` itself).
    fn from_json(v: &Value, pointer: &str) -> Result<Self> {
        let n = |k: &str| number(v, &format!("{pointer}/{k}"));
        Ok(Self { p50_us: n("p50_us")?, p90_us: n("p90_us")?, p99_us: n("p99_us")?, max_us: n("max_us")? })
    }
}

#[derive(Debug, Clone, Default)]
struct InProcess {
    calls: u64,
    store: Latency,
    core: Latency,
    encode: Latency,
    reply_bytes: u64,
    tasks: u64,
    concurrent_calls_per_s: f64,
}

impl InProcess {
    /// The JSON line `bench_inprocess` prints at the end, for a run of `calls` calls per stage.
    fn parse(line: &str, calls: u64) -> Result<Self> {
        let v: Value = serde_json::from_str(line).with_context(|| format!("bench_inprocess printed {line:?}"))?;
        Ok(Self {
            calls,
            store: Latency::from_json(&v, "/store")?,
            core: Latency::from_json(&v, "/core")?,
            encode: Latency::from_json(&v, "/encode")?,
            reply_bytes: number(&v, "/reply_bytes").unwrap_or(0.0) as u64,
            tasks: number(&v, "/concurrent/tasks").unwrap_or(0.0) as u64,
            concurrent_calls_per_s: number(&v, "/concurrent/calls_per_s")?,
        })
    }
}

fn in_process(bins: &Bins, db: &Path, opts: &Options, wells: u64) -> Result<InProcess> {
    let mut cmd = Command::new(&bins.inproc);
    cmd.arg("--database").arg(db).args([
        "--calls",
        &opts.calls.to_string(),
        "--warmup",
        "1000",
        "--wells",
        &wells.to_string(),
        "--limit",
        &LIMIT.to_string(),
        "--concurrency",
        &opts.concurrency.to_string(),
    ]);
    println!("$ {}", crate::util::display(&cmd));
    let mut stdout = Vec::new();
    let status = run_streaming(&mut cmd, Duration::from_secs(900), |line| match line {
        Line::Out(s) => stdout.push(s.clone()),
        Line::Err(s) => println!("  {s}"),
    })?;
    match status {
        Some(s) if s.success() => {}
        Some(s) => bail!("bench_inprocess failed: {s}"),
        None => bail!("bench_inprocess did not finish within 900 s"),
    }
    let line =
        stdout.iter().rev().find(|l| l.trim_start().starts_with('{')).context("bench_inprocess printed no JSON")?;
    let r = InProcess::parse(line, opts.calls)?;
    println!(
        "in process: Core::call p50 {} p99 {}; store only p50 {} p99 {}; {:.0} calls/s on {} tasks",
        ms(r.core.p50_us),
        ms(r.core.p99_us),
        ms(r.store.p50_us),
        ms(r.store.p99_us),
        r.concurrent_calls_per_s,
        r.tasks
    );
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Export

#[derive(Debug, Clone)]
struct ExportRun {
    format: &'static str,
    reports: u64,
    bytes: u64,
    seconds: f64,
    before: Memory,
    after: Memory,
}

fn random_token() -> Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `export_all_data` of everything on a fresh server started with a bearer key, as an ADMIN.
fn export(bins: &Bins, db: &Path, dir: &Path, format: &'static str, shape: Shape) -> Result<ExportRun> {
    let token = random_token()?;
    let exports = dir.join("exports");
    let mut cmd = bins.server_cmd(db, true);
    cmd.args(["--auth", "bearer", "--request-timeout-secs", "900", "--export-dir"])
        .arg(&exports)
        .env("MCP_AUTH_TOKENS", format!("bench:{token}"));
    let mut server = Server::start(
        &format!("mcp-oilfield (bearer, export {format})"),
        cmd,
        &dir.join(format!("server-export-{format}.log")),
    )?;
    let before = server.memory()?;
    let auth = format!("Bearer {token}");
    let headers = [("Content-Type", "application/json"), ("Authorization", auth.as_str()), ("X-User-Role", "ADMIN")];
    let body = format!(r#"{{"name":"export_all_data","arguments":{{"format":"{format}"}}}}"#);
    let started = Instant::now();
    let reply = http::post(&server.addr, "/mcp/call-tool", &headers, &body, Duration::from_secs(900))?;
    let seconds = started.elapsed().as_secs_f64();
    let after = server.memory()?;
    server.stop()?;
    ensure!(reply.status == 200, "export_all_data answered {}: {}", reply.status, reply.body);
    let v: Value = serde_json::from_str(&reply.body).with_context(|| format!("export reply: {}", reply.body))?;
    ensure!(v.get("isError") != Some(&Value::Bool(true)), "export_all_data failed: {}", reply.body);
    let reports = number(&v, "/structuredContent/reports").context("in the export reply")? as u64;
    let bytes = number(&v, "/structuredContent/bytes").unwrap_or(0.0) as u64;
    if let Some(path) = v.pointer("/structuredContent/path").and_then(Value::as_str) {
        let _ = fs::remove_file(path);
    }
    ensure!(reports == shape.reports(), "export wrote {reports} reports, expected {}", shape.reports());
    println!(
        "export {format}: {reports} reports, {} in {seconds:.1}s; VmHWM {} (VmRSS {} before)",
        human_size(bytes),
        kib(after.hwm_kb),
        kib(before.rss_kb)
    );
    Ok(ExportRun { format, reports, bytes, seconds, before, after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_by_takes_the_middle_element_or_the_lower_middle_one() {
        assert_eq!(median_by(vec![3.0, 1.0, 2.0], |v| *v), Some(2.0));
        assert_eq!(median_by(vec![4.0, 1.0, 3.0, 2.0], |v| *v), Some(2.0));
        assert_eq!(median_by(vec![(1, 9.0)], |v| v.1), Some((1, 9.0)));
        assert_eq!(median_by(Vec::<f64>::new(), |v| *v), None);
    }

    #[test]
    fn options() {
        let o =
            parse_args(&["oilfield".into(), "--duration".into(), "3".into(), "--no-stateful".into()]).unwrap().unwrap();
        assert_eq!((o.duration, o.concurrency, o.stateful, o.build), (3, 16, false, true));
        assert_eq!((o.repeat, o.calls, o.quick, o.reseed, o.shapes()), (3, 20_000, false, false, Shape::FULL));
        let q = parse_args(&["--quick".into(), "--repeat".into(), "2".into(), "--reseed".into()]).unwrap().unwrap();
        assert_eq!((q.duration, q.calls, q.repeat, q.reseed, q.shapes()), (2, 2_000, 2, true, Shape::QUICK));
        assert!(parse_args(&["rocketmq".into()]).is_err());
        assert!(parse_args(&["--duration".into(), "0".into()]).is_err());
        assert!(parse_args(&["--help".into()]).unwrap().is_none());
    }

    #[test]
    fn reads_what_bench_inprocess_prints() {
        let latency = |base: f64| serde_json::json!({"n": 3, "p50_us": base, "p90_us": base + 1.0, "p99_us": base + 2.0, "max_us": base + 3.0, "mean_us": base});
        let mut v = serde_json::json!({
            "tool": "query_drilling_data", "store": latency(10.0), "core": latency(100.0), "encode": latency(1.0),
            "reply_bytes": 9028, "concurrent": {"tasks": 16, "calls": 20, "seconds": 0.5, "calls_per_s": 3920.5},
        });
        let r = InProcess::parse(&v.to_string(), 20).unwrap();
        assert_eq!(r.core, Latency { p50_us: 100.0, p90_us: 101.0, p99_us: 102.0, max_us: 103.0 });
        assert_eq!((r.store.p99_us, r.encode.max_us), (12.0, 4.0));
        assert_eq!((r.calls, r.reply_bytes, r.tasks, r.concurrent_calls_per_s), (20, 9028, 16, 3920.5));
        v["core"].as_object_mut().unwrap().remove("p99_us");
        assert!(format!("{:#}", InProcess::parse(&v.to_string(), 20).unwrap_err()).contains("/core/p99_us"));
        assert!(InProcess::parse("bench_inprocess: warm-up", 20).is_err());
    }

    #[test]
    fn reads_the_row_counts() {
        assert_eq!(parse_counts("{\"reports\":1000000,\"wells\":1000}\n").unwrap(), (1_000_000, 1_000));
        assert!(parse_counts("{\"reports\":1}").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(ms(1234.0), "1.23 ms");
        assert_eq!(utc_now().len(), "2026-01-01 00:00 UTC".len());
    }

    #[test]
    fn readme_section_is_replaced_in_place() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-readme-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let readme = dir.join("README.md");
        fs::write(&readme, "# Title\n\nIntro.\n").unwrap();
        update_readme(&readme, "## Benchmarks (oilfield)\n\nv1\n").unwrap();
        let once = fs::read_to_string(&readme).unwrap();
        assert!(once.starts_with("# Title\n\nIntro.\n\n<!-- bench:oilfield:start -->\n## Benchmarks"));
        fs::write(&readme, format!("{once}\n## Later section\n")).unwrap();
        update_readme(&readme, "## Benchmarks (oilfield)\n\nv2\n").unwrap();
        let twice = fs::read_to_string(&readme).unwrap();
        assert!(twice.contains("v2") && !twice.contains("v1"));
        assert!(
            twice.starts_with("# Title\n\nIntro.\n\n")
                && twice.ends_with("<!-- bench:oilfield:end -->\n\n## Later section\n")
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
