//! Every permission path: ADMIN/USER/GUEST, unknown role, placeholder, headers without the key,
//! deny fallback, block-limited roles, and the compat shim's 403.

use serde_json::json;
use test_support::mcp_http::{McpHttp, client, tool_names};

use crate::common::{KEY, call, fails, fixture, ok};

#[tokio::test]
async fn tools_list_shows_each_role_only_what_it_may_use() {
    let f = fixture("").await;
    let names = |role: &'static str| {
        let f = &f;
        async move { tool_names(&f.client(Some(role)).await.list_tools().await.unwrap()) }
    };
    let admin = names("ADMIN").await;
    let user = names("USER").await;
    let guest = names("GUEST").await;
    assert!(
        admin.contains(&"export_all_data".into())
            && admin.contains(&"delete_well".into())
            && admin.contains(&"query_audit_log".into())
    );
    assert!(
        user.contains(&"add_drilling_record".into())
            && !user.contains(&"delete_well".into())
            && !user.contains(&"export_all_data".into())
    );
    assert!(guest.contains(&"list_wells".into()) && !guest.contains(&"add_drilling_record".into()));
    assert!(admin.len() > user.len() && user.len() > guest.len(), "{admin:?} {user:?} {guest:?}");
}

#[tokio::test]
async fn denied_calls_get_the_known_message_and_are_counted_and_audited() {
    let f = fixture("").await;
    let mut user = f.client(Some("USER")).await;
    let msg = fails(&mut user, "export_all_data", json!({"format": "csv"})).await;
    assert_eq!(msg, "Permission denied: role USER may not use tool export_all_data (requires admin)");
    let metrics = f.server.core.metrics.encode();
    assert!(
        metrics.contains(r#"mcp_permission_denials_total{server="mcp-oilfield",tool="export_all_data",role="USER"} 1"#),
        "{metrics}"
    );
    let mut admin = f.client(Some("ADMIN")).await;
    let (_, log) = ok(&mut admin, "query_audit_log", json!({"outcome": "denied"})).await;
    let items = log["items"].as_array().unwrap();
    assert!(items.iter().any(|e| e["tool"] == "export_all_data" && e["caller_role"] == "USER"), "{log}");
}

#[tokio::test]
async fn unknown_missing_and_placeholder_roles_get_guest() {
    let f = fixture("").await;
    for role in [Some("SUPERUSER"), None, Some("{{LIBRECHAT_USER_ROLE}}")] {
        let mut c = f.client(role).await;
        let names = tool_names(&c.list_tools().await.unwrap());
        assert!(names.contains(&"list_wells".into()), "{role:?}");
        assert!(!names.contains(&"add_drilling_record".into()), "{role:?} must not write");
        let msg = fails(&mut c, "delete_well", json!({"well_id": "ZT-101"})).await;
        assert!(
            msg.starts_with("Permission denied: role GUEST may not use tool delete_well (requires delete)"),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn identity_headers_without_the_service_key_are_refused() {
    let f = fixture("").await;
    let mut c = McpHttp::new(&f.server.base).with_header("x-user-role", "ADMIN");
    let e = c.initialize().await.unwrap_err().to_string();
    assert!(e.contains("401"), "{e}");
    let r = client()
        .post(format!("{}/mcp/call-tool", f.server.base))
        .header("x-user-role", "ADMIN")
        .json(&json!({"name": "list_wells"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn deny_fallback_refuses_unknown_roles_entirely() {
    let f = fixture("  fallback_role: deny\n").await;
    let mut c = f.client(Some("INTRUDER")).await;
    assert!(tool_names(&c.list_tools().await.unwrap()).is_empty());
    let msg = fails(&mut c, "list_wells", json!({})).await;
    assert!(msg.contains("Permission denied: role INTRUDER may not use tool list_wells"), "{msg}");
    let mut guest = f.client(Some("GUEST")).await;
    ok(&mut guest, "list_wells", json!({})).await;
}

#[tokio::test]
async fn block_limited_role_sees_and_writes_only_its_blocks() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n    ENGINEER_A: {permissions: [read, write], blocks: [Block-A]}\n";
    let f = fixture(roles).await;
    let mut eng = f.client(Some("ENGINEER_A")).await;
    let (_, wells) = ok(&mut eng, "list_wells", json!({"limit": 100})).await;
    let blocks: Vec<&str> = wells["items"].as_array().unwrap().iter().map(|w| w["block"].as_str().unwrap()).collect();
    assert!(!blocks.is_empty() && blocks.iter().all(|b| *b == "Block-A"), "{blocks:?}");
    // a well of another block is "unknown" for this role, in every tool
    let msg = fails(&mut eng, "get_well", json!({"well_id": "XY-009"})).await;
    assert!(msg.starts_with("Unknown well XY-009"), "{msg}");
    for (tool, args) in [
        ("query_drilling_data", json!({"well_id": "XY-009"})),
        ("compare_wells", json!({"well_ids": ["ZT-101", "XY-009"], "metric": "footage"})),
    ] {
        let msg = fails(&mut eng, tool, args).await;
        assert!(msg.starts_with("Unknown well XY-009"), "{tool}: {msg}");
    }
    // arguments cannot widen the scope: filtering by another block yields nothing
    let (_, other) = ok(&mut eng, "list_wells", json!({"block": "Block-C"})).await;
    assert_eq!(other["total"], 0);
    // writes outside the scope are refused
    let msg =
        fails(&mut eng, "create_well", json!({"id": "ZT-199", "name": "x", "field": "Zhongtai", "block": "Block-C"}))
            .await;
    assert!(
        msg.contains("cannot be created in block Block-C")
            && msg.contains("outside the data you may access (blocks Block-A)"),
        "{msg}"
    );
    ok(&mut eng, "create_well", json!({"id": "ZT-198", "name": "New A", "field": "Zhongtai", "block": "Block-A"}))
        .await;
}

#[tokio::test]
async fn compat_call_tool_answers_403_with_the_same_text() {
    let f = fixture("").await;
    let r = client()
        .post(format!("{}/mcp/call-tool", f.server.base))
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-user-role", "USER")
        .json(&json!({"name": "export_all_data", "arguments": {"format": "json"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "Permission denied: role USER may not use tool export_all_data (requires admin)");
    let r = client()
        .get(format!("{}/mcp/tools", f.server.base))
        .header("authorization", format!("Bearer {KEY}"))
        .header("x-user-role", "GUEST")
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["tools"].as_array().unwrap().iter().all(|t| t["annotations"]["readOnlyHint"] == true), "{v}");
}

#[tokio::test]
async fn purge_needs_admin_even_for_a_role_that_may_delete() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n    CLEANER: {permissions: [read, delete]}\n";
    let f = fixture(roles).await;
    let mut c = f.client(Some("CLEANER")).await;
    let (err, msg, _) = call(&mut c, "delete_well", json!({"well_id": "W003", "purge": true})).await;
    assert!(err && msg.contains("requires admin"), "{msg}");
    ok(&mut c, "delete_well", json!({"well_id": "W003"})).await;
}

#[tokio::test]
async fn configured_roles_replace_the_default_ones() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n";
    let f = fixture(roles).await;
    let mut c = f.client(Some("USER")).await;
    let names = tool_names(&c.list_tools().await.unwrap());
    assert!(!names.contains(&"add_drilling_record".into()), "USER is no longer a configured role: {names:?}");
    let msg = fails(
        &mut c,
        "add_drilling_record",
        json!({"well_id": "W001", "report_date": "2026-01-01", "md_m": 1, "footage_m": 1, "drilling_hours": 1}),
    )
    .await;
    assert!(msg.contains("role USER is not configured and was treated as GUEST"), "{msg}");
}

#[tokio::test]
async fn a_block_limited_write_does_not_reveal_wells_of_other_blocks() {
    let roles = "  roles:\n    ADMIN: {permissions: [read, write, delete, admin]}\n    GUEST: {permissions: [read]}\n    ENGINEER_A: {permissions: [read, write, admin], blocks: [Block-A]}\n";
    let f = fixture(roles).await;
    let mut admin = f.client(Some("ADMIN")).await;
    // XY-009 lives in another block; W002 too, and is soft-deleted.
    let (_, xy) = ok(&mut admin, "get_well", json!({"well_id": "XY-009"})).await;
    assert_ne!(xy["well"]["block"], "Block-A");
    ok(&mut admin, "delete_well", json!({"well_id": "W002"})).await;
    let mut eng = f.client(Some("ENGINEER_A")).await;
    for id in ["XY-009", "W002"] {
        let msg =
            fails(&mut eng, "create_well", json!({"id": id, "name": "mine", "field": "Zhongtai", "block": "Block-A"}))
                .await;
        assert_eq!(
            msg,
            format!(
                "well id {id} is not available: it is outside the data you may access (blocks Block-A); choose another id"
            ),
        );
        let csv = format!(
            "well_id,well_name,field,block,report_date,md_m,footage_m,drilling_hours\n{id},mine,Zhongtai,Block-A,2026-01-02,10,10,1\n"
        );
        let msg = fails(&mut eng, "import_data", json!({"data": csv})).await;
        assert!(msg.contains(&format!("well id {id} is not available")) && !msg.contains("exist"), "{msg}");
    }
    // A well the caller can see is still answered plainly.
    let msg =
        fails(&mut eng, "create_well", json!({"id": "ZT-101", "name": "dup", "field": "Zhongtai", "block": "Block-A"}))
            .await;
    assert!(msg.ends_with("well ZT-101 already exists"), "{msg}");
}
