//! The legend strip above the plot.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::series::CleanWell;
use super::style::{KEY_GREY, Metrics, PALETTE, px};
use super::text::{fit_text, font, text_width};
use super::{PlotError, render_err};

/// Legend rows (wrapped, centred) starting at `top`; returns the y where the plot starts.
pub(super) fn draw_legend(
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
