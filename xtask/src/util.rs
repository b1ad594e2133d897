//! Process helpers: command display, streaming capture with bounded waits, and a guard that
//! kills a child process when dropped (so no server outlives a failed check).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { root().join(dir) }
        }
        None => root().join("target"),
    }
}

/// `cargo`, as the one running us (`$CARGO`) when there is one, run from the workspace root.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// True when running under CI (`CI=true` or `CI=1`).
pub fn is_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1" | "TRUE" | "True"))
}

/// A shell-like rendering of a command, for logs.
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![quote(cmd.get_program())];
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%{}".contains(c)) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Path relative to the workspace root, for messages.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// Run a command with inherited stdio; fail on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    println!("$ {}", display(cmd));
    let status = cmd.stdin(Stdio::null()).status().with_context(|| format!("failed to start {}", display(cmd)))?;
    if !status.success() {
        bail!("`{}` failed: {status}", display(cmd));
    }
    Ok(())
}

/// Run a command and return its stdout (trimmed); fail on a non-zero exit.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("failed to start {}", display(cmd)))?;
    if !out.status.success() {
        bail!("`{}` failed: {}", display(cmd), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Does `cmd` start and exit 0? (Output discarded.)
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Remove ANSI escape sequences (CSI and OSC) from a log line.
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                        chars.next_if_eq(&'\\');
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Owns a child process; kills (SIGKILL) and reaps it on drop unless it already exited.
pub struct ChildGuard {
    child: Child,
    name: String,
    exited: Option<ExitStatus>,
}

impl ChildGuard {
    pub fn new(child: Child, name: impl Into<String>) -> Self {
        Self { child, name: name.into(), exited: None }
    }

    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().with_context(|| format!("waiting for {}", self.name))?;
        }
        Ok(self.exited)
    }

    /// Wait at most `timeout` for the child to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Ask the child to stop (SIGTERM on unix) and wait at most `grace`. Returns its exit status
    /// and how long it took, or `None` if it had to be killed.
    pub fn terminate(&mut self, grace: Duration) -> Result<Option<(ExitStatus, Duration)>> {
        if let Some(status) = self.try_wait()? {
            return Ok(Some((status, Duration::ZERO)));
        }
        let start = Instant::now();
        send_sigterm(&mut self.child)?;
        match self.wait_timeout(grace)? {
            Some(status) => Ok(Some((status, start.elapsed()))),
            None => {
                self.kill();
                Ok(None)
            }
        }
    }

    /// Kill (SIGKILL) and reap.
    pub fn kill(&mut self) {
        if self.exited.is_none() {
            let _ = self.child.kill();
            self.exited = self.child.wait().ok();
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if matches!(self.try_wait(), Ok(None) | Err(_)) {
            eprintln!("xtask: stopping {} (pid {})", self.name, self.child.id());
            self.kill();
        }
    }
}

#[cfg(unix)]
fn send_sigterm(child: &mut Child) -> Result<()> {
    // std has no signal API and this crate forbids unsafe code: use kill(1).
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdin(Stdio::null())
        .status()
        .context("running kill -TERM")?;
    if !status.success() {
        bail!("kill -TERM {} failed: {status}", child.id());
    }
    Ok(())
}

#[cfg(not(unix))]
fn send_sigterm(child: &mut Child) -> Result<()> {
    child.kill().context("stopping child")
}

/// A line of output from a captured child.
pub enum Line {
    Out(String),
    Err(String),
}

impl Line {
    pub fn text(&self) -> &str {
        match self {
            Line::Out(s) | Line::Err(s) => s,
        }
    }
}

/// Forward each line read from `reader` as `wrap(line)` until EOF.
pub fn spawn_line_reader<R, F>(reader: R, tx: mpsc::Sender<Line>, wrap: F) -> thread::JoinHandle<()>
where
    R: Read + Send + 'static,
    F: Fn(String) -> Line + Send + 'static,
{
    thread::spawn(move || {
        let mut reader = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']).to_string();
                    if tx.send(wrap(line)).is_err() {
                        break;
                    }
                }
            }
        }
    })
}

/// Run `cmd` with stdout and stderr piped, handing every line to `on_line` as it arrives.
/// Returns the exit status, or `None` if `timeout` passed (the child is then killed).
pub fn run_streaming(
    cmd: &mut Command,
    timeout: Duration,
    mut on_line: impl FnMut(&Line),
) -> Result<Option<ExitStatus>> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("failed to start {}", display(cmd)))?;
    let mut guard = ChildGuard::new(child, display(cmd));
    let (tx, rx) = mpsc::channel();
    if let Some(out) = guard.child_mut().stdout.take() {
        spawn_line_reader(out, tx.clone(), Line::Out);
    }
    if let Some(err) = guard.child_mut().stderr.take() {
        spawn_line_reader(err, tx, Line::Err);
    }
    let deadline = Instant::now() + timeout;
    // Once the child has exited, grandchildren may still hold the pipes open: wait a little only.
    let mut drain_deadline: Option<Instant> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => on_line(&line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                if now >= deadline {
                    guard.kill();
                    return Ok(None);
                }
                if drain_deadline.is_none() && guard.try_wait()?.is_some() {
                    drain_deadline = Some(now + Duration::from_secs(2));
                }
                if drain_deadline.is_some_and(|d| now >= d) {
                    break;
                }
            }
        }
    }
    let remaining = deadline.saturating_duration_since(Instant::now());
    match guard.wait_timeout(remaining)? {
        Some(status) => Ok(Some(status)),
        None => {
            guard.kill();
            Ok(None)
        }
    }
}

/// 64-bit FNV-1a, for install stamps (not security relevant).
pub fn fnv1a(parts: &[&[u8]]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(b"\0") {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Human-readable byte size.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Pass/fail tallies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ansi_colours() {
        assert_eq!(
            strip_ansi("\u{1b}[2m2025\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m Listening on http://127.0.0.1:1"),
            "2025  INFO Listening on http://127.0.0.1:1"
        );
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn fnv_is_stable_and_separates_parts() {
        assert_eq!(fnv1a(&[b"a", b"b"]), fnv1a(&[b"a", b"b"]));
        assert_ne!(fnv1a(&[b"ab", b""]), fnv1a(&[b"a", b"b"]));
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
    }
}
