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
//!
//! The folder: [`inputs`] measures the model's inputs on the trace, [`pacer`] is the
//! model (trigger, cycle cost, a prediction per setting), [`explain`] writes the
//! arithmetic and the warnings; this file picks the setting.

mod explain;
pub mod inputs;
pub mod pacer;
#[cfg(test)]
mod tests;

pub use inputs::{Inputs, inputs};
pub use pacer::{Prediction, budget_for_cpu, predict};

use super::memstats::MemReport;
use super::summary::Summary;
use crate::model::Timeline;
use pacer::{SCAVENGE_SLACK, heap_cap};
use serde::Serialize;

pub(crate) use crate::units::MIB;
/// The steady-state peak must stay under this share of the limit.
pub const CLEAR_OF_LIMIT: f64 = 0.9;
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

#[derive(Clone, Debug, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    pub schema: &'static str,
    /// The traces advised from, in the order read (`-` is stdin).
    pub sources: Vec<String>,
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
    /// The budget's limit cannot hold what the program keeps live: (limit MiB, what
    /// the live heap needs in MiB, the smallest budget in bytes that GOGC=10 fits).
    BudgetTooSmall {
        limit_mib: f64,
        needed_mib: f64,
        min_budget: u64,
    },
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
            AdviceError::BudgetTooSmall {
                limit_mib,
                needed_mib,
                min_budget,
            } => write!(
                f,
                "the budget leaves a memory limit of {limit_mib:.0} MiB, and the program's live \
                 heap alone takes {needed_mib:.1} MiB of memory (with fragmentation and what lies \
                 outside the heap): it would collect back to back or be OOM-killed. A budget of \
                 at least {} holds it at GOGC=10 (more buys less GC CPU)",
                crate::units::fmt_bytes(*min_budget)
            ),
        }
    }
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
    let live = i.live_end_mib;
    // the limit must hold the live heap with a little room, or no setting can work
    let per_heap_mib = i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation;
    if heap_cap(&i, limit_mib) < live * 1.05 {
        let gogc10 = live + (live + i.roots_mib) * 0.10;
        let min_limit = (gogc10 * per_heap_mib + i.non_heap_mib) / CLEAR_OF_LIMIT;
        return Err(AdviceError::BudgetTooSmall {
            limit_mib,
            needed_mib: live * per_heap_mib + i.non_heap_mib,
            min_budget: (min_limit / (1.0 - o.headroom) * MIB).ceil() as u64,
        });
    }
    let cap = heap_cap(&i, CLEAR_OF_LIMIT * limit_mib);
    let g_star = (cap - live) / (live + i.roots_mib).max(0.1) * 100.0;
    let gogc = ((g_star.min(800.0) / 5.0).floor() * 5.0).max(10.0);
    let predicted = predict(&i, Some(gogc), Some(limit));
    let arithmetic = explain::arithmetic(&i, o, limit, g_star, gogc, &predicted);
    let mut whatif: Vec<Prediction> = vec![];
    for lim in [None, Some(limit)] {
        for g in WHATIF_GOGC {
            whatif.push(predict(&i, Some(f64::from(g)), lim));
        }
        whatif.push(predict(&i, None, lim));
    }
    let warnings = explain::warnings(s, &i, o, limit, gogc);
    Ok(Advice {
        schema: "gclens.advice/v1",
        sources: t.sources.clone(),
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
