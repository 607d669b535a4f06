//! A chart of a trace of any length in bounded memory (issue 31): each series is kept
//! as per-slice statistics instead of points. The x axis is cut into equal slices
//! ("cells", at most `max` of them over the span seen so far, twice as wide each time
//! the span outgrows them, merged two by two), and a cell holds, per series, the count,
//! the lowest and highest point (with where and in which order they came) and a
//! histogram of its values. A new cell also starts wherever a run starts (a restart), so
//! no cell spans two.
//!
//! What is drawn from it: the min–max band per pixel column is exact up to a cell's width
//! at the column's edges (cells are at least four times narrower than a column); the line
//! through the band is the median of the column's values to within 0.8 % (each cell
//! keeps its values as a histogram of buckets 2^-6 wide relative to their size: the top
//! bits of the float, which merge exactly).

use super::model::Series;
use super::reduce::envelope;

/// The series a chart draws, by index: heap before, after, live, goal, stacks+globals
/// (MiB), GC CPU over the window and as printed (%), STW pause (ms).
pub const SERIES: usize = 8;

/// Mantissa bits of a value kept in a cell's histogram: within 2^-7 (0.8 %) of it.
const BITS: u32 = 6;

/// A value's histogram bucket (values below 0 count as 0): the top bits of its float,
/// which order as the values do.
fn key(y: f64) -> u32 {
    (y.max(0.0).to_bits() >> (52 - BITS)) as u32
}

/// The middle of a bucket (0 for the bucket of 0).
fn unkey(k: u32) -> f64 {
    if k == 0 {
        return 0.0;
    }
    f64::from_bits((u64::from(k) << (52 - BITS)) | (1 << (51 - BITS)))
}

/// One series in one cell.
#[derive(Clone, Debug)]
struct Stat {
    n: u64,
    /// (x, y, arrival) of the lowest and the highest point; the first one on ties.
    lo: (f64, f64, u64),
    hi: (f64, f64, u64),
    /// (bucket, count), by bucket: the values, to 0.8 %, for the median.
    hist: Vec<(u32, u32)>,
}

const EMPTY: Stat = Stat {
    n: 0,
    lo: (0.0, 0.0, 0),
    hi: (0.0, 0.0, 0),
    hist: Vec::new(),
};

impl Stat {
    fn push(&mut self, x: f64, y: f64, seq: u64) {
        if self.n == 0 {
            self.lo = (x, y, seq);
            self.hi = (x, y, seq);
        } else if y < self.lo.1 {
            self.lo = (x, y, seq);
        } else if y > self.hi.1 {
            self.hi = (x, y, seq);
        }
        self.n += 1;
        let k = key(y);
        match self.hist.binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.hist[i].1 = self.hist[i].1.saturating_add(1),
            Err(i) => self.hist.insert(i, (k, 1)),
        }
    }

    fn merge(&mut self, o: Stat) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = o;
            return;
        }
        if o.lo.1 < self.lo.1 {
            self.lo = o.lo;
        }
        if o.hi.1 > self.hi.1 {
            self.hi = o.hi;
        }
        self.n += o.n;
        self.hist = merged(&self.hist, &o.hist);
    }
}

/// Two histograms as one, by bucket.
fn merged(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1.saturating_add(y.1)));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

#[derive(Clone, Debug)]
struct Cell {
    run: u32,
    idx: u64,
    x0: f64,
    x1: f64,
    s: [Stat; SERIES],
}

/// Per-cell statistics of every series, fed points in x order.
pub struct Bands {
    origin: f64,
    w: f64,
    max: usize,
    cells: Vec<Cell>,
    seq: u64,
}

impl Bands {
    /// Cells start at `origin`, `w` wide; at most `max` of them (at least 2) per run
    /// of the span.
    pub fn new(origin: f64, w: f64, max: usize) -> Self {
        Bands {
            origin,
            w: w.max(1e-9),
            max: max.max(2),
            cells: vec![],
            seq: 0,
        }
    }

    /// The width of a cell now (markers are thinned to it).
    pub fn width(&self) -> f64 {
        self.w
    }

    /// Adds a point of run `run` at `x` (not left of the last one: a point that is, is
    /// counted in the last cell) with each series' value (`NaN` where it has none).
    pub fn push(&mut self, run: u32, x: f64, ys: &[f64; SERIES]) {
        let mut idx = ((x - self.origin) / self.w).max(0.0) as u64;
        while idx >= self.max as u64 {
            self.coarsen();
            idx = ((x - self.origin) / self.w).max(0.0) as u64;
        }
        let fresh = match self.cells.last() {
            Some(c) => c.run != run || idx > c.idx,
            None => true,
        };
        if fresh {
            self.cells.push(Cell {
                run,
                idx,
                x0: x,
                x1: x,
                s: [EMPTY; SERIES],
            });
        }
        let Some(c) = self.cells.last_mut() else {
            return;
        };
        c.x1 = c.x1.max(x);
        for (k, &y) in ys.iter().enumerate() {
            if y.is_finite() {
                c.s[k].push(x, y, self.seq);
            }
        }
        self.seq += 1;
    }

