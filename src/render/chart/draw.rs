//! Draws a [`ChartModel`] with plotters into PNG or SVG bytes. The layout is computed
//! here, from measured text: the title and the key figures on top, then each panel
//! with a header (its caption and its legend, wrapped to the width, so a legend never
//! covers data) above its plot; tick counts from the pixels each label needs, so labels
//! never overlap at any size accepted. Text uses the bundled DejaVu Sans (PNG through
//! [`Raster`], SVG names it), so no system font is needed and the same input gives the
//! same bytes. Each panel's series have colours of their own, which lets a test check
//! that nothing is drawn outside its panel.

use super::axis::{TickFormat, format_for};
use super::legend::{
    Entry, Fonts, Swatch, draw_swatch, entry, fit, fonts, header_rows, measure, series_entry,
};
use super::model::{ChartModel, ChartOptions, MarkerKind, Panel, Series};
use super::raster::{FONT, Raster};
use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

const FAMILY: &str = "sans-serif";

pub const BEFORE: RGBColor = RGBColor(230, 140, 30);
pub const AFTER: RGBColor = RGBColor(200, 40, 40);
pub const LIVE: RGBColor = RGBColor(30, 90, 200);
pub const GOAL: RGBColor = RGBColor(40, 150, 70);
pub const TREND: RGBColor = RGBColor(0, 128, 128);
pub const TREND_ALERT: RGBColor = RGBColor(190, 0, 110);
pub const CPU_WINDOW: RGBColor = RGBColor(214, 96, 0);
pub const CPU_PRINTED: RGBColor = RGBColor(20, 60, 140);
pub const PAUSE: RGBColor = RGBColor(170, 30, 110);
pub const P99: RGBColor = RGBColor(90, 90, 210);
const ROOTS: RGBColor = RGBColor(150, 150, 150);
const BUDGET: RGBColor = RGBColor(0, 0, 0);
const LIMIT: RGBColor = RGBColor(140, 40, 160);
const MARK: RGBColor = RGBColor(70, 70, 70);
const MARK_LEAK: RGBColor = RGBColor(200, 120, 0);
const BOUNDARY: RGBColor = RGBColor(120, 120, 120);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// Where a panel was drawn, in pixels (x0, y0, x1, y1): its header (caption and
/// legend) and its plot area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelLayout {
    pub panel: Panel,
    pub header: (i32, i32, i32, i32),
    pub plot: (i32, i32, i32, i32),
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure here would show as missing text, not a crash.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, FONT);
    });
}

fn text_style(px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FAMILY, px).into_font().color(&color).pos(Pos::new(h, v))
}

type Res<DB, T = ()> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The ticks plotters puts on `lo..hi` when asked for at most `n`, and their format.
fn axis_ticks(lo: f64, hi: f64, n: usize) -> (Vec<f64>, TickFormat) {
    use plotters::coord::ranged1d::Ranged;
    let r: RangedCoordf64 = (lo..hi).into();
    let mut pts = r.key_points(n.max(2));
    if pts.len() < 2 {
        pts = r.key_points(n.max(2) * 2);
    }
    let step = match pts.as_slice() {
        [a, b, ..] => b - a,
        _ => super::axis::nice_step(hi - lo, n.max(2)),
    };
    let f = format_for(step, lo.abs().max(hi.abs()));
    (pts, f)
}

