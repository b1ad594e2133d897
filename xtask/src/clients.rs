//! `cargo xtask clients` (the official Python SDK as a client, over stdio, SSE and Streamable
//! HTTP) and `cargo xtask conformance` (the official conformance suite over Streamable HTTP).

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::{ChildGuard, listening_url, strip_ansi};
use crate::setup::{self, Tools};
use crate::spec::{Standin, Target, Transport};
use crate::util::{Counts, Line, cargo, display, rel, root, run, run_streaming, target_dir};

/// How long a server may take to print its `Listening on` line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to exit after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Upper bound for one run of the Python checker (it has its own, shorter, overall timeout).
const CHECK_TIMEOUT: Duration = Duration::from_secs(180);
/// Upper bound for one run of the conformance suite.
const CONFORMANCE_TIMEOUT: Duration = Duration::from_secs(600);

/// Fixture scenarios that some servers pass without having the fixture: the two tool ones on a
/// server answering unknown tools with an isError result, completion-complete on one answering
/// any completion/complete with an empty list. A pass is reported, never counted as evidence.
const VACUOUS: [&str; 3] = ["tools-call-simple-text", "tools-call-error", "completion-complete"];

#[derive(Clone, Debug)]
pub struct Options {
    pub release: bool,
    pub build: bool,
    /// Restrict to these transports (default: the spec's list).
    pub transports: Option<Vec<Transport>>,
}

impl Default for Options {
    fn default() -> Self {
        Self { release: false, build: true, transports: None }
    }
}

fn pass(tag: &str, what: &str, detail: &str) -> Counts {
    if detail.is_empty() {
        println!("PASS [{tag}] {what}");
    } else {
        println!("PASS [{tag}] {what} ({detail})");
    }
    Counts { passed: 1, failed: 0 }
}

fn fail(tag: &str, what: &str, reason: &str) -> Counts {
    println!("FAIL [{tag}] {what}: {reason}");
    Counts { passed: 0, failed: 1 }
}

/// Build the target's stand-in example (if it has one) and return its executable.
fn prepare_standin(target: &Target, opts: &Options) -> Result<Option<PathBuf>> {
    let Some(standin) = &target.standin else { return Ok(None) };
    if opts.build {
        let mut cmd = cargo();
        cmd.args(["build", "-p", "test-support", "--example", &standin.example]);
        if opts.release {
            cmd.arg("--release");
        }
        run(&mut cmd)?;
    }
    let exe = target_dir().join(if opts.release { "release" } else { "debug" }).join("examples").join(format!(
        "{}{}",
        standin.example,
        std::env::consts::EXE_SUFFIX
    ));
    if !exe.is_file() {
        bail!("{} does not exist (build it, or drop --no-build)", rel(&exe));
    }
    Ok(Some(exe))
}

/// Start the target's stand-in for one run (in `dir`), if it has one: the stand-in and its URL.
fn start_standin(standin: Option<(&Standin, &PathBuf)>, dir: &Path, tag: &str) -> Result<Option<Server>> {
    let Some((standin, exe)) = standin else { return Ok(None) };
    let log = dir.join("standin.log");
    let args = expand_args(&standin.args, dir);
    Server::start_reading(exe, &args, &[], &log, &format!("{tag} stand-in"), Stream::Stdout).map(Some)
}

/// The server's environment for one run: `{tmp}` and `{standin_url}` replaced.
fn server_env(target: &Target, dir: &Path, standin: Option<&Server>) -> Vec<(String, String)> {
    let tmp = dir.join("tmp").display().to_string();
    let url = standin.map(|s| s.url.trim_end_matches('/').to_owned()).unwrap_or_default();
    target.env.iter().map(|(k, v)| (k.clone(), v.replace("{tmp}", &tmp).replace("{standin_url}", &url))).collect()
}

