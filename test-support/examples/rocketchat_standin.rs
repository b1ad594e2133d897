//! The Rocket.Chat stand-in ([`RocketChat`]) as a process, for `cargo xtask bench rocketchat`,
//! `cargo xtask clients` and for trying `mcp-rocketchat` by hand without a Rocket.Chat server.
//!
//! ```text
//! rocketchat_standin [--version X.Y.Z] [--user USERNAME:USER_ID:AUTH_TOKEN]...
//!                    [--channel NAME]... [--messages N] [--rate-limit default|off]
//!                    [--capture-dir DIR]
//! ```
//!
//! It serves on `127.0.0.1:0`, prints `Listening on http://127.0.0.1:PORT` and runs until killed.
//!
//! - `--version`: the Rocket.Chat release it behaves as (default 8.5.0).
//! - `--user`: an ordinary user (role `user`) with this `_id` and personal access token, the
//!   `X-User-Id` / `X-Auth-Token` pair a client sends (repeatable). Without one, a user `bench`
//!   with the id and token of [`DEFAULT_USER`] is created.
//! - `--channel`: a public channel every user is a member of (repeatable; default `general`),
//!   seeded with `--messages` messages (default 200), posted by the users in turn.
//! - `--rate-limit`: `off` (the default, like the real server's `TEST_MODE`) or `default` (the
//!   real default limiter, 10 calls per 60 s per route and method, for ordinary users).
//!
//! `--capture-dir DIR`: twice a second the newest request of each endpoint received since the
//! last tick is written to `DIR/<endpoint>.json` (`channels.history.json` for
//! `/api/v1/channels.history`, `info.json` for `/api/info`) as
//! `{"method", "path", "query", "headers": [[name, value], ...], "body"}` (body as UTF-8 text),
//! `DIR/requests.json` holds the number of requests per endpoint since the start, and the
//! recorded requests are dropped (so memory stays flat under load). A captured request carries a
//! personal access token, which never expires, so a load generator can replay it as the "direct"
//! reference of a server's own request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use test_support::rocketchat::{RcVersion, RocketChat, RoomKind};
use test_support::standin::Recorded;

const USAGE: &str = "usage: rocketchat_standin [--version X.Y.Z] [--user USERNAME:USER_ID:AUTH_TOKEN]... \
                     [--channel NAME]... [--messages N] [--rate-limit default|off] [--capture-dir DIR]";

/// The user created when no `--user` is given (test credentials, not an account's).
const DEFAULT_USER: (&str, &str, &str) = ("bench", "BenchUser00000001", "bench-personal-access-token-000000000000000");

/// How often captured requests are written and the recording is emptied.
const CAPTURE_TICK: Duration = Duration::from_millis(500);

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    version: RcVersion,
    users: Vec<(String, String, String)>,
    channels: Vec<String>,
    messages: u32,
    rate_limit: bool,
    capture_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: RcVersion::V8,
            users: Vec::new(),
            channels: Vec::new(),
            messages: 200,
            rate_limit: false,
            capture_dir: None,
        }
    }
}

fn parse_version(v: &str) -> Option<RcVersion> {
    let mut parts = v.split('.').map(|p| p.parse::<u16>().ok());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Some(major)), Some(Some(minor)), patch, None) => {
            let patch = match patch {
                None => 0,
                Some(p) => p?,
            };
            Some(RcVersion::new(major, minor, patch))
        }
        _ => None,
    }
}

