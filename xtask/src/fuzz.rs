//! `cargo xtask fuzz`: the property-based fuzz tests (`tests/fuzz.rs` of mcp-core and
//! mcp-oilfield, proptest on the stable toolchain) with a chosen number of cases per property
//! (`PROPTEST_CASES`) and an optional time budget per property (`FUZZ_SECONDS`).
//!
//! Each property prints `fuzz: <name>: <cases> cases, <executions> executions, ok|FAILED`; this
//! task adds them up and ends with `fuzz: N passed, N failed` (properties).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{Counts, Line, cargo, display, run_streaming};

/// The packages whose `tests/fuzz.rs` are run.
pub const PACKAGES: [&str; 2] = ["mcp-core", "mcp-oilfield"];

/// Cases per property when `--cases` is not given.
pub const DEFAULT_CASES: u32 = 256;

pub const USAGE: &str = "usage: cargo xtask fuzz [--cases N] [--seconds S] [--release]";

/// Options of one fuzz run.
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzOptions {
    /// Cases per property per round (`PROPTEST_CASES`).
    pub cases: u32,
    /// Time budget per property: rounds are repeated until it is spent (`FUZZ_SECONDS`).
    pub seconds: Option<f64>,
    /// Build the tests with the release profile (slower build, faster cases).
    pub release: bool,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        Self { cases: DEFAULT_CASES, seconds: None, release: false }
    }
}

impl FuzzOptions {
    /// Parse `--cases N`, `--seconds S`, `--release`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut opts = Self::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--cases" => {
                    let n = it.next().context("--cases needs a number")?;
                    opts.cases = n
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .with_context(|| format!("--cases {n:?}: not a positive number"))?;
                }
                "--seconds" => {
                    let s = it.next().context("--seconds needs a number")?;
                    opts.seconds = Some(
                        s.parse::<f64>()
                            .ok()
                            .filter(|s| s.is_finite() && *s >= 0.0)
                            .with_context(|| format!("--seconds {s:?}: not a number of seconds"))?,
                    );
                }
                "--release" => opts.release = true,
                other => bail!("unknown fuzz option {other:?}\n{USAGE}"),
            }
        }
        Ok(opts)
    }
}

/// What the `fuzz:` lines of a run add up to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub properties: u64,
    pub cases: u64,
    pub executions: u64,
    pub failed: u64,
}

/// Read one `fuzz: <name>: <cases> cases, <executions> executions, ok|FAILED` line.
fn parse_line(line: &str) -> Option<(u64, u64, bool)> {
    let rest = line.trim().strip_prefix("fuzz: ")?;
    let (_, numbers) = rest.split_once(": ")?;
    let mut parts = numbers.split(", ");
    let cases = parts.next()?.strip_suffix(" cases")?.parse().ok()?;
    let executions = parts.next()?.strip_suffix(" executions")?.parse().ok()?;
    let ok = match parts.next()? {
        "ok" => true,
        "FAILED" => false,
        _ => return None,
    };
    Some((cases, executions, ok))
}

/// Add up the `fuzz:` lines of `lines`.
pub fn tally(lines: &[String]) -> Tally {
    let mut t = Tally::default();
    for (cases, executions, ok) in lines.iter().filter_map(|l| parse_line(l)) {
        t.properties += 1;
        t.cases += cases;
        t.executions += executions;
        t.failed += u64::from(!ok);
    }
    t
}

/// Run the fuzz tests; an error when a property failed or the run did not complete.
pub fn fuzz(opts: &FuzzOptions) -> Result<Counts> {
    let mut cmd = cargo();
    cmd.arg("test");
    for p in PACKAGES {
        cmd.args(["-p", p]);
    }
    cmd.args(["--test", "fuzz"]);
    if opts.release {
        cmd.arg("--release");
    }
    // --nocapture: the `fuzz:` lines are the report; libtest would keep them for failures only.
    cmd.args(["--", "--nocapture"]);
    cmd.env("PROPTEST_CASES", opts.cases.to_string()).env("RUST_BACKTRACE", "0");
    match opts.seconds {
        Some(s) => cmd.env("FUZZ_SECONDS", s.to_string()),
        None => cmd.env_remove("FUZZ_SECONDS"),
    };
    // Generous bound: the build, plus each property's budget (they run two at a time), plus slack.
    let budget = opts.seconds.unwrap_or(0.0) * 20.0;
    let timeout = Duration::from_secs_f64(30.0 * 60.0 + budget);
    println!(
        "$ PROPTEST_CASES={} {}{}",
        opts.cases,
        opts.seconds.map(|s| format!("FUZZ_SECONDS={s} ")).unwrap_or_default(),
        display(&cmd)
    );
    let started = Instant::now();
    let mut lines = Vec::new();
    let status = run_streaming(&mut cmd, timeout, |line| {
        match line {
            Line::Out(t) => println!("{t}"),
            Line::Err(t) => eprintln!("{t}"),
        }
        lines.push(line.text().to_string());
    })?;
    let t = tally(&lines);
    println!(
        "fuzz summary: {} properties, {} cases, {} executions, {} failed ({:.0}s)",
        t.properties,
        t.cases,
        t.executions,
        t.failed,
        started.elapsed().as_secs_f64()
    );
    println!("fuzz: {} passed, {} failed", t.properties - t.failed, t.failed);
    let Some(status) = status else {
        bail!("`{}` timed out after {:.0} s", display(&cmd), timeout.as_secs_f64());
    };
    if t.failed > 0 {
        bail!("{} fuzz propert{} failed (minimal inputs above)", t.failed, if t.failed == 1 { "y" } else { "ies" });
    }
    if !status.success() {
        bail!("the fuzz tests failed (build error, or a test outside the properties)");
    }
    if t.properties == 0 {
        bail!("no fuzz property ran");
    }
    Ok(Counts { passed: t.properties, failed: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse() {
        assert_eq!(FuzzOptions::parse(&[]).unwrap(), FuzzOptions::default());
        let args: Vec<String> = ["--cases", "10", "--seconds", "1.5", "--release"].map(String::from).to_vec();
        assert_eq!(FuzzOptions::parse(&args).unwrap(), FuzzOptions { cases: 10, seconds: Some(1.5), release: true });
        for bad in [&["--cases", "0"][..], &["--cases", "x"], &["--seconds", "-1"], &["--seconds"], &["--bogus"]] {
            let args: Vec<String> = bad.iter().map(|s| (*s).to_string()).collect();
            assert!(FuzzOptions::parse(&args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tally_adds_up_the_fuzz_lines() {
        let lines: Vec<String> = [
            "fuzz: http_mcp_post_stateful: 256 cases, 256 executions, ok",
            "test http_mcp_post_stateful ... ok",
            "fuzz: stdio: 512 cases, 530 executions, FAILED",
            "fuzz: 3 passed, 0 failed",
            "fuzz: bad: many cases, 1 executions, ok",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(tally(&lines), Tally { properties: 2, cases: 768, executions: 786, failed: 1 });
    }
}
