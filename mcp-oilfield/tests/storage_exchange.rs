//! CSV import (all-or-nothing, exact line numbers) and CSV/JSON export round trips.
#![allow(clippy::unwrap_used)]

mod storage_support;

use std::io::Cursor;
use std::sync::{Arc, Mutex};

use mcp_oilfield::db::{DailyReport, ReportQuery, Store};
use mcp_oilfield::export::{CSV_COLUMNS, ExportFilter, ExportFormat};
use mcp_oilfield::import::{ImportReport, import_csv, import_json};
use storage_support::*;

async fn import(db: &Db, csv: &str, dry_run: bool) -> ImportReport {
    import_csv(&db.store, &all(), Cursor::new(csv.to_string()), dry_run).await.unwrap()
}

fn rejected(r: &ImportReport) -> Vec<(u64, &str)> {
    r.rejected.iter().map(|l| (l.line, l.reason.as_str())).collect()
}

async fn all_reports(store: &Store) -> Vec<DailyReport> {
    store
        .query_reports(&all(), ReportQuery { limit: 500, order: mcp_oilfield::db::Order::Asc, ..Default::default() })
        .await
        .unwrap()
        .items
}

const GOOD: &str = "\
Report_Date , WELL_ID,md_m,footage_m,drilling_hours,npt_hours,npt_reason,mud_density_gcc
2026-03-01,zt102,100,100,10,,,1.1
2026-03-02,ZT-102,250,150,10,2,rig repair,1.12
2026-03-01,w001,50,50,5,,,
";

#[tokio::test]
async fn valid_file_is_inserted_in_one_go() {
    let db = open().await;
    three_wells(&db).await;
    let dry = import(&db, GOOD, true).await;
    assert_eq!((dry.dry_run, dry.rows, dry.inserted, dry.rejected.len()), (true, 3, 3, 0));
    assert_eq!(db.store.count_reports().await.unwrap(), 0, "a dry run writes nothing");
    let r = import(&db, GOOD, false).await;
    assert_eq!((r.dry_run, r.rows, r.inserted, r.wells_created), (false, 3, 3, 0));
    assert!(r.rejected.is_empty());
    let got = db.store.get_report(&all(), "ZT-102", d("2026-03-02")).await.unwrap();
    assert_eq!(
        (got.md_m, got.npt_hours, got.npt_reason.as_deref(), got.mud_density_gcc),
        (250.0, 2.0, Some("rig repair"), Some(1.12))
    );
    assert_eq!(db.store.get_report(&all(), "W001", d("2026-03-01")).await.unwrap().mud_density_gcc, None);
    // Importing the same file again: every line is a duplicate of the database.
    let again = import(&db, GOOD, false).await;
    assert_eq!(
        rejected(&again),
        vec![
            (2, "a report for ZT-102 on 2026-03-01 already exists"),
            (3, "a report for ZT-102 on 2026-03-02 already exists"),
            (4, "a report for W001 on 2026-03-01 already exists"),
        ]
    );
    assert_eq!(again.inserted, 0);
}

#[tokio::test]
async fn any_rejected_line_rejects_the_whole_file() {
    let db = open().await;
    three_wells(&db).await;
    let csv = "\
well_id,report_date,md_m,footage_m,drilling_hours,npt_hours,npt_reason,main_work
ZT-102,2026-03-01,100,100,10,0,,\"drilled 0-100 m,
with a line break inside quotes\"
ZT-102,2026-03-02,90,0,0,0,,
ZT-102,2026-03-03,300,200,10,0,,
ZT-102,2026-03-03,310,10,10,0,,
ZT-999,2026-03-03,300,200,10,0,,
ZT-105,2026-03-03,abc,200,10,0,,
ZT-105,2026-03-04,300,200,20,6,,

ZT-105,2026-03-05,300,200,10
ZT-105,2026-04-05,300,0,0,0,,
W001,2026-03-05,7200,100,10,0,,
";
    let r = import(&db, csv, false).await;
    assert_eq!(r.inserted, 0);
    assert_eq!(
        rejected(&r),
        vec![
            (
                4,
                "md_m = 90 m on 2026-03-02 is lower than 100 m reported for ZT-102 on 2026-03-01 (previous report); measured depth must not decrease"
            ),
            (6, "a report for ZT-102 on 2026-03-03 already appears on line 5"),
            (
                7,
                "Unknown well ZT-999. Did you mean: ZT-102, ZT-105? (add well_name, field and block columns to create it)"
            ),
            (8, "md_m 'abc' is not a number"),
            (
                9,
                "drilling_hours + npt_hours = 20 + 6 = 26 h exceeds the 24 h of a day; npt_reason is required when npt_hours = 6 h is above 0 (e.g. stuck pipe, lost circulation, rig repair, weather, waiting)"
            ),
            (11, "expected 8 cells, found 5"),
            (12, "report_date 2026-04-05 is in the future (today is 2026-03-31)"),
            (13, "md_m = 7200 m is out of range: allowed 0-7000 m"),
        ]
    );
    assert_eq!(r.rows, 10, "records, not physical lines; the blank line is skipped");
    assert_eq!(db.store.count_reports().await.unwrap(), 0, "nothing written");
    assert_eq!(db.store.list_wells(&all(), Default::default(), Default::default()).await.unwrap().total, 3);
}

