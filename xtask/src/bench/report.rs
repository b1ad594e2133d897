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

/// `YYYY-MM-DD HH:MM UTC` from the system clock (no date crate).
pub(super) fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let date = super::shapes::civil_from_days(i64::try_from(days).unwrap_or(i64::MAX));
    format!("{date} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
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
    /// Each database shape, in the order measured (the first also hosts the stages below).
    pub(super) shapes: Vec<ShapeRun>,
    /// The median in-process repetition (by `Core::call` p99), and that p99 of each repetition.
    pub(super) inproc: InProcess,
    pub(super) inproc_p99s: Vec<f64>,
    /// The stateful Streamable HTTP runs.
    pub(super) runs: Vec<WrkRun>,
    pub(super) exports: Vec<ExportRun>,
    pub(super) wrk_version: String,
    pub(super) elapsed: Duration,
}

/// One checked target.
pub(super) struct Check {
    pub(super) what: String,
    pub(super) value: String,
    pub(super) target: String,
    pub(super) pass: bool,
}

/// The ratio `a / b` of each pair and the pair with the median ratio.
pub(super) fn paired_ratio(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64, Vec<f64>)> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y.max(1e-9)).collect();
    let (x, y) = median_by(a.iter().copied().zip(b.iter().copied()).collect(), |(x, y)| x / y.max(1e-9))?;
    Some((x, y, x / y.max(1e-9), ratios))
}

/// How far apart the values are: (max - min) / min.
pub(super) fn spread(values: &[f64]) -> f64 {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() || min <= 0.0 { f64::INFINITY } else { (max - min) / min }
}

fn pct(r: f64) -> String {
    format!("{:.0} %", r * 100.0)
}

impl ShapeRun {
    /// Every repetition of a run, in the order they ran.
    pub(super) fn reps(&self, target: Target, call: Call, clients: u32) -> Vec<&WrkRun<Probe>> {
        self.runs
            .iter()
            .filter(|r| r.target.target == target && r.target.call == call && r.clients == clients)
            .collect()
    }

    /// The repetition with the median calls/s.
    pub(super) fn run(&self, target: Target, call: Call, clients: u32) -> Option<&WrkRun<Probe>> {
        median_by(self.reps(target, call, clients), |r| r.calls_per_s)
    }

    /// The median server CPU per call over the repetitions.
    pub(super) fn cpu(&self, target: Target, call: Call, clients: u32) -> Option<f64> {
        median_by(self.reps(target, call, clients).iter().map(|r| r.cpu_us_per_call).collect(), |v| *v)
    }

    fn memory(&self, target: Target) -> Option<&Snapshot> {
        self.memory.iter().find(|m| m.target == target)
    }
}

