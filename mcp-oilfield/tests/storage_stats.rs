//! Statistics on a small hand-made data set, with exact expected values.
#![allow(clippy::unwrap_used)]

mod storage_support;

use mcp_oilfield::db::{BitChange, DbError, Metric, NptByReason, NptDay};
use storage_support::*;

/// ZT-102 (target 4000 m), 5 days:
/// | date       | md  | footage | drill h | NPT h | reason     | mud  | cost | bit            |
/// | 2026-02-26 | 100 | 100     | 10      | 0     |            | 1.10 | 1000 | tricone 444.5  |
/// | 2026-02-27 | 250 | 150     | 10      | 2     | rig repair | 1.12 | 1200 | tricone 444.5  |
/// | 2026-02-28 | 250 | 0       | 0       | 4     | weather    | 1.12 | 800  | (none)         |
/// | 2026-03-01 | 400 | 150     | 15      | 0     |            | 1.20 | 1500 | PDC 311.2      |
/// | 2026-03-02 | 600 | 200     | 20      | 4     | stuck pipe | 1.24 | 2000 | PDC 311.2      |
/// ZT-105 (target 5000 m), 2 days:
/// | 2026-02-26 | 300 | 300     | 12      | 0     |            | 1.08 | 2000 | PDC 311.2      |
/// | 2026-02-27 | 500 | 200     | 20      | 1     | waiting    | 1.10 | 2500 | PDC 311.2      |
async fn data_set() -> Db {
    let db = open().await;
    three_wells(&db).await;
    type Row<'a> = (&'a str, &'a str, f64, f64, f64, f64, Option<&'a str>, f64, f64, Option<(&'a str, f64)>);
    let rows: [Row<'_>; 7] = [
        ("ZT-102", "2026-02-26", 100.0, 100.0, 10.0, 0.0, None, 1.10, 1000.0, Some(("tricone", 444.5))),
        ("ZT-102", "2026-02-27", 250.0, 150.0, 10.0, 2.0, Some("rig repair"), 1.12, 1200.0, Some(("tricone", 444.5))),
        ("ZT-102", "2026-02-28", 250.0, 0.0, 0.0, 4.0, Some("weather"), 1.12, 800.0, None),
        ("ZT-102", "2026-03-01", 400.0, 150.0, 15.0, 0.0, None, 1.20, 1500.0, Some(("PDC", 311.2))),
        ("ZT-102", "2026-03-02", 600.0, 200.0, 20.0, 4.0, Some("stuck pipe"), 1.24, 2000.0, Some(("PDC", 311.2))),
        ("ZT-105", "2026-02-26", 300.0, 300.0, 12.0, 0.0, None, 1.08, 2000.0, Some(("PDC", 311.2))),
        ("ZT-105", "2026-02-27", 500.0, 200.0, 20.0, 1.0, Some("waiting"), 1.10, 2500.0, Some(("PDC", 311.2))),
    ];
    db.store
        .update_well(
            &all(),
            "ZT-105",
            mcp_oilfield::db::WellPatch { target_depth_m: Some(5000.0), ..Default::default() },
        )
        .await
        .unwrap();
    for (well_id, date, md, footage, drill, npt, reason, mud, cost, bit) in rows {
        let mut r = report(well_id, date, md, footage);
        r.drilling_hours = drill;
        r.npt_hours = npt;
        r.npt_reason = reason.map(String::from);
        r.mud_density_gcc = Some(mud);
        r.daily_cost = Some(cost);
        r.bit_type = bit.map(|b| b.0.to_string());
        r.bit_diameter_mm = bit.map(|b| b.1);
        if drill == 0.0 {
            (r.rop_m_per_h, r.rotary_rpm, r.wob_kn, r.torque_knm) = (None, None, None, None);
        } else {
            r.rop_m_per_h = Some(footage / drill);
        }
        db.store.add_report(&all(), r).await.unwrap();
    }
    db
}

#[tokio::test]
async fn well_statistics_over_everything() {
    let db = data_set().await;
    let s = db.store.well_statistics(&all(), "zt102", None, None, true).await.unwrap();
    assert_eq!(s.well_id, "ZT-102");
    assert_eq!(s.days_reported, 5);
    assert_eq!((s.first_report_date, s.last_report_date), (Some(d("2026-02-26")), Some(d("2026-03-02"))));
    assert_eq!(s.footage_m, 600.0);
    assert_eq!(s.drilling_hours, 55.0);
    assert_eq!(s.npt_hours, 10.0);
    assert_eq!(s.avg_rop_m_per_h, Some(10.91)); // 600 / 55
    assert_eq!(s.npt_ratio, Some(0.1538)); // 10 / 65
    assert_eq!((s.start_depth_m, s.end_depth_m), (Some(0.0), Some(600.0)));
    assert_eq!((s.target_depth_m, s.progress_pct), (Some(4000.0), Some(15.0)));
    assert_eq!(s.avg_mud_density_gcc, Some(1.156));
    assert_eq!(s.total_cost, Some(6500.0));
    assert_eq!(
        s.npt_by_reason,
        vec![
            NptByReason { reason: "stuck pipe".into(), hours: 4.0, days: 1 },
            NptByReason { reason: "weather".into(), hours: 4.0, days: 1 },
            NptByReason { reason: "rig repair".into(), hours: 2.0, days: 1 },
        ]
    );
    assert_eq!(s.monthly.len(), 2);
    let (feb, mar) = (&s.monthly[0], &s.monthly[1]);
    assert_eq!(
        (feb.month.as_str(), feb.days_reported, feb.footage_m, feb.drilling_hours, feb.npt_hours),
        ("2026-02", 3, 250.0, 20.0, 6.0)
    );
    assert_eq!(
        (feb.avg_rop_m_per_h, feb.npt_ratio, feb.end_depth_m, feb.total_cost),
        (Some(12.5), Some(0.2308), Some(250.0), Some(3000.0))
    );
    assert_eq!(
        (mar.month.as_str(), mar.days_reported, mar.footage_m, mar.drilling_hours, mar.npt_hours),
        ("2026-03", 2, 350.0, 35.0, 4.0)
    );
    assert_eq!(
        (mar.avg_rop_m_per_h, mar.npt_ratio, mar.end_depth_m, mar.total_cost),
        (Some(10.0), Some(0.1026), Some(600.0), Some(3500.0))
    );
    // Without monthly rows.
    assert!(db.store.well_statistics(&all(), "ZT-102", None, None, false).await.unwrap().monthly.is_empty());
}

#[tokio::test]
async fn well_statistics_over_a_range() {
    let db = data_set().await;
    let s =
        db.store.well_statistics(&all(), "ZT-102", Some(d("2026-02-28")), Some(d("2026-03-01")), false).await.unwrap();
    assert_eq!((s.days_reported, s.footage_m, s.drilling_hours, s.npt_hours), (2, 150.0, 15.0, 4.0));
    assert_eq!((s.avg_rop_m_per_h, s.npt_ratio), (Some(10.0), Some(0.2105))); // 4 / 19
    assert_eq!((s.start_depth_m, s.end_depth_m, s.progress_pct), (Some(250.0), Some(400.0), Some(10.0)));
    let empty = db.store.well_statistics(&all(), "W001", None, None, true).await.unwrap();
    assert_eq!(
        (empty.days_reported, empty.footage_m, empty.avg_rop_m_per_h, empty.npt_ratio, empty.end_depth_m),
        (0, 0.0, None, None, None)
    );
    assert!(empty.monthly.is_empty() && empty.npt_by_reason.is_empty());
}

#[tokio::test]
async fn cumulative_figures_in_well_detail() {
    let db = data_set().await;
    let c = db.store.get_well(&all(), "ZT-102").await.unwrap().cumulative;
    assert_eq!((c.total_footage_m, c.drilling_hours, c.npt_hours, c.days_reported), (600.0, 55.0, 10.0, 5));
    assert_eq!(
        (c.avg_rop_m_per_h, c.npt_ratio, c.current_depth_m, c.progress_pct),
        (Some(10.91), Some(0.1538), Some(600.0), Some(15.0))
    );
    assert_eq!(c.total_cost, Some(6500.0));
}

#[tokio::test]
async fn compare_ranks_wells_on_each_metric() {
    let db = data_set().await;
    let ids = vec!["zt-105".to_string(), "ZT102".to_string()];
    let expect = [
        (Metric::Footage, [("ZT-102", 600.0), ("ZT-105", 500.0)]),
        (Metric::AvgRop, [("ZT-105", 15.63), ("ZT-102", 10.91)]),
        (Metric::NptHours, [("ZT-105", 1.0), ("ZT-102", 10.0)]),
        (Metric::NptRatio, [("ZT-105", 0.0303), ("ZT-102", 0.1538)]),
        (Metric::CurrentDepth, [("ZT-102", 600.0), ("ZT-105", 500.0)]),
        (Metric::Progress, [("ZT-102", 15.0), ("ZT-105", 10.0)]),
        (Metric::AvgMudDensity, [("ZT-102", 1.156), ("ZT-105", 1.09)]),
        (Metric::DailyCost, [("ZT-102", 1300.0), ("ZT-105", 2250.0)]),
    ];
    for (metric, rows) in expect {
        let c = db.store.compare_wells(&all(), &ids, metric, None, None).await.unwrap();
        let got: Vec<(Option<u32>, &str, Option<f64>)> =
            c.rows.iter().map(|r| (r.rank, r.well_id.as_str(), r.value)).collect();
        assert_eq!(
            got,
            vec![(Some(1), rows[0].0, Some(rows[0].1)), (Some(2), rows[1].0, Some(rows[1].1))],
            "{metric:?}"
        );
    }
    // In March only ZT-102 has reports: ZT-105 has no footage value and no rank, but its depth
    // up to the end of the range still counts.
    let c = db.store.compare_wells(&all(), &ids, Metric::Footage, Some(d("2026-03-01")), None).await.unwrap();
    let got: Vec<(Option<u32>, &str, Option<f64>, u64)> =
        c.rows.iter().map(|r| (r.rank, r.well_id.as_str(), r.value, r.days_reported)).collect();
    assert_eq!(got, vec![(Some(1), "ZT-102", Some(350.0), 2), (None, "ZT-105", None, 0)]);
    let c = db
        .store
        .compare_wells(&all(), &ids, Metric::CurrentDepth, Some(d("2026-03-01")), Some(d("2026-03-01")))
        .await
        .unwrap();
    let got: Vec<(&str, Option<f64>)> = c.rows.iter().map(|r| (r.well_id.as_str(), r.value)).collect();
    assert_eq!(got, vec![("ZT-105", Some(500.0)), ("ZT-102", Some(400.0))]);
    assert_eq!((c.unit.as_str(), c.higher_first), ("m", true));

    let e = db.store.compare_wells(&all(), &ids[..1], Metric::Footage, None, None).await.unwrap_err();
    assert_eq!(e, DbError::Invalid("compare 2 to 10 wells (got 1)".into()));
    let dup = vec!["ZT-102".to_string(), "zt102".to_string()];
    assert_invalid(
        db.store.compare_wells(&all(), &dup, Metric::Footage, None, None).await.unwrap_err(),
        "more than once",
    );
}

#[tokio::test]
async fn weekly_summary_of_a_week() {
    let db = data_set().await;
    let w = db.store.weekly_summary(&all(), "ZT-102", d("2026-02-26")).await.unwrap();
    assert_eq!((w.week_start, w.week_end), (d("2026-02-26"), d("2026-03-04")));
    assert_eq!(w.days_reported, 5);
    assert_eq!(w.days_missing, vec![d("2026-03-03"), d("2026-03-04")]);
    assert_eq!((w.start_depth_m, w.end_depth_m, w.footage_m), (Some(0.0), Some(600.0), 600.0));
    assert_eq!(
        (w.drilling_hours, w.npt_hours, w.avg_rop_m_per_h, w.npt_ratio),
        (55.0, 10.0, Some(10.91), Some(0.1538))
    );
    assert_eq!(
        w.bit_changes,
        vec![BitChange { date: d("2026-03-01"), from: "tricone 444.5 mm".into(), to: "PDC 311.2 mm".into() }]
    );
    assert_eq!((w.mud_density_min, w.mud_density_max), (Some(1.1), Some(1.24)));
    assert_eq!(w.total_cost, Some(6500.0));
    let best = w.highlights.best_day.unwrap();
    assert_eq!((best.date, best.footage_m, best.rop_m_per_h), (d("2026-03-02"), 200.0, Some(10.0)));
    assert_eq!(
        w.highlights.npt_days,
        vec![
            NptDay { date: d("2026-02-27"), hours: 2.0, reason: Some("rig repair".into()) },
            NptDay { date: d("2026-02-28"), hours: 4.0, reason: Some("weather".into()) },
            NptDay { date: d("2026-03-02"), hours: 4.0, reason: Some("stuck pipe".into()) },
        ]
    );
    assert_eq!(w.daily.len(), 5);

    // A later week starts at the depth of the last report before it; days before the spud date
    // (2026-02-25) and after today (2026-03-31) are not "missing".
    let w = db.store.weekly_summary(&all(), "ZT-102", d("2026-03-01")).await.unwrap();
    assert_eq!((w.start_depth_m, w.end_depth_m, w.footage_m, w.days_reported), (Some(250.0), Some(600.0), 350.0, 2));
    assert!(w.bit_changes.is_empty());
    let w = db.store.weekly_summary(&all(), "ZT-102", d("2026-02-20")).await.unwrap();
    assert_eq!(w.days_missing, vec![d("2026-02-25")]);
    let w = db.store.weekly_summary(&all(), "ZT-102", d("2026-03-28")).await.unwrap();
    assert_eq!(w.days_missing, vec![d("2026-03-28"), d("2026-03-29"), d("2026-03-30"), d("2026-03-31")]);
    assert_eq!((w.start_depth_m, w.end_depth_m, w.highlights.best_day), (Some(600.0), None, None));
}

#[tokio::test]
async fn depth_series_for_plots() {
    let db = data_set().await;
    let s = db
        .store
        .depth_series(&all(), &["zt102".into(), "ZT-105".into()], Some(d("2026-02-27")), Some(d("2026-02-28")))
        .await
        .unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].well_id, "ZT-102");
    assert_eq!(s[0].points, vec![(d("2026-02-27"), 250.0, Some(15.0)), (d("2026-02-28"), 250.0, None)]);
    assert_eq!(s[1].points, vec![(d("2026-02-27"), 500.0, Some(10.0))]);
    let six: Vec<String> = (0..6).map(|_| "ZT-102".to_string()).collect();
    assert_invalid(db.store.depth_series(&all(), &six, None, None).await.unwrap_err(), "plot 1 to 5 wells (got 6)");
    assert_invalid(db.store.depth_series(&all(), &[], None, None).await.unwrap_err(), "plot 1 to 5 wells (got 0)");
}
