//! The `resources` capability and signed download URLs, through a small file server on the core:
//! real HTTP on loopback, real MCP requests, real files in a temp dir.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use mcp_core::config::{Config, Section};
use mcp_core::downloads::Downloads;
use mcp_core::resources::{FileRoot, ResourceError, ServedFile};
use mcp_core::{App, BuildContext, Caller, Denial, Hints, NoCommand, NoFlags, ToolDef, ToolError, ToolOutput};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, client};

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FilesSection {
    /// The directory whose files are served.
    pub dir: PathBuf,
}

impl Section for FilesSection {
    const KEY: &'static str = "files";
}

/// Files of one directory as `files://<name>`: ADMIN may read them and get download links.
pub struct FilesApp {
    root: FileRoot,
    downloads: Option<Arc<Downloads>>,
}

const PREFIX: &str = "files://";

fn mime(name: &str) -> &'static str {
    if name.ends_with(".txt") { "text/plain" } else { "application/octet-stream" }
}

impl FilesApp {
    async fn open(&self, uri: &str) -> Result<ServedFile, ResourceError> {
        let name = uri.strip_prefix(PREFIX).ok_or(ResourceError::NotFound)?;
        Ok(self.root.open(name, mime(name)).await?.with_download_id(name))
    }
}

#[derive(Deserialize, JsonSchema)]
pub struct LinkArgs {
    /// File name.
    pub name: String,
}

fn is_admin(caller: &Caller) -> bool {
    caller.role.as_deref() == Some("ADMIN")
}

impl App for FilesApp {
    type Section = FilesSection;
    type Flags = NoFlags;
    type Command = NoCommand;
    type Access = ();
    type Tag = ();
    const NAME: &'static str = "mcp-files";
    const TITLE: &'static str = "Files";
    const VERSION: &'static str = "0";
    const DEFAULT_PORT: u16 = 1;
    const INSTRUCTIONS: &'static str = "Files.";

    fn tools() -> Vec<ToolDef<Self>> {
        vec![ToolDef::new(
            "link",
            "Link",
            "A download URL of a file.",
            Hints::read_only().closed_world(),
            |s: Arc<Self>, _ctx, a: LinkArgs| async move {
                let d = s.downloads.as_ref().ok_or_else(|| ToolError::invalid("no downloads here"))?;
                let link = d.link(&a.name).ok_or_else(|| ToolError::invalid("id too long"))?;
                Ok(ToolOutput::text(link.url))
            },
        )]
    }

    async fn build(config: Arc<Config<FilesSection>>, _: NoFlags, ctx: BuildContext) -> anyhow::Result<Self> {
        Ok(Self { root: FileRoot::new(config.server.dir.clone()), downloads: ctx.downloads.clone() })
    }

    fn check_access(&self, caller: &Caller, tool: &ToolDef<Self>) -> Result<(), Denial> {
        if is_admin(caller) {
            Ok(())
        } else {
            Err(Denial { message: format!("Permission denied: {} needs ADMIN", tool.name()), role: "other".into() })
        }
    }

    fn has_resources(&self) -> bool {
        true
    }

    async fn list_resources(&self, caller: &Caller) -> Vec<rmcp::model::Resource> {
        if !is_admin(caller) {
            return Vec::new();
        }
        let mut names: Vec<String> = std::fs::read_dir(self.root.dir())
            .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        names.sort();
        names.into_iter().map(|n| rmcp::model::Resource::new(format!("{PREFIX}{n}"), n)).collect()
    }

    async fn read_resource(&self, caller: &Caller, uri: &str) -> Result<ServedFile, ResourceError> {
        if !is_admin(caller) {
            return Err(ResourceError::NotFound);
        }
        self.open(uri).await
    }

    async fn download(&self, file_id: &str) -> Result<ServedFile, ResourceError> {
        self.open(&format!("{PREFIX}{file_id}")).await
    }

