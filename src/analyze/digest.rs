//! The summary of a trace gathered in one pass over its cycles, in memory that does not
//! grow with the trace (issue 31): counts and sums as they come, order statistics in
//! [`Quantiles`], the live-heap and stacks floors of the current segment and of the
//! biggest one so far in [`Floors`] (the main segment is the one with most cycles, known
//! only at the end), and a few values per segment. [`summarize`](super::summarize) feeds
//! it a timeline's cycles; a long trace is fed block by block as it is read and its
//! cycles dropped (`parse::load_bounded`). The figures are those of the timeline's
//! summary, exactly while the trace is small (see `sketch`).

use super::cycle::{alloc_since, gc_cpu_us, live_mib, mark_us, overshoot_pct, pause_us};
use super::per_segment::{Running, SegmentFigures};
use super::sketch::{EXACT, Floors, Quantiles};
use super::summary::{At, Dist, Growth, Range, Summary, leak_verdict, trend_out};
use crate::model::{CpuSample, Cycle, Event, EventKind, GcFormat};

/// What the summary needs of one segment: its size, ends and source.
#[derive(Clone, Copy, Debug)]
pub struct SegmentEnds {
    pub cycles: u64,
    pub first: Cycle,
    pub last: Cycle,
}

/// The trend inputs of one segment.
#[derive(Clone, Debug)]
struct SegmentFloors {
    index: usize,
    live: Floors,
    stacks: Floors,
    running: Running,
}

/// The one-pass accumulation of a trace's summary.
pub struct Digest {
    cap: usize,
    formats: [u64; 4],
    pauses: Quantiles,
    worst: Option<(u64, Cycle)>,
    marks: Quantiles,
    lives: Quantiles,
    gogc: Quantiles,
    allocated: u64,
    over: usize,
    max_over: Option<f64>,
    forced: usize,
    leak_checks: usize,
    peak_heap: u32,
    peak_goal: Option<u32>,
    cpu_us: u64,
    any_cpu: bool,
    stacks: Option<Growth>,
    globals: Option<Growth>,
    periodic: usize,
    cpu_samples: Vec<(u32, CpuSample)>,
    segments: Vec<SegmentEnds>,
    figures: Vec<SegmentFigures>,
    current: Option<SegmentFloors>,
    best: Option<SegmentFloors>,
    /// The last cycle added; `in_segment` while it is of the current segment.
    prev: Option<Cycle>,
    in_segment: bool,
}

impl Default for Digest {
    fn default() -> Self {
        Digest::with_caps(EXACT, EXACT)
    }
}

impl Digest {
    /// A digest that keeps `values` values and `points` trend points exactly before
    /// folding (tests fold small traces with small ones).
    pub fn with_caps(values: usize, points: usize) -> Self {
        let cap = values;
        Digest {
            cap: points,
            formats: [0; 4],
            pauses: Quantiles::with_cap(1.0, 0.0, cap),
            worst: None,
            marks: Quantiles::with_cap(1.0, 0.0, cap),
            lives: Quantiles::with_cap(1.0, 0.0, cap),
            // GOGC never falls below −100 (a goal of 0); kept to 0.001 once folded
            gogc: Quantiles::with_cap(0.001, 100.0, cap),
            allocated: 0,
            over: 0,
            max_over: None,
            forced: 0,
            leak_checks: 0,
            peak_heap: 0,
            peak_goal: None,
            cpu_us: 0,
            any_cpu: false,
            stacks: None,
            globals: None,
            periodic: 0,
            cpu_samples: vec![],
            segments: vec![],
            figures: vec![],
            current: None,
            best: None,
            prev: None,
            in_segment: false,
        }
    }

    /// Cycles seen.
    pub fn cycles(&self) -> u64 {
        self.segments.iter().map(|s| s.cycles).sum()
    }

    /// The segments so far (the last one still open: its `last` is written when it
    /// closes; [`last`](Digest::last) is the cycle added last).
    pub fn segments(&self) -> &[SegmentEnds] {
        &self.segments
    }

    /// The last cycle added (its segment numbered as the digest numbers it).
    pub fn last(&self) -> Option<&Cycle> {
        self.prev.as_ref()
    }

