//! The report: machine facts, the markdown table, PASS/FAIL verdicts, the README section.

use super::*;

#[derive(Debug, Clone)]
pub(super) struct Machine {
    pub(super) cpus: usize,
    pub(super) model: String,
    pub(super) mem_kb: u64,
    pub(super) load_start: f64,
    pub(super) load_end: f64,
    pub(super) date: String,
    pub(super) commit: String,
}

pub(super) fn load_average() -> f64 {
    fs::read_to_string("/proc/loadavg").ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(0.0)
}

impl Machine {
    pub(super) fn probe() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown CPU".to_string(), |(_, m)| m.trim().to_string());
        let mem_kb = fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("MemTotal:"))?.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let commit = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or_else(|| "unknown".into(), |o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let dirty = Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(root())
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        let load = load_average();
        Self {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            model,
            mem_kb,
            load_start: load,
            load_end: load,
            date: utc_now(),
            commit: if dirty { format!("{commit} (with uncommitted changes)") } else { commit },
        }
    }
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock (civil-from-days, no date crate).
pub(super) fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

pub(super) fn ms(us: f64) -> String {
    format!("{:.2} ms", us / 1000.0)
}

pub(super) fn kib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

/// The element with the median key (the lower one of the middle two for an even count).
pub(super) fn median_by<T>(mut items: Vec<T>, key: impl Fn(&T) -> f64) -> Option<T> {
    if items.is_empty() {
        return None;
    }
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let mid = (items.len() - 1) / 2;
    Some(items.swap_remove(mid))
}

pub(super) fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The idle-RSS goal (VmRSS, MiB) of the plain release build that the bench measures: most of it
/// is the executable's code in file-backed pages, the rest heap, stacks and SQLite caches.
pub(super) const IDLE_RSS_TARGET_MIB: u64 = 16;

pub(super) fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

pub(super) struct Report {
    pub(super) machine: Machine,
    pub(super) opts: Options,
    pub(super) db_size: u64,
    /// How long `mcp-oilfield seed` took to write the database.
    pub(super) seed: Duration,
    /// The median in-process repetition (by `Core::call` p99), and that p99 of each repetition.
    pub(super) inproc: InProcess,
    pub(super) inproc_p99s: Vec<f64>,
    pub(super) idle: Memory,
    pub(super) after_load: Memory,
    pub(super) bare_idle: Memory,
    pub(super) runs: Vec<WrkRun>,
    pub(super) exports: Vec<ExportRun>,
    pub(super) wrk_version: String,
    pub(super) elapsed: Duration,
}

/// One checked target.
struct Check {
    pub(super) what: String,
    pub(super) value: String,
    pub(super) target: String,
    pub(super) pass: bool,
}

impl Report {
    /// Every repetition of a wrk run, in the order they ran.
    fn reps(&self, target: Target, clients: u32) -> Vec<&WrkRun> {
        self.runs.iter().filter(|r| r.target == target && r.clients == clients).collect()
    }

    /// The repetition with the median calls/s.
    fn run(&self, target: Target, clients: u32) -> Option<&WrkRun> {
        median_by(self.reps(target, clients), |r| r.calls_per_s)
    }

