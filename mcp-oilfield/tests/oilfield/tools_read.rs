//! Every read tool on the demo data set, with the errors a model must be able to act on.

use serde_json::json;

use crate::common::{fails, fixture, get_json, ok};

#[tokio::test]
async fn list_and_get_wells_with_filters_pagination_and_id_normalisation() {
    let f = fixture("").await;
    let mut c = f.client(Some("GUEST")).await;
    let (text, all) = ok(&mut c, "list_wells", json!({"limit": 5})).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert_eq!(all["next_offset"], 5);
    assert!(all["total"].as_u64().unwrap() >= 12);
    assert!(text.starts_with("| well | name |"), "{text}");
    let (_, block) = ok(&mut c, "list_wells", json!({"block": "Block-C"})).await;
    assert!(block["items"].as_array().unwrap().iter().all(|w| w["block"] == "Block-C"));
    for id in ["zt102", "ZT-102", "zt-102"] {
        let (_, w) = ok(&mut c, "get_well", json!({"well_id": id})).await;
        assert_eq!(w["well"]["id"], "ZT-102", "{id}");
        assert!(w["cumulative"]["days_reported"].as_u64().unwrap() > 10);
    }
    let msg = fails(&mut c, "get_well", json!({"well_id": "ZT-112"})).await;
    assert!(msg.starts_with("Unknown well ZT-112") && msg.contains("Did you mean"), "{msg}");
    let msg = fails(&mut c, "list_wells", json!({"limit": 501})).await;
    assert_eq!(msg, "limit = 501 is out of range: allowed 1-500 rows per page");
    let msg = fails(&mut c, "list_wells", json!({"status": "flying"})).await;
    assert!(msg.contains("Invalid arguments for tool list_wells"), "{msg}");
}

#[tokio::test]
async fn query_drilling_data_defaults_to_latest_and_accepts_ranges() {
    let f = fixture("").await;
    let mut c = f.client(Some("GUEST")).await;
    let (text, latest) = ok(&mut c, "query_drilling_data", json!({"well_id": "zt101"})).await;
    let items = latest["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let dates: Vec<&str> = items.iter().map(|r| r["report_date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    assert!(text.contains("| ZT-101 |"));
    let (_, week) = ok(
        &mut c,
        "query_drilling_data",
        json!({"well_ids": ["ZT-101", "ZT-102"], "period": "last 7 days", "order": "asc", "limit": 500}),
    )
    .await;
    assert!(week["items"].as_array().unwrap().len() <= 16);
    let msg = fails(&mut c, "query_drilling_data", json!({"well_id": "ZT-101", "period": "next tuesday"})).await;
    assert!(msg.starts_with("could not understand the date range 'next tuesday': use YYYY-MM-DD"), "{msg}");
    let msg = fails(&mut c, "query_drilling_data", json!({"well_id": "ZT-101", "limit": 0})).await;
    assert_eq!(msg, "limit = 0 is out of range: allowed 1-500 rows per page");
    let msg = fails(&mut c, "query_drilling_data", json!({})).await;
    assert_eq!(msg, "give 1 to 10 well ids (got 0)");
}

#[tokio::test]
async fn daily_report_statistics_comparison_weekly_and_plot() {
    let f = fixture("").await;
    let mut c = f.client(Some("GUEST")).await;
    let (_, latest) = ok(&mut c, "query_drilling_data", json!({"well_id": "XY-009", "limit": 1})).await;
    let date = latest["items"][0]["report_date"].as_str().unwrap().to_owned();
    let (text, report) = ok(&mut c, "get_daily_report", json!({"well_id": "xy009", "date": date})).await;
    assert_eq!(report["report_date"], date.as_str());
    assert!(text.contains("MD "), "{text}");
    let msg = fails(&mut c, "get_daily_report", json!({"well_id": "XY-009", "date": "2026-02-30"})).await;
    assert!(msg.starts_with("could not understand the date '2026-02-30'"), "{msg}");

    let (_, stats) = ok(&mut c, "get_well_statistics", json!({"well_id": "ZT-102", "monthly": true})).await;
    assert!(stats["footage_m"].as_f64().unwrap() > 0.0);
    assert!(!stats["monthly"].as_array().unwrap().is_empty());

    let (text, cmp) =
        ok(&mut c, "compare_wells", json!({"well_ids": ["ZT-101", "ZT-102", "XY-009"], "metric": "avg_rop"})).await;
    assert_eq!(cmp["rows"].as_array().unwrap().len(), 3);
    assert!(text.contains("avg_rop"), "{text}");
    let msg = fails(&mut c, "compare_wells", json!({"well_ids": ["ZT-101"], "metric": "footage"})).await;
    assert_eq!(msg, "give 2 to 10 well ids (got 1)");

    let (text, weekly) = ok(&mut c, "weekly_report", json!({"well_id": "ZT-102"})).await;
    assert!(text.starts_with("Weekly report ZT-102"), "{text}");
    assert_eq!(weekly["week_end"].as_str().unwrap().len(), 10);

    let r =
        c.call_tool("plot_drilling_curve", json!({"well_ids": ["ZT-101", "ZT-102"], "with_rop": true})).await.unwrap();
    assert_ne!(r["isError"], true, "{r}");
    let image = r["content"].as_array().unwrap().iter().find(|b| b["type"] == "image").expect("an image block");
    assert_eq!(image["mimeType"], "image/png");
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD.decode(image["data"].as_str().unwrap()).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let msg = fails(&mut c, "plot_drilling_curve", json!({"well_ids": ["A1", "A2", "A3", "A4", "A5", "A6"]})).await;
    assert_eq!(msg, "give 1 to 5 well ids (got 6)");
}

#[tokio::test]
async fn readiness_reports_database_and_total_records() {
    let f = fixture("").await;
    let body = get_json(&format!("{}/ready", f.server.base)).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "connected");
    assert!(body["total_records"].as_i64().unwrap() > 500, "{body}");
}
