//! GOGC and GOMEMLIMIT advice from a GC trace, by the GC guide's cost model
//! (go.dev/doc/gc-guide; shared/notes/gc-model.md):
//!
//! - heap goal = live + (live + roots) × GOGC/100, capped by what the memory limit leaves;
//! - GC cycles/s = allocation rate / what a cycle allocates: from the live heap to the
//!   trigger, then what is allocated while marking. The pacer (Go 1.18+, `mgcpacer.go`)
//!   starts a cycle a runway ahead of the goal (the runway follows the work to mark, not
//!   GOGC), but never before 45/64 (~70%) of the way from the live heap to the goal, nor
//!   after max(61/64, goal − 4 MiB) of it; the runway and the marking allocation are
//!   measured per MiB marked;
//! - GC CPU % = cycles/s × GC CPU per cycle / P (the cost of a cycle follows the live
//!   heap scanned, which no setting changes), at most ~50% once the limit drives the GC.
//!   Only mark assists follow the setting: the pacer charges allocations during the mark
//!   with scan work remaining / heap left to the goal, so assists grow as the room left
//!   after the trigger shrinks (a trigger held at its lower bound by a small GOGC);
//! - peak memory = goal × max(overshoot, 1.1 scavenger slack) × fragmentation + memory
//!   outside the heap.
//!
//! A leaking trace has no steady state: its live heap follows its trend. Predictions are
//! then for a run like the traced one — GC/s and GC CPU averaged over the live heap
//! growing from where it was at the start to where it was at the end, the peak at the end
//! (where a GOGC that was fine at the start meets the limit and collections crowd).
//!
//! The recommendation: GOMEMLIMIT = budget − headroom; GOGC the largest value (least GC
//! CPU) whose steady-state peak stays under 90% of that limit, so the limit is a safety
//! net and not what drives collections.

use super::cycle::{alloc_mib, assist_cpu_us, gc_cpu_us, live_mib};
use super::memstats::MemReport;
use super::stats::median;
use super::summary::{LeakVerdict, Summary};
use crate::model::Timeline;
use crate::model::GcFormat;
use serde::Serialize;

const MIB: f64 = 1048576.0;
/// The steady-state peak must stay under this share of the limit.
pub const CLEAR_OF_LIMIT: f64 = 0.9;
/// The runtime keeps about this much over the goal before returning memory.
const SCAVENGE_SLACK: f64 = 1.1;
/// GOGC values in the what-if table.
pub const WHATIF_GOGC: [u32; 10] = [25, 50, 75, 100, 150, 200, 300, 400, 600, 800];

#[derive(Clone, Debug)]
pub struct AdviceOptions {
    pub budget_bytes: u64,
    /// Share of the budget left for what the runtime does not manage (0.10).
    pub headroom: f64,
    pub max_gc_cpu_pct: Option<f64>,
    pub current_gogc: Option<f64>,
}

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
}

