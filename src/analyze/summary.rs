//! The KPI summary of a timeline, and the live-heap trend behind the leak verdict.

use super::cycle::{alloc_mib, gc_cpu_us, live_mib, mark_us, overshoot_pct, pause_us};
use super::stats::{Trend, median, percentile_sorted, theil_sen};
use crate::model::{EventKind, Timeline};
use crate::parse::GcFormat;
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

#[derive(Clone, Debug, Serialize)]
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
}

fn dist(mut v: Vec<u64>) -> Dist {
    v.sort_unstable();
    let ms = |x: Option<u64>| x.map_or(0.0, |u| u as f64 / 1000.0);
    Dist {
        p50: ms(percentile_sorted(&v, 50.0)),
        p90: ms(percentile_sorted(&v, 90.0)),
        p99: ms(percentile_sorted(&v, 99.0)),
        max: ms(v.last().copied()),
        total: v.iter().sum::<u64>() as f64 / 1000.0,
    }
}

fn trend_of(points: &[(f64, f64)]) -> Option<(Trend, f64)> {
    let t = theil_sen(points)?;
    let span = points[points.len() - 1].0 - points[0].0;
    Some((t, span))
}

fn trend_out((t, span): (Trend, f64)) -> TrendOut {
    TrendOut {
        slope_mib_per_min: t.slope,
        r2: t.r2,
        points: t.points,
        start_mib: t.start,
        end_mib: t.end,
        span_min: span,
    }
}

/// Human duration from minutes: `42 s`, `7.5 min`, `3.2 h`.
pub fn fmt_minutes(min: f64) -> String {
    if min < 1.0 {
        format!("{:.0} s", min * 60.0)
    } else if min < 120.0 {
        format!("{:.1} min", min)
    } else {
        format!("{:.1} h", min / 60.0)
    }
}

