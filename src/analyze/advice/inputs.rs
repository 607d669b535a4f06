//! The model's inputs, measured on the trace: the main run after its first tenth,
//! without forced cycles — live heap, roots, allocation rate, GC CPU and its assist part
//! per MiB marked, the pacer's runway and the allocation while marking, overshoot,
//! memory outside the heap (MemStats when given), and a growing live heap's trend.

use super::{AdviceError, MIB};
use crate::analyze::cycle::{alloc_mib, assist_cpu_us, gc_cpu_us, live_mib};
use crate::analyze::memstats::MemReport;
use crate::analyze::stats::median;
use crate::analyze::summary::{LeakVerdict, Summary};
use crate::model::{Cycle, Timeline};
use serde::Serialize;

/// What the model was fed, every figure measured from the trace unless said otherwise.
#[derive(Clone, Debug, Serialize)]
pub struct Inputs {
    pub cycles_used: usize,
    pub duration_s: f64,
    pub live_heap_mib: f64,
    pub roots_mib: f64,
    pub alloc_rate_mib_s: f64,
    pub gc_cpu_ms_per_cycle: f64,
    pub gc_cpu_ms_per_mib_scanned: f64,
    /// The mark assists' part of it, which grows as the room left after the trigger
    /// shrinks (measured at `runway_per_mib`).
    pub assist_ms_per_mib_scanned: f64,
    pub procs: u32,
    /// The pacer's runway: MiB from the trigger (heap at GC start) to the goal, per MiB
    /// marked (live + roots); where the trigger was held at a bound, the bound's.
    pub runway_per_mib: f64,
    /// MiB allocated during the concurrent mark (heap at GC end − at start), per MiB marked.
    pub mark_alloc_per_mib: f64,
    /// Heap at GC end over its goal (median), at least 1: for the peak.
    pub overshoot: f64,
    /// HeapInuse / HeapAlloc (MemStats), else 1.05 assumed.
    pub fragmentation: f64,
    pub non_heap_mib: f64,
    /// `memstats` when measured (Sys − HeapSys), `assumed` otherwise.
    pub non_heap_source: &'static str,
    /// The GOGC the trace was taken under (given, or read from the pacer's behaviour).
    pub current_gogc: Option<f64>,
    pub live_heap_slope_mib_per_min: Option<f64>,
    /// The live heap at the start and the end of the measured span: the live-heap
    /// trend's line there when the summary found a leak or growth, else the median
    /// twice. Predictions follow a growing heap from one to the other.
    pub live_start_mib: f64,
    pub live_end_mib: f64,
    /// The highest live heap and heap of the measured span, as printed: what the trace
    /// itself showed at the GOGC it ran with (a leak's spikes, not its floor).
    pub live_max_mib: f64,
    pub heap_peak_mib: f64,
    /// CPU contention seen in the trace, and the live heap discounted for it.
    pub contention: Option<super::contention::Contention>,
    /// MiB allocated over the measured span (rate-free predictions for batch work).
    pub allocated_mib: f64,
    /// What the scheduler said while the trace was taken (`gclens run --save`); the GC
    /// CPU figures above are scaled by its `scale` (see `analyze::scheduler`).
    pub cpu_share: Option<crate::analyze::scheduler::CpuShare>,
}

impl Inputs {
    /// Scales the GC CPU figures from P-time to CPU time: by the share of its runnable
    /// time the program ran (see `analyze::scheduler`).
    pub fn scale_gc_cpu(&mut self, share: f64) {
        self.gc_cpu_ms_per_cycle *= share;
        self.gc_cpu_ms_per_mib_scanned *= share;
        self.assist_ms_per_mib_scanned *= share;
    }

    /// Does the live heap grow over the run (so predictions follow it)?
    pub fn growing(&self) -> bool {
        self.live_end_mib > self.live_start_mib
    }
}

/// Measures the model's inputs on the main segment, after its first tenth, without
/// forced cycles.
pub fn inputs(
    t: &Timeline,
    s: &Summary,
    mem: Option<&MemReport>,
    current_gogc: Option<f64>,
) -> Result<Inputs, AdviceError> {
    let (cs, used) = measured_cycles(t, s).ok_or(AdviceError::NoTimedCycles)?;
    if used.len() < 3 {
        return Err(AdviceError::NoTimedCycles);
    }
    if cs.iter().all(|c| c.gc.cpu.is_empty()) {
        return Err(AdviceError::NoCpuPhases);
    }
    Ok(measure(cs, &used, s, mem, current_gogc, None))
}