/// Build the target's binary (if it has one) and return the program + leading arguments.
fn prepare(target: &Target, tools: &Tools, opts: &Options) -> Result<(PathBuf, Vec<String>)> {
    if let Some(script) = &target.script {
        return Ok((tools.python.clone(), vec![script.display().to_string()]));
    }
    let (Some(package), Some(bin)) = (&target.package, &target.bin) else {
        bail!("{}: no crate/bin to run", rel(&target.spec));
    };
    if opts.build {
        let mut cmd = cargo();
        cmd.args(["build", "-p", package, "--bin", bin]);
        if opts.release {
            cmd.arg("--release");
        }
        run(&mut cmd)?;
    }
    let exe = target_dir()
        .join(if opts.release { "release" } else { "debug" })
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !exe.is_file() {
        bail!("{} does not exist (build it, or drop --no-build)", rel(&exe));
    }
    Ok((exe, Vec::new()))
}

/// A fresh per-run directory under `target/xtask/<label>/<run>`.
fn run_dir(label: &str, run: &str) -> Result<PathBuf> {
    let dir = target_dir().join("xtask").join(label).join(run);
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    fs::create_dir_all(dir.join("tmp")).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn expand_args(args: &[String], dir: &Path) -> Vec<String> {
    let tmp = dir.join("tmp").display().to_string();
    args.iter().map(|a| a.replace("{tmp}", &tmp)).collect()
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    if all.is_empty() {
        return "    | (empty)".to_string();
    }
    let tail = &all[all.len().saturating_sub(lines)..];
    tail.iter().map(|l| format!("    | {l}")).collect::<Vec<_>>().join("\n")
}

/// Where a process prints its `Listening on` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A server started over HTTP on port 0; killed on drop unless stopped.
pub struct Server {
    guard: ChildGuard,
    pub url: String,
    pub log: PathBuf,
}

impl Server {
    /// Start `program args` with `env`, wait (bounded) for its `Listening on` line on stderr.
    pub fn start(program: &Path, args: &[String], env: &[(String, String)], log: &Path, name: &str) -> Result<Server> {
        Server::start_reading(program, args, env, log, name, Stream::Stderr)
    }

    /// [`Server::start`], waiting for the line on `stream` (the other one goes to the log).
    pub fn start_reading(
        program: &Path,
        args: &[String],
        env: &[(String, String)],
        log: &Path,
        name: &str,
        stream: Stream,
    ) -> Result<Server> {
        let log_file = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = Command::new(program);
        cmd.args(args).current_dir(root()).stdin(Stdio::null());
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        match stream {
            Stream::Stderr => cmd.stdout(log_file.try_clone()?).stderr(Stdio::piped()),
            Stream::Stdout => cmd.stdout(Stdio::piped()).stderr(log_file.try_clone()?),
        };
        println!("$ {}", display(&cmd));
        let child = cmd.spawn().with_context(|| format!("failed to start {}", display(&cmd)))?;
        let mut guard = ChildGuard::new(child, name);
        let stderr: Box<dyn std::io::Read + Send> = match stream {
            Stream::Stderr => Box::new(guard.child_mut().stderr.take().context("no stderr pipe")?),
            Stream::Stdout => Box::new(guard.child_mut().stdout.take().context("no stdout pipe")?),
        };
        let (tx, rx) = mpsc::channel::<String>();
        // Keeps draining stderr into the log for the server's whole life (a full pipe would block it).
        thread::spawn(move || {
            let mut log_file = log_file;
            let mut reader = BufReader::new(stderr);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let _ = log_file.write_all(&buf);
                        let _ = tx.send(String::from_utf8_lossy(&buf).trim_end().to_string());
                    }
                }
            }
        });
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    if let Some(url) = listening_url(&line) {
                        return Ok(Server { guard, url, log: log.to_path_buf() });
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stderr closed: the server is exiting.
                    let status = guard.wait_timeout(Duration::from_secs(2))?;
                    bail!(
                        "{name} exited ({}) before printing `Listening on http://...`; log {}:\n{}",
                        status.map_or("still running".into(), |s| s.to_string()),
                        rel(log),
                        log_tail(log, 30)
                    );
                }
            }
            if let Some(status) = guard.try_wait()? {
                thread::sleep(Duration::from_millis(200)); // let the log catch up
                bail!(
                    "{name} exited ({status}) before printing `Listening on http://...`; log {}:\n{}",
                    rel(log),
                    log_tail(log, 30)
                );
            }
            if Instant::now() >= deadline {
                guard.kill();
                bail!(
                    "{name} printed no `Listening on http://...` line within {}s; log {}:\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    rel(log),
                    log_tail(log, 30)
                );
            }
        }
    }

    /// SIGTERM, then require exit status 0 within the grace period.
    pub fn stop(mut self) -> Result<Duration> {
        match self.guard.terminate(SHUTDOWN_GRACE)? {
            Some((status, took)) if status.success() => Ok(took),
            Some((status, _)) => bail!("exited with {status} after SIGTERM; log {}", rel(&self.log)),
            None => bail!("still running {}s after SIGTERM (killed); log {}", SHUTDOWN_GRACE.as_secs(), rel(&self.log)),
        }
    }

    /// True if it already exited (crashed).
    pub fn exited(&mut self) -> bool {
        !matches!(self.guard.try_wait(), Ok(None))
    }
}

