//! Drilling curves rendered as PNG images (returned to MCP clients as image content).
//!
//! [`render_depth_curve`] draws measured depth against date for 1 to 5 wells, with
//! the depth axis inverted as drillers read it (deeper is lower), one colour per
//! well and a legend strip above the plot so it never covers a curve. With
//! [`PlotOptions::with_rop`], rate of penetration is drawn on a secondary axis on
//! the right as thin dashed lines in the well's colour.
//!
//! Text is drawn by `plotters`' `ab_glyph` path from an embedded DejaVu Sans
//! (`assets/fonts/`, Bitstream Vera licence), so rendering needs no system fonts
//! and no fontconfig. The RGB buffer is encoded with the `png` crate, in memory.
//!
//! Parts: `text` (embedded font, text fitting), `series` (input cleaning), `style`
//! (colours, sizes), `axes` (numeric axes), `dates` (date span and ticks), `legend`
//! and `render` (chart drawing, PNG encoding).

mod axes;
mod dates;
mod legend;
mod render;
mod series;
mod style;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};

use self::render::render;
use self::series::CleanWell;
use self::text::ensure_font;
use crate::db::WellSeries;

/// Most wells one chart shows: beyond that colours and legend stop being readable.
pub const MAX_SERIES: usize = 5;
/// Accepted image sizes, in pixels (inclusive).
pub const WIDTH_RANGE: std::ops::RangeInclusive<u32> = 320..=4096;
pub const HEIGHT_RANGE: std::ops::RangeInclusive<u32> = 240..=4096;

/// How to draw the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotOptions {
    /// Chart title; empty for none.
    pub title: String,
    /// Also draw ROP (m/h) on a secondary axis on the right.
    pub with_rop: bool,
    /// Image width in pixels, within [`WIDTH_RANGE`]; default 900.
    pub width: u32,
    /// Image height in pixels, within [`HEIGHT_RANGE`]; default 560.
    pub height: u32,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self { title: "Depth vs date".to_owned(), with_rop: false, width: 900, height: 560 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// No series, or no series with a finite depth value.
    #[error("no data to plot: need at least one well with a finite depth value")]
    NoData,
    /// More than [`MAX_SERIES`] wells were given.
    #[error("too many wells for one chart: {0} (at most {MAX_SERIES})")]
    TooManySeries(usize),
    /// Invalid image size, or the renderer or encoder failed.
    #[error("cannot render chart: {0}")]
    Render(String),
}

/// Depth (m, axis inverted: deeper is lower, as drillers read it) vs date for 1-5 wells,
/// one colour per well with a legend; when `with_rop`, ROP (m/h) as a secondary y axis
/// on the right with thin dashed lines of the same colours.
///
/// Points need not be sorted. Non-finite depths and ROPs (NaN, ±inf) are dropped; a
/// missing or dropped ROP breaks the ROP line. A well left with no depth point keeps its
/// legend entry, marked "no depth data". Returns PNG bytes (8-bit RGB).
pub fn render_depth_curve(series: &[WellSeries], opts: &PlotOptions) -> Result<Vec<u8>, PlotError> {
    if series.is_empty() {
        return Err(PlotError::NoData);
    }
    if series.len() > MAX_SERIES {
        return Err(PlotError::TooManySeries(series.len()));
    }
    if !WIDTH_RANGE.contains(&opts.width) || !HEIGHT_RANGE.contains(&opts.height) {
        return Err(PlotError::Render(format!(
            "image size {}x{} outside {}..={} x {}..={} px",
            opts.width,
            opts.height,
            WIDTH_RANGE.start(),
            WIDTH_RANGE.end(),
            HEIGHT_RANGE.start(),
            HEIGHT_RANGE.end()
        )));
    }
    let wells: Vec<CleanWell> = series.iter().map(CleanWell::from_series).collect();
    if wells.iter().all(|w| w.depth.is_empty()) {
        return Err(PlotError::NoData);
    }
    ensure_font()?;
    // plotters and its font code have internal `unwrap`s and `assert!`s; whatever the
    // input, a bug there must become an error for this one request, not a crashed server.
    catch_unwind(AssertUnwindSafe(|| render(&wells, opts)))
        .unwrap_or_else(|_| Err(PlotError::Render("renderer panicked".to_owned())))
}