    async fn run_command(c: NoCommand, _: Arc<Config<FilesSection>>, _: NoFlags) -> anyhow::Result<()> {
        match c {}
    }
}

const KEY: &str = "files-key";

struct Fixture {
    server: mcp_core::testing::TestServer<FilesApp>,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    async fn client(&self, role: &str) -> McpHttp {
        let mut c = McpHttp::new(&self.server.base)
            .with_header("authorization", &format!("Bearer {KEY}"))
            .with_header("x-user-role", role);
        c.initialize().await.unwrap();
        c
    }
}

async fn fixture(public: bool, extra: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("notes.txt"), "hello\nworld\n").unwrap();
    let blob: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(files.join("data.bin"), &blob).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "outside the root").unwrap();
    let yaml = format!("auth: bearer\n{extra}files:\n  dir: {}\n", files.display());
    let env = [("MCP_AUTH_TOKENS", format!("t:{KEY}"))];
    let env: Vec<(&str, &str)> = env.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let server = if public {
        mcp_core::testing::TestServer::<FilesApp>::start_public(dir.path(), &yaml, &env, NoFlags {}).await
    } else {
        mcp_core::testing::TestServer::<FilesApp>::start(dir.path(), &yaml, &env, NoFlags {}).await
    };
    Fixture { server, dir }
}

/// resources/read → the whole JSON-RPC message.
async fn read(c: &mut McpHttp, uri: &str) -> Value {
    c.request("resources/read", json!({"uri": uri})).await.unwrap().json().unwrap()
}

fn error_code(v: &Value) -> i64 {
    v["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error: {v}"))
}

