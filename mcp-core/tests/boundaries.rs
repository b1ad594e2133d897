//! The core knows no server and no upstream: nothing under `mcp-core/src` (code, messages or
//! comments) names one, so a server's domain cannot creep into what every server shares.

use std::path::Path;

/// Words that belong to a server crate, not to the core.
const SERVER_WORDS: &[&str] = &["oilfield", "rocket", "volc", "sqlite", "drilling", "date range"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `(file:line, word)` of `text` files naming a server word.
fn findings(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in files {
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            for word in SERVER_WORDS {
                if lower.contains(word) {
                    found.push(format!("{name}:{}: `{word}` in: {}", n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn mcp_core_src_names_no_server_or_upstream() {
    let mut paths = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut paths);
    assert!(paths.len() > 20, "found only {} files: is the path right?", paths.len());
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}"))))
        .collect();
    let found = findings(&files);
    assert!(found.is_empty(), "the core names a server or its upstream:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_code_messages_and_comments() {
    let files = vec![
        ("a.rs".to_owned(), "let x = \"narrow the date range\";\n".to_owned()),
        ("b.rs".to_owned(), "// talks to Rocket.Chat\nfn f() {}\n".to_owned()),
        ("c.rs".to_owned(), "fn clean() {}\n".to_owned()),
    ];
    let found = findings(&files);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("a.rs:1") && found[1].starts_with("b.rs:1"), "{found:?}");
}
