//! Error bars from the trace's own dispersion and length: a block bootstrap over the
//! measured cycles. Blocks of consecutive cycles (which keeps the short-range
//! correlation of a GC trace) are drawn with replacement until a resample is as long as
//! the trace; each resample's inputs are measured the way the trace's are, and each
//! setting is predicted on every resample. A range is the 5th to 95th percentile of
//! those predictions: narrow for a long, even trace, wide for a short or uneven one.
//! Deterministic: a fixed seed, so the same trace gives the same ranges.
//!
//! A trace's resamples know its own noise, not the next run's nor the model's: ranges from
//! them alone held the rerun's GC/s in 3 of 7 validation rows and its GC CPU in 1. So the
//! ranges of the rate figures also carry the model's error as measured on real reruns
//! (`scripts/validate-advice`, docs/validation.md): on an idle machine GC/s and MiB per cycle came
//! within 6% of the rerun and GC CPU within 25% in 9 of 10 rows; each side of a range is
//! the bootstrap's and that error added in quadrature (independent errors). GC CPU's error
//! grows with the distance from the trace's GOGC (see [`MODEL_ERR_CPU_PER_LN_GOGC`]). The
//! peak's range is the bootstrap's: the peak is sized with margins of its own.

use super::inputs::{Inputs, measure};
use super::pacer::{Prediction, predict};
use crate::analyze::memstats::MemReport;
use crate::analyze::summary::Summary;
use crate::model::Cycle;

/// Resamples per advice.
pub const RESAMPLES: usize = 64;
/// Blocks a trace is cut into.
const BLOCKS: usize = 20;
/// Longer measured spans are thinned evenly to this many cycles first (the ranges of a
/// million-cycle trace are narrow anyway; this keeps them fast).
const MAX_CYCLES: usize = 50_000;

/// xorshift64*: small, fast, and the same on every machine.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// The inputs measured on [`RESAMPLES`] block resamples of `used`.
pub fn resamples(
    cs: &[Cycle],
    used: &[usize],
    s: &Summary,
    mem: Option<&MemReport>,
    current_gogc: Option<f64>,
    contended: bool,
) -> Vec<Inputs> {
    let step = used.len().div_ceil(MAX_CYCLES).max(1);
    let used: Vec<usize> = used.iter().copied().step_by(step).collect();
    let n = used.len();
    if n < BLOCKS {
        return vec![];
    }
    let block = n / BLOCKS;
    let blocks = n.div_ceil(block);
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    (0..RESAMPLES)
        .map(|_| {
            let mut pick = Vec::with_capacity(n + block);
            while pick.len() < n {
                let b = (next(&mut rng) % blocks as u64) as usize;
                pick.extend_from_slice(&used[b * block..((b + 1) * block).min(n)]);
            }
            pick.truncate(n);
            measure(cs, &pick, s, mem, current_gogc, Some(contended))
        })
        .collect()
}

/// The `q` quantile of `v` (finite values only).
pub fn quantile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[((v.len() - 1) as f64 * q).round() as usize])
}

/// The 5th and 95th percentiles of `v` (finite values only).
pub fn p5_p95(v: Vec<f64>) -> Option<[f64; 2]> {
    Some([quantile(v.clone(), 0.05)?, quantile(v, 0.95)?])
}

/// The model's error on reruns, for 9 of 10 of them (see the module doc): rate figures.
pub const MODEL_ERR_RATE: f64 = 0.06;
/// … and GC CPU figures.
pub const MODEL_ERR_CPU: f64 = 0.25;
/// … and the GC CPU figures' further error per unit of |ln(GOGC / the trace's GOGC)|: the
/// cost per MiB marked is measured at the trace's heap size and has a part that grows with
/// it. A CPU-bound program traced at GOGC=100 and advised 435 spent 33% more GC CPU per
/// GiB than predicted (its cost per MiB marked rose 43%); at 4.35× this adds 0.32, 0.41 in
/// all. A setting near the trace's keeps the 25%.
pub const MODEL_ERR_CPU_PER_LN_GOGC: f64 = 0.22;

