//! Tool surface controls and the tool-definition rules every server must follow.

use mcp_core::App;
use mcp_core::tools::{SurfaceConfig, ToolSurface};

use crate::common::DemoApp;

fn names(s: &ToolSurface<DemoApp>) -> Vec<String> {
    s.iter().map(|t| t.name().to_owned()).collect()
}

#[test]
fn read_only_hides_every_tool_not_annotated_read_only() {
    let s = ToolSurface::build(DemoApp::tools(), true, &SurfaceConfig::default()).unwrap();
    assert_eq!(names(&s), ["echo", "whoami", "slow", "fetch_upstream", "boom"]);
}

#[test]
fn enabled_and_disabled_lists_filter_and_unknown_names_fail() {
    let cfg = SurfaceConfig {
        enabled: Some(vec!["echo".into(), "purge".into()]),
        disabled: vec!["purge".into()],
        ..Default::default()
    };
    let s = ToolSurface::build(DemoApp::tools(), false, &cfg).unwrap();
    assert_eq!(names(&s), ["echo"]);
    let cfg = SurfaceConfig { disabled: vec!["nope".into()], ..Default::default() };
    let e = ToolSurface::build(DemoApp::tools(), false, &cfg).err().unwrap();
    assert_eq!(e.key, "tools.disabled");
    assert!(e.reason.contains("nope") && e.reason.contains("echo"), "{e}");
}

#[test]
fn description_overrides_apply() {
    let mut cfg = SurfaceConfig::default();
    cfg.descriptions.insert("echo".into(), "Site-specific echo.".into());
    let s = ToolSurface::build(DemoApp::tools(), false, &cfg).unwrap();
    assert_eq!(s.get("echo").unwrap().tool().description.as_deref(), Some("Site-specific echo."));
}

#[test]
fn demo_tools_follow_the_suite_rules() {
    mcp_core::tools::testing::assert_tool_rules(&DemoApp::tools());
}
