//! Draws a [`ChartModel`] with plotters into PNG or SVG bytes. Text uses the bundled
//! DejaVu Sans (assets/fonts, registered through plotters' `ab_glyph` backend), so no
//! system font is needed and the same input gives the same bytes.

use super::model::{ChartModel, ChartOptions, Panel, Series};
use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

const BEFORE: RGBColor = RGBColor(230, 140, 30);
const AFTER: RGBColor = RGBColor(200, 40, 40);
const LIVE: RGBColor = RGBColor(30, 90, 200);
const GOAL: RGBColor = RGBColor(40, 150, 70);
const ROOTS: RGBColor = RGBColor(150, 150, 150);
const BUDGET: RGBColor = RGBColor(0, 0, 0);
const LIMIT: RGBColor = RGBColor(140, 40, 160);
const BOUNDARY: RGBColor = RGBColor(120, 120, 120);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font is valid; a failure here would show as missing text, not a crash.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, FONT);
    });
}

/// Short tick labels: `12`, `1.5`, `0.25`, `2.4k`.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

type Res<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn line<DB: DrawingBackend, C: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, C>,
    s: &Series,
    style: ShapeStyle,
) -> Res<DB> {
    if s.points.is_empty() {
        return Ok(());
    }
    let color = style.color;
    chart
        .draw_series(LineSeries::new(s.points.iter().copied(), style))?
        .label(s.name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3)));
    Ok(())
}

fn boundaries<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    m: &ChartModel,
    y_max: f64,
) -> Res<DB> {
    for &x in &m.boundaries {
        chart.draw_series(DashedLineSeries::new(
            vec![(x, 0.0), (x, y_max)],
            6,
            4,
            BOUNDARY.stroke_width(1),
        ))?;
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A panel's chart: caption, axes from the model's time range and `0..y_max`, the mesh.
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    m: &ChartModel,
    caption: &str,
    y_max: f64,
    y_desc: &str,
    x_desc: bool,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FAMILY, 18))
        .margin(8)
        .x_label_area_size(if x_desc { 40 } else { 28 })
        .y_label_area_size(64)
        .build_cartesian_2d(m.x_range.0..m.x_range.1, 0.0..y_max)?;
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|x| tick(*x))
        .y_label_formatter(&|y| tick(*y))
        .y_desc(y_desc)
        .label_style((FAMILY, 13));
    if x_desc {
        mesh.x_desc(m.x_label);
    }
    mesh.draw()?;
    Ok(chart)
}

/// The segment boundaries, then the legend.
fn finish<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    m: &ChartModel,
    y_max: f64,
    pos: SeriesLabelPosition,
) -> Res<DB> {
    boundaries(chart, m, y_max)?;
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FAMILY, 13))
        .draw()?;
    Ok(())
}

