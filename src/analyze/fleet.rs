//! Each instance of a fleet judged the way `gclens gc` judges one trace (`gclens
//! fleet`): the live-heap trend by the same rule (a Theil–Sen slope over equal-count
//! floors, R², how much it grew: [`super::summary::live_leak`]), so a daily load cycle
//! is not a leak and a slow steady climb is; goroutine growth by the same kind of
//! slope; and the settings against the container: GOMEMLIMIT missing under a limit or
//! above it, the live heap near the limit (the GC thrashes there), OOM kills. Instances
//! are ranked worst first.

use super::stats::theil_sen;
use super::summary::{LIKELY_LEAK, Leak, LeakRule, LeakVerdict, TrendOut, live_leak};
use crate::model::fleet::{GcFigures, Instance, Labels, LiveSource, is_unlimited};
use serde::Serialize;

const MIB: f64 = 1048576.0;

pub const SCHEMA: &str = "gclens.fleet/v1";

/// The share of the budget `gclens advise` keeps out of GOMEMLIMIT by default.
const ADVICE_HEADROOM: f64 = 0.1;

/// A setting or event worth a person's attention, with its code for machines.
#[derive(Clone, Debug, Serialize)]
pub struct Flag {
    pub code: &'static str,
    pub text: String,
}

/// Goroutine growth over the range.
#[derive(Clone, Debug, Serialize)]
pub struct GoroutineTrend {
    pub first: f64,
    pub last: f64,
    pub per_hour: f64,
    pub r2: f64,
    pub growing: bool,
}

/// One instance's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub labels: Labels,
    /// Which series the live heap was read from.
    pub live_source: Option<LiveSource>,
    pub leak: Leak,
    pub trend: Option<TrendOut>,
    pub goroutines: Option<GoroutineTrend>,
    pub gogc: Option<f64>,
    pub gomemlimit_bytes: Option<f64>,
    pub container_limit_bytes: Option<f64>,
    /// What memory is measured against: the container's limit, or `--budget-from SIZE`.
    pub budget_bytes: Option<f64>,
    /// What `gclens advise` sets against the budget before it measures a trace: the
    /// budget less its 10 % headroom (GOGC is left as it is: choosing it needs the GC's
    /// cost per cycle, which a trace gives and these metrics do not).
    pub advised_gomemlimit_bytes: Option<f64>,
    pub working_set_peak_bytes: Option<f64>,
    /// The GC's pauses, pace and CPU where exported.
    pub gc: GcFigures,
    /// While the live heap grows: hours until it reaches GOMEMLIMIT (the GC thrashes
    /// there, then the container is killed), or without one until the heap's peak
    /// (live × (1 + GOGC/100)) reaches the budget.
    pub hours_to_budget: Option<f64>,
    pub flags: Vec<Flag>,
}

impl Verdict {
    /// Worst first: likely leaks, possible growth, growing goroutines, flagged
    /// settings; the steepest live heap first within each.
    fn rank(&self) -> (u8, bool, bool, i64) {
        let leak = match self.leak.verdict {
            LeakVerdict::LikelyLeak => 0,
            LeakVerdict::PossibleGrowth => 1,
            _ => 2,
        };
        let goroutines = !self.goroutines.as_ref().is_some_and(|g| g.growing);
        let slope = self.trend.as_ref().map_or(0.0, |t| t.slope_mib_per_min);
        (
            leak,
            goroutines,
            self.flags.is_empty(),
            -(slope * 1e6) as i64,
        )
    }

    pub fn name(&self) -> String {
        let l = &self.labels;
        let mut parts = vec![];
        for k in ["job", "instance"] {
            if let Some(v) = l.get(k) {
                parts.push(v.clone());
            }
        }
        if let (Some(ns), Some(pod)) = (l.get("namespace"), l.get("pod")) {
            parts.push(format!("{ns}/{pod}"));
        }
        if parts.is_empty() {
            "-".into()
        } else {
            parts.join(" ")
        }
    }
}

/// The whole answer.
#[derive(Clone, Debug, Serialize)]
pub struct FleetReport {
    pub schema: &'static str,
    #[serde(flatten)]
    pub asked: Asked,
    pub instances: usize,
    pub leaking: usize,
    pub possibly_growing: usize,
    pub goroutines_growing: usize,
    pub flagged: usize,
    /// Worst first.
    pub verdicts: Vec<Verdict>,
}

