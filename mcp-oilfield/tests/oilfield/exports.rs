//! Exports a remote admin can fetch: `resources/read oilfield://exports/<name>` over the same MCP
//! connection and the signed download URL (real HTTP GET), permissions and scope, refusals
//! (expired, tampered, used up, path traversal), retention, and round trips of both formats.

use serde_json::{Value, json};
use test_support::mcp_http::{McpHttp, client};

use crate::common::{Fixture, fails, fixture, fixture_public, fixture_with, ok};

/// An export: (its resource_link block, its structuredContent, its text).
async fn export(c: &mut McpHttp, args: Value) -> (Value, Value, String) {
    let r = c.call_tool("export_all_data", args).await.unwrap();
    assert_ne!(r["isError"], true, "{r}");
    let link = r["content"].as_array().unwrap().iter().find(|b| b["type"] == "resource_link").unwrap().clone();
    let text = r["content"][0]["text"].as_str().unwrap().to_owned();
    (link, r["structuredContent"].clone(), text)
}

/// resources/read → the whole JSON-RPC message.
async fn read(c: &mut McpHttp, uri: &str) -> Value {
    c.request("resources/read", json!({"uri": uri})).await.unwrap().json().unwrap()
}

fn code(v: &Value) -> i64 {
    v["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error: {v}"))
}

fn text_of(v: &Value) -> String {
    v["result"]["contents"][0]["text"].as_str().unwrap_or_else(|| panic!("no text contents: {v}")).to_owned()
}

fn export_files(f: &Fixture) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(f.dir.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_admin_fetches_an_export_through_resources_read_and_the_download_url() {
    let f = fixture_public("", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, s, text) = export(&mut admin, json!({"format": "csv"})).await;
    let uri = link["uri"].as_str().unwrap();
    assert!(uri.starts_with("oilfield://exports/oilfield-export-") && uri.ends_with(".csv"), "{link}");
    assert_eq!(s["resource_uri"], uri);
    assert!(s["uri"].as_str().unwrap().starts_with("file:///"), "the file:// path stays for stdio users: {s}");
    let on_disk = std::fs::read(s["path"].as_str().unwrap()).unwrap();

    // MCP: the same connection reads it.
    let r = read(&mut admin, uri).await;
    assert_eq!(r["result"]["contents"][0]["mimeType"], "text/csv", "{r}");
    assert_eq!(text_of(&r).as_bytes(), on_disk.as_slice());
    let list = admin.request("resources/list", json!({})).await.unwrap().json().unwrap();
    assert_eq!(list["result"]["resources"][0]["uri"], uri, "{list}");

    // Web: the signed URL, in the text and the structured content, fetched without any header.
    let url = s["download_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/downloads/", f.server.base)), "{url}");
    assert!(text.contains(url), "{text}");
    assert_eq!(s["download_max_uses"], 1);
    assert!(s["download_expires_at"].as_str().unwrap().ends_with('Z'), "{s}");
    let got = client().get(url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "text/csv");
    let name = uri.trim_start_matches("oilfield://exports/");
    assert_eq!(got.headers()["content-disposition"], format!("attachment; filename=\"{name}\""));
    assert_eq!(got.bytes().await.unwrap().to_vec(), on_disk);
    // One use by default.
    let again = client().get(url).send().await.unwrap();
    assert_eq!(again.status(), 410);
}

#[tokio::test]
async fn a_non_admin_can_neither_read_nor_download_an_export() {
    let f = fixture_public("", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, _, _) = export(&mut admin, json!({"format": "json"})).await;
    let uri = link["uri"].as_str().unwrap().to_owned();
    let missing = "oilfield://exports/oilfield-export-20200101T000000.000Z-000000000000.json";
    let missing_answer = read(&mut admin, missing).await;
    assert_eq!(code(&missing_answer), -32002);
    for role in [Some("USER"), Some("GUEST"), None, Some("NOBODY")] {
        let mut c = f.client(role).await;
        let r = read(&mut c, &uri).await;
        assert_eq!(code(&r), -32002, "{role:?}: {r}");
        // Exactly what a missing export answers (apart from the URI), so nothing tells it exists.
        let msg = r["error"]["message"].as_str().unwrap().replace(&uri, "URI");
        assert_eq!(msg, missing_answer["error"]["message"].as_str().unwrap().replace(missing, "URI"));
        let list = c.request("resources/list", json!({})).await.unwrap().json().unwrap();
        assert_eq!(list["result"]["resources"], json!([]), "{role:?}: {list}");
        // No way to a download URL either.
        let denied = fails(&mut c, "export_all_data", json!({"format": "csv"})).await;
        assert!(denied.contains("Permission denied"), "{denied}");
    }
}

