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

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::combinators::{BindKeyPoints, WithKeyPoints};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::{RangedCoordf64, RangedDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// DejaVu Sans 2.37 (Debian `fonts-dejavu-core`); licence in `assets/fonts/LICENSE-DejaVu.txt`.
const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// Registered under plotters' default family name so any text plotters draws by
/// itself also finds a font.
const FONT_FAMILY: &str = "sans-serif";

/// Most wells one chart shows: beyond that colours and legend stop being readable.
pub const MAX_SERIES: usize = 5;
/// Accepted image sizes, in pixels (inclusive).
pub const WIDTH_RANGE: std::ops::RangeInclusive<u32> = 320..=4096;
pub const HEIGHT_RANGE: std::ops::RangeInclusive<u32> = 240..=4096;

/// Tableau 10 (first five): distinct, colour-blind tolerant, print well.
const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];
const TEXT: RGBColor = RGBColor(33, 33, 33);
const AXIS: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(228, 228, 228);
const KEY_GREY: RGBColor = RGBColor(90, 90, 90);
/// Depth markers are drawn when a well has at most this many points.
const MAX_POINTS_WITH_MARKERS: usize = 31;
/// Longest well id shown in the legend, in characters.
const MAX_LABEL_CHARS: usize = 40;

/// One well's drilling progress: `(date, measured depth in m, ROP in m/h)`.
#[derive(Debug, Clone, PartialEq)]
pub struct WellSeries {
    pub well_id: String,
    pub points: Vec<(NaiveDate, f64, Option<f64>)>,
}

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

fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Render("embedded font could not be parsed".to_owned())) }
}

/// A well's data after dropping what cannot be drawn.
#[derive(Debug)]
struct CleanWell {
    label: String,
    /// Sorted by date (stable: same-day points keep their order).
    depth: Vec<(NaiveDate, f64)>,
    /// Runs of consecutive points with a finite ROP.
    rop_runs: Vec<Vec<(NaiveDate, f64)>>,
}

impl CleanWell {
    fn from_series(s: &WellSeries) -> Self {
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

    fn rop_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.rop_runs.iter().flatten().map(|p| p.1)
    }
}

