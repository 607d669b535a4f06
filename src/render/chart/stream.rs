//! The chart's one pass over the cycles (issue 31): [`ChartStream`] is handed every
//! cycle in order, once, and holds what the chart needs in memory that does not grow
//! with the trace. Up to [`RAW_CAP`] cycles it keeps each one's drawn figures and gives
//! the chart the whole timeline always gave (every fixture's chart is unchanged); past
//! that it keeps [`Bands`] (per-slice min, max and median of each series) and the
//! figures that need no more than a running value: the span, the peak, the p99 pause
//! (a [`Quantiles`] sketch), the worst pause, the markers (thinned as they come), the
//! largest gaps (a gap long enough to break a line is one of the 64 largest: it is at
//! least 2 % of the span).

use super::bands::{Bands, SERIES};
use super::model::{ChartError, ChartModel, ChartOptions, MarkerKind};
use crate::analyze::Summary;
use crate::analyze::cycle::{FigureStream, live_mib};
use crate::analyze::sketch::{EXACT, Quantiles};
use crate::model::Cycle;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Cycles kept with their figures before the chart is kept as bands.
pub const RAW_CAP: usize = 1 << 17;

/// Gaps kept: more than this many cannot each be 2 % of the span.
const GAPS: usize = 64;

/// One cycle as the chart draws it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pt {
    /// Seconds since the start, segments placed one after the other.
    pub x_time: f64,
    /// 1-based position among all cycles (the x of a trace without times).
    pub x_ord: f64,
    pub timed: bool,
    pub segment: u32,
    /// Per series (see [`SERIES`]); `NaN` where the cycle has none.
    pub ys: [f64; SERIES],
    pub peak_mib: u32,
    pub printed: Option<u32>,
    pub pause_us: u64,
    pub forced: bool,
    pub leak_check: bool,
}

impl Pt {
    pub fn x(&self, timed: bool) -> f64 {
        if timed { self.x_time } else { self.x_ord }
    }
}

/// The running figures of the cycles drawn (inside `--from/--to`).
pub(super) struct Scalars {
    pub n: usize,
    pub lo: f64,
    pub hi: f64,
    pub peak_mib: u32,
    pub printed_max: u32,
    pub any_cpu: bool,
    pub pauses: Quantiles,
    pub max_us: u64,
    pub max_x: f64,
    /// Marked cycles, at least `thin` apart per kind (0 keeps all).
    pub markers: Vec<(f64, MarkerKind)>,
    last_marker: [f64; 2],
    prev: Option<(f64, u32)>,
    /// Positive gaps between neighbours (µs) and the largest ones, as (bits of the gap,
    /// x before it, x after it).
    pub gaps: Quantiles,
    pub top_gaps: BinaryHeap<Reverse<(u64, u64, u64)>>,
}

impl Scalars {
    pub fn new() -> Self {
        Scalars {
            n: 0,
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
            peak_mib: 0,
            printed_max: 0,
            any_cpu: false,
            pauses: Quantiles::with_cap(1.0, 0.0, EXACT),
            max_us: 0,
            max_x: 0.0,
            markers: vec![],
            last_marker: [f64::NEG_INFINITY; 2],
            prev: None,
            gaps: Quantiles::with_cap(1.0, 0.0, EXACT),
            top_gaps: BinaryHeap::new(),
        }
    }

    /// Counts `p` at `x`; returns whether it starts a new segment (a new run).
    pub fn add(&mut self, p: &Pt, x: f64, thin: f64) -> bool {
        self.n += 1;
        self.lo = self.lo.min(x);
        self.hi = self.hi.max(x);
        self.peak_mib = self.peak_mib.max(p.peak_mib);
        if let Some(v) = p.printed {
            self.printed_max = self.printed_max.max(v);
            self.any_cpu = true;
        }
        self.pauses.add(p.pause_us as f64);
        if p.pause_us > self.max_us || self.n == 1 {
            self.max_us = p.pause_us;
            self.max_x = x;
        }
        for (slot, on, kind) in [
            (0, p.forced, MarkerKind::Forced),
            (1, p.leak_check, MarkerKind::LeakCheck),
        ] {
            if on && (thin == 0.0 || x - self.last_marker[slot] >= thin) {
                self.markers.push((x, kind));
                self.last_marker[slot] = x;
            }
        }
        let new_run = self.prev.is_some_and(|(_, s)| s != p.segment);
        if let Some((px, _)) = self.prev {
            let gap = x - px;
            if gap > 0.0 {
                self.gaps.add((gap * 1e6).round());
                let g = Reverse((gap.to_bits(), px.to_bits(), x.to_bits()));
                if self.top_gaps.len() < GAPS {
                    self.top_gaps.push(g);
                } else if self.top_gaps.peek().is_some_and(|m| g < *m) {
                    self.top_gaps.pop();
                    self.top_gaps.push(g);
                }
            }
        }
        self.prev = Some((x, p.segment));
        new_run
    }