fn leak_verdict(trend: Option<&(Trend, f64)>, cycles: usize) -> Leak {
    let Some((t, span)) = trend.filter(|_| cycles >= 10) else {
        return Leak {
            verdict: LeakVerdict::InsufficientData,
            evidence: format!("{cycles} timed cycles: too few to judge the live-heap trend"),
        };
    };
    let growth = t.end - t.start;
    let base = t.start.max(1.0);
    let what = format!(
        "live heap {} {:.2} MiB/min over {} (R² {:.2}), {:.0} → {:.0} MiB",
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

/// Computes the summary of a timeline.
pub fn summarize(t: &Timeline) -> Summary {
    let cs = &t.cycles;
    let main = (0..t.segments.len())
        .max_by_key(|&i| (t.segments[i].end - t.segments[i].first, usize::MAX - i))
        .unwrap_or(0);
    let mut formats = [0usize; 4];
    for c in cs {
        formats[c.gc.format as usize] += 1;
    }
    let format = (0..4)
        .filter(|&k| formats[k] > 0)
        .max_by_key(|&k| formats[k])
        .map(|k| {
            [
                GcFormat::Go14,
                GcFormat::Go15,
                GcFormat::Go16,
                GcFormat::Go118,
            ][k]
        });

    // time and CPU per segment
    let (mut duration_ms, mut proc_ms, mut cpu_us, mut timed) = (0u64, 0f64, 0u64, false);
    for s in &t.segments {
        let seg = t.segment_cycles(s);
        if let (Some(a), Some(b)) = (seg[0].gc.t_ms, seg[seg.len() - 1].gc.t_ms) {
            timed = true;
            let d = b - a;
            duration_ms += d;
            proc_ms += d as f64 * f64::from(seg[seg.len() - 1].gc.procs.max(1));
            // the first cycle's CPU happened before the window opened
            cpu_us += seg[1..].iter().filter_map(gc_cpu_us).sum::<u64>();
        }
    }
    let duration_s = timed.then_some(duration_ms as f64 / 1000.0);
    let gc_cpu_pct = (proc_ms > 0.0 && cs.iter().any(|c| !c.gc.cpu.is_empty()))
        .then(|| cpu_us as f64 / 1000.0 / proc_ms * 100.0);
    let gc_cpu_pct_printed = t.segments.get(main).and_then(|s| cs[s.end - 1].gc.cpu_pct);
    let throughput_pct = gc_cpu_pct
        .or(gc_cpu_pct_printed.map(f64::from))
        .map(|p| 100.0 - p);

    let pauses: Vec<u64> = cs.iter().map(pause_us).collect();
    let worst = (0..cs.len())
        .max_by_key(|&i| (pauses[i], usize::MAX - i))
        .map(|i| At {
            cycle: cs[i].gc.cycle,
            source: t
                .sources
                .get(cs[i].source as usize)
                .cloned()
                .unwrap_or_default(),
            line: cs[i].line,
        });
    let marks: Vec<u64> = cs.iter().filter_map(mark_us).collect();
    let mut lives: Vec<f64> = cs.iter().map(|c| f64::from(live_mib(c))).collect();
    let live_median = median(&mut lives).unwrap_or(0.0);
    let allocated: u64 = (1..cs.len())
        .filter_map(|i| alloc_mib(Some(&cs[i - 1]), &cs[i]))
        .map(u64::from)
        .sum();
    let over: Vec<f64> = cs.iter().filter_map(overshoot_pct).collect();
    let mut gogc: Vec<f64> = (1..cs.len())
        .filter(|&i| cs[i].segment == cs[i - 1].segment)
        .filter_map(|i| {
            let (p, c) = (&cs[i - 1], &cs[i]);
            let live = f64::from(p.gc.heap_live_mib?);
            let roots = f64::from(p.gc.stacks_mib.unwrap_or(0) + p.gc.globals_mib.unwrap_or(0));
            let goal = f64::from(c.gc.goal_mib?);
            (live >= 4.0 && !c.gc.forced).then(|| (goal - live) / (live + roots) * 100.0)
        })
        .collect();
    let growth = |f: fn(&crate::parse::GcLine) -> Option<u32>| {
        let v: Vec<u32> = cs.iter().filter_map(|c| f(&c.gc)).collect();
        Some(Growth {
            first: *v.first()?,
            last: *v.last()?,
            max: *v.iter().max()?,
        })
    };

    let main_cycles = t
        .segments
        .get(main)
        .map_or(&[][..], |s| t.segment_cycles(s));
    let series = |f: &dyn Fn(&crate::model::Cycle) -> Option<f64>| -> Vec<(f64, f64)> {
        main_cycles
            .iter()
            .filter_map(|c| Some((c.gc.t_ms? as f64 / 60_000.0, f(c)?)))
            .collect()
    };
    let live_pts = series(&|c| Some(f64::from(live_mib(c))));
    let live_trend = trend_of(&live_pts);
    let stack_pts = series(&|c| c.gc.stacks_mib.map(f64::from));
    let stacks_trend = trend_of(&stack_pts);

    Summary {
        format,
        cycles: cs.len(),
        forced_cycles: cs.iter().filter(|c| c.gc.forced).count(),
        periodic_gcs: t
            .events
            .iter()
            .filter(|e| e.kind == EventKind::GcForced)
            .count(),
        leak_check_cycles: cs.iter().filter(|c| c.gc.leak_check).count(),
        segments: t.segments.len(),
        duration_s,
        gc_cpu_pct_printed,
        gc_cpu_pct,
        throughput_pct,
        pause_ms: dist(pauses),
        worst_pause: worst,
        mark_ms: (!marks.is_empty()).then(|| dist(marks)),
        peak_heap_mib: cs
            .iter()
            .map(|c| c.gc.heap_before_mib.max(c.gc.heap_after_mib))
            .max()
            .unwrap_or(0),
        peak_goal_mib: cs.iter().filter_map(|c| c.gc.goal_mib).max(),
        live_heap_mib: Range {
            min: lives.first().copied().unwrap_or(0.0),
            median: live_median,
            max: lives.last().copied().unwrap_or(0.0),
        },
        allocated_mib: allocated,
        alloc_rate_mib_s: duration_s
            .filter(|d| *d > 0.0)
            .map(|d| allocated as f64 / d),
        gc_per_s: duration_s
            .filter(|d| *d > 0.0)
            .map(|d| cs.len().saturating_sub(t.segments.len()) as f64 / d),
        mean_interval_s: duration_s
            .filter(|_| cs.len() > t.segments.len())
            .map(|d| d / (cs.len() - t.segments.len()) as f64),
        cycles_over_goal: over.iter().filter(|p| **p > 0.0).count(),
        max_overshoot_pct: over.iter().copied().max_by(f64::total_cmp),
        effective_gogc: median(&mut gogc),
        stacks_mib: growth(|g| g.stacks_mib),
        globals_mib: growth(|g| g.globals_mib),
        main_segment: main,
        leak: leak_verdict(live_trend.as_ref(), live_pts.len()),
        live_trend: live_trend.map(trend_out),
        stacks_trend: stacks_trend.map(trend_out),
        malformed: t.skipped.malformed,
        foreign: t.skipped.foreign,
    }
}
