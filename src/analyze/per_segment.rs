//! Figures of each segment (issue 31). A stream with restarts (a deploy a day for a
//! month, or a crash loop) holds several processes; the summary judges the whole and its
//! main segment, and these say how each process did on its own: its span, heap, pauses,
//! GC CPU and live-heap verdict. A few numbers per segment, gathered by the digest as the
//! cycles come, so a month of restarts costs no more than its segment count.

use super::sketch::Floors;
use super::summary::{LeakVerdict, leak_verdict};
use crate::model::Cycle;
use serde::Serialize;

/// One segment's figures, as `gclens.gc/v1`'s `segments` entries carry them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SegmentFigures {
    /// Where it starts (its input, the line of its first cycle) and its size: the text
    /// report names them; `gclens.gc/v1` has them in the segment entry already.
    #[serde(skip)]
    pub source: u32,
    #[serde(skip)]
    pub first_line: u64,
    #[serde(skip)]
    pub cycles: u64,
    pub duration_s: Option<f64>,
    pub peak_heap_mib: u32,
    pub live_heap_min_mib: u32,
    pub live_heap_max_mib: u32,
    pub pause_max_ms: f64,
    pub pause_total_ms: f64,
    /// Σ GC CPU (cpu phases, idle excluded) / (span × P), as the summary's.
    pub gc_cpu_pct: Option<f64>,
    pub allocated_mib: u64,
    /// The segment's own live-heap verdict and slope (its first tenth is warm-up).
    pub leak: LeakVerdict,
    pub live_slope_mib_per_min: Option<f64>,
}

/// A segment's figures as its cycles are counted.
#[derive(Clone, Debug, Default)]
pub(super) struct Running {
    peak_heap: u32,
    live: Option<(u32, u32)>,
    pause_max_us: u64,
    pause_total_us: u64,
    cpu_us: u64,
    any_cpu: bool,
    allocated: u64,
}

impl Running {
    /// Adds a cycle whose pause, live heap, allocation since the one before and GC CPU
    /// (none for a segment's first) the digest worked out.
    pub(super) fn add(&mut self, c: &Cycle, pause_us: u64, live: u32, alloc: u32, cpu_us: u64) {
        let g = &c.gc;
        self.peak_heap = self.peak_heap.max(g.heap_before_mib.max(g.heap_after_mib));
        self.live = Some(
            self.live
                .map_or((live, live), |(a, b)| (a.min(live), b.max(live))),
        );
        self.pause_max_us = self.pause_max_us.max(pause_us);
        self.pause_total_us = self.pause_total_us.saturating_add(pause_us);
        self.cpu_us = self.cpu_us.saturating_add(cpu_us);
        self.any_cpu |= !g.cpu.is_empty();
        self.allocated += u64::from(alloc);
    }

    /// The figures of the segment of `cycles` cycles from `first` to `last`, whose live
    /// heap floors are `live`.
    pub(super) fn finish(
        &self,
        (first, last, cycles): (&Cycle, &Cycle, u64),
        live: &Floors,
    ) -> SegmentFigures {
        let span_ms = match (first.gc.t_ms, last.gc.t_ms) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        let proc_ms = span_ms.map_or(0.0, |d| d as f64 * f64::from(last.gc.procs.max(1)));
        let (t0, t1) = (first.gc.t_ms.unwrap_or(0), last.gc.t_ms.unwrap_or(0));
        let (trend, points) = live.trend(t0 + t1.saturating_sub(t0) / 10);
        let leak = leak_verdict(trend.as_ref(), points).verdict;
        let (lo, hi) = self.live.unwrap_or((0, 0));
        SegmentFigures {
            source: first.source,
            first_line: first.line,
            cycles,
            duration_s: span_ms.map(|d| d as f64 / 1000.0),
            peak_heap_mib: self.peak_heap,
            live_heap_min_mib: lo,
            live_heap_max_mib: hi,
            pause_max_ms: self.pause_max_us as f64 / 1000.0,
            pause_total_ms: self.pause_total_us as f64 / 1000.0,
            gc_cpu_pct: (proc_ms > 0.0 && self.any_cpu)
                .then(|| self.cpu_us as f64 / 1000.0 / proc_ms * 100.0),
            allocated_mib: self.allocated,
            leak,
            live_slope_mib_per_min: trend.map(|(t, _, _)| t.slope),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analyze::Report;

    /// A trace of one process: its segment's figures are the summary's. A trace of
    /// several: one entry each, their cycles adding up, the main one's verdict the
    /// summary's.
    #[test]
    fn one_process_has_the_summarys_figures() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/gctrace");
        let mut several = 0;
        for dir in std::fs::read_dir(root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_none_or(|e| e != "log") {
                    continue;
                }
                let r = Report::new(crate::parse::load_bytes(&std::fs::read(&path).unwrap()));
                let (s, p) = (&r.summary, &r.summary.per_segment);
                let what = path.display();
                assert_eq!(p.len(), s.segments, "{what}");
                let total: u64 = p.iter().map(|f| f.cycles).sum();
                assert_eq!(total, s.cycles as u64, "{what}");
                if p.len() > 1 {
                    several += 1;
                    let main = &p[s.main_segment_of_trace];
                    assert_eq!(main.leak, s.leak.verdict, "{what}");
                    continue;
                }
                let Some(f) = p.first() else { continue };
                assert_eq!(f.duration_s, s.duration_s, "{what}");
                assert_eq!(f.peak_heap_mib, s.peak_heap_mib, "{what}");
                assert_eq!(
                    f64::from(f.live_heap_min_mib),
                    s.live_heap_mib.min,
                    "{what}"
                );
                assert_eq!(
                    f64::from(f.live_heap_max_mib),
                    s.live_heap_mib.max,
                    "{what}"
                );
                assert_eq!(f.pause_max_ms, s.pause_ms.max, "{what}");
                assert!((f.pause_total_ms - s.pause_ms.total).abs() < 1e-6, "{what}");
                assert_eq!(f.gc_cpu_pct, s.gc_cpu_pct, "{what}");
                assert_eq!(f.allocated_mib, s.allocated_mib, "{what}");
                assert_eq!(f.leak, s.leak.verdict, "{what}");
                let slope = s.live_trend.as_ref().map(|t| t.slope_mib_per_min);
                assert_eq!(f.live_slope_mib_per_min, slope, "{what}");
            }
        }
        assert!(several > 0);
    }
}
