//! Reducing a series for drawing: cut into runs where cycles stop (a restart, a gap in
//! which no cycle ran: drawn as a gap, not a diagonal), and each run reduced to at most
//! two points per pixel column (its envelope), so a million cycles draw fast and a
//! single spike still reaches its column's top; a series denser than that also gets a
//! median per column, drawn through its band.

/// Where a new run starts: a restart, or a gap twenty times the usual interval (and
/// at least 2% of the span) in which no cycle ran.
pub fn run_bounds(segments: &[u32], xs: &[f64], timed: bool) -> Vec<(usize, usize)> {
    let mut gaps: Vec<f64> = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .collect();
    let span = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - xs.iter().copied().fold(f64::INFINITY, f64::min);
    let threshold = if timed && !gaps.is_empty() {
        let mid = gaps.len() / 2;
        let median = *gaps.select_nth_unstable_by(mid, f64::total_cmp).1;
        (median * 20.0).max(span * 0.02)
    } else {
        f64::INFINITY
    };
    let mut out = vec![];
    let mut start = 0;
    for k in 1..xs.len() {
        if segments[k] != segments[k - 1] || xs[k] - xs[k - 1] > threshold {
            out.push((start, k));
            start = k;
        }
    }
    out.push((start, xs.len()));
    out
}

/// Reduces `(x, y)` (x ascending) to at most two points per column of `columns` equal
/// columns over `x_range`: the min and max of the column, in the order they occurred.
pub fn envelope(points: &[(f64, f64)], x_range: (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns || columns == 0 {
        return points.to_vec();
    }
    let (x0, x1) = x_range;
    let w = ((x1 - x0) / columns as f64).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(2 * columns);
    let mut col = usize::MAX;
    let (mut lo, mut hi) = ((0.0, f64::INFINITY), (0.0, f64::NEG_INFINITY));
    let (mut lo_i, mut hi_i) = (0, 0);
    let flush =
        |out: &mut Vec<(f64, f64)>, lo: (f64, f64), hi: (f64, f64), lo_i: usize, hi_i: usize| {
            if lo_i <= hi_i {
                out.push(lo);
                if hi_i != lo_i {
                    out.push(hi);
                }
            } else {
                out.push(hi);
                out.push(lo);
            }
        };
    for (i, &(x, y)) in points.iter().enumerate() {
        let c = (((x - x0) / w) as usize).min(columns - 1);
        if c != col {
            if col != usize::MAX {
                flush(&mut out, lo, hi, lo_i, hi_i);
            }
            col = c;
            lo = (x, y);
            hi = (x, y);
            lo_i = i;
            hi_i = i;
            continue;
        }
        if y < lo.1 {
            lo = (x, y);
            lo_i = i;
        }
        if y > hi.1 {
            hi = (x, y);
            hi_i = i;
        }
    }
    if col != usize::MAX {
        flush(&mut out, lo, hi, lo_i, hi_i);
    }
    out
}

/// The median of each column of `envelope`'s columns, at the column's middle (clamped to
/// the points'), for a series dense enough to be drawn as a band (more than two points
/// per column); empty otherwise. Drawn through the band, it shows where most cycles are
/// when the min–max band of a long trace fills the panel.
pub fn medians(points: &[(f64, f64)], x_range: (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns || columns == 0 {
        return vec![];
    }
    let (x0, x1) = x_range;
    let w = ((x1 - x0) / columns as f64).max(f64::MIN_POSITIVE);
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let mut out = Vec::with_capacity(columns);
    let mut ys: Vec<f64> = vec![];
    let mut col = usize::MAX;
    let mut flush = |col: usize, ys: &mut Vec<f64>| {
        if ys.is_empty() {
            return;
        }
        let mid = ys.len() / 2;
        let y = *ys.select_nth_unstable_by(mid, f64::total_cmp).1;
        let x = (x0 + (col as f64 + 0.5) * w).clamp(first, last);
        out.push((x, y));
        ys.clear();
    };
    for &(x, y) in points {
        let c = (((x - x0) / w) as usize).min(columns - 1);
        if c != col {
            if col != usize::MAX {
                flush(col, &mut ys);
            }
            col = c;
        }
        ys.push(y);
    }
    if col != usize::MAX {
        flush(col, &mut ys);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dense_series_gets_a_median_per_column() {
        // a spike every tenth point: the band reaches it, the median stays at 1
        let pts: Vec<(f64, f64)> = (0..100_000)
            .map(|i| (i as f64, if i % 10 == 0 { 50.0 } else { 1.0 }))
            .collect();
        let m = medians(&pts, (0.0, 99_999.0), 100);
        assert_eq!(m.len(), 100);
        assert!(m.iter().all(|p| p.1 == 1.0));
        assert!(m.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(m[0].0 >= 0.0 && m[99].0 <= 99_999.0);
        assert!(medians(&pts[..150], (0.0, 149.0), 100).is_empty());
    }

    #[test]
    fn envelope_keeps_every_spike() {
        let mut pts: Vec<(f64, f64)> = (0..1_000_000).map(|i| (i as f64, 1.0)).collect();
        pts[123_457].1 = 500.0;
        pts[999_998].1 = -3.0;
        let e = envelope(&pts, (0.0, 999_999.0), 1000);
        assert!(e.len() <= 2000);
        assert!(e.contains(&(123_457.0, 500.0)));
        assert!(e.contains(&(999_998.0, -3.0)));
        assert!(e.windows(2).all(|w| w[0].0 <= w[1].0), "x stays ordered");
    }

    #[test]
    fn few_points_are_kept_as_they_are() {
        let pts = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 0.5)];
        assert_eq!(envelope(&pts, (0.0, 2.0), 100), pts);
    }

    #[test]
    fn runs_break_at_restarts_and_long_gaps() {
        let xs = [0.0, 1.0, 2.0, 3.0, 100.0, 101.0, 102.0];
        assert_eq!(
            run_bounds(&[0, 0, 0, 0, 0, 0, 0], &xs, true),
            vec![(0, 4), (4, 7)]
        );
        assert_eq!(
            run_bounds(&[0, 0, 1, 1, 1, 1, 1], &xs[..], false),
            vec![(0, 2), (2, 7)]
        );
    }
}
