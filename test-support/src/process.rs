//! Running a server binary as a child process: wait for its `Listening on` line, stop it with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

/// A running server process, killed on drop.
pub struct ServerProcess {
    child: Option<Child>,
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
        let mut child = command.spawn().context("spawning server")?;
        let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut me = Self { child: Some(child), base_url: String::new(), stderr: rx, log: Vec::new() };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            match me.stderr.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("Listening on ") {
                        me.base_url = url.split_whitespace().next().unwrap_or_default().to_owned();
                        me.log.push(line);
                        return Ok(me);
                    }
                    me.log.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(status) = me.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                        return Err(anyhow!("server exited with {status} before listening:\n{}", me.log.join("\n")));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stderr closed: the server is exiting; report how it ended.
                    let status = me.child.as_mut().and_then(|c| c.wait().ok());
                    let how = status.map_or_else(|| "ended".to_owned(), |s| format!("exited with {s}"));
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

    /// Send SIGTERM and wait up to `timeout` for the exit code.
    pub fn terminate(&mut self, timeout: Duration) -> Result<Option<i32>> {
        let Some(child) = self.child.as_mut() else { return Ok(None) };
        #[cfg(unix)]
        {
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().context("kill -TERM")?;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait()? {
                self.child = None;
                return Ok(status.code());
            }
            if Instant::now() > deadline {
                return Err(anyhow!("server did not exit within {timeout:?} after SIGTERM"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
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
