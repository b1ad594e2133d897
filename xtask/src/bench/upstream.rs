//! The benches of a server that fronts an HTTP upstream (`cargo xtask bench rocketmq`,
//! `cargo xtask bench rocketchat`): one tool over Streamable HTTP against the upstream's stand-in, and the same
//! upstream call made directly, so the difference is what the server adds per call.
//!
//! What runs (all on 127.0.0.1, every run bounded in time), for a [`Spec`]:
//! 1. the stand-in as its own process (a `test-support` example that prints `Listening on`,
//!    preloads credentials, and writes the newest request of each upstream call to a capture
//!    directory), and the server in stateless Streamable HTTP mode (JSON replies, no session)
//!    pointed at it;
//! 2. a few checked tool calls as warm-up;
//! 3. `--repeat` times, at 1 client and at `--concurrency` clients: wrk sends the JSON-RPC
//!    `tools/call` to the server (`wrk.lua` mode `file`), then wrk replays the server's own
//!    upstream request to the stand-in directly;
//! 4. the report: calls/s and p50/p90/p99/max of both paths, the added latency (server p50 minus
//!    direct p50, pair by pair), CPU time per call of the server and of the stand-in, the
//!    upstream connections each server run opened, the upstream requests per tool call (when the
//!    stand-in counts them in `requests.json` of its capture directory), and the errors.
//!
//! The direct reference replays a captured request instead of signing its own: right before
//! each direct run the bench makes one tool call, and the stand-in writes the exact request the
//! server sent for it (method, path, canonical query, headers with `X-Date`, `Authorization`,
//! body). A signature stays valid for the stand-in's ±15 minute clock window and the stand-in
//! does not refuse replays, so wrk can send those bytes for the whole run (at most 10 minutes,
//! `--duration` is capped at 600 s) and every reply is still verified and checked. The direct
//! path thus costs the stand-in's verification and answer plus loopback HTTP, and the server
//! path adds the MCP layer, the tool, the signature (computed per call) and the second hop. No
//! signing code is needed in the bench, and what is replayed is byte for byte what is measured.
//!
//! Connections: reqwest's pool should keep one upstream connection per concurrent caller, not
//! one per call. The stand-in does not count the connections it accepts, so the bench reads
//! `/proc/net/tcp{,6}` before and after each server run: the established sockets of the server
//! process towards the stand-in's port, and the sockets in TIME_WAIT on that port (a closed
//! connection stays there for 60 s, longer than a run lasts between the two snapshots of one
//! run). Connections opened during a run = new established sockets + new TIME_WAIT sockets.

use std::collections::{BTreeMap, HashSet};

use super::*;

/// What is specific to one server under test.
pub(super) struct Spec {
    /// `cargo xtask bench NAME`, the README markers `bench:NAME:*`, `target/bench/NAME*`.
    pub(super) name: &'static str,
    /// The server's cargo package and binary.
    pub(super) server_package: &'static str,
    /// The stand-in example of `test-support`.
    pub(super) standin_example: &'static str,
    /// The tool called, its arguments, and the upstream call it makes (the capture's file stem).
    pub(super) tool: &'static str,
    pub(super) arguments: fn() -> Value,
    pub(super) capture: &'static str,
    /// Texts a good tool result contains besides `"result"` (checked by wrk).
    pub(super) tool_require: &'static [&'static str],
    /// Texts a good upstream reply contains, and texts that mark a bad one (checked by wrk).
    pub(super) upstream_require: &'static [&'static str],
    pub(super) upstream_reject: &'static [&'static str],
    /// The stand-in's arguments (credentials, variants) besides `--capture-dir`.
    pub(super) standin_args: fn() -> Vec<String>,
    /// The server command (stateless Streamable HTTP on 127.0.0.1:0) for the stand-in at `url`;
    /// `dir` is for the files it needs (a config file).
    pub(super) server_cmd: fn(bin: &Path, url: &str, dir: &Path) -> Result<Command>,
    /// One sentence for the report: what the call and the stand-in do.
    pub(super) describe: &'static str,
    /// For "How to read it": what the replayed request is and why it stays valid, and what server
    /// minus direct therefore contains.
    pub(super) replay_note: &'static str,
}

