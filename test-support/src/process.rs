//! Running a server binary as a child process: a guard that never leaves it running
//! ([`ChildGuard`]), the `Listening on <url>` line a server prints once it accepts connections
//! ([`listening_url`]), and the test harness built on both ([`ServerProcess`]).
//!
//! xtask compiles this same file as its `process` module (`#[path]` in xtask/src/main.rs), so it
//! uses std and `anyhow` only.

use std::io::{self, BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

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

/// The `http://HOST:PORT` of a `Listening on http://...` log line (anywhere in the line, colours
/// and a trailing `/`, punctuation or remark ignored); `None` for any other line, such as
/// `Listening on stdio`.
pub fn listening_url(line: &str) -> Option<String> {
    const MARK: &str = "Listening on ";
    let line = strip_ansi(line);
    let rest = &line[line.find(MARK)? + MARK.len()..];
    let url = rest.split_whitespace().next()?.trim_end_matches(['/', ',', '.', '"', '\'']);
    url.starts_with("http://").then(|| url.to_string())
}

/// Owns a child process; kills (SIGKILL) and reaps it on drop unless it already exited.
pub struct ChildGuard {
    child: Child,
    name: String,
    exited: Option<ExitStatus>,
}

impl ChildGuard {
    /// Guard `child`; `name` is for messages.
    pub fn new(child: Child, name: impl Into<String>) -> Self {
        Self { child, name: name.into(), exited: None }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The child itself, e.g. to take its pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Its exit status if it exited (remembered once seen).
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.exited.is_none() {
            self.exited = self
                .child
                .try_wait()
                .map_err(|e| io::Error::new(e.kind(), format!("waiting for {}: {e}", self.name)))?;
        }
        Ok(self.exited)
    }

    /// Wait at most `timeout` for the child to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Ask the child to stop (SIGTERM on unix) and wait at most `grace`. Returns its exit status
    /// and how long it took, or `None` if it had to be killed.
    pub fn terminate(&mut self, grace: Duration) -> io::Result<Option<(ExitStatus, Duration)>> {
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
            eprintln!("stopping {} (pid {})", self.name, self.child.id());
            self.kill();
        }
    }
}

#[cfg(unix)]
fn send_sigterm(child: &mut Child) -> io::Result<()> {
    // std has no signal API and the workspace forbids unsafe code: use kill(1).
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).stdin(Stdio::null()).status()?;
    if !status.success() {
        return Err(io::Error::other(format!("kill -TERM {} failed: {status}", child.id())));
    }
    Ok(())
}

#[cfg(not(unix))]
fn send_sigterm(child: &mut Child) -> io::Result<()> {
    child.kill()
}

/// How long [`ServerProcess::start`] waits for the `Listening on` line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server process, killed on drop.
pub struct ServerProcess {
    guard: ChildGuard,
    /// `http://127.0.0.1:PORT` from the `Listening on` line.
    pub base_url: String,
    /// Every stderr line so far is forwarded here.
    stderr: mpsc::Receiver<String>,
    /// Lines already read from stderr.
    pub log: Vec<String>,
}

impl ServerProcess {
    /// Spawn `command` (stderr piped) and wait up to 60 s for `Listening on <url>`.
    pub fn start(mut command: Command) -> Result<Self> {
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let child = command.spawn().context("spawning server")?;
        let mut guard = ChildGuard::new(child, format!("{:?}", command.get_program()));
        let stderr = guard.child_mut().stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut me = Self { guard, base_url: String::new(), stderr: rx, log: Vec::new() };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while Instant::now() < deadline {
            match me.stderr.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let url = listening_url(&line);
                    me.log.push(line);
                    if let Some(url) = url {
                        me.base_url = url;
                        return Ok(me);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = me.guard.try_wait().ok().flatten() {
                        return Err(anyhow!("server exited with {status} before listening:\n{}", me.log.join("\n")));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stderr closed: the server is exiting; report how it ended.
                    let status = me.guard.wait_timeout(Duration::from_secs(10)).ok().flatten();
                    let how = status.map_or_else(|| "closed its stderr".to_owned(), |s| format!("exited with {s}"));
                    return Err(anyhow!("server {how} before listening:\n{}", me.log.join("\n")));
                }
            }
        }
        Err(anyhow!("server did not print `Listening on` within 60 s:\n{}", me.log.join("\n")))
    }

    /// Drain stderr lines received so far into `log` and return them all.
    pub fn logs(&mut self) -> &[String] {
        while let Ok(line) = self.stderr.try_recv() {
            self.log.push(line);
        }
        &self.log
    }

