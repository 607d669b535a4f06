//! The KPI summary of a timeline, and the live-heap trend behind the leak verdict.

use super::digest::Digest;
use super::stats::{Trend, theil_sen};
use crate::model::GcFormat;
use crate::model::Timeline;
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
    /// Of the main segment (the one with most cycles), an index into the report's
    /// timeline (of a long trace: its detailed window, `analyze::long`).
    pub main_segment: usize,
    pub live_trend: Option<TrendOut>,
    pub stacks_trend: Option<TrendOut>,
    pub leak: Leak,
    pub malformed: u64,
    pub foreign: u64,
    /// The scheduler's figures of a trace saved by `gclens run --save` (the main
    /// segment's source, whole trace); None for other traces.
    pub cpu_share: Option<crate::analyze::scheduler::CpuShare>,
    /// Each segment's own figures, in order (`gclens.gc/v1` puts them in `segments`).
    #[serde(skip)]
    pub per_segment: Vec<super::per_segment::SegmentFigures>,
    /// Where the first segments start (source, line): the findings name the restarts.
    #[serde(skip)]
    pub segment_starts: Vec<(u32, u64)>,
    /// The main segment's number among all the trace's segments (= `main_segment` when
    /// the timeline is whole): a long trace's chart draws the trend where it was fitted.
    #[serde(skip)]
    pub main_segment_of_trace: usize,
}

fn trend_of(points: &[(f64, f64)]) -> Option<(Trend, f64, f64)> {
    let t = theil_sen(points)?;
    let span = points[points.len() - 1].0 - points[0].0;
    Some((t, span, points[0].0))
}

pub(super) fn trend_out((t, span, from): (Trend, f64, f64)) -> TrendOut {
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

/// When a growing floor is a verdict: a fit at least this good (R²), that grew at least
/// this share of where it started and this many units (MiB for the heap). The same
/// figures make `gclens fleet rules`' alerts, so Prometheus judges as gclens does.
#[derive(Clone, Copy, Debug)]
pub struct LeakRule {
    pub r2: f64,
    pub growth_share: f64,
    pub growth_min: f64,
}

impl LeakRule {
    pub fn holds(&self, slope: f64, r2: f64, growth: f64, start: f64) -> bool {
        slope > 0.0 && r2 >= self.r2 && growth >= (self.growth_share * start).max(self.growth_min)
    }
}

pub const LIKELY_LEAK: LeakRule = LeakRule {
    r2: 0.8,
    growth_share: 0.25,
    growth_min: 4.0,
};

pub const POSSIBLE_GROWTH: LeakRule = LeakRule {
    r2: 0.5,
    growth_share: 0.1,
    growth_min: 2.0,
};

pub(super) fn leak_verdict(trend: Option<&(Trend, f64, f64)>, cycles: usize) -> Leak {
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
    let (verdict, tail) = if LIKELY_LEAK.holds(t.slope, t.r2, growth, base) {
        (LeakVerdict::LikelyLeak, "likely leak")
    } else if POSSIBLE_GROWTH.holds(t.slope, t.r2, growth, base) {
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

/// Computes the summary of a timeline: its cycles and events through one [`Digest`].
pub fn summarize(t: &Timeline) -> Summary {
    summarize_with(t, Digest::default())
}

/// [`summarize`] with a digest of a chosen capacity (tests fold small traces with it).
pub fn summarize_with(t: &Timeline, mut d: Digest) -> Summary {
    for s in &t.segments {
        for (k, c) in t.segment_cycles(s).iter().enumerate() {
            d.cycle(c, k == 0);
        }
    }
    for e in &t.events {
        d.event(e);
    }
    d.finish(&t.sources, t.skipped.malformed, t.skipped.foreign)
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