fn heap_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    x_desc: bool,
) -> Res<DB> {
    let h = &m.heap;
    let unit = h.unit.label();
    let mut chart = panel(area, m, &format!("Heap ({unit})"), h.y_max, unit, x_desc)?;
    if !h.roots.points.is_empty() {
        chart
            .draw_series(
                AreaSeries::new(h.roots.points.iter().copied(), 0.0, ROOTS.mix(0.35))
                    .border_style(ROOTS),
            )?
            .label(h.roots.name)
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], ROOTS.mix(0.35).filled())
            });
    }
    line(&mut chart, &h.goal, GOAL.stroke_width(2))?;
    line(&mut chart, &h.before, BEFORE.stroke_width(1))?;
    line(&mut chart, &h.after, AFTER.stroke_width(1))?;
    line(&mut chart, &h.live, LIVE.stroke_width(2))?;
    for (s, color) in [(&h.limit_counted, LIMIT), (&h.heap_inuse, BOUNDARY)] {
        if !s.points.is_empty() {
            line(&mut chart, s, color.stroke_width(2))?;
            chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    if !h.forced.is_empty() {
        chart
            .draw_series(
                h.forced
                    .iter()
                    .map(|&(x, y)| TriangleMarker::new((x, y), 5, BUDGET.filled())),
            )?
            .label("forced cycle")
            .legend(|(x, y)| TriangleMarker::new((x + 9, y), 5, BUDGET.filled()));
    }
    for (value, name, color) in [(h.budget, "budget", BUDGET), (h.limit, "GOMEMLIMIT", LIMIT)] {
        if let Some(v) = value {
            chart.draw_series(DashedLineSeries::new(
                vec![(m.x_range.0, v), (m.x_range.1, v)],
                8,
                5,
                color.stroke_width(2),
            ))?;
            // labelled at the right end: the legend sits at the upper left
            let label_x = m.x_range.0 + (m.x_range.1 - m.x_range.0) * 0.995;
            chart.draw_series(std::iter::once(Text::new(
                format!("{name} {v:.1} {unit}"),
                (label_x, v),
                (FAMILY, 14)
                    .into_font()
                    .color(&color)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Right,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
            )))?;
        }
    }
    finish(&mut chart, m, h.y_max, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

fn cpu_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    x_desc: bool,
) -> Res<DB> {
    let Some(c) = &m.cpu else {
        area.draw(&Text::new(
            "GC CPU: not printed by this Go version",
            (20, 20),
            (FAMILY, 16),
        ))?;
        return Ok(());
    };
    let mut chart = panel(area, m, "GC CPU (%)", c.y_max, "%", x_desc)?;
    line(&mut chart, &c.window, BEFORE.stroke_width(1))?;
    line(&mut chart, &c.printed, LIVE.stroke_width(2))?;
    finish(&mut chart, m, c.y_max, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

fn pause_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: &ChartModel,
    x_desc: bool,
) -> Res<DB> {
    let p = &m.pause;
    let mut chart = panel(
        area,
        m,
        "Stop-the-world pause per cycle (ms)",
        p.y_max,
        "ms",
        x_desc,
    )?;
    line(&mut chart, &p.pauses, AFTER.stroke_width(1))?;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(m.x_range.0, p.p99_ms), (m.x_range.1, p.p99_ms)],
            6,
            4,
            LIMIT.stroke_width(1),
        ))?
        .label(format!("p99 {} ms", tick(p.p99_ms)))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], LIMIT.stroke_width(2)));
    chart
        .draw_series(std::iter::once(Circle::new(
            (p.max_x, p.max_ms),
            5,
            BUDGET.stroke_width(2),
        )))?
        .label(format!("max {} ms", tick(p.max_ms)))
        .legend(|(x, y)| Circle::new((x + 9, y), 5, BUDGET.stroke_width(2)));
    finish(&mut chart, m, p.y_max, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    m: &ChartModel,
    opts: &ChartOptions,
) -> Res<DB> {
    root.fill(&WHITE)?;
    let root = root.titled(&m.title, (FAMILY, 20))?;
    let weights: Vec<u32> = opts
        .panels
        .iter()
        .map(|p| if *p == Panel::Heap { 2 } else { 1 })
        .collect();
    let total: u32 = weights.iter().sum();
    let (_, height) = root.dim_in_pixel();
    let mut rest = root;
    for (k, panel) in opts.panels.iter().enumerate() {
        let last = k + 1 == opts.panels.len();
        let (area, next) = if last {
            (rest.clone(), rest.clone())
        } else {
            let h = (height * weights[k] / total) as i32;
            rest.split_vertically(h)
        };
        match panel {
            Panel::Heap => heap_panel(&area, m, last)?,
            Panel::Cpu => cpu_panel(&area, m, last)?,
            Panel::Pause => pause_panel(&area, m, last)?,
        }
        rest = next;
    }
    Ok(())
}

/// Renders the chart as PNG bytes.
pub fn png(m: &ChartModel, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    register_font();
    let (w, h) = (opts.width, opts.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(root.clone(), m, opts).map_err(|e| anyhow!("drawing the chart: {e}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the chart: {e}"))?;
    }
    let mut out = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut out),
        &rgb,
        w,
        h,
        image::ExtendedColorType::Rgb8,
    )
    .context("encoding the PNG")?;
    Ok(out)
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