/// Run `check_server.py` and tally its PASS/FAIL lines.
fn run_checker(tools: &Tools, tag: &str, args: Vec<OsString>) -> Result<Counts> {
    let script = root().join("tests/clients/check_server.py");
    let mut cmd = Command::new(&tools.python);
    cmd.arg(&script).args(args).current_dir(root()).env("PYTHONUNBUFFERED", "1");
    println!("$ {}", display(&cmd));
    let mut counts = Counts::default();
    let status = run_streaming(&mut cmd, CHECK_TIMEOUT, |line| match line {
        Line::Out(text) => {
            if text.starts_with("PASS ") {
                counts.passed += 1;
            } else if text.starts_with("FAIL ") {
                counts.failed += 1;
            } else if text.starts_with("checks: ") {
                return; // xtask prints the overall tally
            }
            println!("{text}");
        }
        Line::Err(text) => eprintln!("    {text}"),
    })?;
    match status {
        None => counts.add(fail(tag, "client", &format!("timed out after {}s (killed)", CHECK_TIMEOUT.as_secs()))),
        Some(s) if !s.success() && counts.failed == 0 => {
            counts.add(fail(tag, "client", &format!("check_server.py exited with {s}")))
        }
        Some(_) => {}
    }
    Ok(counts)
}

/// `cargo xtask clients` for one target. Failures are counted, not returned as errors
/// (only a broken setup is an error).
pub fn clients(target: &Target, opts: &Options) -> Result<Counts> {
    let transports: Vec<Transport> = match &opts.transports {
        Some(only) => target.transports.iter().copied().filter(|t| only.contains(t)).collect(),
        None => target.transports.clone(),
    };
    let names: Vec<&str> = transports.iter().map(|t| t.name()).collect();
    println!("--- clients: {} over {} (spec {})", target.label, names.join(", "), rel(&target.spec));
    let tools = setup::ensure()?;
    let (program, lead) = prepare(target, &tools, opts)?;
    let standin_exe = prepare_standin(target, opts)?;
    let standin_spec = target.standin.as_ref().zip(standin_exe.as_ref());
    let mut counts = Counts::default();
    for transport in transports {
        let tag = format!("{}/{}", target.label, transport);
        let dir = run_dir(&target.label, transport.name())?;
        // A fresh stand-in per transport, so each run starts from the same upstream state.
        let standin = match start_standin(standin_spec, &dir, &tag) {
            Ok(s) => s,
            Err(e) => {
                counts.add(fail(&tag, "stand-in start", &format!("{e:#}")));
                continue;
            }
        };
        if let Some(s) = &standin {
            counts.add(pass(&tag, "stand-in start", &s.url));
        }
        let env = server_env(target, &dir, standin.as_ref());
        let mut server_args = lead.clone();
        server_args.extend(expand_args(&target.args, &dir));
        server_args.extend(transport.server_args());
        let mut args: Vec<OsString> =
            vec!["--transport".into(), transport_client(transport).into(), "--tag".into(), tag.clone().into()];
        args.push("--spec".into());
        args.push(target.spec.clone().into());
        if transport == Transport::Stdio {
            let log = dir.join("server.log");
            args.push("--command".into());
            args.push(program.clone().into());
            args.extend(server_args.iter().map(|a| OsString::from(format!("--arg={a}"))));
            args.push("--cwd".into());
            args.push(root().into());
            args.push("--server-log".into());
            args.push(log.clone().into());
            args.extend(env.iter().map(|(k, v)| OsString::from(format!("--env={k}={v}"))));
            let c = run_checker(&tools, &tag, args)?;
            if c.failed > 0 {
                println!("    server log {}:\n{}", rel(&log), log_tail(&log, 20));
            }
            counts.add(c);
            counts.add(stop_standin(standin, &tag));
            continue;
        }
        let log = dir.join("server.log");
        let name = format!("{} ({transport})", target.label);
        let mut server = match Server::start(&program, &server_args, &env, &log, &name) {
            Ok(server) => server,
            Err(e) => {
                counts.add(fail(&tag, "server start", &format!("{e:#}")));
                counts.add(stop_standin(standin, &tag));
                continue;
            }
        };
        counts.add(pass(&tag, "server start", &server.url));
        let path = if transport == Transport::Sse { "/sse" } else { "/mcp" };
        args.push("--url".into());
        args.push(format!("{}{path}", server.url).into());
        let c = run_checker(&tools, &tag, args)?;
        if server.exited() {
            counts.add(fail(&tag, "server alive after the checks", &format!("it exited; log {}", rel(&log))));
        }
        match server.stop() {
            Ok(took) => counts.add(pass(&tag, "SIGTERM: exit 0", &format!("{} ms", took.as_millis()))),
            Err(e) => counts.add(fail(&tag, "SIGTERM: exit 0", &format!("{e:#}"))),
        }
        if c.failed > 0 {
            println!("    server log {}:\n{}", rel(&log), log_tail(&log, 20));
        }
        counts.add(c);
        counts.add(stop_standin(standin, &tag));
    }
    println!("--- clients {}: {} passed, {} failed", target.label, counts.passed, counts.failed);
    Ok(counts)
}

