//! Findings in plain words: what a senior engineer would say after reading the trace.

use super::summary::{LeakVerdict, Summary, fmt_minutes};
use crate::model::Timeline;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    Alert,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier, e.g. `live_heap_leak`.
    pub code: &'static str,
    pub message: String,
}

fn f(severity: Severity, code: &'static str, message: String) -> Finding {
    Finding {
        severity,
        code,
        message,
    }
}

/// The findings for a summarized timeline, most severe first.
pub fn findings(t: &Timeline, s: &Summary) -> Vec<Finding> {
    use Severity::*;
    let mut out = vec![];
    match s.leak.verdict {
        LeakVerdict::LikelyLeak => out.push(f(Alert, "live_heap_leak", s.leak.evidence.clone())),
        LeakVerdict::PossibleGrowth => {
            out.push(f(Warn, "live_heap_growth", s.leak.evidence.clone()))
        }
        _ => {}
    }
    if let (Some(g), Some(tr)) = (&s.stacks_mib, &s.stacks_trend)
        && g.last >= g.first + 4
        && g.last >= 2 * g.first.max(1)
        && tr.slope_mib_per_min > 0.0
        && tr.r2 >= 0.5
    {
        out.push(f(
            Alert,
            "stacks_growth",
            format!(
                "stacks grew from {} to {} MiB ({:.1} MiB/min over {}, R² {:.2}): goroutines accumulate",
                g.first,
                g.last,
                tr.slope_mib_per_min,
                fmt_minutes(tr.span_min),
                tr.r2
            ),
        ));
    }
    if let Some(c) = s
        .cpu_share
        .as_ref()
        .filter(|c| c.scale < crate::analyze::scheduler::CONTENDED_SHARE)
    {
        out.push(f(
            Warn,
            "cpu_contention",
            format!(
                "the machine was busy while traced: other processes used {:.1} cores on average, the program waited for a CPU {:.1} s while it ran {:.1} s in the {} of {} seconds they were busy, and the VM's host took {:.0}% of its CPU time — GC CPU here is time GC workers held a P, about {:.1}× the CPU they got (`gclens advise` of a trace saved by `gclens run --save` scales it)",
                c.elsewhere_cores,
                c.waited_s,
                c.ran_s,
                c.contended_samples,
                c.samples,
                c.stolen_share * 100.0,
                1.0 / c.scale
            ),
        ));
    }
    if s.leak_check_cycles > 0 {
        out.push(f(
            Info,
            "goroutine_leak_check",
            format!(
                "{} cycle(s) checked for goroutine leaks (Go 1.26+ goroutineleak profile)",
                s.leak_check_cycles
            ),
        ));
    }
    if let Some(p) = s.gc_cpu_pct {
        let sev = if p >= 25.0 {
            Some(Alert)
        } else if p >= 10.0 {
            Some(Warn)
        } else {
            None
        };
        if let Some(sev) = sev {
            out.push(f(
                sev,
                "gc_cpu_high",
                format!("the GC used {p:.1}% of the CPU: allocate less, or give the heap more room (GOGC, GOMEMLIMIT)"),
            ));
        }
    }
    if let (Some(gogc), Some(rate)) = (s.effective_gogc, s.gc_per_s)
        && gogc < 50.0
        && s.live_heap_mib.median >= 4.0
    {
        out.push(f(
            Warn,
            "tight_heap_goal",
            format!(
                "the heap goal is only {gogc:.0}% above the live heap (median; GOGC=100 gives 100%), {rate:.1} GC/s: \
                 a memory limit (GOMEMLIMIT) or a low GOGC is driving collections"
            ),
        ));
    }
    if let Some(w) = &s.worst_pause
        && s.pause_ms.max >= 10.0
    {
        out.push(f(
            if s.pause_ms.max >= 100.0 { Alert } else { Warn },
            "long_pause",
            format!(
                "longest stop-the-world pause {:.1} ms (gc {}, {})",
                s.pause_ms.max,
                w.cycle,
                crate::model::timeline::line_ref(&w.source, w.line)
            ),
        ));
    }
    if s.cycles > 0
        && s.cycles_over_goal * 20 >= s.cycles
        && s.max_overshoot_pct.unwrap_or(0.0) >= 10.0
    {
        out.push(f(
            Warn,
            "goal_overshoot",
            format!(
                "the heap ended above its goal in {} of {} cycles (up to {:.0}% over): allocation outruns the concurrent mark",
                s.cycles_over_goal,
                s.cycles,
                s.max_overshoot_pct.unwrap_or(0.0)
            ),
        ));
    }
    if s.forced_cycles > 0 {
        let most = s.forced_cycles * 2 > s.cycles;
        out.push(f(
            if most { Warn } else { Info },
            "forced_cycles",
            format!(
                "{} of {} cycles were forced (runtime.GC or debug.FreeOSMemory){}",
                s.forced_cycles,
                s.cycles,
                if most {
                    ": the figures describe explicit GC calls more than the pacer"
                } else {
                    ""
                }
            ),
        ));
    }
    if s.periodic_gcs > 0 {
        out.push(f(
            Info,
            "periodic_gc",
            format!("{} periodic GC(s) (`GC forced`): the program went 2 minutes without triggering a collection", s.periodic_gcs),
        ));
    }
    if s.segments > 1 {
        let starts: Vec<String> = s
            .segment_starts
            .iter()
            .skip(1)
            .take(3)
            .map(|&(source, line)| {
                // with one input the line is enough; with several, which file's
                match t.sources.get(source as usize) {
                    Some(name) if t.sources.len() > 1 => {
                        crate::model::timeline::line_ref(name, line)
                    }
                    _ => format!("line {line}"),
                }
            })
            .collect();
        out.push(f(
            Info,
            "segments",
            format!(
                "{} processes in the input: gc numbering or time went back at {}{}",
                s.segments,
                starts.join(", "),
                if s.segments > 4 { ", …" } else { "" }
            ),
        ));
    }
    if let Some(m) = t.skipped.examples.first() {
        out.push(f(
            Warn,
            "malformed_lines",
            format!(
                "{} line(s) looked like runtime trace lines but did not parse; first at {}: {}",
                t.skipped.malformed,
                crate::model::timeline::line_ref(
                    t.sources.get(m.source as usize).map_or("-", String::as_str),
                    m.line
                ),
                m.text
            ),
        ));
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.severity));
    out
}
