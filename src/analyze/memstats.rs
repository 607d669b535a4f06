//! A series of MemStats snapshots and what follows from it: time (from `LastGC`, else
//! order), allocation rate (ΔTotalAlloc/Δt), fragmentation (HeapInuse − HeapAlloc),
//! released memory, the memory a GOMEMLIMIT counts (Sys − HeapReleased), non-heap runtime
//! memory (Sys − HeapSys), heap and object trends, and the GC pause history rebuilt from
//! the 256-entry `PauseNs`/`PauseEnd` rings (each pause once, in GC order). Also the join
//! to a gctrace timeline by GC number.
//!
//! What belongs together is checked first: snapshots go forward in time (`LastGC`), or
//! the series is refused; a process restart (`NumGC` or `TotalAlloc` going back) starts
//! a new segment, as `gc` does for traces, and no rate or pause spans two.

use super::stats::theil_sen;
use super::summary::TrendOut;
use crate::model::Timeline;
use crate::model::memstats::{Shape, Snapshot};
use serde::Serialize;
use std::collections::BTreeMap;

use crate::units::MIB;

/// A snapshot with where it came from and its derived figures.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub source: String,
    /// The process it came from: 0, then one more at each restart.
    pub segment: usize,
    /// Seconds since the first snapshot's `LastGC` (`None` when the shape has no `LastGC`).
    pub t_s: Option<f64>,
    #[serde(flatten)]
    pub snapshot: Snapshot,
    /// ΔTotalAlloc/Δt since the previous snapshot, MiB/s.
    pub alloc_rate_mib_s: Option<f64>,
    /// HeapInuse − HeapAlloc: bytes in spans not used by objects.
    pub fragmentation_bytes: Option<u64>,
    /// Sys − HeapReleased: what GOMEMLIMIT counts.
    pub limit_counted_bytes: Option<u64>,
    /// Sys − HeapSys: runtime memory outside the heap (stacks, GC metadata, …).
    pub non_heap_bytes: Option<u64>,
}

/// One GC pause from the rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pause {
    /// The process (segment) it was in.
    pub segment: usize,
    pub gc: u64,
    pub end_unix_ns: u64,
    pub pause_ns: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemSummary {
    pub snapshots: usize,
    pub shapes: Vec<Shape>,
    pub span_s: Option<f64>,
    pub num_gc_first: Option<u64>,
    pub num_gc_last: Option<u64>,
    /// Process restarts seen (`NumGC` or `TotalAlloc` going back).
    pub restarts: usize,
    /// ΔTotalAlloc/Δt over every segment.
    pub alloc_rate_mib_s: Option<f64>,
    pub peak_limit_counted_bytes: Option<u64>,
    pub last_non_heap_bytes: Option<u64>,
    pub last_fragmentation_bytes: Option<u64>,
    pub heap_alloc_trend: Option<TrendOut>,
    pub heap_objects_trend: Option<TrendOut>,
    pub pauses: usize,
    /// GCs between the first and last one seen whose pause fell out of the ring between
    /// two snapshots (more than 256 GCs apart).
    pub pauses_missing: u64,
    pub pause_p50_ns: Option<u64>,
    pub pause_p99_ns: Option<u64>,
    pub pause_max_ns: Option<u64>,
    pub approximate: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemReport {
    /// The inputs, in the order read (`-` is stdin); the JSON document lists them first.
    #[serde(skip)]
    pub sources: Vec<String>,
    #[serde(rename = "snapshots")]
    pub points: Vec<Point>,
    pub pauses: Vec<Pause>,
    pub summary: MemSummary,
}

fn sub(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.saturating_sub(b?))
}

