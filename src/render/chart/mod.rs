//! PNG/SVG charts of a GC timeline: heap, GC CPU and pause panels on one time axis.
//! `model` computes what to show (tested without pixels) with `axis` (units, ticks),
//! `reduce` (runs and envelopes) and `verdict` (the trend line, the key figures);
//! `draw` lays it out and puts it on a canvas, `raster` is the PNG backend.

pub mod axis;
mod bands;
pub mod draw;
mod frame;
mod legend;
pub mod model;
pub mod raster;
mod reduce;
pub mod stream;
mod verdict;

pub use model::{ChartError, ChartModel, ChartOptions, Panel, build};
pub use stream::ChartStream;

use crate::analyze::{Report, Summary};
use crate::model::Timeline;
use crate::output::Format;
use std::io::Write;

/// Is this output path an SVG file?
pub fn is_svg(path: &str) -> bool {
    path.rsplit('.')
        .next()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// Renders a timeline and its summary to PNG or SVG bytes. MemStats snapshots joined to
/// it (`--memstats`) are drawn when `opts.joined` holds them.
pub fn render(t: &Timeline, s: &Summary, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    let m = build(t, s, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    if opts.svg {
        draw::svg(&m, opts)
    } else {
        draw::png(&m, opts)
    }
}

/// The chart as an output format of a gc report: PNG or SVG bytes, the report's
/// MemStats snapshots drawn when it has them.
pub struct Chart(pub ChartOptions);

impl Format<Report> for Chart {
    fn write(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut opts = self.0.clone();
        if let Some(m) = &r.memstats {
            opts.joined = m.joined.clone();
        }
        let bytes = render(&r.timeline, &r.summary, &opts)?;
        Ok(out.write_all(&bytes)?)
    }
}