const USAGE: &str = "\
usage: cargo xtask bench NAME [options]   (NAME: rocketmq, rocketchat)

  --duration SECS     length of each wrk run (default 10)
  --concurrency N     the concurrent-clients level (default 16; 1 client is always measured too)
  --repeat N          repetitions of each wrk run, server and direct runs alternating (default 3);
                      the report gives the median and every value
  --no-build          use the binaries already built in target/release
  --update-readme     also write the table into README.md between the bench:NAME markers
";

/// The options of an upstream bench.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct UpstreamOptions {
    pub(super) duration: u64,
    pub(super) concurrency: u32,
    pub(super) repeat: u32,
    pub(super) build: bool,
    pub(super) update_readme: bool,
}

impl Default for UpstreamOptions {
    fn default() -> Self {
        Self { duration: 10, concurrency: 16, repeat: 3, build: true, update_readme: false }
    }
}

/// `args` after the bench name; `None` for `--help`.
pub(super) fn parse_upstream_args(args: &[String]) -> Result<Option<UpstreamOptions>> {
    let mut opts = UpstreamOptions::default();
    let mut it = args.iter();
    let number = |flag: &str, value: Option<&String>| -> Result<u64> {
        let value = value.with_context(|| format!("{flag} needs a value"))?;
        let n: u64 = value.parse().with_context(|| format!("{flag} wants a number, got {value:?}"))?;
        ensure!(n > 0, "{flag} must be at least 1");
        Ok(n)
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--duration" => opts.duration = number(arg, it.next())?.min(600),
            "--concurrency" => opts.concurrency = u32::try_from(number(arg, it.next())?.min(1024))?,
            "--repeat" => opts.repeat = number(arg, it.next())?.min(9) as u32,
            "--no-build" => opts.build = false,
            "--update-readme" => opts.update_readme = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            a => bail!("unknown bench option {a:?}\n\n{USAGE}"),
        }
    }
    Ok(Some(opts))
}

/// Which path a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    /// The tool call through the server.
    Server,
    /// The server's upstream request, replayed to the stand-in.
    Direct,
}

/// A run of one bench on one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Leg {
    name: &'static str,
    via: Via,
}

impl Load for Leg {
    fn label(self) -> &'static str {
        match self.via {
            Via::Server => "MCP Streamable HTTP (stateless) → server → stand-in",
            Via::Direct => "stand-in directly (the server's own upstream request, replayed)",
        }
    }

    fn slug(self) -> String {
        let via = if self.via == Via::Server { "mcp" } else { "direct" };
        format!("{}-{via}", self.name)
    }
}

/// Upstream connections of the server during one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Conns {
    /// Established by the server to the stand-in when the run ended.
    pub(super) open_after: usize,
    /// Opened during the run (new established + new TIME_WAIT sockets).
    pub(super) opened: usize,
}

/// One wrk run and what the bench measured beside it.
#[derive(Debug, Clone)]
pub(super) struct Measured {
    pub(super) run: WrkRun<Leg>,
    pub(super) standin_cpu_us_per_call: f64,
    /// For server runs.
    pub(super) conns: Option<Conns>,
    /// For server runs, when the stand-in counts its requests: requests per endpoint during the run.
    pub(super) upstream: Option<BTreeMap<String, u64>>,
}