impl Inputs {
    /// Does the live heap grow over the run (so predictions follow it)?
    pub fn growing(&self) -> bool {
        self.live_end_mib > self.live_start_mib
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Prediction {
    /// A GOGC percentage, or "off".
    pub gogc: serde_json::Value,
    pub limit_bytes: Option<u64>,
    pub heap_goal_mib: f64,
    pub peak_bytes: u64,
    pub gc_per_s: f64,
    pub gc_cpu_pct: f64,
    /// The memory limit, not GOGC, sets the goal.
    pub limit_driven: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    pub schema: &'static str,
    pub gogc: serde_json::Value,
    pub gomemlimit_bytes: u64,
    pub budget_bytes: u64,
    pub predicted: Prediction,
    pub inputs: Inputs,
    pub whatif: Vec<Prediction>,
    pub warnings: Vec<Warning>,
    /// One line of arithmetic per number.
    pub arithmetic: Vec<String>,
}

/// Why no advice can be given.
#[derive(Debug, PartialEq)]
pub enum AdviceError {
    NoTimedCycles,
    NoCpuPhases,
}

impl std::fmt::Display for AdviceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviceError::NoTimedCycles => write!(
                f,
                "the trace needs at least 3 timed gc cycles after warm-up"
            ),
            AdviceError::NoCpuPhases => write!(
                f,
                "the trace has no GC CPU figures (Go ≤ 1.4): no cost model"
            ),
        }
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
    let seg = t
        .segments
        .get(s.main_segment)
        .ok_or(AdviceError::NoTimedCycles)?;
    let cs = t.segment_cycles(seg);
    let (t0, t1) = (
        cs[0].gc.t_ms.unwrap_or(0),
        cs[cs.len() - 1].gc.t_ms.unwrap_or(0),
    );
    let warm = t0 + (t1 - t0) / 10;
    let used: Vec<usize> = (1..cs.len())
        .filter(|&i| cs[i].gc.t_ms.is_some_and(|t| t >= warm) && !cs[i].gc.forced)
        .collect();
    if used.len() < 3 {
        return Err(AdviceError::NoTimedCycles);
    }
    if cs.iter().all(|c| c.gc.cpu.is_empty()) {
        return Err(AdviceError::NoCpuPhases);
    }
    let f = |g: &dyn Fn(usize) -> Option<f64>| -> Vec<f64> {
        used.iter().filter_map(|&i| g(i)).collect()
    };
    let live = median(&mut f(&|i| Some(f64::from(live_mib(&cs[i]))))).unwrap_or(0.0);
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
    let (runway_per_mib, mark_alloc_per_mib) = pacer_runway(cs, &used);
    let first = used[0];
    let last = used[used.len() - 1];
    let span_s =
        (cs[last].gc.t_ms.unwrap_or(0) - cs[first - 1].gc.t_ms.unwrap_or(0)) as f64 / 1000.0;
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
    Ok(Inputs {
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
    })
}

/// The pacer's trigger bounds, in 64ths of the way from the live heap to the goal
/// (`triggerRatioDen`, `minTriggerRatioNum`, `maxTriggerRatioNum`), and the runtime's
/// `defaultHeapMinimum`, the least room a large heap's trigger leaves before the goal.
const TRIGGER_MIN: f64 = 45.0 / 64.0;
const TRIGGER_MAX: f64 = 61.0 / 64.0;
const TRIGGER_MAX_GAP_MIB: f64 = 4.0;

/// Where the pacer puts the trigger: MiB above the live heap, for `room` MiB from the
/// live heap to the goal and a runway of `runway` MiB.
fn trigger_at(room: f64, runway: f64) -> f64 {
    if room.is_nan() || room <= 0.0 {
        // a goal at or below the live heap (a limit under it): collections back to back
        return 0.0;
    }
    let hi = (TRIGGER_MAX * room).max(room - TRIGGER_MAX_GAP_MIB);
    (room - runway).max(TRIGGER_MIN * room).min(hi)
}

/// Measures the pacer's runway (goal − heap at GC start) and the allocation during the
/// mark (heap at GC end − at start), each per MiB marked (the previous cycle's live heap,
/// from which the goal was set, + roots); as ratios of sums, so the trace's whole-MiB
/// figures average out. A trigger held at one of its bounds shows the bound's runway: at
/// the upper one (small heaps) that is what the pacer does at this room; a trace taken at a
/// small GOGC, held at the lower one, shows a runway shorter than the pacer's, so larger
/// GOGCs are predicted a little too few cycles.
fn pacer_runway(cs: &[crate::model::Cycle], used: &[usize]) -> (f64, f64) {
    let (mut marked, mut mark_alloc, mut runways) = (0.0, 0.0, 0.0);
    for &i in used {
        let (p, c) = (&cs[i - 1], &cs[i]);
        let Some(goal) = c.gc.goal_mib.map(f64::from) else {
            continue;
        };
        let live = f64::from(live_mib(p));
        let scan = live + f64::from(c.gc.stacks_mib.unwrap_or(0) + c.gc.globals_mib.unwrap_or(0));
        let (start, end) = (
            f64::from(c.gc.heap_before_mib),
            f64::from(c.gc.heap_after_mib),
        );
        if goal <= live || scan <= 0.0 {
            continue;
        }
        marked += scan;
        mark_alloc += (end - start).max(0.0);
        runways += (goal - start).max(0.0);
    }
    if marked > 0.0 {
        (runways / marked, mark_alloc / marked)
    } else {
        (0.0, 0.0)
    }
}