/// Control characters become spaces; long text is cut with an ellipsis.
fn clean_text(s: &str, max_chars: usize) -> String {
    let s: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let s = s.trim();
    if s.chars().count() <= max_chars {
        s.to_owned()
    } else {
        let mut cut: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

type XSpec = WithKeyPoints<RangedDate<NaiveDate>>;
type YSpec = TickedAxis;

/// A linear f64 axis with the given ticks and no minor grid lines. (plotters'
/// `WithKeyPoints` would do, but it loses f64's label formatting support.)
#[derive(Clone)]
struct TickedAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickedAxis {
    /// `from` maps to the bottom (y) or left (x) of the plot: pass `hi..lo` to invert.
    fn new(range: std::ops::Range<f64>, ticks: &[f64]) -> Self {
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
type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<XSpec, YSpec>>;

fn render_err(e: impl std::fmt::Display) -> PlotError {
    PlotError::Render(e.to_string())
}

/// Sizes derived from the image size, so small and large images both look balanced.
struct Metrics {
    scale: f64,
    margin: i32,
    title: f64,
    legend: f64,
    tick: f64,
    desc: f64,
}

impl Metrics {
    fn new(width: u32, height: u32) -> Self {
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

    fn px(&self, v: f64) -> i32 {
        px(v * self.scale)
    }
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn font(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&TEXT)
}

fn text_width(area: &DrawingArea<BitMapBackend<'_>, Shift>, text: &str, style: &TextStyle<'_>) -> i32 {
    area.estimate_text_size(text, style).map(|(w, _)| i32::try_from(w).unwrap_or(i32::MAX)).unwrap_or(0)
}

/// Cut `text` (with an ellipsis) until it fits in `max_w` pixels.
fn fit_text(area: &DrawingArea<BitMapBackend<'_>, Shift>, text: &str, style: &TextStyle<'_>, max_w: i32) -> String {
    if text_width(area, text, style) <= max_w {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 0 {
        n -= 1;
        let candidate: String = chars[..n].iter().chain(std::iter::once(&'…')).collect();
        if text_width(area, &candidate, style) <= max_w {
            return candidate;
        }
    }
    String::new()
}

fn render(wells: &[CleanWell], opts: &PlotOptions) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (opts.width, opts.height);
    let len = usize::try_from(u64::from(w) * u64::from(h) * 3).map_err(render_err)?;
    let mut buf = vec![255u8; len];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        draw_chart(&root, wells, opts)?;
        root.present().map_err(render_err)?;
    }
    encode_png(&buf, w, h)
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(render_err)?;
    writer.write_image_data(rgb).map_err(render_err)?;
    writer.finish().map_err(render_err)?;
    Ok(out)
}

fn draw_chart(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    wells: &[CleanWell],
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(render_err)?;
    let (w, h) = (opts.width, opts.height);
    let m = Metrics::new(w, h);
    let inner_w = i32::try_from(w).unwrap_or(i32::MAX) - 2 * m.margin;

    // Title, then legend rows; the plot gets the rest, so the legend never covers a curve.
    let mut top = m.margin;
    let title = clean_text(&opts.title, 200);
    if !title.is_empty() {
        let style = font(m.title).pos(Pos::new(HPos::Center, VPos::Top));
        let title = fit_text(root, &title, &style, inner_w);
        let cx = i32::try_from(w / 2).unwrap_or(0);
        root.draw(&Text::new(title, (cx, top), style)).map_err(render_err)?;
        top += px(m.title * 1.45);
    }
    top = draw_legend(root, wells, opts.with_rop, &m, top, inner_w)?;
    let (_, plot_area) = root.split_vertically(top);

    // Axis ranges and ticks.
    let (x_lo, x_hi) = date_range(wells, opts.with_rop)?;
    let plot_h_guess = f64::from(h) - f64::from(top) - 60.0 * m.scale;
    let y_ticks_wanted = ((plot_h_guess / (48.0 * m.scale)) as usize).clamp(3, 12);
    let depth = depth_axis(wells, y_ticks_wanted)?;
    let rop = if opts.with_rop { Some(rop_axis(wells, y_ticks_wanted)?) } else { None };

    let tick_style = font(m.tick);
    let desc_style = font(m.desc);
    let label_w =
        |axis: &NumAxis| axis.ticks.iter().map(|v| text_width(root, &axis.label(*v), &tick_style)).max().unwrap_or(0);
    // Tick labels + gap + rotated axis title + gap.
    let left_area = label_w(&depth) + px(m.desc * 1.3) + m.px(16.0);
    let right_area = rop.as_ref().map_or(0, |r| label_w(r) + px(m.desc * 1.3) + m.px(16.0));
    let bottom_area = px(m.tick * 1.3 + m.desc * 1.3) + m.px(6.0);
    // Without a right axis, leave room for half a date label at the right edge.
    let date_label_w = text_width(root, "2024-12-28", &tick_style);
    let right_margin = if rop.is_some() { m.px(6.0) } else { (date_label_w / 2 + m.px(4.0)).max(m.margin) };

    let plot_w = i32::try_from(w).unwrap_or(i32::MAX) - m.margin - right_margin - left_area - right_area;
    let px_per_day = f64::from(plot_w.max(1)) / ((x_hi - x_lo).num_days().max(1) as f64);
    let (x_ticks, x_unit) = date_ticks(x_lo, x_hi, |unit| {
        let sample = NaiveDate::from_ymd_opt(2024, 12, 28).unwrap_or_default();
        let lw = text_width(root, &unit.format(sample), &tick_style) + m.px(28.0);
        usize::try_from(plot_w.max(0) / lw.max(1)).unwrap_or(2).max(2)
    });

    let x_spec = (x_lo..x_hi).with_key_points(x_ticks);
    // Inverted: the range starts (bottom of the plot) at the deepest value.
    let y_spec = TickedAxis::new(depth.hi..depth.lo, &depth.ticks);
    let mut builder = ChartBuilder::on(&plot_area);
    builder
        .margin_top(m.px(8.0))
        .margin_left(m.margin)
        .margin_right(right_margin)
        .margin_bottom(m.margin / 2)
        .x_label_area_size(bottom_area)
        .y_label_area_size(left_area);
    if rop.is_some() {
        builder.right_y_label_area_size(right_area);
    }
    let mut chart = builder.build_cartesian_2d(x_spec, y_spec).map_err(render_err)?;

    let axes = PrimaryAxes {
        x_unit,
        depth: &depth,
        tick_style: &tick_style,
        desc_style: &desc_style,
        tick_size: m.px(4.0).max(2),
    };
    let Some(rop) = rop else {
        axes.draw(&mut chart)?;
        return draw_depth_lines(&mut chart, wells, &m);
    };

    // Make the chart dual before drawing the primary mesh: that moves the right-hand
    // label area to the secondary axis, so depth labels are not repeated there.
    let rop_spec = TickedAxis::new(rop.lo..rop.hi, &rop.ticks);
    let mut chart = chart.set_secondary_coord(x_lo..x_hi, rop_spec);
    axes.draw(&mut chart)?;
    let rop_fmt = |v: &f64| rop.label(*v);
    chart
        .configure_secondary_axes()
        .y_label_formatter(&rop_fmt)
        .y_desc("ROP (m/h)")
        .label_style(tick_style.clone())
        .axis_desc_style(desc_style.clone())
        .axis_style(AXIS)
        .set_all_tick_mark_size(m.px(4.0).max(2))
        .draw()
        .map_err(render_err)?;

    // ROP first, so the depth curves (the main subject) stay on top.
    let dash = m.px(6.0).max(3);
    let gap = m.px(4.0).max(2);
    let rop_stroke = u32::try_from(m.px(1.3).max(1)).unwrap_or(1);
    for (i, well) in wells.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let style = colour.mix(0.85).stroke_width(rop_stroke);
        for run in &well.rop_runs {
            let run = thin_out(run, x_lo, px_per_day, 6.0 * m.scale);
            if let [only] = run.as_slice() {
                // A lone value has no line to dash: show it as a hollow dot.
                chart
                    .draw_secondary_series(std::iter::once(Circle::new(*only, m.px(3.0).max(2), style)))
                    .map_err(render_err)?;
            } else {
                chart
                    .draw_secondary_series(DashedLineSeries::new(run.iter().copied(), dash, gap, style))
                    .map_err(render_err)?;
            }
        }
    }
    draw_depth_lines(&mut chart, wells, &m)
}

/// What the primary (date × depth) mesh needs.
struct PrimaryAxes<'a> {
    x_unit: DateUnit,
    depth: &'a NumAxis,
    tick_style: &'a TextStyle<'a>,
    desc_style: &'a TextStyle<'a>,
    tick_size: i32,
}

impl PrimaryAxes<'_> {
    fn draw(&self, chart: &mut Chart<'_, '_>) -> Result<(), PlotError> {
        let date_fmt = |d: &NaiveDate| self.x_unit.format(*d);
        let depth_fmt = |v: &f64| self.depth.label(*v);
        chart
            .configure_mesh()
            .x_label_formatter(&date_fmt)
            .y_label_formatter(&depth_fmt)
            .x_desc("Date")
            .y_desc("Measured depth (m)")
            .label_style(self.tick_style.clone())
            .axis_desc_style(self.desc_style.clone())
            .axis_style(AXIS)
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .set_all_tick_mark_size(self.tick_size)
            .draw()
            .map_err(render_err)
    }
}

fn draw_depth_lines(chart: &mut Chart<'_, '_>, wells: &[CleanWell], m: &Metrics) -> Result<(), PlotError> {
    let stroke = u32::try_from(m.px(2.2).max(2)).unwrap_or(2);
    for (i, well) in wells.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        if well.depth.len() > 1 {
            chart
                .draw_series(LineSeries::new(well.depth.iter().copied(), colour.stroke_width(stroke)))
                .map_err(render_err)?;
        }
        if well.depth.len() <= MAX_POINTS_WITH_MARKERS {
            let r = if well.depth.len() == 1 { m.px(4.5) } else { m.px(2.8) }.max(2);
            chart.draw_series(well.depth.iter().map(|p| Circle::new(*p, r, colour.filled()))).map_err(render_err)?;
        }
    }
    Ok(())
}

