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

/// What a wrk run loads: a name for the report and a file-name part for its raw output.
pub(super) trait Load: Copy + PartialEq {
    /// The label in the report table.
    fn label(self) -> &'static str;
    /// The part of `target/bench/wrk-<slug>-c<N>.txt`.
    fn slug(self) -> String;
}

/// The oilfield bench's loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    McpStateless,
    McpStateful,
    Bare,
    /// `examples/minimal_rmcp.rs`: one rmcp tool, the same page query inline.
    Minimal,
}

impl Load for Target {
    fn label(self) -> &'static str {
        match self {
            Target::McpStateless => "MCP Streamable HTTP, stateless",
            Target::McpStateful => "MCP Streamable HTTP, stateful (1 session)",
            Target::Bare => "bare axum + rusqlite",
            Target::Minimal => "minimal rmcp server",
        }
    }

    fn slug(self) -> String {
        match self {
            Target::McpStateless => "stateless",
            Target::McpStateful => "stateful",
            Target::Bare => "bare",
            Target::Minimal => "minimal",
        }
        .to_string()
    }
}

#[derive(Debug, Clone)]
pub(super) struct WrkRun<T = Target> {
    pub(super) target: T,
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

impl<T> WrkRun<T> {
    pub(super) fn stalled(&self) -> bool {
        self.busy_connections < 0.75 * f64::from(self.clients)
    }
}

/// What the `BENCH_JSON {...}` line of `wrk.lua` reports about one run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WrkSummary {
    pub(super) seconds: f64,
    pub(super) requests: u64,
    /// Non-2xx replies, bad bodies (JSON-RPC errors, `isError`) and socket errors, summed.
    pub(super) errors: u64,
    pub(super) latency: Latency,
    pub(super) mean_us: f64,
    /// The first bad reply, for the log.
    pub(super) first_bad: String,
}

impl WrkSummary {
    /// `json`: the line after `BENCH_JSON `.
    pub(super) fn parse(json: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(json).with_context(|| format!("the wrk summary {json:?}"))?;
        let n = |k: &str| number(&v, &format!("/{k}")).context("in the wrk summary");
        let errors = ["non2xx", "bad_body", "connect", "read", "write", "timeout"]
            .iter()
            .map(|k| v.get(*k).and_then(Value::as_f64).unwrap_or(0.0) as u64)
            .sum();
        Ok(Self {
            seconds: n("duration_us")? / 1e6,
            requests: n("requests")? as u64,
            errors,
            latency: Latency::from_json(&v, "").context("in the wrk summary")?,
            mean_us: n("mean_us")?,
            first_bad: v.get("first_bad").and_then(Value::as_str).unwrap_or("").to_string(),
        })
    }
}

/// One oilfield run of `target` (its path and `wrk.lua` mode) at `clients` connections, wells
/// drawn among `wells`.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrk_run(
    wrk: &Path,
    script: &Path,
    opts: &Options,
    target: Target,
    server: &Server,
    wells: u64,
    clients: u32,
    session: Option<&str>,
) -> Result<WrkRun> {
    let (path, mode) = if target == Target::Bare { ("/query", "bare") } else { ("/mcp", "mcp") };
    let mut args = vec![mode.to_string(), wells.to_string(), LIMIT.to_string()];
    args.extend(session.map(str::to_string));
    wrk_load(wrk, script, opts.duration, target, server, &format!("http://{}{path}", server.addr), &args, clients)
}

/// wrk with `script` against `url` for `duration` seconds at `clients` connections (at most 2
/// threads), `script_args` after `--`; `server` is the process whose CPU time the calls cost.
#[allow(clippy::too_many_arguments)]
pub(super) fn wrk_load<T: Load>(
    wrk: &Path,
    script: &Path,
    duration: u64,
    target: T,
    server: &Server,
    url: &str,
    script_args: &[String],
    clients: u32,
) -> Result<WrkRun<T>> {
    let (threads, mut cmd) = match server.load_cpu {
        // Pinned: one wrk thread on the load generator's own CPU.
        Some(cpu) => {
            let mut cmd = Command::new("taskset");
            cmd.args(["-c", &cpu.to_string()]).arg(wrk);
            (1, cmd)
        }
        None => (clients.min(2), Command::new(wrk)),
    };
    cmd.args([&format!("-t{threads}"), &format!("-c{clients}"), &format!("-d{duration}s"), "--timeout", "5s", "-s"])
        .arg(script)
        .arg(url)
        .arg("--")
        .args(script_args);
    println!("$ {}", crate::util::display(&cmd));
    let mut lines = Vec::new();
    let cpu_before = server.cpu_seconds()?;
    let status =
        run_streaming(&mut cmd, Duration::from_secs(duration + 60), |line| lines.push(line.text().to_string()))?;
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
    let summary = WrkSummary::parse(json_line)?;
    let calls_per_s = summary.requests as f64 / summary.seconds.max(1e-9);
    let run = WrkRun {
        target,
        clients,
        requests: summary.requests,
        calls_per_s,
        cpu_us_per_call: cpu * 1e6 / summary.requests.max(1) as f64,
        busy_connections: calls_per_s * summary.mean_us / 1e6,
        latency: summary.latency,
        errors: summary.errors,
        first_bad: summary.first_bad,
    };
    println!(
        "{} @ {clients} client(s): {:.0} calls/s, p50 {} p99 {} max {}, server CPU {:.0} µs/call, {} errors of {}",
        target.label(),
        run.calls_per_s,
        ms(run.latency.p50_us),
        ms(run.latency.p99_us),
        ms(run.latency.max_us),
        run.cpu_us_per_call,
        run.errors,
        run.requests
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_summary_line_of_wrk_lua() {
        // As wrk.lua's done() formats it (control characters of first_bad as \u escapes).
        let line = r#"{"requests":29387,"duration_us":10002345,"bytes":1,"checked":29387,"non2xx":2,"bad_body":1,"connect":0,"read":3,"write":0,"status":0,"timeout":4,"p50_us":5190,"p90_us":7860,"p99_us":12340,"max_us":43980,"mean_us":5400.5,"first_bad":"HTTP 500\u000abody"}"#;
        let s = WrkSummary::parse(line).unwrap();
        assert_eq!((s.requests, s.errors, s.mean_us), (29_387, 10, 5400.5));
        assert!((s.seconds - 10.002345).abs() < 1e-9);
        assert_eq!(s.latency, Latency { p50_us: 5190.0, p90_us: 7860.0, p99_us: 12340.0, max_us: 43980.0 });
        assert_eq!(s.first_bad, "HTTP 500\nbody");
        let without_errors =
            r#"{"requests":1,"duration_us":1,"p50_us":1,"p90_us":1,"p99_us":1,"max_us":1,"mean_us":1}"#;
        assert_eq!(WrkSummary::parse(without_errors).unwrap().errors, 0);
        let err = WrkSummary::parse(&without_errors.replace(r#""p99_us":1,"#, "")).unwrap_err();
        assert!(format!("{err:#}").contains("/p99_us"), "{err:#}");
    }
}