/// MiB a cycle allocates at live heap `live` with `room` MiB from it to the goal: up to
/// the trigger, then while marking.
fn cycle_alloc(i: &Inputs, live: f64, room: f64) -> f64 {
    let scan = live + i.roots_mib;
    trigger_at(room, i.runway_per_mib * scan) + i.mark_alloc_per_mib * scan
}

/// Assists grow at most this many times over the trace's.
const ASSIST_SCALE_MAX: f64 = 10.0;

/// GC CPU ms of a cycle at live heap `live` with `room` MiB from it to the goal, and the
/// factor on the trace's assists: the runway the trace had (per MiB marked) over the room
/// this setting leaves after its trigger.
fn cycle_cost(i: &Inputs, live: f64, room: f64) -> (f64, f64) {
    let scan = live + i.roots_mib;
    let left = room - trigger_at(room, i.runway_per_mib * scan);
    let scale = if left > 0.0 {
        (i.runway_per_mib * scan / left).min(ASSIST_SCALE_MAX)
    } else {
        ASSIST_SCALE_MAX
    };
    let per_mib = i.gc_cpu_ms_per_mib_scanned + i.assist_ms_per_mib_scanned * (scale - 1.0);
    (per_mib * scan, scale)
}

/// The heap goal that puts the peak at `limit_mib`.
fn heap_cap(i: &Inputs, limit_mib: f64) -> f64 {
    (limit_mib - i.non_heap_mib) / (i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation)
}

/// Steps a growing live heap is followed in.
const PROFILE_STEPS: usize = 32;

/// One setting at one live heap: (goal, GC/s, GC CPU %, limit-driven, peak MiB).
fn predict_at(
    i: &Inputs,
    live: f64,
    gogc: Option<f64>,
    limit: Option<u64>,
) -> (f64, f64, f64, bool, f64) {
    let by_gogc = gogc.map_or(f64::INFINITY, |g| live + (live + i.roots_mib) * g / 100.0);
    let cap = limit.map_or(f64::INFINITY, |l| heap_cap(i, l as f64 / MIB));
    let goal = by_gogc.min(cap);
    let limit_driven = cap < by_gogc;
    // a cycle costs CPU in proportion to the heap it marks, its assists to the room left
    let per_cycle_ms = if goal.is_finite() {
        cycle_cost(i, live, goal - live).0
    } else {
        0.0
    };
    // what a cycle allocates: from the live heap to the trigger, then while marking
    let growth = if goal.is_finite() {
        cycle_alloc(i, live, goal - live)
    } else {
        f64::INFINITY
    };
    // little room between the live heap and the goal: collections back to back
    let thrash = !goal.is_finite() || goal - live < (0.05 * live).max(0.5);
    let (gc_per_s, mut cpu) = if !goal.is_finite() {
        (0.0, 0.0)
    } else if thrash {
        // back-to-back collections: the limiter holds GC CPU near half
        (i.alloc_rate_mib_s / growth.max(0.5), 50.0)
    } else {
        let r = i.alloc_rate_mib_s / growth;
        (r, r * per_cycle_ms / 1000.0 / f64::from(i.procs) * 100.0)
    };
    if limit_driven {
        cpu = cpu.min(50.0);
    }
    let peak_mib = if goal.is_finite() {
        goal * i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation + i.non_heap_mib
    } else {
        f64::INFINITY
    };
    (goal, gc_per_s, cpu, limit_driven, peak_mib)
}

