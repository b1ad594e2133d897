//! Link order: `mcp-oilfield` built with the functions that start-up and requests run placed first
//! in `.text`, so that the kernel maps far fewer pages of the executable.
//!
//! Why: the kernel maps a file-backed page fault together with its neighbours (fault-around, and
//! whole large page-cache folios on recent kernels). Rust lays code out by crate and codegen unit,
//! so the few thousand functions a server runs are spread over all of its 12 MB of code, and an
//! idle server ends up with nearly the whole executable resident. Packed together they fill about
//! 3 MB.
//!
//! How (Linux, lld as the linker, valgrind):
//! 1. `cargo build --profile link-ordered` (the release profile, symbols kept);
//! 2. run that binary under valgrind's callgrind with a workload over Streamable HTTP, twice:
//!    a stateless server (start, `/health`, `/ready`, `/metrics`, `query_drilling_data` calls,
//!    SIGTERM), then a server with sessions (the same probes, initialize, tools/list, the read
//!    tools); the mangled names of the binary's functions that ran, those of the first run
//!    first, become the symbol ordering file;
//! 3. relink the binary crate with lld's `--symbol-ordering-file` and strip it.
//!
//! The names carry hashes of this exact build, so the list is recorded for each build, never
//! committed. A name the linker does not find is skipped: a wrong list costs memory, not
//! correctness. Code reached only on a real CPU (valgrind reports no SHA or AVX-512 extensions,
//! so e.g. the SHA-NI digest is not seen) and rare paths stay in place; each of them costs one
//! fault's worth of pages.
//! When a prerequisite is missing the caller gets the plain release binary and the reason.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use super::{Server, apt_install, http, mcp_headers, open_session, tool_result, which};
use crate::util::{cargo, fnv1a, rel, run, target_dir};

/// The cargo profile of the ordered build (`Cargo.toml`): release code with its symbol table.
pub const PROFILE: &str = "link-ordered";
const BIN: &str = "mcp-oilfield";

/// What `build` produced.
pub enum Outcome {
    /// The relinked, stripped binary and how many functions lead its `.text`.
    Ordered { exe: PathBuf, functions: usize },
    /// The ordered build could not be made here; `why` says which prerequisite is missing.
    Unavailable { why: String },
}

/// The relinked binary of an earlier `build`, if its relink completed and nothing rebuilt it since.
pub fn existing() -> Outcome {
    let exe = target_dir().join(PROFILE).join(BIN);
    let stamp = stamp_path();
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let functions = fs::read_to_string(&stamp).ok().and_then(|s| s.trim().parse::<usize>().ok());
    match (functions, modified(&exe), modified(&stamp)) {
        (Some(functions), Some(built), Some(stamped)) if stamped >= built => Outcome::Ordered { exe, functions },
        _ => {
            Outcome::Unavailable { why: format!("no completed link-ordered build in {} (drop --no-build)", rel(&exe)) }
        }
    }
}

/// Written after a successful relink: the number of ordered functions.
fn stamp_path() -> PathBuf {
    target_dir().join(PROFILE).join(format!("{BIN}.ordered"))
}

