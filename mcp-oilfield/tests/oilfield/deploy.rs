//! What users copy runs as written: the files in `deploy/` (the example config, the LibreChat
//! entries, the Dockerfile's runtime: its ENV, ENTRYPOINT/CMD and HEALTHCHECK; the image itself
//! cannot be built here) and the README's client entries.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, SseSession};
use test_support::process::{ServerProcess, run_to_end};

use crate::common::{bin, get_json};

/// The shared key the deploy files expect (`OILFIELD_MCP_KEY`, `<key>`).
const KEY: &str = "a-long-enough-test-key-123";

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy").join(file)
}

#[test]
fn the_example_config_in_deploy_is_valid_and_needs_its_key() {
    let example = deploy("oilfield.example.yaml");
    let mut c = bin();
    c.args(["check-config", "--config"]).arg(&example).env("OILFIELD_MCP_KEY", KEY);
    let (code, out, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(0), "{out}{err}");
    let mut c = bin();
    c.args(["check-config", "--config"]).arg(&example);
    let (code, _, err) = run_to_end(c, Duration::from_secs(30)).unwrap();
    assert_eq!(code, Some(64));
    assert!(err.contains("OILFIELD_MCP_KEY"), "{err}");
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(deploy("Dockerfile")).unwrap();
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                let joined = std::mem::take(&mut current);
                if let Some((op, rest)) = joined.trim().split_once(char::is_whitespace) {
                    out.push((op.to_owned(), rest.trim().to_owned()));
                }
            }
        }
    }
    out
}

/// The argument of the last `op` instruction (the one Docker uses for ENTRYPOINT/CMD).
fn instruction(instructions: &[(String, String)], op: &str) -> String {
    instructions.iter().rev().find(|(o, _)| o == op).map(|(_, a)| a.clone()).unwrap_or_else(|| panic!("no {op}"))
}

fn exec_form(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("not an exec-form array ({e}): {json}"))
}

/// The runtime stage's ENV (`K=V` pairs; values without spaces).
fn runtime_env(instructions: &[(String, String)]) -> Vec<(String, String)> {
    let runtime = instructions.iter().rposition(|(o, _)| o == "FROM").unwrap();
    instructions[runtime..]
        .iter()
        .filter(|(o, _)| o == "ENV")
        .flat_map(|(_, a)| a.split_whitespace().map(|kv| kv.split_once('=').unwrap()))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The `docker run` command the Dockerfile's comment gives on the line starting `# {label}:`:
/// its `-e` variables (`<key>` replaced by a test key) and the arguments after the image name
/// (empty: the image's CMD).
fn documented_run(label: &str) -> (Vec<(String, String)>, Vec<String>) {
    let text = std::fs::read_to_string(deploy("Dockerfile")).unwrap();
    let prefix = format!("# {label}:");
    let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no `{prefix}` line"));
    let words: Vec<&str> = line[prefix.len()..].split_whitespace().collect();
    assert_eq!(&words[..2], ["docker", "run"], "{line}");
    let (mut env, mut i) = (Vec::new(), 2);
    while let Some(flag) = words.get(i).filter(|w| w.starts_with('-')) {
        let value = words[i + 1];
        if *flag == "-e" {
            let (k, v) = value.split_once('=').unwrap();
            env.push((k.to_owned(), v.replace("<key>", KEY)));
        }
        i += 2;
    }
    assert_eq!(words[i], "mcp-oilfield", "the image name in {line}");
    (env, words[i + 1..].iter().map(|w| (*w).to_owned()).collect())
}

/// The container as the Dockerfile's `# {label}:` command starts it (ENV, its `-e` variables,
/// ENTRYPOINT + its arguments or CMD), on loopback and a free port instead of 0.0.0.0:8080, with
/// /data in a temporary directory.
fn run_container(label: &str, data: &Path) -> ServerProcess {
    let instructions = dockerfile();
    let mut c = bin();
    c.current_dir(data);
    for (k, v) in runtime_env(&instructions) {
        c.env(&k, v.replace("/data", data.to_str().unwrap()));
    }
    let (env, args) = documented_run(label);
    c.envs(env);
    c.env("MCP_SERVER_HOST", "127.0.0.1").env("MCP_SERVER_PORT", "0");
    assert_eq!(exec_form(&instruction(&instructions, "ENTRYPOINT")), ["/usr/local/bin/mcp-oilfield"]);
    c.args(if args.is_empty() { exec_form(&instruction(&instructions, "CMD")) } else { args });
    ServerProcess::start(c).unwrap_or_else(|e| panic!("`# {label}:` does not start: {e}"))
}

async fn total_records(server: &ServerProcess) -> i64 {
    let ready = get_json(&format!("{}/ready", server.base_url)).await;
    ready["total_records"].as_i64().unwrap_or_else(|| panic!("{ready}"))
}

/// `# Run:` (production: the image's CMD, a volume) starts an empty server; `# Try:` fills the
/// demo. The HEALTHCHECK passes while a server runs, and fails once it stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_docker_runs_serve_and_the_healthcheck_reports_them() {
    let data = tempfile::tempdir().unwrap();
    let mut prod = run_container("Run", data.path());
    assert!(data.path().join("oilfield.db").exists(), "OILFIELD_DATABASE=/data/oilfield.db was not used");
    assert_eq!(total_records(&prod).await, 0, "the production command must not add demo data");
    assert_eq!(prod.terminate(Duration::from_secs(15)).unwrap(), Some(0), "{:?}", prod.logs());

    let data = tempfile::tempdir().unwrap();
    let mut trial = run_container("Try", data.path());
    assert!(total_records(&trial).await > 0, "`# Try:` runs the demo");

    let healthcheck = instruction(&dockerfile(), "HEALTHCHECK");
    let (_, cmd) = healthcheck.split_once("CMD ").unwrap();
    let port = trial.base_url.rsplit(':').next().unwrap().to_owned();
    let argv: Vec<String> = exec_form(cmd).into_iter().map(|a| a.replace("8080", &port)).collect();
    let check = || {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        run_to_end(c, Duration::from_secs(10)).unwrap()
    };
    let (code, out, err) = check();
    assert_eq!(code, Some(0), "HEALTHCHECK failed against a running server: {out}{err}");
    assert_eq!(trial.terminate(Duration::from_secs(15)).unwrap(), Some(0), "{:?}", trial.logs());
    let (code, _, _) = check();
    assert_ne!(code, Some(0), "HEALTHCHECK passed with no server");
}

