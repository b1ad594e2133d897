//! Compact text renderings (small markdown tables and lines): models pay per token.

use std::fmt::Write as _;

use crate::db::{Comparison, Paged, WeeklySummary, WellDetail, WellStatistics};
use crate::domain::{DailyReport, Well, WellSummary};
use crate::import::ImportReport;

/// `Some(x)` as a number with `digits` decimals, `-` when absent.
pub fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

fn opt(v: Option<&str>) -> &str {
    v.filter(|s| !s.is_empty()).unwrap_or("-")
}

/// The first `n` characters of `s` (whole characters, one allocation by the caller at most).
fn first_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// Appends `s` as a table cell: a `|` would end the cell and a newline the row.
fn push_cell(out: &mut String, s: &str) {
    if s.contains(['|', '\n']) {
        out.extend(s.chars().map(|c| match c {
            '|' => '/',
            '\n' => ' ',
            c => c,
        }));
    } else {
        out.push_str(s);
    }
}

/// A markdown table. Cells are written straight into the output (a page of reports has a few
/// hundred of them; this is on the path of every read call).
pub fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n|{}\n", headers.join(" | "), "---|".repeat(headers.len()));
    for row in rows {
        out.push('|');
        for c in &row {
            out.push(' ');
            push_cell(&mut out, c);
            out.push_str(" |");
        }
        out.push('\n');
    }
    out
}

fn page_note<T>(p: &Paged<T>, offset: u64) -> String {
    let total = if p.total_is_lower_bound { format!("at least {}", p.total) } else { p.total.to_string() };
    match (p.next_offset, &p.next_cursor) {
        (Some(next), Some(cursor)) => format!(
            "Showing {}-{} of {total}; pass cursor=\"{cursor}\" (or offset={next}) for more.",
            offset + 1,
            offset + p.items.len() as u64,
        ),
        (Some(next), None) => {
            format!("Showing {}-{} of {total}; pass offset={next} for more.", offset + 1, offset + p.items.len() as u64)
        }
        (None, _) if p.items.is_empty() => format!("No rows (total {total})."),
        (None, _) if offset > 0 => {
            format!("Showing {}-{} of {total}.", offset + 1, offset + p.items.len() as u64)
        }
        (None, _) => format!("Showing {} of {total}.", p.items.len()),
    }
}

/// `list_wells`.
pub fn wells(p: &Paged<WellSummary>, offset: u64) -> String {
    let rows = p.items.iter().map(|w| {
        vec![
            w.id.clone(),
            w.name.clone(),
            w.block.clone(),
            w.field.clone(),
            w.status.as_str().to_owned(),
            format!("{}/{}", num(w.current_depth_m, 0), num(w.target_depth_m, 0)),
            w.progress_pct.map_or("-".into(), |p| format!("{p:.0}%")),
            w.last_report_date.map_or("-".into(), |d| d.to_string()),
        ]
    });
    format!(
        "{}{}",
        table(&["well", "name", "block", "field", "status", "MD/target m", "progress", "last report"], rows),
        page_note(p, offset)
    )
}

/// One well's details.
pub fn well_detail(d: &WellDetail) -> String {
    let w = &d.well;
    let c = &d.cumulative;
    let mut out = well_line(w);
    let _ = writeln!(
        out,
        "Cumulative: {} days reported ({}..{}), footage {} m, depth {} m of {} m target ({}), avg ROP {} m/h, NPT {} h ({}), cost {}",
        c.days_reported,
        c.first_report_date.map_or("-".into(), |d| d.to_string()),
        c.last_report_date.map_or("-".into(), |d| d.to_string()),
        num(Some(c.total_footage_m), 0),
        num(c.current_depth_m, 0),
        num(w.target_depth_m, 0),
        c.progress_pct.map_or("-".into(), |p| format!("{p:.1}%")),
        num(c.avg_rop_m_per_h, 1),
        num(Some(c.npt_hours), 1),
        c.npt_ratio.map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
        num(c.total_cost, 0),
    );
    if let Some(r) = &d.latest_report {
        let _ = write!(out, "Latest report:\n{}", report_lines(r));
    }
    out
}

/// The header line of a well.
pub fn well_line(w: &Well) -> String {
    format!(
        "{} \"{}\": {} well, {}, {} / {}, spud {}, target {} m, rig {}, operator {}\n",
        w.id,
        w.name,
        serde_json::to_value(w.well_type).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        w.status.as_str(),
        w.field,
        w.block,
        w.spud_date.map_or("-".into(), |d| d.to_string()),
        num(w.target_depth_m, 0),
        opt(w.rig.as_deref()),
        opt(w.operator.as_deref()),
    )
}