/// `cargo xtask bench NAME [options]` for the upstream bench `spec`.
pub(super) fn run_upstream(spec: &Spec, args: &[String]) -> Result<()> {
    let Some(opts) = parse_upstream_args(args)? else { return Ok(()) };
    let started = Instant::now();
    let dir = target_dir().join("bench").join(spec.name);
    fs::create_dir_all(&dir)?;
    let machine = Machine::probe();
    if machine.load_start > 0.5 * machine.cpus as f64 {
        println!(
            "warning: load average is {:.2} on {} CPUs before the bench starts: other work competes for the CPU and the figures will be noisy",
            machine.load_start, machine.cpus
        );
    }
    let steps = 4;
    let mut step = 0;
    let mut progress = |what: &str| {
        step += 1;
        println!("\n==> [{step}/{steps}] {what} ({:.0}s)", started.elapsed().as_secs_f64());
    };

    progress("build the release binaries");
    let release = target_dir().join("release");
    let server_bin = release.join(spec.server_package);
    let standin_bin = release.join("examples").join(spec.standin_example);
    if opts.build {
        run(cargo().args(["build", "--release", "-p", spec.server_package, "--bin", spec.server_package]))?;
        run(cargo().args(["build", "--release", "-p", "test-support", "--example", spec.standin_example]))?;
    }
    for bin in [&server_bin, &standin_bin] {
        ensure!(bin.is_file(), "{} is missing: build it (drop --no-build)", rel(bin));
    }
    let wrk = ensure_wrk()?;
    let script = dir.join("bench.lua");
    fs::write(&script, WRK_LUA)?;

    progress("start the stand-in and the server, warm up");
    let measuring = Instant::now();
    let captures = dir.join("captures");
    let _ = fs::remove_dir_all(&captures);
    let mut standin_cmd = Command::new(&standin_bin);
    standin_cmd.args((spec.standin_args)()).arg("--capture-dir").arg(&captures);
    let mut standin = Server::start("stand-in", standin_cmd, &dir.join("standin.log"))?;
    let standin_url = format!("http://{}", standin.addr);
    let standin_port = port_of(&standin.addr)?;
    let server_cmd = (spec.server_cmd)(&server_bin, &standin_url, &dir)?;
    let mut server = Server::start(spec.server_package, server_cmd, &dir.join("server.log"))?;
    let call = tool_call_body(spec.tool, &(spec.arguments)());
    for _ in 0..20 {
        call_tool(&server.addr, spec.tool, &call)?;
    }
    let mcp_file = dir.join("mcp.request");
    fs::write(&mcp_file, mcp_request_file(&call, spec.tool_require))?;
    let direct_file = dir.join("direct.request");

    progress(&format!(
        "wrk, {} s per run, at 1 and {} clients, {} time(s): server, then the stand-in directly",
        opts.duration, opts.concurrency, opts.repeat
    ));
    let mut runs = Vec::new();
    for _ in 0..opts.repeat {
        for clients in [1, opts.concurrency] {
            let leg = Leg { name: spec.name, via: Via::Server };
            let counted_before = upstream_counts(&captures);
            let before = upstream_sockets(server.pid, standin_port)?;
            let cpu = standin.cpu_seconds()?;
            let url = format!("http://{}/mcp", server.addr);
            let args = ["file".to_string(), mcp_file.display().to_string()];
            let run = wrk_load(&wrk, &script, opts.duration, leg, &server, &url, &args, clients)?;
            let standin_cpu = standin.cpu_seconds()? - cpu;
            let after = upstream_sockets(server.pid, standin_port)?;
            let conns = Conns { open_after: after.established.len(), opened: after.opened_since(&before) };
            println!(
                "  upstream connections: {} opened during the run, {} open after it ({} calls)",
                conns.opened, conns.open_after, run.requests
            );
            let upstream = counted_before.and_then(|b| Some(counts_since(&upstream_counts(&captures)?, &b)));
            if let Some(u) = &upstream {
                println!("  upstream requests during the run: {}", describe_counts(u, run.requests));
            }
            let mut m = measured(run, standin_cpu, Some(conns));
            m.upstream = upstream;
            runs.push(m);

            // A fresh capture of the server's request, then the same bytes straight to the stand-in.
            let path = capture_request(spec, &server.addr, &call, &captures, &direct_file, &standin.addr)?;
            let leg = Leg { name: spec.name, via: Via::Direct };
            let url = format!("{standin_url}{path}");
            let args = ["file".to_string(), direct_file.display().to_string()];
            let cpu = standin.cpu_seconds()?;
            let run = wrk_load(&wrk, &script, opts.duration, leg, &standin, &url, &args, clients)?;
            let standin_cpu = standin.cpu_seconds()? - cpu;
            runs.push(measured(run, standin_cpu, None));
        }
    }
    server.stop()?;
    standin.stop()?;

    progress("report");
    let report = UpstreamReport {
        spec,
        machine: Machine { load_end: load_average(), ..machine },
        opts: opts.clone(),
        runs,
        wrk_version: wrk_version(&wrk),
        elapsed: measuring.elapsed(),
    };
    let section = report.markdown();
    let md = target_dir().join("bench").join(format!("{}.md", spec.name));
    fs::write(&md, &section)?;
    println!("\n{section}");
    report.print_verdicts();
    println!("\nwrote {}", rel(&md));
    if opts.update_readme {
        update_readme_section(&root().join("README.md"), spec.name, &section)?;
    } else {
        println!("(pass --update-readme to put this table into README.md)");
    }
    println!("bench finished in {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn measured(run: WrkRun<Leg>, standin_cpu: f64, conns: Option<Conns>) -> Measured {
    let standin_cpu_us_per_call = standin_cpu * 1e6 / run.requests.max(1) as f64;
    println!("  stand-in CPU {standin_cpu_us_per_call:.0} µs/call");
    Measured { run, standin_cpu_us_per_call, conns, upstream: None }
}

/// The stand-in's request counts per endpoint (`requests.json` in its capture directory), once
/// its last tick has written them; `None` when it does not count.
fn upstream_counts(captures: &Path) -> Option<BTreeMap<String, u64>> {
    let file = captures.join("requests.json");
    fs::metadata(&file).ok()?;
    // The stand-in writes every 500 ms: wait for a tick after the last request.
    std::thread::sleep(Duration::from_millis(1_100));
    serde_json::from_str(&fs::read_to_string(&file).ok()?).ok()
}

/// `after - before`, per endpoint, without the endpoints that saw no request.
pub(super) fn counts_since(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v.saturating_sub(before.get(k).copied().unwrap_or(0))))
        .filter(|(_, v)| *v > 0)
        .collect()
}