/// A channel name as Rocket.Chat's default `UTF8_Channel_Names_Validation` accepts it.
fn valid_room_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--version" => {
                let v = value()?;
                opts.version = parse_version(&v).ok_or_else(|| format!("--version wants X.Y[.Z], got {v:?}"))?;
            }
            "--user" => {
                let v = value()?;
                let parts: Vec<&str> = v.splitn(3, ':').collect();
                match parts.as_slice() {
                    [name, id, token] if valid_room_name(name) && !id.is_empty() && !token.is_empty() => {
                        opts.users.push(((*name).to_owned(), (*id).to_owned(), (*token).to_owned()));
                    }
                    _ => return Err(format!("--user wants USERNAME:USER_ID:AUTH_TOKEN, got {v:?}")),
                }
            }
            "--channel" => {
                let v = value()?;
                if !valid_room_name(&v) {
                    return Err(format!("--channel wants a name of letters, digits, - _ and ., got {v:?}"));
                }
                opts.channels.push(v);
            }
            "--messages" => {
                let v = value()?;
                opts.messages = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= 100_000)
                    .ok_or_else(|| format!("--messages wants a number up to 100000, got {v:?}"))?;
            }
            "--rate-limit" => match value()?.as_str() {
                "off" => opts.rate_limit = false,
                "default" => opts.rate_limit = true,
                v => return Err(format!("--rate-limit wants default or off, got {v:?}")),
            },
            "--capture-dir" => opts.capture_dir = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let mut seen = Vec::new();
    for (name, id, _) in &opts.users {
        if seen.contains(&name) || seen.contains(&id) {
            return Err(format!("--user {name}: the username and the id must be unique"));
        }
        seen.push(name);
        seen.push(id);
    }
    Ok(opts)
}

/// Users, channels and messages as the options say.
fn seed(rc: &RocketChat, opts: &Options) {
    let default = [(DEFAULT_USER.0.to_owned(), DEFAULT_USER.1.to_owned(), DEFAULT_USER.2.to_owned())];
    let users = if opts.users.is_empty() { &default[..] } else { &opts.users[..] };
    for (name, id, token) in users {
        rc.add_user_with_token(name, name, "", &["user"], id, token);
    }
    let names: Vec<&str> = users.iter().map(|(n, _, _)| n.as_str()).collect();
    let channels = if opts.channels.is_empty() { vec!["general".to_owned()] } else { opts.channels.clone() };
    for channel in &channels {
        let rid = rc.add_room(RoomKind::Channel, channel, &names);
        for i in 0..opts.messages as usize {
            let author = names[i % names.len()];
            rc.post_as(author, &rid, &format!("message {} of #{channel}, seeded by the stand-in", i + 1), None);
        }
    }
    if !opts.rate_limit {
        rc.disable_rate_limit(None);
    }
}

