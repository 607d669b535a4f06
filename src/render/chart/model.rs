//! What a chart shows, computed before anything is drawn (and unit-tested without
//! pixels): the time axis over the trace's own span (in s, min or h; `--from/--to`
//! zoom into it), every series cut into runs where cycles stop (a restart, a gap with
//! no cycle) and reduced per pixel column to its envelope, markers thinned per column,
//! the live-heap verdict as a line with its projection to the budget, the titles.
//!
//! Large traces are reduced per pixel column to the minimum and maximum of each series,
//! in the order they occur (an envelope), never by sampling: a single long pause among a
//! million cycles still reaches the top of its column.

use super::axis::SizeUnit;
use super::stream::ChartStream;
use crate::analyze::Summary;
use crate::model::Timeline;

/// The panels, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// Heap before/after/live, goal, stacks+globals, budget and limit lines, the trend.
    Heap,
    /// GC CPU: over a trailing window from the cpu phases, and cumulative as printed.
    Cpu,
    /// Stop-the-world pause per cycle, with p99 and max.
    Pause,
}

#[derive(Clone, Debug)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    pub panels: Vec<Panel>,
    pub budget_bytes: Option<u64>,
    pub limit_bytes: Option<u64>,
    /// MemStats snapshots joined to cycles (`--memstats`).
    pub joined: Vec<crate::analyze::memstats::Joined>,
    /// SVG instead of PNG.
    pub svg: bool,
    /// `--from`/`--to`: the window drawn, in seconds since the trace's start.
    pub from_s: Option<f64>,
    pub to_s: Option<f64>,
}

impl Default for ChartOptions {
    /// 1600×1000 PNG, every panel, no budget or limit line, no zoom.
    fn default() -> Self {
        ChartOptions {
            width: 1600,
            height: 1000,
            panels: vec![Panel::Heap, Panel::Cpu, Panel::Pause],
            budget_bytes: None,
            limit_bytes: None,
            joined: vec![],
            svg: false,
            from_s: None,
            to_s: None,
        }
    }
}

/// Polylines: one per run of cycles without a gap, each raw when short, else two
/// points (min and max, in the order they occurred) per pixel column; a denser run also
/// has its median per column (in `medians`, same index; empty when drawn raw).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub runs: Vec<Vec<(f64, f64)>>,
    pub medians: Vec<Vec<(f64, f64)>>,
}

impl Series {
    pub fn is_empty(&self) -> bool {
        self.runs.iter().all(Vec::is_empty)
    }
    pub fn points(&self) -> impl Iterator<Item = &(f64, f64)> {
        self.runs.iter().flatten()
    }
}

/// Cycles marked along the bottom of the heap panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// `(forced)`: runtime.GC or the 2-minute periodic collection.
    Forced,
    /// Go 1.27's goroutine leak check cycles.
    LeakCheck,
}

/// A horizontal line with its label (budget, GOMEMLIMIT).
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub value: f64,
    pub label: String,
}

/// The live-heap floor trend, where it was fitted, and where it leads.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendLine {
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// On to the budget (or limit), or to the right edge when that is further.
    pub projection: Option<(f64, f64)>,
    pub label: String,
    /// A likely leak (drawn in the alert colour).
    pub alert: bool,
}

#[derive(Clone, Debug)]
pub struct HeapPanel {
    pub unit: SizeUnit,
    pub y_max: f64,
    pub before: Series,
    pub after: Series,
    pub live: Series,
    pub goal: Series,
    /// Stacks + globals (GC roots), drawn as a band from 0.
    pub roots: Series,
    /// From joined MemStats snapshots: Sys − HeapReleased and HeapInuse.
    pub limit_counted: Series,
    pub heap_inuse: Series,
    /// x of marked cycles, at most one of a kind per few pixel columns.
    pub markers: Vec<(f64, MarkerKind)>,
    pub budget: Option<Level>,
    pub limit: Option<Level>,
    pub trend: Option<TrendLine>,
}

