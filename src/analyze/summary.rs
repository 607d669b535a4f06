//! The KPI summary of a timeline, and the live-heap trend behind the leak verdict.

use super::cycle::{alloc_mib, gc_cpu_us, live_mib, mark_us, overshoot_pct, pause_us};
use super::stats::{Trend, median, percentiles, theil_sen};
use crate::model::GcFormat;
use crate::model::{Cycle, EventKind, Timeline};
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Dist {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub total: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Range {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Growth {
    pub first: u32,
    pub last: u32,
    pub max: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakVerdict {
    LikelyLeak,
    PossibleGrowth,
    NoLeakSignal,
    InsufficientData,
}

#[derive(Clone, Debug, Serialize)]
pub struct Leak {
    pub verdict: LeakVerdict,
    /// One sentence of evidence.
    pub evidence: String,
}

/// Where the worst pause happened.
#[derive(Clone, Debug, Serialize)]
pub struct At {
    pub cycle: u32,
    pub source: String,
    pub line: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrendOut {
    pub slope_mib_per_min: f64,
    pub r2: f64,
    pub points: usize,
    pub start_mib: f64,
    pub end_mib: f64,
    pub span_min: f64,
    /// Where the fitted span starts: minutes of the main segment's own clock (its
    /// cycles' `@` times), so a chart can draw the line where it was fitted.
    pub from_min: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Format of most cycles (`go1.4`, `go1.5`, `go1.6`, `go1.18`).
    pub format: Option<GcFormat>,
    pub cycles: usize,
    pub forced_cycles: usize,
    /// `GC forced` lines: the runtime's 2-minute periodic collections.
    pub periodic_gcs: usize,
    pub leak_check_cycles: usize,
    pub segments: usize,
    pub duration_s: Option<f64>,
    /// The cumulative `#%` of the last cycle of the main segment, as printed.
    pub gc_cpu_pct_printed: Option<u16>,
    /// Σ GC CPU (cpu phases, idle excluded) / (duration × P).
    pub gc_cpu_pct: Option<f64>,
    pub throughput_pct: Option<f64>,
    pub pause_ms: Dist,
    pub worst_pause: Option<At>,
    pub mark_ms: Option<Dist>,
    pub peak_heap_mib: u32,
    pub peak_goal_mib: Option<u32>,
    pub live_heap_mib: Range,
    pub allocated_mib: u64,
    pub alloc_rate_mib_s: Option<f64>,
    pub gc_per_s: Option<f64>,
    pub mean_interval_s: Option<f64>,
    pub cycles_over_goal: usize,
    pub max_overshoot_pct: Option<f64>,
    /// Median of (goal − previous live) / (previous live + stacks + globals) × 100 over
    /// cycles with at least 4 MiB live: the GOGC the pacer behaved like.
    pub effective_gogc: Option<f64>,
    pub stacks_mib: Option<Growth>,
    pub globals_mib: Option<Growth>,
    /// Of the main segment (the one with most cycles).
    pub main_segment: usize,
    pub live_trend: Option<TrendOut>,
    pub stacks_trend: Option<TrendOut>,
    pub leak: Leak,
    pub malformed: u64,
    pub foreign: u64,
    /// The scheduler's figures of a trace saved by `gclens run --save` (the main
    /// segment's source, whole trace); None for other traces.
    pub cpu_share: Option<crate::analyze::scheduler::CpuShare>,
}

/// Median of integers in O(n) (reorders `v`).
fn median_u32(v: &mut [u32]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (left, mid, _) = v.select_nth_unstable(n / 2);
    let mid = f64::from(*mid);
    Some(if n % 2 == 1 {
        mid
    } else {
        (f64::from(left.iter().copied().max().unwrap_or(0)) + mid) / 2.0
    })
}

fn dist(mut v: Vec<u32>) -> Dist {
    let ms = |x: Option<u32>| x.map_or(0.0, |u| f64::from(u) / 1000.0);
    let total = v.iter().map(|&x| u64::from(x)).sum::<u64>() as f64 / 1000.0;
    let p = percentiles(&mut v, &[50.0, 90.0, 99.0, 100.0]);
    let max = ms(p[3]);
    Dist {
        p50: ms(p[0]),
        p90: ms(p[1]),
        p99: ms(p[2]),
        max,
        total,
    }
}

fn trend_of(points: &[(f64, f64)]) -> Option<(Trend, f64, f64)> {
    let t = theil_sen(points)?;
    let span = points[points.len() - 1].0 - points[0].0;
    Some((t, span, points[0].0))
}

fn trend_out((t, span, from): (Trend, f64, f64)) -> TrendOut {
    TrendOut {
        slope_mib_per_min: t.slope,
        r2: t.r2,
        points: t.points,
        start_mib: t.start,
        end_mib: t.end,
        span_min: span,
        from_min: from,
    }
}

/// The live-heap trend and leak verdict of `points` (minutes, MiB), by the rule of the
/// report: for a live session's recent cycles (`--metrics`).
pub fn live_leak(points: &[(f64, f64)]) -> (Option<TrendOut>, Leak) {
    let t = trend_of(points);
    let leak = leak_verdict(t.as_ref(), points.len());
    (t.map(trend_out), leak)
}

/// Human duration from minutes: `42 s`, `7.5 min`, `3.2 h`.
pub fn fmt_minutes(min: f64) -> String {
    if min < 10.0 / 60.0 {
        format!("{:.1} s", min * 60.0)
    } else if min < 1.0 {
        format!("{:.0} s", min * 60.0)
    } else if min < 120.0 {
        format!("{:.1} min", min)
    } else {
        format!("{:.1} h", min / 60.0)
    }
}

fn leak_verdict(trend: Option<&(Trend, f64, f64)>, cycles: usize) -> Leak {
    let Some((t, span, _)) = trend.filter(|_| cycles >= 10) else {
        return Leak {
            verdict: LeakVerdict::InsufficientData,
            evidence: format!(
                "{cycles} timed cycles after warm-up: too few to judge the live-heap trend"
            ),
        };
    };
    let growth = t.end - t.start;
    let base = t.start.max(1.0);
    let what = format!(
        "live heap floor {} {:.2} MiB/min over {} (R² {:.2}), {:.0} → {:.0} MiB",
        if t.slope >= 0.0 { "grows" } else { "shrinks" },
        t.slope.abs(),
        fmt_minutes(*span),
        t.r2,
        t.start,
        t.end
    );
    let (verdict, tail) = if t.slope > 0.0 && t.r2 >= 0.8 && growth >= (0.25 * base).max(4.0) {
        (LeakVerdict::LikelyLeak, "likely leak")
    } else if t.slope > 0.0 && t.r2 >= 0.5 && growth >= (0.1 * base).max(2.0) {
        (
            LeakVerdict::PossibleGrowth,
            "possible growth, watch a longer trace",
        )
    } else {
        (LeakVerdict::NoLeakSignal, "no leak signal")
    };
    Leak {
        verdict,
        evidence: format!("{what}: {tail}"),
    }
}

/// Everything gathered in the one pass over the cycles (the cycle array is large:
/// every extra pass costs as much as reading it again). Big timelines are gathered in
/// chunks on every core and the chunks merged in order.
#[derive(Default)]
struct Acc {
    formats: [usize; 4],
    pauses: Vec<u32>,
    worst: Option<(u32, usize)>,
    marks: Vec<u32>,
    lives: Vec<u32>,
    allocated: u64,
    over: usize,
    max_over: Option<f64>,
    gogc: Vec<f64>,
    forced: usize,
    leak_checks: usize,
    peak_heap: u32,
    peak_goal: Option<u32>,
    cpu_us: u64,
    any_cpu: bool,
    stacks: Option<Growth>,
    globals: Option<Growth>,
    /// (minutes, MiB) of the main segment's cycles after warm-up: the trend's input.
    live_pts: Vec<(f64, f64)>,
    stack_pts: Vec<(f64, f64)>,
}

impl Acc {
    /// Appends the accumulation of the cycles that follow this one's.
    fn merge(&mut self, b: Acc) {
        for k in 0..self.formats.len() {
            self.formats[k] += b.formats[k];
        }
        self.pauses.extend(b.pauses);
        if let Some((w, i)) = b.worst
            && self.worst.is_none_or(|(mine, _)| w > mine)
        {
            self.worst = Some((w, i));
        }
        self.marks.extend(b.marks);
        self.lives.extend(b.lives);
        self.allocated += b.allocated;
        self.over += b.over;
        self.max_over = match (self.max_over, b.max_over) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        self.gogc.extend(b.gogc);
        self.forced += b.forced;
        self.leak_checks += b.leak_checks;
        self.peak_heap = self.peak_heap.max(b.peak_heap);
        self.peak_goal = self.peak_goal.max(b.peak_goal);
        self.cpu_us += b.cpu_us;
        self.any_cpu |= b.any_cpu;
        merge_growth(&mut self.stacks, b.stacks);
        merge_growth(&mut self.globals, b.globals);
        self.live_pts.extend(b.live_pts);
        self.stack_pts.extend(b.stack_pts);
    }
}

fn merge_growth(a: &mut Option<Growth>, b: Option<Growth>) {
    match (a.as_mut(), b) {
        (Some(a), Some(b)) => {
            a.last = b.last;
            a.max = a.max.max(b.max);
        }
        (None, b) => *a = b,
        (Some(_), None) => {}
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

/// Which cycles feed the live-heap and stacks trends: those of the main segment at or
/// after the end of its warm-up.
#[derive(Clone, Copy)]
struct TrendWindow {
    segment: u32,
    from_ms: u64,
}

/// Gathers `cs[range]` (earlier cycles are read as predecessors).
fn gather(cs: &[Cycle], range: std::ops::Range<usize>, window: TrendWindow) -> Acc {
    let n = range.len();
    let mut a = Acc {
        pauses: Vec::with_capacity(n),
        lives: Vec::with_capacity(n),
        marks: Vec::with_capacity(n),
        gogc: Vec::with_capacity(n),
        live_pts: Vec::with_capacity(n),
        ..Default::default()
    };
    for i in range {
        let c = &cs[i];
        let g = &c.gc;
        let prev = i
            .checked_sub(1)
            .map(|k| &cs[k])
            .filter(|p| p.segment == c.segment);
        a.formats[g.format as usize] += 1;
        let pause = u32::try_from(pause_us(c)).unwrap_or(u32::MAX);
        if a.worst.is_none_or(|(w, _)| pause > w) {
            a.worst = Some((pause, i));
        }
        a.pauses.push(pause);
        if let Some(m) = mark_us(c) {
            a.marks.push(u32::try_from(m).unwrap_or(u32::MAX));
        }
        a.lives.push(live_mib(c));
        a.allocated += u64::from(alloc_mib(prev, c).unwrap_or(0));
        if let Some(o) = overshoot_pct(c) {
            a.over += usize::from(o > 0.0);
            a.max_over = Some(a.max_over.map_or(o, |m| m.max(o)));
        }
        if let (Some(p), Some(goal)) = (prev, g.goal_mib)
            && let Some(live) = p.gc.heap_live_mib.filter(|l| *l >= 4 && !g.forced)
        {
            let roots = p.gc.stacks_mib.unwrap_or(0) + p.gc.globals_mib.unwrap_or(0);
            a.gogc
                .push((f64::from(goal) - f64::from(live)) / f64::from(live + roots) * 100.0);
        }
        a.forced += usize::from(g.forced);
        a.leak_checks += usize::from(g.leak_check);
        a.peak_heap = a.peak_heap.max(g.heap_before_mib.max(g.heap_after_mib));
        a.peak_goal = a.peak_goal.max(g.goal_mib);
        // the first cycle of a segment happened before its time window opened
        if prev.is_some() {
            a.cpu_us += gc_cpu_us(c).unwrap_or(0);
        }
        a.any_cpu |= !g.cpu.is_empty();
        grow(&mut a.stacks, g.stacks_mib);
        grow(&mut a.globals, g.globals_mib);
        if c.segment == window.segment
            && let Some(ms) = g.t_ms.filter(|ms| *ms >= window.from_ms)
        {
            let x = ms as f64 / 60_000.0;
            a.live_pts.push((x, f64::from(live_mib(c))));
            if let Some(s) = g.stacks_mib {
                a.stack_pts.push((x, f64::from(s)));
            }
        }
    }
    a
}

/// Below this many cycles one thread gathers everything.
const PARALLEL_MIN: usize = 200_000;

/// Runs `a` and `b`, on two threads when `parallel`.
fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let hb = s.spawn(b);
        let ra = a();
        (
            ra,
            hb.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    })
}

/// Gathers every cycle, in two halves on two threads when `parallel`.
fn gather_all(cs: &[Cycle], window: TrendWindow, parallel: bool) -> Acc {
    if !parallel {
        return gather(cs, 0..cs.len(), window);
    }
    let mid = cs.len() / 2;
    let (mut a, b) = both(
        true,
        || gather(cs, 0..mid, window),
        || gather(cs, mid..cs.len(), window),
    );
    a.merge(b);
    a
}

/// Computes the summary of a timeline (on two cores when it is big).
pub fn summarize(t: &Timeline) -> Summary {
    let parallel = t.cycles.len() >= PARALLEL_MIN
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    summarize_on(t, parallel)
}

fn summarize_on(t: &Timeline, parallel: bool) -> Summary {
    let cs = &t.cycles;
    let main = (0..t.segments.len())
        .max_by_key(|&i| (t.segments[i].end - t.segments[i].first, usize::MAX - i))
        .unwrap_or(0);
    let main_cycles = t
        .segments
        .get(main)
        .map_or(&[][..], |s| t.segment_cycles(s));
    // The first tenth of the run is warm-up (caches fill, pools grow): not a trend.
    let (t0, t1) = match (main_cycles.first(), main_cycles.last()) {
        (Some(a), Some(b)) => (a.gc.t_ms.unwrap_or(0), b.gc.t_ms.unwrap_or(0)),
        _ => (0, 0),
    };
    let window = TrendWindow {
        segment: main as u32,
        from_ms: t0 + (t1.saturating_sub(t0)) / 10,
    };
    let a = gather_all(cs, window, parallel);
    let format = (0..4)
        .filter(|&k| a.formats[k] > 0)
        .max_by_key(|&k| a.formats[k])
        .map(|k| {
            [
                GcFormat::Go14,
                GcFormat::Go15,
                GcFormat::Go16,
                GcFormat::Go118,
            ][k]
        });

    // time per segment
    let (mut duration_ms, mut proc_ms, mut timed) = (0u64, 0f64, false);
    for s in &t.segments {
        let seg = t.segment_cycles(s);
        if let (Some(a), Some(b)) = (seg[0].gc.t_ms, seg[seg.len() - 1].gc.t_ms) {
            timed = true;
            // times beyond any real run (a mangled `@`) must not overflow
            let d = b.saturating_sub(a);
            duration_ms = duration_ms.saturating_add(d);
            proc_ms += d as f64 * f64::from(seg[seg.len() - 1].gc.procs.max(1));
        }
    }
    let duration_s = timed.then_some(duration_ms as f64 / 1000.0);
    let gc_cpu_pct =
        (proc_ms > 0.0 && a.any_cpu).then(|| a.cpu_us as f64 / 1000.0 / proc_ms * 100.0);
    let gc_cpu_pct_printed = t.segments.get(main).and_then(|s| cs[s.end - 1].gc.cpu_pct);
    let throughput_pct = gc_cpu_pct
        .or(gc_cpu_pct_printed.map(f64::from))
        .map(|p| 100.0 - p);
    let worst = a.worst.map(|(_, i)| At {
        cycle: cs[i].gc.cycle,
        source: t
            .sources
            .get(cs[i].source as usize)
            .cloned()
            .unwrap_or_default(),
        line: cs[i].line,
    });
    let Acc {
        pauses,
        marks,
        mut lives,
        mut gogc,
        live_pts,
        stack_pts,
        ..
    } = a;
    let live_pts_len = live_pts.len();
    // the order statistics: each a pass over a million-element vector on big traces
    let ((pause_ms, live), (mark_ms, effective_gogc, live_trend, stacks_trend)) = both(
        parallel,
        || {
            let min = lives.iter().copied().min().map_or(0.0, f64::from);
            let max = lives.iter().copied().max().map_or(0.0, f64::from);
            let median = median_u32(&mut lives).unwrap_or(0.0);
            (dist(pauses), Range { min, median, max })
        },
        || {
            (
                (!marks.is_empty()).then(|| dist(marks)),
                median(&mut gogc),
                trend_of(&live_pts),
                trend_of(&stack_pts),
            )
        },
    );
    let intervals = cs.len().saturating_sub(t.segments.len());

    Summary {
        format,
        cycles: cs.len(),
        forced_cycles: a.forced,
        periodic_gcs: t
            .events
            .iter()
            .filter(|e| e.kind == EventKind::GcForced)
            .count(),
        leak_check_cycles: a.leak_checks,
        segments: t.segments.len(),
        duration_s,
        gc_cpu_pct_printed,
        gc_cpu_pct,
        throughput_pct,
        pause_ms,
        worst_pause: worst,
        mark_ms,
        peak_heap_mib: a.peak_heap,
        peak_goal_mib: a.peak_goal,
        live_heap_mib: live,
        allocated_mib: a.allocated,
        alloc_rate_mib_s: duration_s
            .filter(|d| *d > 0.0)
            .map(|d| a.allocated as f64 / d),
        gc_per_s: duration_s
            .filter(|d| *d > 0.0)
            .map(|d| intervals as f64 / d),
        mean_interval_s: duration_s
            .filter(|_| intervals > 0)
            .map(|d| d / intervals as f64),
        cycles_over_goal: a.over,
        max_overshoot_pct: a.max_over,
        effective_gogc,
        stacks_mib: a.stacks,
        globals_mib: a.globals,
        main_segment: main,
        leak: leak_verdict(live_trend.as_ref(), live_pts_len),
        live_trend: live_trend.map(trend_out),
        stacks_trend: stacks_trend.map(trend_out),
        malformed: t.skipped.malformed,
        foreign: t.skipped.foreign,
        cpu_share: main_cycles
            .first()
            .and_then(|c| crate::analyze::scheduler::whole(t, c.source)),
    }
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