/// `channels.history 1.00/call (12,345)`, for every endpoint, busiest first.
pub(super) fn describe_counts(counts: &BTreeMap<String, u64>, calls: u64) -> String {
    let mut list: Vec<(&String, &u64)> = counts.iter().collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if list.is_empty() {
        return "none".into();
    }
    list.iter()
        .map(|(k, v)| format!("`{k}` {:.3}/call ({})", **v as f64 / calls.max(1) as f64, thousands(**v as f64)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn port_of(addr: &str) -> Result<u16> {
    addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).with_context(|| format!("no port in {addr}"))
}

/// The JSON-RPC `tools/call` of `tool` with `arguments`; the id is wrk.lua's `__ID__`.
pub(super) fn tool_call_body(tool: &str, arguments: &Value) -> String {
    let params = serde_json::json!({"name": tool, "arguments": arguments});
    format!(r#"{{"jsonrpc":"2.0","id":__ID__,"method":"tools/call","params":{params}}}"#)
}

/// One checked call of `call` (a [`tool_call_body`]) on the server at `addr`.
fn call_tool(addr: &str, tool: &str, call: &str) -> Result<Value> {
    let reply = http::post(addr, "/mcp", &mcp_headers(None), &call.replace("__ID__", "1"), Duration::from_secs(30))?;
    tool_result(&reply, tool)
}

/// The `wrk.lua` request file of the tool call: Streamable HTTP headers, checks of the reply
/// (`"result"` and each of `require`, no error).
pub(super) fn mcp_request_file(call: &str, require: &[&str]) -> String {
    let mut file = String::from("# a JSON-RPC tools/call, written by cargo xtask bench\nmethod: POST\n");
    for (name, value) in mcp_headers(None) {
        let _ = writeln!(file, "header: {name}: {value}");
    }
    let _ = writeln!(file, "body: {call}");
    for text in [r#""result""#].iter().chain(require) {
        let _ = writeln!(file, "require: {text}");
    }
    for text in [r#""isError":true"#, r#""error":{"#] {
        let _ = writeln!(file, "reject: {text}");
    }
    file
}

/// A request as the stand-in's capture file holds it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(super) struct Captured {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: String,
}

impl Captured {
    /// The path with its query, as sent.
    pub(super) fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// The headers to replay: all but the ones wrk sets itself (Host, Content-Length) and the
    /// hop-by-hop ones.
    pub(super) fn replayed_headers(&self) -> Vec<(&str, &str)> {
        const SKIP: [&str; 5] = ["host", "content-length", "connection", "transfer-encoding", "keep-alive"];
        self.headers
            .iter()
            .filter(|(n, _)| !SKIP.contains(&n.to_ascii_lowercase().as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The `wrk.lua` request file replaying this request, with the reply checks of `spec`.
    pub(super) fn request_file(&self, require: &[&str], reject: &[&str]) -> Result<String> {
        ensure!(!self.body.contains(['\n', '\r']), "the captured body spans lines; wrk.lua wants one line");
        ensure!(!self.body.contains("__ID__"), "the captured body contains wrk.lua's __ID__ placeholder");
        let mut file =
            format!("# a captured upstream request, written by cargo xtask bench\nmethod: {}\n", self.method);
        for (name, value) in self.replayed_headers() {
            let _ = writeln!(file, "header: {name}: {value}");
        }
        let _ = writeln!(file, "body: {}", self.body);
        for text in require {
            let _ = writeln!(file, "require: {text}");
        }
        for text in reject {
            let _ = writeln!(file, "reject: {text}");
        }
        Ok(file)
    }
}

/// Make one tool call, wait for the stand-in to capture the upstream request it caused, check
/// that replaying it is answered well, and write it as `wrk.lua` request file `out`. Returns
/// the request's path and query.
fn capture_request(
    spec: &Spec,
    server: &str,
    call: &str,
    captures: &Path,
    out: &Path,
    standin: &str,
) -> Result<String> {
    let file = captures.join(format!("{}.json", spec.capture));
    let _ = fs::remove_file(&file);
    call_tool(server, spec.tool, call)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        if let Ok(text) = fs::read_to_string(&file) {
            break text;
        }
        ensure!(Instant::now() < deadline, "the stand-in wrote no {} within 10 s", rel(&file));
        std::thread::sleep(Duration::from_millis(50));
    };
    let captured: Captured = serde_json::from_str(&text).with_context(|| format!("{} holds {text:?}", rel(&file)))?;
    ensure!(
        matches!(captured.method.as_str(), "GET" | "POST"),
        "the bench replays GETs and POSTs, the capture is a {}",
        captured.method
    );
    let target = captured.target();
    let headers = captured.replayed_headers();
    let reply = http::send(&captured.method, standin, &target, &headers, &captured.body, Duration::from_secs(30))?;
    let good = reply.status == 200
        && spec.upstream_require.iter().all(|t| reply.body.contains(t))
        && !spec.upstream_reject.iter().any(|t| reply.body.contains(t));
    ensure!(good, "the replayed request was answered {}: {}", reply.status, reply.body);
    fs::write(out, captured.request_file(spec.upstream_require, spec.upstream_reject)?)?;
    Ok(target)
}

/// The server's upstream sockets at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Sockets {
    /// (local, remote) of the server's established sockets to the stand-in's port.
    pub(super) established: HashSet<(String, String)>,
    /// (local, remote) of every TIME_WAIT socket on the stand-in's port, either end.
    pub(super) time_wait: HashSet<(String, String)>,
}

impl Sockets {
    /// Connections opened since `before`: new established ones and new TIME_WAIT ones.
    pub(super) fn opened_since(&self, before: &Sockets) -> usize {
        self.established.difference(&before.established).count() + self.time_wait.difference(&before.time_wait).count()
    }
}

/// The socket inodes of process `pid` (`socket:[N]` links in /proc/PID/fd).
fn socket_inodes(pid: u32) -> Result<HashSet<String>> {
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).with_context(|| format!("reading /proc/{pid}/fd"))?;
    Ok(fds
        .filter_map(|e| fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| l.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_string))
        .collect())
}

/// `/proc/net/tcp` and `tcp6` of this host, read for process `pid` and the stand-in's `port`.
fn upstream_sockets(pid: u32, port: u16) -> Result<Sockets> {
    let inodes = socket_inodes(pid)?;
    let mut text = String::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        text.push_str(&fs::read_to_string(table).unwrap_or_default());
    }
    Ok(parse_sockets(&text, &inodes, port))
}