#[test]
fn the_docker_build_context_leaves_out_build_output_and_local_tools() {
    let ignore = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.dockerignore")).unwrap();
    let entries: Vec<&str> = ignore.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    for needed in ["target", ".tools", ".git"] {
        assert!(entries.iter().any(|e| e.trim_matches('/') == needed), "{needed} is not in .dockerignore: {entries:?}");
    }
}

/// `deploy/librechat.yaml`'s entry `name`: its URL path and its headers as LibreChat sends them
/// for a user (`${OILFIELD_MCP_KEY}` from the environment, `{{LIBRECHAT_USER_*}}` from the user).
fn librechat_entry(name: &str, user: &[(&str, &str)]) -> (String, String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(deploy("librechat.yaml")).unwrap();
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    let entry = &doc["mcpServers"][name];
    let kind = entry["type"].as_str().unwrap().to_owned();
    let url = entry["url"].as_str().unwrap();
    let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    let headers = entry["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let mut v = v.as_str().unwrap().replace("${OILFIELD_MCP_KEY}", KEY);
            for (field, value) in user {
                v = v.replace(&format!("{{{{LIBRECHAT_USER_{field}}}}}"), value);
            }
            assert!(!v.contains("{{") && !v.contains("${"), "{name}: header {k} keeps a placeholder: {v}");
            (k.clone(), v)
        })
        .collect();
    (kind, path, headers)
}

fn tool_names(list: &Value) -> Vec<&str> {
    list["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect()
}

/// The server as `deploy/oilfield.example.yaml` configures it (on loopback, a free port and a
/// temporary database), with both LibreChat entries of `deploy/librechat.yaml` talking to it
/// as their public host: each user's role and id arrive, for Streamable HTTP and for SSE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_librechat_entries_in_deploy_carry_each_users_identity() {
    let data = tempfile::tempdir().unwrap();
    let mut c = bin();
    c.args(["--config"]).arg(deploy("oilfield.example.yaml"));
    c.args(["--host", "127.0.0.1", "--port", "0", "--demo", "--database"]).arg(data.path().join("o.db"));
    c.arg("--export-dir").arg(data.path().join("exports")).env("OILFIELD_MCP_KEY", KEY);
    let server = ServerProcess::start(c).unwrap();
    // LibreChat reaches the server by its public name; the example's allowed_hosts lists it.
    let host = ("Host", "oilfield-mcp.example.com");

    let admin = [("ID", "u-42"), ("EMAIL", "ana@example.com"), ("ROLE", "ADMIN"), ("NAME", "Ana")];
    let user = [("ID", "u-7"), ("EMAIL", "bo@example.com"), ("ROLE", "USER"), ("NAME", "Bo")];

    let (kind, path, headers) = librechat_entry("oilfield", &admin);
    assert_eq!((kind.as_str(), path.as_str()), ("streamable-http", "/mcp"));
    let mut http = McpHttp::new(&server.base_url).with_header(host.0, host.1);
    for (k, v) in &headers {
        http.set_header(k, v);
    }
    http.initialize().await.unwrap();
    let tools = http.list_tools().await.unwrap();
    assert!(tool_names(&tools).contains(&"export_all_data"), "ADMIN does not see admin tools: {tools}");
    let listed = http.call_tool("list_wells", json!({})).await.unwrap();
    assert_ne!(listed["isError"], json!(true), "{listed}");
    let audit = http.call_tool("query_audit_log", json!({"tool": "list_wells"})).await.unwrap();
    let row = &audit["structuredContent"]["items"][0];
    assert_eq!(
        (&row["caller_id"], &row["caller_email"], &row["caller_role"]),
        (&json!("u-42"), &json!("ana@example.com"), &json!("ADMIN")),
        "{audit}"
    );

    let (kind, path, headers) = librechat_entry("oilfield-sse", &user);
    assert_eq!((kind.as_str(), path.as_str()), ("sse", "/sse"));
    let mut sent: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sent.push(host);
    let mut sse = SseSession::open(&server.base_url, &sent).await.unwrap();
    sse.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "librechat", "version": "0"}}),
        &[],
    )
    .await
    .unwrap();
    let listed = sse.request("tools/list", json!({}), &[]).await.unwrap();
    let names = tool_names(&listed["result"]);
    assert!(names.contains(&"add_drilling_record") && !names.contains(&"export_all_data"), "USER sees {names:?}");
    let denied = sse.request("tools/call", json!({"name": "query_audit_log", "arguments": {}}), &[]).await.unwrap();
    assert_eq!(denied["result"]["isError"], json!(true), "{denied}");
    let text = denied["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("role USER may not use tool query_audit_log"), "{text}");
}

