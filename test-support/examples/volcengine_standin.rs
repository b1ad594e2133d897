//! The Volcengine RocketMQ stand-in ([`VolcengineStandIn`]) as a process, for `cargo xtask bench
//! rocketmq` and for trying `mcp-rocketmq` by hand without an account.
//!
//! ```text
//! volcengine_standin [--credentials AK:SK[:SESSION_TOKEN]]... [--variant ACTION=VARIANT]...
//!                    [--capture-dir DIR]
//! ```
//!
//! It serves on `127.0.0.1:0`, prints `Listening on http://127.0.0.1:PORT` and runs until killed.
//! `--credentials` preloads the keys it accepts (repeatable), `--variant` selects a fixture
//! variant of an action (e.g. `GetInstanceInspectResult=empty`).
//!
//! `--capture-dir DIR`: twice a second the newest request of each action received since the last
//! tick is written to `DIR/<Action>.json` as
//! `{"method", "path", "query", "headers": [[name, value], ...], "body"}` (body as UTF-8 text),
//! and the recorded requests are dropped (so memory stays flat under load). A captured request is
//! correctly signed and its signature stays valid for the stand-in's ±15 minute window, so a load
//! generator can replay it as the "direct" reference of a server's own request.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use test_support::standin::Recorded;
use test_support::volcengine::VolcengineStandIn;

const USAGE: &str = "usage: volcengine_standin [--credentials AK:SK[:SESSION_TOKEN]]... \
                     [--variant ACTION=VARIANT]... [--capture-dir DIR]";

/// How often captured requests are written and the recording is emptied.
const CAPTURE_TICK: Duration = Duration::from_millis(500);

/// What the command line asks for.
#[derive(Debug, Default, PartialEq)]
struct Options {
    credentials: Vec<(String, String, Option<String>)>,
    variants: Vec<(String, String)>,
    capture_dir: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--credentials" => {
                let v = value()?;
                let mut parts = v.splitn(3, ':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(ak), Some(sk), token) if !ak.is_empty() && !sk.is_empty() => {
                        opts.credentials.push((ak.to_owned(), sk.to_owned(), token.map(str::to_owned)));
                    }
                    _ => return Err(format!("--credentials wants AK:SK[:SESSION_TOKEN], got {v:?}")),
                }
            }
            "--variant" => {
                let v = value()?;
                let (action, variant) =
                    v.split_once('=').ok_or_else(|| format!("--variant wants ACTION=VARIANT, got {v:?}"))?;
                opts.variants.push((action.to_owned(), variant.to_owned()));
            }
            "--capture-dir" => opts.capture_dir = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(opts)
}

/// A recorded request as the JSON object written to the capture directory.
fn capture_json(r: &Recorded) -> Value {
    let headers: Vec<Value> = r
        .headers
        .iter()
        .map(|(name, value)| json!([name.as_str(), String::from_utf8_lossy(value.as_bytes())]))
        .collect();
    json!({
        "method": r.method.as_str(),
        "path": r.path,
        "query": r.query,
        "headers": headers,
        "body": String::from_utf8_lossy(&r.body),
    })
}

/// The `Action` query parameter of a recorded request.
fn action_of(r: &Recorded) -> Option<String> {
    r.query_pairs().into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v)
}

/// Write the newest request of each action in `requests` to `dir/<Action>.json` (through a
/// temporary file, so a reader never sees half a file).
fn write_captures(dir: &Path, requests: &[Recorded]) -> std::io::Result<()> {
    let mut seen = Vec::new();
    for r in requests.iter().rev() {
        let Some(action) = action_of(r) else { continue };
        let safe = !action.is_empty() && action.chars().all(|c| c.is_ascii_alphanumeric());
        if !safe || seen.contains(&action) {
            continue;
        }
        let tmp = dir.join(format!(".{action}.json.tmp"));
        std::fs::write(&tmp, capture_json(r).to_string())?;
        std::fs::rename(&tmp, dir.join(format!("{action}.json")))?;
        seen.push(action);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse(&args) {
        Ok(opts) => opts,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(64);
        }
    };
    let standin = match VolcengineStandIn::start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("volcengine_standin: cannot listen on 127.0.0.1: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (ak, sk, token) in &opts.credentials {
        standin.add_credentials(ak, sk, token.as_deref());
    }
    for (action, variant) in &opts.variants {
        standin.set_variant(action, variant);
    }
    if let Some(dir) = &opts.capture_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("volcengine_standin: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    // The one line a harness waits for (stdout is line-buffered, so it is seen at once).
    #[allow(clippy::print_stdout)]
    {
        println!("Listening on {}", standin.url());
    }
    let mut tick = tokio::time::interval(CAPTURE_TICK);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let requests = standin.requests();
                standin.standin().clear_requests();
                if let Some(dir) = &opts.capture_dir
                    && let Err(e) = write_captures(dir, &requests)
                {
                    eprintln!("volcengine_standin: cannot write a capture into {}: {e}", dir.display());
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    standin.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_credentials_variants_and_the_capture_dir() {
        let o = parse(&args(&[
            "--credentials",
            "AK1:s/k+=",
            "--credentials",
            "AK2:sk2:tok:en",
            "--variant",
            "GetInstanceInspectResult=empty",
            "--capture-dir",
            "/tmp/x",
        ]))
        .unwrap();
        assert_eq!(
            o.credentials,
            vec![("AK1".into(), "s/k+=".into(), None), ("AK2".into(), "sk2".into(), Some("tok:en".into()))]
        );
        assert_eq!(o.variants, vec![("GetInstanceInspectResult".into(), "empty".into())]);
        assert_eq!(o.capture_dir, Some(PathBuf::from("/tmp/x")));
        assert!(parse(&args(&["--credentials", "AK-only"])).is_err());
        assert!(parse(&args(&["--variant", "novalue"])).is_err());
        assert!(parse(&args(&["--capture-dir"])).is_err());
        assert!(parse(&args(&["--port", "1"])).is_err());
    }

    #[tokio::test]
    async fn captures_the_newest_request_of_each_action() {
        let standin = VolcengineStandIn::start().await.unwrap();
        test_support::install_crypto_provider();
        let client = reqwest::Client::new();
        for (action, body) in [("GetInspectConfig", "{\"n\":1}"), ("GetInspectConfig", "{\"n\":2}"), ("X-y", "{}")] {
            let url = format!("{}/?Action={action}&Version=2023-01-01", standin.url());
            client.post(url).header("content-type", "application/json").body(body).send().await.unwrap();
        }
        let dir = std::env::temp_dir().join(format!("volcengine-standin-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_captures(&dir, &standin.requests()).unwrap();
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("GetInspectConfig.json")).unwrap()).unwrap();
        assert_eq!(v["body"], "{\"n\":2}");
        assert_eq!((v["method"].as_str(), v["path"].as_str()), (Some("POST"), Some("/")));
        assert_eq!(v["query"], "Action=GetInspectConfig&Version=2023-01-01");
        assert!(v["headers"].as_array().unwrap().iter().any(|h| h[0] == "content-type" && h[1] == "application/json"));
        assert!(!dir.join("X-y.json").exists(), "an action name that is not alphanumeric is not a file name");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
