//! `cargo xtask ci`: everything CI checks, in order, stopping at the first failing step.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::clients::{self, Options};
use crate::setup;
use crate::spec;
use crate::util::{Counts, Line, cargo, display, is_ci, run, run_streaming, succeeds};

/// The whole test step may not take longer than this (CI's own limit is 90 minutes).
const TEST_TIMEOUT: Duration = Duration::from_secs(45 * 60);

struct Outcome {
    name: &'static str,
    ok: bool,
    took: Duration,
    counts: Option<Counts>,
    note: String,
}

fn banner(i: usize, n: usize, name: &str, what: &str) {
    println!();
    println!("==> [{i}/{n}] {name}: {what}");
}

/// Step names, in order (for `--skip`).
pub const STEPS: [&str; 8] =
    ["fmt", "clippy", "tests", "fuzz", "setup-clients", "deploy-files", "clients", "conformance"];

/// `skip`: steps not to run (a local convenience; CI runs everything).
pub fn ci(skip: &[String]) -> Result<()> {
    for s in skip {
        if !STEPS.contains(&s.as_str()) {
            bail!("unknown step {s:?} for --skip (steps: {})", STEPS.join(", "));
        }
    }
    if is_ci() {
        println!("CI=true: non-interactive run");
    }
    type StepFn = fn() -> Result<Option<Counts>>;
    let steps: [(&str, &str, StepFn); 8] = [
        ("fmt", "cargo fmt --all -- --check", fmt),
        ("clippy", "cargo clippy --workspace --all-targets -- -D warnings", clippy),
        ("tests", "cargo nextest run --workspace (or cargo test --workspace)", tests),
        ("fuzz", "cargo xtask fuzz --cases 512 (property-based, fresh seeds)", fuzz_step),
        ("setup-clients", "install the real clients into .tools/", setup_clients),
        ("deploy-files", "workflows against GitHub's schema, the systemd units' sandbox", deploy_files),
        ("clients", "official Python SDK over stdio, SSE and Streamable HTTP", clients_step),
        ("conformance", "official MCP conformance suite over Streamable HTTP", conformance_step),
    ];
    let started = Instant::now();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for (i, (name, what, step)) in steps.iter().enumerate() {
        if skip.iter().any(|s| s == name) {
            println!();
            println!("==> [{}/{}] {name}: skipped (--skip)", i + 1, steps.len());
            continue;
        }
        banner(i + 1, steps.len(), name, what);
        let t0 = Instant::now();
        let result = step();
        let took = t0.elapsed();
        let (ok, counts, note) = match result {
            Ok(Some(c)) => (c.failed == 0, Some(c), format!("{} passed, {} failed", c.passed, c.failed)),
            Ok(None) => (true, None, String::new()),
            Err(e) => (false, None, format!("{e:#}")),
        };
        if ok {
            println!("==> {name}: ok ({:.1}s)", took.as_secs_f64());
        } else {
            println!("==> {name}: FAILED ({:.1}s): {note}", took.as_secs_f64());
        }
        outcomes.push(Outcome { name, ok, took, counts, note });
        if !ok {
            break;
        }
    }

    println!();
    println!("==> ci summary ({:.0}s)", started.elapsed().as_secs_f64());
    let mut total = Counts::default();
    for (name, _, _) in &steps {
        match outcomes.iter().find(|o| o.name == *name) {
            Some(o) => {
                let status = if o.ok { "ok" } else { "FAILED" };
                let first_line = o.note.lines().next().unwrap_or("");
                println!("  {status:<7} {:<14} {:>7.1}s  {first_line}", o.name, o.took.as_secs_f64());
                match o.counts {
                    Some(c) => total.add(c),
                    None if !o.ok => total.failed += 1,
                    None => {}
                }
            }
            None if skip.iter().any(|s| s == name) => println!("  {:<7} {name} (--skip)", "skipped"),
            None => println!("  {:<7} {name}", "skipped"),
        }
    }
    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.ok).map(|o| o.name).collect();
    println!("(totals: tests + client checks + conformance scenarios; a step failing without counts counts 1)");
    println!("ci: {} passed, {} failed", total.passed, total.failed);
    if !failed.is_empty() {
        bail!("ci failed at: {}", failed.join(", "));
    }
    if !skip.is_empty() {
        println!("note: steps skipped with --skip: {} (CI runs them all)", skip.join(", "));
    }
    Ok(())
}

