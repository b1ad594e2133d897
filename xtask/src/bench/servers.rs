//! The servers under test: start with a clean environment, read their address, memory and
//! CPU time, warm them up.

use super::*;

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Memory {
    pub(super) rss_kb: u64,
    pub(super) hwm_kb: u64,
    /// Anonymous pages (heap, stacks, SQLite caches).
    pub(super) anon_kb: u64,
    /// File-backed pages (mostly the executable's code).
    pub(super) file_kb: u64,
    /// Threads of the process (`Threads:`).
    pub(super) threads: u64,
}

/// A server started by the bench: killed on drop, its output in a log file.
pub(super) struct Server {
    pub(super) name: String,
    pub(super) guard: ChildGuard,
    pub(super) pid: u32,
    pub(super) addr: String,
    pub(super) log: PathBuf,
    /// The CPU the load generator runs on when this server is pinned ([`Server::pin`]).
    pub(super) load_cpu: Option<usize>,
}

impl Server {
    pub(super) fn start(name: &str, mut cmd: Command, log: &Path) -> Result<Server> {
        let file = fs::File::create(log).with_context(|| format!("creating {}", rel(log)))?;
        cmd.stdin(Stdio::null()).stdout(file.try_clone()?).stderr(file);
        println!("$ {}   (log: {})", crate::util::display(&cmd), rel(log));
        let child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        let pid = child.id();
        let mut guard = ChildGuard::new(child, name);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = fs::read_to_string(log).unwrap_or_default();
            let url = text.lines().find_map(listening_url);
            if let Some(addr) = url.as_deref().and_then(|u| u.strip_prefix("http://")).map(str::to_string) {
                println!("{name} is listening on {addr} (pid {pid})");
                return Ok(Server { name: name.to_string(), guard, pid, addr, log: log.to_path_buf(), load_cpu: None });
            }
            if let Some(status) = guard.try_wait()? {
                bail!("{name} exited ({status}) before listening:\n{}", tail(&text, 20));
            }
            if Instant::now() >= deadline {
                bail!("{name} did not print `Listening on` within 60 s:\n{}", tail(&text, 20));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Start the server on CPU `server_cpu` alone (`taskset -c`, from its first instruction), with
    /// wrk against it on `load_cpu`: the server then sizes itself for the one CPU it can use (one
    /// tokio worker, as on a one-core host) and the load generator never takes its CPU.
    pub(super) fn start_pinned(
        name: &str,
        cmd: Command,
        log: &Path,
        server_cpu: usize,
        load_cpu: usize,
    ) -> Result<Server> {
        let mut server = Server::start(name, on_cpu(&cmd, server_cpu), log)?;
        server.load_cpu = Some(load_cpu);
        Ok(server)
    }

    pub(super) fn memory(&self) -> Result<Memory> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid))
            .with_context(|| format!("reading /proc/{}/status of {}", self.pid, self.name))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .with_context(|| format!("no {name} in /proc/{}/status", self.pid))
        };
        Ok(Memory {
            rss_kb: field("VmRSS:")?,
            hwm_kb: field("VmHWM:")?,
            anon_kb: field("RssAnon:")?,
            file_kb: field("RssFile:")?,
            threads: field("Threads:")?,
        })
    }

    /// A numeric field of /proc/PID/stat, counted from the one after `(comm)` (0 = state).
    fn stat_field(&self, index: usize) -> Result<u64> {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .with_context(|| format!("reading /proc/{}/stat of {}", self.pid, self.name))?;
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        rest.split_whitespace()
            .nth(index)
            .and_then(|v| v.parse::<u64>().ok())
            .with_context(|| format!("no field {index} after (comm) in /proc/{}/stat", self.pid))
    }

    /// User + system CPU time the process has used so far.
    pub(super) fn cpu_seconds(&self) -> Result<f64> {
        // utime and stime are fields 14 and 15 of /proc/PID/stat (11 and 12 after the comm).
        Ok((self.stat_field(11)? + self.stat_field(12)?) as f64 / clock_ticks())
    }

    pub(super) fn stop(&mut self) -> Result<()> {
        match self.guard.terminate(Duration::from_secs(10))? {
            Some((status, took)) => println!("stopped {} ({status}, {:.1}s)", self.name, took.as_secs_f64()),
            None => println!("{} ignored SIGTERM for 10 s and was killed (log: {})", self.name, rel(&self.log)),
        }
        Ok(())
    }
}

