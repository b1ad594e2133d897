//! Drawing the chart (title, legend, axes, curves) into an RGB buffer, and encoding it as PNG.

use chrono::{Datelike, NaiveDate};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::combinators::{BindKeyPoints, WithKeyPoints};
use plotters::coord::types::RangedDate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{NumAxis, TickedAxis, depth_axis, rop_axis};
use super::dates::{DateUnit, date_range, date_ticks};
use super::legend::draw_legend;
use super::series::CleanWell;
use super::style::{AXIS, GRID, Metrics, PALETTE, px};
use super::text::{clean_text, fit_text, font, text_width};
use super::{PlotError, PlotOptions, render_err};

/// Depth markers are drawn when a well has at most this many points.
const MAX_POINTS_WITH_MARKERS: usize = 31;

type XSpec = WithKeyPoints<RangedDate<NaiveDate>>;
type YSpec = TickedAxis;

type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<XSpec, YSpec>>;

pub(super) fn render(wells: &[CleanWell], opts: &PlotOptions) -> Result<Vec<u8>, PlotError> {
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