fn fmt() -> Result<Option<Counts>> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    Ok(None)
}

fn clippy() -> Result<Option<Counts>> {
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    Ok(None)
}

/// Number just before ` word` in `line` (`12 passed` -> 12).
fn number_before(line: &str, word: &str) -> Option<u64> {
    let idx = line.find(&format!(" {word}"))?;
    let digits: String =
        line[..idx].chars().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
    digits.parse().ok()
}

/// Tally nextest (`Summary [..] N tests run: N passed, N failed, N skipped`) and libtest
/// (`test result: ok. N passed; N failed; ...`) summary lines. Lines of captured test output
/// that nextest echoes (indented) are not summaries.
fn tally(lines: &[String]) -> Counts {
    let mut counts = Counts::default();
    for line in lines {
        let is_nextest = line.trim_start().starts_with("Summary [") && line.contains(" run:");
        if is_nextest || line.starts_with("test result:") {
            counts.passed += number_before(line, "passed").unwrap_or(0);
            counts.failed += number_before(line, "failed").unwrap_or(0);
        }
    }
    counts
}

fn run_tests(cmd: &mut Command) -> Result<(bool, Counts)> {
    println!("$ {}", display(cmd));
    let mut lines = Vec::new();
    let status = run_streaming(cmd, TEST_TIMEOUT, |line| {
        match line {
            Line::Out(t) => println!("{t}"),
            Line::Err(t) => eprintln!("{t}"),
        }
        lines.push(line.text().to_string());
    })?;
    let Some(status) = status else {
        bail!("`{}` timed out after {} min", display(cmd), TEST_TIMEOUT.as_secs() / 60);
    };
    Ok((status.success(), tally(&lines)))
}

fn tests() -> Result<Option<Counts>> {
    let mut total = Counts::default();
    let mut ok = true;
    if succeeds(cargo().args(["nextest", "--version"])) {
        // A failure's panic message (with its file:line) is what a CI log must show: no backtrace
        // to push it out of view, and every failure repeated after the summary.
        let (pass, c) = run_tests(
            cargo()
                .args(["nextest", "run", "--workspace", "--no-fail-fast", "--no-tests=warn"])
                .args(["--failure-output", "immediate-final"])
                .env("RUST_BACKTRACE", "0"),
        )?;
        ok &= pass;
        total.add(c);
        // nextest does not run doctests.
        let (pass, c) = run_tests(cargo().args(["test", "--workspace", "--doc"]))?;
        ok &= pass;
        total.add(c);
    } else {
        println!("cargo-nextest not installed: using cargo test");
        let (pass, c) = run_tests(cargo().args(["test", "--workspace"]))?;
        ok &= pass;
        total.add(c);
    }
    if !ok && total.failed == 0 {
        bail!("the test run failed (build error?) with {} tests passed", total.passed);
    }
    Ok(Some(total))
}

/// The fuzz properties once more, with fresh random seeds and twice the cases of the tests step
/// (the test build is reused: about 15 s of test time).
fn fuzz_step() -> Result<Option<Counts>> {
    let opts = crate::fuzz::FuzzOptions { cases: CI_FUZZ_CASES, ..Default::default() };
    crate::fuzz::fuzz(&opts).map(Some)
}

/// Cases per property in `cargo xtask ci`.
const CI_FUZZ_CASES: u32 = 512;

fn setup_clients() -> Result<Option<Counts>> {
    setup::setup_clients(false)?;
    Ok(None)
}

/// Files that cannot run here: the GitHub workflows (no runner) and the systemd unit (no systemd
/// as PID 1). What can be checked offline is.
fn deploy_files() -> Result<Option<Counts>> {
    let passed = workflows()? + systemd_unit()?;
    Ok(Some(Counts { passed, failed: 0 }))
}

/// `.github/workflows/*.yml` against the GitHub workflow schema (unknown keys, misplaced steps,
/// wrong types). The schema ships inside check-jsonschema (`vendor.github-workflows`), so this
/// works offline.
fn workflows() -> Result<u64> {
    let dir = crate::util::root().join(".github/workflows");
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    if files.is_empty() {
        bail!("no workflow files in {}", dir.display());
    }
    files.sort();
    let mut cmd = Command::new(setup::venv_bin("check-jsonschema"));
    cmd.args(["--builtin-schema", "vendor.github-workflows"]).args(&files);
    run(&mut cmd)?;
    Ok(files.len() as u64)
}