    /// Adds the next cycle; `new_segment` when it starts a process of its own.
    pub fn cycle(&mut self, c: &Cycle, new_segment: bool) {
        if new_segment || self.segments.is_empty() {
            self.close_segment();
            let first = Cycle {
                segment: self.segments.len() as u32,
                ..*c
            };
            self.segments.push(SegmentEnds {
                cycles: 0,
                first,
                last: first,
            });
            self.current = Some(SegmentFloors {
                index: self.segments.len() - 1,
                live: Floors::with_cap(self.cap),
                stacks: Floors::with_cap(self.cap),
                running: Running::default(),
            });
            self.in_segment = false;
        }
        let segment = (self.segments.len() - 1) as u32;
        let prev = self.prev.as_ref().filter(|_| self.in_segment);
        let g = &c.gc;
        self.formats[g.format as usize] += 1;
        let pause = pause_us(c).min(u64::from(u32::MAX));
        if self.worst.is_none_or(|(w, _)| pause > w) {
            self.worst = Some((pause, Cycle { segment, ..*c }));
        }
        self.pauses.add(pause as f64);
        if let Some(m) = mark_us(c) {
            self.marks.add(m.min(u64::from(u32::MAX)) as f64);
        }
        let live = live_mib(c);
        self.lives.add(f64::from(live));
        // `c` is not numbered yet: `prev` is of its segment or None
        let alloc = prev.map_or(0, |p| alloc_since(p, c));
        self.allocated += u64::from(alloc);
        if let Some(o) = overshoot_pct(c) {
            self.over += usize::from(o > 0.0);
            self.max_over = Some(self.max_over.map_or(o, |m| m.max(o)));
        }
        if let (Some(p), Some(goal)) = (prev, g.goal_mib)
            && let Some(pl) = p.gc.heap_live_mib.filter(|l| *l >= 4 && !g.forced)
        {
            let roots = p.gc.stacks_mib.unwrap_or(0) + p.gc.globals_mib.unwrap_or(0);
            self.gogc
                .add((f64::from(goal) - f64::from(pl)) / f64::from(pl + roots) * 100.0);
        }
        self.forced += usize::from(g.forced);
        self.leak_checks += usize::from(g.leak_check);
        self.peak_heap = self.peak_heap.max(g.heap_before_mib.max(g.heap_after_mib));
        self.peak_goal = self.peak_goal.max(g.goal_mib);
        // the first cycle of a segment happened before its time window opened
        let cpu = prev.map_or(0, |_| gc_cpu_us(c).unwrap_or(0));
        self.cpu_us += cpu;
        self.any_cpu |= !g.cpu.is_empty();
        grow(&mut self.stacks, g.stacks_mib);
        grow(&mut self.globals, g.globals_mib);
        if let Some(f) = self.current.as_mut() {
            f.running.add(c, pause, live, alloc, cpu);
            if let Some(ms) = g.t_ms {
                f.live.add(ms, f64::from(live));
                if let Some(s) = g.stacks_mib {
                    f.stacks.add(ms, f64::from(s));
                }
            }
        }
        if let Some(s) = self.segments.last_mut() {
            s.cycles += 1; // its `last` is written when it is closed
        }
        self.prev = Some(Cycle { segment, ..*c });
        self.in_segment = true;
    }

    /// Adds an event (only `GC forced` lines and `gclens: cpu` samples count).
    pub fn event(&mut self, e: &Event) {
        match e.kind {
            EventKind::GcForced => self.periodic += 1,
            EventKind::Cpu(s) => self.cpu_samples.push((e.source, s)),
            _ => {}
        }
    }