/// The GC CPU figures' model error for a prediction at `gogc` from a trace at `current`.
pub fn cpu_err(gogc: Option<f64>, current: Option<f64>) -> f64 {
    let far = match (gogc, current) {
        (Some(g), Some(c)) if g > 0.0 && c > 0.0 => (g / c).ln().abs(),
        _ => 0.0,
    };
    (MODEL_ERR_CPU.powi(2) + (MODEL_ERR_CPU_PER_LN_GOGC * far).powi(2)).sqrt()
}

/// A bootstrap range around the prediction `p`, widened by the model's relative error `e`
/// (in quadrature on each side), never below zero.
pub fn widen([lo, hi]: [f64; 2], p: f64, e: f64) -> [f64; 2] {
    if !p.is_finite() {
        return [lo, hi];
    }
    let m = e * p.abs();
    let below = ((p - lo).max(0.0).powi(2) + m * m).sqrt();
    let above = ((hi - p).max(0.0).powi(2) + m * m).sqrt();
    [(p - below).max(0.0), p + above]
}

/// Gives `p` the ranges of its setting over the resamples.
pub fn add_ranges(p: &mut Prediction, samples: &[Inputs], gogc: Option<f64>, limit: Option<u64>) {
    if samples.is_empty() {
        return;
    }
    let ps: Vec<Prediction> = samples.iter().map(|i| predict(i, gogc, limit)).collect();
    let of = |f: &dyn Fn(&Prediction) -> f64| p5_p95(ps.iter().map(f).collect());
    p.peak_bytes_range = (p.peak_bytes != u64::MAX)
        .then(|| of(&|q| q.peak_bytes as f64))
        .flatten()
        .map(|[a, b]| [a as u64, b as u64]);
    let with_model = |r: Option<[f64; 2]>, v: f64, e: f64| r.map(|r| widen(r, v, e));
    let cpu_e = cpu_err(gogc, samples[0].current_gogc);
    p.gc_per_s_range = with_model(of(&|q| q.gc_per_s), p.gc_per_s, MODEL_ERR_RATE);
    p.gc_cpu_pct_range = with_model(of(&|q| q.gc_cpu_pct), p.gc_cpu_pct, cpu_e);
    p.mib_per_cycle_range = with_model(of(&|q| q.mib_per_cycle), p.mib_per_cycle, MODEL_ERR_RATE);
    p.gc_cpu_s_per_gib_range = with_model(of(&|q| q.gc_cpu_s_per_gib), p.gc_cpu_s_per_gib, cpu_e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_the_seed() {
        assert_eq!(
            p5_p95((0..=100).map(f64::from).collect()),
            Some([5.0, 95.0])
        );
        assert_eq!(p5_p95(vec![f64::NAN]), None);
        let (mut a, mut b) = (1u64, 1u64);
        assert_eq!(next(&mut a), next(&mut b));
        // the model's error in quadrature: 3 below and 4 above a prediction of 100 with 5%
        // error give 100 − √(9 + 25) and 100 + √(16 + 25); never below zero
        let [lo, hi] = widen([97.0, 104.0], 100.0, 0.05);
        assert!((lo - (100.0 - 34f64.sqrt())).abs() < 1e-9);
        assert!((hi - (100.0 + 41f64.sqrt())).abs() < 1e-9);
        assert_eq!(widen([0.0, 2.0], 1.0, 2.0)[0], 0.0);
        // GC CPU: 25% at the trace's GOGC, more the further a setting is from it
        assert_eq!(cpu_err(Some(100.0), Some(100.0)), MODEL_ERR_CPU);
        assert_eq!(cpu_err(None, Some(100.0)), MODEL_ERR_CPU);
        let far = cpu_err(Some(435.0), Some(100.0));
        assert!(far > 0.40 && far < 0.42, "{far}");
        assert_eq!(
            cpu_err(Some(25.0), Some(100.0)),
            cpu_err(Some(400.0), Some(100.0))
        );
    }
}
