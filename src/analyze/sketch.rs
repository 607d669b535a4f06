//! Order statistics and the live-heap floor trend in memory that does not grow with the
//! trace (issue 31). Both keep every value exactly while there are few (every fixture,
//! every trace of up to [`EXACT`] cycles gives the figures it always gave), and past that
//! fold into a bounded form with a stated error:
//! - [`Quantiles`] moves into an HDR histogram of 5 significant digits: a percentile is
//!   off by at most 0.001 % of its value (exact below 262,144 units: pauses below 262 ms,
//!   heaps below 256 GiB; at most 10 MiB each); the total, minimum and maximum stay exact.
//! - [`Floors`] keeps the (time, MiB) points the trend is fitted on as equal-count bins
//!   of their floor (lowest MiB) and median time, at most [`EXACT`] of them, merged two by
//!   two as the trace grows; the sixty bins the fit uses are then made of whole bins, so a
//!   bin boundary moves by at most one fine bin (1/65,536 of the points).

use super::stats::{self, Trend};
use hdrhistogram::Histogram;

/// Values (or points) kept exactly before folding.
pub const EXACT: usize = 65_536;

/// Percentiles and medians of a stream of non-negative values measured in `unit`s.
pub struct Quantiles {
    exact: Vec<f64>,
    /// Once folded: the counts of the values below [`SMALL`] units, by value (a count
    /// is one add where the histogram's record takes a dozen steps), and the histogram
    /// of the others.
    small: Vec<u32>,
    hist: Option<Histogram<u32>>,
    cap: usize,
    /// The histogram's resolution: a value v is recorded as round(v / unit).
    unit: f64,
    offset: f64,
    n: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Quantiles {
    /// Values of at least `-offset`, kept to `unit` once folded; exact up to `cap` of them.
    pub fn with_cap(unit: f64, offset: f64, cap: usize) -> Self {
        Quantiles {
            exact: vec![],
            small: vec![],
            hist: None,
            cap,
            unit,
            offset,
            n: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Exact sum of what was added.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    pub fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += v;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        match &mut self.hist {
            Some(h) => record(&mut self.small, h, self.unit, self.offset, v),
            None => {
                self.exact.push(v);
                if self.exact.len() > self.cap {
                    let mut h =
                        Histogram::<u32>::new_with_bounds(1, TOP, 5).expect("valid HDR bounds");
                    self.small = vec![0; SMALL as usize];
                    for &x in &self.exact {
                        record(&mut self.small, &mut h, self.unit, self.offset, x);
                    }
                    self.exact = Vec::new();
                    self.hist = Some(h);
                }
            }
        }
    }

    /// The k-th smallest values for each 0-based rank in `ranks` (ascending).
    fn ranked(&mut self, ranks: &[u64]) -> Vec<f64> {
        match &self.hist {
            None => {
                let v = &mut self.exact;
                ranks
                    .iter()
                    .map(|&k| *v.select_nth_unstable_by(k as usize, f64::total_cmp).1)
                    .collect()
            }
            Some(h) => {
                let (mut out, mut seen, mut at) = (Vec::with_capacity(ranks.len()), 0u64, 0);
                // the small values first: every histogram value is at least SMALL
                let small = (self.small.iter().enumerate())
                    .filter(|(_, n)| **n > 0)
                    .map(|(x, &n)| (x as u64, u64::from(n)));
                let big = (h.iter_recorded())
                    .map(|it| (it.value_iterated_to(), u64::from(it.count_at_value())));
                for (x, n) in small.chain(big) {
                    seen += n;
                    while at < ranks.len() && ranks[at] < seen {
                        let v = x as f64 * self.unit - self.offset;
                        out.push(v.clamp(self.min, self.max));
                        at += 1;
                    }
                }
                out.resize(ranks.len(), self.max);
                out
            }
        }
    }

    /// Nearest-rank percentiles (as `stats::percentiles`); None when empty.
    pub fn percentiles(&mut self, ps: &[f64]) -> Vec<Option<f64>> {
        if self.n == 0 {
            return vec![None; ps.len()];
        }
        let n = self.n;
        let ranks: Vec<u64> = ps
            .iter()
            .map(|&p| (((p / 100.0) * n as f64).ceil() as u64).clamp(1, n) - 1)
            .collect();
        let mut order: Vec<usize> = (0..ps.len()).collect();
        order.sort_by_key(|&i| ranks[i]);
        let sorted: Vec<u64> = order.iter().map(|&i| ranks[i]).collect();
        let found = self.ranked(&sorted);
        let mut out = vec![None; ps.len()];
        for (k, &i) in order.iter().enumerate() {
            out[i] = Some(if ranks[i] == n - 1 {
                self.max
            } else {
                found[k]
            });
        }
        out
    }

    /// The median (the mean of the two middle values of an even count).
    pub fn median(&mut self) -> Option<f64> {
        let n = self.n;
        if n == 0 {
            return None;
        }
        if n % 2 == 1 {
            return Some(self.ranked(&[n / 2])[0]);
        }
        let v = self.ranked(&[n / 2 - 1, n / 2]);
        Some((v[0] + v[1]) / 2.0)
    }

    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }
}

/// The largest value a folded histogram holds (in units): 19 hours of µs, 64 TiB in MiB;
/// a larger one is counted as this. Its 2^36 / 2^18 ranges of 2^17 u32 counts are 10 MiB.
const TOP: u64 = (1 << 36) - 1;

/// Values below this many units are counted by value (exactly, as the histogram, whose
/// first 2^18 values are its own; 1 MiB of counts).
const SMALL: u64 = 1 << 18;

#[inline]
fn record(small: &mut [u32], h: &mut Histogram<u32>, unit: f64, offset: f64, v: f64) {
    let x = if unit == 1.0 && offset == 0.0 && v >= 0.0 && v <= TOP as f64 {
        v as u64 // whole µs or MiB: no rounding to do
    } else {
        ((v + offset) / unit).round().max(0.0).min(TOP as f64) as u64
    };
    // `small` holds SMALL counts
    match small.get_mut(x as usize) {
        Some(n) => *n = n.saturating_add(1),
        None => h.saturating_record(x),
    }
}

/// A fine bin of [`Floors`]: `n` consecutive points.
#[derive(Clone, Copy, Debug)]
struct Bin {
    n: u64,
    /// Time of the first and last point (ms) and of the median one (minutes).
    first_ms: u64,
    last_ms: u64,
    mid_min: f64,
    floor: f64,
}

/// The (time, MiB) points of one segment, for the trend of its tail.
#[derive(Clone, Debug)]
pub struct Floors {
    bins: Vec<Bin>,
    per: u64,
    cap: usize,
}

impl Default for Floors {
    fn default() -> Self {
        Floors::with_cap(EXACT)
    }
}

impl Floors {
    pub fn with_cap(cap: usize) -> Self {
        Floors {
            bins: vec![],
            per: 1,
            cap: cap.max(2),
        }
    }