/// Rebuilds the pause history from every snapshot's rings.
pub fn pauses(points: &[Point]) -> (Vec<Pause>, u64) {
    let mut by_gc: BTreeMap<(usize, u64), Pause> = BTreeMap::new();
    // the newest GC taken so far, by segment: a later snapshot's ring repeats the older
    // GCs (200,000 snapshots × 256 lookups were most of `memstats` on a month of vars)
    let mut newest: Option<(usize, u64)> = None;
    for p in points {
        let s = &p.snapshot.stats;
        let (Some(n), Some(ns), Some(end)) = (s.num_gc, &s.pause_ns, &s.pause_end) else {
            continue;
        };
        if ns.len() != 256 || end.len() != 256 {
            continue;
        }
        let mut from = n.saturating_sub(255).max(1);
        if let Some((seg, last)) = newest
            && seg == p.segment
        {
            from = from.max(last + 1);
        }
        newest = Some((
            p.segment,
            newest
                .filter(|(s, _)| *s == p.segment)
                .map_or(n, |(_, l)| l.max(n)),
        ));
        for gc in from..=n {
            let k = ((gc - 1) % 256) as usize;
            by_gc.entry((p.segment, gc)).or_insert(Pause {
                segment: p.segment,
                gc,
                end_unix_ns: end.get(k).unwrap_or_default(),
                pause_ns: ns.get(k).unwrap_or_default(),
            });
        }
    }
    // per segment: the GCs between its first and last pause that are not there
    let mut missing = 0;
    let mut span: BTreeMap<usize, (u64, u64, u64)> = BTreeMap::new();
    for &(seg, gc) in by_gc.keys() {
        let e = span.entry(seg).or_insert((gc, gc, 0));
        e.1 = gc;
        e.2 += 1;
    }
    for (first, last, n) in span.into_values() {
        missing += (last - first + 1) - n;
    }
    (by_gc.into_values().collect(), missing)
}

fn trend(points: &[Point], f: impl Fn(&Point) -> Option<u64>, scale: f64) -> Option<TrendOut> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| Some((p.t_s? / 60.0, f(p)? as f64 / scale)))
        .collect();
    let t = theil_sen(&pts)?;
    let span = pts[pts.len() - 1].0 - pts[0].0;
    Some(TrendOut {
        slope_mib_per_min: t.slope,
        r2: t.r2,
        points: t.points,
        start_mib: t.start,
        end_mib: t.end,
        span_min: span,
        from_min: pts[0].0,
    })
}