/// The [`Sockets`] in the lines of `/proc/net/tcp{,6}` (`sl local rem st ... inode ...`).
pub(super) fn parse_sockets(text: &str, inodes: &HashSet<String>, port: u16) -> Sockets {
    const ESTABLISHED: &str = "01";
    const TIME_WAIT: &str = "06";
    let port_hex = format!("{port:04X}");
    let on_port = |addr: &str| addr.rsplit_once(':').is_some_and(|(_, p)| p.eq_ignore_ascii_case(&port_hex));
    let mut sockets = Sockets::default();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, remote, state, _, _, _, _, _, inode, ..] = fields.as_slice() else { continue };
        let pair = (local.to_string(), remote.to_string());
        if *state == ESTABLISHED && on_port(remote) && inodes.contains(*inode) {
            sockets.established.insert(pair);
        } else if *state == TIME_WAIT && (on_port(remote) || on_port(local)) {
            sockets.time_wait.insert(pair);
        }
    }
    sockets
}

// ---------------------------------------------------------------------------------------------
// Report

struct UpstreamReport<'a> {
    spec: &'a Spec,
    machine: Machine,
    opts: UpstreamOptions,
    runs: Vec<Measured>,
    wrk_version: String,
    elapsed: Duration,
}

struct Check {
    what: String,
    value: String,
    target: String,
    pass: bool,
}

