//! Small robust statistics: nearest-rank percentiles, medians, and a Theil–Sen trend
//! over time-binned floors (robust to warm-up spikes and forced cycles, and O(bins²)
//! whatever the number of cycles).

use serde::Serialize;

/// Median in O(n) (reorders `v`).
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let n = v.len();
    let (left, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let mid = *mid;
    if n % 2 == 1 {
        return Some(mid);
    }
    let below = left.iter().copied().max_by(f64::total_cmp).unwrap_or(mid);
    Some((below + mid) / 2.0)
}

/// Nearest-rank percentiles of unsorted data in O(n) (reorders `v`). Ascending `ps`
/// each search only the part above the previous one, so three cost little more than one.
pub fn percentiles<T: Copy + Ord>(v: &mut [T], ps: &[f64]) -> Vec<Option<T>> {
    let mut lo = 0; // v[lo..] holds every element ranked at or above the last found
    ps.iter()
        .map(|&p| {
            if v.is_empty() {
                return None;
            }
            let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
            let k = rank.clamp(1, v.len()) - 1;
            if k < lo {
                lo = 0; // not ascending: search everything again
            }
            let found = *v[lo..].select_nth_unstable(k - lo).1;
            lo = k;
            Some(found)
        })
        .collect()
}

/// A straight-line trend `y = intercept + slope · x`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trend {
    /// Units of y per unit of x.
    pub slope: f64,
    pub intercept: f64,
    /// Fit quality of the robust line, 1 − SS_res/SS_tot, clamped to [0, 1].
    pub r2: f64,
    /// How many (binned) points the fit used.
    pub points: usize,
    /// y of the line at the first and last x (not below 0).
    pub start: f64,
    pub end: f64,
}

/// Most points a trend is fitted on.
pub const MAX_BINS: usize = 60;

/// Reduces `(x, y)` (x ascending) to at most `bins` points of equally many samples
/// (at least four each): the median x and the *lowest* y of each bin. The floor is what
/// a leak raises: the live heap a GC reports also counts what was allocated during its
/// mark, which swings with load, but it never drops below what is really retained.
/// Equal counts, not equal widths: a trace with a burst of cycles and then an idle
/// stretch still gets bins everywhere there is data.
pub fn bin_floors(points: &[(f64, f64)], bins: usize) -> Vec<(f64, f64)> {
    if points.len() < 40 {
        return points.to_vec();
    }
    let bins = bins.min(points.len() / 4);
    let mut out = Vec::with_capacity(bins);
    let mut xs = Vec::new();
    for b in 0..bins {
        let (lo, hi) = (points.len() * b / bins, points.len() * (b + 1) / bins);
        xs.clear();
        xs.extend(points[lo..hi].iter().map(|p| p.0));
        let floor = points[lo..hi].iter().map(|p| p.1).min_by(f64::total_cmp);
        if let (Some(x), Some(y)) = (median(&mut xs), floor) {
            out.push((x, y));
        }
    }
    out
}

/// Theil–Sen slope over the binned floors, with the median intercept.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<Trend> {
    let (xa, xb) = (points.first()?.0, points.last()?.0);
    theil_sen_binned(&bin_floors(points, MAX_BINS), xa, xb)
}

/// Theil–Sen over points already binned (`p`), the line's ends at `xa` and `xb`.
pub fn theil_sen_binned(p: &[(f64, f64)], xa: f64, xb: f64) -> Option<Trend> {
    if p.len() < 3 {
        return None;
    }
    let mut slopes = Vec::with_capacity(p.len() * (p.len() - 1) / 2);
    for i in 0..p.len() {
        for j in i + 1..p.len() {
            let dx = p[j].0 - p[i].0;
            if dx > 0.0 {
                slopes.push((p[j].1 - p[i].1) / dx);
            }
        }
    }
    let slope = median(&mut slopes)?;
    let mut icpts: Vec<f64> = p.iter().map(|(x, y)| y - slope * x).collect();
    let intercept = median(&mut icpts)?;
    let mean = p.iter().map(|q| q.1).sum::<f64>() / p.len() as f64;
    let ss_tot: f64 = p.iter().map(|q| (q.1 - mean).powi(2)).sum();
    let ss_res: f64 = p
        .iter()
        .map(|(x, y)| (y - (intercept + slope * x)).powi(2))
        .sum();
    let r2 = if ss_tot > 0.0 {
        (1.0 - ss_res / ss_tot).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some(Trend {
        slope,
        intercept,
        r2,
        points: p.len(),
        start: (intercept + slope * xa).max(0.0),
        end: (intercept + slope * xb).max(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let mut v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentiles(&mut v, &[50.0]), vec![Some(50)]);
        assert_eq!(percentiles(&mut v, &[99.0]), vec![Some(99)]);
        assert_eq!(percentiles(&mut v, &[100.0]), vec![Some(100)]);
        assert_eq!(percentiles::<u32>(&mut [], &[50.0]), vec![None]);
        // descending ranks search the whole slice again
        let mut v: Vec<u32> = (1..=100).rev().collect();
        assert_eq!(
            percentiles(&mut v, &[99.0, 50.0, 90.0, 1.0]),
            vec![Some(99), Some(50), Some(90), Some(1)]
        );
    }

    #[test]
    fn selection_matches_sorting() {
        let mut v: Vec<u32> = (1..=100).rev().collect();
        assert_eq!(
            percentiles(&mut v, &[50.0, 90.0, 99.0, 100.0]),
            vec![Some(50), Some(90), Some(99), Some(100)]
        );
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
    }

    #[test]
    fn theil_sen_ignores_outliers() {
        let mut pts: Vec<(f64, f64)> = (0..50).map(|i| (i as f64, 2.0 * i as f64 + 1.0)).collect();
        pts[10].1 = 1000.0;
        pts[20].1 = -500.0;
        let t = theil_sen(&pts).unwrap();
        assert!((t.slope - 2.0).abs() < 0.1, "{t:?}");
        // floors sit below the bin median x: the intercept moves by about half a bin
        assert!((t.intercept - 1.0).abs() < 4.0, "{t:?}");
    }

    #[test]
    fn flat_series_has_no_slope() {
        let pts: Vec<(f64, f64)> = (0..1000)
            .map(|i| (i as f64, 32.0 + (i % 3) as f64))
            .collect();
        let t = theil_sen(&pts).unwrap();
        assert!(t.slope.abs() < 0.01, "{t:?}");
        assert!(t.points <= MAX_BINS);
    }
}
