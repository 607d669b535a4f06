//! `gclens report`: one verdict from everything an incident left behind. Each input
//! family already has its analysis (`summary` for the trace, `memstats`, `heap`,
//! `goroutines`, `escape`, `advice`); this module puts them side by side in the order a
//! person asks — is memory growing, where, are goroutines piling up, why are those
//! allocations on the heap, what to set, what evidence is missing — and joins them where
//! one answers another: the trace's growth against what the profiles account for, the
//! growing sites' lines against the escape diagnostics, the leak against the budget.
//!
//! Only what belongs together is compared: profiles and dumps of another program, or the
//! same snapshot twice, are set aside and said (`series.rs`).

mod growth;
mod missing;
mod series;
mod sites;
mod verdict;
mod why;

pub use growth::{Growth, MemGrowth, ProfileGrowth, Signal, TraceGrowth};
pub use missing::Missing;
pub use sites::{HeapPart, Role, SiteLine};
pub use verdict::{Finding, FindingKind, Leaking, Verdict};
pub use why::{EscapeAt, WhyPart};

use super::advice::{Advice, AdviceError, AdviceOptions, Refusal};
use super::goroutines::GoroutineReport;
use crate::parse::incident::{Evidence, Family, Skipped};
use serde::Serialize;

pub const SCHEMA: &str = "gclens.report/v1";

/// What the report was asked for beyond its inputs.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// The container's memory budget (`--budget`), for the advice and the time left.
    pub budget_bytes: Option<u64>,
    /// How the budget was written (`2Gi`), for the advice's wording.
    pub budget_quantity: Option<String>,
}

/// One file used, and what it was read as.
#[derive(Clone, Debug, Serialize)]
pub struct InputFile {
    pub source: String,
    pub family: &'static str,
}

/// The advice, or why there is none.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum AdvicePart {
    Advised {
        advice: Box<Advice>,
    },
    Refused {
        refusal: Box<Refusal>,
    },
    /// No budget given, or no trace: nothing to size against.
    NotAsked {
        why: String,
    },
}

/// The whole report, in the order it answers.
#[derive(Serialize)]
pub struct IncidentReport {
    pub schema: &'static str,
    pub verdict: Verdict,
    pub inputs: Vec<InputFile>,
    pub skipped: Vec<Skipped>,
    pub growth: Growth,
    pub heap: Option<HeapPart>,
    pub goroutines: Option<GoroutineReport>,
    /// Stack memory the trace printed (first → last MiB), beside the goroutine counts.
    pub stacks_mib: Option<(u32, u32)>,
    pub why: Option<WhyPart>,
    pub advice: AdvicePart,
    /// While it leaks: how long the budget lasts, as it runs and under a GOMEMLIMIT.
    pub time_left: Option<TimeLeft>,
    pub missing: Vec<Missing>,
    /// The trace's analysis (timeline, summary), for charts.
    #[serde(skip)]
    pub gc: Option<super::Report>,
    /// The heap profiles as compared, for the growth flame graph.
    #[serde(skip)]
    pub series: Option<crate::model::heap::HeapSeries>,
}

/// How long a leaking program has, at the trace's live-heap slope.
#[derive(Clone, Debug, Serialize)]
pub struct TimeLeft {
    pub budget_bytes: u64,
    /// The heap's peak over its live heap in the trace (1 + GOGC/100 as it ran).
    pub peak_over_live: f64,
    /// Minutes until the peak reaches the budget, as it runs now.
    pub minutes_as_running: f64,
    /// Minutes until the live heap itself fills the advised GOMEMLIMIT (the GC working
    /// ever harder as it nears): the most any setting buys.
    pub minutes_under_limit: Option<f64>,
    pub gomemlimit_bytes: Option<u64>,
}

/// Builds the report from what was gathered and `gc`, the analysis of its gctraces
/// (`ev.traces`, read in one bounded pass: [`super::long::Long`]).
pub fn build(ev: Evidence, gc: Option<super::Report>, o: &ReportOptions) -> IncidentReport {
    let inputs = ev
        .files
        .iter()
        .map(|(s, f)| InputFile {
            source: s.clone(),
            family: f.name(),
        })
        .collect();
    let mut skipped = ev.skipped.clone();
    let summary = gc.as_ref().map(|r| &r.summary);
    let timeline = gc.as_ref().map(|r| &r.timeline);
    let (mut heap, mut dumps) = (ev.heap, ev.dumps);
    series::capture_times(&mut heap, &mut dumps, &ev.times);
    let heap_series = series::heap(heap, &mut skipped);
    let dumps = series::dumps(dumps, &mut skipped);
    let mem = series::memstats(ev.memstats, &ev.times, &mut skipped);
    let heap = heap_series
        .as_ref()
        .map(|s| sites::analyze_part(s, summary.and_then(|s| s.live_trend.as_ref())));
    // the runtime's leak detector was there: a leak profile, or a dump it marked
    let leak_profile = dumps.iter().any(|d| {
        d.leak_profile
            || d.goroutines
                .iter()
                .any(|g| g.state.as_deref().is_some_and(|s| s.ends_with(" (leaked)")))
    });
    let goroutines = (!dumps.is_empty()).then(|| super::goroutines::analyze(&dumps));
    if let Some(g) = &goroutines {
        skipped.extend(g.set_aside.iter().map(|s| Skipped {
            source: s.source.clone(),
            reason: s.reason.clone(),
        }));
    }
    let growth = growth::growth(
        timeline.zip(summary),
        mem.as_ref(),
        heap.as_ref(),
        o.budget_bytes,
    );
    let growing = heap.as_ref().map_or(&[][..], |h| &h.growing[..]);
    let why = ev.escape.as_ref().map(|e| why::why(e, growing));
    let mut advice = advice(timeline, summary, mem.as_ref(), o);
    let stacks_mib = summary
        .and_then(|s| s.stacks_mib.as_ref())
        .map(|g| (g.first, g.last));
    let has = |f: Family| ev.files.iter().any(|(_, x)| *x == f);
    let missing = missing::missing(&missing::Present {
        trace: gc.is_some(),
        heap_profiles: heap.as_ref().map_or(0, |h| h.report.profiles.len()),
        heap_timed: heap.as_ref().is_some_and(|h| h.report.span_min.is_some()),
        dumps: goroutines.as_ref().map_or(0, |g| g.dumps.len()),
        leak_profile,
        memstats: mem.is_some(),
        escape: has(Family::Escape) || has(Family::Logopt),
        budget: o.budget_bytes.is_some(),
    });
    let verdict = verdict::verdict(&growth, heap.as_ref(), goroutines.as_ref(), why.as_ref());
    let time_left = (verdict.leaking == Leaking::Yes)
        .then(|| time_left(&growth, &mut advice, o.budget_bytes?))
        .flatten();
    IncidentReport {
        schema: SCHEMA,
        verdict,
        inputs,
        skipped,
        growth,
        heap,
        goroutines,
        stacks_mib,
        why,
        advice,
        time_left,
        missing,
        gc,
        series: heap_series,
    }
}