/// What was asked: of which Prometheus, for which instances, over which range.
#[derive(Clone, Debug, Serialize)]
pub struct Asked {
    pub prometheus: String,
    pub selector: String,
    pub start_unix_s: f64,
    pub end_unix_s: f64,
    pub step_s: f64,
}

impl FleetReport {
    /// Ranks the verdicts and counts them.
    pub fn new(asked: Asked, mut verdicts: Vec<Verdict>) -> Self {
        verdicts.sort_by_key(|v| (v.rank(), v.name()));
        let count = |f: &dyn Fn(&Verdict) -> bool| verdicts.iter().filter(|v| f(v)).count();
        FleetReport {
            schema: SCHEMA,
            asked,
            instances: verdicts.len(),
            leaking: count(&|v| v.leak.verdict == LeakVerdict::LikelyLeak),
            possibly_growing: count(&|v| v.leak.verdict == LeakVerdict::PossibleGrowth),
            goroutines_growing: count(&|v| v.goroutines.as_ref().is_some_and(|g| g.growing)),
            flagged: count(&|v| !v.flags.is_empty()),
            verdicts,
        }
    }
}

/// Judges one instance; `budget` is `--budget-from SIZE` (else its container's limit).
pub fn judge(i: &Instance, budget: Option<f64>) -> Verdict {
    let points: Vec<(f64, f64)> = match &i.live {
        Some((_, p)) => {
            let t0 = p.first().map_or(0.0, |p| p.0);
            p.iter().map(|(t, v)| ((t - t0) / 60.0, v / MIB)).collect()
        }
        None => vec![],
    };
    let (trend, mut leak) = live_leak(&points);
    if i.live.is_none() {
        leak.evidence = "no live-heap series (gclens_heap_live_bytes, go_memstats_next_gc_bytes or go_memstats_heap_inuse_bytes)".into();
    }
    let gomemlimit = i.gomemlimit.filter(|b| !is_unlimited(*b));
    let budget = budget.or(i.container_limit);
    let gogc = i.gogc.unwrap_or(100.0);
    let ratio = if gogc > 0.0 { 1.0 + gogc / 100.0 } else { 2.0 };
    // with GOMEMLIMIT the GC holds the heap under it until the live heap itself gets
    // there (then it thrashes, then the container is killed); without, the heap peaks
    // at live × (1 + GOGC/100)
    let live_at_budget = match (gomemlimit, budget) {
        (Some(l), Some(b)) => Some(l.min(b) / MIB),
        (None, Some(b)) => Some(b / MIB / ratio),
        _ => None,
    };
    let hours_to_budget = match (&trend, live_at_budget) {
        (Some(t), Some(at))
            if matches!(
                leak.verdict,
                LeakVerdict::LikelyLeak | LeakVerdict::PossibleGrowth
            ) && t.slope_mib_per_min > 0.0 =>
        {
            Some(((at - t.end_mib) / t.slope_mib_per_min / 60.0).max(0.0))
        }
        _ => None,
    };
    let mut flags = vec![];
    let gib = |b: f64| crate::units::fmt_bytes(b as u64);
    if let Some(b) = budget {
        // an instance that does not export GOMEMLIMIT is not said to lack one
        match i.gomemlimit {
            Some(l) if is_unlimited(l) => flags.push(Flag {
                code: "no_gomemlimit",
                text: format!(
                    "runs in a {} container without GOMEMLIMIT: set GOMEMLIMIT={}MiB (90 %) so the GC works harder before the OOM killer acts",
                    gib(b),
                    (b * (1.0 - ADVICE_HEADROOM) / MIB).floor()
                ),
            }),
            Some(l) if l > b => flags.push(Flag {
                code: "gomemlimit_above_limit",
                text: format!(
                    "GOMEMLIMIT {} is above the container's {}: the kernel kills it before the GC reacts",
                    gib(l),
                    gib(b)
                ),
            }),
            _ => {}
        }
    }
    if let (Some(l), Some(t)) = (gomemlimit.or(budget), &trend)
        && t.end_mib * MIB >= 0.8 * l
    {
        flags.push(Flag {
            code: "near_limit",
            text: format!(
                "live heap {:.0} MiB is {:.0} % of the {} limit: the GC runs ever more often there (thrashing)",
                t.end_mib,
                t.end_mib * MIB / l * 100.0,
                gib(l)
            ),
        });
    }
    if let (Some(ws), Some(b)) = (i.working_set_peak, budget)
        && ws >= 0.9 * b
    {
        flags.push(Flag {
            code: "working_set_near_limit",
            text: format!(
                "the container's working set peaked at {} of its {} limit ({:.0} %): the next peak may be an OOM kill",
                gib(ws),
                gib(b),
                ws / b * 100.0
            ),
        });
    }
    if let Some(n) = i.oom_restarts.filter(|n| *n >= 1.0) {
        flags.push(Flag {
            code: "oom_killed",
            text: format!("restarted {n:.0} time(s) over the range, the last after an OOM kill"),
        });
    }
    Verdict {
        labels: i.labels.clone(),
        live_source: i.live.as_ref().map(|(s, _)| *s),
        leak,
        trend,
        goroutines: goroutine_trend(&i.goroutines),
        gogc: i.gogc,
        gomemlimit_bytes: gomemlimit,
        container_limit_bytes: i.container_limit,
        budget_bytes: budget,
        advised_gomemlimit_bytes: budget.map(|b| (b * (1.0 - ADVICE_HEADROOM) / MIB).floor() * MIB),
        working_set_peak_bytes: i.working_set_peak,
        gc: i.gc.clone(),
        hours_to_budget,
        flags,
    }
}

