//! GOGC and GOMEMLIMIT advice from a GC trace, by the GC guide's cost model
//! (go.dev/doc/gc-guide; shared/notes/gc-model.md):
//!
//! - heap goal = live + (live + roots) × GOGC/100, capped by what the memory limit leaves;
//! - GC cycles/s = allocation rate / what a cycle allocates: from the live heap to the
//!   trigger, then what is allocated while marking. The pacer (Go 1.18+, `mgcpacer.go`)
//!   starts a cycle a runway ahead of the goal (the runway follows the work to mark, not
//!   GOGC), but never before 45/64 (~70%) of the way from the live heap to the goal, nor
//!   after max(61/64, goal − 4 MiB) of it; the runway and the marking allocation are
//!   measured per MiB marked, the marking allocation held at the goal (the pacer's
//!   assists make allocating goroutines mark so that the heap ends there);
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
//! GC CPU is the runtime's time GC workers held a P; a trace saved by `gclens run --save`
//! carries the scheduler's figures, and it is scaled to CPU time by the share of its
//! ready time the program ran while the machine was busy (`analyze::scheduler`).
//!
//! The folder: [`inputs`] measures the model's inputs on the trace, [`pacer`] is the
//! model (trigger, cycle cost, a prediction per setting), [`explain`] writes the
//! arithmetic and the warnings; this file picks the setting.

pub mod contention;
mod explain;
pub mod inputs;
pub mod pacer;
pub mod ranges;
#[cfg(test)]
mod tests;

pub use inputs::{Inputs, inputs};
pub use pacer::{Prediction, budget_for_cpu, predict};

use super::memstats::MemReport;
use super::summary::{LeakVerdict, Summary};
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
    /// CPU-bound batch work: give the change in GC CPU time for the same work.
    pub batch: bool,
    /// The budget as the user wrote it, when it is a Kubernetes quantity (`1G`, `512Mi`):
    /// what the Kubernetes snippet repeats (else whole MiB).
    pub budget_quantity: Option<String>,
}

/// Batch work: the GC CPU time the trace's work costs now and at the advice (rate-free:
/// GC CPU seconds per GiB allocated × the GiB the work allocates).
#[derive(Clone, Debug, Serialize)]
pub struct BatchChange {
    pub allocated_gib: f64,
    pub current_gogc: f64,
    pub gc_cpu_s_current: f64,
    pub gc_cpu_s_advised: f64,
    pub change_pct: f64,
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
    /// The advised GOGC; null when it is off (`gogc_env` says "off").
    pub gogc: Option<u32>,
    /// GOGC as the environment takes it: the number, or "off".
    pub gogc_env: String,
    pub gomemlimit_bytes: u64,
    pub budget_bytes: u64,
    /// The budget as a Kubernetes quantity (`resources.limits.memory`): the user's own
    /// spelling when it is one, else whole MiB.
    pub budget_quantity: String,
    pub predicted: Prediction,
    pub inputs: Inputs,
    pub whatif: Vec<Prediction>,
    pub warnings: Vec<Warning>,
    /// One line of arithmetic per number.
    pub arithmetic: Vec<String>,
    /// When the trace's own heap went over the target: the peak at the advised GOGC for
    /// its highest live heap (what a run like the traced one can reach).
    pub peak_at_highest_live_bytes: Option<u64>,
    /// `--workload batch`: GC CPU time for the same work.
    pub batch: Option<BatchChange>,
}

/// Why no advice can be given.
#[derive(Debug, PartialEq)]
pub enum AdviceError {
    /// No gc line in the input at all.
    NoCycles,
    NoTimedCycles,
    NoCpuPhases,
    /// The budget's limit cannot hold what the program keeps live: (limit MiB, what
    /// the live heap needs in MiB, the smallest budget in bytes that GOGC=10 fits, and
    /// the live heap's growth in MiB/min when the trace leaks — then no budget holds it).
    BudgetTooSmall {
        limit_mib: f64,
        needed_mib: f64,
        min_budget: u64,
        leak_mib_per_min: Option<f64>,
    },
}

impl std::fmt::Display for AdviceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdviceError::NoCycles => write!(
                f,
                "no gc line found: capture a trace with GODEBUG=gctrace=1"
            ),
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
                leak_mib_per_min: Some(rate),
                ..
            } => write!(
                f,
                "the live heap grows {rate:.2} MiB/min: the program leaks, and no budget holds a \
                 leak (no GOGC or GOMEMLIMIT fixes one). It already takes {needed_mib:.1} MiB of \
                 memory (with fragmentation and what lies outside the heap), and the \
                 {limit_mib:.0} MiB limit this budget leaves has no room for it; every GiB more \
                 buys about {} at this rate — find what holds the memory (heap profiles minutes \
                 apart: `gclens heap`)",
                crate::analyze::summary::fmt_minutes(1024.0 / rate)
            ),
            AdviceError::BudgetTooSmall {
                limit_mib,
                needed_mib,
                min_budget,
                leak_mib_per_min: None,
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

impl AdviceError {
    /// A stable name for the reason, as the JSON refusal gives it.
    pub fn code(&self) -> &'static str {
        match self {
            AdviceError::NoCycles => "no_gc_lines",
            AdviceError::NoTimedCycles => "no_timed_cycles",
            AdviceError::NoCpuPhases => "no_cpu_phases",
            AdviceError::BudgetTooSmall {
                leak_mib_per_min: Some(_),
                ..
            } => "leak",
            AdviceError::BudgetTooSmall { .. } => "budget_too_small",
        }
    }
}

