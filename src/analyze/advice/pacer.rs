//! The pacer model (Go 1.18+, `mgcpacer.go`; the GC guide's cost model): where a cycle's
//! trigger falls, what a cycle allocates and costs, and what a setting gives — heap
//! goal, GC/s, GC CPU, peak memory — at one live heap ([`predict_at`]) or over a run
//! whose live heap grows ([`predict`]).

use super::{CLEAR_OF_LIMIT, Inputs, MIB};
use serde::Serialize;

/// The runtime keeps about this much over the goal before returning memory.
pub const SCAVENGE_SLACK: f64 = 1.1;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Prediction {
    /// A GOGC percentage; null for "off" (`gogc_env`).
    pub gogc: Option<u32>,
    /// GOGC as the environment takes it: the number, or "off".
    pub gogc_env: String,
    pub limit_bytes: Option<u64>,
    pub heap_goal_mib: f64,
    pub peak_bytes: u64,
    /// At the trace's allocation rate (a fixed request rate: the rate stays).
    pub gc_per_s: f64,
    /// At the trace's allocation rate.
    pub gc_cpu_pct: f64,
    /// The memory limit, not GOGC, sets the goal.
    pub limit_driven: bool,
    /// Rate-free: MiB allocated per cycle (what GOGC buys, whatever the rate).
    pub mib_per_cycle: f64,
    /// Rate-free: GC CPU seconds per GiB allocated (the cost of the same work).
    pub gc_cpu_s_per_gib: f64,
    /// 5th–95th percentile of each figure over resamples of the trace's cycles
    /// ([`super::ranges`]); absent when the trace is too short to resample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_bytes_range: Option<[u64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gc_per_s_range: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gc_cpu_pct_range: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mib_per_cycle_range: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gc_cpu_s_per_gib_range: Option<[f64; 2]>,
}

/// The pacer's trigger bounds, in 64ths of the way from the live heap to the goal
/// (`triggerRatioDen`, `minTriggerRatioNum`, `maxTriggerRatioNum`), and the runtime's
/// `defaultHeapMinimum`, the least room a large heap's trigger leaves before the goal.
const TRIGGER_MIN: f64 = 45.0 / 64.0;
const TRIGGER_MAX: f64 = 61.0 / 64.0;
const TRIGGER_MAX_GAP_MIB: f64 = 4.0;

/// Where the pacer puts the trigger: MiB above the live heap, for `room` MiB from the
/// live heap to the goal and a runway of `runway` MiB.
pub fn trigger_at(room: f64, runway: f64) -> f64 {
    if room.is_nan() || room <= 0.0 {
        // a goal at or below the live heap (a limit under it): collections back to back
        return 0.0;
    }
    let hi = (TRIGGER_MAX * room).max(room - TRIGGER_MAX_GAP_MIB);
    (room - runway).max(TRIGGER_MIN * room).min(hi)
}

/// MiB allocated while marking, at live heap `live` with `room` MiB from it to the goal
/// and the trigger `trigger` MiB into it: the trace's allocation per MiB marked, but no
/// further than the goal (× the trace's overshoot) — the pacer's assists hold the heap
/// there by making allocating goroutines mark. At a small GOGC that binds: a 160 MiB
/// live heap traced at GOGC=100 let 29 MiB in while marking, at GOGC=20 its rerun 11.5
/// (the goal was 12.4 MiB past the trigger); uncapped, MiB per cycle read +53%.
pub fn mark_alloc(i: &Inputs, live: f64, room: f64, trigger: f64) -> f64 {
    let scan = live + i.roots_mib;
    (i.mark_alloc_per_mib * scan).min((room * i.overshoot.max(1.0) - trigger).max(0.0))
}

/// MiB a cycle allocates at live heap `live` with `room` MiB from it to the goal: up to
/// the trigger, then while marking.
pub fn cycle_alloc(i: &Inputs, live: f64, room: f64) -> f64 {
    let scan = live + i.roots_mib;
    let trigger = trigger_at(room, i.runway_per_mib * scan);
    trigger + mark_alloc(i, live, room, trigger)
}

/// Assists grow at most this many times over the trace's.
const ASSIST_SCALE_MAX: f64 = 10.0;

/// What a cycle costs at one setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    /// GC CPU ms of the cycle.
    pub ms: f64,
    /// The factor on the trace's assists: the runway the trace had (per MiB marked) over
    /// the room this setting leaves after its trigger.
    pub assist_scale: f64,
}

