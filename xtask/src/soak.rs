//! `cargo xtask soak`: sustained mixed load against the real release binary of `mcp-oilfield`
//! on loopback (Streamable HTTP sessions opened, used and deleted; SSE sessions opened, used and
//! dropped; reads, writes, and some hostile requests with their exact expected status), for a
//! configured time and bounded in requests. It reports the errors on valid requests and the
//! server's RSS (`/proc/PID/status` VmRSS) over time, and fails unless there were no errors and
//! the RSS of the last minute stays within 10% of the first minute after warm-up.

use std::io::{BufRead, BufReader};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::process::{ChildGuard, listening_url};
use crate::util::{cargo, run, target_dir};

const USAGE: &str = "\
usage: cargo xtask soak [--minutes N] [--seconds N] [--server oilfield] [--workers N] [--max-requests N] [--no-build]

  --minutes N       how long to run (default 10; --seconds for short runs)
  --server oilfield the server under load (the only one with a soak profile so far)
  --workers N       concurrent client threads (default 4)
  --max-requests N  stop earlier after this many requests (default 5000000)
  --no-build        use target/release/mcp-oilfield as it is
";

const KEY: &str = "soak-key";
/// The server's `body_limit_bytes` during the soak (the hostile oversized body is just above it).
const BODY_LIMIT: usize = 1 << 20;
/// How often VmRSS is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// Samples before this are warm-up (SQLite cache, allocator arenas) and not judged.
const WARM_UP: Duration = Duration::from_secs(30);
/// The last-minute average may differ from the first minute's by this fraction.
const FLAT_WITHIN: f64 = 0.10;

struct Options {
    duration: Duration,
    workers: usize,
    max_requests: u64,
    build: bool,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options { duration: Duration::from_secs(600), workers: 4, max_requests: 5_000_000, build: true };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> Result<u64> {
            let v = it.next().with_context(|| format!("{name} needs a number\n\n{USAGE}"))?;
            v.parse().with_context(|| format!("{name} {v:?} is not a number"))
        };
        match a.as_str() {
            "--minutes" => o.duration = Duration::from_secs(value("--minutes")? * 60),
            "--seconds" => o.duration = Duration::from_secs(value("--seconds")?),
            "--workers" => o.workers = usize::try_from(value("--workers")?.clamp(1, 64))?,
            "--max-requests" => o.max_requests = value("--max-requests")?,
            "--server" => {
                let s = it.next().context("--server needs a name")?;
                if s != "oilfield" && s != "mcp-oilfield" {
                    bail!("no soak profile for {s:?} (only oilfield)");
                }
            }
            "--no-build" => o.build = false,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown soak option {other:?}\n\n{USAGE}"),
        }
    }
    if o.duration.is_zero() {
        bail!("the soak needs a duration above zero");
    }
    Ok(o)
}

/// Counters shared by the workers.
#[derive(Default)]
struct Stats {
    requests: AtomicU64,
    valid_errors: AtomicU64,
    hostile: AtomicU64,
    hostile_mismatches: AtomicU64,
    streamable_sessions: AtomicU64,
    sse_sessions: AtomicU64,
    writes: AtomicU64,
    first_errors: Mutex<Vec<String>>,
}

impl Stats {
    fn error(&self, counter: &AtomicU64, what: String) {
        counter.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut v) = self.first_errors.lock()
            && v.len() < 10
        {
            v.push(what);
        }
    }
}

