//! The embedded font, and measuring, fitting and cleaning text.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;
use super::style::TEXT;

/// DejaVu Sans 2.37 (Debian `fonts-dejavu-core`); licence in `assets/fonts/LICENSE-DejaVu.txt`.
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Registered under plotters' default family name so any text plotters draws by
/// itself also finds a font.
pub(super) const FONT_FAMILY: &str = "sans-serif";

pub(super) fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Render("embedded font could not be parsed".to_owned())) }
}

/// Control characters become spaces; long text is cut with an ellipsis.
pub(super) fn clean_text(s: &str, max_chars: usize) -> String {
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

pub(super) fn font(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&TEXT)
}

pub(super) fn text_width(area: &DrawingArea<BitMapBackend<'_>, Shift>, text: &str, style: &TextStyle<'_>) -> i32 {
    area.estimate_text_size(text, style).map(|(w, _)| i32::try_from(w).unwrap_or(i32::MAX)).unwrap_or(0)
}

/// Cut `text` (with an ellipsis) until it fits in `max_w` pixels.
pub(super) fn fit_text(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    text: &str,
    style: &TextStyle<'_>,
    max_w: i32,
) -> String {
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