impl Report {
    fn checks(&self) -> Vec<Check> {
        let c = self.opts.concurrency;
        let mut checks = Vec::new();
        for sr in &self.shapes {
            for call in [Call::First, Call::Deep] {
                let calls = |t: Target| sr.reps(t, call, c).iter().map(|r| r.calls_per_s).collect::<Vec<_>>();
                let mcp = calls(Target::McpStateless);
                for (reference, name, goal) in
                    [(Target::Bare, "bare reference", 0.5), (Target::Minimal, "minimal rmcp", 0.7)]
                {
                    let Some((m, r, ratio, each)) = paired_ratio(&mcp, &calls(reference)) else { continue };
                    let each: Vec<String> = each.iter().map(|r| pct(*r)).collect();
                    checks.push(Check {
                        what: format!("{} at {c} clients vs {name}, {}", call.label(sr.shape), sr.shape.label()),
                        value: format!(
                            "{} vs {} calls/s ({}; run by run: {})",
                            thousands(m),
                            thousands(r),
                            pct(ratio),
                            each.join(", ")
                        ),
                        target: format!("≥ {} of {name}", pct(goal)),
                        pass: ratio >= goal,
                    });
                }
            }
        }
        if self.shapes.len() > 1 {
            // The deep page is compared where its offset is the same (shapes with shorter
            // histories measure their deepest page, a different amount of work).
            let deepest = self.shapes.iter().map(|sr| sr.shape.deep_offset()).max().unwrap_or(0);
            for call in [Call::First, Call::Deep] {
                let compared: Vec<&ShapeRun> =
                    self.shapes.iter().filter(|sr| call != Call::Deep || sr.shape.deep_offset() == deepest).collect();
                if compared.len() < 2 {
                    continue;
                }
                let cpus: Vec<Option<f64>> = compared.iter().map(|sr| sr.cpu(Target::McpStateless, call, c)).collect();
                if cpus.iter().any(Option::is_none) {
                    continue;
                }
                let cpus: Vec<f64> = cpus.into_iter().flatten().collect();
                let each: Vec<String> =
                    compared.iter().zip(&cpus).map(|(sr, v)| format!("{v:.0} µs ({})", sr.shape.slug())).collect();
                let spread = spread(&cpus);
                checks.push(Check {
                    what: format!(
                        "{} at {c} clients: mcp-oilfield's server CPU per call across the shapes",
                        call.label(compared[0].shape)
                    ),
                    value: format!("{}: {} apart", each.join(", "), pct(spread)),
                    target: "< 20 % apart".into(),
                    pass: spread < 0.2,
                });
            }
        }
        if let Some(first) = self.shapes.first() {
            if let Some(r) = first.run(Target::McpStateless, Call::First, c) {
                let bare = first.run(Target::Bare, Call::First, c).map_or(0.0, |b| b.latency.p99_us);
                checks.push(Check {
                    what: format!("HTTP p99 at {c} clients, latest {QUERY_LIMIT}, {}", first.shape.label()),
                    value: format!("{} (bare reference: {})", ms(r.latency.p99_us), ms(bare)),
                    target: "< 5 ms".into(),
                    pass: r.latency.p99_us < 5_000.0,
                });
            }
            let when = if first.seeded_now { "this run" } else { "an earlier run, reused" };
            checks.push(Check {
                what: format!(
                    "seed {} reports (`mcp-oilfield seed`, {})",
                    thousands(first.shape.reports() as f64),
                    first.shape.label()
                ),
                value: format!("{:.1} s ({when})", first.seed.as_secs_f64()),
                target: "< 60 s".into(),
                pass: first.seed < Duration::from_secs(60),
            });
            if let Some(m) = first.memory(Target::McpStateless) {
                let bare = first.memory(Target::Bare).map_or(0, |b| b.idle.rss_kb);
                checks.push(Check {
                    what: format!("idle RSS (VmRSS, HTTP server, {})", first.shape.label()),
                    value: format!(
                        "{} ({} anonymous, {} file-backed; bare reference: {})",
                        kib(m.idle.rss_kb),
                        kib(m.idle.anon_kb),
                        kib(m.idle.file_kb),
                        kib(bare)
                    ),
                    target: format!("< {IDLE_RSS_TARGET_MIB} MiB"),
                    pass: m.idle.rss_kb < IDLE_RSS_TARGET_MIB * 1024,
                });
            }
        }
        let each: Vec<String> = self.inproc_p99s.iter().map(|v| ms(*v)).collect();
        checks.push(Check {
            what: "in-process p99 (`Core::call`)".into(),
            value: format!("{} (median of {}: {})", ms(self.inproc.core.p99_us), each.len(), each.join(", ")),
            target: "< 2 ms".into(),
            pass: self.inproc.core.p99_us < 2_000.0,
        });
        for e in &self.exports {
            checks.push(Check {
                what: format!("export peak RSS ({}, VmHWM)", e.format.to_uppercase()),
                value: kib(e.after.hwm_kb),
                target: "< 64 MiB".into(),
                pass: e.after.hwm_kb < 64 * 1024,
            });
        }
        let all: Vec<(u64, u64, bool)> = self
            .runs
            .iter()
            .map(|r| (r.errors, r.requests, r.stalled()))
            .chain(self.shapes.iter().flat_map(|sr| sr.runs.iter().map(|r| (r.errors, r.requests, r.stalled()))))
            .collect();
        let errors: u64 = all.iter().map(|r| r.0).sum();
        let requests: u64 = all.iter().map(|r| r.1).sum();
        let stalled = all.iter().filter(|r| r.2).count();
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
        let c = o.concurrency;
        let mut s = String::new();
        let _ = writeln!(s, "## Benchmarks (oilfield)\n");
        let shapes: Vec<String> = self
            .shapes
            .iter()
            .map(|sr| {
                format!(
                    "{} ({} reports, {})",
                    sr.shape.label(),
                    thousands(sr.shape.reports() as f64),
                    human_size(sr.db_size)
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "Measured with `cargo xtask bench oilfield{}` on {}, commit {}. Machine: {} × {}, {:.1} GiB RAM; \
             load average {:.2} at start, {:.2} at end ({}: compare the ratios, taken run by run, more than the \
             absolute figures). \
             Databases: {}, each seeded once by `mcp-oilfield seed` and kept in `target/bench/`. \
             HTTP load: {} on 127.0.0.1, {} s per run, keep-alive connections, every reply checked; wells drawn at \
             random per request. Servers: `mcp-oilfield` (plain release build, stateless Streamable HTTP, default \
             config: audit, metrics and logs on), the bare reference (`examples/bare_reference.rs`: axum + rusqlite, \
             each call's page by index with no count) and the minimal rmcp server (`examples/minimal_rmcp.rs`: one \
             tool, the same page query inline, stateless JSON, no auth, audit, metrics or logs). The run took {:.0} s \
             (without the build).\n",
            if o.quick { " --quick" } else { "" },
            m.date,
            m.commit,
            m.cpus,
            m.model,
            m.mem_kb as f64 / 1024.0 / 1024.0,
            m.load_start,
            m.load_end,
            if o.pin {
                "each measured server started on CPU 1 alone (`taskset -c 1`: it sees one CPU and sizes its \
                 runtime for it) and wrk on CPU 0, one core each; other work on this host still shares them"
            } else {
                "not pinned: the load generator and other work share these CPUs with the servers"
            },
            shapes.join("; "),
            self.wrk_version,
            o.duration,
            self.elapsed.as_secs_f64(),
        );
        let _ = writeln!(s, "| target | measured | goal | result |\n|---|---|---|---|");
        for c in self.checks() {
            let _ = writeln!(s, "| {} | {} | {} | **{}** |", c.what, c.value, c.target, verdict(c.pass));
        }

        for sr in &self.shapes {
            let _ = writeln!(
                s,
                "\n**{}** ({} reports; `get_well_statistics` from {} to {}):\n",
                sr.shape.label(),
                thousands(sr.shape.reports() as f64),
                sr.year.0,
                sr.year.1
            );
            let _ = writeln!(
                s,
                "| call | server | clients | calls/s | p50 | p99 | server CPU per call | errors |\n|---|---|---|---|---|---|---|---|"
            );
            for call in Call::ALL {
                for clients in [1, c] {
                    for target in [Target::McpStateless, Target::Bare, Target::Minimal] {
                        let reps = sr.reps(target, call, clients);
                        let Some(r) = sr.run(target, call, clients) else { continue };
                        let cpu = sr.cpu(target, call, clients).unwrap_or(r.cpu_us_per_call);
                        let _ = writeln!(
                            s,
                            "| {} | {} | {clients}{} | {} | {} | {} | {cpu:.0} µs | {} of {} |",
                            call.label(sr.shape),
                            target.label(),
                            if reps.len() > 1 { format!(" (median of {})", reps.len()) } else { String::new() },
                            thousands(r.calls_per_s),
                            ms(r.latency.p50_us),
                            ms(r.latency.p99_us),
                            reps.iter().map(|r| r.errors).sum::<u64>(),
                            thousands(reps.iter().map(|r| r.requests).sum::<u64>() as f64)
                        );
                    }
                }
            }
        }

        let _ = writeln!(
            s,
            "\n| memory and threads | idle VmRSS | after load: VmRSS (anonymous / file-backed) | VmHWM | threads after load |\n|---|---|---|---|---|"
        );
        for sr in &self.shapes {
            for m in &sr.memory {
                let _ = writeln!(
                    s,
                    "| {}, {} | {} | {} ({} / {}) | {} | {} |",
                    m.target.label(),
                    sr.shape.slug(),
                    kib(m.idle.rss_kb),
                    kib(m.after_load.rss_kb),
                    kib(m.after_load.anon_kb),
                    kib(m.after_load.file_kb),
                    kib(m.after_load.hwm_kb),
                    m.after_load.threads
                );
            }
        }

        let _ = writeln!(
            s,
            "\nWhere the time of a `query_drilling_data` call goes (server CPU per call at {c} clients):\n"
        );
        let _ = writeln!(
            s,
            "| shape | call | bare reference | minimal rmcp | mcp-oilfield | rmcp + JSON-RPC (minimal − bare) | our layers (mcp-oilfield − minimal) |\n|---|---|---|---|---|---|---|"
        );
        for sr in &self.shapes {
            for call in [Call::First, Call::Deep] {
                let cpu = |t: Target| sr.cpu(t, call, c).unwrap_or(0.0);
                let (b, mi, mc) = (cpu(Target::Bare), cpu(Target::Minimal), cpu(Target::McpStateless));
                let _ = writeln!(
                    s,
                    "| {} | {} | {b:.0} µs | {mi:.0} µs | {mc:.0} µs | {:.0} µs | {:.0} µs |",
                    sr.shape.slug(),
                    call.label(sr.shape),
                    mi - b,
                    mc - mi
                );
            }
        }
        let i = &self.inproc;
        let _ = writeln!(
            s,
            "\nIn process on {} (`examples/bench_inprocess.rs`, latest {LIMIT}, {} sequential calls): \
             `Core::call` p50 {} / p99 {} (permission check, spawned handler with timeout, rendering, metrics, audit \
             record), of which `Store::query_reports` p50 {} / p99 {}, encoding the reply ({} bytes) {} (p50); \
             {} calls/s on {} concurrent tasks.",
            self.shapes.first().map_or_else(String::new, |sr| sr.shape.label()),
            thousands(i.calls as f64),
            ms(i.core.p50_us),
            ms(i.core.p99_us),
            ms(i.store.p50_us),
            ms(i.store.p99_us),
            i.reply_bytes,
            ms(i.encode.p50_us),
            thousands(i.concurrent_calls_per_s),
            i.tasks
        );

        if !self.runs.is_empty() {
            let _ = writeln!(
                s,
                "\n| stateful Streamable HTTP (one session, SSE replies), latest {LIMIT} | calls/s | p50 | p99 | server CPU per call | errors |\n|---|---|---|---|---|---|"
            );
            for clients in [1, c] {
                let reps: Vec<&WrkRun> = self.runs.iter().filter(|r| r.clients == clients).collect();
                let Some(r) = median_by(reps.clone(), |r| r.calls_per_s) else { continue };
                let _ = writeln!(
                    s,
                    "| {clients} client(s) (median of {}) | {} | {} | {} | {:.0} µs | {} of {} |",
                    reps.len(),
                    thousands(r.calls_per_s),
                    ms(r.latency.p50_us),
                    ms(r.latency.p99_us),
                    r.cpu_us_per_call,
                    r.errors,
                    thousands(r.requests as f64)
                );
            }
        }
        if !self.exports.is_empty() {
            let _ = writeln!(
                s,
                "\n| export (fresh server) | reports | size | time | VmRSS before | VmHWM |\n|---|---|---|---|---|---|"
            );
            for e in &self.exports {
                let _ = writeln!(
                    s,
                    "| `export_all_data` {} | {} | {} | {:.1} s | {} | {} |",
                    e.format.to_uppercase(),
                    thousands(e.reports as f64),
                    human_size(e.bytes),
                    e.seconds,
                    kib(e.before.rss_kb),
                    kib(e.after.hwm_kb)
                );
            }
        }
        let _ = writeln!(
            s,
            "\nHow to read it: *server CPU per call* is the server's user + system time over a run divided by \
             its calls (from `/proc/PID/stat`), which contention on the shared CPUs barely changes; it is the \
             figure to compare across shapes. The references answer the same question with less: the bare \
             reference is the database work plus plain HTTP and JSON, the minimal rmcp server adds rmcp's \
             Streamable HTTP and JSON-RPC, and the rest of mcp-oilfield's cost is ours (Host/Origin guard, auth \
             and caller identity, policy, tool dispatch with timeout and panic isolation, `total` and \
             `next_cursor`, the text rendering beside the structured result, metrics, the audit row, logs). \
             Raw outputs: `target/bench/` (`wrk-*.txt`, `request-*.txt`, server logs)."
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