/// Report rows as a table.
pub fn reports(p: &Paged<DailyReport>, offset: u64) -> String {
    let rows = p.items.iter().map(|r| {
        vec![
            r.well_id.clone(),
            r.report_date.to_string(),
            num(Some(r.md_m), 0),
            num(Some(r.footage_m), 0),
            num(r.rop_m_per_h, 1),
            num(r.wob_kn, 0),
            num(r.mud_density_gcc, 2),
            num(Some(r.drilling_hours), 1),
            if r.npt_hours > 0.0 { format!("{:.1} {}", r.npt_hours, opt(r.npt_reason.as_deref())) } else { "0".into() },
            first_chars(opt(r.main_work.as_deref()), 60).to_owned(),
        ]
    });
    format!(
        "{}{}",
        table(
            &["well", "date", "MD m", "footage m", "ROP m/h", "WOB kN", "mud g/cm³", "drill h", "NPT h", "main work"],
            rows
        ),
        page_note(p, offset)
    )
}

/// One report as `field: value` lines.
pub fn report_lines(r: &DailyReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} (version {})", r.well_id, r.report_date, r.version);
    let _ = writeln!(
        out,
        "MD {} m, footage {} m, drilling {} h, NPT {} h{}",
        num(Some(r.md_m), 1),
        num(Some(r.footage_m), 1),
        num(Some(r.drilling_hours), 1),
        num(Some(r.npt_hours), 1),
        r.npt_reason.as_deref().map_or(String::new(), |x| format!(" ({x})"))
    );
    let _ = writeln!(
        out,
        "bit {} {} mm, WOB {} kN, ROP {} m/h, {} rpm, torque {} kN·m",
        opt(r.bit_type.as_deref()),
        num(r.bit_diameter_mm, 1),
        num(r.wob_kn, 0),
        num(r.rop_m_per_h, 1),
        num(r.rotary_rpm, 0),
        num(r.torque_knm, 1)
    );
    let _ = writeln!(
        out,
        "pump {} MPa, flow {} L/s, mud {} g/cm³, viscosity {} s, cost {}",
        num(r.pump_pressure_mpa, 1),
        num(r.flow_rate_lps, 1),
        num(r.mud_density_gcc, 2),
        num(r.mud_viscosity_s, 0),
        num(r.daily_cost, 0)
    );
    if let Some(w) = r.main_work.as_deref().filter(|w| !w.is_empty()) {
        let _ = writeln!(out, "work: {w}");
    }
    out
}

/// `get_well_statistics`.
pub fn statistics(s: &WellStatistics) -> String {
    let mut out = format!(
        "{} \"{}\" {}..{}: {} days, footage {} m ({} → {} m of {} m target, {}), avg ROP {} m/h, drilling {} h, NPT {} h ({}), avg mud {} g/cm³, cost {}\n",
        s.well_id,
        s.well_name,
        s.first_report_date.map_or("-".into(), |d| d.to_string()),
        s.last_report_date.map_or("-".into(), |d| d.to_string()),
        s.days_reported,
        num(Some(s.footage_m), 0),
        num(s.start_depth_m, 0),
        num(s.end_depth_m, 0),
        num(s.target_depth_m, 0),
        s.progress_pct.map_or("-".into(), |p| format!("{p:.1}%")),
        num(s.avg_rop_m_per_h, 1),
        num(Some(s.drilling_hours), 1),
        num(Some(s.npt_hours), 1),
        s.npt_ratio.map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
        num(s.avg_mud_density_gcc, 2),
        num(s.total_cost, 0),
    );
    if !s.npt_by_reason.is_empty() {
        let parts: Vec<String> =
            s.npt_by_reason.iter().map(|n| format!("{} {:.1} h/{} d", n.reason, n.hours, n.days)).collect();
        let _ = writeln!(out, "NPT by reason: {}", parts.join("; "));
    }
    if !s.monthly.is_empty() {
        let rows = s.monthly.iter().map(|m| {
            vec![
                m.month.clone(),
                m.days_reported.to_string(),
                num(Some(m.footage_m), 0),
                num(m.avg_rop_m_per_h, 1),
                num(Some(m.npt_hours), 1),
                num(m.end_depth_m, 0),
                num(m.total_cost, 0),
            ]
        });
        out.push_str(&table(&["month", "days", "footage m", "avg ROP m/h", "NPT h", "end MD m", "cost"], rows));
    }
    out
}