/// `cargo xtask soak [...]`.
pub fn soak(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    if o.build {
        run(cargo().args(["build", "--release", "-p", "mcp-oilfield"]))?;
    }
    let exe = target_dir().join("release").join("mcp-oilfield");
    if !exe.exists() {
        bail!("{} is missing (run without --no-build)", exe.display());
    }
    let dir = target_dir().join("soak");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut cmd = Command::new(&exe);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MCP_AUTH_TOKENS", format!("soak:{KEY},other:other-key"))
        .env("MCP_LOG_LEVEL", "warn")
        .env("MCP_BODY_LIMIT_BYTES", BODY_LIMIT.to_string())
        .args(["--demo", "--transport", "http", "--port", "0", "--auth", "bearer", "--database"])
        .arg(dir.join("soak.db"))
        .arg("--export-dir")
        .arg(dir.join("exports"));
    let (mut server, base, log) = start(cmd)?;
    let pid = server.id();
    println!("soak: {} for {:?} with {} workers against {base} (pid {pid})", exe.display(), o.duration, o.workers);

    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + o.duration;
    let workers: Vec<_> = (0..o.workers)
        .map(|w| {
            let (stats, stop, base) = (stats.clone(), stop.clone(), base.clone());
            let max = o.max_requests;
            std::thread::spawn(move || worker(w, &base, &stats, &stop, deadline, max))
        })
        .collect();
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
        if let Some(kib) = vm_rss_kib(pid) {
            samples.push((started.elapsed(), kib));
        } else {
            stop.store(true, Ordering::Relaxed);
            stats.error(&stats.valid_errors, "the server process is gone".into());
            break;
        }
        std::thread::sleep(SAMPLE_EVERY.min(deadline.saturating_duration_since(Instant::now())));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    if let Some(kib) = vm_rss_kib(pid) {
        samples.push((started.elapsed(), kib));
    }
    let exit = server.terminate(Duration::from_secs(15));
    let panicked = log.lock().map(|l| l.iter().any(|l| l.contains("panicked"))).unwrap_or(false);
    report(&stats, &samples, started.elapsed());
    let flat = judge_flat(&samples);
    let valid_errors = stats.valid_errors.load(Ordering::Relaxed);
    let mismatches = stats.hostile_mismatches.load(Ordering::Relaxed);
    match &flat {
        Ok(line) => println!("{line}"),
        Err(e) => println!("RSS: {e}"),
    }
    if panicked {
        bail!("the server logged a panic");
    }
    match exit.context("stopping the server")? {
        Some((status, _)) if status.success() => {}
        other => bail!("the server did not exit cleanly after SIGTERM: {other:?}"),
    }
    if valid_errors > 0 || mismatches > 0 {
        bail!("{valid_errors} errors on valid requests, {mismatches} hostile requests with an unexpected answer");
    }
    flat.map(|_| ())
}

/// The server's stderr lines, shared with the thread that reads them.
type SharedLog = Arc<Mutex<Vec<String>>>;

/// Spawn the server (stderr kept in a shared log) and wait up to 60 s for its `Listening on`.
fn start(mut cmd: Command) -> Result<(ChildGuard, String, SharedLog)> {
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let mut guard = ChildGuard::new(cmd.spawn().context("spawning the release binary")?, "mcp-oilfield");
    let stderr = guard.child_mut().stderr.take().context("no stderr")?;
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = listening_url(&line) {
                let _ = tx.send(url);
            }
            if let Ok(mut l) = kept.lock()
                && l.len() < 10_000
            {
                l.push(line);
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).map_err(|_| {
        let lines = log.lock().map(|l| l.join("\n")).unwrap_or_default();
        anyhow::anyhow!("the server did not print `Listening on` within 60 s:\n{lines}")
    })?;
    Ok((guard, url, log))
}

/// VmRSS of `pid` in KiB.
fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn average(samples: &[(Duration, u64)], from: Duration, to: Duration) -> Option<f64> {
    let xs: Vec<u64> = samples.iter().filter(|(t, _)| *t >= from && *t < to).map(|(_, k)| *k).collect();
    #[allow(clippy::cast_precision_loss)]
    (!xs.is_empty()).then(|| xs.iter().sum::<u64>() as f64 / xs.len() as f64)
}