#[tokio::test]
async fn header_problems_are_reported_on_line_one() {
    let db = open().await;
    three_wells(&db).await;
    let r = import(
        &db,
        "well_id,report_date,md_m,footage_m,drilling_hours,color,Md_M\nZT-102,2026-03-01,1,1,1,red,1\n",
        false,
    )
    .await;
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].line, 1);
    let reason = &r.rejected[0].reason;
    assert!(
        reason.starts_with(
            "header: unknown column 'color'; column 'Md_M' appears twice. Accepted columns: well_id, report_date, md_m"
        ),
        "{reason}"
    );
    let r = import(&db, "well,date,md_m\n", false).await;
    assert_eq!(
        rejected(&r),
        vec![(
            1,
            &*format!(
                "header: required column 'footage_m' is missing; required column 'drilling_hours' is missing. Accepted columns: {}",
                "well_id, report_date, md_m, footage_m, bit_type, bit_diameter_mm, wob_kn, rop_m_per_h, rotary_rpm, torque_knm, pump_pressure_mpa, flow_rate_lps, mud_density_gcc, mud_viscosity_s, drilling_hours, npt_hours, npt_reason, main_work, daily_cost, well_name, field, block, well_type, status, spud_date, target_depth_m, rig, operator, latitude, longitude"
            )
        )]
    );
    let r = import(&db, "", false).await;
    assert_eq!(r.rejected[0].line, 1);
    assert!(r.rejected[0].reason.starts_with("the file is empty"));
}

#[tokio::test]
async fn wells_are_created_from_well_columns() {
    let db = open().await;
    let csv = "\
well_id,well_name,field,block,spud_date,target_depth_m,report_date,md_m,footage_m,drilling_hours
xy009,Xinyuan 9,Xinyuan,Block-C,2026-03-01,6500,2026-03-01,100,100,10
XY-009,,,,,,2026-03-02,200,100,10
XY-010,,,,,,2026-03-02,200,100,10
";
    let r = import(&db, csv, false).await;
    assert_eq!(
        rejected(&r),
        vec![(4, "Unknown well XY-010. Did you mean: XY-009? (add well_name, field and block columns to create it)")]
    );
    assert_eq!((r.inserted, r.wells_created), (0, 0));
    assert_eq!(
        db.store.list_wells(&all(), Default::default(), Default::default()).await.unwrap().total,
        0,
        "rolled back"
    );
    let csv: String = csv.lines().take(3).map(|l| format!("{l}\n")).collect();
    let r = import(&db, &csv, false).await;
    assert_eq!((r.inserted, r.wells_created, r.rejected.len()), (2, 1, 0));
    let w = db.store.get_well(&all(), "XY-009").await.unwrap();
    assert_eq!(
        (w.well.name.as_str(), w.well.block.as_str(), w.well.target_depth_m),
        ("Xinyuan 9", "Block-C", Some(6500.0))
    );
    assert_eq!(w.cumulative.days_reported, 2);
    // A report before the spud date of a well created by the same file is rejected.
    let r = import(&db, "well_id,well_name,field,block,spud_date,report_date,md_m,footage_m,drilling_hours\nQ-1,Q,F,B,2026-03-10,2026-03-09,1,1,1\n", false).await;
    assert_eq!(rejected(&r), vec![(2, "report_date 2026-03-09 is before the spud date 2026-03-10 of well Q1")]);
}

/// Everything except row ids and timestamps.
fn comparable(reports: &[DailyReport]) -> Vec<mcp_oilfield::db::NewReport> {
    reports.iter().map(DailyReport::to_new).collect()
}

