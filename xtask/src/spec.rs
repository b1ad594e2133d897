//! The `[server]` table of a client spec (`tests/clients/specs/<name>.toml`): which binary to
//! build and start, with which arguments and over which transports.
//!
//! xtask keeps to `anyhow` + std, so this reads only what it needs with a deliberately tiny
//! parser: in the `[server]` table, `key = "string"`, `key = true|false` and single-line arrays
//! of double-quoted strings. The rest of the file is the Python checker's business.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::util::root;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Stdio,
    Sse,
    Http,
    HttpStateless,
}

impl Transport {
    pub const ALL: [Transport; 4] = [Transport::Stdio, Transport::Sse, Transport::Http, Transport::HttpStateless];

    pub fn name(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Sse => "sse",
            Transport::Http => "http",
            Transport::HttpStateless => "http-stateless",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Transport::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| anyhow!("unknown transport {s:?} (known: stdio, sse, http, http-stateless)"))
    }

    /// Flags appended to the server's own arguments.
    pub fn server_args(self) -> Vec<String> {
        let http = ["--transport", "http", "--host", "127.0.0.1", "--port", "0"];
        let v: Vec<&str> = match self {
            Transport::Stdio => vec!["--transport", "stdio"],
            Transport::Sse | Transport::Http => http.to_vec(),
            Transport::HttpStateless => [&http[..], &["--stateless"]].concat(),
        };
        v.into_iter().map(String::from).collect()
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

/// A server under test, as described by a spec file.
#[derive(Clone, Debug)]
pub struct Target {
    /// `mcp-oilfield`, `reference`, ...: the spec's file stem.
    pub label: String,
    pub spec: PathBuf,
    /// Cargo package and binary to build and run ...
    pub package: Option<String>,
    pub bin: Option<String>,
    /// ... or a Python script run with the venv's python (the reference server).
    pub script: Option<PathBuf>,
    /// Server arguments before the transport flags; `{tmp}` is a fresh directory per start.
    pub args: Vec<String>,
    pub transports: Vec<Transport>,
    /// Part of `cargo xtask ci`.
    pub ci: bool,
    /// The conformance suite's expected-failures file for this server.
    pub conformance_baseline: PathBuf,
}

pub fn specs_dir() -> PathBuf {
    root().join("tests/clients/specs")
}

impl Target {
    pub fn load(path: &Path) -> Result<Target> {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let label = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut table = parse_server_table(&text).with_context(|| format!("in {}", path.display()))?;
        fn take_str(table: &mut BTreeMap<String, Value>, key: &str) -> Result<Option<String>> {
            match table.remove(key) {
                None => Ok(None),
                Some(Value::Str(s)) => Ok(Some(s)),
                Some(other) => bail!("[server] {key} must be a string, got {other:?}"),
            }
        }
        let package = take_str(&mut table, "crate")?;
        let bin = take_str(&mut table, "bin")?.or_else(|| package.clone());
        let script = take_str(&mut table, "script")?.map(|s| root().join(s));
        let args = match table.remove("args") {
            None => Vec::new(),
            Some(Value::List(v)) => v,
            Some(other) => bail!("[server] args must be a list of strings, got {other:?}"),
        };
        let transports = match table.remove("transports") {
            None => Transport::ALL.to_vec(),
            Some(Value::List(v)) => v.iter().map(|s| Transport::parse(s)).collect::<Result<_>>()?,
            Some(other) => bail!("[server] transports must be a list of strings, got {other:?}"),
        };
        let conformance_baseline = root().join(
            take_str(&mut table, "conformance_baseline")?
                .unwrap_or_else(|| "tests/clients/conformance-expected-failures.yml".to_string()),
        );
        let ci = match table.remove("ci") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(other) => bail!("[server] ci must be true or false, got {other:?}"),
        };
        if let Some(key) = table.keys().next() {
            bail!("{}: unknown key [server] {key}", path.display());
        }
        if package.is_none() && script.is_none() {
            bail!("{}: [server] needs `crate` (a cargo package) or `script` (a python file)", path.display());
        }
        if !conformance_baseline.is_file() {
            bail!("{}: conformance_baseline {} does not exist", path.display(), conformance_baseline.display());
        }
        Ok(Target { label, spec: path.to_path_buf(), package, bin, script, args, transports, ci, conformance_baseline })
    }

    /// The spec for a binary or label (`mcp-oilfield`, `reference`).
    pub fn named(name: &str) -> Result<Target> {
        let path = specs_dir().join(format!("{name}.toml"));
        if !path.is_file() {
            let known: Vec<String> = all_specs()?.iter().map(|t| t.label.clone()).collect();
            bail!("no client spec {} (known: {})", crate::util::rel(&path), known.join(", "));
        }
        Target::load(&path)
    }

    pub fn reference() -> Result<Target> {
        Target::named("reference")
    }
}