/// Stop a run's stand-in (SIGTERM, exit 0); nothing to count without one.
fn stop_standin(standin: Option<Server>, tag: &str) -> Counts {
    let Some(s) = standin else { return Counts::default() };
    let log = s.log.clone();
    match s.stop() {
        Ok(_) => Counts::default(),
        Err(e) => fail(tag, "stand-in: exit 0 on SIGTERM", &format!("{e:#}; log {}", rel(&log))),
    }
}

fn transport_client(t: Transport) -> &'static str {
    match t {
        Transport::Stdio => "stdio",
        Transport::Sse => "sse",
        Transport::Http | Transport::HttpStateless => "http",
    }
}

/// An expected-failures file of the conformance suite: scenario names per side (only the
/// server side is ours; any other key is the suite's business).
#[derive(Debug, serde::Deserialize)]
struct Baseline {
    #[serde(default)]
    server: Vec<String>,
}

/// Scenario names listed under `server:` in the expected-failures YAML.
fn read_baseline(path: &Path) -> Result<Vec<String>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_baseline(&text).with_context(|| format!("in {}", path.display()))
}

fn parse_baseline(text: &str) -> Result<Vec<String>> {
    Ok(serde_yaml_ng::from_str::<Option<Baseline>>(text)?.map_or_else(Vec::new, |b| b.server))
}

/// `✓ name: 1 passed, 0 failed` / `✗ name: ...` lines of the suite's summary.
fn parse_summary(lines: &[String]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut in_summary = false;
    for line in lines {
        let line = strip_ansi(line);
        let line = line.trim();
        if line.contains("=== SUMMARY ===") {
            in_summary = true;
            continue;
        }
        if !in_summary {
            continue;
        }
        let (ok, rest) = if let Some(rest) = line.strip_prefix('✓') {
            (true, rest)
        } else if let Some(rest) = line.strip_prefix('✗') {
            (false, rest)
        } else {
            continue;
        };
        if let Some((name, _)) = rest.trim().split_once(':') {
            out.push((name.trim().to_string(), ok));
        }
    }
    out
}

/// The `errorMessage` strings of a scenario's `checks.json` files, newlines as spaces.
fn error_messages(out_dir: &Path, scenario: &str) -> Vec<String> {
    let prefix = format!("server-{scenario}-");
    let Ok(entries) = fs::read_dir(out_dir) else { return Vec::new() };
    let mut messages = Vec::new();
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let Ok(text) = fs::read_to_string(entry.path().join("checks.json")) else { continue };
        if let Ok(checks) = serde_json::from_str::<serde_json::Value>(&text) {
            collect_error_messages(&checks, &mut messages);
        }
    }
    messages
}

