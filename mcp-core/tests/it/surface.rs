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

#[test]
fn a_tool_that_does_not_say_whether_it_reaches_an_open_world_breaks_the_rules() {
    use mcp_core::{Hints, ToolDef, ToolOutput};
    let silent: ToolDef<DemoApp> = ToolDef::new(
        "silent",
        "Silent",
        "Says nothing about the world it reaches.",
        Hints::read_only(),
        |_s, _c, _a: crate::common::NoArgs| async { Ok(ToolOutput::text("x")) },
    );
    assert_eq!(silent.tool().annotations.as_ref().and_then(|a| a.open_world_hint), None);
    let tools = [silent];
    let broke = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        mcp_core::tools::testing::assert_tool_rules(&tools);
    }));
    let message = broke.expect_err("the rules must refuse it");
    let text = message.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("openWorldHint"), "{text}");
}

#[tokio::test]
async fn the_curl_shim_is_served_only_to_servers_that_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let bare =
        mcp_core::testing::TestServer::<crate::common::BareApp>::start(dir.path(), "", &[], mcp_core::NoFlags {}).await;
    let http = test_support::mcp_http::client();
    assert_eq!(http.get(format!("{}/mcp/tools", bare.base)).send().await.unwrap().status(), 404);
    let demo = crate::common::start("").await;
    assert_eq!(http.get(format!("{}/mcp/tools", demo.base)).send().await.unwrap().status(), 200);
}
