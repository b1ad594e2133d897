//! `cargo xtask dist`, `cargo xtask demo`, and the entry of `cargo xtask bench` (in `crate::bench`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, human_size, output, rel, root, run, target_dir};

/// The server binaries we ship (each is its own cargo package of the same name).
pub const BINARIES: [&str; 3] = ["mcp-oilfield", "mcp-rocketchat", "mcp-rocketmq"];

fn host_triple() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let info = output(Command::new(rustc).arg("-vV"))?;
    info.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|s| s.trim().to_string())
        .context("`rustc -vV` printed no host line")
}

/// Files that go next to each binary: the crate's README (else the workspace's) and LICENSE*.
fn docs_for(bin: &str) -> Vec<PathBuf> {
    let mut docs = Vec::new();
    let crate_readme = root().join(bin).join("README.md");
    let readme = if crate_readme.is_file() { crate_readme } else { root().join("README.md") };
    if readme.is_file() {
        docs.push(readme);
    }
    if let Ok(entries) = fs::read_dir(root()) {
        let mut licenses: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("LICENSE")))
            .collect();
        licenses.sort();
        docs.extend(licenses);
    }
    docs
}

pub fn dist(bins: &[String], target: Option<&str>) -> Result<()> {
    let bins: Vec<String> =
        if bins.is_empty() { BINARIES.iter().map(|s| s.to_string()).collect() } else { bins.to_vec() };
    for b in &bins {
        if !BINARIES.contains(&b.as_str()) {
            bail!("unknown binary {b:?} (known: {})", BINARIES.join(", "));
        }
    }
    let triple = match target {
        Some(t) => t.to_string(),
        None => host_triple()?,
    };
    let mut cmd = cargo();
    cmd.args(["build", "--release"]);
    for b in &bins {
        cmd.args(["-p", b, "--bin", b]);
    }
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    run(&mut cmd)?;
    let release_dir = match target {
        Some(t) => target_dir().join(t).join("release"),
        None => target_dir().join("release"),
    };
    let dist_dir = target_dir().join("dist");
    fs::create_dir_all(&dist_dir)?;
    let version = env!("CARGO_PKG_VERSION");
    let exe_suffix = if triple.contains("windows") { ".exe" } else { "" };
    println!();
    for bin in &bins {
        let exe = release_dir.join(format!("{bin}{exe_suffix}"));
        if !exe.is_file() {
            bail!("{} was not built", rel(&exe));
        }
        let name = format!("{bin}-{version}-{triple}");
        let stage = dist_dir.join(&name);
        if stage.exists() {
            fs::remove_dir_all(&stage)?;
        }
        fs::create_dir_all(&stage)?;
        copy(&exe, &stage)?;
        let docs = docs_for(bin);
        if docs.is_empty() {
            println!("warning: no README.md or LICENSE* to ship with {bin}");
        }
        for doc in &docs {
            copy(doc, &stage)?;
        }
        let archive = dist_dir.join(format!("{name}.tar.gz"));
        // Relative paths only: a GNU tar reads `C:\...` as a remote host.
        run(Command::new("tar").arg("-czf").arg(format!("{name}.tar.gz")).arg(&name).current_dir(&dist_dir))?;
        let exe_size = fs::metadata(&exe)?.len();
        let archive_size = fs::metadata(&archive)?.len();
        println!(
            "{}  {:>10}  (binary {}, + {} docs)",
            rel(&archive),
            human_size(archive_size),
            human_size(exe_size),
            docs.len()
        );
    }
    Ok(())
}

fn copy(file: &Path, dir: &Path) -> Result<()> {
    let name = file.file_name().context("file without a name")?;
    fs::copy(file, dir.join(name)).with_context(|| format!("copying {}", file.display()))?;
    Ok(())
}

pub fn demo(extra: &[String]) -> Result<()> {
    run(cargo().args(["run", "--release", "-p", "mcp-oilfield", "--", "--demo", "--transport", "http"]).args(extra))
}

/// `cargo xtask bench [oilfield] [--duration SECS] [--concurrency N] [ARGS...]`: see `crate::bench`.
pub fn bench(args: &[String]) -> Result<()> {
    crate::bench::bench(args)
}
