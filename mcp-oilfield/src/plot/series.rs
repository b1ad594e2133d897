//! Input series cleaned of what cannot be drawn.

use chrono::NaiveDate;

use super::WellSeries;
use super::text::clean_text;

/// Longest well id shown in the legend, in characters.
const MAX_LABEL_CHARS: usize = 40;

/// A well's data after dropping what cannot be drawn.
#[derive(Debug)]
pub(super) struct CleanWell {
    pub(super) label: String,
    /// Sorted by date (stable: same-day points keep their order).
    pub(super) depth: Vec<(NaiveDate, f64)>,
    /// Runs of consecutive points with a finite ROP.
    pub(super) rop_runs: Vec<Vec<(NaiveDate, f64)>>,
}

impl CleanWell {
    pub(super) fn from_series(s: &WellSeries) -> Self {
        let mut points = s.points.clone();
        points.sort_by_key(|p| p.0);
        let depth = points.iter().filter(|p| p.1.is_finite()).map(|p| (p.0, p.1)).collect();
        let mut rop_runs: Vec<Vec<(NaiveDate, f64)>> = Vec::new();
        let mut run = Vec::new();
        for p in &points {
            match p.2 {
                Some(rop) if rop.is_finite() => run.push((p.0, rop)),
                _ if !run.is_empty() => rop_runs.push(std::mem::take(&mut run)),
                _ => {}
            }
        }
        if !run.is_empty() {
            rop_runs.push(run);
        }
        Self { label: clean_text(&s.well_id, MAX_LABEL_CHARS), depth, rop_runs }
    }

    pub(super) fn rop_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.rop_runs.iter().flatten().map(|p| p.1)
    }
}