    /// Keeps the current segment's floors if it is the biggest so far (the earlier one
    /// on a tie, as the main segment is chosen).
    fn close_segment(&mut self) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if let Some(p) = self.prev {
            self.segments[cur.index].last = p;
        }
        let ends = &self.segments[cur.index];
        let figures = cur
            .running
            .finish((&ends.first, &ends.last, ends.cycles), &cur.live);
        self.figures.push(figures);
        let size = |f: &SegmentFloors| self.segments[f.index].cycles;
        if self.best.as_ref().is_none_or(|b| size(&cur) > size(b)) {
            self.best = Some(cur);
        }
    }

    /// The summary; `malformed` and `foreign` lines as the timeline counted them.
    pub fn finish(mut self, sources: &[String], malformed: u64, foreign: u64) -> Summary {
        self.close_segment();
        let segs = &self.segments;
        let format = (0..4)
            .filter(|&k| self.formats[k] > 0)
            .max_by_key(|&k| self.formats[k])
            .map(|k| GcFormat::ALL[k]);
        let (mut duration_ms, mut proc_ms, mut timed) = (0u64, 0f64, false);
        for s in segs {
            if let (Some(a), Some(b)) = (s.first.gc.t_ms, s.last.gc.t_ms) {
                timed = true;
                // times beyond any real run (a mangled `@`) must not overflow
                let d = b.saturating_sub(a);
                duration_ms = duration_ms.saturating_add(d);
                proc_ms += d as f64 * f64::from(s.last.gc.procs.max(1));
            }
        }
        let duration_s = timed.then_some(duration_ms as f64 / 1000.0);
        let main = self.best.as_ref().map_or(0, |b| b.index);
        let main_ends = segs.get(main);
        let gc_cpu_pct =
            (proc_ms > 0.0 && self.any_cpu).then(|| self.cpu_us as f64 / 1000.0 / proc_ms * 100.0);
        let gc_cpu_pct_printed = main_ends.and_then(|s| s.last.gc.cpu_pct);
        // The first tenth of the run is warm-up (caches fill, pools grow): not a trend.
        let (t0, t1) = main_ends.map_or((0, 0), |s| {
            (s.first.gc.t_ms.unwrap_or(0), s.last.gc.t_ms.unwrap_or(0))
        });
        let from_ms = t0 + t1.saturating_sub(t0) / 10;
        let ((live_trend, live_pts), (stacks_trend, _)) = match &self.best {
            Some(b) => (b.live.trend(from_ms), b.stacks.trend(from_ms)),
            None => ((None, 0), (None, 0)),
        };
        let cycles = self.cycles() as usize;
        let intervals = cycles.saturating_sub(segs.len());
        let cpu_share = main_ends.and_then(|s| {
            let samples: Vec<CpuSample> = self
                .cpu_samples
                .iter()
                .filter(|(src, _)| *src == s.first.source)
                .map(|(_, c)| *c)
                .collect();
            super::scheduler::share_of(&samples)
        });
        let worst = self.worst.map(|(_, c)| At {
            cycle: c.gc.cycle,
            source: sources.get(c.source as usize).cloned().unwrap_or_default(),
            line: c.line,
        });
        let lives = &mut self.lives;
        let live_heap_mib = Range {
            min: lives.min().unwrap_or(0.0),
            median: lives.median().unwrap_or(0.0),
            max: lives.max().unwrap_or(0.0),
        };
        Summary {
            format,
            cycles,
            forced_cycles: self.forced,
            periodic_gcs: self.periodic,
            leak_check_cycles: self.leak_checks,
            segments: segs.len(),
            duration_s,
            gc_cpu_pct_printed,
            gc_cpu_pct,
            throughput_pct: gc_cpu_pct
                .or(gc_cpu_pct_printed.map(f64::from))
                .map(|p| 100.0 - p),
            pause_ms: dist(&mut self.pauses),
            worst_pause: worst,
            mark_ms: (!self.marks.is_empty()).then(|| dist(&mut self.marks)),
            peak_heap_mib: self.peak_heap,
            peak_goal_mib: self.peak_goal,
            live_heap_mib,
            allocated_mib: self.allocated,
            alloc_rate_mib_s: duration_s
                .filter(|d| *d > 0.0)
                .map(|d| self.allocated as f64 / d),
            gc_per_s: duration_s
                .filter(|d| *d > 0.0)
                .map(|d| intervals as f64 / d),
            mean_interval_s: duration_s
                .filter(|_| intervals > 0)
                .map(|d| d / intervals as f64),
            cycles_over_goal: self.over,
            max_overshoot_pct: self.max_over,
            effective_gogc: self.gogc.median(),
            stacks_mib: self.stacks,
            globals_mib: self.globals,
            main_segment: main,
            main_segment_of_trace: main,
            leak: leak_verdict(live_trend.as_ref(), live_pts),
            live_trend: live_trend.map(trend_out),
            stacks_trend: stacks_trend.map(trend_out),
            malformed,
            foreign,
            cpu_share,
            per_segment: std::mem::take(&mut self.figures),
            segment_starts: segs
                .iter()
                .take(4)
                .map(|s| (s.first.source, s.first.line))
                .collect(),
        }
    }
}

fn dist(q: &mut Quantiles) -> Dist {
    let p = q.percentiles(&[50.0, 90.0, 99.0, 100.0]);
    let ms = |x: Option<f64>| x.map_or(0.0, |u| u / 1000.0);
    Dist {
        p50: ms(p[0]),
        p90: ms(p[1]),
        p99: ms(p[2]),
        max: ms(p[3]),
        total: q.sum() / 1000.0,
    }
}

fn grow(g: &mut Option<Growth>, v: Option<u32>) {
    if let Some(v) = v {
        match g {
            None => {
                *g = Some(Growth {
                    first: v,
                    last: v,
                    max: v,
                })
            }
            Some(g) => {
                g.last = v;
                g.max = g.max.max(v);
            }
        }
    }
}