/// A panel: header (caption, legend), then the plot with axes from the model's time
/// range and `0..y_max`. Returns the chart and where it went.
#[allow(clippy::too_many_arguments)]
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    m: &ChartModel,
    f: &Fonts,
    caption: &str,
    entries: &[Entry],
    y_max: f64,
    last: bool,
    kind: Panel,
) -> Res<DB, (Chart<'a, DB>, PanelLayout)> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let (pos, rows) = header_rows(caption, entries, f, w);
    let row_h = (f.caption * 1.5) as i32;
    let header_h = rows * row_h + 4;
    let (head, body) = area.split_vertically(header_h);
    head.draw(&Text::new(
        caption.to_string(),
        (10, row_h / 2),
        text_style(f.caption, BLACK, HPos::Left, VPos::Center),
    ))?;
    let swatch = (f.label * 1.6) as i32;
    for (e, &(x, row)) in entries.iter().zip(&pos) {
        let y = row * row_h + row_h / 2;
        draw_swatch(&head, e.swatch, (x, y), swatch)?;
        head.draw(&Text::new(
            e.text.clone(),
            (x + swatch + 6, y),
            text_style(f.label, BLACK, HPos::Left, VPos::Center),
        ))?;
    }
    // ticks: as many as their labels leave room for
    let y_room = (h - header_h - (f.label * if last { 3.4 } else { 2.0 }) as i32).max(20);
    let y_n = (y_room / (f.label * 2.4) as i32).clamp(2, 10) as usize;
    let (yt, yf) = axis_ticks(0.0, y_max, y_n);
    let y_label_w = yt
        .iter()
        .map(|&v| measure(&yf.fmt(v), f.label).0)
        .max()
        .unwrap_or(10)
        + 12;
    let (x0, x1) = m.x_range;
    let probe = axis_ticks(x0, x1, 8);
    let widest = probe
        .0
        .iter()
        .map(|&v| measure(&probe.1.fmt(v), f.label).0)
        .max()
        .unwrap_or(20);
    let mut n = ((w - y_label_w - 30) / (widest + (f.label * 3.0) as i32)).clamp(2, 12) as usize;
    if m.x_cycles {
        // whole cycle numbers only
        n = n.min((x1 - x0).floor().max(1.0) as usize + 1);
    }
    let (xt, xf) = axis_ticks(x0, x1, n);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(4)
        .margin_right(16)
        .margin_top(4)
        .x_label_area_size((f.label * if last { 3.2 } else { 1.9 }) as i32)
        .y_label_area_size(y_label_w)
        .build_cartesian_2d(x0..x1, 0.0..y_max)?;
    let x_fmt = |x: &f64| xf.fmt(*x);
    let y_fmt = |y: &f64| yf.fmt(*y);
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .x_labels(xt.len())
        .y_labels(yt.len())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FAMILY, f.label));
    if last {
        mesh.x_desc(m.x_label.as_str())
            .axis_desc_style((FAMILY, f.label));
    }
    mesh.draw()?;
    let (hx, hy) = head.get_pixel_range();
    let (px, py) = chart.plotting_area().get_pixel_range();
    let layout = PanelLayout {
        panel: kind,
        header: (hx.start, hy.start, hx.end, hy.end),
        plot: (px.start, py.start, px.end, py.end),
    };
    Ok((chart, layout))
}

/// Each run of a series as its own line (a gap or a restart stays a gap); a lone cycle
/// between gaps as a dot. A run with more cycles than two per pixel column is a band
/// (its min–max envelope, pale) with its median per column drawn through it.
fn lines<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, s: &Series, style: ShapeStyle) -> Res<DB> {
    for (k, run) in s.runs.iter().enumerate() {
        let median = s.medians.get(k).filter(|m| !m.is_empty());
        if let [p] = run.as_slice() {
            chart.draw_series(std::iter::once(Circle::new(*p, 2, style.color.filled())))?;
        } else if let Some(m) = median {
            let pale = ShapeStyle {
                color: style.color.mix(0.3),
                filled: false,
                stroke_width: 1,
            };
            chart.draw_series(LineSeries::new(run.iter().copied(), pale))?;
            chart.draw_series(LineSeries::new(m.iter().copied(), style))?;
        } else {
            chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
        }
    }
    Ok(())
}

/// Restarts: a dashed line with a word at its top.
fn boundaries<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    m: &ChartModel,
    y_max: f64,
    f: &Fonts,
) -> Res<DB> {
    let (x0, x1) = m.x_range;
    for &x in &m.boundaries {
        chart.draw_series(DashedLineSeries::new(
            vec![(x, 0.0), (x, y_max)],
            6,
            4,
            BOUNDARY.stroke_width(1),
        ))?;
        // the word on the side with room for it
        let (dx, hpos) = if x > x0 + (x1 - x0) * 0.8 {
            (-4, HPos::Right)
        } else {
            (4, HPos::Left)
        };
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y_max))
                + Text::new(
                    "restart",
                    (dx, 2),
                    text_style(f.label, BOUNDARY, hpos, VPos::Top),
                ),
        ))?;
    }
    Ok(())
}

