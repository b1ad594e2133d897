//! The hostile-input suite (test_support::hostile) against the Rocket.Chat server in process, with
//! the Rocket.Chat stand-in as its upstream: every shared case over Streamable HTTP, SSE and raw
//! TCP, the stdio framing cases against the real binary, and the server's own (room names and
//! message ids with paths, NUL, URLs and huge lengths, permalinks to another host, uploads outside
//! the upload directory, bad base64 and oversized content, garbage time bounds and counts, mass
//! mentions under `read_only` and `write_rooms`, per-request credentials missing, ambiguous,
//! placeholders or over-long, and upstream faults), each followed by a health check. No answer
//! may carry a Rocket.Chat token or an MCP key.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use mcp_core::NoFlags;
use mcp_core::testing::TestServer;
use mcp_rocketchat::app::RocketChat as Server;
use serde_json::{Value, json};
use test_support::hostile::{
    Case, Expect, Outcome, StdioCase, Target, assert_outcomes, core_cases, run_stdio, stdio_cases,
};
use test_support::rocketchat::{RcVersion, RocketChat, RoomKind, UserHandle};
use test_support::standin::Fault;

const LIMIT: usize = 65_536;
/// `rocketchat.upload_max_bytes` of the servers under test.
const UPLOAD_MAX: usize = 4096;
/// What the file outside the upload directory holds (must never be sent or shown).
const OUTSIDE: &str = "TOP-SECRET-OUTSIDE-THE-UPLOAD-DIR";

const MISSING: &str = "this request did not say whose: send the headers X-RocketChat-User-Id (your user id) and \
                       X-RocketChat-Auth-Token";
const NOT_FOUND: &str = "error-room-not-found";
const NOT_A_MESSAGE_ID: &str = "is not a message id: ids have no spaces or slashes";

/// The stand-in and what the cases refer to.
struct World {
    rc: RocketChat,
    alice: UserHandle,
    bob: UserHandle,
    general: String,
    /// A message of alice's in #general.
    msg: String,
    dir: tempfile::TempDir,
}

async fn world() -> World {
    let rc = RocketChat::start(RcVersion::V7).await.unwrap();
    let alice = rc.add_user("alice", "Alice Liddell", "alice-pw");
    let bob = rc.add_user("bob", "Bob Builder", "bob-pw");
    let general = rc.add_room(RoomKind::Channel, "general", &["alice", "bob"]);
    rc.add_room(RoomKind::Channel, "ops", &["alice", "bob"]);
    rc.disable_rate_limit(None);
    let msg = rc.post_as("alice", &general, "the first message", None);
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");
    std::fs::create_dir_all(uploads.join("sub")).unwrap();
    std::fs::write(uploads.join("ok.txt"), "hello from the upload dir").unwrap();
    std::fs::write(uploads.join("big.bin"), vec![b'b'; UPLOAD_MAX + 1]).unwrap();
    std::fs::write(dir.path().join("outside.txt"), OUTSIDE).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("outside.txt"), uploads.join("escape.txt")).unwrap();
    World { rc, alice, bob, general, msg, dir }
}

fn uploads(dir: &Path) -> String {
    dir.join("uploads").display().to_string()
}

/// Every answer is checked to carry no token and no MCP key.
fn without_secrets(cases: &mut [Case], w: &World) {
    for c in cases {
        for secret in [w.alice.auth_token.as_str(), w.bob.auth_token.as_str(), "key-alice", "key-bob", OUTSIDE] {
            c.expect.absent.push(secret.to_owned());
        }
    }
}

fn refused(text: &str) -> Expect {
    Expect::tool(true).containing(text)
}

fn call(name: &str, tool: &str, args: Value, expect: Expect) -> Case {
    Case::call(name, tool, args, expect)
}

/// `get_messages` of `room`.
fn room_case(name: &str, room: &str, expect: Expect) -> Case {
    call(name, "get_messages", json!({"roomId": room}), expect)
}