#[tokio::test]
async fn an_admin_limited_to_a_block_reads_only_exports_within_that_block() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    BLOCKADMIN: {permissions: [read, write, delete, admin], blocks: [Block-A]}\n  fallback_role: deny\n";
    let f = fixture_public("", roles).await;
    let mut admin = f.client(Some("ADMIN")).await;
    let mut block = f.client(Some("BLOCKADMIN")).await;
    let (all, _, _) = export(&mut admin, json!({"format": "csv"})).await;
    let (mine, _, _) = export(&mut block, json!({"format": "csv"})).await;
    let (all, mine) = (all["uri"].as_str().unwrap(), mine["uri"].as_str().unwrap());
    assert_eq!(code(&read(&mut block, all).await), -32002, "the whole field's export is beyond Block-A");
    let own = text_of(&read(&mut block, mine).await);
    assert!(own.lines().skip(1).all(|l| l.contains(",Block-A,")), "{own}");
    assert_eq!(text_of(&read(&mut admin, mine).await), own, "an unrestricted admin reads it too");
    let listed = block.request("resources/list", json!({})).await.unwrap().json().unwrap();
    let uris: Vec<&str> =
        listed["result"]["resources"].as_array().unwrap().iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, [mine]);
}

#[tokio::test]
async fn expired_tampered_and_used_up_download_urls_are_refused() {
    let f = fixture_public("downloads:\n  max_uses: 2\n", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (_, s, _) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
    let url = s["download_url"].as_str().unwrap().to_owned();
    assert_eq!(s["download_max_uses"], 2);
    // Tampered: any changed character of the token.
    let (base, token) = url.rsplit_once('/').unwrap();
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{base}/{}", chars.into_iter().collect::<String>());
    let r = client().get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("not valid"));
    // Two uses, then gone.
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    let used = client().get(&url).send().await.unwrap();
    assert_eq!(used.status(), 410);
    assert!(used.text().await.unwrap().contains("already been used"));
    // Expired: a URL past its one-second life.
    let f = fixture_public("downloads:\n  ttl_secs: 1\n", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (_, s, _) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
    let fresh = s["download_url"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = client().get(&fresh).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("expired"));
}

#[tokio::test]
async fn path_traversal_in_resource_uris_and_download_paths_is_refused() {
    let f = fixture_public("", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, _, _) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
    let name = link["uri"].as_str().unwrap().trim_start_matches("oilfield://exports/").to_owned();
    let exports = f.dir.path().join("exports");
    // A planted symlink with an export's name, pointing out of the directory.
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", exports.join("oilfield-export-20200101T000000.000Z-aaaaaaaaaaaa.csv"))
        .unwrap();
    for uri in [
        "oilfield://exports/../../etc/passwd".to_owned(),
        "oilfield://exports/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "oilfield://exports/%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
        "oilfield://exports/..\\..\\etc\\passwd".to_owned(),
        "oilfield://exports//etc/passwd".to_owned(),
        format!("oilfield://exports/{name}/../../../etc/passwd"),
        format!("oilfield://exports/.{name}.scope.json"),
        "oilfield://exports/oilfield-export-20200101T000000.000Z-aaaaaaaaaaaa.csv".to_owned(),
        "file:///etc/passwd".to_owned(),
        format!("file://{}", exports.join(&name).display()),
    ] {
        let r = read(&mut admin, &uri).await;
        assert_eq!(code(&r), -32002, "{uri}: {r}");
        assert!(!r.to_string().contains("root:"), "{uri}: {r}");
    }
    for path in ["/downloads/../../etc/passwd", "/downloads/..%2F..%2Fetc%2Fpasswd", "/downloads/%2e%2e"] {
        let r = client().get(format!("{}{path}", f.server.base)).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!r.text().await.unwrap().contains("root:"), "{path}");
    }
}