/// Flat: the last minute's average within [`FLAT_WITHIN`] of the first minute after warm-up.
fn judge_flat(samples: &[(Duration, u64)]) -> Result<String> {
    let end = samples.last().map(|(t, _)| *t).unwrap_or_default();
    let minute = Duration::from_secs(60);
    if end < WARM_UP + minute * 2 {
        return Ok(format!("RSS: run of {end:?} too short to judge flatness (needs {:?})", WARM_UP + minute * 2));
    }
    let first = average(samples, WARM_UP, WARM_UP + minute).context("no samples in the first minute")?;
    let last = average(samples, end - minute, end + Duration::from_secs(1)).context("no samples in the last minute")?;
    let change = (last - first) / first;
    let line = format!(
        "RSS: first minute after warm-up {:.1} MiB, last minute {:.1} MiB ({:+.1}%)",
        first / 1024.0,
        last / 1024.0,
        change * 100.0
    );
    if change.abs() > FLAT_WITHIN {
        bail!("{line}: not flat (more than {:.0}%)", FLAT_WITHIN * 100.0);
    }
    Ok(format!("{line}: flat"))
}

fn report(stats: &Stats, samples: &[(Duration, u64)], took: Duration) {
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "requests {} in {:.0} s ({:.0}/s); Streamable sessions {}, SSE sessions {}, writes {}, hostile {}",
        n(&stats.requests),
        took.as_secs_f64(),
        n(&stats.requests) as f64 / took.as_secs_f64().max(0.001),
        n(&stats.streamable_sessions),
        n(&stats.sse_sessions),
        n(&stats.writes),
        n(&stats.hostile)
    );
    println!(
        "errors on valid requests: {}; hostile requests with an unexpected answer: {}",
        n(&stats.valid_errors),
        n(&stats.hostile_mismatches)
    );
    if let Ok(v) = stats.first_errors.lock() {
        for e in v.iter() {
            println!("  {e}");
        }
    }
    println!("| time | VmRSS MiB |");
    println!("|---|---|");
    // About 12 rows whatever the length of the run.
    let step = (samples.len() / 12).max(1);
    for (i, (t, kib)) in samples.iter().enumerate() {
        if i % step == 0 || i + 1 == samples.len() {
            println!("| {:>4} s | {:.1} |", t.as_secs(), *kib as f64 / 1024.0);
        }
    }
}

/// One loopback HTTP client with the soak key.
struct Client {
    agent: ureq::Agent,
    base: String,
}

struct Answer {
    status: u16,
    session: Option<String>,
    body: String,
}

impl Client {
    fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self { agent, base: base.to_owned() }
    }

    fn post(&self, path: &str, session: Option<&str>, body: &str) -> Result<Answer> {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {KEY}"))
            .header("x-user-role", "ADMIN")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(s) = session {
            req = req.header("mcp-session-id", s).header("mcp-protocol-version", "2025-11-25");
        }
        let mut resp = req.send(body).with_context(|| format!("POST {path}"))?;
        let session = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp.body_mut().with_config().limit(16 << 20).read_to_string().unwrap_or_default();
        Ok(Answer { status: resp.status().as_u16(), session, body })
    }

    fn delete(&self, session: &str) -> Result<u16> {
        let resp = self
            .agent
            .delete(format!("{}/mcp", self.base))
            .header("authorization", format!("Bearer {KEY}"))
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25")
            .call()?;
        Ok(resp.status().as_u16())
    }
}

/// The JSON-RPC message of a body (plain JSON or the last `data:` line with an id).
fn message(body: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return Some(v);
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .rfind(|v| v.get("id").is_some())
}