/// A `get_messages` of #general with these raw argument texts (numbers serde_json cannot hold).
fn count_case(name: &str, count: &str, expect: Expect) -> Case {
    Case::call_text(name, "get_messages", &format!(r##"{{"roomId": "#general", "count": {count}}}"##), expect)
}

fn time_case(name: &str, after: Option<&str>, before: Option<&str>, expect: Expect) -> Case {
    let mut args = json!({"roomId": "#general"});
    if let Some(a) = after {
        args["after"] = json!(a);
    }
    if let Some(b) = before {
        args["before"] = json!(b);
    }
    call(name, "get_messages", args, expect)
}

fn upload(name: &str, args: Value, expect: Expect) -> Case {
    let mut a = json!({"room_id": "#general", "filename": "f.txt"});
    if let (Some(o), Some(extra)) = (a.as_object_mut(), args.as_object()) {
        o.extend(extra.clone());
    }
    call(name, "upload_file", a, expect)
}

/// A `get_user_info` call with exactly these Rocket.Chat credential headers (the target's left out).
fn with_credentials(name: &str, ids: &[&str], tokens: &[&str], expect: Expect) -> Case {
    let body = json!({"jsonrpc": "2.0", "id": 900, "method": "tools/call",
        "params": {"name": "get_user_info", "arguments": {"user": "@bob"}}});
    let mut headers: Vec<(&str, &str)> = ids.iter().map(|v| ("x-rocketchat-user-id", *v)).collect();
    headers.extend(tokens.iter().map(|v| ("x-rocketchat-auth-token", *v)));
    Case::mcp_with(name, body.to_string(), &headers, &["x-rocketchat-user-id", "x-rocketchat-auth-token"], expect)
}

/// Upstream faults, each on a path no other case and not the health probe (users.info) uses; they
/// run first, so each fault is consumed by its own case.
fn fault_cases(w: &World) -> Vec<Case> {
    let t = &w.alice.auth_token;
    let rc = &w.rc;
    rc.fault_on(
        http::Method::POST,
        "/api/v1/chat.sendMessage",
        [Fault::json(500, json!({"success": false, "error": format!("internal error while checking token {t}")}))],
    );
    let reset = chrono::Utc::now().timestamp_millis() + 600_000;
    rc.fault(
        "/api/v1/chat.getThreadMessages",
        [Fault::json(429, json!({"success": false, "error": "Error, too many requests. Please slow down."}))
            .with_header("x-ratelimit-limit", "10")
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", &reset.to_string())],
    );
    rc.fault(
        "/api/v1/chat.react",
        [Fault::json(429, json!({"success": false, "error": "Error, too many requests."}))
            .with_header("x-ratelimit-reset", "soon")],
    );
    rc.fault(
        "/api/v1/channels.history",
        [Fault::json(401, json!({"status": "error", "message": format!("You must be logged in ({t})")}))],
    );
    rc.fault(
        "/api/v1/users.autocomplete",
        [Fault::status(200).with_header("content-type", "application/json").with_body("{\"items\": [MALFORMED-MARKER")],
    );
    rc.fault("/api/v1/rooms.get", [Fault::Delay(Duration::from_secs(6))]);
    rc.fault("/api/v1/chat.getThreadsList", [Fault::status(503), Fault::status(503)]);
    rc.fault_on(
        http::Method::POST,
        "/api/v1/chat.delete",
        [Fault::status(500)
            .with_header("content-type", "text/html")
            .with_body("<html><body>Bad gateway</body></html>")],
    );
    rc.fault_on(
        http::Method::POST,
        "/api/v1/channels.create",
        [Fault::json(
            403,
            json!({"success": false, "error": "User does not have the permissions required for this action [error-unauthorized]"}),
        )],
    );
    rc.fault_on(http::Method::POST, "/api/v1/chat.update", [Fault::Reset]);
    let msg = &w.msg;
    vec![
        call(
            "stand-in 500 on a send, its body echoing the token",
            "send_message",
            json!({"channel": "#general", "text": "never twice"}),
            refused("Rocket.Chat failed on `chat.sendMessage` (HTTP 500): internal error while checking token ***"),
        ),
        call(
            "stand-in 429 with X-RateLimit-Reset past the call's time",
            "get_thread",
            json!({"thread_id": msg}),
            refused(
                "Rocket.Chat is rate limiting requests (chat.getThreadMessages) and its limit resets after this \
                 call's time limit; retry in ",
            ),
        ),
        call(
            "stand-in 429 on a write, with a reset header that is not a number",
            "react",
            json!({"message_id": msg, "emoji": "+1", "action": "add"}),
            refused("Rocket.Chat's rate limit was hit on `chat.react`. Wait, then call again").without("retry in"),
        ),
        call(
            "stand-in 401 whose body echoes the token",
            "get_messages",
            json!({"roomId": "#general"}),
            refused("Rocket.Chat rejected the credentials: the token is invalid or expired"),
        ),
        call(
            "stand-in 200 with malformed JSON",
            "find_users",
            json!({"query": "al"}),
            refused("users.autocomplete").without("MALFORMED-MARKER"),
        ),
        call("stand-in slower than the call's time", "list_channels", json!({}), refused("did not answer")),
        call(
            "stand-in 503 on every attempt of a read",
            "list_threads",
            json!({"roomId": "#general"}),
            refused("Rocket.Chat failed on `chat.getThreadsList` (HTTP 503)"),
        ),
        call(
            "stand-in 500 with an HTML page from a proxy",
            "delete_message",
            json!({"message_id": msg, "room_id": "#general"}),
            refused("Rocket.Chat failed on `chat.delete` (HTTP 500): Internal Server Error").without("<html>"),
        ),
        call(
            "stand-in 403 with its reason",
            "create_channel",
            json!({"name": "new-room"}),
            refused(
                "Rocket.Chat refused `channels.create`: User does not have the permissions required for this action",
            ),
        ),
        call(
            "stand-in drops the connection on a write",
            "edit_message",
            json!({"message_id": msg, "room_id": "#general", "text": "edited"}),
            refused("chat.update"),
        ),
    ]
}

fn rocketchat_cases(w: &World) -> Vec<Case> {
    let base = w.rc.url();
    let msg = &w.msg;
    let other_host = |name: &str, tool: &str, args: Value, host: &str| {
        call(
            name,
            tool,
            args,
            refused(&format!("links to {host}, but this server works with the Rocket.Chat at {}", &base[7..])),
        )
    };
    let z = "Z".repeat(50_000);
    let long_token = "t".repeat(16 * 1024 + 1);
    let (alice_id, alice_token) = (w.alice.id.as_str(), w.alice.auth_token.as_str());
    let (bob_id, bob_token) = (w.bob.id.as_str(), w.bob.auth_token.as_str());
    vec![
        // Room names.
        room_case("room name with a path traversal", "../../etc/passwd", refused(NOT_FOUND)),
        room_case("room name with an encoded traversal", "%2e%2e%2f%2e%2e%2fetc", refused(NOT_FOUND)),
        room_case("room name with `..` only", "..", refused(NOT_FOUND)),
        room_case("room name `#..`", "#..", refused(NOT_FOUND)),
        room_case("room name with a NUL", "gen\u{0}eral", refused(NOT_FOUND)),
        room_case("room name with a query", "general?roomId=GENERAL", refused(NOT_FOUND)),
        room_case("room name of 50 000 characters", &z, refused(NOT_FOUND).without(&"Z".repeat(1000))),
        room_case(
            "room name of 50 000 characters with a space",
            &format!("{z} x"),
            refused("has spaces, but room names do not").containing("(50002 characters)").without(&"Z".repeat(1000)),
        ),
        room_case("room name with a newline and a forged field", "general\nrole=ADMIN", refused("has spaces")),
        room_case("empty room name", "  ", refused("no room given")),
        room_case("bare #", "#", refused("names no room")),
        room_case("bare @", "@", refused("names no room")),
        room_case("a DM with a path as username", "@../../etc/passwd", Expect::tool(true)),
        room_case("room id shape of no room", "ByehQjC44FwMeiLbX", refused(NOT_FOUND)),
        room_case("a javascript: URL", "javascript:alert(1)", refused(NOT_FOUND)),
        room_case("an ftp URL", "ftp://evil.example/channel/general", refused(NOT_FOUND)),
        room_case(
            "a room link to another host",
            "https://evil.example/channel/general",
            refused("links to evil.example, but this server works with the Rocket.Chat at"),
        ),
        room_case(
            "a room link to another port of loopback",
            "http://127.0.0.1:1/channel/general",
            refused("links to 127.0.0.1:1, but this server works with the Rocket.Chat at"),
        ),
        room_case("a room link to our server", &format!("{base}/channel/general"), Expect::tool(false)),
        room_case("a link that is no room link", &format!("{base}/admin/users"), refused("is not a Rocket.Chat link")),
        room_case("a link that does not parse", "http://[::1/channel/general", refused("is not a Rocket.Chat link")),
        call("room name is a number", "get_messages", json!({"roomId": 5}), refused("invalid type: integer `5`")),
        call("room name is null", "get_messages", json!({"roomId": null}), refused("invalid type: null")),
        call("room name missing", "get_messages", json!({}), refused("missing field `room_id`")),
        call(
            "room name given twice",
            "get_messages",
            json!({"roomId": "a", "room_id": "b"}),
            refused("duplicate field"),
        ),
        // Message ids and permalinks.
        call(
            "message id with a slash",
            "react",
            json!({"message_id": "abc/def", "emoji": "+1", "action": "add"}),
            refused(NOT_A_MESSAGE_ID),
        ),
        call(
            "message id with a query",
            "react",
            json!({"message_id": "abc?roomId=GENERAL", "emoji": "+1", "action": "add"}),
            refused(NOT_A_MESSAGE_ID),
        ),
        call(
            "message id with a traversal to another endpoint",
            "delete_message",
            json!({"message_id": "../../logout"}),
            refused(NOT_A_MESSAGE_ID),
        ),
        call("thread id with a slash", "get_thread", json!({"thread_id": "T1/../x"}), refused(NOT_A_MESSAGE_ID)),
        call(
            "message id with a NUL",
            "delete_message",
            json!({"message_id": "abc\u{0}", "room_id": "#general"}),
            Expect::tool(true),
        ),
        call(
            "message id of 10 000 characters with a slash",
            "get_thread",
            json!({"thread_id": format!("{}/", "m".repeat(10_000))}),
            refused(NOT_A_MESSAGE_ID).without(&"m".repeat(1000)),
        ),
        other_host(
            "permalink to another host (edit)",
            "edit_message",
            json!({"message_id": format!("https://evil.example/channel/general?msg={msg}"), "text": "x"}),
            "evil.example",
        ),
        other_host(
            "permalink to another host (delete)",
            "delete_message",
            json!({"message_id": format!("https://chat.example.com/channel/general?msg={msg}")}),
            "chat.example.com",
        ),
        other_host(
            "permalink with our host as user info",
            "react",
            json!({"message_id": format!("{base}@evil.example/channel/general?msg={msg}"), "emoji": "+1", "action": "add"}),
            "evil.example",
        ),
        other_host(
            "permalink to a host that starts like ours",
            "get_thread",
            json!({"thread_id": format!("http://127.0.0.1.evil.example/channel/general/thread/{msg}")}),
            "127.0.0.1.evil.example",
        ),
        other_host(
            "thread link to another host in a send",
            "send_message",
            json!({"channel": "#general", "text": "x", "thread_id": format!("https://evil.example/channel/general?msg={msg}")}),
            "evil.example",
        ),
        other_host(
            "room link to another host in a send",
            "send_message",
            json!({"channel": "https://evil.example/channel/general", "text": "never sent"}),
            "evil.example",
        ),
        other_host(
            "room link to another host in an upload",
            "upload_file",
            json!({"room_id": "https://evil.example/channel/general", "filename": "a.txt", "text_content": "x"}),
            "evil.example",
        ),
        other_host(
            "room link to another host in wait_for_reply",
            "wait_for_reply",
            json!({"room_id": "https://evil.example/channel/general", "timeout_seconds": 1}),
            "evil.example",
        ),
        call(
            "permalink to our server",
            "get_thread",
            json!({"thread_id": format!("{base}/channel/general?msg={msg}")}),
            Expect::tool(false),
        ),
        call(
            "a room link where a message is expected",
            "get_thread",
            json!({"thread_id": format!("{base}/channel/general")}),
            refused("links to a room, not a message"),
        ),
        // Uploads.
        upload(
            "upload path with a traversal to /etc/passwd",
            json!({"path": "../../../../../../../../../../etc/passwd"}),
            refused("is not a file inside the upload directory").without("root:"),
        ),
        upload(
            "upload path that is absolute",
            json!({"path": "/etc/passwd"}),
            refused("no file `/etc/passwd` in the upload directory").without("root:"),
        ),
        upload(
            "upload path through a symlink out of the directory",
            json!({"path": "escape.txt"}),
            refused("`escape.txt` is not a file inside the upload directory"),
        ),
        upload("upload path that is a directory", json!({"path": "sub"}), refused("is not a file inside the upload")),
        upload("upload path `.`", json!({"path": "."}), refused("is not a file inside the upload directory")),
        upload("upload path with a NUL", json!({"path": "ok.txt\u{0}"}), refused("in the upload directory")),
        upload(
            "upload path of 5,000 characters over two lines",
            json!({"path": format!("x\nrole=ADMIN{}", "a".repeat(5_000))}),
            refused("…` in the upload directory").without(&"a".repeat(201)).without("\nrole=ADMIN"),
        ),
        upload(
            "upload path of a file over the size limit",
            json!({"path": "big.bin"}),
            refused(&format!("`big.bin` has {} bytes; this server sends at most {UPLOAD_MAX}", UPLOAD_MAX + 1)),
        ),
        upload("upload from the upload directory", json!({"path": "ok.txt"}), Expect::tool(false)),
        upload(
            "invalid base64",
            json!({"content_base64": "!!!not base64!!!"}),
            refused("`content_base64` is not valid base64"),
        ),
        upload(
            "base64 with a space inside",
            json!({"content_base64": "aGVs bG8="}),
            refused("`content_base64` is not valid base64"),
        ),
        upload(
            "inline text over the size limit",
            json!({"text_content": "x".repeat(UPLOAD_MAX + 1)}),
            refused(&format!(
                "the file has {} bytes; this server sends at most {UPLOAD_MAX} (rocketchat.upload_max_bytes)",
                UPLOAD_MAX + 1
            )),
        ),
        upload(
            "inline base64 over the size limit",
            json!({"content_base64": base64_of(&vec![7u8; 2 * UPLOAD_MAX])}),
            refused(&format!("the file has {} bytes; this server sends at most {UPLOAD_MAX}", 2 * UPLOAD_MAX)),
        ),
        upload(
            "content holding the multipart boundary",
            json!({"text_content": "a\r\n--mcp-rocketchat-boundary-7d1f3c9a5b2e40f8\r\nContent-Disposition: x"}),
            refused("the file contains this server's multipart boundary"),
        ),
        upload(
            "file name with folders",
            json!({"filename": "../etc/passwd", "text_content": "x"}),
            refused("`filename` `../etc/passwd` must be a bare file name, without folders"),
        ),
        upload(
            "file name with a backslash",
            json!({"filename": "..\\win.ini", "text_content": "x"}),
            refused("must be a bare file name"),
        ),
        upload(
            "file name of 300 characters",
            json!({"filename": "f".repeat(300), "text_content": "x"}),
            refused("`filename` must be at most 255 characters"),
        ),
        upload(
            "file name with quotes and CRLF (no header injection)",
            json!({"filename": "a\"\r\nX-Evil: 1.txt", "text_content": "x"}),
            Expect::tool(false),
        ),
        upload(
            "content inline and by path",
            json!({"text_content": "x", "path": "ok.txt"}),
            refused("give one of the three"),
        ),
        upload("no content at all", json!({}), refused("or `text_content` (or `path`) is needed")),
        // Time bounds.
        time_case(
            "after 99999999d",
            Some("99999999d"),
            None,
            refused("`99999999d` reaches back too far: at most 36500 days"),
        ),
        time_case("after -1h", Some("-1h"), None, refused("`-1h` is not a time")),
        time_case(
            "after with a 30-digit span",
            Some("999999999999999999999999999999d"),
            None,
            refused("is not a time"),
        ),
        time_case(
            "after year 0026",
            Some("0026-01-01"),
            None,
            refused("`0026-01-01` has the year 26: years from 1900 to 2200 are accepted"),
        ),
        time_case(
            "before year 9999",
            None,
            Some("9999-12-31T23:59:59Z"),
            refused("has the year 9999: years from 1900 to 2200"),
        ),
        time_case("before 30 February", None, Some("2026-02-30"), refused("`2026-02-30` is not a time")),
        time_case("after in an unknown format", Some("20/11/2026"), None, refused("is not a time")),
        time_case(
            "after of 10 000 digits",
            Some(&"9".repeat(10_000)),
            None,
            refused("(10000 characters)").without(&"9".repeat(1000)),
        ),
        time_case("after later than before", Some("1h"), Some("2h"), refused("the time range is empty")),
        time_case("after now, before now", Some("now"), Some("now"), refused("the time range is empty")),
        time_case("yesterday to today", Some("yesterday"), Some("today"), Expect::tool(false)),
        call(
            "after is a number",
            "get_messages",
            json!({"roomId": "#general", "after": 1_700_000_000}),
            refused("invalid type: integer `1700000000`, expected a string"),
        ),
        // Counts.
        count_case("count 0", "0", refused("`count` must be between 1 and 100 (got 0); fetch more with `offset`")),
        count_case("count 101", "101", refused("`count` must be between 1 and 100 (got 101)")),
        count_case("count -1", "-1", refused("invalid value: integer `-1`, expected u32")),
        count_case("count 2^32", "4294967296", refused("invalid value: integer `4294967296`, expected u32")),
        count_case("count 2^64", "18446744073709551616", refused("invalid type: floating point")),
        count_case("count 1.5", "1.5", refused("invalid type: floating point `1.5`, expected u32")),
        count_case("count as a string", r#""10""#, refused(r#"invalid type: string \"10\", expected u32"#)),
        count_case("count null", "null", refused("invalid type: null, expected u32")),
        count_case("count 1e309", "1e309", Expect::rpc(400, -32700)),
        call(
            "offset 2^32",
            "list_channels",
            json!({"offset": 4_294_967_296u64}),
            refused("invalid value: integer `4294967296`, expected u32"),
        ),
        call(
            "max_rooms 21",
            "search_messages",
            json!({"query": "x", "max_rooms": 21}),
            refused("`max_rooms` must be between 1 and 20 (got 21)"),
        ),
        call(
            "wait 0 seconds",
            "wait_for_reply",
            json!({"room_id": "#general", "timeout_seconds": 0}),
            refused("`timeout_seconds` must be between 1 and 300 (got 0)"),
        ),
        call(
            "wait 301 seconds",
            "wait_for_reply",
            json!({"room_id": "#general", "timeout_seconds": 301}),
            refused("`timeout_seconds` must be between 1 and 300 (got 301)"),
        ),
        call(
            "101 members",
            "create_channel",
            json!({"name": "big", "members": (0..101).map(|i| format!("u{i}")).collect::<Vec<_>>()}),
            refused("`members` has 101 usernames, at most 100 at once"),
        ),
        // Mass mentions (allow_mass_mentions is false).
        call(
            "@all in a message",
            "send_message",
            json!({"channel": "#general", "text": "@all deploy now"}),
            Expect::tool(false).containing("@all was sent as plain text"),
        ),
        call(
            "@here and @channel in a message",
            "send_message",
            json!({"channel": "#general", "text": "@here and @channel: lunch"}),
            Expect::tool(false).containing("@here, @channel were sent as plain text"),
        ),
        call(
            "@ALL in capitals",
            "send_message",
            json!({"channel": "#general", "text": "hey @ALL."}),
            Expect::tool(false).containing("@all was sent as plain text"),
        ),
        call(
            "an e-mail address is no mention",
            "send_message",
            json!({"channel": "#general", "text": "mail ops@all.example.com"}),
            Expect::tool(false).without("plain text"),
        ),
        upload(
            "@all in an upload's message and description",
            json!({"text_content": "x", "message": "@all see this", "description": "@here too"}),
            Expect::tool(false),
        ),
        call(
            "message over Message_MaxAllowedSize",
            "send_message",
            json!({"channel": "#general", "text": "x".repeat(5001)}),
            refused("the message is 5001 characters long, but this Rocket.Chat server accepts at most 5000"),
        ),
        call(
            "message of 2501 emoji (5002 UTF-16 units)",
            "send_message",
            json!({"channel": "#general", "text": "😀".repeat(2501)}),
            refused("the message is 5002 characters long"),
        ),
        call(
            "emoji given as the character",
            "react",
            json!({"message_id": msg, "emoji": "👍", "action": "add"}),
            refused("not the character"),
        ),
        call(
            "react without an action (no blind toggle)",
            "react",
            json!({"message_id": msg, "emoji": "+1"}),
            refused("missing field `action`"),
        ),
        call(
            "react with action toggle",
            "react",
            json!({"message_id": msg, "emoji": "+1", "action": "toggle"}),
            refused("unknown variant `toggle`"),
        ),
        call("unknown argument", "get_messages", json!({"roomId": "#general", "limit": 5}), refused("unknown field")),
        // Per-request credentials.
        with_credentials("no Rocket.Chat credentials", &[], &[], refused(MISSING)),
        with_credentials("a user id without a token", &[alice_id], &[], refused(MISSING)),
        with_credentials("a token without a user id", &[], &[alice_token], refused(MISSING)),
        with_credentials("blank credentials", &["  "], &["  "], refused(MISSING)),
        with_credentials(
            "two different tokens (alice's and bob's)",
            &[alice_id],
            &[alice_token, bob_token],
            refused(MISSING),
        ),
        with_credentials("two different user ids", &[alice_id, bob_id], &[alice_token], refused(MISSING)),
        with_credentials(
            "the same token twice",
            &[alice_id],
            &[alice_token, alice_token],
            Expect::tool(false).containing("@bob"),
        ),
        with_credentials(
            "a LibreChat placeholder for the token",
            &[alice_id],
            &["{{ROCKET_CHAT_AUTH_TOKEN}}"],
            refused(MISSING).without("{{ROCKET_CHAT_AUTH_TOKEN}}"),
        ),
        with_credentials(
            "a placeholder for the user id",
            &["{{LIBRECHAT_USER_ROCKETCHAT_USER_ID}}"],
            &[alice_token],
            refused(MISSING),
        ),
        with_credentials(
            "a token over 16 KiB",
            &[alice_id],
            &[&long_token],
            refused(MISSING).without(&"t".repeat(1000)),
        ),
        with_credentials(
            "alice's id with bob's token",
            &[alice_id],
            &[bob_token],
            refused("Rocket.Chat rejected the credentials: the token is invalid or expired"),
        ),
        with_credentials(
            "the MCP key as the Rocket.Chat token",
            &[alice_id],
            &["key-alice"],
            refused("the token is invalid or expired"),
        ),
        with_credentials(
            "a token with SQL in it",
            &[alice_id],
            &["' OR '1'='1"],
            refused("the token is invalid or expired"),
        ),
        Case::raw(
            "a credential header of 1 MiB",
            format!(
                "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n{{auth}}X-RocketChat-Auth-Token: {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}",
                "A".repeat(1 << 20)
            ),
            Expect::status(431).or(0),
        ),
    ]
}

fn base64_of(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn per_request_yaml(w: &World) -> String {
    format!(
        "auth: bearer\nbody_limit_bytes: {LIMIT}\nheader_read_timeout_secs: 1\nbody_read_timeout_secs: 1\n\
         request_timeout_secs: 3\n\
         rocketchat:\n  url: {}\n  credentials: per_request\n  max_retries: 1\n  upload_dir: {}\n  upload_max_bytes: {UPLOAD_MAX}\n",
        w.rc.url(),
        uploads(w.dir.path())
    )
}

async fn start(w: &World, yaml: &str, env: &[(&str, &str)]) -> TestServer<Server> {
    let mut pairs = vec![("MCP_AUTH_TOKENS", "alice:key-alice,bob:key-bob")];
    pairs.extend_from_slice(env);
    TestServer::<Server>::start(w.dir.path(), yaml, &pairs, NoFlags {}).await
}

fn probe() -> (&'static str, Value) {
    ("get_user_info", json!({"user": "@alice"}))
}

/// Run `cases` against `target`, each answer checked to carry no secret.
async fn run(target: &Target, cases: &mut [Case], w: &World) -> Vec<Outcome> {
    without_secrets(cases, w);
    target.run(cases).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_exact_answers_and_leave_the_server_healthy() {
    let w = world().await;
    let s = start(&w, &per_request_yaml(&w), &[]).await;
    let (tool, args) = probe();
    let target = Target::new(
        &s.base,
        &[
            ("authorization", "Bearer key-alice"),
            ("x-rocketchat-user-id", &w.alice.id),
            ("x-rocketchat-auth-token", &w.alice.auth_token),
        ],
        &[
            ("authorization", "Bearer key-bob"),
            ("x-rocketchat-user-id", &w.bob.id),
            ("x-rocketchat-auth-token", &w.bob.auth_token),
        ],
        tool,
        args.clone(),
    );
    let mut cases = fault_cases(&w);
    cases.extend(core_cases(LIMIT, tool, &args));
    cases.extend(rocketchat_cases(&w));
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let outcomes = run(&target, &mut cases, &w).await;
    assert_outcomes(&outcomes);

    // Nothing was sent twice or to the wrong place, and no MCP key reached Rocket.Chat.
    let texts: Vec<String> = w.rc.messages(&w.general).into_iter().map(|m| m.text).collect();
    assert!(!texts.iter().any(|t| t == "never twice" || t == "never sent"), "{texts:?}");
    // (One case sends the MCP key as its Rocket.Chat token on purpose: that header is the caller's.)
    for r in w.rc.requests() {
        assert!(r.header("authorization").is_none(), "{} carried an Authorization header", r.path);
        for (name, value) in r.headers.iter().filter(|(n, _)| n.as_str() != "x-auth-token") {
            let v = value.to_str().unwrap_or_default();
            assert!(!v.contains("key-alice") && !v.contains("key-bob"), "the MCP key reached Rocket.Chat in {name}");
        }
    }
    assert_eq!(
        w.rc.requests_to("/api/v1/chat.sendMessage")
            .iter()
            .filter(|r| r.body.windows(11).any(|b| b == b"never twice"))
            .count(),
        1,
        "a send is never retried"
    );
    // Every group mention was neutralised: no stored text has one, and bob was not notified.
    for t in &texts {
        let found = mcp_rocketchat::safety::find_group_mentions(t);
        assert!(found.is_empty(), "a live group mention was sent: {t:?}");
    }
    assert_eq!(w.rc.subscription("bob", &w.general).unwrap().group_mentions, 0);
    // The upload with quotes and CRLF in its name did not inject a header or a part.
    for u in w.rc.uploads(&w.general) {
        assert!(!u.name.contains(['\r', '\n', '"']), "{:?}", u.name);
        assert!(!String::from_utf8_lossy(&u.data).contains(OUTSIDE));
    }
}

/// A server with `read_only: true`: every write is hidden, whatever the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_hides_every_write_from_hostile_calls() {
    let w = world().await;
    let env = [("ROCKET_CHAT_USER_ID", w.alice.id.as_str()), ("ROCKET_CHAT_AUTH_TOKEN", w.alice.auth_token.as_str())];
    let yaml = format!(
        "auth: bearer\nread_only: true\nrocketchat:\n  url: {}\n  upload_dir: {}\n",
        w.rc.url(),
        uploads(w.dir.path())
    );
    let s = start(&w, &yaml, &env).await;
    let (tool, args) = probe();
    let target = Target::new(
        &s.base,
        &[("authorization", "Bearer key-alice")],
        &[("authorization", "Bearer key-bob")],
        tool,
        args,
    );
    let hidden = || Expect::rpc(200, -32602).containing("Unknown tool");
    let msg = &w.msg;
    let mut cases = vec![
        call("send @all", "send_message", json!({"channel": "#general", "text": "@all now"}), hidden()),
        call("send @here to a DM", "send_message", json!({"channel": "@bob", "text": "@here"}), hidden()),
        call("edit to @all", "edit_message", json!({"message_id": msg, "text": "@all"}), hidden()),
        call("delete", "delete_message", json!({"message_id": msg}), hidden()),
        call("react", "react", json!({"message_id": msg, "emoji": "+1", "action": "add"}), hidden()),
        call(
            "upload from the directory",
            "upload_file",
            json!({"room_id": "#general", "filename": "a", "path": "ok.txt"}),
            hidden(),
        ),
        call("create a channel", "create_channel", json!({"name": "x"}), hidden()),
        call("mark read", "mark_read", json!({"all": true}), hidden()),
        call("open a DM", "open_direct_message", json!({"username": "bob"}), hidden()),
        call("a read still works", "get_messages", json!({"roomId": "#general"}), Expect::tool(false)),
    ];
    let before = w.rc.messages(&w.general).len();
    let outcomes = run(&target, &mut cases, &w).await;
    assert_outcomes(&outcomes);
    assert_eq!(w.rc.messages(&w.general).len(), before, "nothing was written");
}

/// A server with `write_rooms: ["#ops"]`: writes anywhere else are refused, also through links
/// that name an allowed room but carry a message of another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_rooms_refuse_hostile_writes_elsewhere() {
    let w = world().await;
    let env = [("ROCKET_CHAT_USER_ID", w.alice.id.as_str()), ("ROCKET_CHAT_AUTH_TOKEN", w.alice.auth_token.as_str())];
    let yaml = format!(
        "auth: bearer\nrocketchat:\n  url: {}\n  write_rooms: [\"#ops\"]\n  upload_dir: {}\n",
        w.rc.url(),
        uploads(w.dir.path())
    );
    let s = start(&w, &yaml, &env).await;
    let (tool, args) = probe();
    let target = Target::new(
        &s.base,
        &[("authorization", "Bearer key-alice")],
        &[("authorization", "Bearer key-bob")],
        tool,
        args,
    );
    let denied = |room: &str| {
        refused(&format!("this server may not write to {room}: writes are allowed only to #ops (write_rooms)"))
    };
    let msg = &w.msg;
    let base = w.rc.url();
    let mut cases = vec![
        call(
            "@all to #general",
            "send_message",
            json!({"channel": "#general", "text": "@all now"}),
            denied("#general"),
        ),
        call("to #general by its id", "send_message", json!({"channel": w.general, "text": "x"}), denied("#general")),
        call(
            "to #general by its link",
            "send_message",
            json!({"channel": format!("{base}/channel/general"), "text": "x"}),
            denied("#general"),
        ),
        call(
            "to #GENERAL in capitals",
            "send_message",
            json!({"channel": "#GENERAL", "text": "x"}),
            Expect::tool(true),
        ),
        call(
            "to a DM",
            "send_message",
            json!({"channel": "@bob", "text": "@here"}),
            denied("the direct messages with @bob"),
        ),
        call(
            "@here to #ops",
            "send_message",
            json!({"channel": "#ops", "text": "@here standup"}),
            Expect::tool(false).containing("@here was sent as plain text"),
        ),
        call(
            "edit a #general message",
            "edit_message",
            json!({"message_id": msg, "room_id": "#general", "text": "@all"}),
            denied("#general"),
        ),
        call(
            "edit a #general message named as in #ops",
            "edit_message",
            json!({"message_id": msg, "room_id": "#ops", "text": "@all"}),
            refused("does not match where the message is from"),
        ),
        call(
            "delete a #general message",
            "delete_message",
            json!({"message_id": msg, "room_id": format!("{base}/channel/general")}),
            denied("#general"),
        ),
        // `react` names no room: the message's own room is looked up (chat.getMessage), never the
        // room a link names: both are the write_rooms denial for #general, and that no reaction
        // landed is checked at the end.
        call(
            "react in #general",
            "react",
            json!({"message_id": msg, "emoji": "+1", "action": "add"}),
            denied("#general"),
        ),
        call(
            "react through an #ops link carrying a #general message",
            "react",
            json!({"message_id": format!("{base}/channel/ops?msg={msg}"), "emoji": "+1", "action": "add"}),
            denied("#general").without("Added"),
        ),
        call(
            "upload to #general",
            "upload_file",
            json!({"room_id": "#general", "filename": "a.txt", "text_content": "@all"}),
            denied("#general"),
        ),
        call(
            "upload outside the directory to #ops",
            "upload_file",
            json!({"room_id": "#ops", "filename": "a.txt", "path": "escape.txt"}),
            refused("is not a file inside the upload directory"),
        ),
    ];
    let before = w.rc.messages(&w.general).len();
    let outcomes = run(&target, &mut cases, &w).await;
    assert_outcomes(&outcomes);
    assert_eq!(w.rc.messages(&w.general).len(), before, "nothing was written to #general");
    let m = w.rc.message(&w.msg).unwrap();
    assert!(m.reactions.is_empty() && !m.edited && m.text == "the first message", "{m:?}");
}

#[cfg(unix)]
#[test]
fn hostile_lines_over_stdio_get_exact_answers_and_leave_the_binary_healthy() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let w = rt.block_on(world());
    let cfg = w.dir.path().join("stdio.yaml");
    std::fs::write(
        &cfg,
        format!(
            "transport: stdio\nbody_limit_bytes: {LIMIT}\nrocketchat:\n  url: {}\n  upload_dir: {}\n  upload_max_bytes: {UPLOAD_MAX}\n",
            w.rc.url(),
            uploads(w.dir.path())
        ),
    )
    .unwrap();
    let (stdout, stderr) = (w.dir.path().join("stdout.log"), w.dir.path().join("stderr.log"));
    // The real binary, its stdout copied to a file and its stderr kept, to look for the token.
    let mut c = std::process::Command::new("sh");
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ROCKET_CHAT_USER_ID", &w.alice.id)
        .env("ROCKET_CHAT_AUTH_TOKEN", &w.alice.auth_token)
        .env("MCP_LOG_LEVEL", "debug")
        .arg("-c")
        .arg(r#"exec "$0" --config "$1" 2>"$2" | tee "$3""#)
        .arg(env!("CARGO_BIN_EXE_mcp-rocketchat"))
        .arg(&cfg)
        .arg(&stderr)
        .arg(&stdout);
    let msg = w.msg.clone();
    let mut cases = stdio_cases(LIMIT);
    cases.extend([
        StdioCase::call("count 0", "get_messages", json!({"roomId": "#general", "count": 0}), true),
        StdioCase::call("count -1", "get_messages", json!({"roomId": "#general", "count": -1}), true),
        StdioCase::call("count as a string", "get_messages", json!({"roomId": "#general", "count": "5"}), true),
        StdioCase::call("room name with a traversal", "get_messages", json!({"roomId": "../../etc/passwd"}), true),
        StdioCase::call("room name with a NUL", "get_messages", json!({"roomId": "gen\u{0}eral"}), true),
        StdioCase::call("after 99999999d", "get_messages", json!({"roomId": "#general", "after": "99999999d"}), true),
        StdioCase::call("after -1h", "get_messages", json!({"roomId": "#general", "after": "-1h"}), true),
        StdioCase::call("after year 0026", "get_messages", json!({"roomId": "#general", "after": "0026-01-01"}), true),
        StdioCase::call(
            "permalink to another host",
            "delete_message",
            json!({"message_id": format!("https://evil.example/channel/general?msg={msg}")}),
            true,
        ),
        StdioCase::call("message id with a slash", "get_thread", json!({"thread_id": "a/b"}), true),
        StdioCase::call(
            "upload through a symlink out of the directory",
            "upload_file",
            json!({"room_id": "#general", "filename": "a", "path": "escape.txt"}),
            true,
        ),
        StdioCase::call(
            "upload with a traversal",
            "upload_file",
            json!({"room_id": "#general", "filename": "a", "path": "../outside.txt"}),
            true,
        ),
        StdioCase::call(
            "invalid base64",
            "upload_file",
            json!({"room_id": "#general", "filename": "a", "content_base64": "%%%"}),
            true,
        ),
        StdioCase::call(
            "@all is sent as plain text",
            "send_message",
            json!({"channel": "#general", "text": "@all over stdio"}),
            false,
        ),
    ]);
    let (tool, args) = probe();
    let outcomes = run_stdio(c, &cases, tool, &args).unwrap();
    assert_outcomes(&outcomes);
    let out = std::fs::read_to_string(&stdout).unwrap();
    let err = std::fs::read_to_string(&stderr).unwrap();
    assert!(out.contains("is not a file inside the upload directory"), "the transcript was captured");
    assert!(out.contains("links to evil.example"), "{out}");
    for (what, text) in [("stdout", &out), ("stderr", &err)] {
        assert!(!text.contains(&w.alice.auth_token), "the token is in the {what}");
        assert!(!text.contains(OUTSIDE), "the file outside the upload directory is in the {what}");
    }
    for t in w.rc.messages(&w.general).iter().map(|m| &m.text) {
        assert!(mcp_rocketchat::safety::find_group_mentions(t).is_empty(), "{t:?}");
    }
    drop(rt);
}