fn heap_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    f: &Fonts,
    last: bool,
) -> Res<DB, PanelLayout> {
    let h = &m.heap;
    let mut entries: Vec<Entry> = [
        series_entry(&h.roots, Swatch::Band(ROOTS)),
        series_entry(&h.goal, Swatch::Line(GOAL, 2)),
        series_entry(&h.before, Swatch::Line(BEFORE, 1)),
        series_entry(&h.after, Swatch::Line(AFTER, 1)),
        series_entry(&h.live, Swatch::Line(LIVE, 2)),
        series_entry(&h.limit_counted, Swatch::Line(LIMIT, 2)),
        series_entry(&h.heap_inuse, Swatch::Line(BOUNDARY, 2)),
    ]
    .into_iter()
    .flatten()
    .collect();
    for (kind, text, c) in [
        (MarkerKind::Forced, "forced cycle", MARK),
        (MarkerKind::LeakCheck, "goroutine leak check", MARK_LEAK),
    ] {
        if h.markers.iter().any(|m| m.1 == kind) {
            entries.push(entry(Swatch::Triangle(c), text));
        }
    }
    if let Some(t) = &h.trend {
        let c = if t.alert { TREND_ALERT } else { TREND };
        entries.push(entry(Swatch::Line(c, 2), t.label.clone()));
    }
    let caption = format!("Heap ({})", h.unit.label());
    let (mut chart, layout) = panel(area, m, f, &caption, &entries, h.y_max, last, Panel::Heap)?;
    for run in &h.roots.runs {
        chart.draw_series(
            AreaSeries::new(run.iter().copied(), 0.0, ROOTS.mix(0.35)).border_style(ROOTS),
        )?;
    }
    // markers along the bottom, under the lines
    chart.draw_series(h.markers.iter().map(|&(x, kind)| {
        let c = if kind == MarkerKind::Forced {
            MARK
        } else {
            MARK_LEAK
        };
        EmptyElement::at((x, 0.0)) + TriangleMarker::new((0, -5), 4, c.filled())
    }))?;
    lines(&mut chart, &h.goal, GOAL.stroke_width(2))?;
    lines(&mut chart, &h.before, BEFORE.stroke_width(1))?;
    lines(&mut chart, &h.after, AFTER.stroke_width(1))?;
    lines(&mut chart, &h.live, LIVE.stroke_width(2))?;
    for (s, c) in [(&h.limit_counted, LIMIT), (&h.heap_inuse, BOUNDARY)] {
        lines(&mut chart, s, c.stroke_width(2))?;
        chart.draw_series(s.points().map(|&p| Circle::new(p, 3, c.filled())))?;
    }
    if let Some(t) = &h.trend {
        let c = if t.alert { TREND_ALERT } else { TREND };
        chart.draw_series(LineSeries::new([t.from, t.to], c.stroke_width(3)))?;
        if let Some(p) = t.projection {
            chart.draw_series(DashedLineSeries::new([t.to, p], 8, 6, c.stroke_width(2)))?;
        }
    }
    levels(&mut chart, m, f)?;
    boundaries(&mut chart, m, h.y_max, f)?;
    Ok(layout)
}

/// The budget and GOMEMLIMIT lines, labelled at their right end: above the line, or
/// below it when the other label would touch it.
fn levels<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, m: &ChartModel, f: &Fonts) -> Res<DB> {
    let h = &m.heap;
    let x1 = m.x_range.1;
    let py = |v: f64| chart.backend_coord(&(x1, v)).1;
    let close = match (&h.budget, &h.limit) {
        (Some(b), Some(l)) => (py(b.value) - py(l.value)).abs() < (f.label * 1.4) as i32,
        _ => false,
    };
    let lower = match (&h.budget, &h.limit) {
        (Some(b), Some(l)) => Some(if b.value < l.value {
            "budget"
        } else {
            "GOMEMLIMIT"
        }),
        _ => None,
    };
    for (level, color, name) in [
        (&h.budget, BUDGET, "budget"),
        (&h.limit, LIMIT, "GOMEMLIMIT"),
    ] {
        let Some(l) = level else { continue };
        chart.draw_series(DashedLineSeries::new(
            vec![(m.x_range.0, l.value), (x1, l.value)],
            8,
            5,
            color.stroke_width(2),
        ))?;
        let below = close && lower == Some(name);
        let (dy, v) = if below {
            (3, VPos::Top)
        } else {
            (-3, VPos::Bottom)
        };
        chart.draw_series(std::iter::once(
            EmptyElement::at((x1, l.value))
                + Text::new(
                    l.label.clone(),
                    (-6, dy),
                    text_style(f.label, color, HPos::Right, v),
                ),
        ))?;
    }
    Ok(())
}