#[tokio::test]
async fn retention_removes_old_exports_and_the_oldest_beyond_the_cap() {
    let f = fixture_public("", "  max_exports: 2\n").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let mut uris = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..3 {
        let (link, s, _) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
        uris.push(link["uri"].as_str().unwrap().to_owned());
        urls.push(s["download_url"].as_str().unwrap().to_owned());
        // Distinct modification times order the exports.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let names = |uris: &[String]| {
        let mut v: Vec<String> = uris.iter().map(|u| u.trim_start_matches("oilfield://exports/").to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(export_files(&f), names(&uris[1..]), "the oldest beyond max_exports is gone");
    assert_eq!(code(&read(&mut admin, &uris[0]).await), -32002);
    let gone = client().get(&urls[0]).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert!(gone.text().await.unwrap().contains("gone"));
    let hidden: Vec<String> = std::fs::read_dir(f.dir.path().join("exports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden.len(), 2, "the removed export's scope record went with it: {hidden:?}");

    // Past the retention (default one day): aged by two days, removed by the next sweep.
    let aged = f.dir.path().join("exports").join(&names(&uris[1..])[0]);
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options().write(true).open(&aged).unwrap().set_modified(two_days_ago).unwrap();
    let (latest, _, _) = export(&mut admin, json!({"format": "json", "well_ids": ["ZT-101"]})).await;
    let left = export_files(&f);
    assert!(!left.contains(&aged.file_name().unwrap().to_string_lossy().into_owned()), "{left:?}");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().any(|n| latest["uri"].as_str().unwrap().ends_with(n.as_str())));
}

#[tokio::test]
async fn the_background_sweep_removes_exports_past_their_retention() {
    let f = fixture("  export_sweep_interval_secs: 1\n").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, s, _) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
    let path = std::path::PathBuf::from(s["path"].as_str().unwrap());
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400))
        .unwrap();
    // No further export: only the periodic sweep can remove it (bounded wait).
    let mut removed = false;
    for _ in 0..100 {
        if !path.exists() {
            removed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(removed, "{} is still there", path.display());
    assert_eq!(code(&read(&mut admin, link["uri"].as_str().unwrap()).await), -32002);
}

#[tokio::test]
async fn without_public_url_an_export_has_no_download_url_but_reads_over_mcp() {
    let f = fixture("").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, s, text) = export(&mut admin, json!({"format": "csv", "well_ids": ["ZT-101"]})).await;
    assert!(s.get("download_url").is_none(), "{s}");
    assert!(!text.contains("/downloads/"), "{text}");
    assert!(text.contains("resources/read oilfield://exports/"), "{text}");
    let on_disk = std::fs::read_to_string(s["path"].as_str().unwrap()).unwrap();
    assert_eq!(text_of(&read(&mut admin, link["uri"].as_str().unwrap()).await), on_disk);
}

#[tokio::test]
async fn an_export_over_the_read_limit_points_to_its_download_url() {
    let f = fixture_public("resources:\n  max_read_bytes: 1024\n", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let (link, s, _) = export(&mut admin, json!({"format": "json"})).await;
    let r = read(&mut admin, link["uri"].as_str().unwrap()).await;
    assert_eq!(code(&r), -32600, "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    let url = msg.split_whitespace().find(|w| w.contains("/downloads/")).unwrap();
    let got = client().get(url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), std::fs::read(s["path"].as_str().unwrap()).unwrap());
}

/// Wells (every column) of a server, in id order.
async fn wells(c: &mut McpHttp) -> Vec<Value> {
    let (_, page) = ok(c, "list_wells", json!({"limit": 500})).await;
    let mut items = page["items"].as_array().unwrap().clone();
    for w in &mut items {
        if let Some(o) = w.as_object_mut() {
            o.retain(|k, _| !k.ends_with("_at"));
        }
    }
    items
}

#[tokio::test]
async fn both_formats_round_trip_every_well_including_wells_without_reports() {
    let f = fixture_public("", "").await;
    let mut admin = f.client(Some("ADMIN")).await;
    let original = wells(&mut admin).await;
    assert!(original.iter().any(|w| w["id"] == "W003"), "the demo's planned well W003 has no reports");
    for format in ["csv", "json"] {
        let (link, s, _) = export(&mut admin, json!({"format": format})).await;
        let data = text_of(&read(&mut admin, link["uri"].as_str().unwrap()).await);
        let copy = fixture_with(false, "").await;
        let mut admin2 = copy.client(Some("ADMIN")).await;
        let (_, done) = ok(&mut admin2, "import_data", json!({"data": data, "format": format})).await;
        assert_eq!(done["inserted"], s["reports"], "{format}: {done}");
        assert_eq!(wells(&mut admin2).await, original, "{format}: every well, W003 included");
        // Exporting the copy gives the same file: nothing exported was lost.
        let (link2, _, _) = export(&mut admin2, json!({"format": format})).await;
        let again = text_of(&read(&mut admin2, link2["uri"].as_str().unwrap()).await);
        if format == "csv" {
            assert_eq!(again, data, "csv: export → import → export is the identity");
        } else {
            let strip = |t: &str| {
                let mut v: Value = serde_json::from_str(t).unwrap();
                for key in ["wells", "reports"] {
                    for item in v[key].as_array_mut().unwrap() {
                        if let Some(o) = item.as_object_mut() {
                            o.retain(|k, _| !k.ends_with("_at") && (key == "wells" || k != "id"));
                        }
                    }
                }
                v
            };
            assert_eq!(strip(&again), strip(&data), "json: export → import → export keeps every value");
        }
    }
}