#[derive(Clone, Debug)]
pub struct CpuPanel {
    pub y_max: f64,
    pub window: Series,
    /// The cumulative whole percent the runtime prints; empty when it never leaves
    /// 0–1 % (a flat line at 0 would look like data).
    pub printed: Series,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PausePanel {
    pub y_max: f64,
    pub pauses: Series,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub max_x: f64,
}

#[derive(Clone, Debug)]
pub struct ChartModel {
    pub title: String,
    /// The key figures: peak, GC CPU, p99 pause, the verdict.
    pub subtitle: String,
    pub x_label: String,
    /// Cycle numbers (Go ≤ 1.4 prints no times): integer ticks.
    pub x_cycles: bool,
    pub x_range: (f64, f64),
    /// x where a new segment (restarted process) begins.
    pub boundaries: Vec<f64>,
    pub heap: HeapPanel,
    pub cpu: Option<CpuPanel>,
    pub pause: PausePanel,
}

/// Largest y of some series, with 5% headroom; at least `floor`.
pub(super) fn y_max<'a>(
    series: impl IntoIterator<Item = &'a Series>,
    extra: &[f64],
    floor: f64,
) -> f64 {
    let m = series
        .into_iter()
        .flat_map(|s| s.points().map(|p| p.1))
        .chain(extra.iter().copied())
        .filter(|v| v.is_finite())
        .fold(floor, f64::max);
    m * 1.05
}

/// Why a chart cannot be drawn.
#[derive(Debug, PartialEq)]
pub enum ChartError {
    TooFewCycles(usize),
    /// `--from/--to` left fewer than 2 cycles.
    EmptyWindow(usize),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartError::TooFewCycles(n) => write!(f, "{n} gc cycle(s): a chart needs at least 2"),
            ChartError::EmptyWindow(n) => write!(
                f,
                "{n} gc cycle(s) between --from and --to: a chart needs at least 2"
            ),
        }
    }
}

