//! Colours, and sizes that scale with the image.

use plotters::style::RGBColor;

use super::MAX_SERIES;

/// Tableau 10 (first five): distinct, colour-blind tolerant, print well.
pub(super) const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];
pub(super) const TEXT: RGBColor = RGBColor(33, 33, 33);
pub(super) const AXIS: RGBColor = RGBColor(110, 110, 110);
pub(super) const GRID: RGBColor = RGBColor(228, 228, 228);
pub(super) const KEY_GREY: RGBColor = RGBColor(90, 90, 90);

/// Sizes derived from the image size, so small and large images both look balanced.
pub(super) struct Metrics {
    pub(super) scale: f64,
    pub(super) margin: i32,
    pub(super) title: f64,
    pub(super) legend: f64,
    pub(super) tick: f64,
    pub(super) desc: f64,
}

impl Metrics {
    pub(super) fn new(width: u32, height: u32) -> Self {
        let scale = (f64::from(width) / 900.0).min(f64::from(height) / 560.0).clamp(0.6, 3.0);
        Self {
            scale,
            margin: px(14.0 * scale),
            title: 20.0 * scale,
            legend: 14.0 * scale,
            tick: 13.0 * scale,
            desc: 14.0 * scale,
        }
    }

    pub(super) fn px(&self, v: f64) -> i32 {
        px(v * self.scale)
    }
}

pub(super) fn px(v: f64) -> i32 {
    v.round() as i32
}