/// Every string under an `errorMessage` key, at any depth of `v`.
fn collect_error_messages(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_error_messages(item, out)),
        serde_json::Value::Object(members) => {
            for (key, value) in members {
                match value {
                    serde_json::Value::String(msg) if key == "errorMessage" => out.push(msg.replace('\n', " ")),
                    _ => collect_error_messages(value, out),
                }
            }
        }
        _ => {}
    }
}

/// `cargo xtask conformance` for one target.
pub fn conformance(target: &Target, opts: &Options) -> Result<Counts> {
    println!("--- conformance: {} (Streamable HTTP)", target.label);
    let tools = setup::ensure()?;
    let (program, lead) = prepare(target, &tools, opts)?;
    let standin_exe = prepare_standin(target, opts)?;
    let baseline_path = target.conformance_baseline.clone();
    let baseline = read_baseline(&baseline_path)?;
    let dir = run_dir(&target.label, "conformance")?;
    let out_dir = target_dir().join("conformance").join(&target.label);
    if out_dir.exists() {
        fs::remove_dir_all(&out_dir).with_context(|| format!("clearing {}", out_dir.display()))?;
    }
    fs::create_dir_all(&out_dir)?;

    let tag = format!("{}/conformance", target.label);
    let mut counts = Counts::default();
    let mut server_args = lead;
    server_args.extend(expand_args(&target.args, &dir));
    server_args.extend(Transport::Http.server_args());
    let standin = match start_standin(target.standin.as_ref().zip(standin_exe.as_ref()), &dir, &tag) {
        Ok(s) => s,
        Err(e) => return Ok(fail(&tag, "stand-in start", &format!("{e:#}"))),
    };
    let env = server_env(target, &dir, standin.as_ref());
    let log = dir.join("server.log");
    let mut server = match Server::start(&program, &server_args, &env, &log, &format!("{} (conformance)", target.label))
    {
        Ok(server) => server,
        Err(e) => {
            let mut c = fail(&tag, "server start", &format!("{e:#}"));
            c.add(stop_standin(standin, &tag));
            return Ok(c);
        }
    };

    let mut cmd = Command::new(&tools.node);
    cmd.arg(&tools.conformance)
        .args(["server", "--url"])
        .arg(format!("{}/mcp", server.url))
        .arg("--expected-failures")
        .arg(&baseline_path)
        .arg("-o")
        .arg(&out_dir)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0");
    println!("$ {}", display(&cmd));
    let mut lines = Vec::new();
    let status = run_streaming(&mut cmd, CONFORMANCE_TIMEOUT, |line| lines.push(line.text().to_string()))?;
    let output_path = out_dir.join("output.txt");
    fs::write(&output_path, lines.join("\n") + "\n")?;

    if server.exited() {
        counts.add(fail(&tag, "server alive after the suite", &format!("it exited; log {}", rel(&log))));
    }
    match server.stop() {
        Ok(took) => counts.add(pass(&tag, "SIGTERM: exit 0", &format!("{} ms", took.as_millis()))),
        Err(e) => counts.add(fail(&tag, "SIGTERM: exit 0", &format!("{e:#}"))),
    }
    counts.add(stop_standin(standin, &tag));

    let scenarios = parse_summary(&lines);
    let (mut expected, mut vacuous) = (0, 0);
    for (name, ok) in &scenarios {
        let listed = baseline.contains(name);
        match (ok, listed) {
            (true, false) if VACUOUS.contains(&name.as_str()) => {
                vacuous += 1;
                println!("VACUOUS [{tag}] {name} (passes without the suite's fixture; not evidence, not counted)");
            }
            (true, false) => counts.add(pass(&tag, name, "")),
            (false, true) => {
                expected += 1;
                println!("XFAIL [{tag}] {name} (fixture scenario, listed in {})", rel(&baseline_path));
            }
            (false, false) => {
                let why = error_messages(&out_dir, name).join("; ");
                counts.add(fail(&tag, name, if why.is_empty() { "failed" } else { &why }));
            }
            (true, true) => counts.add(fail(
                &tag,
                name,
                &format!("passes but is listed as an expected failure: remove it from {}", rel(&baseline_path)),
            )),
        }
    }
    let missing: Vec<&String> = baseline.iter().filter(|b| !scenarios.iter().any(|(n, _)| n == *b)).collect();
    if !scenarios.is_empty() && !missing.is_empty() {
        println!("note: baseline entries the suite did not run: {missing:?}");
    }
    let suite_failed = match status {
        None => Some(format!("timed out after {}s", CONFORMANCE_TIMEOUT.as_secs())),
        Some(s) if !s.success() => Some(format!("exited with {s}")),
        Some(_) => None,
    };
    if scenarios.is_empty() || (suite_failed.is_some() && counts.failed == 0) {
        let tail: Vec<&String> = lines.iter().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
        for l in tail {
            println!("    | {l}");
        }
        counts.add(fail(
            &tag,
            "suite",
            &format!(
                "{} ({} scenarios parsed); full output {}",
                suite_failed.as_deref().unwrap_or("no summary"),
                scenarios.len(),
                rel(&output_path)
            ),
        ));
    }
    println!(
        "--- conformance {}: {} scenarios, {expected} expected failures (fixture), {vacuous} vacuous; results in {}",
        target.label,
        scenarios.len(),
        rel(&out_dir)
    );
    println!("--- conformance {}: {} passed, {} failed", target.label, counts.passed, counts.failed);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_baselines_list_only_fixture_scenarios() {
        for file in ["conformance-expected-failures.yml", "conformance-expected-failures.reference.yml"] {
            let names = read_baseline(&root().join("tests/clients").join(file)).expect("baseline");
            assert!(names.len() >= 19, "{file}: {names:?}");
            assert!(names.contains(&"tools-call-image".to_string()));
            for meaningful in [
                "server-initialize",
                "ping",
                "logging-set-level",
                "tools-list",
                "resources-list",
                "prompts-list",
                "server-sse-multiple-streams",
                "dns-rebinding-protection",
            ] {
                assert!(!names.iter().any(|n| n == meaningful), "{file}: {meaningful} must not be an expected failure");
            }
        }
    }

    #[test]
    fn finds_the_error_messages_of_a_scenario() {
        let dir = std::env::temp_dir().join(format!("xtask-checks-{}", std::process::id()));
        let write = |sub: &str, text: &str| {
            fs::create_dir_all(dir.join(sub)).unwrap();
            fs::write(dir.join(sub).join("checks.json"), text).unwrap();
        };
        write(
            "server-ping-2025",
            r#"[{"id": "a", "status": "FAILURE", "errorMessage": "no\nreply"},
                {"id": "b", "status": "SUCCESS", "details": {"errorMessage": "nested"}}]"#,
        );
        write("server-ping-2026", r#"{"checks": [{"errorMessage": "second run"}, {"errorMessage": 3}]}"#);
        write("server-pinged-2025", r#"[{"errorMessage": "another scenario"}]"#);
        write("server-tools-list-2025", "not json");
        let mut found = error_messages(&dir, "ping");
        found.sort();
        assert_eq!(found, ["nested", "no reply", "second run"]);
        assert!(error_messages(&dir, "tools-list").is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn baselines_list_the_server_side_only() {
        let text =
            "# note\nclient:\n  - auth-x\nserver:\n  # why\n  - tools-call-image\n  - \"prompts-get-x\"  # fixture\n";
        assert_eq!(parse_baseline(text).unwrap(), ["tools-call-image", "prompts-get-x"]);
        assert_eq!(parse_baseline("server: [a, b]\n").unwrap(), ["a", "b"]);
        assert!(parse_baseline("client: [a]\n").unwrap().is_empty());
        assert!(parse_baseline("# nothing listed\n").unwrap().is_empty());
        assert!(parse_baseline("server: ping\n").is_err());
    }

    #[test]
    fn parses_the_suite_summary() {
        let lines: Vec<String> = [
            "=== Running scenario: ping ===",
            "✓ not-in-summary: 1 passed, 0 failed",
            "=== SUMMARY ===",
            "✓ server-initialize: 1 passed, 0 failed",
            "\u{1b}[31m✗ logging-set-level: 0 passed, 1 failed\u{1b}[0m",
            "Total: 1 passed, 1 failed",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            parse_summary(&lines),
            vec![("server-initialize".to_string(), true), ("logging-set-level".to_string(), false)]
        );
    }
}