    /// Adds the point of a cycle at `ms` (after every earlier one).
    pub fn add(&mut self, ms: u64, mib: f64) {
        let x = ms as f64 / 60_000.0;
        if let Some(b) = self.bins.last_mut().filter(|b| b.n < self.per) {
            b.n += 1;
            b.last_ms = ms;
            b.floor = b.floor.min(mib);
            return;
        }
        self.bins.push(Bin {
            n: 1,
            first_ms: ms,
            last_ms: ms,
            mid_min: x,
            floor: mib,
        });
        if self.bins.len() > self.cap {
            let old = std::mem::take(&mut self.bins);
            self.bins = old.chunks(2).map(merge).collect();
            self.per *= 2;
        }
    }

    /// The trend of the points at or after `from_ms`, with its span and first x (minutes),
    /// and how many points it covers.
    pub fn trend(&self, from_ms: u64) -> (Option<(Trend, f64, f64)>, usize) {
        let kept: Vec<&Bin> = self.bins.iter().filter(|b| b.first_ms >= from_ms).collect();
        let n: u64 = kept.iter().map(|b| b.n).sum();
        if self.per == 1 {
            let pts: Vec<(f64, f64)> = kept.iter().map(|b| (b.mid_min, b.floor)).collect();
            let t = stats::theil_sen(&pts).map(|t| {
                let span = pts[pts.len() - 1].0 - pts[0].0;
                (t, span, pts[0].0)
            });
            return (t, pts.len());
        }
        let (Some(a), Some(z)) = (kept.first(), kept.last()) else {
            return (None, 0);
        };
        let (xa, xb) = (a.first_ms as f64 / 60_000.0, z.last_ms as f64 / 60_000.0);
        // equal-count bins as `stats::bin_floors` makes them, each of whole fine bins
        let bins = (stats::MAX_BINS as u64).min(n / 4).max(1);
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(bins as usize);
        let (mut seen, mut cur): (u64, Option<(u64, f64, f64)>) = (0, None);
        for b in kept {
            let k = (seen + b.n / 2) * bins / n; // the output bin of this one's middle
            let (ci, mid, floor) = cur.get_or_insert((k, b.mid_min, b.floor));
            if *ci != k {
                out.push((*mid, *floor));
                cur = Some((k, b.mid_min, b.floor));
            } else {
                *floor = floor.min(b.floor);
                // the output bin's middle point falls in this fine bin
                let lo = n * k / bins;
                let hi = n * (k + 1) / bins;
                let middle = (lo + hi) / 2;
                if seen <= middle && middle < seen + b.n {
                    *mid = b.mid_min;
                }
            }
            seen += b.n;
        }
        out.extend(cur.map(|(_, m, f)| (m, f)));
        let t = stats::theil_sen_binned(&out, xa, xb).map(|t| (t, xb - xa, xa));
        (t, n as usize)
    }
}

fn merge(pair: &[Bin]) -> Bin {
    let a = pair[0];
    let Some(b) = pair.get(1) else { return a };
    Bin {
        n: a.n + b.n,
        first_ms: a.first_ms,
        last_ms: b.last_ms,
        // the middle of two equal runs sits between them
        mid_min: if a.n == b.n {
            (a.last_ms as f64 + b.first_ms as f64) / 2.0 / 60_000.0
        } else if a.n > b.n {
            a.mid_min
        } else {
            b.mid_min
        },
        floor: a.floor.min(b.floor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::stats::{median, percentiles};
    use proptest::prelude::*;

    proptest! {
        /// Folded after 16 values, percentiles and medians stay within the stated
        /// 0.001 % of the exact ones (and exact below 262,144); sums, minimum and maximum
        /// stay exact.
        #[test]
        fn folded_quantiles_agree_with_exact_ones(
            v in prop::collection::vec(0u32..5_000_000, 1..400),
        ) {
            let mut q = Quantiles::with_cap(1.0, 0.0, 16);
            for &x in &v {
                q.add(f64::from(x));
            }
            let ps = [1.0, 50.0, 90.0, 99.0, 100.0];
            let got = q.percentiles(&ps);
            let want = percentiles(&mut v.clone(), &ps);
            for (g, w) in got.iter().zip(&want) {
                let (g, w) = (g.unwrap(), f64::from(w.unwrap()));
                prop_assert!((g - w).abs() <= 1e-5 * w + 1e-9, "{g} vs {w}");
                if w < 262_144.0 {
                    prop_assert_eq!(g, w);
                }
            }
            let mut f: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
            let (g, w) = (q.median().unwrap(), median(&mut f).unwrap());
            prop_assert!((g - w).abs() <= 1e-5 * w + 1e-9, "{g} vs {w}");
            prop_assert_eq!(q.sum(), v.iter().map(|&x| f64::from(x)).sum::<f64>());
            prop_assert_eq!(q.max(), v.iter().max().map(|&x| f64::from(x)));
        }

        /// A line with noise, folded into bins of 8 points, gives the slope of the exact
        /// fit within a few percent.
        #[test]
        fn folded_floors_follow_the_exact_trend(
            slope in 0.0f64..50.0,
            noise in prop::collection::vec(0.0f64..20.0, 2000..3000),
        ) {
            let (mut exact, mut folded) = (Floors::default(), Floors::with_cap(256));
            for (i, n) in noise.iter().enumerate() {
                let ms = i as u64 * 1000;
                let y = 100.0 + slope * ms as f64 / 60_000.0 + n;
                exact.add(ms, y);
                folded.add(ms, y);
            }
            let (a, na) = exact.trend(0);
            let (b, nb) = folded.trend(0);
            prop_assert_eq!(na, nb);
            let ((a, sa, fa), (b, sb, fb)) = (a.unwrap(), b.unwrap());
            prop_assert!((a.slope - b.slope).abs() <= 0.05 * a.slope.abs() + 0.2, "{} vs {}", a.slope, b.slope);
            prop_assert!((sa - sb).abs() < 1e-9 && (fa - fb).abs() < 1e-9);
        }
    }
}