    /// Thins the markers to at least `thin` apart per kind (as they were kept).
    pub fn thin_markers(&mut self, thin: f64) {
        let mut last = [f64::NEG_INFINITY; 2];
        self.markers.retain(|&(x, k)| {
            let slot = k as usize;
            let keep = x - last[slot] >= thin;
            if keep {
                last[slot] = x;
            }
            keep
        });
    }
}

/// Where the cycles are once there are too many to keep.
pub(super) struct Banded {
    pub timed: bool,
    pub bands: Bands,
    pub sc: Scalars,
    pub run: u32,
    /// Markers held before they are thinned again (see [`admit`]).
    pub marker_cap: usize,
}

/// The chart, fed one cycle at a time (see the module doc).
pub struct ChartStream {
    pub(super) opts: ChartOptions,
    figures: FigureStream,
    prev_segment: Option<u32>,
    offset: f64,
    last_x: f64,
    /// Per segment: the x its times are counted from.
    pub(super) seg_offset: Vec<f64>,
    pub(super) total: u64,
    pub(super) raw: Vec<Pt>,
    pub(super) banded: Option<Banded>,
    /// (x_time, x_ord) of the newest cycles, for MemStats snapshots joined to them.
    pub(super) recent: VecDeque<(f64, f64)>,
    keep_recent: usize,
    raw_cap: usize,
}

impl ChartStream {
    /// A chart drawn with `opts`; keeps the x of the newest `keep_recent` cycles (those
    /// MemStats snapshots can be joined to).
    pub fn new(opts: &ChartOptions, keep_recent: usize) -> Self {
        ChartStream {
            opts: opts.clone(),
            figures: FigureStream::default(),
            prev_segment: None,
            offset: 0.0,
            last_x: 0.0,
            seg_offset: vec![],
            total: 0,
            raw: vec![],
            banded: None,
            recent: VecDeque::new(),
            keep_recent,
            raw_cap: RAW_CAP,
        }
    }

    /// Keeps bands once more than `cap` cycles came (tests: a fixture drawn as bands).
    pub fn with_raw_cap(mut self, cap: usize) -> Self {
        self.raw_cap = cap;
        self
    }

    /// The MemStats snapshots joined to the timeline (known once it is read).
    pub fn with_joined(mut self, joined: Vec<crate::analyze::memstats::Joined>) -> Self {
        self.opts.joined = joined;
        self
    }

    /// The budget line (known once the trace is read: `report` draws it while the
    /// program leaks).
    pub fn with_budget(mut self, budget_bytes: Option<u64>) -> Self {
        self.opts.budget_bytes = budget_bytes;
        self
    }

    /// The next cycle, numbered by segment as the summary's `main_segment` counts them.
    pub fn push(&mut self, c: &Cycle) {
        let win = self.figures.next(c).gc_cpu_window_pct;
        if self.prev_segment.is_some_and(|s| s != c.segment) {
            self.offset = self.last_x;
        }
        self.prev_segment = Some(c.segment);
        let seg = c.segment as usize;
        if self.seg_offset.len() <= seg {
            self.seg_offset.resize(seg + 1, 0.0);
        }
        self.seg_offset[seg] = self.offset;
        let g = &c.gc;
        let x_time = match g.t_ms {
            Some(t) => self.offset + t as f64 / 1000.0,
            None => self.last_x,
        };
        self.last_x = self.last_x.max(x_time);
        self.total += 1;
        let opt = |v: Option<u32>| v.map_or(f64::NAN, f64::from);
        let roots = (g.stacks_mib.is_some() || g.globals_mib.is_some())
            .then(|| f64::from(g.stacks_mib.unwrap_or(0) + g.globals_mib.unwrap_or(0)));
        let pause_us = crate::analyze::cycle::pause_us(c);
        let p = Pt {
            x_time,
            x_ord: self.total as f64,
            timed: g.t_ms.is_some(),
            segment: c.segment,
            ys: [
                f64::from(g.heap_before_mib),
                f64::from(g.heap_after_mib),
                f64::from(live_mib(c)),
                opt(g.goal_mib),
                roots.unwrap_or(f64::NAN),
                win.unwrap_or(f64::NAN),
                g.cpu_pct.map_or(f64::NAN, f64::from),
                pause_us as f64 / 1000.0,
            ],
            peak_mib: g
                .heap_before_mib
                .max(g.heap_after_mib)
                .max(g.goal_mib.unwrap_or(0)),
            printed: g.cpu_pct.map(u32::from),
            pause_us,
            forced: g.forced,
            leak_check: g.leak_check,
        };
        if self.keep_recent > 0 {
            if self.recent.len() == self.keep_recent {
                self.recent.pop_front();
            }
            self.recent.push_back((x_time, p.x_ord));
        }
        match &mut self.banded {
            Some(b) => admit(&self.opts, b, &p),
            None => {
                self.raw.push(p);
                if self.raw.len() > self.raw_cap {
                    self.to_bands();
                }
            }
        }
    }