/// The time a leak leaves, and the advice without its own leak warning (the report says
/// it first, with these figures).
pub(super) fn time_left(g: &Growth, advice: &mut AdvicePart, budget: u64) -> Option<TimeLeft> {
    let t = g.trace.as_ref()?;
    let (slope, end) = (t.slope_mib_per_min?, t.end_mib?);
    if slope <= 0.0 {
        return None;
    }
    let limit = match advice {
        AdvicePart::Advised { advice: a } => {
            a.warnings.retain(|w| w.code != "leak");
            Some(a.gomemlimit_bytes)
        }
        _ => None,
    };
    let mib = |b: u64| b as f64 / 1048576.0;
    Some(TimeLeft {
        budget_bytes: budget,
        peak_over_live: t.peak_over_live,
        minutes_as_running: t.minutes_to_budget?,
        minutes_under_limit: limit.map(|l| ((mib(l) - end) / slope).max(0.0)),
        gomemlimit_bytes: limit,
    })
}

fn advice(
    trace: Option<&crate::model::Timeline>,
    summary: Option<&super::Summary>,
    mem: Option<&super::memstats::MemReport>,
    o: &ReportOptions,
) -> AdvicePart {
    let (Some(t), Some(s)) = (trace, summary) else {
        return AdvicePart::NotAsked {
            why: "GOGC and GOMEMLIMIT are sized from a gctrace, and there is none".into(),
        };
    };
    let Some(budget) = o.budget_bytes else {
        return AdvicePart::NotAsked {
            why: "no --budget: give the container's memory limit (e.g. --budget 2Gi)".into(),
        };
    };
    let opts = AdviceOptions {
        budget_bytes: budget,
        headroom: 0.1,
        max_gc_cpu_pct: None,
        current_gogc: None,
        batch: false,
        budget_quantity: o.budget_quantity.clone(),
    };
    let r = if t.cycles.is_empty() {
        Err(AdviceError::NoCycles)
    } else {
        super::advice::advise(t, s, mem, &opts)
    };
    match r {
        Ok(a) => AdvicePart::Advised {
            advice: Box::new(a),
        },
        Err(e) => AdvicePart::Refused {
            refusal: Box::new(Refusal::new(&e, &t.sources, budget)),
        },
    }
}

/// What the inputs were, counted by kind: `1 gctrace, 6 heap profile(s), …`.
impl IncidentReport {
    pub fn inputs_line(&self) -> String {
        let r = self;
        let mut kinds: Vec<(&str, usize)> = vec![];
        for f in &r.inputs {
            match kinds.iter_mut().find(|k| k.0 == f.family) {
                Some(k) => k.1 += 1,
                None => kinds.push((f.family, 1)),
            }
        }
        let parts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!(
            "{} file(s) read: {}{}",
            r.inputs.len(),
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(", ")
            },
            if r.skipped.is_empty() {
                String::new()
            } else {
                format!("; {} set aside", r.skipped.len())
            }
        )
    }
}

/// What a leaking program's report says before any setting: no setting fixes it, and
/// how long the budget lasts as it runs and under a GOMEMLIMIT.
impl IncidentReport {
    pub fn leak_first(&self) -> String {
        let r = self;
        use crate::units::{fmt_bytes, num};
        let mut s = String::from(
            "The program leaks: no GOGC or GOMEMLIMIT fixes a leak, they only move the moment it runs out. Fix the growing sites first.",
        );
        if let Some(t) = &r.time_left {
            s.push_str(&format!(
            " As it runs (the heap peaks at {:.2}× its live heap), it reaches the {} budget in about {} min",
            t.peak_over_live,
            fmt_bytes(t.budget_bytes),
            num(t.minutes_as_running)
        ));
            match (t.gomemlimit_bytes, t.minutes_under_limit) {
            (Some(l), Some(m)) => s.push_str(&format!(
                "; GOMEMLIMIT={l} holds it off until the live heap itself fills the limit, in about {} min, the GC working harder as it nears: time to deploy a fix, not a fix.",
                num(m)
            )),
            _ => s.push('.'),
        }
        }
        s
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
