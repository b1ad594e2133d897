//! Process helpers: command display and streaming capture with bounded waits (the child guard
//! that keeps a server from outliving a failed check is `crate::process::ChildGuard`).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ChildGuard;

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
    fn fnv_is_stable_and_separates_parts() {
        // FNV-1a 64 of known inputs (each part is followed by a NUL separator).
        assert_eq!(fnv1a(&[]), "cbf29ce484222325", "the offset basis");
        assert_eq!(fnv1a(&[b""]), "af63bd4c8601b7df", "one NUL byte");
        assert_eq!(fnv1a(&[b"a", b"b"]), fnv1a(&[b"a", b"b"]));
        assert_ne!(fnv1a(&[b"ab", b""]), fnv1a(&[b"a", b"b"]));
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(1536), "1.5 KiB");
    }
}
