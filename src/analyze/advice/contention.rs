//! CPU contention in a trace, and the live heap it does not inflate.
//!
//! Traces are taken on shared machines. When other processes (or GOMAXPROCS above the
//! cores) take the CPU, the GC's mark runs slowly, and everything the program allocates
//! meanwhile is allocated black: it lands in the marked ("live") heap of that cycle.
//! Measured on a CPU-bound program with a 32 MiB live heap: idle, the median marked heap
//! was 32 MiB and a mark let 1 MiB in; beside two CPU hogs on the 2-core machine, 46 MiB
//! and 14 MiB, and GOGC advice fell from 435 to 270. What survives does not change: the
//! marked heap regressed on the allocation during the mark has the same intercept (31.6
//! and 31.7 MiB). The live heap the model uses is that intercept plus what an unstarved
//! mark lets in (the trace's lower quartile), when it is clearly below the median; the
//! share of starved cycles is the evidence reported. GC CPU per MiB marked cannot be
//! cleaned the same way (the runtime's `ms cpu` is time its workers held a P, so a
//! descheduled worker counts in full) and is reported as reading high.

use crate::analyze::cycle::live_mib;
use crate::analyze::stats::median;
use crate::model::Cycle;
use serde::Serialize;

/// The evidence of a contended trace, and what was discounted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contention {
    /// Cycles whose mark let in more than twice the usual allocation per MiB marked.
    pub starved_pct: f64,
    /// Allocation during the mark: the lower quartile (an unstarved mark) and median.
    pub mark_alloc_p25_mib: f64,
    pub mark_alloc_median_mib: f64,
    /// The median marked heap, discounted to `live_mib`.
    pub live_median_mib: f64,
    pub live_mib: f64,
}

fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// The median marked heap of `used`, and, when contention inflated it, the evidence and
/// the live heap an unstarved mark would have found. `decided`: whether the trace was
/// found contended already (a resample of it is measured the same way, so the ranges do
/// not jump between the two estimates).
pub fn live(cs: &[Cycle], used: &[usize], decided: Option<bool>) -> (f64, Option<Contention>) {
    let live: Vec<f64> = used.iter().map(|&i| f64::from(live_mib(&cs[i]))).collect();
    let med = median(&mut live.clone()).unwrap_or(0.0);
    if live.len() < 10 {
        return (med, None);
    }
    let ma: Vec<f64> = used
        .iter()
        .map(|&i| {
            f64::from(
                cs[i]
                    .gc
                    .heap_after_mib
                    .saturating_sub(cs[i].gc.heap_before_mib),
            )
        })
        .collect();
    let n = live.len() as f64;
    let (mx, my) = (ma.iter().sum::<f64>() / n, live.iter().sum::<f64>() / n);
    let sxx: f64 = ma.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = ma.iter().zip(&live).map(|(x, y)| (x - mx) * (y - my)).sum();
    let k = if sxx > 0.0 {
        (sxy / sxx).clamp(0.0, 2.0)
    } else {
        0.0
    };
    let (p25, ma_med) = (
        quantile(&mut ma.clone(), 0.25),
        quantile(&mut ma.clone(), 0.5),
    );
    let min = live.iter().copied().fold(f64::INFINITY, f64::min);
    let robust = (my - k * mx + k * p25).clamp(min, med);
    // starved: a mark that let in more than twice the usual allocation per MiB marked
    // (plus the trace's 1 MiB resolution)
    let per: Vec<f64> = ma.iter().zip(&live).map(|(a, l)| a / l.max(1.0)).collect();
    let usual = quantile(&mut per.clone(), 0.25);
    let limit = 2.0 * usual + 1.0 / med.max(1.0);
    let starved = per.iter().filter(|&&x| x > limit).count() as f64 / n * 100.0;
    let contended = decided.unwrap_or(starved >= 25.0 && med - robust > 0.10 * med);
    if contended {
        let c = Contention {
            starved_pct: starved,
            mark_alloc_p25_mib: p25,
            mark_alloc_median_mib: ma_med,
            live_median_mib: med,
            live_mib: robust,
        };
        (robust, Some(c))
    } else {
        (med, None)
    }
}