    /// Cells twice as wide: neighbours of one run merged.
    fn coarsen(&mut self) {
        self.w *= 2.0;
        let mut out: Vec<Cell> = Vec::with_capacity(self.cells.len() / 2 + 1);
        for mut c in self.cells.drain(..) {
            c.idx /= 2;
            match out.last_mut() {
                Some(p) if p.run == c.run && p.idx == c.idx => {
                    p.x1 = p.x1.max(c.x1);
                    for (a, b) in p.s.iter_mut().zip(c.s) {
                        a.merge(b);
                    }
                }
                _ => out.push(c),
            }
        }
        self.cells = out;
    }

    /// Runs of cells: a new one where the run changes or where `split(a_x1, b_x0)`
    /// says a gap lies between two neighbouring cells. Each run as (first run id,
    /// index range into the cells).
    pub fn runs(&self, split: &dyn Fn(f64, f64) -> bool) -> Vec<(u32, std::ops::Range<usize>)> {
        let mut out = vec![];
        let mut start = 0;
        for i in 1..=self.cells.len() {
            let cut = i == self.cells.len() || {
                let (a, b) = (&self.cells[i - 1], &self.cells[i]);
                a.run != b.run || split(a.x1, b.x0)
            };
            if cut {
                out.push((self.cells[start].run, start..i));
                start = i;
            }
        }
        out
    }

    /// The first x of a range of cells.
    pub fn x0(&self, r: &std::ops::Range<usize>) -> f64 {
        self.cells[r.start].x0
    }

    /// Series `k` over the cells of each run: x divided by `per`, y through `scale`;
    /// its band reduced to `columns` over `x_range`, with a median line where a run has
    /// more than two values per column.
    pub fn series(
        &self,
        name: &'static str,
        k: usize,
        runs: &[(u32, std::ops::Range<usize>)],
        (per, scale): (f64, &dyn Fn(f64) -> f64),
        x_range: (f64, f64),
        columns: usize,
    ) -> Series {
        let mut s = Series {
            name,
            ..Series::default()
        };
        for (_, r) in runs {
            let cells = &self.cells[r.clone()];
            let mut pts = Vec::with_capacity(2 * cells.len());
            let mut n = 0;
            for st in cells.iter().map(|c| &c.s[k]).filter(|st| st.n > 0) {
                n += st.n;
                let (a, b) = if st.lo.2 <= st.hi.2 {
                    (st.lo, st.hi)
                } else {
                    (st.hi, st.lo)
                };
                pts.push((a.0 / per, scale(a.1)));
                if a.2 != b.2 {
                    pts.push((b.0 / per, scale(b.1)));
                }
            }
            if pts.is_empty() {
                continue;
            }
            let dense = n > 2 * columns as u64;
            s.medians.push(if dense {
                column_medians(cells, k, (per, scale), x_range, columns, &pts)
            } else {
                vec![]
            });
            s.runs.push(envelope(&pts, x_range, columns));
        }
        s
    }
}