/// The endpoint a recorded request went to (`channels.history`, `info`), if it is one that
/// makes a safe file name.
fn endpoint_of(r: &Recorded) -> Option<&str> {
    let name = r.path.strip_prefix("/api/v1/").or_else(|| r.path.strip_prefix("/api/"))?;
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    safe.then_some(name)
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

/// Write `text` to `dir/name` through a temporary file, so a reader never sees half a file.
fn write_atomically(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Count `requests` into `counts`, write the newest request of each endpoint to
/// `dir/<endpoint>.json` and the counts to `dir/requests.json`.
fn write_captures(dir: &Path, requests: &[Recorded], counts: &mut BTreeMap<String, u64>) -> std::io::Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for r in requests.iter().rev() {
        let Some(endpoint) = endpoint_of(r) else { continue };
        *counts.entry(endpoint.to_owned()).or_default() += 1;
        if seen.contains(&endpoint) {
            continue;
        }
        write_atomically(dir, &format!("{endpoint}.json"), &capture_json(r).to_string())?;
        seen.push(endpoint);
    }
    write_atomically(dir, "requests.json", &json!(counts).to_string())
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
    let rc = match RocketChat::start(opts.version).await {
        Ok(rc) => rc,
        Err(e) => {
            eprintln!("rocketchat_standin: cannot listen on 127.0.0.1: {e}");
            return ExitCode::FAILURE;
        }
    };
    seed(&rc, &opts);
    if let Some(dir) = &opts.capture_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("rocketchat_standin: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    // The one line a harness waits for (stdout is line-buffered, so it is seen at once).
    #[allow(clippy::print_stdout)]
    {
        println!("Listening on {}", rc.url());
    }
    let mut counts = BTreeMap::new();
    let mut tick = tokio::time::interval(CAPTURE_TICK);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let requests = rc.requests();
                rc.clear_requests();
                if let Some(dir) = &opts.capture_dir
                    && let Err(e) = write_captures(dir, &requests, &mut counts)
                {
                    eprintln!("rocketchat_standin: cannot write a capture into {}: {e}", dir.display());
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminated() => break,
        }
    }
    rc.shutdown().await;
    ExitCode::SUCCESS
}

/// SIGTERM (how the harnesses stop it); never on other platforms.
async fn terminated() {
    #[cfg(unix)]
    {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_users_channels_counts_and_the_capture_dir() {
        let o = parse(&args(&[
            "--version",
            "7.10",
            "--user",
            "alice:AliceId:tok:en",
            "--channel",
            "ops",
            "--messages",
            "5",
            "--rate-limit",
            "default",
            "--capture-dir",
            "/tmp/x",
        ]))
        .unwrap();
        assert_eq!(o.version, RcVersion::new(7, 10, 0));
        assert_eq!(o.users, vec![("alice".into(), "AliceId".into(), "tok:en".into())]);
        assert_eq!((o.channels, o.messages, o.rate_limit), (vec!["ops".to_owned()], 5, true));
        assert_eq!(o.capture_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!(parse(&[]).unwrap(), Options::default());
        for bad in [
            &["--user", "alice:id"][..],
            &["--user", "a:b:c", "--user", "a:d:e"],
            &["--channel", "no spaces"],
            &["--messages", "many"],
            &["--version", "8"],
            &["--rate-limit", "on"],
            &["--capture-dir"],
            &["--port", "1"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn seeds_users_with_their_tokens_and_captures_the_newest_request_per_endpoint() {
        let opts = Options { messages: 3, ..Options::default() };
        let rc = RocketChat::start(opts.version).await.unwrap();
        seed(&rc, &opts);
        let (_, id, token) = DEFAULT_USER;
        assert!(rc.token_is_valid(id, token));
        test_support::install_crypto_provider();
        let client = reqwest::Client::new();
        let get = |q: &str| {
            client
                .get(format!("{}/api/v1/rooms.info?{q}", rc.url()))
                .header("X-User-Id", id)
                .header("X-Auth-Token", token)
                .send()
        };
        let room: Value = get("roomName=general").await.unwrap().json().await.unwrap();
        let rid = room["room"]["_id"].as_str().unwrap().to_owned();
        assert_eq!(rc.messages(&rid).iter().filter(|m| m.system.is_none()).count(), 3);
        get(&format!("roomId={rid}")).await.unwrap();
        client.get(format!("{}/api/info", rc.url())).send().await.unwrap();
        client.get(format!("{}/elsewhere", rc.url())).send().await.unwrap();

        let dir = std::env::temp_dir().join(format!("rocketchat-standin-capture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut counts = BTreeMap::new();
        write_captures(&dir, &rc.requests(), &mut counts).unwrap();
        let read =
            |name: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap() };
        let v = read("rooms.info.json");
        assert_eq!((v["method"].as_str(), v["path"].as_str()), (Some("GET"), Some("/api/v1/rooms.info")));
        assert_eq!(v["query"], format!("roomId={rid}"));
        assert!(v["headers"].as_array().unwrap().iter().any(|h| h[0] == "x-auth-token" && h[1] == token));
        assert_eq!(read("info.json")["path"], "/api/info");
        assert_eq!(read("requests.json"), json!({"info": 1, "rooms.info": 2}));
        write_captures(&dir, &rc.requests(), &mut counts).unwrap();
        assert_eq!(read("requests.json")["rooms.info"], 4, "counts add up across ticks");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