/// Predicts a setting: `gogc` None is "off", `limit` in bytes. With a growing live heap,
/// GC/s and GC CPU are averaged over the run (the measured rates are such averages) and
/// the goal and peak are the run's last, highest ones.
pub fn predict(i: &Inputs, gogc: Option<f64>, limit: Option<u64>) -> Prediction {
    let (goal, gc_per_s, cpu, limit_driven, peak_mib) = if i.growing() {
        let (start, growth) = (i.live_start_mib, i.live_end_mib - i.live_start_mib);
        let (mut rate, mut cpu, mut driven) = (0.0, 0.0, false);
        for k in 0..PROFILE_STEPS {
            // the middle of each of PROFILE_STEPS equal stretches of time
            let live = start + growth * (k as f64 + 0.5) / PROFILE_STEPS as f64;
            let (_, r, c, d, _) = predict_at(i, live, gogc, limit);
            rate += r / PROFILE_STEPS as f64;
            cpu += c / PROFILE_STEPS as f64;
            driven |= d;
        }
        let (goal, _, _, d, peak) = predict_at(i, i.live_end_mib, gogc, limit);
        (goal, rate, cpu, driven || d, peak)
    } else {
        predict_at(i, i.live_heap_mib, gogc, limit)
    };
    Prediction {
        gogc: gogc.map_or(serde_json::json!("off"), |g| {
            serde_json::json!(g.round() as u64)
        }),
        limit_bytes: limit,
        heap_goal_mib: goal,
        peak_bytes: if peak_mib.is_finite() {
            (peak_mib * MIB) as u64
        } else {
            u64::MAX
        },
        gc_per_s,
        gc_cpu_pct: cpu.min(100.0),
        limit_driven,
    }
}

