//! Numeric axes: "nice" ticks and labels, and the depth and ROP axes built from the data.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::PlotError;
use super::series::CleanWell;

/// A linear f64 axis with the given ticks and no minor grid lines. (plotters'
/// `WithKeyPoints` would do, but it loses f64's label formatting support.)
#[derive(Clone)]
pub(super) struct TickedAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// `from` maps to the bottom (y) or left (x) of the plot: pass `hi..lo` to invert.
    pub(super) fn new(range: std::ops::Range<f64>, ticks: &[f64]) -> Self {
        Self { inner: range.into(), ticks: ticks.to_vec() }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// A linear axis with "nice" ticks.
#[derive(Debug, Clone)]
pub(super) struct NumAxis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    step: f64,
    pub(super) ticks: Vec<f64>,
}

impl NumAxis {
    /// Covers `[lo, hi]` with about `wanted` ticks at multiples of 1, 2, 2.5 or 5 × 10^k.
    fn new(lo: f64, hi: f64, wanted: usize) -> Option<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return None;
        }
        let (lo, hi) = if hi - lo <= f64::EPSILON * lo.abs().max(1.0) {
            let pad = (lo.abs() * 0.05).max(1.0);
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let span = hi - lo;
        let raw = span / wanted.max(1) as f64;
        if !(span.is_finite() && raw.is_normal()) {
            return None;
        }
        let base = 10f64.powf(raw.log10().floor());
        let f = raw / base;
        // Allow up to ~20% more ticks than wanted rather than jumping to a coarser step.
        let nice = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().find(|n| f <= n * 1.2).unwrap_or(10.0);
        let step = nice * base;
        let a_lo = (lo / step).floor() * step;
        let a_hi = (hi / step).ceil() * step;
        let n = ((a_hi - a_lo) / step).round();
        if !(step.is_normal() && a_lo.is_finite() && a_hi.is_finite() && (1.0..=1000.0).contains(&n)) {
            return None;
        }
        let ticks = (0..=n as usize).map(|i| a_lo + step * i as f64).collect();
        Some(Self { lo: a_lo, hi: a_hi, step, ticks })
    }

    pub(super) fn label(&self, v: f64) -> String {
        if self.ticks.iter().any(|t| t.abs() >= 1e7) || (self.step < 1e-4 && v != 0.0) {
            return format!("{v:.3e}");
        }
        let decimals = if self.step >= 1.0 {
            0
        } else {
            // 0.25 needs 2 decimals, 0.5 needs 1.
            let d = (-self.step.log10()).ceil() as usize;
            let d = if (self.step * 10f64.powi(d as i32)).fract().abs() > 1e-6 { d + 1 } else { d };
            d.min(10)
        };
        let s = format!("{v:.decimals$}");
        // No "-0" at the origin.
        if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
            s.trim_start_matches('-').to_owned()
        } else {
            s
        }
    }
}

pub(super) fn depth_axis(wells: &[CleanWell], wanted: usize) -> Result<NumAxis, PlotError> {
    let mut values = wells.iter().flat_map(|w| w.depth.iter().map(|p| p.1));
    let first = values.next().ok_or(PlotError::NoData)?;
    let (mut lo, mut hi) = values.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // Start at surface when the data covers most of the well (as depth-vs-days curves
    // do), or when all depths are equal and there is no span to show.
    if lo >= 0.0 && (lo <= (hi - lo) * 0.5 || hi == lo) {
        lo = 0.0;
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        hi = lo + (lo.abs() * 0.1).max(10.0);
    }
    // A little room below the deepest point so it does not sit on the axis.
    let hi = hi + (hi - lo) * 0.02;
    NumAxis::new(lo, hi, wanted)
        .ok_or_else(|| PlotError::Render("depth values span a range too large to plot".to_owned()))
}

pub(super) fn rop_axis(wells: &[CleanWell], wanted: usize) -> Result<NumAxis, PlotError> {
    let (lo, hi) = wells
        .iter()
        .flat_map(CleanWell::rop_values)
        .fold((0.0f64, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // No ROP at all, or none above zero: still draw a sensible axis.
    let hi = if hi > lo { hi + (hi - lo) * 0.05 } else { lo + 10.0 };
    NumAxis::new(lo, hi, wanted)
        .ok_or_else(|| PlotError::Render("ROP values span a range too large to plot".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_axis_labels() {
        let a = NumAxis::new(0.0, 3170.0, 8).expect("axis");
        assert_eq!((a.lo, a.hi, a.step), (0.0, 3500.0, 500.0));
        assert_eq!(a.label(1500.0), "1500");
        let a = NumAxis::new(0.0, 1.4, 5).expect("axis");
        assert_eq!(a.step, 0.25);
        assert_eq!(a.label(0.25), "0.25");
        assert_eq!(a.label(-0.0), "0.00");
        assert!(NumAxis::new(f64::NAN, 1.0, 5).is_none());
        assert!(NumAxis::new(-f64::MAX, f64::MAX, 5).is_none());
    }
}