    /// From kept cycles to bands: x by time when every cycle so far had one (a later one
    /// without is placed where the last one was), else by position.
    fn to_bands(&mut self) {
        let timed = self.raw.iter().all(|p| p.timed);
        let (lo, hi) = self
            .raw
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |m, p| {
                (m.0.min(p.x(timed)), m.1.max(p.x(timed)))
            });
        let max = 4 * columns(&self.opts);
        let mut b = Banded {
            timed,
            bands: Bands::new(lo, (hi - lo) / (max / 2) as f64, max),
            sc: Scalars::new(),
            run: 0,
            marker_cap: 0,
        };
        for p in std::mem::take(&mut self.raw) {
            admit(&self.opts, &mut b, &p);
        }
        self.banded = Some(b);
    }

    /// The chart's model; `s` is the summary of the same cycles, `main_segment` its main
    /// segment in the numbering the cycles were handed over with, `sources` the inputs,
    /// `timeline_len` how many of the newest cycles MemStats snapshots were joined to.
    pub fn finish(
        self,
        s: &Summary,
        main_segment: usize,
        sources: &[String],
        timeline_len: usize,
    ) -> Result<ChartModel, ChartError> {
        super::frame::assemble(self, s, main_segment, sources, timeline_len)
    }
}

/// Pixel columns of the plot area.
pub(super) fn columns(opts: &ChartOptions) -> usize {
    opts.width.saturating_sub(150).max(100) as usize
}

/// Counts `p` in the bands when it lies inside `--from/--to`.
fn admit(opts: &ChartOptions, b: &mut Banded, p: &Pt) {
    let x = if b.timed && !p.timed {
        b.sc.prev.map_or(p.x_time, |(x, _)| x)
    } else {
        p.x(b.timed)
    };
    if b.timed
        && !(opts.from_s.unwrap_or(f64::NEG_INFINITY)..=opts.to_s.unwrap_or(f64::INFINITY))
            .contains(&x)
    {
        return;
    }
    let w = b.bands.width();
    if b.sc.add(p, x, w) {
        b.run += 1;
    }
    b.bands.push(b.run, x, &p.ys);
    if b.sc.markers.len() > b.marker_cap.max(4 * columns(opts) + 64) {
        b.sc.thin_markers(b.bands.width());
        // a band's width apart may still be more than that (two kinds, one per band
        // each): thinning on every cycle then cost O(markers) each (a trace forced
        // often drew in 19 s, not 1): thin again once twice as many are held
        b.marker_cap = 2 * b.sc.markers.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::summarize;
    use crate::render::chart::model::Series;
    use crate::render::chart::{ChartModel, build};

    fn extremes(s: &Series) -> Vec<(f64, f64)> {
        s.runs
            .iter()
            .map(|r| {
                r.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |m, p| {
                    (m.0.min(p.1), m.1.max(p.1))
                })
            })
            .collect()
    }

    fn same_picture(a: &ChartModel, b: &ChartModel, what: &str) {
        assert_eq!(a.title, b.title, "{what}");
        assert_eq!(a.subtitle, b.subtitle, "{what}");
        assert_eq!(a.x_range, b.x_range, "{what}");
        assert_eq!(a.boundaries, b.boundaries, "{what}");
        assert_eq!(a.heap.y_max, b.heap.y_max, "{what}");
        assert_eq!(a.heap.trend, b.heap.trend, "{what}");
        for (x, y) in [
            (&a.heap.before, &b.heap.before),
            (&a.heap.live, &b.heap.live),
            (&a.heap.goal, &b.heap.goal),
            (&a.pause.pauses, &b.pause.pauses),
        ] {
            assert_eq!(extremes(x), extremes(y), "{what}: {}", x.name);
        }
        assert_eq!(
            (a.pause.p99_ms, a.pause.max_ms, a.pause.max_x),
            (b.pause.p99_ms, b.pause.max_ms, b.pause.max_x),
            "{what}"
        );
        assert_eq!(a.cpu.is_some(), b.cpu.is_some(), "{what}");
        assert!(b.heap.markers.len() <= a.heap.markers.len(), "{what}");
    }

    /// Fixtures drawn as bands after 4 cycles give the chart of the whole timeline: the
    /// same axis, titles, restarts, gaps, trend line, extremes of every run and pause
    /// figures; only how many points draw each band differs.
    #[test]
    fn a_fixture_drawn_as_bands_is_the_whole_timelines_chart() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "go1.21/leak.log",
            "public/go1.8-issue18896-restart.log",
            "go1.27/idle.log",
            "go1.26/gctrace2.log",
        ] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            let t = crate::parse::load_bytes(&data);
            let s = summarize(&t);
            let mut opts = ChartOptions::default();
            opts.budget_bytes = Some(512 << 20);
            let whole = build(&t, &s, &opts).unwrap();
            let mut st = ChartStream::new(&opts, 0).with_raw_cap(4);
            for c in &t.cycles {
                st.push(c);
            }
            assert!(st.banded.is_some(), "{f}");
            let banded = st
                .finish(&s, s.main_segment, &t.sources, t.cycles.len())
                .unwrap();
            same_picture(&whole, &banded, f);
        }
    }
}