    /// Send SIGTERM and wait up to `timeout` for the exit code (`None`: ended by a signal). A
    /// server still running then is killed, and that is an error.
    pub fn terminate(&mut self, timeout: Duration) -> Result<Option<i32>> {
        match self.guard.terminate(timeout)? {
            Some((status, _)) => Ok(status.code()),
            None => Err(anyhow!("server did not exit within {timeout:?} after SIGTERM (killed)")),
        }
    }
}

/// Run a command to completion with a timeout; returns (exit code, stdout, stderr).
pub fn run_to_end(mut command: Command, timeout: Duration) -> Result<(Option<i32>, String, String)> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().context("spawning command")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx.recv_timeout(timeout).map_err(|_| anyhow!("command did not finish within {timeout:?}"))??;
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
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
        assert_eq!(strip_ansi("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{7} plain"), "link plain");
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn finds_the_listening_url() {
        assert_eq!(listening_url("Listening on http://127.0.0.1:4321"), Some("http://127.0.0.1:4321".into()));
        assert_eq!(
            listening_url("2025-01-01T00:00:00Z  INFO mcp_core: Listening on http://127.0.0.1:4321"),
            Some("http://127.0.0.1:4321".into())
        );
        assert_eq!(
            listening_url("\u{1b}[32mINFO\u{1b}[0m Listening on \u{1b}[1mhttp://127.0.0.1:1/\u{1b}[0m (sse at /sse)"),
            Some("http://127.0.0.1:1".into())
        );
        assert_eq!(listening_url("Listening on http://[::1]:8080."), Some("http://[::1]:8080".into()));
        assert_eq!(listening_url("Listening on stdio"), None);
        assert_eq!(listening_url("Listening on "), None);
        assert_eq!(listening_url("starting"), None);
    }

    #[cfg(unix)]
    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[cfg(unix)]
    fn alive(pid: u32) -> bool {
        // A reaped process has no /proc entry; a zombie would still have one, so the guard reaps.
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    }

    #[cfg(unix)]
    #[test]
    fn the_guard_kills_and_reaps_a_running_child_on_drop() {
        let guard = ChildGuard::new(sh("exec sleep 30").spawn().unwrap(), "sleep");
        let pid = guard.id();
        assert!(alive(pid));
        drop(guard);
        assert!(!alive(pid));
    }

    #[cfg(unix)]
    #[test]
    fn terminate_waits_for_the_exit_and_kills_a_child_that_ignores_sigterm() {
        let mut polite = ChildGuard::new(sh("trap 'kill $!; exit 3' TERM; sleep 30 & wait").spawn().unwrap(), "polite");
        std::thread::sleep(Duration::from_millis(200)); // let the shell set its trap
        assert_eq!(polite.wait_timeout(Duration::from_millis(50)).unwrap(), None);
        let (status, took) = polite.terminate(Duration::from_secs(10)).unwrap().unwrap();
        assert_eq!(status.code(), Some(3));
        assert!(took < Duration::from_secs(10));
        assert_eq!(polite.terminate(Duration::from_secs(1)).unwrap().map(|(s, _)| s.code()), Some(Some(3)));

        // `read` is a builtin: the shell is the only process, waiting on a pipe nobody writes.
        let stubborn = sh("trap '' TERM; read line").stdin(Stdio::piped()).spawn().unwrap();
        let mut stubborn = ChildGuard::new(stubborn, "stubborn");
        std::thread::sleep(Duration::from_millis(200));
        let pid = stubborn.id();
        assert!(stubborn.terminate(Duration::from_millis(300)).unwrap().is_none());
        assert!(!alive(pid));
    }

    #[cfg(unix)]
    #[test]
    fn server_process_reads_the_url_and_reports_an_early_exit() {
        let mut server =
            ServerProcess::start(sh("echo starting >&2; echo 'Listening on http://127.0.0.1:9' >&2; exec sleep 30"))
                .unwrap();
        assert_eq!(server.base_url, "http://127.0.0.1:9");
        assert_eq!(server.logs(), ["starting", "Listening on http://127.0.0.1:9"]);
        assert_eq!(server.terminate(Duration::from_secs(10)).unwrap(), None, "sleep ends by the signal");

        let err = ServerProcess::start(sh("echo 'no database' >&2; exit 64")).err().unwrap();
        let err = format!("{err:#}");
        assert!(err.contains("exit status: 64") && err.contains("no database"), "{err}");
    }
}