/// The systemd units of `deploy/` that must exist (the others are checked when present).
const UNITS: [&str; 2] = ["mcp-oilfield.service", "mcp-rocketmq.service"];
/// Units checked once their server ships one.
const OPTIONAL_UNITS: [&str; 1] = ["mcp-rocketchat.service"];

/// The systemd units of `deploy/` must stay sandboxed: `systemd-analyze security` rates each
/// one's exposure at most 2.0 of 10, so a change that drops a hardening setting fails here.
fn systemd_unit() -> Result<u64> {
    if !succeeds(Command::new("systemd-analyze").arg("--version")) {
        if is_ci() {
            bail!("systemd-analyze is missing (it comes with the systemd package)");
        }
        println!("note: systemd-analyze not found; the systemd units' sandbox is not checked");
        return Ok(0);
    }
    let deploy = crate::util::root().join("deploy");
    let units = units_to_check(&deploy)?;
    for unit in &units {
        run(Command::new("systemd-analyze").args(["security", "--offline=yes", "--threshold=20"]).arg(unit))?;
    }
    Ok(units.len() as u64)
}

/// The units of `deploy` to check: every one of [`UNITS`] (missing: an error) and those of
/// [`OPTIONAL_UNITS`] that exist.
fn units_to_check(deploy: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut units = Vec::new();
    for name in UNITS {
        let unit = deploy.join(name);
        if !unit.is_file() {
            bail!("{} is missing", crate::util::rel(&unit));
        }
        units.push(unit);
    }
    units.extend(OPTIONAL_UNITS.iter().map(|name| deploy.join(name)).filter(|u| u.is_file()));
    Ok(units)
}

fn ci_targets() -> Result<Vec<spec::Target>> {
    let all = spec::all_specs()?;
    for t in all.iter().filter(|t| !t.ci) {
        println!("note: {} is not part of ci (`ci = false` in {})", t.label, crate::util::rel(&t.spec));
    }
    Ok(all.into_iter().filter(|t| t.ci).collect())
}

fn clients_step() -> Result<Option<Counts>> {
    let mut total = Counts::default();
    for target in ci_targets()? {
        total.add(clients::clients(&target, &Options::default())?);
    }
    println!("clients: {} passed, {} failed", total.passed, total.failed);
    Ok(Some(total))
}

fn conformance_step() -> Result<Option<Counts>> {
    let mut total = Counts::default();
    for target in ci_targets()? {
        total.add(clients::conformance(&target, &Options::default())?);
    }
    println!("conformance: {} passed, {} failed", total.passed, total.failed);
    Ok(Some(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_the_required_units_and_the_optional_ones_present() {
        let dir = std::env::temp_dir().join(format!("xtask-ci-units-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("mcp-oilfield.service"), "").unwrap();
        let err = units_to_check(&dir).unwrap_err();
        assert!(format!("{err:#}").contains("mcp-rocketmq.service is missing"), "{err:#}");
        std::fs::write(dir.join("mcp-rocketmq.service"), "").unwrap();
        let names = |units: Vec<std::path::PathBuf>| -> Vec<String> {
            units.iter().map(|u| u.file_name().unwrap().to_string_lossy().into_owned()).collect()
        };
        assert_eq!(names(units_to_check(&dir).unwrap()), ["mcp-oilfield.service", "mcp-rocketmq.service"]);
        std::fs::write(dir.join("mcp-rocketchat.service"), "").unwrap();
        assert_eq!(names(units_to_check(&dir).unwrap()).len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tallies_runner_summaries() {
        let lines: Vec<String> = [
            "     Summary [   1.234s] 12 tests run: 11 passed (1 slow), 1 failed, 0 skipped",
            "test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            "test result: FAILED. 1 passed; 2 failed; 0 ignored",
            "    test result: FAILED. 0 passed; 1 failed; 0 ignored; (echoed by nextest)",
            "        FAIL [   0.268s] (152/219) crate::tests some::test",
            "     Summary [  21.530s] 153/219 tests run: 152 passed, 1 failed, 0 skipped",
            "running 3 tests",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(tally(&lines), Counts { passed: 167, failed: 4 });
    }
}