/// Every spec, the reference self-test first.
pub fn all_specs() -> Result<Vec<Target>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(specs_dir())
        .with_context(|| format!("listing {}", specs_dir().display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort_by_key(|p| (p.file_stem().is_none_or(|s| s != "reference"), p.clone()));
    paths.iter().map(|p| Target::load(p)).collect()
}

fn parse_server_table(text: &str) -> Result<BTreeMap<String, Value>> {
    let mut table = BTreeMap::new();
    let mut in_server = false;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let name = line.trim_start_matches('[').split(']').next().unwrap_or("").trim();
            in_server = name == "server" && !line.starts_with("[[");
            continue;
        }
        if !in_server {
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| anyhow!("line {}: expected key = value", n + 1))?;
        let value = parse_value(value.trim()).with_context(|| format!("line {}: {raw}", n + 1))?;
        table.insert(key.trim().to_string(), value);
    }
    Ok(table)
}

fn parse_value(s: &str) -> Result<Value> {
    let mut chars = s.chars().peekable();
    let value = match chars.peek() {
        Some('"') => Value::Str(parse_string(&mut chars)?),
        Some('[') => {
            chars.next();
            let mut items = Vec::new();
            loop {
                while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
                match chars.peek() {
                    Some(']') => {
                        chars.next();
                        break;
                    }
                    Some('"') => items.push(parse_string(&mut chars)?),
                    _ => bail!("only single-line arrays of \"strings\" are supported"),
                }
            }
            Value::List(items)
        }
        _ => {
            let word: String = chars.by_ref().take_while(|c| !c.is_whitespace()).collect();
            match word.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => bail!("unsupported value {word:?}: use \"string\", true/false or [\"list\"]"),
            }
        }
    };
    let rest: String = chars.collect();
    let rest = rest.trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        bail!("unexpected text after the value: {rest:?}");
    }
    Ok(value)
}

fn parse_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String> {
    chars.next(); // opening quote
    let mut out = String::new();
    loop {
        match chars.next() {
            None => bail!("unterminated string"),
            Some('"') => return Ok(out),
            Some('\\') => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                other => bail!("unsupported escape \\{}", other.map(String::from).unwrap_or_default()),
            },
            Some(c) => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_server_table() {
        let text = r#"
expected_tools = ["x"]
[server]
crate = "mcp-oilfield"   # comment
args = ["--demo", "--database", "{tmp}/a \"b\".db"]
ci = true
[[read_calls]]
tool = "list_wells"
[http]
headers = { "X" = "y" }
"#;
        let t = parse_server_table(text).expect("parses");
        assert_eq!(t.get("crate"), Some(&Value::Str("mcp-oilfield".into())));
        assert_eq!(
            t.get("args"),
            Some(&Value::List(vec!["--demo".into(), "--database".into(), "{tmp}/a \"b\".db".into()]))
        );
        assert_eq!(t.get("ci"), Some(&Value::Bool(true)));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!(parse_value("[\n").is_err());
        assert!(parse_value("42").is_err());
        assert!(parse_value("\"a\" b").is_err());
        assert_eq!(parse_value("[]").expect("empty"), Value::List(vec![]));
    }

    #[test]
    fn committed_specs_load() {
        let specs = all_specs().expect("specs load");
        assert_eq!(specs.first().map(|t| t.label.as_str()), Some("reference"));
        let oil = specs.iter().find(|t| t.label == "mcp-oilfield").expect("oilfield spec");
        assert_eq!(oil.bin.as_deref(), Some("mcp-oilfield"));
        assert!(oil.args.iter().any(|a| a.contains("{tmp}")));
    }

    #[test]
    fn transport_flags() {
        assert_eq!(Transport::Stdio.server_args(), ["--transport", "stdio"]);
        assert_eq!(Transport::HttpStateless.server_args().last().map(String::as_str), Some("--stateless"));
    }
}
