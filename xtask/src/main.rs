//! Build, test and release tasks for the workspace: `cargo xtask <command>` (see `USAGE`).
//!
//! Deliberately small: no async runtime; serde_json, toml and a blocking HTTP client (ureq, for
//! the bench's loopback set-up calls) besides `anyhow`. The real MCP clients it drives (the
//! conformance suite, the Python SDK) live in the gitignored `.tools/`.

// Printing is what a task runner is for.
#![allow(clippy::print_stdout)]

mod bench;
mod ci;
mod clients;
mod dist;
mod fuzz;
/// The child-process guard and `Listening on` parser that test-support's harness uses too: one
/// file, std + anyhow only (its `ServerProcess` and `run_to_end` are for the crates' tests).
#[allow(dead_code)]
#[path = "../../test-support/src/process.rs"]
mod process;
mod setup;
mod soak;
mod spec;
mod util;

use anyhow::{Context, Result, bail};

use crate::clients::Options;
use crate::spec::{Target, Transport};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  ci [--skip STEP,...]   fmt --check, clippy -D warnings, tests (nextest if installed),
                         fuzz (512 cases per property), setup-clients, deploy-files, clients,
                         conformance; stops at the first failure
                         (--skip is for local use; CI runs every step)
  setup-clients [--force]
                         install the real clients into .tools/ (npm ci of tools/ with node 22,
                         a python venv with tests/clients/requirements.txt); skipped when current
  clients [TARGET] [--transport stdio,sse,http,http-stateless] [--release] [--no-build]
                         the official Python SDK against a server over stdio, SSE and Streamable HTTP
  conformance [TARGET] [--release] [--no-build]
                         the official MCP conformance suite against a server (Streamable HTTP)
  bench [oilfield] [--duration SECS] [--concurrency N] [--update-readme] [...]
                         oilfield performance on a 1M-report DB: in-process latency, HTTP
                         calls/s vs a bare handler (wrk), idle and export RSS (--help for more)
  bench rocketmq [--duration SECS] [--repeat N] [--update-readme] [...]
                         mcp-rocketmq against the Volcengine stand-in: calls/s, p99 and the
                         latency it adds over calling the stand-in directly (--help for more)
  bench rocketchat [--duration SECS] [--repeat N] [--update-readme] [...]
                         mcp-rocketchat's get_messages against the Rocket.Chat stand-in: the same
                         figures, plus the upstream requests per call (--help for more)
  fuzz [--cases N] [--seconds S] [--release]
                         the property-based fuzz tests (tests/fuzz.rs of mcp-core and
                         mcp-oilfield): N cases per property (default 256), repeated for S
                         seconds per property when given; prints properties, executions, failures
  dist [--bin NAME]... [--target TRIPLE]
                         release build + target/dist/<bin>-<version>-<target>.tar.gz
  soak [--minutes N] [--server oilfield] [--no-build]
                         sustained mixed load (sessions, reads, writes, SSE, hostile requests) on the
                         release binary; errors on valid requests and RSS over time (--help for more)
  demo [ARGS...]         cargo run --release -p mcp-oilfield -- --demo --transport http [ARGS...]

TARGET: --bin NAME (a spec in tests/clients/specs/NAME.toml; default mcp-oilfield),
        --reference (the harness self-test server tests/clients/reference_server.py),
        --all (every spec)
";

fn main() {
    if let Err(e) = real_main() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        bail!("no command given");
    };
    match command.as_str() {
        "ci" => {
            let skip: Vec<String> = match rest {
                [] => Vec::new(),
                [flag, list] if flag == "--skip" => list.split(',').map(|s| s.trim().to_string()).collect(),
                _ => bail!("usage: cargo xtask ci [--skip STEP,...]\n\n{USAGE}"),
            };
            ci::ci(&skip)
        }
        "setup-clients" => {
            let force = match rest {
                [] => false,
                [f] if f == "--force" => true,
                _ => bail!("usage: cargo xtask setup-clients [--force]"),
            };
            setup::setup_clients(force).map(drop)
        }
        "clients" | "conformance" => {
            let (targets, opts) = parse_target_args(rest, command == "clients")?;
            let mut total = util::Counts::default();
            for target in &targets {
                total.add(if command == "clients" {
                    clients::clients(target, &opts)?
                } else {
                    clients::conformance(target, &opts)?
                });
            }
            println!("{command}: {} passed, {} failed", total.passed, total.failed);
            if total.failed > 0 {
                bail!("{command}: {} check(s) failed", total.failed);
            }
            Ok(())
        }
        "bench" => dist::bench(rest),
        "fuzz" => fuzz::fuzz(&fuzz::FuzzOptions::parse(rest)?).map(drop),
        "dist" => {
            let mut bins = Vec::new();
            let mut target = None;
            let mut it = rest.iter();
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--bin" => bins.push(it.next().context("--bin needs a name")?.clone()),
                    "--target" => target = Some(it.next().context("--target needs a triple")?.clone()),
                    other => bail!("unknown dist option {other:?}\n\n{USAGE}"),
                }
            }
            dist::dist(&bins, target.as_deref())
        }
        "demo" => dist::demo(rest),
        "soak" => soak::soak(rest),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            print!("{USAGE}");
            bail!("unknown command {other:?}")
        }
    }
}

fn parse_target_args(rest: &[String], transports_allowed: bool) -> Result<(Vec<Target>, Options)> {
    let mut opts = Options::default();
    let mut targets = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bin" => targets.push(Target::named(it.next().context("--bin needs a name")?)?),
            "--reference" => targets.push(Target::reference()?),
            "--all" => targets.extend(spec::all_specs()?),
            "--release" => opts.release = true,
            "--no-build" => opts.build = false,
            "--transport" if transports_allowed => {
                let list = it.next().context("--transport needs a list, e.g. stdio,http")?;
                opts.transports = Some(list.split(',').map(|t| Transport::parse(t.trim())).collect::<Result<_>>()?);
            }
            other => bail!("unknown option {other:?}\n\n{USAGE}"),
        }
    }
    if targets.is_empty() {
        targets.push(Target::named("mcp-oilfield")?);
    }
    Ok((targets, opts))
}