fn call_body(id: u64, tool: &str, args: &Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": tool, "arguments": args}}).to_string()
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

fn worker(w: usize, base: &str, stats: &Stats, stop: &AtomicBool, deadline: Instant, max: u64) {
    let c = Client::new(base);
    // Hostile requests on their own connections: after an oversized body the server closes the
    // connection, and a valid request must not be the one that finds the pooled socket dead.
    let rogue = Client::new(base);
    let mut round: u64 = 0;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        if stats.requests.load(Ordering::Relaxed) >= max {
            stop.store(true, Ordering::Relaxed);
            break;
        }
        round += 1;
        let outcome = match round % 10 {
            0 => sse_cycle(&c, stats),
            5 => hostile(&rogue, stats, round),
            _ => streamable_cycle(&c, stats, w, round),
        };
        if let Err(e) = outcome {
            stats.error(&stats.valid_errors, format!("worker {w} round {round}: {e:#}"));
        }
    }
}

/// initialize, several reads, a write pair (create + purge), DELETE.
fn streamable_cycle(c: &Client, stats: &Stats, w: usize, round: u64) -> Result<()> {
    let init = c.post("/mcp", None, INIT)?;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if init.status != 200 {
        bail!("initialize answered {}: {}", init.status, init.body);
    }
    let session = init.session.context("no mcp-session-id")?;
    stats.streamable_sessions.fetch_add(1, Ordering::Relaxed);
    let s = Some(session.as_str());
    let n = c.post("/mcp", s, INITIALIZED)?;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if n.status != 202 {
        bail!("initialized answered {}", n.status);
    }
    // Letters then at most 6 digits (the oilfield's well-id rule); purged at the end of the cycle.
    let letter = char::from(b'A' + u8::try_from(w % 26).unwrap_or(0));
    let id = format!("SK{letter}-{:05}", round % 100_000);
    let calls: Vec<(&str, Value, bool)> = vec![
        ("list_wells", json!({}), false),
        ("get_well", json!({"well_id": "ZT-101"}), false),
        ("query_drilling_data", json!({"well_id": "ZT-102", "limit": 20}), false),
        ("get_well_statistics", json!({"well_id": "ZT-101"}), false),
        ("create_well", json!({"id": id, "name": "soak", "block": "SK", "field": "Soak"}), true),
        ("delete_well", json!({"well_id": id, "purge": true}), true),
    ];
    for (i, (tool, args, write)) in calls.iter().enumerate() {
        let a = c.post("/mcp", s, &call_body(10 + i as u64, tool, args))?;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        let v = message(&a.body).with_context(|| format!("{tool}: no JSON-RPC answer ({}): {}", a.status, a.body))?;
        if a.status != 200 || v["result"]["isError"] == true || v.get("error").is_some() {
            bail!("{tool} answered {}: {}", a.status, a.body.chars().take(300).collect::<String>());
        }
        if *write {
            stats.writes.fetch_add(1, Ordering::Relaxed);
        }
    }
    let status = c.delete(&session)?;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if status != 200 {
        bail!("DELETE of the session answered {status}");
    }
    Ok(())
}

/// GET /sse, initialize and one call over `/messages`, then drop the stream.
fn sse_cycle(c: &Client, stats: &Stats) -> Result<()> {
    let resp = c
        .agent
        .get(format!("{}/sse", c.base))
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-user-role", "ADMIN")
        .header("accept", "text/event-stream")
        .call()?;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if resp.status().as_u16() != 200 {
        bail!("GET /sse answered {}", resp.status());
    }
    stats.sse_sessions.fetch_add(1, Ordering::Relaxed);
    let mut events = BufReader::new(resp.into_body().into_with_config().limit(16 << 20).reader());
    let mut next_data = || -> Result<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if events.read_line(&mut line)? == 0 {
                bail!("the SSE stream ended");
            }
            if let Some(d) = line.trim_end().strip_prefix("data:") {
                return Ok(d.trim_start().to_owned());
            }
        }
    };
    let endpoint = next_data()?;
    let mut exchange = |body: &str, id: Option<u64>| -> Result<Option<Value>> {
        let a = c.post(&endpoint, None, body)?;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        if a.status != 202 {
            bail!("POST {endpoint} answered {}: {}", a.status, a.body);
        }
        let Some(id) = id else { return Ok(None) };
        loop {
            let v: Value = serde_json::from_str(&next_data()?)?;
            if v["id"] == json!(id) {
                return Ok(Some(v));
            }
        }
    };
    exchange(&INIT.replace("2025-11-25", "2024-11-05"), Some(1))?;
    exchange(INITIALIZED, None)?;
    let v = exchange(&call_body(2, "get_well", &json!({"well_id": "ZT-103"})), Some(2))?.unwrap_or_default();
    if v["result"]["isError"] == true || v.get("error").is_some() {
        bail!("get_well over SSE: {v}");
    }
    Ok(())
}