fn cpu_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    f: &Fonts,
    last: bool,
) -> Res<DB, Option<PanelLayout>> {
    let Some(c) = &m.cpu else {
        area.draw(&Text::new(
            "GC CPU: this Go version prints no times, so no GC CPU over time",
            (10, 10),
            text_style(f.caption, BLACK, HPos::Left, VPos::Top),
        ))?;
        return Ok(None);
    };
    let mut entries: Vec<Entry> = [
        series_entry(&c.window, Swatch::Line(CPU_WINDOW, 2)),
        series_entry(&c.printed, Swatch::Line(CPU_PRINTED, 2)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(n) = &c.note {
        entries.push(entry(Swatch::Line(WHITE, 1), n.clone()));
    }
    let (mut chart, layout) = panel(
        area,
        m,
        f,
        "GC CPU (%)",
        &entries,
        c.y_max,
        last,
        Panel::Cpu,
    )?;
    lines(&mut chart, &c.window, CPU_WINDOW.stroke_width(2))?;
    lines(&mut chart, &c.printed, CPU_PRINTED.stroke_width(2))?;
    boundaries(&mut chart, m, c.y_max, f)?;
    Ok(Some(layout))
}

fn pause_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    f: &Fonts,
    last: bool,
) -> Res<DB, PanelLayout> {
    let p = &m.pause;
    let fmt = |v: f64| crate::units::num(v);
    let entries = vec![
        entry(Swatch::Line(PAUSE, 1), "STW pause"),
        entry(Swatch::Dashed(P99), format!("p99 {} ms", fmt(p.p99_ms))),
        entry(Swatch::Ring(BUDGET), format!("max {} ms", fmt(p.max_ms))),
    ];
    let caption = "Stop-the-world pause per cycle (ms)";
    let (mut chart, layout) = panel(area, m, f, caption, &entries, p.y_max, last, Panel::Pause)?;
    lines(&mut chart, &p.pauses, PAUSE.stroke_width(1))?;
    chart.draw_series(DashedLineSeries::new(
        vec![(m.x_range.0, p.p99_ms), (m.x_range.1, p.p99_ms)],
        6,
        4,
        P99.stroke_width(2),
    ))?;
    chart.draw_series(std::iter::once(Circle::new(
        (p.max_x, p.max_ms),
        5,
        BUDGET.stroke_width(2),
    )))?;
    boundaries(&mut chart, m, p.y_max, f)?;
    Ok(layout)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    m: &ChartModel,
    opts: &ChartOptions,
) -> Res<DB, Vec<PanelLayout>> {
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let f = fonts(w, h);
    let (w, h) = (w as i32, h as i32);
    let title = fit(&m.title, f.title, w - 20);
    let sub = fit(&m.subtitle, f.sub, w - 20);
    let th = measure(&title, f.title).1;
    let sh = measure(&sub, f.sub).1;
    root.draw(&Text::new(
        title,
        (w / 2, 6),
        text_style(f.title, BLACK, HPos::Center, VPos::Top),
    ))?;
    root.draw(&Text::new(
        sub,
        (w / 2, 8 + th),
        text_style(f.sub, RGBColor(60, 60, 60), HPos::Center, VPos::Top),
    ))?;
    let (_, body) = root.split_vertically(14 + th + sh);
    let weights: Vec<i32> = opts
        .panels
        .iter()
        .map(|p| if *p == Panel::Heap { 2 } else { 1 })
        .collect();
    let total: i32 = weights.iter().sum();
    let body_h = body.dim_in_pixel().1 as i32;
    let mut rest = body;
    let mut layouts = vec![];
    for (k, kind) in opts.panels.iter().enumerate() {
        let last = k + 1 == opts.panels.len();
        let (area, next) = if last {
            (rest.clone(), rest.clone())
        } else {
            rest.split_vertically(body_h * weights[k] / total)
        };
        let layout = match kind {
            Panel::Heap => Some(heap_panel(&area, m, &f, last)?),
            Panel::Cpu => cpu_panel(&area, m, &f, last)?,
            Panel::Pause => Some(pause_panel(&area, m, &f, last)?),
        };
        layouts.extend(layout);
        rest = next;
    }
    let _ = h;
    Ok(layouts)
}

/// Renders the chart as PNG bytes, and where each panel went.
pub fn png_with_layout(
    m: &ChartModel,
    opts: &ChartOptions,
) -> anyhow::Result<(Vec<u8>, Vec<PanelLayout>)> {
    register_font();
    let (w, h) = (opts.width, opts.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let layouts = {
        let root = Raster::new(&mut rgb, (w, h)).into_drawing_area();
        let l = draw(root.clone(), m, opts).map_err(|e| anyhow!("drawing the chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the chart: {e}"))?;
        l
    };
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &rgb,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    )
    .context("encoding the PNG")?;
    Ok((out, layouts))
}

/// Renders the chart as PNG bytes.
pub fn png(m: &ChartModel, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    png_with_layout(m, opts).map(|(b, _)| b)
}

/// Renders the chart as an SVG document.
pub fn svg(m: &ChartModel, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (opts.width, opts.height)).into_drawing_area();
        draw(root.clone(), m, opts).map_err(|e| anyhow!("drawing the chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the chart: {e}"))?;
    }
    Ok(s.into_bytes())
}