/// What a cycle at live heap `live` with `room` MiB from it to the goal costs.
pub fn cycle_cost(i: &Inputs, live: f64, room: f64) -> Cost {
    let scan = live + i.roots_mib;
    let left = room - trigger_at(room, i.runway_per_mib * scan);
    let scale = if left > 0.0 {
        (i.runway_per_mib * scan / left).min(ASSIST_SCALE_MAX)
    } else {
        ASSIST_SCALE_MAX
    };
    let per_mib = i.gc_cpu_ms_per_mib_scanned + i.assist_ms_per_mib_scanned * (scale - 1.0);
    Cost {
        ms: per_mib * scan,
        assist_scale: scale,
    }
}

/// The heap goal that puts the peak at `limit_mib`.
pub fn heap_cap(i: &Inputs, limit_mib: f64) -> f64 {
    (limit_mib - i.non_heap_mib) / (i.overshoot.max(SCAVENGE_SLACK) * i.fragmentation)
}

/// Steps a growing live heap is followed in.
const PROFILE_STEPS: usize = 32;

/// One setting at one live heap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct At {
    pub goal_mib: f64,
    pub gc_per_s: f64,
    pub gc_cpu_pct: f64,
    /// The memory limit, not GOGC, sets the goal.
    pub limit_driven: bool,
    pub peak_mib: f64,
}

/// Predicts one setting at one live heap.
pub fn predict_at(i: &Inputs, live: f64, gogc: Option<f64>, limit: Option<u64>) -> At {
    let by_gogc = gogc.map_or(f64::INFINITY, |g| live + (live + i.roots_mib) * g / 100.0);
    let cap = limit.map_or(f64::INFINITY, |l| heap_cap(i, l as f64 / MIB));
    let goal = by_gogc.min(cap);
    let limit_driven = cap < by_gogc;
    // a cycle costs CPU in proportion to the heap it marks, its assists to the room left
    let per_cycle_ms = if goal.is_finite() {
        cycle_cost(i, live, goal - live).ms
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
    At {
        goal_mib: goal,
        gc_per_s,
        gc_cpu_pct: cpu,
        limit_driven,
        peak_mib,
    }
}

/// Predicts a setting: `gogc` None is "off", `limit` in bytes. With a growing live heap,
/// GC/s and GC CPU are averaged over the run (the measured rates are such averages) and
/// the goal and peak are the run's last, highest ones.
pub fn predict(i: &Inputs, gogc: Option<f64>, limit: Option<u64>) -> Prediction {
    let At {
        goal_mib: goal,
        gc_per_s,
        gc_cpu_pct: cpu,
        limit_driven,
        peak_mib,
    } = if i.growing() {
        let (start, growth) = (i.live_start_mib, i.live_end_mib - i.live_start_mib);
        let (mut rate, mut cpu, mut driven) = (0.0, 0.0, false);
        for k in 0..PROFILE_STEPS {
            // the middle of each of PROFILE_STEPS equal stretches of time
            let live = start + growth * (k as f64 + 0.5) / PROFILE_STEPS as f64;
            let at = predict_at(i, live, gogc, limit);
            rate += at.gc_per_s / PROFILE_STEPS as f64;
            cpu += at.gc_cpu_pct / PROFILE_STEPS as f64;
            driven |= at.limit_driven;
        }
        let end = predict_at(i, i.live_end_mib, gogc, limit);
        At {
            gc_per_s: rate,
            gc_cpu_pct: cpu,
            limit_driven: driven || end.limit_driven,
            ..end
        }
    } else {
        predict_at(i, i.live_heap_mib, gogc, limit)
    };
    Prediction {
        gogc: gogc.map(|g| g.round() as u32),
        gogc_env: gogc.map_or("off".into(), |g| (g.round() as u32).to_string()),
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
        mib_per_cycle: if gc_per_s > 0.0 {
            i.alloc_rate_mib_s / gc_per_s
        } else {
            0.0
        },
        gc_cpu_s_per_gib: if i.alloc_rate_mib_s > 0.0 {
            cpu.min(100.0) / 100.0 * f64::from(i.procs) / (i.alloc_rate_mib_s / 1024.0)
        } else {
            0.0
        },
        peak_bytes_range: None,
        gc_per_s_range: None,
        gc_cpu_pct_range: None,
        mib_per_cycle_range: None,
        gc_cpu_s_per_gib_range: None,
    }
}

/// The budget needed to keep GC CPU at `target_pct`.
pub fn budget_for_cpu(i: &Inputs, target_pct: f64, headroom: f64) -> u64 {
    let live = i.live_heap_mib;
    // GC CPU falls as the room grows (fewer cycles, fewer assists): bisect for the room
    // that gives the target
    let over = |room: f64| {
        let per_s = i.alloc_rate_mib_s / cycle_alloc(i, live, room);
        per_s * cycle_cost(i, live, room).ms / 1000.0 / f64::from(i.procs) * 100.0 > target_pct
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
