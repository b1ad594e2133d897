//! Checks every server runs in its tests: tool definition rules and a reviewed tools/list snapshot.

use std::path::Path;

use serde_json::Value;

use super::ToolDef;

/// Assert each tool has a valid unique name, a title, a description a model can act on, explicit
/// read-only and destructive annotations that agree with each other, an object input schema, and a
/// description on every argument.
///
/// # Panics
/// On the first rule broken, naming the tool.
pub fn assert_tool_rules<S: crate::app::App>(tools: &[ToolDef<S>]) {
    let mut seen = std::collections::HashSet::new();
    for def in tools {
        let t = def.tool();
        let name = t.name.as_ref();
        assert!(
            !name.is_empty()
                && name.len() <= 128
                && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
            "tool name `{name}` must be 1-128 chars of [A-Za-z0-9_.-]"
        );
        assert!(seen.insert(name.to_owned()), "tool `{name}` is declared twice");
        assert!(t.title.as_deref().is_some_and(|s| !s.trim().is_empty()), "tool `{name}` has no title");
        let description = t.description.as_deref().unwrap_or_default();
        assert!(description.trim().len() >= 10, "tool `{name}` needs a description a model can act on");
        let a = t.annotations.as_ref().unwrap_or_else(|| panic!("tool `{name}` has no annotations"));
        let read_only = a.read_only_hint.unwrap_or_else(|| panic!("tool `{name}` must state readOnlyHint"));
        let destructive = a.destructive_hint.unwrap_or_else(|| panic!("tool `{name}` must state destructiveHint"));
        assert!(!(read_only && destructive), "tool `{name}` cannot be both read-only and destructive");
        assert!(
            a.idempotent_hint.is_some() && a.open_world_hint.is_some(),
            "tool `{name}` must state idempotentHint and openWorldHint"
        );
        assert_eq!(
            t.input_schema.get("type").and_then(Value::as_str),
            Some("object"),
            "tool `{name}` input schema must be an object"
        );
        if let Some(Value::Object(props)) = t.input_schema.get("properties") {
            for (arg, schema) in props {
                assert!(
                    schema.get("description").and_then(Value::as_str).is_some_and(|d| !d.trim().is_empty()),
                    "argument `{arg}` of tool `{name}` has no description"
                );
            }
        }
    }
}

/// Whether `UPDATE_SNAPSHOTS` asks to rewrite snapshots: only the value `1`, and never in CI
/// (where a rewritten snapshot would pass whatever changed).
///
/// # Panics
/// When `UPDATE_SNAPSHOTS=1` is set in CI.
fn update_requested(value: Option<&str>, ci: bool) -> bool {
    match value {
        Some("1") if ci => panic!("UPDATE_SNAPSHOTS=1 is refused when CI is set: review and commit snapshots locally"),
        Some("1") => true,
        _ => false,
    }
}

/// Compare the tools/list JSON with a committed snapshot at `path`.
///
/// With `UPDATE_SNAPSHOTS=1` (and only `1`; refused when `CI` is set) the snapshot is (re)written. A missing or different snapshot fails,
/// so a change of the tool surface (names, schemas, annotations) is always reviewed.
///
/// # Panics
/// When the snapshot is missing or differs.
pub fn assert_tools_snapshot<S: crate::app::App>(tools: &[ToolDef<S>], path: &Path) {
    let list: Vec<_> = tools.iter().map(|t| t.tool().clone()).collect();
    let mut actual = serde_json::to_string_pretty(&serde_json::json!({ "tools": list })).unwrap_or_default();
    actual.push('\n');
    if update_requested(std::env::var("UPDATE_SNAPSHOTS").ok().as_deref(), std::env::var_os("CI").is_some()) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(path, &actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!("no tools snapshot at {}; run the test with UPDATE_SNAPSHOTS=1, review and commit it", path.display())
    });
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "tools/list changed (first difference at line {}); review the change and run with UPDATE_SNAPSHOTS=1 to accept it\nexpected: {}\nactual:   {}",
            first + 1,
            expected.lines().nth(first).unwrap_or_default(),
            actual.lines().nth(first).unwrap_or_default()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::update_requested;

    #[test]
    fn only_update_snapshots_1_rewrites_and_never_in_ci() {
        assert!(update_requested(Some("1"), false));
        for value in [None, Some("0"), Some(""), Some("yes"), Some("true")] {
            assert!(!update_requested(value, false), "{value:?}");
            assert!(!update_requested(value, true), "{value:?}");
        }
        assert!(std::panic::catch_unwind(|| update_requested(Some("1"), true)).is_err());
    }
}
