//! CPU contention in a trace, and the live heap it does not inflate.
//!
//! Traces are taken on shared machines. When other processes (or GOMAXPROCS above the
//! cores) take the CPU, the GC's mark is starved: its handshakes wait for descheduled
//! threads, the mark's wall time stretches while little marking happens, and everything
//! the program allocates meanwhile is allocated black — it lands in the marked ("live")
//! heap of that cycle, and the runtime sets the next goal from it.
//!
//! Two figures of every cycle do not depend on a reference run:
//! - **what survives**: the marked heap minus what was allocated during the mark (heap at
//!   GC end − at start; the runtime counts every black allocation as marked). A CPU-bound
//!   program with a 32 MiB live heap: 32 MiB idle and beside two CPU hogs, while the
//!   median marked heap read 32 and 46 MiB; a paced service: 72 and 72 MiB.
//! - **the mark's utilization**: GC CPU during the mark (assists, background and idle
//!   workers) over the mark's wall time × P. The runtime aims its background workers at
//!   25% of the Ps. The CPU-bound program's median mark ran at 0.23 idle and 0.035 beside
//!   the hogs; a mark under 0.10 (40% of the aim) was starved.
//!
//! When a quarter of the marks or more were starved and that moved the marked heap, the
//! live heap the model uses is what survives plus the allocation each mark would have let
//! in at the aimed utilization (its allocation × utilization / 0.25, at most all of it):
//! 33.5 MiB for the contended trace above, 32 for the idle one. This holds when every mark
//! was starved (no unstarved one is needed to compare with). GC CPU per MiB marked cannot
//! be cleaned the same way — the runtime's `ms cpu` is time its workers held a P, so a
//! descheduled worker counts in full (2.4× the idle figure above) — and is reported as
//! reading high.

use crate::analyze::cycle::live_mib;
use crate::analyze::stats::median;
use crate::model::Cycle;
use serde::Serialize;

/// The background workers' aim: 25% of the Ps.
const AIM: f64 = 0.25;
/// A mark below this utilization (40% of the aim) was starved.
const STARVED: f64 = 0.10;
/// Marks shorter than this (µs) are too coarse to judge.
const MIN_MARK_US: u32 = 100;

/// The evidence of a contended trace, and what was discounted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contention {
    /// Marks that ran under 40% of the GC's aimed utilization.
    pub starved_pct: f64,
    /// The median mark's utilization (GC CPU over wall time × P; the aim is 0.25).
    pub utilization_median: f64,
    /// Allocation during the mark: the median as traced, and as discounted.
    pub mark_alloc_median_mib: f64,
    pub mark_alloc_discounted_mib: f64,
    /// The median marked heap, discounted to `live_mib`.
    pub live_median_mib: f64,
    pub live_mib: f64,
}

/// The mark's utilization: (assist + background + idle CPU) / (mark wall time × P);
/// None for formats without the concurrent mark's figures or marks too short to judge.
pub fn utilization(c: &Cycle) -> Option<f64> {
    let (clock, cpu) = (c.gc.clock.as_slice(), c.gc.cpu.as_slice());
    if clock.len() < 3 || cpu.len() < 5 {
        return None;
    }
    let wall = clock[clock.len() - 2];
    if wall < MIN_MARK_US {
        return None;
    }
    let work: f64 = cpu[cpu.len() - 4..cpu.len() - 1]
        .iter()
        .map(|&v| f64::from(v))
        .sum();
    Some(work / (f64::from(wall) * f64::from(c.gc.procs.max(1))))
}

/// The share of a mark's allocation it would have let in at the aimed utilization.
fn unstarved_share(c: &Cycle) -> f64 {
    utilization(c).map_or(1.0, |u| (u / AIM).min(1.0))
}

/// MiB allocated during the cycle's mark (heap at GC end − at start).
pub fn mark_alloc_mib(c: &Cycle) -> f64 {
    f64::from(c.gc.heap_after_mib.saturating_sub(c.gc.heap_before_mib))
}

/// The cycle's mark allocation, discounted when the trace is contended.
pub fn mark_alloc_for_model(c: &Cycle, contended: bool) -> f64 {
    if contended {
        mark_alloc_mib(c) * unstarved_share(c)
    } else {
        mark_alloc_mib(c)
    }
}

/// The median marked heap of `used`, and, when contention inflated it, the evidence and
/// the live heap an unstarved mark would have found. `decided`: whether the trace was
/// found contended already (a resample of it is measured the same way, so the ranges do
/// not jump between the two estimates).
pub fn live(cs: &[Cycle], used: &[usize], decided: Option<bool>) -> (f64, Option<Contention>) {
    let marked: Vec<f64> = used.iter().map(|&i| f64::from(live_mib(&cs[i]))).collect();
    let med = median(&mut marked.clone()).unwrap_or(0.0);
    if marked.len() < 10 {
        return (med, None);
    }
    let mut utils: Vec<f64> = used.iter().filter_map(|&i| utilization(&cs[i])).collect();
    if utils.len() < 10 && decided.is_none() {
        return (med, None);
    }
    let starved =
        utils.iter().filter(|&&u| u < STARVED).count() as f64 / utils.len().max(1) as f64 * 100.0;
    let discounted = median(
        &mut used
            .iter()
            .zip(&marked)
            .map(|(&i, m)| m - mark_alloc_mib(&cs[i]) + mark_alloc_for_model(&cs[i], true))
            .collect::<Vec<_>>(),
    )
    .unwrap_or(med)
    .min(med);
    let contended = decided.unwrap_or(starved >= 25.0 && med - discounted > 0.05 * med);
    if !contended {
        return (med, None);
    }
    let allocs = |f: &dyn Fn(&Cycle) -> f64| {
        median(&mut used.iter().map(|&i| f(&cs[i])).collect::<Vec<_>>()).unwrap_or(0.0)
    };
    let c = Contention {
        starved_pct: starved,
        utilization_median: median(&mut utils).unwrap_or(0.0),
        mark_alloc_median_mib: allocs(&mark_alloc_mib),
        mark_alloc_discounted_mib: allocs(&|c| mark_alloc_for_model(c, true)),
        live_median_mib: med,
        live_mib: discounted,
    };
    (discounted, Some(c))
}