    fn checks(&self) -> Vec<Check> {
        let c = self.opts.concurrency;
        let mut checks = Vec::new();
        let (mcp, bare) = (self.reps(Target::McpStateless, c), self.reps(Target::Bare, c));
        if !mcp.is_empty() && mcp.len() == bare.len() {
            // Pair by pair: each mcp run and the bare run right after it.
            let pairs: Vec<(f64, f64)> = mcp.iter().zip(&bare).map(|(m, b)| (m.calls_per_s, b.calls_per_s)).collect();
            let ratios: Vec<f64> = pairs.iter().map(|(m, b)| m / b.max(1e-9)).collect();
            let (m, b) = median_by(pairs.clone(), |(m, b)| m / b.max(1e-9)).unwrap_or((0.0, 1.0));
            let ratio = m / b.max(1e-9);
            let each: Vec<String> = ratios.iter().map(|r| format!("{:.0} %", r * 100.0)).collect();
            checks.push(Check {
                what: format!("HTTP calls/s at {c} clients vs bare handler"),
                value: format!(
                    "{} vs {} calls/s ({:.0} %), the median of {} alternating pairs: {}",
                    thousands(m),
                    thousands(b),
                    ratio * 100.0,
                    pairs.len(),
                    each.join(", ")
                ),
                target: "≥ 50 % of bare".into(),
                pass: ratio >= 0.5,
            });
            let p99 = |runs: &[&WrkRun]| median_by(runs.iter().map(|r| r.latency.p99_us).collect(), |v| *v);
            let (p99_mcp, p99_bare) = (p99(&mcp).unwrap_or(f64::MAX), p99(&bare).unwrap_or(f64::MAX));
            let each: Vec<String> = mcp.iter().map(|r| ms(r.latency.p99_us)).collect();
            checks.push(Check {
                what: format!("HTTP p99 at {c} clients"),
                // The bare handler's p99 in the same run is the floor this machine allows.
                value: format!(
                    "{} (median of {}: {}; bare handler: {})",
                    ms(p99_mcp),
                    mcp.len(),
                    each.join(", "),
                    ms(p99_bare)
                ),
                target: "< 5 ms".into(),
                pass: p99_mcp < 5_000.0,
            });
        }
        checks.push(Check {
            what: format!("seed {} reports (`mcp-oilfield seed`, a fresh database)", thousands(REPORTS as f64)),
            value: format!("{:.1} s", self.seed.as_secs_f64()),
            target: "< 60 s".into(),
            pass: self.seed < Duration::from_secs(60),
        });
        let each: Vec<String> = self.inproc_p99s.iter().map(|v| ms(*v)).collect();
        checks.push(Check {
            what: "in-process p99 (`Core::call`)".into(),
            value: format!("{} (median of {}: {})", ms(self.inproc.core.p99_us), each.len(), each.join(", ")),
            target: "< 2 ms".into(),
            pass: self.inproc.core.p99_us < 2_000.0,
        });
        checks.push(Check {
            what: "idle RSS (VmRSS, HTTP server on the 1M-row DB)".into(),
            value: format!(
                "{} ({} anonymous, {} file-backed; bare handler: {})",
                kib(self.idle.rss_kb),
                kib(self.idle.anon_kb),
                kib(self.idle.file_kb),
                kib(self.bare_idle.rss_kb)
            ),
            target: format!("< {IDLE_RSS_TARGET_MIB} MiB"),
            pass: self.idle.rss_kb < IDLE_RSS_TARGET_MIB * 1024,
        });
        for e in &self.exports {
            checks.push(Check {
                what: format!("export peak RSS ({}, VmHWM)", e.format.to_uppercase()),
                value: kib(e.after.hwm_kb),
                target: "< 64 MiB".into(),
                pass: e.after.hwm_kb < 64 * 1024,
            });
        }
        let errors: u64 = self.runs.iter().map(|r| r.errors).sum();
        let requests: u64 = self.runs.iter().map(|r| r.requests).sum();
        let stalled = self.runs.iter().filter(|r| r.stalled()).count();
        checks.push(Check {
            what: "errors over HTTP (non-2xx, JSON-RPC error, isError, socket; runs with unanswered requests)".into(),
            value: format!("{errors} of {}; {stalled} run(s) with stalled connections", thousands(requests as f64)),
            target: "0".into(),
            pass: errors == 0 && stalled == 0,
        });
        checks
    }