/// Averages points into buckets of whole days when they would be closer than
/// `min_px` on screen: dense ROP data otherwise turns a dashed line into hatching.
fn thin_out(run: &[(NaiveDate, f64)], origin: NaiveDate, px_per_day: f64, min_px: f64) -> Vec<(NaiveDate, f64)> {
    let span_days = match (run.first(), run.last()) {
        (Some(a), Some(b)) => (b.0 - a.0).num_days().max(0) as f64,
        _ => return Vec::new(),
    };
    if run.len() < 3 || (span_days * px_per_day) / (run.len() as f64) >= min_px {
        return run.to_vec();
    }
    let days_per_bucket = (min_px / px_per_day).ceil().max(1.0) as i64;
    let mut out: Vec<(NaiveDate, f64)> = Vec::new();
    let mut bucket: Option<(i64, i64, f64, i64)> = None; // (key, sum of day numbers, sum of values, count)
    let flush = |b: (i64, i64, f64, i64), out: &mut Vec<(NaiveDate, f64)>| {
        let (_, day_sum, value_sum, n) = b;
        let day = i32::try_from(day_sum / n).ok().and_then(NaiveDate::from_num_days_from_ce_opt);
        if let Some(day) = day {
            out.push((day, value_sum / n as f64));
        }
    };
    for (date, value) in run {
        let key = (*date - origin).num_days().div_euclid(days_per_bucket);
        let day = i64::from(date.num_days_from_ce());
        bucket = match bucket {
            Some((k, ds, vs, n)) if k == key => Some((k, ds + day, vs + value, n + 1)),
            Some(done) => {
                flush(done, &mut out);
                Some((key, day, *value, 1))
            }
            None => Some((key, day, *value, 1)),
        };
    }
    if let Some(done) = bucket {
        flush(done, &mut out);
    }
    out
}