fn render_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Render(e.to_string())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Asserts a valid PNG: signature, IHDR size, and a full decode (CRCs, zlib stream).
    fn assert_png(bytes: &[u8], width: u32, height: u32) {
        assert!(bytes.len() > 33, "too short for a PNG: {} bytes", bytes.len());
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&bytes[12..16], b"IHDR", "first chunk is IHDR");
        let be = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        assert_eq!((be(16), be(20)), (width, height), "IHDR width x height");
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("PNG header decodes");
        let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut pixels).expect("PNG image data decodes");
        assert_eq!((info.width, info.height), (width, height));
    }

    /// A plausible drilling curve: drilling days, flat days (trips, casing, cementing).
    fn synthetic_well(id: &str, start: NaiveDate, days: u32, seed: u64, pace: f64) -> WellSeries {
        let mut state = seed;
        let mut rand = move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as f64 / f64::from(1u32 << 31)
        };
        let mut md = 0.0_f64;
        let mut points = vec![(start, 0.0, None)];
        for i in 1..days {
            let date = start + chrono::Duration::days(i64::from(i));
            let rop = if rand() < 0.2 {
                None // tripping, casing, cementing
            } else {
                let rop = pace * (0.6 + 0.8 * rand()) * (1.0 - md / 6000.0).max(0.3);
                md += rop * (6.0 + 8.0 * rand());
                Some((rop * 10.0).round() / 10.0)
            };
            points.push((date, (md * 10.0).round() / 10.0, rop));
        }
        WellSeries { well_id: id.to_owned(), points }
    }

    fn one_well(points: Vec<(NaiveDate, f64, Option<f64>)>) -> Vec<WellSeries> {
        vec![WellSeries { well_id: "W-1".to_owned(), points }]
    }

    fn render_ok(series: &[WellSeries], opts: &PlotOptions) {
        let png = render_depth_curve(series, opts).unwrap_or_else(|e| panic!("render failed: {e}"));
        assert_png(&png, opts.width, opts.height);
    }

    #[test]
    fn default_options() {
        let o = PlotOptions::default();
        assert_eq!((o.width, o.height, o.with_rop), (900, 560, false));
    }

    #[test]
    fn output_is_png_of_requested_size() {
        let wells = [synthetic_well("A-1", day(2024, 3, 1), 30, 1, 25.0)];
        for (width, height, with_rop) in [(900, 560, false), (900, 560, true), (640, 400, true), (1600, 1000, false)] {
            let opts = PlotOptions { title: "Size check".to_owned(), with_rop, width, height };
            render_ok(&wells, &opts);
        }
    }

    #[test]
    fn zero_and_six_series_are_errors() {
        let opts = PlotOptions::default();
        assert!(matches!(render_depth_curve(&[], &opts), Err(PlotError::NoData)));
        let six: Vec<_> = (0..6).map(|i| synthetic_well(&format!("W-{i}"), day(2024, 1, 1), 10, i, 20.0)).collect();
        assert!(matches!(render_depth_curve(&six, &opts), Err(PlotError::TooManySeries(6))));
        render_ok(&six[..5], &PlotOptions { with_rop: true, ..opts });
    }

    #[test]
    fn non_finite_values_are_filtered() {
        let s = WellSeries {
            well_id: "N-1".to_owned(),
            points: vec![
                (day(2024, 1, 3), 300.0, Some(f64::NAN)),
                (day(2024, 1, 1), 0.0, None),
                (day(2024, 1, 2), f64::NAN, Some(12.5)),
                (day(2024, 1, 4), f64::INFINITY, Some(f64::INFINITY)),
                (day(2024, 1, 5), 520.0, Some(18.0)),
                (day(2024, 1, 6), f64::NEG_INFINITY, Some(20.0)),
            ],
        };
        let clean = CleanWell::from_series(&s);
        assert_eq!(clean.depth, vec![(day(2024, 1, 1), 0.0), (day(2024, 1, 3), 300.0), (day(2024, 1, 5), 520.0)]);
        assert_eq!(
            clean.rop_runs,
            vec![vec![(day(2024, 1, 2), 12.5)], vec![(day(2024, 1, 5), 18.0), (day(2024, 1, 6), 20.0)]]
        );
        render_ok(&[s], &PlotOptions { with_rop: true, ..PlotOptions::default() });

        let all_nan = one_well(vec![(day(2024, 1, 1), f64::NAN, Some(3.0)), (day(2024, 1, 2), f64::NAN, None)]);
        assert!(matches!(render_depth_curve(&all_nan, &PlotOptions::default()), Err(PlotError::NoData)));
        let no_points = one_well(vec![]);
        assert!(matches!(render_depth_curve(&no_points, &PlotOptions::default()), Err(PlotError::NoData)));
    }

    #[test]
    fn degenerate_inputs_render() {
        let d = day(2024, 6, 1);
        let cases: Vec<Vec<WellSeries>> = vec![
            one_well(vec![(d, 1234.0, Some(10.0))]),
            one_well(vec![(d, 100.0, None), (d, 180.0, Some(8.0)), (d, 260.0, Some(9.0))]),
            one_well(vec![(d, 500.0, None), (day(2024, 6, 9), 500.0, None)]),
            one_well(vec![(day(2024, 6, 9), 900.0, Some(-2.0)), (d, 0.0, Some(0.0))]),
            one_well(vec![(d, -30.0, None), (day(2024, 6, 2), -10.0, None)]),
            one_well(vec![(d, 1e300, Some(1e300)), (day(2024, 6, 2), -1e300, Some(-1e300))]),
            one_well(vec![(d, 1e-9, Some(1e-9)), (day(2024, 6, 2), 2e-9, Some(2e-9))]),
            one_well(vec![(NaiveDate::MIN, 0.0, Some(1.0)), (NaiveDate::MAX, 9000.0, Some(2.0))]),
            one_well(vec![(NaiveDate::MAX, 10.0, Some(1.0))]),
            one_well(vec![(NaiveDate::MIN, 10.0, Some(1.0))]),
            one_well(vec![(day(1990, 1, 1), 0.0, None), (day(2024, 1, 1), 4000.0, None)]),
            vec![
                WellSeries { well_id: String::new(), points: vec![] },
                WellSeries {
                    well_id: "\u{1F6E2}\n\t Скважина-7 with a very very long name that cannot possibly fit".repeat(3),
                    points: vec![(d, 10.0, None)],
                },
            ],
        ];
        let long_title = "Field X — drilling progress ".repeat(20);
        let layouts = [(900, 560, "t"), (320, 240, long_title.as_str()), (1200, 700, "")];
        for (i, series) in cases.iter().enumerate() {
            for (k, with_rop) in [false, true].into_iter().enumerate() {
                // Each case meets two of the layouts (rendering is slow in debug builds).
                let (width, height, title) = layouts[(i + k) % layouts.len()];
                let opts = PlotOptions { title: title.to_owned(), with_rop, width, height };
                match render_depth_curve(series, &opts) {
                    Ok(png) => assert_png(&png, width, height),
                    // Only the absurd ±1e300 range may be refused, and never by panicking.
                    Err(PlotError::Render(msg)) if i == 5 => assert!(msg.contains("too large"), "{msg}"),
                    Err(e) => panic!("case {i} with_rop={with_rop} {width}x{height}: {e}"),
                }
            }
        }
    }

    #[test]
    fn invalid_sizes_are_errors() {
        let wells = [synthetic_well("A-1", day(2024, 3, 1), 5, 1, 25.0)];
        for (width, height) in [(0, 0), (0, 560), (900, 0), (100, 100), (5000, 560), (900, u32::MAX)] {
            let opts = PlotOptions { width, height, ..PlotOptions::default() };
            assert!(matches!(render_depth_curve(&wells, &opts), Err(PlotError::Render(_))), "{width}x{height}");
        }
    }

    /// Writes `target/plot-sample.png` for a person to look at.
    #[test]
    fn write_sample_png() {
        let wells = vec![
            synthetic_well("NK-101", day(2024, 2, 5), 46, 7, 24.0),
            synthetic_well("NK-102H", day(2024, 2, 19), 38, 11, 30.0),
            synthetic_well("NK-215", day(2024, 3, 4), 30, 23, 18.0),
        ];
        let opts = PlotOptions {
            title: "North Kavir pad 3 — depth vs date".to_owned(),
            with_rop: true,
            ..PlotOptions::default()
        };
        let png = render_depth_curve(&wells, &opts).expect("sample renders");
        assert_png(&png, opts.width, opts.height);
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
        std::fs::create_dir_all(&target).expect("create target dir");
        std::fs::write(target.join("plot-sample.png"), &png).expect("write sample");
    }
}
