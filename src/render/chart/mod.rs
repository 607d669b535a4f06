//! PNG/SVG charts of a GC timeline: heap, GC CPU and pause panels on one time axis.
//! `model` computes what to show (tested without pixels); `draw` puts it on a canvas.

pub mod draw;
pub mod model;

pub use model::{ChartError, ChartModel, ChartOptions, Panel, build};

use crate::model::Timeline;

/// Is this output path an SVG file?
pub fn is_svg(path: &str) -> bool {
    path.rsplit('.')
        .next()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// Renders a timeline to PNG or SVG bytes (chosen by `path`'s extension).
pub fn render(
    t: &Timeline,
    title: String,
    opts: &ChartOptions,
    path: &str,
) -> anyhow::Result<Vec<u8>> {
    let m = build(t, title, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    if is_svg(path) {
        draw::svg(&m, opts)
    } else {
        draw::png(&m, opts)
    }
}
