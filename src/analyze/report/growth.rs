//! Question 1: is memory growing? Each kind of evidence answers on its own — the trace's
//! live-heap floor (the GC's own measure of what is reachable), the MemStats series'
//! HeapAlloc, the heap profiles' in-use total — and the report says where they agree
//! and where they do not, instead of trusting whichever came first.

use super::sites::HeapPart;
use crate::analyze::heap::HeapLeakVerdict;
use crate::analyze::memstats::MemReport;
use crate::analyze::summary::{LeakVerdict, Summary};
use crate::model::Timeline;
use serde::Serialize;

const MIB: f64 = 1024.0 * 1024.0;

/// What one kind of evidence says about growth, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Too little of it to say.
    Unknown,
    Flat,
    Possible,
    Growing,
}

impl Signal {
    pub fn label(self) -> &'static str {
        match self {
            Signal::Unknown => "too little to say",
            Signal::Flat => "flat",
            Signal::Possible => "possibly growing",
            Signal::Growing => "growing",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TraceGrowth {
    pub sources: Vec<String>,
    pub signal: Signal,
    pub cycles: usize,
    pub span_min: Option<f64>,
    pub slope_mib_per_min: Option<f64>,
    pub r2: Option<f64>,
    /// The fitted live heap at the start and end of the trend, MiB.
    pub start_mib: Option<f64>,
    pub end_mib: Option<f64>,
    pub peak_heap_mib: u32,
    /// The trace's own sentence about the trend.
    pub evidence: String,
    /// At the trend, minutes until the heap's peak (live × the GC's growth) reaches the
    /// budget: `None` without a budget or growth.
    pub minutes_to_budget: Option<f64>,
    /// The heap's peak over its highest live heap: how far above the live heap the GC
    /// lets the heap grow as the program runs (1 + GOGC/100).
    pub peak_over_live: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemGrowth {
    pub snapshots: usize,
    pub span_min: Option<f64>,
    pub signal: Signal,
    pub heap_alloc_first: Option<u64>,
    pub heap_alloc_last: Option<u64>,
    pub sys_first: Option<u64>,
    pub sys_last: Option<u64>,
    pub slope_mib_per_min: Option<f64>,
    pub r2: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfileGrowth {
    pub profiles: usize,
    pub span_min: Option<f64>,
    pub signal: Signal,
    pub inuse_first: i64,
    pub inuse_last: i64,
    pub mib_per_min: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Growth {
    pub trace: Option<TraceGrowth>,
    pub memstats: Option<MemGrowth>,
    pub profiles: Option<ProfileGrowth>,
    /// The strongest signal any evidence gives.
    pub signal: Signal,
    /// Where the kinds of evidence agree or disagree, one sentence.
    pub cross_check: String,
}

/// HeapAlloc's trend across snapshots: growing when the fit is good and the heap grew a
/// tenth or more; possibly growing when it grew 5 % or more.
pub(super) fn mem_signal(slope: f64, r2: f64, first: f64, last: f64) -> Signal {
    if slope > 0.0 && r2 >= 0.8 && last >= first * 1.1 && last - first >= MIB {
        Signal::Growing
    } else if slope > 0.0 && last >= first * 1.05 {
        Signal::Possible
    } else {
        Signal::Flat
    }
}

/// Minutes until the heap's peak (`ratio` × the live heap) reaches `budget` bytes, the
/// live heap growing `slope` MiB/min from `end` MiB; `None` when it does not grow.
pub(super) fn minutes_to(budget: u64, ratio: f64, slope: f64, end: f64) -> Option<f64> {
    (slope > 0.0).then(|| ((budget as f64 / MIB / ratio - end) / slope).max(0.0))
}

/// What the profiles say: one profile says nothing about growth.
pub(super) fn profile_signal(profiles: usize, v: HeapLeakVerdict) -> Signal {
    match v {
        _ if profiles < 2 => Signal::Unknown,
        HeapLeakVerdict::LikelyLeak => Signal::Growing,
        HeapLeakVerdict::PossibleGrowth => Signal::Possible,
        HeapLeakVerdict::NoLeakSignal => Signal::Flat,
    }
}

/// `bytes` over `span_min` minutes, in MiB/min (`None` without a span).
pub(super) fn per_minute(bytes: i64, span_min: Option<f64>) -> Option<f64> {
    span_min
        .filter(|m| *m > 0.0)
        .map(|m| bytes as f64 / MIB / m)
}

pub fn growth(
    trace: Option<(&Timeline, &Summary)>,
    mem: Option<&MemReport>,
    heap: Option<&HeapPart>,
    budget: Option<u64>,
) -> Growth {
    let trace = trace.map(|(t, s)| {
        let tr = s.live_trend.as_ref();
        let signal = match s.leak.verdict {
            LeakVerdict::LikelyLeak => Signal::Growing,
            LeakVerdict::PossibleGrowth => Signal::Possible,
            LeakVerdict::NoLeakSignal => Signal::Flat,
            LeakVerdict::InsufficientData => Signal::Unknown,
        };
        // the heap peaks at live × (1 + GOGC/100): the trace's own peak-to-live ratio
        let ratio = (s.peak_heap_mib as f64 / s.live_heap_mib.max).max(1.0);
        let minutes_to_budget = match (tr, budget) {
            (Some(tr), Some(b)) => minutes_to(b, ratio, tr.slope_mib_per_min, tr.end_mib),
            _ => None,
        };
        TraceGrowth {
            sources: t.sources.clone(),
            signal,
            cycles: s.cycles,
            span_min: s.duration_s.map(|d| d / 60.0),
            slope_mib_per_min: tr.map(|t| t.slope_mib_per_min),
            r2: tr.map(|t| t.r2),
            start_mib: tr.map(|t| t.start_mib),
            end_mib: tr.map(|t| t.end_mib),
            peak_heap_mib: s.peak_heap_mib,
            evidence: s.leak.evidence.clone(),
            minutes_to_budget,
            peak_over_live: ratio,
        }
    });
    let memstats = mem.map(|m| {
        let first = m.points.first().map(|p| &p.snapshot.stats);
        let last = m.points.last().map(|p| &p.snapshot.stats);
        let tr = m.summary.heap_alloc_trend.as_ref();
        let (a0, a1) = (
            first.and_then(|s| s.heap_alloc),
            last.and_then(|s| s.heap_alloc),
        );
        let signal = match (tr, a0, a1) {
            (Some(t), Some(a), Some(b)) => {
                mem_signal(t.slope_mib_per_min, t.r2, a as f64, b as f64)
            }
            _ => Signal::Unknown,
        };
        MemGrowth {
            snapshots: m.points.len(),
            span_min: m.summary.span_s.map(|s| s / 60.0),
            signal,
            heap_alloc_first: a0,
            heap_alloc_last: a1,
            sys_first: first.and_then(|s| s.sys),
            sys_last: last.and_then(|s| s.sys),
            slope_mib_per_min: tr.map(|t| t.slope_mib_per_min),
            r2: tr.map(|t| t.r2),
        }
    });
    let profiles = heap.map(|h| {
        let r = &h.report;
        let (first, last) = (
            r.profiles.first().map_or(0, |p| p.totals.inuse_bytes),
            r.profiles.last().map_or(0, |p| p.totals.inuse_bytes),
        );
        let signal = profile_signal(r.profiles.len(), r.leak.verdict);
        ProfileGrowth {
            profiles: r.profiles.len(),
            span_min: r.span_min,
            signal,
            inuse_first: first,
            inuse_last: last,
            mib_per_min: per_minute(last - first, r.span_min),
        }
    });
    let signals = [
        ("the gctrace", trace.as_ref().map(|t| t.signal)),
        (
            "the MemStats snapshots",
            memstats.as_ref().map(|m| m.signal),
        ),
        ("the heap profiles", profiles.as_ref().map(|p| p.signal)),
    ];
    let signal = signals
        .iter()
        .filter_map(|s| s.1)
        .max()
        .unwrap_or(Signal::Unknown);
    Growth {
        cross_check: cross_check(&signals),
        trace,
        memstats,
        profiles,
        signal,
    }
}

/// One sentence: which evidence says what.
pub(super) fn cross_check(signals: &[(&str, Option<Signal>)]) -> String {
    let known: Vec<(&str, Signal)> = signals
        .iter()
        .filter_map(|(n, s)| Some((*n, (*s)?)))
        .filter(|(_, s)| *s != Signal::Unknown)
        .collect();
    match known.as_slice() {
        [] => "no evidence that can tell growth from noise".into(),
        [(n, s)] => format!("only {n} can tell: {}", s.label()),
        _ if known.iter().all(|k| k.1 == known[0].1) => {
            format!(
                "{} agree: {}",
                list(&known.iter().map(|k| k.0).collect::<Vec<_>>()),
                known[0].1.label()
            )
        }
        _ => known
            .iter()
            .map(|(n, s)| format!("{n}: {}", s.label()))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [a] => a.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