/// Legend rows (wrapped, centred) starting at `top`; returns the y where the plot starts.
fn draw_legend(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    wells: &[CleanWell],
    with_rop: bool,
    m: &Metrics,
    top: i32,
    inner_w: i32,
) -> Result<i32, PlotError> {
    enum Swatch {
        Solid(RGBColor),
        Dashed(RGBColor),
    }
    let style = font(m.legend).pos(Pos::new(HPos::Left, VPos::Center));
    let mut items: Vec<(Swatch, String)> = wells
        .iter()
        .enumerate()
        .map(|(i, well)| {
            let mut label = if well.label.is_empty() { format!("well {}", i + 1) } else { well.label.clone() };
            if well.depth.is_empty() {
                label.push_str(" (no depth data)");
            }
            (Swatch::Solid(PALETTE[i % PALETTE.len()]), label)
        })
        .collect();
    if with_rop {
        items.push((Swatch::Solid(KEY_GREY), "depth".to_owned()));
        items.push((Swatch::Dashed(KEY_GREY), "ROP".to_owned()));
    }

    let swatch_w = m.px(26.0);
    let swatch_gap = m.px(7.0);
    let item_gap = m.px(22.0);
    let row_h = px(m.legend * 1.7);
    let max_text_w = (inner_w - swatch_w - swatch_gap).max(10);
    let laid: Vec<(Swatch, String, i32)> = items
        .into_iter()
        .map(|(sw, label)| {
            let label = fit_text(root, &label, &style, max_text_w);
            let tw = text_width(root, &label, &style);
            (sw, label, swatch_w + swatch_gap + tw)
        })
        .collect();

    // Greedy wrap into rows.
    let mut rows: Vec<Vec<&(Swatch, String, i32)>> = vec![Vec::new()];
    let mut row_w = 0;
    for item in &laid {
        let needed = if row_w == 0 { item.2 } else { row_w + item_gap + item.2 };
        if row_w > 0 && needed > inner_w {
            rows.push(Vec::new());
            row_w = item.2;
        } else {
            row_w = needed;
        }
        if let Some(row) = rows.last_mut() {
            row.push(item);
        }
    }

    let stroke = u32::try_from(m.px(2.2).max(2)).unwrap_or(2);
    let full_w = inner_w + 2 * m.margin;
    let mut y = top + row_h / 2;
    for row in &rows {
        let total: i32 = row.iter().map(|it| it.2).sum::<i32>() + item_gap * (row.len() as i32 - 1).max(0);
        let mut x = ((full_w - total) / 2).max(m.margin);
        for (swatch, label, item_w) in row.iter().map(|it| (&it.0, &it.1, it.2)) {
            match swatch {
                Swatch::Solid(c) => {
                    root.draw(&PathElement::new(vec![(x, y), (x + swatch_w, y)], c.stroke_width(stroke)))
                        .map_err(render_err)?;
                }
                Swatch::Dashed(c) => {
                    let seg = swatch_w / 4;
                    for k in 0..2 {
                        let x0 = x + k * (seg * 2) + seg / 2;
                        root.draw(&PathElement::new(vec![(x0, y), (x0 + seg, y)], c.stroke_width(stroke / 2 + 1)))
                            .map_err(render_err)?;
                    }
                }
            }
            root.draw(&Text::new(label.clone(), (x + swatch_w + swatch_gap, y), style.clone())).map_err(render_err)?;
            x += item_w + item_gap;
        }
        y += row_h;
    }
    Ok(top + row_h * i32::try_from(rows.len()).unwrap_or(1) + m.px(2.0))
}