/// The budget needed to keep GC CPU at `target_pct`.
pub fn budget_for_cpu(i: &Inputs, target_pct: f64, headroom: f64) -> u64 {
    let live = i.live_heap_mib;
    // GC CPU falls as the room grows (fewer cycles, fewer assists): bisect for the room
    // that gives the target
    let over = |room: f64| {
        let per_s = i.alloc_rate_mib_s / cycle_alloc(i, live, room);
        per_s * cycle_cost(i, live, room).0 / 1000.0 / f64::from(i.procs) * 100.0 > target_pct
    };
    let (mut lo, mut hi) = (0.0, live.max(1.0));
    for _ in 0..2000 {
        if !over(hi) {
            break;
        }
        hi *= 2.0;
    }
    for _ in 0..64 {
        let mid = (lo + hi) / 2.0;
        if over(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let goal = live + hi;
    let peak = goal * i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation + i.non_heap_mib;
    (peak / CLEAR_OF_LIMIT / (1.0 - headroom) * MIB) as u64
}

fn mib(b: u64) -> String {
    crate::units::fmt_bytes(b)
}

/// The advice for `o.budget_bytes`.
pub fn advise(
    t: &Timeline,
    s: &Summary,
    mem: Option<&MemReport>,
    o: &AdviceOptions,
) -> Result<Advice, AdviceError> {
    let i = inputs(t, s, mem, o.current_gogc)?;
    let limit = ((o.budget_bytes as f64 * (1.0 - o.headroom)) as u64) & !((1 << 20) - 1);
    let limit_mib = limit as f64 / MIB;
    let mut arithmetic = vec![
        format!(
            "GOMEMLIMIT = {} budget × (1 − {:.0}% headroom) = {}",
            mib(o.budget_bytes),
            o.headroom * 100.0,
            mib(limit)
        ),
        format!(
            "measured over {} cycles ({:.0} s): live heap {:.1} MiB + roots {:.1} MiB; allocation {:.1} MiB/s; {:.2} ms GC CPU per cycle on {} P; the pacer's runway {:.3} and the allocation while marking {:.3} per MiB marked",
            i.cycles_used,
            i.duration_s,
            i.live_heap_mib,
            i.roots_mib,
            i.alloc_rate_mib_s,
            i.gc_cpu_ms_per_cycle,
            i.procs,
            i.runway_per_mib,
            i.mark_alloc_per_mib
        ),
        format!(
            "memory outside the heap {:.1} MiB ({}), fragmentation {:.2}×{}",
            i.non_heap_mib,
            i.non_heap_source,
            i.fragmentation,
            if i.non_heap_source == "assumed" {
                " (assumed: pass --memstats to measure both)"
            } else {
                ""
            }
        ),
    ];
    // largest GOGC whose steady peak (a growing heap's: at the end of a run as long as
    // the trace) stays under 90% of the limit
    let live = i.live_end_mib;
    if i.growing() {
        arithmetic.push(format!(
            "the live heap grows {:.2} MiB/min: over the {:.0} s measured its trend runs from {:.1} to {:.1} MiB, so predictions follow it (a run as long as the trace) and GOGC is sized for its end",
            i.live_heap_slope_mib_per_min.unwrap_or(0.0),
            i.duration_s,
            i.live_start_mib,
            live
        ));
    }
    let cap = heap_cap(&i, CLEAR_OF_LIMIT * limit_mib);
    let g_star = (cap - live) / (live + i.roots_mib).max(0.1) * 100.0;
    let gogc = ((g_star.min(800.0) / 5.0).floor() * 5.0).max(10.0);
    arithmetic.push(format!(
        "GOGC = ((90% × {:.0} − {:.1}) / ({:.2} × {:.2}) − {:.1}) / ({:.1} + {:.1}) × 100 = {:.0} → {:.0} (multiple of 5, at most 800)",
        limit_mib,
        i.non_heap_mib,
        i.overshoot.max(SCAVENGE_SLACK),
        i.fragmentation,
        live,
        live,
        i.roots_mib,
        g_star,
        gogc
    ));
    let predicted = predict(&i, Some(gogc), Some(limit));
    if i.growing() {
        let at = |live| predict_at(&i, live, Some(gogc), Some(limit));
        let (start, end) = (at(i.live_start_mib), at(live));
        arithmetic.push(format!(
            "predicted: goal at the end {:.1} + {:.1} × {:.2} = {:.1} MiB{}; GC/s {:.2} at the start → {:.2} at the end, {:.2} on average; GC CPU {:.2}% → {:.2}%, {:.2}% on average ({:.4} ms per MiB marked); peak = {:.1} × {:.2} × {:.2} + {:.1} = {}",
            live,
            live + i.roots_mib,
            gogc / 100.0,
            predicted.heap_goal_mib,
            if predicted.limit_driven { " (capped by the limit)" } else { "" },
            start.1,
            end.1,
            predicted.gc_per_s,
            start.2,
            end.2,
            predicted.gc_cpu_pct,
            i.gc_cpu_ms_per_mib_scanned,
            predicted.heap_goal_mib,
            i.overshoot.max(SCAVENGE_SLACK),
            i.fragmentation,
            i.non_heap_mib,
            mib(predicted.peak_bytes)
        ));
    } else {
        let scan = i.live_heap_mib + i.roots_mib;
        let room = predicted.heap_goal_mib - i.live_heap_mib;
        let runway = i.runway_per_mib * scan;
        let cost = cycle_cost(&i, i.live_heap_mib, room);
        arithmetic.push(format!(
        "predicted: goal {:.1} + {:.1} × {:.2} = {:.1} MiB; a cycle allocates up to the trigger {:.1} − {:.1} runway (held between 45/64 of the {:.1} and the larger of 61/64 of it and it − 4 MiB) = {:.1} MiB, then {:.3} × {:.1} = {:.1} MiB while marking; GC/s = {:.1} / {:.1} = {:.2}; a cycle costs ({:.4} + {:.4} assists × ({:.2} − 1)) ms × {:.1} MiB = {:.2} ms (assists scale with the trace's runway over the {:.1} MiB left after the trigger); GC CPU = {:.2} × {:.2} ms / {} P = {:.2}%; peak = {:.1} × {:.2} × {:.2} + {:.1} = {}",
        i.live_heap_mib,
        i.live_heap_mib + i.roots_mib,
        gogc / 100.0,
        predicted.heap_goal_mib,
        room,
        runway,
        room,
        trigger_at(room, runway),
        i.mark_alloc_per_mib,
        scan,
        i.mark_alloc_per_mib * scan,
        i.alloc_rate_mib_s,
        cycle_alloc(&i, i.live_heap_mib, room),
        predicted.gc_per_s,
        i.gc_cpu_ms_per_mib_scanned,
        i.assist_ms_per_mib_scanned,
        cost.1,
        scan,
        cost.0,
        room - trigger_at(room, runway),
        predicted.gc_per_s,
        cost.0,
        i.procs,
        predicted.gc_cpu_pct,
        predicted.heap_goal_mib,
        i.overshoot.max(SCAVENGE_SLACK),
        i.fragmentation,
        i.non_heap_mib,
        mib(predicted.peak_bytes)
    ));
    }
    let mut whatif: Vec<Prediction> = vec![];
    for lim in [None, Some(limit)] {
        for g in WHATIF_GOGC {
            whatif.push(predict(&i, Some(f64::from(g)), lim));
        }
        whatif.push(predict(&i, None, lim));
    }
    let warnings = warnings(t, s, &i, o, limit, gogc);
    Ok(Advice {
        schema: "gclens.advice/v1",
        gogc: serde_json::json!(gogc as u64),
        gomemlimit_bytes: limit,
        budget_bytes: o.budget_bytes,
        predicted,
        inputs: i,
        whatif,
        warnings,
        arithmetic,
    })
}

fn warnings(
    _t: &Timeline,
    s: &Summary,
    i: &Inputs,
    o: &AdviceOptions,
    limit: u64,
    gogc: f64,
) -> Vec<Warning> {
    let mut w = vec![];
    let limit_mib = limit as f64 / MIB;
    let mut push = |code, message: String| w.push(Warning { code, message });
    if matches!(
        s.leak.verdict,
        LeakVerdict::LikelyLeak | LeakVerdict::PossibleGrowth
    ) && let Some(slope) = i.live_heap_slope_mib_per_min.filter(|s| *s > 0.0)
    {
        let room = heap_cap(i, limit_mib) / (1.0 + (gogc / 100.0)) - i.live_end_mib;
        push(
            "leak",
            format!(
                "the live heap grows {slope:.2} MiB/min: no GOGC or GOMEMLIMIT fixes a leak. At this rate it fills the limit in about {} — find what holds the memory (heap profile, `go tool pprof -diff_base`).",
                super::summary::fmt_minutes((room / slope).max(0.0))
            ),
        );
    }
    let need = i.live_heap_mib * i.fragmentation + i.non_heap_mib;
    if need * MIB >= o.budget_bytes as f64 {
        push(
            "budget_below_live_heap",
            format!(
                "the budget ({}) is below the live heap plus runtime memory ({need:.0} MiB): the program will be OOM-killed",
                mib(o.budget_bytes)
            ),
        );
    } else if (i.live_heap_mib + i.roots_mib) > 0.5 * limit_mib {
        let target = o.max_gc_cpu_pct.unwrap_or(10.0);
        push(
            "near_limit",
            format!(
                "live heap + roots are {:.0}% of the limit: expect back-to-back collections and the runtime's ~50% GC CPU limiter (golang/go#58106 shows hours of this before an OOM). A budget of {} keeps GC CPU near {target:.0}%.",
                (i.live_heap_mib + i.roots_mib) / limit_mib * 100.0,
                mib(budget_for_cpu(i, target, o.headroom))
            ),
        );
    }
    if let Some(max) = o.max_gc_cpu_pct {
        let p = predict(i, Some(gogc), Some(limit));
        if p.gc_cpu_pct > max {
            push(
                "gc_cpu_objective",
                format!(
                    "predicted GC CPU {:.1}% is above your {max:.0}% objective: that needs a budget of {}",
                    p.gc_cpu_pct,
                    mib(budget_for_cpu(i, max, o.headroom))
                ),
            );
        }
    }
    if i.cycles_used < 20 || i.duration_s < 10.0 {
        push(
            "short_trace",
            format!(
                "only {} cycles over {:.1} s after warm-up: capture minutes of steady load before trusting these numbers",
                i.cycles_used, i.duration_s
            ),
        );
    }
    if s.forced_cycles * 2 > s.cycles {
        push(
            "mostly_forced",
            format!(
                "{} of {} cycles were forced (runtime.GC/FreeOSMemory): they say little about the pacer",
                s.forced_cycles, s.cycles
            ),
        );
    }
    if matches!(
        s.format,
        Some(GcFormat::Go14 | GcFormat::Go15 | GcFormat::Go16)
    ) {
        push("no_gomemlimit", "this trace is from Go ≤ 1.17: GOMEMLIMIT needs Go 1.19 or newer (only the GOGC advice applies)".into());
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            cycles_used: 100,
            duration_s: 100.0,
            live_heap_mib: 100.0,
            roots_mib: 0.0,
            alloc_rate_mib_s: 100.0,
            gc_cpu_ms_per_cycle: 10.0,
            gc_cpu_ms_per_mib_scanned: 0.1,
            assist_ms_per_mib_scanned: 0.0,
            procs: 2,
            // a cycle starts 10 MiB (0.1 × 100 marked) before its goal and allocates
            // 10 MiB while marking: it allocates exactly the room to the goal
            runway_per_mib: 0.1,
            mark_alloc_per_mib: 0.1,
            overshoot: 1.0,
            fragmentation: 1.0,
            non_heap_mib: 10.0,
            non_heap_source: "assumed",
            current_gogc: Some(100.0),
            live_heap_slope_mib_per_min: None,
            live_start_mib: 100.0,
            live_end_mib: 100.0,
        }
    }

    #[test]
    fn hand_checked_predictions() {
        let i = inputs();
        // goal = 100 + 100 × 1 = 200; 100 MiB/s over 100 MiB of runway = 1 GC/s;
        // 1 × 10 ms / 2 P = 0.5%; peak = 200 × 1.1 + 10 = 230 MiB
        let p = predict(&i, Some(100.0), None);
        assert_eq!(
            (p.heap_goal_mib, p.gc_per_s, p.gc_cpu_pct, p.limit_driven),
            (200.0, 1.0, 0.5, false)
        );
        assert_eq!(p.peak_bytes, 230 << 20);
        // a 200 MiB limit caps the goal at (200 − 10) / 1.1 = 172.7 MiB
        let p = predict(&i, Some(100.0), Some(200 << 20));
        assert!(p.limit_driven);
        assert!((p.heap_goal_mib - 190.0 / 1.1).abs() < 1e-9);
        assert!((p.gc_per_s - 100.0 / (190.0 / 1.1 - 100.0)).abs() < 1e-9);
        // GOGC=off with no limit never collects
        assert_eq!(predict(&i, None, None).gc_per_s, 0.0);
        // a limit below the live heap: back-to-back GCs at the limiter's ~50%
        let p = predict(&i, Some(100.0), Some(100 << 20));
        assert_eq!(p.gc_cpu_pct, 50.0);
    }

    #[test]
    fn a_growing_live_heap_is_followed_over_the_run() {
        // live 50 → 150 MiB over the run, GOGC=100, no limit: at live L the goal is 2L, a
        // cycle allocates L, so GC/s = 100/L, and costs 0.1 ms × L: GC CPU stays at
        // 100/L × 0.1 L / 2 P = 0.5%. GC/s averages ln(3) (the mean of 100/L over
        // 50..150), the peak is the end's: 300 × 1.1 + 10 = 340 MiB.
        let i = Inputs {
            live_start_mib: 50.0,
            live_end_mib: 150.0,
            ..inputs()
        };
        let p = predict(&i, Some(100.0), None);
        assert!((p.gc_per_s - 3f64.ln()).abs() < 0.001, "{}", p.gc_per_s);
        assert!((p.gc_cpu_pct - 0.5).abs() < 1e-9, "{}", p.gc_cpu_pct);
        assert_eq!((p.heap_goal_mib, p.peak_bytes), (300.0, 340 << 20));
        assert!(!p.limit_driven);
        // a 300 MiB limit caps the goal at 290 / 1.1 = 263.6 MiB: from live ≈ 132 MiB on,
        // the limit drives and a cycle has less room: GC/s and CPU rise at the end
        let capped = predict(&i, Some(100.0), Some(300 << 20));
        assert!(capped.limit_driven);
        assert!(capped.gc_per_s > p.gc_per_s && capped.gc_cpu_pct > p.gc_cpu_pct);
        assert!((capped.heap_goal_mib - 290.0 / 1.1).abs() < 1e-9);
        // a steady heap gives the one-point model
        assert_eq!(predict(&inputs(), Some(100.0), None).gc_per_s, 1.0);
    }

    #[test]
    fn the_pacers_trigger_bounds() {
        // GOGC=25 at live 100: 25 MiB of room, a 30 MiB runway would start the cycle below
        // the live heap; the pacer starts it 45/64 of the way (17.58 MiB), then 5 MiB are
        // allocated while marking: 100 / 22.58 GC/s
        let i = Inputs {
            runway_per_mib: 0.3,
            mark_alloc_per_mib: 0.05,
            ..inputs()
        };
        let p = predict(&i, Some(25.0), None);
        assert!((p.gc_per_s - 100.0 / (25.0 * 45.0 / 64.0 + 5.0)).abs() < 1e-9);
        // no runway at all: the trigger waits until 4 MiB before a large goal (GOGC=800,
        // 800 MiB of room), or 61/64 of a small room (GOGC=50, 50 MiB: 47.66 MiB)
        let i = Inputs {
            runway_per_mib: 0.0,
            mark_alloc_per_mib: 0.05,
            ..inputs()
        };
        assert!((predict(&i, Some(800.0), None).gc_per_s - 100.0 / (796.0 + 5.0)).abs() < 1e-9);
        let p = predict(&i, Some(50.0), None);
        assert!((p.gc_per_s - 100.0 / (50.0 * 61.0 / 64.0 + 5.0)).abs() < 1e-9);
        // inside the bounds: room 100 − runway 20 + 5 while marking
        let i = Inputs {
            runway_per_mib: 0.2,
            mark_alloc_per_mib: 0.05,
            ..inputs()
        };
        assert!((predict(&i, Some(100.0), None).gc_per_s - 100.0 / 85.0).abs() < 1e-9);
        // and budget_for_cpu inverts it: 1/85 × 100 ms … the room that allocates 85 MiB
        // is 100 MiB, goal 200, peak 200 × 1.1 + 10 = 230; / 0.81
        let b = budget_for_cpu(&i, 100.0 / 85.0 * 10.0 / 2.0 / 10.0, 0.10);
        assert!(
            (b as f64 / MIB - 230.0 / 0.81).abs() < 0.01,
            "{}",
            b as f64 / MIB
        );
    }

    #[test]
    fn assists_follow_the_room_left_after_the_trigger() {
        // 0.02 of the 0.1 ms per MiB were assists, with the trace's 10 MiB runway. GOGC=25
        // at live 100: the trigger is held at 17.58 of the 25 MiB room, 7.42 MiB are left
        // for the mark, so assists × 10 / 7.42; a cycle allocates 17.58 + 10 MiB
        let i = Inputs {
            assist_ms_per_mib_scanned: 0.02,
            ..inputs()
        };
        let left = 25.0 - 25.0 * 45.0 / 64.0;
        let per_cycle = (0.1 + 0.02 * (10.0 / left - 1.0)) * 100.0;
        let per_s = 100.0 / (25.0 * 45.0 / 64.0 + 10.0);
        let p = predict(&i, Some(25.0), None);
        assert!((p.gc_per_s - per_s).abs() < 1e-9);
        assert!((p.gc_cpu_pct - per_s * per_cycle / 1000.0 / 2.0 * 100.0).abs() < 1e-9);
        // inside the trigger's bounds the room left is the trace's runway: no change
        assert_eq!(
            predict(&i, Some(100.0), None),
            predict(&inputs(), Some(100.0), None)
        );
    }

    #[test]
    fn budget_for_a_gc_cpu_target() {
        // 0.25% on 2 P: 100 MiB/s × 10 ms / (0.0025 × 2) = 200 MiB of runway; goal 300;
        // peak 300 × 1.1 + 10 = 340; / 90% / (1 − 10%) = 419.75 MiB
        let b = budget_for_cpu(&inputs(), 0.25, 0.10);
        assert!(
            (b as f64 / MIB - 340.0 / 0.81).abs() < 0.01,
            "{}",
            b as f64 / MIB
        );
    }
}
