//! The `[server]` table of a client spec (`tests/clients/specs/<name>.toml`): which binary to
//! build and start, with which arguments, environment and over which transports; and the optional
//! `[standin]` table: an upstream stand-in (a `test-support` example) started before the server,
//! for each transport, whose URL the server's environment can name as `{standin_url}`. The rest
//! of the file is the Python checker's business: it is parsed (the file must be valid TOML) but
//! not read here.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

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

/// A spec file as xtask reads it: only its `[server]` and `[standin]` tables.
#[derive(Debug, Deserialize)]
struct SpecFile {
    server: ServerTable,
    standin: Option<StandinTable>,
}

/// The `[standin]` table; any other key in it is an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandinTable {
    /// The `test-support` example to build and start; it prints `Listening on http://...` on
    /// stdout or stderr.
    example: String,
    /// Its arguments; `{tmp}` is the run's fresh directory.
    #[serde(default)]
    args: Vec<String>,
}

/// The `[server]` table; any other key in it is an error (a typo would otherwise be ignored).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerTable {
    /// Cargo package to build and run.
    #[serde(rename = "crate")]
    package: Option<String>,
    /// Its binary, when not named like the package.
    bin: Option<String>,
    /// A Python file run with the venv's python instead (relative to the workspace root).
    script: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    /// Environment variables set for the server (over the inherited ones); `{tmp}` and
    /// `{standin_url}` are replaced.
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Transport names; every transport when absent.
    transports: Option<Vec<String>>,
    /// Relative to the workspace root.
    conformance_baseline: Option<String>,
    #[serde(default)]
    ci: bool,
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
    /// Environment of the server, `{tmp}` and `{standin_url}` not yet replaced.
    pub env: Vec<(String, String)>,
    /// The upstream stand-in started before the server, if any.
    pub standin: Option<Standin>,
    pub transports: Vec<Transport>,
    /// Part of `cargo xtask ci`.
    pub ci: bool,
    /// The conformance suite's expected-failures file for this server.
    pub conformance_baseline: PathBuf,
}

/// An upstream stand-in of a spec: a `test-support` example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standin {
    pub example: String,
    /// `{tmp}` not yet replaced.
    pub args: Vec<String>,
}

pub fn specs_dir() -> PathBuf {
    root().join("tests/clients/specs")
}

impl Target {
    pub fn load(path: &Path) -> Result<Target> {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Target::from_spec(path, &text).with_context(|| format!("in {}", path.display()))
    }

    /// The target described by `text`, the content of the spec file `path`.
    fn from_spec(path: &Path, text: &str) -> Result<Target> {
        let label = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let file = toml::from_str::<SpecFile>(text)?;
        let server = file.server;
        if server.package.is_none() && server.script.is_none() {
            bail!("[server] needs `crate` (a cargo package) or `script` (a python file)");
        }
        let transports = match &server.transports {
            None => Transport::ALL.to_vec(),
            Some(names) => names.iter().map(|s| Transport::parse(s)).collect::<Result<_>>()?,
        };
        let conformance_baseline = root()
            .join(server.conformance_baseline.as_deref().unwrap_or("tests/clients/conformance-expected-failures.yml"));
        if !conformance_baseline.is_file() {
            bail!("conformance_baseline {} does not exist", conformance_baseline.display());
        }
        let standin = file.standin.map(|t| Standin { example: t.example, args: t.args });
        if standin.as_ref().is_some_and(|s| s.example.is_empty() || s.example.contains(['/', ' '])) {
            bail!("[standin] example must name a test-support example");
        }
        if standin.is_none() && server.env.values().any(|v| v.contains("{standin_url}")) {
            bail!("[server] env names {{standin_url}} but the spec has no [standin]");
        }
        Ok(Target {
            label,
            spec: path.to_path_buf(),
            bin: server.bin.or_else(|| server.package.clone()),
            package: server.package,
            script: server.script.map(|s| root().join(s)),
            args: server.args,
            env: server.env.into_iter().collect(),
            standin,
            transports,
            ci: server.ci,
            conformance_baseline,
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
expected_tools = ["x"]
[server]
crate = "mcp-oilfield"   # comment
args = ["--demo", "--database", "{tmp}/a \"b\".db"]
transports = ["stdio", "http-stateless"]
ci = true
[[read_calls]]
tool = "list_wells"
[http]
headers = { "X" = "y" }
"#;

    fn target(text: &str) -> Result<Target> {
        Target::from_spec(Path::new("/specs/demo.toml"), text)
    }

    #[test]
    fn reads_only_the_server_table() {
        let t = target(SPEC).expect("loads");
        assert_eq!(t.label, "demo");
        assert_eq!(
            (t.package.as_deref(), t.bin.as_deref(), t.script.as_ref()),
            (Some("mcp-oilfield"), Some("mcp-oilfield"), None)
        );
        assert_eq!(t.args, ["--demo", "--database", "{tmp}/a \"b\".db"]);
        assert_eq!(t.transports, [Transport::Stdio, Transport::HttpStateless]);
        assert!(t.ci);
        assert_eq!(t.conformance_baseline, root().join("tests/clients/conformance-expected-failures.yml"));
    }

    #[test]
    fn defaults_apply_to_a_minimal_server_table() {
        let t = target("[server]\nscript = \"tests/clients/reference_server.py\"\n").expect("loads");
        assert_eq!((t.package, t.bin), (None, None));
        assert_eq!(t.script, Some(root().join("tests/clients/reference_server.py")));
        assert_eq!((t.args.len(), t.transports, t.ci), (0, Transport::ALL.to_vec(), false));
    }

    #[test]
    fn rejects_what_it_cannot_use() {
        let err = |text: &str| format!("{:#}", target(text).expect_err(text));
        assert!(err("[server]\ncrate = \"a\"\nargz = []\n").contains("argz"));
        assert!(err("[server]\ncrate = \"a\"\nci = \"yes\"\n").contains("ci"));
        assert!(err("[server]\ncrate = \"a\"\nargs = [1]\n").contains("args"));
        assert!(err("[server]\nbin = \"a\"\n").contains("needs `crate`"));
        assert!(err("[server]\ncrate = \"a\"\ntransports = [\"ws\"]\n").contains("unknown transport"));
        assert!(err("[server]\ncrate = \"a\"\nconformance_baseline = \"nope.yml\"\n").contains("does not exist"));
        assert!(err("[other]\ncrate = \"a\"\n").contains("server"));
        assert!(err("[server]\ncrate = \"a\n").contains("line 2"));
        assert!(err("[server]\ncrate = \"a\"\n[standin]\nexample = \"x\"\nargz = []\n").contains("argz"));
        assert!(err("[server]\ncrate = \"a\"\n[standin]\nargs = []\n").contains("example"));
        assert!(err("[server]\ncrate = \"a\"\nenv = { U = \"{standin_url}\" }\n").contains("no [standin]"));
    }

    #[test]
    fn reads_the_standin_and_the_servers_environment() {
        let t = target(
            "[server]\ncrate = \"a\"\nenv = { B = \"{tmp}/x\", A = \"{standin_url}\" }\n\
             [standin]\nexample = \"rocketchat_standin\"\nargs = [\"--messages\", \"5\"]\n",
        )
        .expect("loads");
        assert_eq!(t.env, [("A".to_owned(), "{standin_url}".to_owned()), ("B".to_owned(), "{tmp}/x".to_owned())]);
        assert_eq!(
            t.standin,
            Some(Standin { example: "rocketchat_standin".into(), args: vec!["--messages".into(), "5".into()] })
        );
        assert!(target(SPEC).expect("loads").standin.is_none());
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
