//! PNG/SVG charts of a GC timeline: heap, GC CPU and pause panels on one time axis.
//! `model` computes what to show (tested without pixels); `draw` puts it on a canvas.

pub mod draw;
pub mod model;

pub use model::{ChartError, ChartModel, ChartOptions, Panel, build};

use crate::analyze::{Report, Summary};
use crate::model::Timeline;
use crate::output::Format;
use crate::units::num;
use std::io::Write;

/// Is this output path an SVG file?
pub fn is_svg(path: &str) -> bool {
    path.rsplit('.')
        .next()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// `gclens — trace.log — Go 1.18+ — 1554 cycles over 6.0 s`.
pub fn title(t: &Timeline, s: &Summary) -> String {
    let go = s.format.map_or("Go ?", |f| f.releases());
    let over = s
        .duration_s
        .map_or(String::new(), |d| format!(" over {} s", num(d)));
    format!(
        "gclens — {} — {go} — {} cycles{over}",
        t.sources.join(", "),
        s.cycles
    )
}

/// Renders a timeline to PNG or SVG bytes. MemStats snapshots joined to it (`--memstats`)
/// are drawn when `opts.joined` holds them.
pub fn render(t: &Timeline, title: String, opts: &ChartOptions) -> anyhow::Result<Vec<u8>> {
    let m = build(t, title, opts).map_err(|e| anyhow::anyhow!("{e}"))?;
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
        let bytes = render(&r.timeline, title(&r.timeline, &r.summary), &opts)?;
        Ok(out.write_all(&bytes)?)
    }
}
