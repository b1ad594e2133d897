//! The load generator: wrk (Debian package, installed on first use as root) with `wrk.lua`.

use super::*;

pub(super) fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.is_file())
}

/// wrk from PATH; when missing and running as root with apt-get, `apt-get install -y wrk`.
pub(super) fn ensure_wrk() -> Result<PathBuf> {
    match which("wrk") {
        Some(path) => Ok(path),
        None => apt_install("wrk")?
            .context("the bench needs wrk: install the Debian package (`sudo apt-get install -y wrk`)"),
    }
}

/// Install the Debian package `name` (which puts `name` on PATH) when running as root with
/// apt-get; `Ok(None)` when this machine cannot (not root, no apt-get).
pub(super) fn apt_install(name: &str) -> Result<Option<PathBuf>> {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root || which("apt-get").is_none() {
        return Ok(None);
    }
    println!("{name} is not installed: installing the Debian package");
    let install =
        || run(Command::new("apt-get").args(["install", "-y", "-q", name]).env("DEBIAN_FRONTEND", "noninteractive"));
    if install().is_err() {
        run(Command::new("apt-get").args(["update", "-q"]))?;
        install()?;
    }
    which(name).with_context(|| format!("{name} is still not on PATH after apt-get install")).map(Some)
}

pub(super) fn wrk_version(wrk: &Path) -> String {
    Command::new(wrk)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
            let first = text.lines().next()?.to_string();
            Some(first.split(" Copyright").next().unwrap_or(&first).trim().to_string())
        })
        .unwrap_or_else(|| "wrk".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    McpStateless,
    McpStateful,
    Bare,
}

impl Target {
    pub(super) fn label(self) -> &'static str {
        match self {
            Target::McpStateless => "MCP Streamable HTTP, stateless",
            Target::McpStateful => "MCP Streamable HTTP, stateful (1 session)",
            Target::Bare => "bare axum + rusqlite",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Target::McpStateless => "stateless",
            Target::McpStateful => "stateful",
            Target::Bare => "bare",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct WrkRun {
    pub(super) target: Target,
    pub(super) clients: u32,
    pub(super) requests: u64,
    pub(super) calls_per_s: f64,
    pub(super) latency: Latency,
    pub(super) errors: u64,
    pub(super) first_bad: String,
    /// Server CPU time (user + system) per call: what one call costs, whatever the contention.
    pub(super) cpu_us_per_call: f64,
    /// Connections busy on average (calls/s × mean latency, Little's law). wrk never reports a
    /// request that gets no reply at all, so a value well below `clients` means stalled requests.
    pub(super) busy_connections: f64,
}

impl WrkRun {
    pub(super) fn stalled(&self) -> bool {
        self.busy_connections < 0.75 * f64::from(self.clients)
    }
}

pub(super) fn wrk_run(
    wrk: &Path,
    script: &Path,
    opts: &Options,
    target: Target,
    server: &Server,
    clients: u32,
    session: Option<&str>,
) -> Result<WrkRun> {
    let addr = &server.addr;
    let threads = clients.min(2);
    let (path, mode) = if target == Target::Bare { ("/query", "bare") } else { ("/mcp", "mcp") };
    let mut cmd = Command::new(wrk);
    cmd.args([
        &format!("-t{threads}"),
        &format!("-c{clients}"),
        &format!("-d{}s", opts.duration),
        "--timeout",
        "5s",
        "-s",
    ])
    .arg(script)
    .arg(format!("http://{addr}{path}"))
    .args(["--", mode, &WELLS.to_string(), &LIMIT.to_string()]);
    if let Some(s) = session {
        cmd.arg(s);
    }
    println!("$ {}", crate::util::display(&cmd));
    let mut lines = Vec::new();
    let cpu_before = server.cpu_seconds()?;
    let status =
        run_streaming(&mut cmd, Duration::from_secs(opts.duration + 60), |line| lines.push(line.text().to_string()))?;
    let log = target_dir().join("bench").join(format!("wrk-{}-c{clients}.txt", target.slug()));
    fs::write(&log, lines.join("\n") + "\n")?;
    match status {
        Some(s) if s.success() => {}
        Some(s) => bail!("wrk failed ({s}); output in {}", rel(&log)),
        None => bail!("wrk did not finish in time; output in {}", rel(&log)),
    }
    let cpu = server.cpu_seconds()? - cpu_before;
    let json_line = lines
        .iter()
        .find_map(|l| l.strip_prefix("BENCH_JSON "))
        .with_context(|| format!("wrk printed no BENCH_JSON line; output in {}", rel(&log)))?;
    let v = Json::parse(json_line)?;
    let n = |k: &str| v.num(k).with_context(|| format!("no {k} in the wrk summary"));
    let seconds = n("duration_us")? / 1e6;
    let requests = n("requests")? as u64;
    let errors = ["non2xx", "bad_body", "connect", "read", "write", "timeout"]
        .iter()
        .map(|k| v.num(k).unwrap_or(0.0) as u64)
        .sum::<u64>();
    let run = WrkRun {
        target,
        clients,
        requests,
        calls_per_s: requests as f64 / seconds.max(1e-9),
        latency: Latency { p50_us: n("p50_us")?, p90_us: n("p90_us")?, p99_us: n("p99_us")?, max_us: n("max_us")? },
        errors,
        first_bad: v.str("first_bad").unwrap_or("").to_string(),
        cpu_us_per_call: cpu * 1e6 / requests.max(1) as f64,
        busy_connections: requests as f64 / seconds.max(1e-9) * n("mean_us")? / 1e6,
    };
    println!(
        "{} @ {clients} client(s): {:.0} calls/s, p50 {} p99 {} max {}, server CPU {:.0} µs/call, {} errors of {requests}",
        target.label(),
        run.calls_per_s,
        ms(run.latency.p50_us),
        ms(run.latency.p99_us),
        ms(run.latency.max_us),
        run.cpu_us_per_call,
        run.errors
    );
    if !run.first_bad.is_empty() {
        println!("  first bad reply: {}", run.first_bad);
    }
    if run.stalled() {
        println!(
            "  warning: only {:.1} of {clients} connections were busy on average: some requests got no reply",
            run.busy_connections
        );
    }
    Ok(run)
}