/// The cycles the model is measured on (indices into the main segment's cycles): after
/// warm-up, not forced; each has a cycle before it.
pub fn measured_cycles<'a>(t: &'a Timeline, s: &Summary) -> Option<(&'a [Cycle], Vec<usize>)> {
    let seg = t.segments.get(s.main_segment)?;
    let cs = t.segment_cycles(seg);
    let (t0, t1) = (
        cs[0].gc.t_ms.unwrap_or(0),
        cs[cs.len() - 1].gc.t_ms.unwrap_or(0),
    );
    // times may go backwards inside a segment (a mixed or edited log): no warm-up then
    let warm = t0 + t1.saturating_sub(t0) / 10;
    let used = (1..cs.len())
        .filter(|&i| cs[i].gc.t_ms.is_some_and(|t| t >= warm) && !cs[i].gc.forced)
        .collect();
    Some((cs, used))
}

/// The inputs measured on the cycles `used` of `cs` (any multiset of them: the ranges
/// resample it). Sums and medians only, so a resample is measured the same way;
/// `contended` carries the whole trace's verdict on contention to its resamples.
pub fn measure(
    cs: &[Cycle],
    used: &[usize],
    s: &Summary,
    mem: Option<&MemReport>,
    current_gogc: Option<f64>,
    contended: Option<bool>,
) -> Inputs {
    let f = |g: &dyn Fn(usize) -> Option<f64>| -> Vec<f64> {
        used.iter().filter_map(|&i| g(i)).collect()
    };
    let (live, contention) = super::contention::live(cs, used, contended);
    let roots = median(&mut f(&|i| {
        Some(f64::from(
            cs[i].gc.stacks_mib.unwrap_or(0) + cs[i].gc.globals_mib.unwrap_or(0),
        ))
    }))
    .unwrap_or(0.0);
    // A cycle's cost follows the heap it marks: CPU per MiB marked is the physical
    // constant (a ratio of sums, so coarse two-digit figures average out), and a cycle at
    // the model's live heap costs that × (live + roots). For a steady heap this is the
    // mean cycle cost; for a growing one it is not skewed towards the many early, cheap
    // cycles.
    let cpu_sum: f64 = f(&|i| gc_cpu_us(&cs[i]).map(|u| u as f64 / 1000.0))
        .iter()
        .sum();
    let marked_sum: f64 = f(&|i| {
        Some(f64::from(
            live_mib(&cs[i]) + cs[i].gc.stacks_mib.unwrap_or(0) + cs[i].gc.globals_mib.unwrap_or(0),
        ))
    })
    .iter()
    .sum();
    let per_mib = if marked_sum > 0.0 {
        cpu_sum / marked_sum
    } else {
        0.0
    };
    let assist_sum: f64 = f(&|i| assist_cpu_us(&cs[i]).map(|u| f64::from(u) / 1000.0))
        .iter()
        .sum();
    let assist_per_mib = if marked_sum > 0.0 {
        (assist_sum / marked_sum).min(per_mib)
    } else {
        0.0
    };
    let overshoot = median(&mut f(&|i| {
        let g = f64::from(cs[i].gc.goal_mib?);
        (g > 0.0).then(|| f64::from(cs[i].gc.heap_after_mib) / g)
    }))
    .unwrap_or(1.0)
    .max(1.0);
    let (runway_per_mib, mark_alloc_per_mib) = pacer_runway(cs, used, contention.is_some());
    let last = used.iter().copied().max().unwrap_or(0);
    // the time each cycle closes (from the one before it): for the contiguous cycles
    // measured, the span from before the first to the last
    let span_s = used
        .iter()
        .map(|&i| {
            (cs[i].gc.t_ms.unwrap_or(0)).saturating_sub(cs[i - 1].gc.t_ms.unwrap_or(0)) as f64
        })
        .sum::<f64>()
        / 1000.0;
    let allocated: f64 = used
        .iter()
        .map(|&i| f64::from(alloc_mib(Some(&cs[i - 1]), &cs[i]).unwrap_or(0)))
        .sum();
    let (non_heap_mib, non_heap_source, fragmentation) = match mem.and_then(|m| {
        let p = m.points.iter().rev().find(|p| p.non_heap_bytes.is_some())?;
        let s = &p.snapshot.stats;
        let frag = match (s.heap_inuse, s.heap_alloc) {
            (Some(i), Some(a)) if a > 0 => (i as f64 / a as f64).max(1.0),
            _ => 1.05,
        };
        Some((p.non_heap_bytes? as f64 / MIB, frag))
    }) {
        Some((n, frag)) => (n, "memstats", frag),
        None => (8.0 + roots, "assumed", 1.05),
    };
    let slope = s.live_trend.as_ref().map(|t| t.slope_mib_per_min);
    let growing = matches!(
        s.leak.verdict,
        LeakVerdict::LikelyLeak | LeakVerdict::PossibleGrowth
    );
    // not the median's neighbourhood: cycles crowd where the heap is small, so a
    // growing heap's median sits early in the run
    let (live_start_mib, live_end_mib) = match s.live_trend.as_ref() {
        Some(t) if growing && t.slope_mib_per_min > 0.0 && t.end_mib > t.start_mib => {
            (t.start_mib, t.end_mib)
        }
        _ => (live, live),
    };
    Inputs {
        cycles_used: used.len(),
        duration_s: span_s,
        live_heap_mib: live,
        roots_mib: roots,
        alloc_rate_mib_s: if span_s > 0.0 {
            allocated / span_s
        } else {
            0.0
        },
        gc_cpu_ms_per_cycle: per_mib * (live + roots),
        gc_cpu_ms_per_mib_scanned: per_mib,
        assist_ms_per_mib_scanned: assist_per_mib,
        procs: cs[last].gc.procs.max(1),
        runway_per_mib,
        mark_alloc_per_mib,
        overshoot,
        fragmentation,
        non_heap_mib,
        non_heap_source,
        current_gogc: current_gogc.or(s.effective_gogc),
        live_heap_slope_mib_per_min: slope,
        live_start_mib,
        live_end_mib,
        live_max_mib: used
            .iter()
            .map(|&i| f64::from(live_mib(&cs[i])))
            .fold(0.0, f64::max),
        heap_peak_mib: used
            .iter()
            .map(|&i| f64::from(cs[i].gc.heap_before_mib.max(cs[i].gc.heap_after_mib)))
            .fold(0.0, f64::max),
        allocated_mib: allocated,
        contention,
        cpu_share: None,
    }
}

