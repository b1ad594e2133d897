//! Single-call timings of the read operations on a long-history database (issue 13), straight on
//! the store (no transport): the cost that grows, or not, with a well's history.
//!
//! ```text
//! cargo run --release -p mcp-oilfield -- seed --wells 50 --days 20000 --database /tmp/long.db
//! cargo run --release -p mcp-oilfield --example long_history -- /tmp/long.db [SD-0017] [rounds]
//! ```
//!
//! Prints one line per operation: median and best of `rounds` calls, in µs.

// Printing the figures is what this program is for.
#![allow(clippy::print_stdout)]

use std::future::Future;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use mcp_oilfield::db::{Metric, Page, ReportQuery, Scope, Store, WellFilter};

async fn time<T, F, Fut>(name: &str, rounds: usize, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut us = Vec::with_capacity(rounds);
    let mut last = None;
    for _ in 0..rounds {
        let t = Instant::now();
        last = Some(f().await?);
        us.push(t.elapsed().as_micros());
    }
    us.sort_unstable();
    println!("{name:<44} median {:>8} µs   best {:>8} µs", us[us.len() / 2], us[0]);
    last.context("no rounds")
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let db = PathBuf::from(args.next().context("usage: long_history DB [WELL] [ROUNDS]")?);
    let well = args.next().unwrap_or_else(|| "SD-0017".into());
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(20);
    let store = Store::open(&db, 4).await?;
    let scope = Scope::all();
    let s = &scope;
    let st = &store;
    let w = well.as_str();
    let first = time("query_drilling_data latest 10", rounds, || async {
        Ok(st.query_reports(s, ReportQuery::latest(w, 10)).await?)
    })
    .await?;
    println!("  total = {}, next_offset = {:?}", first.total, first.next_offset);
    let last_date: NaiveDate = first.items.first().map(|r| r.report_date).context("no reports")?;
    let deep = ReportQuery { offset: 15_000, ..ReportQuery::latest(w, 10) };
    time("query_drilling_data offset 15000", rounds, || async { Ok(st.query_reports(s, deep.clone()).await?) }).await?;
    // The same depth by the cursor of the page before it (absent before issue 13).
    let before_deep = ReportQuery { offset: 14_990, ..ReportQuery::latest(w, 10) };
    let cursor = st.query_reports(s, before_deep).await?.next_cursor;
    if cursor.is_some() {
        let by_cursor = ReportQuery { cursor, ..ReportQuery::latest(w, 10) };
        time("query_drilling_data at 15000 by next_cursor", rounds, || async {
            Ok(st.query_reports(s, by_cursor.clone()).await?)
        })
        .await?;
    }
    let year = ReportQuery { from: Some(last_date - Duration::days(364)), ..ReportQuery::latest(w, 10) };
    let page = time("query_drilling_data one year, latest 10", rounds, || async {
        Ok(st.query_reports(s, year.clone()).await?)
    })
    .await?;
    println!("  total = {}", page.total);
    let decades = ReportQuery { from: Some(last_date - Duration::days(365 * 40)), ..ReportQuery::latest(w, 10) };
    let page = time("query_drilling_data 40 years, latest 10", rounds, || async {
        Ok(st.query_reports(s, decades.clone()).await?)
    })
    .await?;
    println!("  total = {}", page.total);
    let all = ReportQuery { well_ids: Vec::new(), ..ReportQuery::latest(w, 10) };
    time("query_drilling_data all wells, latest 10", rounds, || async { Ok(st.query_reports(s, all.clone()).await?) })
        .await?;
    time("get_well", rounds, || async { Ok(st.get_well(s, w).await?) }).await?;
    time("list_wells 20", rounds, || async { Ok(st.list_wells(s, WellFilter::default(), Page::default()).await?) })
        .await?;
    time("get_daily_report", rounds, || async { Ok(st.get_report(s, w, last_date).await?) }).await?;
    let missing = last_date + Duration::days(1);
    time("get_daily_report (missing day)", rounds, || async {
        Ok(st.get_report(s, w, missing).await.err().map(|e| e.to_string()))
    })
    .await?;
    time("weekly_report", rounds, || async { Ok(st.weekly_summary(s, w, last_date - Duration::days(6)).await?) })
        .await?;
    let from = Some(last_date - Duration::days(364));
    time("get_well_statistics one year", rounds, || async { Ok(st.well_statistics(s, w, from, None, false).await?) })
        .await?;
    time("get_well_statistics whole history", rounds, || async {
        Ok(st.well_statistics(s, w, None, None, false).await?)
    })
    .await?;
    time("get_well_statistics whole history monthly", rounds, || async {
        Ok(st.well_statistics(s, w, None, None, true).await?)
    })
    .await?;
    let ten: Vec<String> = (1..=10).map(|i| format!("SD-{i:04}")).collect();
    time("compare_wells 10 wells whole history", rounds, || async {
        Ok(st.compare_wells(s, &ten, Metric::AvgRop, None, None).await?)
    })
    .await?;
    let five: Vec<String> = ten[..5].to_vec();
    let series = time("depth_series 5 wells whole history", rounds, || async {
        Ok(st.depth_series(s, &five, None, None).await?)
    })
    .await?;
    println!("  points = {}", series.iter().map(|w| w.points.len()).sum::<usize>());
    Ok(())
}