/// `cmd` run by `taskset -c CPU`: the same program, arguments, environment and directory.
fn on_cpu(cmd: &Command, cpu: usize) -> Command {
    let mut pinned = Command::new("taskset");
    pinned.args(["-c", &cpu.to_string()]).arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => pinned.env(key, v),
            None => pinned.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        pinned.current_dir(dir);
    }
    pinned
}

/// `getconf CLK_TCK` (100 on Linux), the unit of the times in /proc/PID/stat.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(100.0)
    })
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

pub(super) fn mcp_headers(session: Option<&str>) -> Vec<(&str, &str)> {
    let mut h = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", PROTOCOL),
    ];
    if let Some(s) = session {
        h.push(("Mcp-Session-Id", s));
    }
    h
}

fn call_body(id: u64, well: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"query_drilling_data","arguments":{{"well_id":"{well}","limit":{LIMIT}}}}}}}"#
    )
}

/// A few real calls, each checked: proves the server answers correctly before it is measured.
/// The JSON-RPC reply of a `tools/call` of `tool`, checked: HTTP 200, no JSON-RPC error, no
/// `isError` result.
pub(super) fn tool_result(reply: &http::Response, tool: &str) -> Result<Value> {
    ensure!(reply.status == 200, "{tool} answered {}: {}", reply.status, reply.body);
    let v: Value = serde_json::from_str(reply.json_text()).with_context(|| format!("{tool} reply: {}", reply.body))?;
    ensure!(v.get("error").is_none(), "{tool} failed: {}", reply.body);
    ensure!(
        v.pointer("/result/isError") != Some(&Value::Bool(true)),
        "{tool} returned an error result: {}",
        reply.body
    );
    Ok(v)
}

/// How many items the array at `pointer` (RFC 6901) of `v` has; 0 when there is none.
pub(super) fn items_at(v: &Value, pointer: &str) -> usize {
    v.pointer(pointer).and_then(Value::as_array).map_or(0, Vec::len)
}

pub(super) fn warm_up_mcp(addr: &str, session: Option<&str>, wells: u64) -> Result<()> {
    for i in 1..=20u64 {
        let well = format!("SD-{:04}", (i * 37) % wells + 1);
        let reply = http::post(addr, "/mcp", &mcp_headers(session), &call_body(i, &well), Duration::from_secs(30))?;
        let v = tool_result(&reply, "query_drilling_data")?;
        let rows = items_at(&v, "/result/structuredContent/items");
        ensure!(rows == LIMIT as usize, "expected {LIMIT} reports for {well}, got {rows}: {}", reply.body);
    }
    Ok(())
}

/// `initialize` + `notifications/initialized`; returns the session id.
pub(super) fn open_session(addr: &str) -> Result<String> {
    let init = format!(
        r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{"protocolVersion":"{PROTOCOL}","capabilities":{{}},"clientInfo":{{"name":"xtask-bench","version":"1"}}}}}}"#
    );
    let headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];
    let reply = http::post(addr, "/mcp", &headers, &init, Duration::from_secs(30))?;
    ensure!(reply.status == 200, "initialize answered {}: {}", reply.status, reply.body);
    let session = reply.header("mcp-session-id").context("initialize reply without Mcp-Session-Id")?.to_string();
    let v: Value =
        serde_json::from_str(reply.json_text()).with_context(|| format!("initialize reply: {}", reply.body))?;
    ensure!(v.pointer("/result/serverInfo").is_some(), "initialize failed: {}", reply.body);
    let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let reply = http::post(addr, "/mcp", &mcp_headers(Some(&session)), note, Duration::from_secs(30))?;
    ensure!(reply.status == 202 || reply.status == 200, "notifications/initialized answered {}", reply.status);
    println!("session {session} initialized");
    Ok(session)
}