/// Goroutines growing: the live heap's rule, at least 20 goroutines more.
pub const GOROUTINE_GROWTH: LeakRule = LeakRule {
    growth_min: 20.0,
    ..LIKELY_LEAK
};

/// Goroutines growing by [`GOROUTINE_GROWTH`]: a steady slope (R² ≥ 0.8) that added at
/// least a quarter of the start and 20 goroutines.
fn goroutine_trend(p: &[(f64, f64)]) -> Option<GoroutineTrend> {
    let t0 = p.first()?.0;
    let hours: Vec<(f64, f64)> = p.iter().map(|(t, v)| ((t - t0) / 3600.0, *v)).collect();
    let t = theil_sen(&hours)?;
    let growth = t.end - t.start;
    Some(GoroutineTrend {
        first: p.first()?.1,
        last: p.last()?.1,
        per_hour: t.slope,
        r2: t.r2,
        growing: GOROUTINE_GROWTH.holds(t.slope, t.r2, growth, t.start.max(1.0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(points: usize, gomemlimit: Option<f64>) -> Instance {
        let live = (0..points)
            .map(|k| (k as f64 * 60.0, (100.0 + k as f64) * MIB))
            .collect();
        Instance {
            live: Some((LiveSource::GoalOverGogc, live)),
            gomemlimit,
            container_limit: Some(1024.0 * MIB),
            ..Instance::default()
        }
    }

    #[test]
    fn settings_are_flagged_only_when_known_and_time_only_for_growth() {
        // a steady climb of 1 MiB a minute from 100 MiB toward a 900 MiB GOMEMLIMIT
        let v = judge(&instance(120, Some(900.0 * MIB)), None);
        assert_eq!(v.leak.verdict, LeakVerdict::LikelyLeak);
        let h = v.hours_to_budget.unwrap();
        assert!((h - (900.0 - 219.0) / 60.0).abs() < 0.2, "{h}");
        assert!(v.flags.is_empty(), "{:?}", v.flags);
        // GOMEMLIMIT reported unset is flagged; not reported is not
        let unset = judge(&instance(120, Some(9.223372036854776e18)), None);
        assert_eq!(unset.flags[0].code, "no_gomemlimit");
        assert_eq!(unset.gomemlimit_bytes, None);
        assert!(judge(&instance(120, None), None).flags.is_empty());
        // too few points: no verdict, and no time to the limit either
        let few = judge(&instance(5, Some(900.0 * MIB)), None);
        assert_eq!(few.leak.verdict, LeakVerdict::InsufficientData);
        assert_eq!(few.hours_to_budget, None);
    }
}
