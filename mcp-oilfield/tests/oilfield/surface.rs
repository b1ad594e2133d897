//! The tool surface: rules every tool follows and a reviewed snapshot of tools/list.

use std::path::Path;

use mcp_core::App;
use mcp_oilfield::app::Oilfield;

#[test]
fn every_tool_has_title_description_annotations_and_described_arguments() {
    mcp_core::tools::testing::assert_tool_rules(&Oilfield::tools());
}

#[test]
fn tools_list_matches_the_reviewed_snapshot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/tools.json");
    mcp_core::tools::testing::assert_tools_snapshot(&Oilfield::tools(), &path);
}

#[test]
fn permission_levels_match_annotations() {
    for t in Oilfield::tools() {
        let hints = t.hints();
        match t.tool_tag().as_str() {
            "read" => assert!(hints.read_only, "{} is read-level but not read-only", t.name()),
            "write" => assert!(!hints.read_only && !hints.destructive, "{}", t.name()),
            "delete" => assert!(hints.destructive, "{} deletes but is not destructive", t.name()),
            "admin" => {}
            other => panic!("{} has unknown level {other}", t.name()),
        }
    }
}
