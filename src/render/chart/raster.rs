//! The PNG backend: plotters' bitmap backend with two of its drawings replaced.
//!
//! - Text: plotters 0.3.7's `ab_glyph` text drops each glyph's left side bearing, so
//!   letters sit unevenly ("glob als", "GOMEMLIMI T"). Here glyphs are laid out with
//!   their advances and kerning and drawn at their own pixel bounds, antialiased; the
//!   size measured is the size drawn, so labels can be placed without overlaps.
//! - Thick lines: a polyline wider than one pixel was filled as one polygon whose miter
//!   joins spike far out of the panel where the data zigzags. Here each segment is its
//!   own short polygon: no joins, nothing outside the segment's own width.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontTransform,
    text_anchor::{HPos, VPos},
};

pub const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

type Err<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

/// A bitmap backend with correct text and spike-free thick lines.
pub struct Raster<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> Raster<'a> {
    pub fn new(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        Raster {
            inner: BitMapBackend::with_buffer(buf, size),
            font: font(),
        }
    }
}

/// The bundled DejaVu Sans (always valid: it is compiled in).
pub fn font() -> FontRef<'static> {
    FontRef::try_from_slice(FONT).expect("the bundled font parses")
}

/// Width and height of `text` at `size` px, as [`Raster`] draws it.
pub fn text_size(font: &FontRef, size: f64, text: &str) -> (u32, u32) {
    let f = font.as_scaled(PxScale::from(size as f32));
    let (w, _) = layout(&f, text, |_, _| {});
    (w.ceil() as u32, f.height().ceil() as u32)
}

/// Lays `text` out from x = 0 on a baseline at the ascent; calls `glyph` with each
/// glyph and its pen x. Returns the advance width.
fn layout<F: Font, S: ScaleFont<F>>(
    f: &S,
    text: &str,
    mut glyph: impl FnMut(ab_glyph::Glyph, f32),
) -> (f32, ()) {
    let mut x = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            x += f.kern(p, id);
        }
        glyph(
            id.with_scale_and_position(f.scale(), point(x, f.ascent())),
            x,
        );
        x += f.h_advance(id);
        prev = Some(id);
    }
    (x, ())
}

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), Err<'a>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), Err<'a>> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), Err<'a>> {
        self.inner.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Err<'a>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Err<'a>> {
        self.inner.draw_rect(a, b, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Err<'a>> {
        if style.stroke_width() <= 1 {
            return self.inner.draw_path(path, style);
        }
        let pts: Vec<BackendCoord> = path.into_iter().collect();
        for w in pts.windows(2) {
            if w[0] != w[1] {
                self.inner.draw_path(w.iter().copied(), style)?;
            }
        }
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Err<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Err<'a>> {
        self.inner.fill_polygon(vert, style)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Err<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Err<'a>> {
        Ok(text_size(&self.font, style.size(), text))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Err<'a>> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let font = self.font.clone();
        let f = font.as_scaled(PxScale::from(style.size() as f32));
        let (w, h) = text_size(&font, style.size(), text);
        let (w, h) = (w as i32, h as i32);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0,
            HPos::Center => -w / 2,
            HPos::Right => -w,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let trans: FontTransform = style.transform();
        let mut pixels: Vec<(i32, i32, f32)> = vec![];
        layout(&f, text, |g, _| {
            if let Some(o) = font.outline_glyph(g) {
                let b = o.px_bounds();
                o.draw(|gx, gy, cov| {
                    if cov > 0.0 {
                        let x = b.min.x as i32 + gx as i32 + dx;
                        let y = b.min.y as i32 + gy as i32 + dy;
                        pixels.push((x, y, cov.min(1.0)));
                    }
                });
            }
        });
        for (x, y, cov) in pixels {
            let (x, y) = trans.transform(x, y);
            let c = BackendColor {
                alpha: color.alpha * f64::from(cov),
                rgb: color.rgb,
            };
            self.inner.draw_pixel((pos.0 + x, pos.1 + y), c)?;
        }
        Ok(())
    }
}