/// Per column, the median of the values of the cells whose middle falls in it (the
/// upper one of an even count, as `reduce::medians`), to 0.8 %, at the column's middle
/// (clamped to the run's points).
fn column_medians(
    cells: &[Cell],
    k: usize,
    (per, scale): (f64, &dyn Fn(f64) -> f64),
    (x0, x1): (f64, f64),
    columns: usize,
    pts: &[(f64, f64)],
) -> Vec<(f64, f64)> {
    let w = ((x1 - x0) / columns as f64).max(f64::MIN_POSITIVE);
    let (first, last) = (pts[0].0, pts[pts.len() - 1].0);
    let mut out = vec![];
    let mut col: Option<usize> = None;
    let mut held: Vec<(u32, u32)> = vec![];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut flush = |col: usize, held: &mut Vec<(u32, u32)>, lo: f64, hi: f64| {
        if held.is_empty() {
            return;
        }
        held.sort_unstable_by_key(|e| e.0);
        let total: u64 = held.iter().map(|h| u64::from(h.1)).sum();
        let mut seen = 0;
        let mut y = 0.0;
        for &(b, c) in held.iter() {
            seen += u64::from(c);
            if seen > total / 2 {
                y = unkey(b).clamp(lo, hi);
                break;
            }
        }
        let x = (x0 + (col as f64 + 0.5) * w).clamp(first, last);
        out.push((x, scale(y)));
        held.clear();
    };
    for c in cells {
        let st = &c.s[k];
        if st.n == 0 {
            continue;
        }
        let mid = (c.x0 + c.x1) / 2.0 / per;
        let k_col = (((mid - x0) / w).max(0.0) as usize).min(columns - 1);
        if let Some(p) = col
            && p != k_col
        {
            flush(p, &mut held, lo, hi);
            (lo, hi) = (f64::INFINITY, f64::NEG_INFINITY);
        }
        col = Some(k_col);
        held.extend_from_slice(&st.hist);
        lo = lo.min(st.lo.1);
        hi = hi.max(st.hi.1);
    }
    if let Some(c) = col {
        flush(c, &mut held, lo, hi);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::reduce::medians;
    use proptest::prelude::*;

    proptest! {
        /// Any values, in any number of cells merged any number of times: the median of
        /// a column is within 0.8 % of the exact one (the upper median, as drawn from
        /// the kept cycles).
        #[test]
        fn a_column_median_is_within_a_bucket(
            ys in proptest::collection::vec(0.0f64..1e6, 1..400),
            max in 2usize..16,
        ) {
            let mut b = Bands::new(0.0, 1.0, max);
            for (i, &y) in ys.iter().enumerate() {
                b.push(0, i as f64, &ys_of(y));
            }
            let runs = b.runs(&|_, _| false);
            let n = ys.len() as f64;
            let s = b.series("s", 0, &runs, (1.0, &|y| y), (0.0, n), 1);
            let mut v = ys.clone();
            let mid = v.len() / 2;
            let exact = *v.select_nth_unstable_by(mid, f64::total_cmp).1;
            if ys.len() > 2 {
                let got = s.medians[0][0].1;
                prop_assert!((got - exact).abs() <= exact / 128.0 + 1e-12, "{got} vs {exact}");
            }
            let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(s.runs[0].iter().any(|p| p.1 == lo) && s.runs[0].iter().any(|p| p.1 == hi));
        }
    }

    fn ys_of(v: f64) -> [f64; SERIES] {
        ys(v)
    }

    fn ys(v: f64) -> [f64; SERIES] {
        let mut a = [f64::NAN; SERIES];
        a[0] = v;
        a
    }

    /// A million points folded into at most 64 cells: every spike still reaches its
    /// column, the median line stays on the steady value, the memory stays at 64 cells.
    #[test]
    fn a_long_series_keeps_its_spikes_and_its_median() {
        let mut b = Bands::new(0.0, 1.0, 64);
        let pts: Vec<(f64, f64)> = (0..1_000_000)
            .map(|i| {
                let y = match i {
                    123_457 => 500.0,
                    999_998 => -3.0,
                    _ if i % 10 == 0 => 50.0,
                    _ => 1.0,
                };
                (i as f64, y)
            })
            .collect();
        for &(x, y) in &pts {
            b.push(0, x, &ys(y));
        }
        assert!(b.cells.len() <= 64, "{}", b.cells.len());
        let runs = b.runs(&|_, _| false);
        let s = b.series("s", 0, &runs, (1.0, &|y| y), (0.0, 999_999.0), 16);
        assert_eq!(s.runs.len(), 1);
        let band = &s.runs[0];
        assert!(band.contains(&(123_457.0, 500.0)), "{band:?}");
        assert!(band.contains(&(999_998.0, -3.0)));
        assert!(band.windows(2).all(|w| w[0].0 <= w[1].0));
        let exact = medians(&pts, (0.0, 999_999.0), 16);
        assert_eq!(s.medians[0].len(), exact.len());
        // the steady value, to within half a bucket
        assert!(
            s.medians[0]
                .iter()
                .all(|p| (p.1 - 1.0).abs() <= 1.0 / 128.0),
            "{:?}",
            s.medians
        );
        // the empty series draws nothing
        assert!(
            b.series("t", 3, &runs, (1.0, &|y| y), (0.0, 1.0), 16)
                .is_empty()
        );
    }

    #[test]
    fn runs_never_share_a_cell_and_gaps_split_them() {
        let mut b = Bands::new(0.0, 1.0, 8);
        for x in 0..10 {
            b.push(0, f64::from(x), &ys(1.0));
        }
        b.push(1, 9.5, &ys(2.0)); // a restart within the last cell
        for x in 100..110 {
            b.push(1, f64::from(x), &ys(3.0));
        }
        let runs = b.runs(&|a, z| z - a > 50.0);
        assert_eq!(
            runs.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![0, 1, 1],
            "the restart and the gap"
        );
        assert_eq!(b.x0(&runs[1].1), 9.5);
    }
}
