//! Figures derived from one cycle (and its predecessor in the same segment).
//!
//! - STW pause: sweep termination + mark termination wall clock (1.5+); the whole
//!   collection for ≤1.4, whose collector stopped the world throughout.
//! - concurrent mark: the concurrent clock phases (1.6+: mark; 1.5: scan + install write
//!   barrier + mark).
//! - GC CPU: the cpu phases *without idle marking* — the runtime's own `#%` counts GC CPU
//!   the same way (idle workers only use otherwise idle Ps).

use crate::model::Cycle;
use crate::parse::GcFormat;

/// Names of the clock phases by format, in print order.
pub fn clock_names(f: GcFormat) -> &'static [&'static str] {
    match f {
        GcFormat::Go14 => &["phase1", "phase2", "phase3", "phase4", "phase5"],
        GcFormat::Go15 => &["sweep_term", "scan", "install_wb", "mark", "mark_term"],
        GcFormat::Go16 | GcFormat::Go118 => &["sweep_term", "mark", "mark_term"],
    }
}

/// Names of the cpu phases by format, in print order.
pub fn cpu_names(f: GcFormat) -> &'static [&'static str] {
    match f {
        GcFormat::Go14 => &[],
        GcFormat::Go15 => &[
            "sweep_term",
            "scan",
            "install_wb",
            "assist",
            "background",
            "idle",
            "mark_term",
        ],
        GcFormat::Go16 | GcFormat::Go118 => {
            &["sweep_term", "assist", "background", "idle", "mark_term"]
        }
    }
}

/// Stop-the-world pause in µs.
pub fn pause_us(c: &Cycle) -> u64 {
    let p = c.gc.clock.as_slice();
    match (c.gc.format, p) {
        (GcFormat::Go14, _) => p.iter().map(|&v| u64::from(v)).sum(),
        (_, [first, .., last]) => u64::from(*first) + u64::from(*last),
        _ => 0,
    }
}

/// Concurrent mark wall time in µs (`None` for ≤1.4).
pub fn mark_us(c: &Cycle) -> Option<u64> {
    let p = c.gc.clock.as_slice();
    match c.gc.format {
        GcFormat::Go14 => None,
        _ if p.len() >= 3 => Some(p[1..p.len() - 1].iter().map(|&v| u64::from(v)).sum()),
        _ => None,
    }
}

/// GC CPU of the cycle in µs, idle marking excluded (`None` for ≤1.4).
pub fn gc_cpu_us(c: &Cycle) -> Option<u64> {
    let p = c.gc.cpu.as_slice();
    if p.is_empty() {
        return None;
    }
    let idle = p.len().checked_sub(2); // idle is always second to last
    Some(
        p.iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != idle)
            .map(|(_, &v)| u64::from(v))
            .sum(),
    )
}

/// Mark-assist CPU of the cycle in µs: the first of the three concurrent-mark figures
/// (assist/background/idle) in the 1.5+ layouts, where idle is second to last.
pub fn assist_cpu_us(c: &Cycle) -> Option<u32> {
    let p = c.gc.cpu.as_slice();
    (p.len() >= 5).then(|| p[p.len() - 4])
}

/// Live heap after marking: the `live` figure (1.5+), or the heap after a ≤1.4 STW
/// collection (which is the live heap).
pub fn live_mib(c: &Cycle) -> u32 {
    c.gc.heap_live_mib.unwrap_or(c.gc.heap_after_mib)
}

/// MiB allocated since the previous cycle: the heap at this cycle's end minus the
/// previous cycle's live heap (sweeping frees the rest; what is allocated during the
/// concurrent mark counts too). For ≤1.4's stop-the-world collector: heap at this start
/// minus heap after the previous one.
pub fn alloc_mib(prev: Option<&Cycle>, c: &Cycle) -> Option<u32> {
    let p = prev.filter(|p| p.segment == c.segment)?;
    Some(match p.gc.heap_live_mib {
        Some(live) => c.gc.heap_after_mib.saturating_sub(live),
        None => c.gc.heap_before_mib.saturating_sub(p.gc.heap_after_mib),
    })
}

/// How far the heap at GC end went over the goal, in percent (0 when under).
pub fn overshoot_pct(c: &Cycle) -> Option<f64> {
    let g = c.gc.goal_mib?;
    if g == 0 {
        return Some(0.0);
    }
    Some((f64::from(c.gc.heap_after_mib) - f64::from(g)).max(0.0) / f64::from(g) * 100.0)
}

/// GC CPU % over a trailing window of `window_s` seconds ending at each cycle, computed
/// from the cpu phases: Σ GC CPU / (window × P). One value per cycle (`None` without times).
pub fn windowed_gc_cpu_pct(cycles: &[Cycle], window_s: f64) -> Vec<Option<f64>> {
    let mut out = Vec::with_capacity(cycles.len());
    let mut lo = 0;
    let mut sum: u64 = 0;
    for i in 0..cycles.len() {
        let c = &cycles[i];
        if i > 0 && cycles[i - 1].segment != c.segment {
            lo = i;
            sum = 0;
        }
        let (Some(t), Some(cpu)) = (c.gc.t_ms, gc_cpu_us(c)) else {
            out.push(None);
            continue;
        };
        sum += cpu;
        let w_ms = (window_s * 1000.0) as u64;
        while lo < i && cycles[lo].gc.t_ms.is_none_or(|t0| t0 + w_ms <= t) {
            sum -= gc_cpu_us(&cycles[lo]).unwrap_or(0);
            lo += 1;
        }
        let span_ms = (t as f64).min(window_s * 1000.0).max(1.0);
        let procs = f64::from(c.gc.procs.max(1));
        out.push(Some((sum as f64 / 1000.0) / (span_ms * procs) * 100.0));
    }
    out
}