/// Builds the chart model of a timeline and its summary (one pass of a [`ChartStream`]).
pub fn build(t: &Timeline, s: &Summary, opts: &ChartOptions) -> Result<ChartModel, ChartError> {
    let keep = if opts.joined.is_empty() {
        0
    } else {
        t.cycles.len()
    };
    let mut st = ChartStream::new(opts, keep);
    for c in &t.cycles {
        st.push(c);
    }
    st.finish(s, s.main_segment, &t.sources, t.cycles.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::summarize;

    fn timeline(lines: &str) -> Timeline {
        crate::parse::load_bytes(lines.as_bytes())
    }

    fn model(t: &Timeline, o: &ChartOptions) -> Result<ChartModel, ChartError> {
        build(t, &summarize(t), o)
    }

    const TWO_RUNS: &str = "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.031s 2%: 0.076+22+0.28 ms clock, 0.83+14/9.4/15+3.1 ms cpu, 31->31->31 MB, 32 MB goal, 40 P\n\
gc 3 @8.371s 1%: 0.11+296+0.34 ms clock, 3.6+7.0/1781/344+11 ms cpu, 3655->3662->3197 MB, 3749 MB goal, 40 P (forced)\n\
gc 1 @0.011s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.5s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 18->18->16 MB, 33 MB goal, 40 P\n";

    fn opts() -> ChartOptions {
        ChartOptions::default()
    }

    #[test]
    fn segments_follow_each_other_and_a_restart_breaks_the_lines() {
        let m = model(&timeline(TWO_RUNS), &opts()).unwrap();
        assert_eq!(m.boundaries, vec![8.371 + 0.011]);
        let pad = (8.871 - 0.011) * 0.01;
        assert!(
            (m.x_range.0 - (0.011 - pad)).abs() < 1e-9,
            "{:?}",
            m.x_range
        );
        assert_eq!(m.heap.after.runs.len(), 2, "no line across the restart");
        assert_eq!(m.heap.after.runs[1][0], (8.371 + 0.011, 16.0));
        assert_eq!(m.heap.markers, vec![(8.371, MarkerKind::Forced)]);
        assert_eq!(m.heap.unit, SizeUnit::MiB);
        assert!((m.heap.y_max - 3749.0 * 1.05).abs() < 1e-9);
        assert_eq!(m.pause.max_ms, 0.45);
        assert_eq!(m.x_label, "time since start (s)");
        assert!(
            m.title
                .starts_with("stdin — Go 1.6–1.17 — 5 cycles over 8.86 s"),
            "{}",
            m.title
        );
    }

    #[test]
    fn budgets_keep_their_own_units_on_a_gib_axis() {
        let mut o = opts();
        o.budget_bytes = Some(8 << 30);
        o.limit_bytes = Some(6 << 20);
        let m = model(&timeline(TWO_RUNS), &o).unwrap();
        assert_eq!(m.heap.unit, SizeUnit::GiB);
        let (b, l) = (m.heap.budget.unwrap(), m.heap.limit.unwrap());
        assert_eq!((b.value, b.label.as_str()), (8.0, "budget 8 GiB"));
        // a 6 MiB limit was labelled "0.0 GiB"
        assert_eq!(l.label, "GOMEMLIMIT 6 MiB");
    }

    #[test]
    fn a_gap_without_cycles_is_drawn_as_a_gap_and_zoom_cuts_the_axis() {
        let root = env!("CARGO_MANIFEST_DIR");
        let idle =
            std::fs::read_to_string(format!("{root}/fixtures/gctrace/go1.27/idle.log")).unwrap();
        let t = timeline(&idle);
        let m = model(&t, &opts()).unwrap();
        assert!(
            m.heap.live.runs.len() >= 2,
            "the 2-minute idle gap is a gap"
        );
        let mut o = opts();
        o.to_s = Some(2.0);
        let z = model(&t, &o).unwrap();
        assert!(z.x_range.1 < 2.1, "{:?}", z.x_range);
        assert!(z.title.contains("after the start"), "{}", z.title);
        o.from_s = Some(1000.0);
        o.to_s = None;
        assert_eq!(model(&t, &o).unwrap_err(), ChartError::EmptyWindow(0));
    }

    #[test]
    fn the_verdict_is_drawn_where_it_was_fitted_and_projected_to_the_budget() {
        let root = env!("CARGO_MANIFEST_DIR");
        let leak =
            std::fs::read_to_string(format!("{root}/fixtures/gctrace/go1.21/leak.log")).unwrap();
        let mut o = opts();
        o.budget_bytes = Some(512 << 20);
        let m = model(&timeline(&leak), &o).unwrap();
        let tr = m.heap.trend.expect("a trend line");
        assert!(tr.alert, "likely leak");
        assert!(tr.from.0 > m.x_range.0 && tr.to.0 <= m.x_range.1);
        assert!(tr.to.1 > tr.from.1);
        assert!(
            tr.label.contains("MiB/min") && tr.label.contains("reaches the budget (512 MiB) in ~"),
            "{}",
            tr.label
        );
        assert!(m.subtitle.contains("likely leak"), "{}", m.subtitle);
    }

    #[test]
    fn one_cycle_is_an_error() {
        let t = timeline(
            "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n",
        );
        assert_eq!(model(&t, &opts()).unwrap_err(), ChartError::TooFewCycles(1));
    }

    #[test]
    fn go14_uses_the_cycle_number_axis() {
        let t = timeline("gc1(1): 0+0+0+0 us, 0 -> 0 MB\ngc2(1): 0+0+1000+0 us, 1 -> 0 MB\n");
        let m = model(&t, &opts()).unwrap();
        assert_eq!(m.x_label, "gc cycle");
        assert!(m.x_cycles);
        assert!(m.cpu.is_none());
        assert_eq!(m.pause.max_ms, 1.0);
    }
}