#[tokio::test]
async fn csv_export_reimports_into_a_fresh_database() {
    let src = open().await;
    assert!(mcp_oilfield::demo::fill_demo(&src.store, d(TODAY)).await.unwrap());
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p = Arc::clone(&progress);
    let file_path = src.dir.path().join("export.csv");
    let file = std::fs::File::create(&file_path).unwrap();
    let summary = src
        .store
        .export(&all(), ExportFilter::default(), ExportFormat::Csv, file, move |done, total| {
            p.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    let total = src.store.count_reports().await.unwrap() as u64;
    assert_eq!(summary.reports, total);
    assert_eq!(summary.wells, 12, "the planned well W003 has no reports but a line of its own");
    assert_eq!(summary.bytes, std::fs::metadata(&file_path).unwrap().len());
    let progress = progress.lock().unwrap().clone();
    assert_eq!(progress.first(), Some(&(0, total)));
    assert_eq!(progress.last(), Some(&(total, total)));
    let text = std::fs::read_to_string(&file_path).unwrap();
    assert_eq!(text.lines().next().unwrap(), CSV_COLUMNS.join(","));

    let dst = open().await;
    let r = import_csv(&dst.store, &all(), std::fs::File::open(&file_path).unwrap(), false).await.unwrap();
    assert!(r.rejected.is_empty(), "{:?}", &r.rejected[..r.rejected.len().min(3)]);
    assert_eq!((r.inserted, r.wells_created), (total, 12));
    let ids = |store: Store| async move {
        let page = mcp_oilfield::db::Page { limit: 500, offset: 0 };
        let wells = store.list_wells(&all(), mcp_oilfield::db::WellFilter::default(), page).await.unwrap();
        wells.items.into_iter().map(|w| w.id).collect::<Vec<_>>()
    };
    let src_ids = ids(src.store.clone()).await;
    assert!(src_ids.contains(&"W003".to_owned()), "{src_ids:?}");
    assert_eq!(src_ids, ids(dst.store.clone()).await);
    for id in &src_ids {
        let a = src.store.query_reports(&all(), ReportQuery::latest(id, 500)).await.unwrap().items;
        let b = dst.store.query_reports(&all(), ReportQuery::latest(id, 500)).await.unwrap().items;
        assert_eq!(comparable(&a), comparable(&b), "{id}");
        let (wa, wb) =
            (src.store.get_well(&all(), id).await.unwrap().well, dst.store.get_well(&all(), id).await.unwrap().well);
        assert_eq!(wa.to_new(), wb.to_new(), "{id}");
    }
}

#[tokio::test]
async fn json_export_has_the_documented_shape_and_reimports() {
    let src = open().await;
    three_wells(&src).await;
    let mut r = report("ZT-102", "2026-03-01", 100.0, 100.0);
    r.main_work = Some("drilled \"hard\" rock, 0-100 m\nnext line".into());
    r.npt_hours = 1.5;
    r.npt_reason = Some("waiting".into());
    src.store.add_report(&all(), r).await.unwrap();
    src.store.add_report(&all(), report("ZT-102", "2026-03-02", 200.5, 100.5)).await.unwrap();
    src.store.add_report(&all(), report("W001", "2026-03-02", 10.25, 10.25)).await.unwrap();
    // Deleted rows are not exported.
    src.store.add_report(&all(), report("ZT-105", "2026-03-02", 1.0, 1.0)).await.unwrap();
    src.store.delete_report(&all(), "ZT-105", d("2026-03-02"), false).await.unwrap();

    let filter = ExportFilter { from: Some(d("2026-03-01")), to: Some(d("2026-03-02")), ..Default::default() };
    let (summary, bytes) = src.store.export_to_bytes(&all(), filter, ExportFormat::Json).await.unwrap();
    assert_eq!((summary.wells, summary.reports, summary.bytes), (3, 3, bytes.len() as u64));
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc.as_object().unwrap().keys().collect::<Vec<_>>(), ["reports", "wells"]);
    let ids: Vec<&str> = doc["wells"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["W001", "ZT-102", "ZT-105"], "wells without reports are in the JSON export");
    let reports: Vec<(&str, &str)> = doc["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["well_id"].as_str().unwrap(), r["report_date"].as_str().unwrap()))
        .collect();
    assert_eq!(reports, [("W001", "2026-03-02"), ("ZT-102", "2026-03-01"), ("ZT-102", "2026-03-02")]);

    let dst = open().await;
    let r = import_json(&dst.store, &all(), Cursor::new(bytes), false).await.unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!((r.inserted, r.wells_created), (3, 3));
    assert_eq!(comparable(&all_reports(&src.store).await), comparable(&all_reports(&dst.store).await));
    // The CSV route gives the same rows too (quotes, commas and line breaks survive).
    let (_, csv) = src.store.export_to_bytes(&all(), ExportFilter::default(), ExportFormat::Csv).await.unwrap();
    let dst2 = open().await;
    let r = import_csv(&dst2.store, &all(), Cursor::new(csv), false).await.unwrap();
    assert_eq!((r.inserted, r.rejected.len()), (3, 0));
    assert_eq!(comparable(&all_reports(&src.store).await), comparable(&all_reports(&dst2.store).await));
}

#[tokio::test]
async fn export_filters_by_well_block_and_date() {
    let db = open().await;
    three_wells(&db).await;
    for (id, date, md) in [
        ("ZT-102", "2026-03-01", 100.0),
        ("ZT-102", "2026-03-02", 200.0),
        ("ZT-105", "2026-03-02", 100.0),
        ("W001", "2026-03-02", 100.0),
    ] {
        db.store.add_report(&all(), report(id, date, md, 100.0)).await.unwrap();
    }
    let count = |f: ExportFilter| {
        let store = db.store.clone();
        async move {
            let (s, _) = store.export_to_bytes(&all(), f, ExportFormat::Csv).await.unwrap();
            (s.wells, s.reports)
        }
    };
    assert_eq!(count(ExportFilter::default()).await, (3, 4));
    assert_eq!(count(ExportFilter { well_ids: vec!["zt102".into()], ..Default::default() }).await, (1, 2));
    assert_eq!(count(ExportFilter { blocks: vec!["BLOCK-D".into()], ..Default::default() }).await, (1, 1));
    assert_eq!(count(ExportFilter { from: Some(d("2026-03-02")), ..Default::default() }).await, (3, 3));
    // Wells without reports in the period still get a line (as in the JSON export).
    assert_eq!(count(ExportFilter { to: Some(d("2026-03-01")), ..Default::default() }).await, (3, 1));
}

#[tokio::test]
async fn line_numbers_survive_crlf_blank_lines_and_quoted_line_breaks() {
    let db = open().await;
    three_wells(&db).await;
    let lines = [
        "well_id,report_date,md_m,footage_m,drilling_hours,main_work", // 1
        "ZT-102,2026-03-01,100,100,10,\"two",                          // 2
        "lines\"",                                                     // 3
        "",                                                            // 4
        "",                                                            // 5
        "ZT-102,2026-03-02,50,0,0,",                                   // 6: depth decreases
        "ZT-102,2026-03-03,x,0,0,\"a",                                 // 7: not a number
        "",                                                            // 8 (inside quotes)
        "b\"",                                                         // 9
        "",                                                            // 10
        "ZT-105,2026-03-03,10,10,1,",                                  // 11: fine
        "ZT-105,2026-03-03,10,10,1,",                                  // 12: duplicate of line 11
    ];
    for eol in ["\n", "\r\n"] {
        let mut csv = lines.join(eol);
        csv.push_str(eol);
        let r = import(&db, &csv, false).await;
        let got: Vec<u64> = r.rejected.iter().map(|l| l.line).collect();
        assert_eq!(got, [6, 7, 12], "{eol:?}: {:?}", r.rejected);
        assert!(r.rejected[2].reason.contains("already appears on line 11"), "{eol:?}: {:?}", r.rejected);
        assert_eq!(r.rows, 5);
    }
    // Without a final line break.
    let r =
        import(&db, "well_id,report_date,md_m,footage_m,drilling_hours\r\n\r\nZT-102,2026-03-01,1,2,1", false).await;
    assert_eq!(rejected(&r), vec![(3, "footage_m = 2 m is larger than md_m = 1 m (the total depth)")]);
}

#[tokio::test]
async fn imports_refuse_two_digit_and_far_years() {
    let db = open().await;
    three_wells(&db).await;
    let csv = "well_id,report_date,md_m,footage_m,drilling_hours\n\
               ZT-102,26-03-01,100,100,10\n\
               ZT-102,1899-03-02,150,50,10\n\
               ZT-102,2201-03-03,200,50,10\n";
    let r = import(&db, csv, false).await;
    assert_eq!(
        rejected(&r),
        vec![
            (2, "report_date '26-03-01' has a 2-digit year: write the year with four digits (YYYY-MM-DD)"),
            (3, "report_date '1899-03-02' is outside the years 1900-2200"),
            (4, "report_date '2201-03-03' is outside the years 1900-2200"),
        ]
    );
    let json = r#"{"wells": [{"id": "ZT-170", "name": "n", "field": "f", "block": "Block-A", "spud_date": "26-01-01"}],
                   "reports": [{"well_id": "ZT-102", "report_date": "0026-03-01", "md_m": 1, "footage_m": 1, "drilling_hours": 1}]}"#;
    let r = import_json(&db.store, &all(), Cursor::new(json.to_string()), false).await.unwrap();
    assert_eq!(r.rejected.len(), 2, "{r:?}");
    assert!(r.rejected[0].reason.contains("'26-01-01' has a 2-digit year"), "{r:?}");
    assert!(r.rejected[1].reason.contains("'0026-03-01' is outside the years 1900-2200"), "{r:?}");
    assert_eq!(db.store.count_reports().await.unwrap(), 0);
}

#[tokio::test]
async fn csv_export_neutralises_formula_cells_and_the_import_restores_them() {
    let src = open().await;
    let mut w = well("ZT-120", "Block-A", "=cmd|' /C calc'!A0");
    w.name = "+SUM(A1:A9)".into();
    w.rig = Some("@rig".into());
    w.operator = Some("'quoted".into());
    w.longitude = Some(-70.25);
    w.latitude = Some(-33.5);
    src.store.create_well(&all(), w).await.unwrap();
    let mut r = report("ZT-120", "2026-03-01", 100.0, 100.0);
    r.main_work = Some("-2+3 drilled".into());
    r.npt_reason = Some("=HYPERLINK(\"http://x\")".into());
    r.bit_type = Some("'=already quoted".into());
    src.store.add_report(&all(), r).await.unwrap();
    let mut planned = well("ZT-121", "Block-A", "@field");
    planned.name = "-planned".into();
    src.store.create_well(&all(), planned).await.unwrap();

    let (summary, csv) = src.store.export_to_bytes(&all(), ExportFilter::default(), ExportFormat::Csv).await.unwrap();
    assert_eq!((summary.wells, summary.reports), (2, 1));
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let line = &lines[0];
    assert_eq!(&line[col("field")], "'=cmd|' /C calc'!A0");
    assert_eq!(&line[col("well_name")], "'+SUM(A1:A9)");
    assert_eq!(&line[col("rig")], "'@rig");
    assert_eq!(&line[col("operator")], "''quoted", "a leading quote is doubled so the import can undo it");
    assert_eq!(&line[col("main_work")], "'-2+3 drilled");
    assert_eq!(&line[col("npt_reason")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&line[col("bit_type")], "''=already quoted");
    // Numbers stay numbers, negative ones too.
    assert_eq!((&line[col("longitude")], &line[col("latitude")]), ("-70.25", "-33.5"));
    assert_eq!(&line[col("md_m")], "100");
    // Every cell of every line: nothing starts like a formula.
    for line in &lines {
        for (i, cell) in line.iter().enumerate() {
            let numeric = ["latitude", "longitude"].contains(&CSV_COLUMNS[i]);
            assert!(numeric || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{}: {cell:?}", CSV_COLUMNS[i]);
        }
    }
    // The well without reports has a line of its own, neutralised too.
    assert_eq!(
        (&lines[1][col("well_id")], &lines[1][col("well_name")], &lines[1][col("report_date")]),
        ("ZT-121", "'-planned", "")
    );

    let dst = open().await;
    let r = import_csv(&dst.store, &all(), Cursor::new(csv), false).await.unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!((r.rows, r.inserted, r.wells_created), (2, 1, 2));
    for id in ["ZT-120", "ZT-121"] {
        let (a, b) = (src.store.get_well(&all(), id).await.unwrap(), dst.store.get_well(&all(), id).await.unwrap());
        assert_eq!(a.well.to_new(), b.well.to_new(), "{id}");
    }
    assert_eq!(comparable(&all_reports(&src.store).await), comparable(&all_reports(&dst.store).await));
    // A hand-written quote that does not guard a formula is kept.
    let hand = "well_id,report_date,md_m,footage_m,drilling_hours,main_work\nZT-120,2026-03-02,150,50,10,'tis done\n";
    let r = import_csv(&dst.store, &all(), Cursor::new(hand.to_string()), false).await.unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let got = dst.store.get_report(&all(), "ZT-120", d("2026-03-02")).await.unwrap();
    assert_eq!(got.main_work.as_deref(), Some("'tis done"));
}