/// Measures the pacer's runway (goal − heap at GC start) and the allocation during the
/// mark (heap at GC end − at start), each per MiB marked (the previous cycle's live heap,
/// from which the goal was set, + roots); as ratios of sums, so the trace's whole-MiB
/// figures average out. A trigger held at one of its bounds shows the bound's runway: at
/// the upper one (small heaps) that is what the pacer does at this room; a trace taken at a
/// small GOGC, held at the lower one, shows a runway shorter than the pacer's, so larger
/// GOGCs are predicted a little too few cycles. In a contended trace each mark's
/// allocation is discounted to what it would have let in unstarved (see `contention`).
fn pacer_runway(cs: &[Cycle], used: &[usize], contended: bool) -> (f64, f64) {
    let (mut marked, mut mark_alloc, mut runways) = (0.0, 0.0, 0.0);
    for &i in used {
        let (p, c) = (&cs[i - 1], &cs[i]);
        let Some(goal) = c.gc.goal_mib.map(f64::from) else {
            continue;
        };
        let live = f64::from(live_mib(p));
        let scan = live + f64::from(c.gc.stacks_mib.unwrap_or(0) + c.gc.globals_mib.unwrap_or(0));
        let start = f64::from(c.gc.heap_before_mib);
        if goal <= live || scan <= 0.0 {
            continue;
        }
        marked += scan;
        mark_alloc += super::contention::mark_alloc_for_model(c, contended);
        runways += (goal - start).max(0.0);
    }
    if marked > 0.0 {
        (runways / marked, mark_alloc / marked)
    } else {
        (0.0, 0.0)
    }
}