/// Build `mcp-oilfield` link-ordered (see the module docs).
pub fn build() -> Result<Outcome> {
    let _ = fs::remove_file(stamp_path());
    if !cfg!(target_os = "linux") {
        return Ok(Outcome::Unavailable { why: "link ordering is implemented for Linux (ELF, lld) only".into() });
    }
    let valgrind = match which("valgrind").map_or_else(|| apt_install("valgrind"), |p| Ok(Some(p))) {
        Ok(Some(path)) => path,
        Ok(None) => {
            return Ok(Outcome::Unavailable {
                why: "valgrind is not installed (Debian package `valgrind`; installed automatically when running as root)"
                    .into(),
            });
        }
        Err(e) => return Ok(Outcome::Unavailable { why: format!("valgrind could not be installed: {e:#}") }),
    };
    // Cargo keeps the artifacts of `cargo build` and of each `cargo rustc -- ARGS` apart and
    // copies the one of the latest command to target/PROFILE/BIN, so each step checks what it got.
    run(cargo().args(["build", "--profile", PROFILE, "-p", BIN, "--bin", BIN]))?;
    let exe = target_dir().join(PROFILE).join(BIN);
    ensure!(exe.is_file(), "{} was not built", rel(&exe));
    let bytes = fs::read(&exe).with_context(|| format!("reading {}", rel(&exe)))?;
    ensure!(
        has_symbol_table(&bytes).with_context(|| rel(&exe))?,
        "{} has no symbol table: profile.{PROFILE} must keep symbols",
        rel(&exe)
    );
    if !linked_by_lld(&bytes) {
        return Ok(Outcome::Unavailable {
            why: "the linker is not lld (Rust's default on x86_64-unknown-linux-gnu since 1.90), which is what reads the ordering file".into(),
        });
    }

    let work = target_dir().join(PROFILE).join("record");
    if work.exists() {
        fs::remove_dir_all(&work)?;
    }
    fs::create_dir_all(&work)?;
    let db = work.join("record.db");
    run(Command::new(&exe).args(["seed", "--wells", "12", "--days", "90", "--database"]).arg(&db))?;

    let mut names = Vec::new();
    // Stateless first: start-up and the plain request path lead, then what a session adds
    // (initialize, SSE replies, the other read tools). A server that has run only the first
    // touches only the front of the list.
    for (stateless, label) in [(true, "stateless"), (false, "session")] {
        let out = work.join(format!("callgrind-{label}.out"));
        record(&valgrind, &exe, &db, stateless, &out, &work.join(format!("server-{label}.log")))?;
        names.extend(functions_of(&fs::read_to_string(&out)?, &exe));
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    ensure!(names.len() > 500, "callgrind saw only {} functions of {}: the recording failed", names.len(), rel(&exe));
    // The file's name carries a hash of its content: cargo does not watch the file, only the
    // arguments, so a new order must come with a new argument to be linked at all.
    for old in fs::read_dir(target_dir().join(PROFILE))?.flatten() {
        if old.file_name().to_string_lossy().ends_with(".symbol-order") {
            fs::remove_file(old.path())?;
        }
    }
    let list = names.join("\n") + "\n";
    let order = target_dir().join(PROFILE).join(format!("{BIN}.{}.symbol-order", fnv1a(&[list.as_bytes()])));
    fs::write(&order, &list)?;
    println!("{} functions ran during the recording: {}", names.len(), rel(&order));

    let order_arg = format!("-Wl,--symbol-ordering-file={}", order.display());
    run(cargo()
        .args(["rustc", "--profile", PROFILE, "-p", BIN, "--bin", BIN, "--", "-C"])
        .arg(format!("link-arg={order_arg}"))
        .args(["-C", "link-arg=-Wl,--no-warn-symbol-ordering", "-C", "strip=symbols"]))?;
    let relinked = fs::read(&exe).with_context(|| format!("reading {}", rel(&exe)))?;
    ensure!(
        !has_symbol_table(&relinked).with_context(|| rel(&exe))?,
        "{} still has its symbol table: the relink did not take effect",
        rel(&exe)
    );
    fs::write(stamp_path(), format!("{}\n", names.len()))?;
    Ok(Outcome::Ordered { exe, functions: names.len() })
}

/// Whether the ELF image has a `SHT_SYMTAB` section (64-bit little-endian ELF, as built here).
fn has_symbol_table(elf: &[u8]) -> Result<bool> {
    let u16_at = |at: usize| elf.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at = |at: usize| elf.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let u64_at = |at: usize| elf.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    ensure!(elf.starts_with(b"\x7fELF\x02\x01"), "not a 64-bit little-endian ELF file");
    let (Some(shoff), Some(shentsize), Some(shnum)) = (u64_at(0x28), u16_at(0x3a), u16_at(0x3c)) else {
        bail!("truncated ELF header");
    };
    const SHT_SYMTAB: u32 = 2;
    Ok((0..shnum).any(|i| u32_at(shoff as usize + i * shentsize + 4) == Some(SHT_SYMTAB)))
}

/// rustc records the linker in `.comment` ("Linker: LLD ...").
fn linked_by_lld(elf: &[u8]) -> bool {
    elf.windows(11).any(|w| w == b"Linker: LLD")
}

/// One recording: the server under callgrind, the workload, SIGTERM, callgrind's output in `out`.
fn record(valgrind: &Path, exe: &Path, db: &Path, stateless: bool, out: &Path, log: &Path) -> Result<()> {
    let mut cmd = Command::new(valgrind);
    cmd.args(["--tool=callgrind", "--demangle=no"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(exe)
        .args(["--transport", "http", "--host", "127.0.0.1", "--port", "0", "--database"])
        .arg(db);
    if stateless {
        cmd.arg("--stateless");
    }
    super::clean_env(&mut cmd);
    let label = if stateless { "mcp-oilfield under callgrind (stateless)" } else { "mcp-oilfield under callgrind" };
    let mut server = Server::start(label, cmd, log)?;
    workload(&server.addr, stateless)?;
    match server.guard.terminate(Duration::from_secs(120))? {
        Some((status, _)) if status.success() => {}
        Some((status, _)) => bail!("{label} exited with {status} after SIGTERM: see {}", rel(log)),
        None => bail!("{label} did not stop within 120 s of SIGTERM: see {}", rel(log)),
    }
    ensure!(out.is_file(), "callgrind wrote no {}", rel(out));
    Ok(())
}

/// What a server does in service: probes and metrics, a session with the read tools, or a run of
/// stateless `query_drilling_data` calls. Replies are checked: a recording of failures would
/// order the error paths.
fn workload(addr: &str, stateless: bool) -> Result<()> {
    let timeout = Duration::from_secs(120);
    for path in ["/health", "/ready", "/metrics"] {
        let reply = http::request(addr, "GET", path, &[], "", timeout)?;
        ensure!(reply.status == 200, "GET {path} answered {}: {}", reply.status, reply.body);
    }
    let wells: Vec<String> = (1..=12).map(|i| format!("SD-{i:04}")).collect();
    let calls: Vec<(&str, String)> = if stateless {
        wells.iter().map(|w| ("query_drilling_data", format!(r#"{{"well_id":"{w}","limit":20}}"#))).collect()
    } else {
        let w = &wells[0];
        vec![
            ("list_wells", "{}".into()),
            ("get_well", format!(r#"{{"well_id":"{w}"}}"#)),
            ("query_drilling_data", format!(r#"{{"well_id":"{w}","limit":20}}"#)),
            ("query_drilling_data", format!(r#"{{"well_ids":["{w}","{}"],"limit":50}}"#, wells[1])),
            ("get_well_statistics", format!(r#"{{"well_id":"{w}"}}"#)),
            ("weekly_report", format!(r#"{{"well_id":"{w}"}}"#)),
            ("compare_wells", format!(r#"{{"well_ids":["{w}","{}"],"metric":"footage"}}"#, wells[1])),
        ]
    };
    let session = if stateless { None } else { Some(open_session(addr)?) };
    let headers = mcp_headers(session.as_deref());
    if session.is_some() {
        let list = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        let reply = http::request(addr, "POST", "/mcp", &headers, list, timeout)?;
        ensure!(reply.status == 200, "tools/list answered {}: {}", reply.status, reply.body);
    }
    for (i, (tool, args)) in calls.iter().enumerate() {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"{tool}","arguments":{args}}}}}"#,
            i + 2
        );
        tool_result(&http::request(addr, "POST", "/mcp", &headers, &body, timeout)?, tool)?;
    }
    Ok(())
}

/// The (mangled) names of the functions of `exe` that callgrind's output `text` records, in the
/// order they first appear. Callgrind compresses names: `ob=(3) /path` defines object 3 and a
/// later `ob=(3)` refers to it; the same holds for `fn=`/`cfn=` and `cob=`. A cost line belongs
/// to the last `ob=`/`fn=`. `'N` suffixes mark recursion levels; `0x...` names are code without
/// a symbol.
fn functions_of(text: &str, exe: &Path) -> Vec<String> {
    use std::collections::HashMap;
    let exe = fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    let exe = exe.to_string_lossy();
    let mut objects: HashMap<&str, &str> = HashMap::new();
    let mut functions: HashMap<&str, &str> = HashMap::new();
    let mut in_exe = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once('=') else { continue };
        if !matches!(key, "ob" | "cob" | "fn" | "cfn") {
            continue;
        }
        let (id, name) = match rest.strip_prefix('(').and_then(|r| r.split_once(')')) {
            Some((id, name)) => (id, name.trim()),
            None => ("", rest.trim()),
        };
        let table = if key.ends_with("ob") { &mut objects } else { &mut functions };
        let name = if name.is_empty() {
            table.get(id).copied().unwrap_or("")
        } else {
            if !id.is_empty() {
                table.insert(id, name);
            }
            name
        };
        match key {
            "ob" => in_exe = name == exe,
            "fn" if in_exe => {
                let name = name.split_once('\'').map_or(name, |(n, _)| n);
                if !name.is_empty() && !name.starts_with("0x") {
                    names.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit little-endian ELF header followed by section headers of the given types.
    fn elf_with_sections(types: &[u32]) -> Vec<u8> {
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x28..0x30].copy_from_slice(&64u64.to_le_bytes());
        elf[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        elf[0x3c..0x3e].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for t in types {
            let mut header = vec![0u8; 64];
            header[4..8].copy_from_slice(&t.to_le_bytes());
            elf.extend(header);
        }
        elf
    }

    #[test]
    fn has_symbol_table_reads_the_section_types() {
        // SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB as in an unstripped binary; stripped: no 2.
        assert!(has_symbol_table(&elf_with_sections(&[0, 1, 2, 3])).unwrap());
        assert!(!has_symbol_table(&elf_with_sections(&[0, 1, 3])).unwrap());
        assert!(has_symbol_table(b"MZ not an ELF file").is_err());
        assert!(has_symbol_table(&elf_with_sections(&[])[..0x30]).is_err());
    }

    #[test]
    fn functions_of_follows_callgrind_name_compression() {
        let exe = Path::new("/nonexistent/bin/mcp-oilfield");
        let text = "\
version: 1
ob=(1) /usr/lib/libc.so.6
fn=(1) malloc
0x10 3
ob=(2) /nonexistent/bin/mcp-oilfield
fn=(2) _ZN4main17h0123456789abcdefE
0x20 1
cob=(1)
cfn=(1)
calls=1 0x10
0x21 5
cfn=(3) _RNvCs1_5tokio5spawn
calls=1 0x30
0x22 1
fn=(3)
0x30 2
fn=(4) _ZN4deep17h1111111111111111E'2
0x40 1
fn=(5) 0x0000000000442d70
0x50 1
ob=(1)
fn=(6) free
0x11 1
ob=(2)
fn=(2)
0x20 1
";
        assert_eq!(
            functions_of(text, exe),
            [
                "_ZN4main17h0123456789abcdefE",
                "_RNvCs1_5tokio5spawn",
                "_ZN4deep17h1111111111111111E",
                "_ZN4main17h0123456789abcdefE"
            ]
        );
    }
}