async fn link(c: &mut McpHttp, name: &str) -> String {
    let r = c.call_tool("link", json!({"name": name})).await.unwrap();
    assert_ne!(r["isError"], true, "{r}");
    r["content"][0]["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_capability_is_declared_only_by_servers_with_resources() {
    let f = fixture(false, "").await;
    let mut c = McpHttp::new(&f.server.base).with_header("authorization", &format!("Bearer {KEY}"));
    let init = c.initialize().await.unwrap();
    assert!(init["result"]["capabilities"]["resources"].is_object(), "{init}");

    let demo = crate::common::start("").await;
    let mut d = McpHttp::new(&demo.base);
    let init = d.initialize().await.unwrap();
    assert!(
        init["result"]["capabilities"]["tools"].is_object()
            && init["result"]["capabilities"].get("resources").is_none(),
        "{init}"
    );
    let r = read(&mut d, "files://notes.txt").await;
    assert_eq!(error_code(&r), -32601, "{r}");
    // Listing is still answered (clients list whatever the capabilities say): an empty list.
    let list = d.request("resources/list", json!({})).await.unwrap().json().unwrap();
    assert_eq!(list["result"]["resources"], json!([]), "{list}");
}

#[tokio::test]
async fn an_allowed_caller_lists_and_reads_text_and_blobs() {
    let f = fixture(false, "").await;
    let mut admin = f.client("ADMIN").await;
    let list = admin.request("resources/list", json!({})).await.unwrap().json().unwrap();
    let uris: Vec<&str> =
        list["result"]["resources"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, ["files://data.bin", "files://notes.txt"], "{list}");

    let r = read(&mut admin, "files://notes.txt").await;
    let c = &r["result"]["contents"][0];
    assert_eq!(c["text"], "hello\nworld\n", "{r}");
    assert_eq!(c["mimeType"], "text/plain");
    assert_eq!(c["uri"], "files://notes.txt");

    let r = read(&mut admin, "files://data.bin").await;
    let c = &r["result"]["contents"][0];
    assert!(c.get("text").is_none(), "{c}");
    let bytes = base64::engine::general_purpose::STANDARD.decode(c["blob"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, std::fs::read(f.files().join("data.bin")).unwrap());
}

#[tokio::test]
async fn unknown_forbidden_and_escaping_uris_are_the_same_not_found() {
    let f = fixture(false, "").await;
    #[cfg(unix)]
    std::os::unix::fs::symlink(f.dir.path().join("secret.txt"), f.files().join("link.txt")).unwrap();
    let mut admin = f.client("ADMIN").await;
    let mut guest = f.client("GUEST").await;

    let forbidden = read(&mut guest, "files://notes.txt").await;
    let missing = read(&mut admin, "files://nothere.txt").await;
    assert_eq!(error_code(&forbidden), -32002, "{forbidden}");
    assert_eq!(error_code(&missing), -32002, "{missing}");
    let msg = |v: &Value, uri: &str| v["error"]["message"].as_str().unwrap().replace(uri, "URI");
    assert_eq!(
        msg(&forbidden, "files://notes.txt"),
        msg(&missing, "files://nothere.txt"),
        "a forbidden resource reads exactly like a missing one"
    );
    assert!(forbidden["error"]["message"].as_str().unwrap().starts_with("Resource not found: "), "{forbidden}");
    let list = guest.request("resources/list", json!({})).await.unwrap().json().unwrap();
    assert_eq!(list["result"]["resources"], json!([]), "{list}");

    for uri in [
        "files://../secret.txt",
        "files://..%2Fsecret.txt",
        "files://%2e%2e/secret.txt",
        "files://link.txt",
        "files://",
        "files:///etc/passwd",
        "file:///etc/passwd",
    ] {
        let r = read(&mut admin, uri).await;
        assert_eq!(error_code(&r), -32002, "{uri}: {r}");
        assert!(!r.to_string().contains("outside the root"), "{uri}: {r}");
    }
}

#[tokio::test]
async fn a_file_over_the_read_limit_is_refused_with_a_download_url_that_works() {
    let f = fixture(true, "resources:\n  max_read_bytes: 1024\n").await;
    let mut admin = f.client("ADMIN").await;
    let r = read(&mut admin, "files://data.bin").await;
    assert_eq!(error_code(&r), -32600, "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("200000 bytes") && msg.contains("resources.max_read_bytes = 1024"), "{msg}");
    let url = msg.split_whitespace().find(|w| w.starts_with("http://")).unwrap();
    let got = client().get(url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), std::fs::read(f.files().join("data.bin")).unwrap());
    // Small files are still read inline.
    assert_eq!(read(&mut admin, "files://notes.txt").await["result"]["contents"][0]["text"], "hello\nworld\n");
    // Not for someone who may not read it: the same not-found, no URL.
    let mut guest = f.client("GUEST").await;
    let r = read(&mut guest, "files://data.bin").await;
    assert_eq!(error_code(&r), -32002);
    assert!(!r.to_string().contains("/downloads/"), "{r}");
}

#[tokio::test]
async fn a_download_url_streams_the_file_once_without_bearer_auth() {
    let f = fixture(true, "").await;
    let mut admin = f.client("ADMIN").await;
    let url = link(&mut admin, "data.bin").await;
    assert!(url.starts_with(&format!("{}/downloads/", f.server.base)), "{url}");

    // HEAD checks it without using it up.
    let head = client().head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    // No Authorization header: the token is the authorization.
    let got = client().get(&url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/octet-stream");
    assert_eq!(got.headers()["content-disposition"], "attachment; filename=\"data.bin\"");
    assert_eq!(got.headers()["content-length"], "200000");
    assert_eq!(got.headers()["cache-control"], "no-store");
    assert_eq!(got.bytes().await.unwrap().to_vec(), std::fs::read(f.files().join("data.bin")).unwrap());

    let again = client().get(&url).send().await.unwrap();
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("already been used"));
}

#[tokio::test]
async fn max_uses_allows_exactly_that_many_fetches() {
    let f = fixture(true, "downloads:\n  max_uses: 3\n").await;
    let mut admin = f.client("ADMIN").await;
    let url = link(&mut admin, "notes.txt").await;
    for i in 0..3 {
        let got = client().get(&url).send().await.unwrap();
        assert_eq!(got.status(), 200, "fetch {i}");
        assert_eq!(got.text().await.unwrap(), "hello\nworld\n");
    }
    assert_eq!(client().get(&url).send().await.unwrap().status(), 410);
    assert_eq!(client().head(&url).send().await.unwrap().status(), 410);
    // A new link has its own uses.
    let fresh = link(&mut admin, "notes.txt").await;
    assert_eq!(client().get(&fresh).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn tampered_foreign_and_expired_urls_are_refused() {
    let f = fixture(true, "downloads:\n  ttl_secs: 1\n").await;
    let mut admin = f.client("ADMIN").await;
    let url = link(&mut admin, "notes.txt").await;
    let (base, token) = url.rsplit_once('/').unwrap();
    let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).unwrap();
    // Point the token at another file name of the same length: the signature no longer holds.
    let at = bytes.len() - 32 - "notes.txt".len();
    bytes[at..at + 9].copy_from_slice(b"data.bin\0");
    let tampered = format!("{base}/{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
    let r = client().get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("not valid"));
    for bad in
        ["x", "..%2F..%2Fetc%2Fpasswd", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
    {
        assert_eq!(client().get(format!("{base}/{bad}")).send().await.unwrap().status(), 403, "{bad}");
    }
    // A wrong Host is refused by the guard before anything else.
    let r = client().get(&url).header("host", "evil.example.com").send().await.unwrap();
    assert_eq!(r.status(), 403);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn without_public_url_there_are_no_download_urls() {
    let f = fixture(false, "").await;
    let mut admin = f.client("ADMIN").await;
    let r = admin.call_tool("link", json!({"name": "notes.txt"})).await.unwrap();
    assert_eq!(r["isError"], true, "{r}");
    let got = client().get(format!("{}/downloads/abc", f.server.base)).send().await.unwrap();
    assert_eq!(got.status(), 404);
}

#[test]
fn download_and_resource_keys_are_validated_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let load = |yaml: &str| mcp_core::testing::load::<FilesApp>(dir.path(), yaml, &[], Vec::new());
    assert_eq!(load("downloads:\n  ttl_secs: 0\n").unwrap_err().key, "downloads.ttl_secs");
    assert_eq!(load("downloads:\n  max_uses: 0\n").unwrap_err().key, "downloads.max_uses");
    assert_eq!(load("downloads:\n  signing_key: short\n").unwrap_err().key, "downloads.signing_key");
    assert_eq!(load("downloads:\n  nope: 1\n").unwrap_err().key, "downloads.nope");
    assert_eq!(load("resources:\n  max_read_bytes: 10\n").unwrap_err().key, "resources.max_read_bytes");
    let key = "k".repeat(40);
    let loaded = load(&format!("downloads:\n  signing_key: {key}\n")).unwrap();
    let printed = loaded.render_with_provenance();
    assert!(!printed.contains(&key), "{printed}");
    assert!(
        printed.contains("signing_key: '***'")
            || printed.contains("signing_key: \"***\"")
            || printed.contains("signing_key: ***"),
        "{printed}"
    );
}

#[tokio::test]
async fn a_configured_signing_key_signs_urls_another_server_with_it_accepts() {
    let key = "s".repeat(40);
    let extra = format!("downloads:\n  signing_key: {key}\n");
    let a = fixture(true, &extra).await;
    let b = fixture(true, &extra).await;
    let mut admin = a.client("ADMIN").await;
    let url = link(&mut admin, "notes.txt").await;
    let token = url.rsplit('/').next().unwrap();
    let other = client().get(format!("{}/downloads/{token}", b.server.base)).send().await.unwrap();
    assert_eq!(other.status(), 200, "same key: the token verifies on the other server");
    let c = fixture(true, "").await;
    let refused = client().get(format!("{}/downloads/{token}", c.server.base)).send().await.unwrap();
    assert_eq!(refused.status(), 403, "a generated key is the server's own");
}