/// One hostile request with its exact expected status; a mismatch is counted apart.
fn hostile(c: &Client, stats: &Stats, round: u64) -> Result<()> {
    let big = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#, "x".repeat(BODY_LIMIT));
    let (what, path, session, body, want): (&str, &str, Option<&str>, String, u16) = match (round / 10) % 5 {
        0 => ("not JSON", "/mcp", None, "{not json".into(), 400),
        1 => ("unknown session", "/mcp", Some("no-such-session"), call_body(1, "list_wells", &json!({})), 404),
        2 => ("over the body limit", "/mcp", None, big, 413),
        3 => ("batch", "/mcp", None, "[1,2]".into(), 400),
        _ => ("unknown SSE session", "/messages?sessionId=nope", None, call_body(1, "list_wells", &json!({})), 404),
    };
    stats.requests.fetch_add(1, Ordering::Relaxed);
    stats.hostile.fetch_add(1, Ordering::Relaxed);
    let a = match c.post(path, session, &body) {
        Ok(a) => a,
        // The server answers 413 from the head and closes while the body is still being
        // written: the client sees a broken pipe instead of the status. That is a refusal.
        Err(_) if want == 413 => return Ok(()),
        Err(e) => {
            stats.error(&stats.hostile_mismatches, format!("hostile {what}: {e:#}"));
            return Ok(());
        }
    };
    if a.status != want {
        stats.error(&stats.hostile_mismatches, format!("hostile {what}: expected {want}, got {}", a.status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(u64) -> u64) -> Vec<(Duration, u64)> {
        (0..=60).map(|i| (Duration::from_secs(i * 5), f(i * 5))).collect()
    }

    #[test]
    fn flatness_compares_the_last_minute_with_the_first_after_warm_up() {
        // Warm-up growth is not judged; 100 MiB then 105 MiB is within 10%.
        let ok = judge_flat(&series(|t| {
            if t < 30 {
                10_240
            } else if t < 200 {
                102_400
            } else {
                107_520
            }
        }))
        .unwrap();
        assert!(ok.ends_with("flat") && ok.contains("+5.0%"), "{ok}");
        let err = judge_flat(&series(|t| 102_400 + t * 400)).unwrap_err().to_string();
        assert!(err.contains("not flat"), "{err}");
        let short: Vec<_> = series(|_| 1).into_iter().take(10).collect();
        assert!(judge_flat(&short).unwrap().contains("too short"));
    }

    #[test]
    fn options_parse_and_refuse_unknown_servers() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let o = parse(&args(&["--minutes", "2", "--server", "oilfield", "--workers", "3", "--no-build"])).unwrap();
        assert_eq!((o.duration, o.workers, o.build), (Duration::from_secs(120), 3, false));
        assert!(parse(&args(&["--server", "rocketmq"])).is_err());
        assert!(parse(&args(&["--seconds", "0"])).is_err());
        assert!(parse(&args(&["--minutes"])).is_err());
    }

    #[test]
    fn messages_come_from_plain_json_or_the_last_sse_data_line() {
        assert_eq!(message(r#"{"id":1}"#).unwrap()["id"], 1);
        assert_eq!(message("data: \ndata: {\"id\":2,\"result\":{}}\n\n").unwrap()["id"], 2);
        assert!(message("data: ping").is_none());
    }
}