/// Date span to show: all depth points (and ROP points when drawn), padded a little.
fn date_range(wells: &[CleanWell], with_rop: bool) -> Result<(NaiveDate, NaiveDate), PlotError> {
    let depth_dates = wells.iter().flat_map(|w| w.depth.iter().map(|p| p.0));
    let rop_dates = wells.iter().filter(|_| with_rop).flat_map(|w| w.rop_runs.iter().flatten().map(|p| p.0));
    let mut dates = depth_dates.chain(rop_dates);
    let first = dates.next().ok_or(PlotError::NoData)?;
    let (lo, hi) = dates.fold((first, first), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let span = u64::try_from((hi - lo).num_days()).unwrap_or(0);
    let pad = Days::new((span / 40).max(1));
    let lo = lo.checked_sub_days(pad).unwrap_or(lo);
    let hi = hi.checked_add_days(pad).unwrap_or(hi);
    Ok((lo, hi))
}

/// A linear axis with "nice" ticks.
#[derive(Debug, Clone)]
struct NumAxis {
    lo: f64,
    hi: f64,
    step: f64,
    ticks: Vec<f64>,
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

    fn label(&self, v: f64) -> String {
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

fn depth_axis(wells: &[CleanWell], wanted: usize) -> Result<NumAxis, PlotError> {
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

fn rop_axis(wells: &[CleanWell], wanted: usize) -> Result<NumAxis, PlotError> {
    let (lo, hi) = wells
        .iter()
        .flat_map(CleanWell::rop_values)
        .fold((0.0f64, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // No ROP at all, or none above zero: still draw a sensible axis.
    let hi = if hi > lo { hi + (hi - lo) * 0.05 } else { lo + 10.0 };
    NumAxis::new(lo, hi, wanted)
        .ok_or_else(|| PlotError::Render("ROP values span a range too large to plot".to_owned()))
}

/// Spacing of date ticks, from a day to many years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateUnit {
    Days(u32),
    Months(u32),
    Years(u32),
}

impl DateUnit {
    fn approx_days(self) -> f64 {
        match self {
            Self::Days(n) => f64::from(n),
            Self::Months(n) => 30.44 * f64::from(n),
            Self::Years(n) => 365.25 * f64::from(n),
        }
    }

    fn format(self, d: NaiveDate) -> String {
        match self {
            Self::Days(_) => d.format("%Y-%m-%d").to_string(),
            Self::Months(_) => d.format("%b %Y").to_string(),
            Self::Years(_) => d.format("%Y").to_string(),
        }
    }

    /// Candidate spacings, finest first.
    fn candidates() -> impl Iterator<Item = Self> {
        let small = [
            Self::Days(1),
            Self::Days(2),
            Self::Days(7),
            Self::Days(14),
            Self::Months(1),
            Self::Months(2),
            Self::Months(3),
            Self::Months(6),
        ];
        let years = (0..6u32).flat_map(|e| [1, 2, 5].map(|k| Self::Years(k * 10u32.pow(e))));
        small.into_iter().chain(years)
    }
}

/// Ticks on calendar boundaries (days; Mondays for weeks; 1st of month; 1 January)
/// inside `[lo, hi]`, at most about `max_ticks(unit)` of them.
fn date_ticks(lo: NaiveDate, hi: NaiveDate, max_ticks: impl Fn(DateUnit) -> usize) -> (Vec<NaiveDate>, DateUnit) {
    let span = (hi - lo).num_days().max(0) as f64;
    let unit = DateUnit::candidates()
        .find(|u| span / u.approx_days() + 1.0 <= max_ticks(*u) as f64)
        .unwrap_or(DateUnit::Years(500_000));
    let mut ticks = Vec::new();
    const CAP: usize = 400;
    match unit {
        DateUnit::Days(n) => {
            let n = i64::from(n);
            let (a, b) = (i64::from(lo.num_days_from_ce()), i64::from(hi.num_days_from_ce()));
            // Day 1 of the common era is a Monday: weekly ticks land on Mondays.
            let mut idx = a + (n - (a - 1).rem_euclid(n)) % n;
            while idx <= b && ticks.len() < CAP {
                if let Some(d) = i32::try_from(idx).ok().and_then(NaiveDate::from_num_days_from_ce_opt) {
                    ticks.push(d);
                }
                idx += n;
            }
        }
        DateUnit::Months(n) => {
            let n = i64::from(n);
            let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
            let mut mi = month_index(lo) + i64::from(lo.day() != 1);
            mi += (n - mi.rem_euclid(n)) % n;
            while mi <= month_index(hi) && ticks.len() < CAP {
                if let Some(d) = ymd(mi.div_euclid(12), mi.rem_euclid(12) + 1) {
                    ticks.push(d);
                }
                mi += n;
            }
        }
        DateUnit::Years(n) => {
            let n = i64::from(n);
            let mut y = i64::from(lo.year()) + i64::from(lo.ordinal() != 1);
            y += (n - y.rem_euclid(n)) % n;
            while y <= i64::from(hi.year()) && ticks.len() < CAP {
                if let Some(d) = ymd(y, 1) {
                    ticks.push(d);
                }
                y += n;
            }
        }
    }
    ticks.retain(|d| (lo..=hi).contains(d));
    (ticks, unit)
}

fn ymd(year: i64, month: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, u32::try_from(month).ok()?, 1)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn date_ticks_sit_on_calendar_boundaries() {
        let (ticks, unit) = date_ticks(day(2024, 3, 1), day(2024, 4, 20), |_| 9);
        assert_eq!(unit, DateUnit::Days(7));
        assert!(ticks.iter().all(|d| d.weekday() == chrono::Weekday::Mon), "{ticks:?}");
        let (ticks, unit) = date_ticks(day(2023, 11, 15), day(2024, 9, 2), |_| 8);
        assert_eq!(unit, DateUnit::Months(2));
        assert!(ticks.iter().all(|d| d.day() == 1 && d.month0() % 2 == 0), "{ticks:?}");
        assert_eq!(ticks.first(), Some(&day(2024, 1, 1)));
        let (ticks, unit) = date_ticks(day(1990, 6, 1), day(2024, 1, 1), |_| 8);
        assert_eq!(unit, DateUnit::Years(5));
        assert_eq!(ticks.first(), Some(&day(1995, 1, 1)));
        let (ticks, _) = date_ticks(NaiveDate::MIN, NaiveDate::MAX, |_| 10);
        assert!(!ticks.is_empty() && ticks.len() <= 10, "{}", ticks.len());
    }

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
