//! The advice in words: one line of arithmetic per number (so every figure can be
//! checked by hand) and the warnings a senior engineer would give with it.

use super::pacer::{
    Prediction, SCAVENGE_SLACK, budget_for_cpu, cycle_alloc, cycle_cost, heap_cap, mark_alloc,
    predict, predict_at, trigger_at,
};
use super::{AdviceOptions, Inputs, MIB, Warning};
use crate::analyze::summary::Summary;
use crate::model::GcFormat;

fn mib(b: u64) -> String {
    crate::units::fmt_bytes(b)
}

/// The arithmetic behind GOMEMLIMIT `limit`, GOGC `gogc` (from the unrounded `g_star`)
/// and their prediction.
pub fn arithmetic(
    i: &Inputs,
    o: &AdviceOptions,
    limit: u64,
    g_star: f64,
    gogc: f64,
    predicted: &Prediction,
) -> Vec<String> {
    // the GOGC the trend sizes (a cap for the trace's own history may lower it after)
    let sized = ((g_star.min(800.0) / 5.0).floor() * 5.0).max(10.0);
    let limit_mib = limit as f64 / MIB;
    let live = i.live_end_mib;
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
    if let Some(c) = &i.cpu_share {
        arithmetic.push(format!(
            "GC CPU as CPU time: the program's threads ran {:.1} s and waited for a CPU {:.1} s while the rest of the machine was busy ({} of {} samples of the scheduler by gclens run), and the VM's host took {:.1}% of its CPU time, so the trace's GC CPU (time GC workers held a P) is scaled by {:.3} × (1 − {:.3}) = {:.3}",
            c.ran_s, c.waited_s, c.contended_samples, c.samples, c.stolen_share * 100.0, c.ran_share, c.stolen_share, c.scale
        ));
    }
    if i.growing() {
        arithmetic.push(format!(
            "the live heap grows {:.2} MiB/min: over the {:.0} s measured its trend runs from {:.1} to {:.1} MiB, so predictions follow it (a run as long as the trace) and GOGC is sized for its end",
            i.live_heap_slope_mib_per_min.unwrap_or(0.0),
            i.duration_s,
            i.live_start_mib,
            live
        ));
    }
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
        sized
    ));
    if i.growing() {
        let at = |live| predict_at(i, live, Some(gogc), Some(limit));
        let (start, end) = (at(i.live_start_mib), at(live));
        arithmetic.push(format!(
            "predicted: goal at the end {:.1} + {:.1} × {:.2} = {:.1} MiB{}; GC/s {:.2} at the start → {:.2} at the end, {:.2} on average; GC CPU {:.2}% → {:.2}%, {:.2}% on average ({:.4} ms per MiB marked); peak = {:.1} × {:.2} × {:.2} + {:.1} = {}",
            live,
            live + i.roots_mib,
            gogc / 100.0,
            predicted.heap_goal_mib,
            if predicted.limit_driven { " (capped by the limit)" } else { "" },
            start.gc_per_s,
            end.gc_per_s,
            predicted.gc_per_s,
            start.gc_cpu_pct,
            end.gc_cpu_pct,
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
        let cost = cycle_cost(i, i.live_heap_mib, room);
        let by_gogc = format!(
            "{:.1} + {:.1} × {:.2}",
            i.live_heap_mib,
            i.live_heap_mib + i.roots_mib,
            gogc / 100.0
        );
        let goal = if predicted.limit_driven {
            format!(
                "goal capped by the limit ({:.0} − {:.1}) / ({:.2} × {:.2}) = {:.1} MiB (under {by_gogc})",
                limit as f64 / MIB,
                i.non_heap_mib,
                i.overshoot.max(SCAVENGE_SLACK),
                i.fragmentation,
                predicted.heap_goal_mib
            )
        } else {
            format!("goal {by_gogc} = {:.1} MiB", predicted.heap_goal_mib)
        };
        arithmetic.push(format!(
        "predicted: {goal}; a cycle allocates up to the trigger {:.1} − {:.1} runway (held between 45/64 of the {:.1} and the larger of 61/64 of it and it − 4 MiB) = {:.1} MiB, then {} while marking; GC/s = {:.1} / {:.1} = {:.2}; a cycle costs ({:.4} + {:.4} assists × ({:.2} − 1)) ms × {:.1} MiB = {:.2} ms (assists scale with the trace's runway over the {:.1} MiB left after the trigger); GC CPU = {:.2} × {:.2} ms / {} P = {:.2}%; peak = {:.1} × {:.2} × {:.2} + {:.1} = {}",
        room,
        runway,
        room,
        trigger_at(room, runway),
        {
            let trigger = trigger_at(room, runway);
            let m = mark_alloc(i, i.live_heap_mib, room, trigger);
            let traced = i.mark_alloc_per_mib * scan;
            if m < traced {
                format!(
                    "{m:.1} MiB (the {:.3} × {scan:.1} = {traced:.1} MiB the trace let in is held at the goal: {room:.1} × {:.2} overshoot − {trigger:.1})",
                    i.mark_alloc_per_mib,
                    i.overshoot.max(1.0)
                )
            } else {
                format!("{:.3} × {scan:.1} = {m:.1} MiB", i.mark_alloc_per_mib)
            }
        },
        i.alloc_rate_mib_s,
        cycle_alloc(i, i.live_heap_mib, room),
        predicted.gc_per_s,
        i.gc_cpu_ms_per_mib_scanned,
        i.assist_ms_per_mib_scanned,
        cost.assist_scale,
        scan,
        cost.ms,
        room - trigger_at(room, runway),
        predicted.gc_per_s,
        cost.ms,
        i.procs,
        predicted.gc_cpu_pct,
        predicted.heap_goal_mib,
        i.overshoot.max(SCAVENGE_SLACK),
        i.fragmentation,
        i.non_heap_mib,
        mib(predicted.peak_bytes)
    ));
    }
    arithmetic
}

pub fn warnings(s: &Summary, i: &Inputs, o: &AdviceOptions, limit: u64, gogc: f64) -> Vec<Warning> {
    let mut w = vec![];
    let limit_mib = limit as f64 / MIB;
    let mut push = |code, message: String| w.push(Warning { code, message });
    if let Some(c) = &i.contention {
        push(
            "contended",
            format!(
                "the GC's marks were starved of CPU in this trace: {:.0}% of them ran under 40% of the runtime's aimed utilization (the median mark's GC CPU was {:.0}% of its wall time × P, the aim 25%) — other processes on the machine, GOMAXPROCS above its cores, or a program that keeps every P busy — and a slow mark lets allocation into the marked heap (a median {:.1} MiB per mark; {:.1} MiB at the aimed utilization), so the live heap is taken as {:.1} MiB (what survives plus that), not the median marked heap of {:.1} MiB; {}",
                c.starved_pct,
                c.utilization_median * 100.0,
                c.mark_alloc_median_mib,
                c.mark_alloc_discounted_mib,
                c.live_mib,
                c.live_median_mib,
                if i.cpu_share.is_some() {
                    format!(
                        "GC CPU per MiB marked ({:.4} ms) is CPU time, from the scheduler's figures",
                        i.gc_cpu_ms_per_mib_scanned
                    )
                } else {
                    format!(
                        "under contention GC CPU per MiB marked ({:.4} ms) counts time GC workers held a P while descheduled and reads high: a trace from a quiet machine, or one saved by `gclens run --save` (which records the scheduler's figures), confirms",
                        i.gc_cpu_ms_per_mib_scanned
                    )
                }
            ),
        );
    }
    if let Some(c) = i
        .cpu_share
        .as_ref()
        .filter(|c| c.scale < crate::analyze::scheduler::CONTENDED_SHARE)
    {
        push(
            "cpu_waits",
            format!(
                "the machine was busy while traced: its other processes used {:.1} cores on average, in the {} of {} seconds they used a tenth of a core or more the program waited for a CPU {:.1} s while it ran {:.1} s, and the VM's host took {:.0}% of its CPU time (the scheduler's figures by gclens run). The trace's GC CPU is time GC workers held a P, so it is scaled to the {:.0}% that really ran ({:.4} ms per MiB marked); the GC CPU predicted is what the same work costs when it gets the CPU. A CPU-bound program's GC also does less per CPU second beside busy neighbours (shared cores and caches), so its figures can still read high, and its GC/s rises with the CPU it gets",
                c.elsewhere_cores,
                c.contended_samples,
                c.samples,
                c.waited_s,
                c.ran_s,
                c.stolen_share * 100.0,
                c.scale * 100.0,
                i.gc_cpu_ms_per_mib_scanned
            ),
        );
    }
    if let Some(slope) = super::leak_rate(s, i) {
        let room = heap_cap(i, limit_mib) / (1.0 + (gogc / 100.0)) - i.live_end_mib;
        push(
            "leak",
            format!(
                "the live heap grows {slope:.2} MiB/min: no GOGC or GOMEMLIMIT fixes a leak. At this rate it fills the limit in about {} — find what holds the memory (heap profile, `go tool pprof -diff_base`).",
                crate::analyze::summary::fmt_minutes((room / slope).max(0.0))
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

/// The trace's own heap went over the target at the GOGC it ran with.
pub struct History {
    /// Memory the trace's heap peak stands for (peak × fragmentation + outside the heap).
    pub shown_mib: f64,
    /// GOGC that fits the highest live heap under the target.
    pub g_hist: f64,
    /// GOGC from the live-heap trend, before this cap.
    pub was: f64,
}

/// The arithmetic of the cap: the highest live heap sized under the target.
pub fn history_line(i: &Inputs, h: &History, gogc: f64, limit_mib: f64) -> String {
    let per = i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation;
    let worst =
        (i.live_max_mib + (i.live_max_mib + i.roots_mib) * gogc / 100.0) * per + i.non_heap_mib;
    format!(
        "the trace's own heap reached {:.0} MiB (live up to {:.0} MiB){}: {:.0} MiB of memory, over 90% of the {:.0} MiB limit; so GOGC is sized for that highest live heap: ((90% × {:.0} − {:.1}) / ({:.2} × {:.2}) − {:.1}) / ({:.1} + {:.1}) × 100 = {:.0} → {:.0} (not {:.0}); at GOGC={:.0} that live heap peaks at {:.0} MiB",
        i.heap_peak_mib,
        i.live_max_mib,
        i.current_gogc
            .map_or(String::new(), |g| format!(" at GOGC≈{g:.0}")),
        h.shown_mib,
        limit_mib,
        limit_mib,
        i.non_heap_mib,
        i.overshoot.max(SCAVENGE_SLACK),
        i.fragmentation,
        i.live_max_mib,
        i.live_max_mib,
        i.roots_mib,
        h.g_hist,
        gogc,
        h.was,
        gogc,
        worst
    )
}

/// The warning that says the trace's history, not its trend, set GOGC.
pub fn history_warning(i: &Inputs, h: &History, gogc: f64) -> Warning {
    Warning {
        code: "trace_over_target",
        message: format!(
            "this trace's heap already reached {:.0} MiB{} ({:.0} MiB of memory with what lies outside the heap): advice looser than that would fail as the trace did, so GOGC={gogc:.0} is sized for its highest live heap ({:.0} MiB), not the {:.0} MiB its floor trend ends at",
            i.heap_peak_mib,
            i.current_gogc
                .map_or(String::new(), |g| format!(" at GOGC≈{g:.0}")),
            h.shown_mib,
            i.live_max_mib,
            i.live_end_mib
        ),
    }
}