/// `compare_wells`.
pub fn comparison(c: &Comparison) -> String {
    let metric = serde_json::to_value(c.metric).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let range = match (c.from, c.to) {
        (None, None) => "all dates".to_owned(),
        (f, t) => format!("{}..{}", f.map_or("-".into(), |d| d.to_string()), t.map_or("-".into(), |d| d.to_string())),
    };
    let rows = c.rows.iter().map(|r| {
        vec![
            r.rank.map_or("-".into(), |x| x.to_string()),
            r.well_id.clone(),
            r.well_name.clone(),
            num(r.value, 2),
            r.days_reported.to_string(),
        ]
    });
    format!(
        "{metric} ({}), {range}, {} first:\n{}",
        c.unit,
        if c.higher_first { "highest" } else { "lowest" },
        table(&["rank", "well", "name", &format!("{metric} {}", c.unit), "days"], rows)
    )
}

/// `weekly_report`: the summary an engineer would write.
pub fn weekly(w: &WeeklySummary) -> String {
    let mut out = format!(
        "Weekly report {} \"{}\", {} to {}\n- Progress: {} → {} m, footage {} m in {} drilling hours (avg ROP {} m/h), {} of 7 days reported\n",
        w.well_id,
        w.well_name,
        w.week_start,
        w.week_end,
        num(w.start_depth_m, 0),
        num(w.end_depth_m, 0),
        num(Some(w.footage_m), 0),
        num(Some(w.drilling_hours), 1),
        num(w.avg_rop_m_per_h, 1),
        w.days_reported,
    );
    if w.npt_hours > 0.0 {
        let reasons: Vec<String> = w.npt_by_reason.iter().map(|n| format!("{} {:.1} h", n.reason, n.hours)).collect();
        let _ = writeln!(
            out,
            "- NPT: {:.1} h ({}): {}",
            w.npt_hours,
            w.npt_ratio.map_or("-".into(), |r| format!("{:.1}% of time", r * 100.0)),
            reasons.join(", ")
        );
    } else {
        out.push_str("- NPT: none\n");
    }
    for b in &w.bit_changes {
        let _ = writeln!(out, "- Bit change {}: {} → {}", b.date, b.from, b.to);
    }
    if let (Some(lo), Some(hi)) = (w.mud_density_min, w.mud_density_max) {
        let _ = writeln!(out, "- Mud density {lo:.2}-{hi:.2} g/cm³");
    }
    if let Some(best) = &w.highlights.best_day {
        let _ = writeln!(
            out,
            "- Best day {}: {} m at {} m/h",
            best.date,
            num(Some(best.footage_m), 0),
            num(best.rop_m_per_h, 1)
        );
    }
    if !w.days_missing.is_empty() {
        let days: Vec<String> = w.days_missing.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "- Missing reports: {}", days.join(", "));
    }
    if let Some(cost) = w.total_cost {
        let _ = writeln!(out, "- Cost: {cost:.0}");
    }
    let rows = w.daily.iter().map(|r| {
        vec![
            r.report_date.to_string(),
            num(Some(r.md_m), 0),
            num(Some(r.footage_m), 0),
            num(r.rop_m_per_h, 1),
            num(Some(r.npt_hours), 1),
            first_chars(opt(r.main_work.as_deref()), 50).to_owned(),
        ]
    });
    out.push_str(&table(&["date", "MD m", "footage m", "ROP m/h", "NPT h", "main work"], rows));
    out
}

/// Import results (tool and CLI).
pub fn import_report(r: &ImportReport, dry_run: bool) -> String {
    let mut out = if r.rejected.is_empty() {
        if dry_run {
            format!("Dry run: all {} rows are valid; nothing was written.\n", r.inserted)
        } else {
            format!("Imported {} rows.\n", r.inserted)
        }
    } else {
        format!("Rejected {} line(s); nothing was imported (all-or-nothing):\n", r.rejected.len())
    };
    for line in r.rejected.iter().take(50) {
        let _ = writeln!(out, "- line {}: {}", line.line, line.reason);
    }
    if r.rejected.len() > 50 {
        let _ = writeln!(out, "- ... and {} more", r.rejected.len() - 50);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_chars_counts_characters_not_bytes() {
        assert_eq!(first_chars("gauge ø 311 mm", 7), "gauge ø");
        assert_eq!(first_chars("short", 60), "short");
        assert_eq!(first_chars("", 3), "");
    }

    #[test]
    fn table_cells_cannot_break_the_table() {
        let rows = [vec!["x|y".to_owned(), "line\nnext".to_owned()], vec!["plain".to_owned(), String::new()]];
        assert_eq!(table(&["a", "b"], rows), "| a | b |\n|---|---|\n| x/y | line next |\n| plain |  |\n");
    }
}