impl UpstreamReport<'_> {
    /// Every repetition of `via` at `clients`, in the order they ran.
    fn reps(&self, via: Via, clients: u32) -> Vec<&Measured> {
        self.runs.iter().filter(|m| m.run.target.via == via && m.run.clients == clients).collect()
    }

    /// Server minus direct, pair by pair (each server run and the direct run right after it):
    /// the median and every value, of `key`.
    fn added(&self, clients: u32, key: impl Fn(&WrkRun<Leg>) -> f64) -> Option<(f64, Vec<f64>)> {
        let (server, direct) = (self.reps(Via::Server, clients), self.reps(Via::Direct, clients));
        if server.is_empty() || server.len() != direct.len() {
            return None;
        }
        let each: Vec<f64> = server.iter().zip(&direct).map(|(s, d)| key(&s.run) - key(&d.run)).collect();
        Some((median_by(each.clone(), |v| *v)?, each))
    }

    fn checks(&self) -> Vec<Check> {
        let mut checks = Vec::new();
        let c = self.opts.concurrency;
        if let Some((p50, each)) = self.added(1, |r| r.latency.p50_us) {
            let each: Vec<String> = each.iter().map(|v| ms(*v)).collect();
            checks.push(Check {
                what: "latency the server adds per call, p50 at 1 client".into(),
                value: format!("{} (median of {} server/direct pairs: {})", ms(p50), each.len(), each.join(", ")),
                target: "< 1 ms".into(),
                pass: p50 < 1_000.0,
            });
        }
        for clients in [1, c] {
            let server = self.reps(Via::Server, clients);
            let Some(conns) = server.iter().filter_map(|m| m.conns).max_by_key(|c| c.opened) else { continue };
            let calls: u64 = server.iter().map(|m| m.run.requests).sum();
            checks.push(Check {
                what: format!("upstream connections opened per server run at {clients} client(s)"),
                value: format!(
                    "at most {} per run ({} runs, {} calls; {} open after the last)",
                    conns.opened,
                    server.len(),
                    thousands(calls as f64),
                    server.last().and_then(|m| m.conns).map_or(0, |c| c.open_after)
                ),
                target: format!("≤ {clients} (one per caller, not per call)"),
                pass: server.iter().filter_map(|m| m.conns).all(|c| c.opened <= clients as usize),
            });
        }
        let counted: Vec<&Measured> = self.runs.iter().filter(|m| m.upstream.is_some()).collect();
        if !counted.is_empty() {
            let mut total = BTreeMap::new();
            for m in &counted {
                for (k, v) in m.upstream.iter().flatten() {
                    *total.entry(k.clone()).or_insert(0) += v;
                }
            }
            let calls: u64 = counted.iter().map(|m| m.run.requests).sum();
            // A call still in flight when wrk stops reached the upstream without being counted.
            let in_flight: u64 = counted.iter().map(|m| u64::from(m.run.clients)).sum();
            let sent: u64 = total.values().sum();
            checks.push(Check {
                what: "upstream requests per tool call (stand-in's count over the server runs)".into(),
                value: format!("{} ({} calls)", describe_counts(&total, calls), thousands(calls as f64)),
                target: "1 (the one upstream call; no lookups per call)".into(),
                pass: sent <= calls + in_flight,
            });
        }
        let errors: u64 = self.runs.iter().map(|m| m.run.errors).sum();
        let requests: u64 = self.runs.iter().map(|m| m.run.requests).sum();
        let stalled = self.runs.iter().filter(|m| m.run.stalled()).count();
        checks.push(Check {
            what: "errors (non-2xx, JSON-RPC error, isError, upstream error envelope, socket; stalled runs)".into(),
            value: format!("{errors} of {}; {stalled} run(s) with stalled connections", thousands(requests as f64)),
            target: "0".into(),
            pass: errors == 0 && stalled == 0,
        });
        checks
    }

    fn markdown(&self) -> String {
        let (m, o, spec) = (&self.machine, &self.opts, self.spec);
        let mut s = String::new();
        let _ = writeln!(s, "## Benchmarks ({})\n", spec.name);
        let _ = writeln!(
            s,
            "Measured with `cargo xtask bench {}` on {}, commit {}. Machine: {} × {}, {:.1} GiB RAM; \
             load average {:.2} at start, {:.2} at end (wrk, the server and the stand-in share these CPUs). \
             {} HTTP load: {} on 127.0.0.1, {} s per run, keep-alive connections, every reply checked, \
             {} repetition(s) of each run. Server binary: the plain release build. The measurements took {:.0} s.\n",
            spec.name,
            m.date,
            m.commit,
            m.cpus,
            m.model,
            m.mem_kb as f64 / 1024.0 / 1024.0,
            m.load_start,
            m.load_end,
            spec.describe,
            self.wrk_version,
            o.duration,
            o.repeat,
            self.elapsed.as_secs_f64(),
        );
        let _ = writeln!(s, "| target | measured | goal | result |\n|---|---|---|---|");
        for c in self.checks() {
            let _ = writeln!(s, "| {} | {} | {} | **{}** |", c.what, c.value, c.target, verdict(c.pass));
        }
        let _ = writeln!(
            s,
            "\n| figure | calls/s | p50 | p90 | p99 | max | {} CPU per call | stand-in CPU per call | errors |\n|---|---|---|---|---|---|---|---|---|",
            spec.server_package
        );
        for clients in [1, o.concurrency] {
            for via in [Via::Server, Via::Direct] {
                let reps = self.reps(via, clients);
                let Some(r) = median_by(reps.clone(), |m| m.run.calls_per_s) else { continue };
                let each: Vec<String> = reps.iter().map(|m| thousands(m.run.calls_per_s)).collect();
                let server_cpu =
                    if via == Via::Server { format!("{:.0} µs", r.run.cpu_us_per_call) } else { "—".into() };
                let _ = writeln!(
                    s,
                    "| {}, {} client{}{} | {} | {} | {} | {} | {} | {server_cpu} | {:.0} µs | {} of {} |",
                    r.run.target.label(),
                    clients,
                    if clients == 1 { "" } else { "s" },
                    if reps.len() > 1 {
                        format!(" (median of {}: {})", reps.len(), each.join(", "))
                    } else {
                        String::new()
                    },
                    thousands(r.run.calls_per_s),
                    ms(r.run.latency.p50_us),
                    ms(r.run.latency.p90_us),
                    ms(r.run.latency.p99_us),
                    ms(r.run.latency.max_us),
                    r.standin_cpu_us_per_call,
                    r.run.errors,
                    thousands(r.run.requests as f64)
                );
            }
        }
        let added = |clients: u32, key: fn(&WrkRun<Leg>) -> f64| {
            self.added(clients, key).map_or_else(|| "—".into(), |(v, _)| ms(v))
        };
        let _ = writeln!(
            s,
            "\nAdded by the server (server minus direct, median of the pairs): p50 {} and p99 {} at 1 client; \
             p50 {} and p99 {} at {} clients.",
            added(1, |r| r.latency.p50_us),
            added(1, |r| r.latency.p99_us),
            added(o.concurrency, |r| r.latency.p50_us),
            added(o.concurrency, |r| r.latency.p99_us),
            o.concurrency
        );
        let _ = writeln!(
            s,
            "\nHow to read it: the *direct* rows replay the exact upstream request the server sent (captured \
             by the stand-in right before the run{}. *CPU per call* is user + system time of each process \
             over a run divided by its calls (`/proc/PID/stat`). Upstream connections come from \
             `/proc/net/tcp{{,6}}`: the server's established sockets to the stand-in's port and the \
             TIME_WAIT sockets on it, before and after each run. Raw outputs: `target/bench/{}/` (server \
             and stand-in logs, request files) and `target/bench/wrk-{}-*.txt`.",
            spec.replay_note, spec.name, spec.name
        );
        s
    }

    fn print_verdicts(&self) {
        println!("targets:");
        for c in self.checks() {
            println!("  {:4}  {}: {} (goal {})", verdict(c.pass), c.what, c.value, c.target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o =
            parse_upstream_args(&["--duration".into(), "3".into(), "--repeat".into(), "1".into()]).unwrap().unwrap();
        assert_eq!(o, UpstreamOptions { duration: 3, repeat: 1, ..UpstreamOptions::default() });
        assert!(parse_upstream_args(&["--no-stateful".into()]).is_err());
        assert!(parse_upstream_args(&["--repeat".into(), "0".into()]).is_err());
        assert!(parse_upstream_args(&["-h".into()]).unwrap().is_none());
    }

    #[test]
    fn the_tool_call_file_checks_the_reply_and_numbers_the_ids() {
        let call = tool_call_body("GetInstanceInspectResult", &serde_json::json!({"InstanceId": "i-1"}));
        assert_eq!(
            call,
            r#"{"jsonrpc":"2.0","id":__ID__,"method":"tools/call","params":{"arguments":{"InstanceId":"i-1"},"name":"GetInstanceInspectResult"}}"#
        );
        let file = mcp_request_file(&call, &[r#""RequestId""#]);
        assert!(file.contains("\nheader: Accept: application/json, text/event-stream\n"), "{file}");
        assert!(file.contains(&format!("\nbody: {call}\n")));
        assert!(file.contains("\nrequire: \"result\"\n") && file.contains("\nreject: \"isError\":true\n"));
        assert!(file.contains("\nrequire: \"RequestId\"\n"), "{file}");
    }

    #[test]
    fn a_capture_becomes_a_replay_without_the_headers_wrk_sets() {
        let text = r#"{"method":"POST","path":"/","query":"Action=A&Version=2023-01-01",
            "headers":[["content-type","application/json"],["host","127.0.0.1:9"],["content-length","2"],
                       ["x-date","20261202T180000Z"],["authorization","HMAC-SHA256 Credential=AK/x, Signature=ab"]],
            "body":"{}"}"#;
        let c: Captured = serde_json::from_str(text).unwrap();
        assert_eq!(c.target(), "/?Action=A&Version=2023-01-01");
        let file = c.request_file(&[r#""Result""#], &[r#""Error""#]).unwrap();
        assert_eq!(
            file,
            "# a captured upstream request, written by cargo xtask bench\nmethod: POST\n\
             header: content-type: application/json\nheader: x-date: 20261202T180000Z\n\
             header: authorization: HMAC-SHA256 Credential=AK/x, Signature=ab\nbody: {}\n\
             require: \"Result\"\nreject: \"Error\"\n"
        );
        let multi = Captured { body: "{\n}".into(), ..c };
        assert!(multi.request_file(&[], &[]).is_err());
    }

    #[test]
    fn upstream_counts_per_run_and_per_call() {
        let before: BTreeMap<String, u64> = [("channels.history".into(), 20), ("rooms.info".into(), 1)].into();
        let after: BTreeMap<String, u64> =
            [("channels.history".into(), 1020), ("rooms.info".into(), 1), ("me".into(), 2)].into();
        let d = counts_since(&after, &before);
        assert_eq!(d, [("channels.history".to_string(), 1000), ("me".to_string(), 2)].into());
        assert_eq!(describe_counts(&d, 1000), "`channels.history` 1.000/call (1,000), `me` 0.002/call (2)");
        assert_eq!(describe_counts(&BTreeMap::new(), 5), "none");
    }

    #[test]
    fn counts_the_servers_upstream_sockets_and_time_wait_on_the_port() {
        // Stand-in on port 0x1F90 (8080); the server owns inodes 11 and 12.
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10 1 0
   1: 0100007F:C001 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 11 1 0
   2: 0100007F:C002 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 12 1 0
   3: 0100007F:C003 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 99 1 0
   4: 0100007F:1F90 0100007F:C001 01 00000000:00000000 00:00000000 00000000     0        0 13 1 0
   5: 0100007F:C004 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 0 0
   6: 0100007F:1F90 0100007F:C005 06 00000000:00000000 03:00001770 00000000     0        0 0 0 0
   7: 0100007F:C006 0100007F:1F91 06 00000000:00000000 03:00001770 00000000     0        0 0 0 0
";
        let inodes: HashSet<String> = ["11", "12"].map(String::from).into();
        let s = parse_sockets(table, &inodes, 8080);
        assert_eq!(s.established.len(), 2, "only the server's own sockets towards the port: {s:?}");
        assert_eq!(s.time_wait.len(), 2, "TIME_WAIT on the port at either end: {s:?}");
        let mut before = s.clone();
        before.established.retain(|(l, _)| l.ends_with("C001"));
        before.time_wait.clear();
        assert_eq!(s.opened_since(&before), 3);
        assert_eq!(s.opened_since(&s), 0);
    }
}