/// The first fenced block of `lang` after the README line that starts with `marker`.
fn readme_block(marker: &str, lang: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let after =
        &readme[readme.find(&format!("\n{marker}")).unwrap_or_else(|| panic!("README has no line {marker:?}"))..];
    let fence = format!("```{lang}\n");
    let start = after.find(&fence).unwrap() + fence.len();
    after[start..start + after[start..].find("```").unwrap()].to_owned()
}

#[test]
fn the_readmes_librechat_entry_is_an_excerpt_of_the_tested_one_in_deploy() {
    let readme: Value = serde_yaml_ng::from_str(&readme_block("LibreChat (`librechat.yaml`", "yaml")).unwrap();
    let text = std::fs::read_to_string(deploy("librechat.yaml")).unwrap();
    let deployed: Value = serde_yaml_ng::from_str(&text).unwrap();
    // The README shows an excerpt: every setting it shows is the deploy file's.
    let (shown, tested) = (&readme["mcpServers"]["oilfield"], &deployed["mcpServers"]["oilfield"]);
    let shown = shown.as_object().unwrap();
    assert!(shown.contains_key("headers") && shown.contains_key("url"), "{shown:?}");
    for (key, value) in shown {
        assert_eq!(value, &tested[key], "README's LibreChat entry differs from deploy/librechat.yaml at {key}");
    }
}

/// The README's Claude Desktop entry (stdio), run as the client would run it: the caller is the
/// role and e-mail its `env` gives.
#[test]
fn the_readmes_claude_desktop_entry_starts_a_stdio_server_with_its_role() {
    use std::io::{BufRead, BufReader, Write};
    let entry: Value = serde_json::from_str(&readme_block("Claude Desktop", "json")).unwrap();
    let server = &entry["mcpServers"]["oilfield"];
    assert_eq!(server["command"], "mcp-oilfield");
    let data = tempfile::tempdir().unwrap();
    let mut c = bin();
    for arg in server["args"].as_array().unwrap() {
        c.arg(arg.as_str().unwrap().replace("/data", data.path().to_str().unwrap()));
    }
    for (k, v) in server["env"].as_object().unwrap() {
        c.env(k, v.as_str().unwrap());
    }
    c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"claude-desktop","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"export_all_data","arguments":{}}}"#,
    ] {
        writeln!(stdin, "{line}").unwrap();
    }
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // Requests are served concurrently: replies come in any order, so file them by id.
    let mut replies = [Value::Null, Value::Null, Value::Null, Value::Null];
    for _ in 0..3 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let reply: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        let id = reply["id"].as_u64().unwrap_or_else(|| panic!("not a reply: {reply}"));
        replies[usize::try_from(id).unwrap()] = reply;
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let names = tool_names(&replies[2]["result"]);
    let role = server["env"]["MCP_USER_ROLE"].as_str().unwrap();
    assert_eq!(role, "USER");
    assert!(names.contains(&"add_drilling_record") && !names.contains(&"export_all_data"), "{role} sees {names:?}");
    let text = replies[3]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("role USER may not use tool export_all_data"), "{text}");
    assert!(data.path().join("oilfield.db").exists(), "the entry's --database was not used");
}