/// Builds the series from snapshots of several sources, in the order given.
pub fn report(inputs: Vec<(String, Vec<Snapshot>)>) -> Result<MemReport, String> {
    let sources = inputs.iter().map(|(s, _)| s.clone()).collect();
    let mut points: Vec<Point> = Vec::with_capacity(inputs.iter().map(|(_, s)| s.len()).sum());
    let t0 = inputs
        .iter()
        .flat_map(|(_, s)| s.iter())
        .find_map(|s| s.stats.last_gc.filter(|t| *t > 0));
    for (source, snaps) in inputs {
        for snapshot in snaps {
            let s = &snapshot.stats;
            let t_s = match (s.last_gc, t0) {
                (Some(t), Some(t0)) if t > 0 && t0 > 0 => Some((t as f64 - t0 as f64) / 1e9),
                _ => None,
            };
            let prev = points.last();
            if let Some(p) = prev
                && let (Some(a), Some(b)) = (p.t_s, t_s)
                && b < a
            {
                let name = |s: &str| {
                    if s == "-" {
                        "stdin".to_string()
                    } else {
                        s.to_string()
                    }
                };
                return Err(format!(
                    "{}:{}: a snapshot {:.1} s older than the one before it ({}:{}): give the dumps oldest first",
                    name(&source),
                    snapshot.line,
                    a - b,
                    name(&p.source),
                    p.snapshot.line
                ));
            }
            let back = |f: fn(&crate::model::memstats::MemStats) -> Option<u64>| {
                prev.and_then(|p| Some(f(s)? < f(&p.snapshot.stats)?)) == Some(true)
            };
            let restarted = back(|m| m.num_gc) || back(|m| m.total_alloc);
            let segment = prev.map_or(0, |p| p.segment + usize::from(restarted));
            let alloc_rate_mib_s = prev.filter(|p| p.segment == segment).and_then(|p| {
                let dt = t_s? - p.t_s?;
                let da = s.total_alloc?.checked_sub(p.snapshot.stats.total_alloc?)?;
                (dt > 0.0).then(|| da as f64 / MIB / dt)
            });
            points.push(Point {
                source: source.clone(),
                segment,
                t_s,
                alloc_rate_mib_s,
                fragmentation_bytes: sub(s.heap_inuse, s.heap_alloc),
                limit_counted_bytes: sub(s.sys, s.heap_released),
                non_heap_bytes: sub(s.sys, s.heap_sys),
                snapshot,
            });
        }
    }
    let (pauses, pauses_missing) = pauses(&points);
    let mut ns: Vec<u64> = pauses.iter().map(|p| p.pause_ns).collect();
    let pct = super::stats::percentiles(&mut ns, &[50.0, 99.0, 100.0]);
    let first_t = points.iter().find_map(|p| p.t_s);
    let last_t = points.iter().rev().find_map(|p| p.t_s);
    let restarts = points.last().map_or(0, |p| p.segment);
    let total_rate = {
        // each segment's first and last snapshot with a time and a TotalAlloc
        let mut ends: BTreeMap<usize, [(f64, u64); 2]> = BTreeMap::new();
        for p in &points {
            if let (Some(t), Some(a)) = (p.t_s, p.snapshot.stats.total_alloc) {
                ends.entry(p.segment).or_insert([(t, a); 2])[1] = (t, a);
            }
        }
        let (bytes, secs) = ends.values().fold((0u64, 0.0), |(b, s), [first, last]| {
            (
                b.saturating_add(last.1.saturating_sub(first.1)),
                s + (last.0 - first.0),
            )
        });
        (secs > 0.0).then(|| bytes as f64 / MIB / secs)
    };
    let mut shapes: Vec<Shape> = vec![];
    for p in &points {
        if !shapes.contains(&p.snapshot.shape) {
            shapes.push(p.snapshot.shape);
        }
    }
    let summary = MemSummary {
        snapshots: points.len(),
        shapes,
        span_s: first_t.zip(last_t).map(|(a, b)| b - a),
        num_gc_first: points.iter().find_map(|p| p.snapshot.stats.num_gc),
        num_gc_last: points.iter().rev().find_map(|p| p.snapshot.stats.num_gc),
        restarts,
        alloc_rate_mib_s: total_rate,
        peak_limit_counted_bytes: points.iter().filter_map(|p| p.limit_counted_bytes).max(),
        last_non_heap_bytes: points.iter().rev().find_map(|p| p.non_heap_bytes),
        last_fragmentation_bytes: points.iter().rev().find_map(|p| p.fragmentation_bytes),
        heap_alloc_trend: trend(&points, |p| p.snapshot.stats.heap_alloc, MIB),
        heap_objects_trend: trend(&points, |p| p.snapshot.stats.heap_objects, 1.0),
        pauses: pauses.len(),
        pauses_missing,
        pause_p50_ns: pct[0],
        pause_p99_ns: pct[1],
        pause_max_ns: pct[2],
        approximate: points.iter().any(|p| !p.snapshot.approximate.is_empty()),
    };
    Ok(MemReport {
        sources,
        points,
        pauses,
        summary,
    })
}

/// MemStats dumps of the run a trace came from, and where they sit on its timeline.
#[derive(Clone, Debug)]
pub struct MemJoin {
    pub report: MemReport,
    pub joined: Vec<Joined>,
}

impl MemJoin {
    pub fn new(t: &Timeline, report: MemReport) -> Self {
        let joined = join(t, &report.points);
        MemJoin { report, joined }
    }
}

/// A snapshot placed on a gctrace timeline: the cycle whose number is its `NumGC`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Joined {
    pub cycle_index: usize,
    pub limit_counted_mib: Option<f64>,
    pub heap_inuse_mib: Option<f64>,
}

/// Joins snapshots to the timeline by GC number (the snapshot was read after that GC):
/// the last cycle with that number, so a restarted process's newest run wins.
pub fn join(t: &Timeline, points: &[Point]) -> Vec<Joined> {
    let mut index: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, c) in t.cycles.iter().enumerate() {
        index.insert(c.gc.cycle, i);
    }
    points
        .iter()
        .filter_map(|p| {
            let s = &p.snapshot.stats;
            let n = u32::try_from(s.num_gc?).ok()?;
            Some(Joined {
                cycle_index: *index.get(&n)?,
                limit_counted_mib: p.limit_counted_bytes.map(|b| b as f64 / MIB),
                heap_inuse_mib: s.heap_inuse.map(|b| b as f64 / MIB),
            })
        })
        .collect()
}