/// `advise --format json` when there is no advice: the same schema, with `refused` in
/// place of the advice (a script reads why, not an empty stdout).
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    pub schema: &'static str,
    pub sources: Vec<String>,
    pub budget_bytes: u64,
    pub gogc: Option<u32>,
    pub refused: Refused,
}

#[derive(Clone, Debug, Serialize)]
pub struct Refused {
    /// `leak`, `budget_too_small`, `no_timed_cycles`, `no_cpu_phases`.
    pub code: &'static str,
    pub message: String,
    /// The live heap's growth when the program leaks.
    pub leak_mib_per_min: Option<f64>,
    /// The memory limit the budget leaves and what the live heap needs (budget errors).
    pub limit_bytes: Option<u64>,
    pub needed_bytes: Option<u64>,
    /// The smallest budget that holds the live heap at GOGC=10; null for a leak (no
    /// budget holds one) and for the trace errors.
    pub min_budget_bytes: Option<u64>,
}

impl Refusal {
    pub fn new(e: &AdviceError, sources: &[String], budget_bytes: u64) -> Refusal {
        let (limit, needed, min, leak) = match e {
            AdviceError::BudgetTooSmall {
                limit_mib,
                needed_mib,
                min_budget,
                leak_mib_per_min,
            } => (
                Some((limit_mib * MIB) as u64),
                Some((needed_mib * MIB) as u64),
                leak_mib_per_min.is_none().then_some(*min_budget),
                *leak_mib_per_min,
            ),
            _ => (None, None, None, None),
        };
        Refusal {
            schema: "gclens.advice/v2",
            sources: sources.to_vec(),
            budget_bytes,
            gogc: None,
            refused: Refused {
                code: e.code(),
                message: e.to_string(),
                leak_mib_per_min: leak,
                limit_bytes: limit,
                needed_bytes: needed,
                min_budget_bytes: min,
            },
        }
    }
}

/// The advice for `o.budget_bytes`: the model's inputs measured on the trace (and on
/// resamples of its cycles), then [`size`].
pub fn advise(
    t: &Timeline,
    s: &Summary,
    mem: Option<&MemReport>,
    o: &AdviceOptions,
) -> Result<Advice, AdviceError> {
    let mut i = inputs(t, s, mem, o.current_gogc)?;
    let measured = inputs::measured_cycles(t, s);
    i.cpu_share = measured
        .as_ref()
        .and_then(|(cs, used)| crate::analyze::scheduler::cpu_share(t, cs, used));
    let share = i.cpu_share.as_ref().map_or(1.0, |c| c.scale);
    i.scale_gc_cpu(share);
    let mut samples = match measured {
        Some((cs, used)) => {
            ranges::resamples(cs, &used, s, mem, o.current_gogc, i.contention.is_some())
        }
        None => vec![],
    };
    for r in &mut samples {
        r.scale_gc_cpu(share);
    }
    let mut a = size(i, &samples, s, o)?;
    a.sources = t.sources.clone();
    Ok(a)
}

/// The live heap's growth in MiB/min when the trace's verdict is a leak or possible
/// growth: what no setting fixes, named before any number.
pub fn leak_rate(s: &Summary, i: &Inputs) -> Option<f64> {
    matches!(
        s.leak.verdict,
        LeakVerdict::LikelyLeak | LeakVerdict::PossibleGrowth
    )
    .then_some(i.live_heap_slope_mib_per_min)
    .flatten()
    .filter(|r| *r > 0.0)
}