    pub(super) fn markdown(&self) -> String {
        let m = &self.machine;
        let o = &self.opts;
        let mut s = String::new();
        let _ = writeln!(s, "## Benchmarks (oilfield)\n");
        let _ = writeln!(
            s,
            "Measured with `cargo xtask bench oilfield` on {}, commit {}. Machine: {} × {}, {:.1} GiB RAM; \
             load average {:.2} at start, {:.2} at end (the load generator shares these CPUs with the server). \
             Database: {} daily reports of {} wells ({}). Call: `query_drilling_data` \
             `{{\"well_id\": <random of {}>, \"limit\": {LIMIT}}}` (latest {LIMIT} reports of a well). \
             HTTP load: {} on 127.0.0.1, {} s per run, keep-alive connections, every reply checked. \
             Server binary: the plain release build (`cargo build --release`, as `cargo xtask dist` ships it). The run took {:.0} s (seeding and measurements, without the build).\n",
            m.date,
            m.commit,
            m.cpus,
            m.model,
            m.mem_kb as f64 / 1024.0 / 1024.0,
            m.load_start,
            m.load_end,
            thousands(REPORTS as f64),
            thousands(WELLS as f64),
            human_size(self.db_size),
            thousands(WELLS as f64),
            self.wrk_version,
            o.duration,
            self.elapsed.as_secs_f64(),
        );
        let _ = writeln!(s, "| target | measured | goal | result |\n|---|---|---|---|");
        for c in self.checks() {
            let _ = writeln!(s, "| {} | {} | {} | **{}** |", c.what, c.value, c.target, verdict(c.pass));
        }

        let _ = writeln!(
            s,
            "\n| figure | calls/s | p50 | p90 | p99 | max | server CPU per call | errors |\n|---|---|---|---|---|---|---|---|"
        );
        let i = &self.inproc;
        let _ = writeln!(
            s,
            "| in process, `Core::call` (sequential, {} calls) | — | {} | {} | {} | {} | | 0 |",
            thousands(i.calls as f64),
            ms(i.core.p50_us),
            ms(i.core.p90_us),
            ms(i.core.p99_us),
            ms(i.core.max_us)
        );
        let _ = writeln!(
            s,
            "| in process, `Store::query_reports` only | — | {} | {} | {} | {} | | 0 |",
            ms(i.store.p50_us),
            ms(i.store.p90_us),
            ms(i.store.p99_us),
            ms(i.store.max_us)
        );
        let _ = writeln!(
            s,
            "| in process, `Core::call` on {} concurrent tasks | {} | | | | | | 0 |",
            i.tasks,
            thousands(i.concurrent_calls_per_s)
        );
        let mut shown: Vec<(Target, u32)> = Vec::new();
        for r in &self.runs {
            if shown.contains(&(r.target, r.clients)) {
                continue;
            }
            shown.push((r.target, r.clients));
            let reps = self.reps(r.target, r.clients);
            let Some(r) = self.run(r.target, r.clients) else { continue };
            let _ = writeln!(
                s,
                "| {}, {} client{}{} | {} | {} | {} | {} | {} | {:.0} µs | {} of {} |",
                r.target.label(),
                r.clients,
                if r.clients == 1 { "" } else { "s" },
                if reps.len() > 1 { format!(" (median of {} runs)", reps.len()) } else { String::new() },
                thousands(r.calls_per_s),
                ms(r.latency.p50_us),
                ms(r.latency.p90_us),
                ms(r.latency.p99_us),
                ms(r.latency.max_us),
                r.cpu_us_per_call,
                r.errors,
                thousands(r.requests as f64)
            );
        }

        let _ = writeln!(
            s,
            "\n| memory | VmRSS | of which anonymous / file-backed | VmHWM (peak) | minor page faults |\n|---|---|---|---|---|"
        );
        for (what, m) in [
            ("`mcp-oilfield` idle (20 calls, then 3 s idle)", &self.idle),
            ("`mcp-oilfield` after the stateless load runs", &self.after_load),
            ("`bare_reference` idle (20 calls, then 3 s idle), for comparison", &self.bare_idle),
        ] {
            let _ = writeln!(
                s,
                "| {what} | {} | {} / {} | {} | {} |",
                kib(m.rss_kb),
                kib(m.anon_kb),
                kib(m.file_kb),
                kib(m.hwm_kb),
                thousands(m.min_faults as f64)
            );
        }
        for e in &self.exports {
            let _ = writeln!(
                s,
                "| `export_all_data` {} of {} reports ({}, {:.1} s) on a fresh server | {} before | {} / {} after | {} | {} |",
                e.format.to_uppercase(),
                thousands(e.reports as f64),
                human_size(e.bytes),
                e.seconds,
                kib(e.before.rss_kb),
                kib(e.after.anon_kb),
                kib(e.after.file_kb),
                kib(e.after.hwm_kb),
                thousands(e.after.min_faults as f64)
            );
        }
        let _ = writeln!(
            s,
            "\nIn-process reply: {} bytes of JSON, encoded in {} (p50). Raw outputs: `target/bench/` \
             (`wrk-*.txt`, server logs).",
            i.reply_bytes,
            ms(i.encode.p50_us)
        );
        let _ = writeln!(
            s,
            "\nHow to read it: *in process* calls `mcp_core::server::Core::call` directly (permission check, \
             handler, rendering, metrics, audit record), and `Store::query_reports` alone is the \
             database share of it. *Server CPU per call* is the server's user + system time over a run \
             divided by its calls (from `/proc/PID/stat`), which contention on the shared CPUs barely \
             changes. The bare reference (`mcp-oilfield/examples/bare_reference.rs`) runs the same SQL \
             without MCP. File-backed RSS is mostly the executable's code, clean pages of the page \
             cache that the kernel maps around each fault (how much per fault depends on the kernel \
             and on the page-cache folios holding the file: compare the faults with the pages); \
             anonymous RSS is heap, stacks and SQLite caches, what the server itself allocated. Each export runs on a fresh server, so its VmHWM is the \
             export's peak."
        );
        s
    }

    pub(super) fn print_verdicts(&self) {
        println!("targets:");
        for c in self.checks() {
            println!("  {:4}  {}: {} (goal {})", verdict(c.pass), c.what, c.value, c.target);
        }
    }
}

/// Put `section` between the oilfield bench markers of `readme` (see [`update_readme_section`]).
pub(super) fn update_readme(readme: &Path, section: &str) -> Result<()> {
    update_readme_section(readme, "oilfield", section)
}

/// Put `section` between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` of `readme`
/// (appended when the markers are absent; the file is created when missing). Nothing else in
/// the file changes.
pub(super) fn update_readme_section(readme: &Path, name: &str, section: &str) -> Result<()> {
    let (start, end) = (format!("<!-- bench:{name}:start -->"), format!("<!-- bench:{name}:end -->"));
    let block = format!("{start}\n{}\n{end}", section.trim_end());
    let text = fs::read_to_string(readme).unwrap_or_default();
    let new = match (text.find(&start), text.find(&end)) {
        (Some(a), Some(b)) if a < b => format!("{}{block}{}", &text[..a], &text[b + end.len()..]),
        (None, None) if text.trim().is_empty() => format!("{block}\n"),
        (None, None) => format!("{}\n\n{block}\n", text.trim_end()),
        _ => bail!("{} has unbalanced {start} / {end} markers; fix them by hand", rel(readme)),
    };
    fs::write(readme, new).with_context(|| format!("writing {}", rel(readme)))?;
    println!("updated the {name} benchmark section of {}", rel(readme));
    Ok(())
}
