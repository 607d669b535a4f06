//! Measured text and legends: font sizes for a canvas, text shortened to fit, and the
//! panel headers that hold a caption and its legend entries in rows across the width
//! (wrapping when they do not fit), so a legend never lies over data.

use super::model::Series;
use super::raster::{font, text_size};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Font sizes in pixels for a canvas: 1600×1000 is the reference.
pub(super) struct Fonts {
    pub title: f64,
    pub sub: f64,
    pub caption: f64,
    pub label: f64,
}

pub(super) fn fonts(w: u32, h: u32) -> Fonts {
    let k = (f64::from(w) / 1600.0)
        .min(f64::from(h) / 1000.0)
        .clamp(0.6, 2.0);
    Fonts {
        title: (20.0 * k).max(12.0),
        sub: (14.0 * k).max(10.0),
        caption: (15.0 * k).max(10.0),
        label: (13.0 * k).max(9.0),
    }
}

pub(super) fn measure(text: &str, px: f64) -> (i32, i32) {
    let (w, h) = text_size(&font(), px, text);
    (w as i32, h as i32)
}

/// `text`, shortened in the middle with `…` until it fits `width` pixels.
pub(super) fn fit(text: &str, px: f64, width: i32) -> String {
    if measure(text, px).0 <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    for cut in 1..chars.len() {
        let keep = chars.len() - cut;
        let (a, b) = (keep / 2, keep - keep / 2);
        let s: String = chars[..a]
            .iter()
            .chain(std::iter::once(&'…'))
            .chain(&chars[chars.len() - b..])
            .collect();
        if measure(&s, px).0 <= width {
            return s;
        }
    }
    "…".into()
}

/// What a legend entry shows beside its text.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Band(RGBColor),
    Triangle(RGBColor),
    Ring(RGBColor),
}

pub(super) struct Entry {
    pub swatch: Swatch,
    pub text: String,
}

pub(super) fn entry(swatch: Swatch, text: impl Into<String>) -> Entry {
    Entry {
        swatch,
        text: text.into(),
    }
}

pub(super) fn series_entry(s: &Series, swatch: Swatch) -> Option<Entry> {
    (!s.is_empty()).then(|| entry(swatch, s.name))
}

pub(super) type Res<DB, T = ()> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Lays the caption and the legend out in rows across `width`: (x, row) per entry and
/// the number of rows.
pub(super) fn header_rows(
    caption: &str,
    entries: &[Entry],
    f: &Fonts,
    width: i32,
) -> (Vec<(i32, i32)>, i32) {
    let gap = (f.label * 1.4) as i32;
    let swatch = (f.label * 1.6) as i32;
    let mut x = 10 + measure(caption, f.caption).0 + gap;
    let mut row = 0;
    let mut out = vec![];
    for e in entries {
        let w = swatch + 6 + measure(&e.text, f.label).0;
        if x + w > width - 10 && x > 10 + gap {
            row += 1;
            x = 10 + gap;
        }
        out.push((x, row));
        x += w + gap;
    }
    (out, row + 1)
}

pub(super) fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: Swatch,
    (x, y): (i32, i32),
    len: i32,
) -> Res<DB> {
    match s {
        Swatch::Line(c, w) => area.draw(&PathElement::new(
            vec![(x, y), (x + len, y)],
            c.stroke_width(w.max(2)),
        )),
        Swatch::Dashed(c) => {
            let d = len / 5;
            for k in [0, 2, 4] {
                area.draw(&PathElement::new(
                    vec![(x + k * d, y), (x + (k + 1) * d, y)],
                    c.stroke_width(2),
                ))?;
            }
            Ok(())
        }
        Swatch::Band(c) => area.draw(&Rectangle::new(
            [(x, y - 5), (x + len, y + 5)],
            c.mix(0.35).filled(),
        )),
        Swatch::Triangle(c) => area.draw(&TriangleMarker::new((x + len / 2, y), 5, c.filled())),
        Swatch::Ring(c) => area.draw(&Circle::new((x + len / 2, y), 5, c.stroke_width(2))),
    }
}