/// GOGC sized for the budget from measured inputs (`samples`: the same inputs on
/// resamples of the trace's cycles, for the error bars): the rule itself, apart from
/// measuring, so that tests can decide it on hand-checked inputs.
pub fn size(
    i: Inputs,
    samples: &[Inputs],
    s: &Summary,
    o: &AdviceOptions,
) -> Result<Advice, AdviceError> {
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
            leak_mib_per_min: leak_rate(s, &i),
        });
    }
    let cap = heap_cap(&i, CLEAR_OF_LIMIT * limit_mib);
    let g_of = |i: &Inputs| {
        let live = i.live_end_mib;
        (heap_cap(i, CLEAR_OF_LIMIT * limit_mib) - live) / (live + i.roots_mib).max(0.1) * 100.0
    };
    // the pessimistic end for memory: the lower quartile of what resamples of the
    // trace's cycles allow, when that is lower (the 5th percentile of 64 resamples of a
    // short trace follows a few blocks: a contended trace's advice then fell 21% below
    // the idle one's, the quartile's 9%)
    let g_low = ranges::quantile(samples.iter().map(g_of).collect(), 0.25);
    let g_star = g_of(&i);
    let g_sized = g_low.map_or(g_star, |g| g.min(g_star));
    let mut gogc = ((g_sized.min(800.0) / 5.0).floor() * 5.0).max(10.0);
    // Never looser than what the trace already showed failing: when the live heap grows
    // (sized from the trend of its floor) and the trace's own heap went over the target
    // at the GOGC it ran with, GOGC is sized for its highest live heap (a leak's spikes).
    // A steady trace's rare spike is GOMEMLIMIT's to absorb: its live heap stays far
    // below the limit.
    let shown_mib = i.heap_peak_mib * i.fragmentation + i.non_heap_mib;
    let mut history = None;
    if i.growing() && shown_mib > CLEAR_OF_LIMIT * limit_mib && i.live_max_mib > live {
        let g_hist = (cap - i.live_max_mib) / (i.live_max_mib + i.roots_mib).max(0.1) * 100.0;
        let mut capped = ((g_hist.min(800.0) / 5.0).floor() * 5.0).max(10.0);
        if let Some(cur) = i.current_gogc {
            capped = capped.min((cur * 0.95 / 5.0).floor() * 5.0).max(10.0);
        }
        if capped < gogc {
            history = Some(explain::History {
                shown_mib,
                g_hist,
                was: gogc,
            });
            gogc = capped;
        }
    }
    let mut predicted = predict(&i, Some(gogc), Some(limit));
    ranges::add_ranges(&mut predicted, samples, Some(gogc), Some(limit));
    let mut arithmetic = explain::arithmetic(&i, o, limit, g_star, gogc, &predicted);
    let round = |g: f64| ((g.min(800.0) / 5.0).floor() * 5.0).max(10.0);
    if let Some(g) = g_low.filter(|g| round(*g) < round(g_star)) {
        let at = arithmetic
            .iter()
            .position(|l| l.starts_with("GOGC = "))
            .map_or(arithmetic.len(), |k| k + 1);
        arithmetic.insert(at, format!(
            "GOGC's error bar: over {} resamples of the trace's cycles it is {g:.0} or more 75% of the time, so GOGC is sized for that: {g:.0} → {}",
            samples.len(),
            round(g)
        ));
    }
    if let Some(h) = &history {
        arithmetic.push(explain::history_line(&i, h, gogc, limit_mib));
    }
    let mut whatif: Vec<Prediction> = vec![];
    for lim in [None, Some(limit)] {
        for g in WHATIF_GOGC
            .iter()
            .map(|&g| Some(f64::from(g)))
            .chain([None])
        {
            let mut p = predict(&i, g, lim);
            ranges::add_ranges(&mut p, samples, g, lim);
            whatif.push(p);
        }
    }
    let mut warnings = explain::warnings(s, &i, o, limit, gogc);
    if let Some(h) = &history {
        warnings.push(explain::history_warning(&i, h, gogc));
    }
    let peak_at_highest_live_bytes = history.as_ref().map(|_| {
        let live = i.live_max_mib + (i.live_max_mib + i.roots_mib) * gogc / 100.0;
        ((live * per_heap_mib + i.non_heap_mib).min(limit_mib) * MIB) as u64
    });
    let batch = o.batch.then(|| {
        let current = i.current_gogc.unwrap_or(100.0);
        let now = predict(&i, Some(current), None);
        let gib = i.allocated_mib / 1024.0;
        let (a, b) = (now.gc_cpu_s_per_gib * gib, predicted.gc_cpu_s_per_gib * gib);
        BatchChange {
            allocated_gib: gib,
            current_gogc: current,
            gc_cpu_s_current: a,
            gc_cpu_s_advised: b,
            change_pct: if a > 0.0 { (b - a) / a * 100.0 } else { 0.0 },
        }
    });
    Ok(Advice {
        schema: "gclens.advice/v2",
        sources: vec![],
        gogc: Some(gogc as u32),
        gogc_env: (gogc as u32).to_string(),
        gomemlimit_bytes: limit,
        budget_bytes: o.budget_bytes,
        budget_quantity: o
            .budget_quantity
            .clone()
            .unwrap_or_else(|| format!("{}Mi", o.budget_bytes >> 20)),
        predicted,
        inputs: i,
        whatif,
        warnings,
        arithmetic,
        peak_at_highest_live_bytes,
        batch,
    })
}
