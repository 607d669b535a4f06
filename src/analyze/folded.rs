//! The cycles a live session (`watch`, `run`) folded out of its detailed window: a
//! decimated history of the whole stream in time buckets (counts, heap floors and
//! peaks, pauses, GC CPU), so that a report of a stream of millions of cycles still
//! covers all of it, and says which part is in full detail. The JSON document carries
//! the buckets; the text report and the CSV writer say how much was folded.

use super::cycle::{alloc_mib, gc_cpu_us, live_mib, pause_us};
use crate::model::Cycle;
use serde::Serialize;

/// Aggregates of consecutive older cycles.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bucket {
    pub first_gc: u32,
    pub last_gc: u32,
    pub first_t_s: f64,
    pub last_t_s: f64,
    pub cycles: u64,
    pub forced: u64,
    pub live_floor_mib: u32,
    pub live_peak_mib: u32,
    pub heap_peak_mib: u32,
    pub goal_peak_mib: u32,
    pub stacks_peak_mib: u32,
    pub pause_max_ms: f64,
    pub pause_total_ms: f64,
    pub gc_cpu_ms: f64,
    pub allocated_mib: u64,
}

impl Bucket {
    /// Adds the next bucket's cycles to this one.
    pub fn merge(&mut self, o: &Bucket) {
        self.last_gc = o.last_gc;
        self.last_t_s = o.last_t_s;
        self.cycles += o.cycles;
        self.forced += o.forced;
        self.live_floor_mib = self.live_floor_mib.min(o.live_floor_mib);
        self.live_peak_mib = self.live_peak_mib.max(o.live_peak_mib);
        self.heap_peak_mib = self.heap_peak_mib.max(o.heap_peak_mib);
        self.goal_peak_mib = self.goal_peak_mib.max(o.goal_peak_mib);
        self.stacks_peak_mib = self.stacks_peak_mib.max(o.stacks_peak_mib);
        self.pause_max_ms = self.pause_max_ms.max(o.pause_max_ms);
        self.pause_total_ms += o.pause_total_ms;
        self.gc_cpu_ms += o.gc_cpu_ms;
        self.allocated_mib += o.allocated_mib;
    }

    /// Adds the next cycle (`prev`: the one before it) to this bucket: what
    /// `merge(&Bucket::of(prev, c))` does, without making the bucket.
    #[inline]
    pub fn absorb(&mut self, prev: Option<&Cycle>, c: &Cycle) {
        let g = &c.gc;
        let t = g.t_ms.map_or(0.0, |ms| ms as f64 / 1000.0);
        let live = live_mib(c);
        let pause = pause_us(c) as f64 / 1000.0;
        self.last_gc = g.cycle;
        self.last_t_s = t;
        self.cycles += 1;
        self.forced += u64::from(g.forced);
        self.live_floor_mib = self.live_floor_mib.min(live);
        self.live_peak_mib = self.live_peak_mib.max(live);
        self.heap_peak_mib = (self.heap_peak_mib)
            .max(g.heap_before_mib)
            .max(g.heap_after_mib);
        self.goal_peak_mib = self.goal_peak_mib.max(g.goal_mib.unwrap_or(0));
        self.stacks_peak_mib = self.stacks_peak_mib.max(g.stacks_mib.unwrap_or(0));
        self.pause_max_ms = self.pause_max_ms.max(pause);
        self.pause_total_ms += pause;
        self.gc_cpu_ms += gc_cpu_us(c).unwrap_or(0) as f64 / 1000.0;
        self.allocated_mib += u64::from(alloc_mib(prev, c).unwrap_or(0));
    }

    /// One cycle as a bucket (`prev`: the cycle before it, for the allocation).
    pub fn of(prev: Option<&Cycle>, c: &Cycle) -> Bucket {
        let mut b = Bucket {
            first_gc: c.gc.cycle,
            first_t_s: c.gc.t_ms.map_or(0.0, |ms| ms as f64 / 1000.0),
            live_floor_mib: u32::MAX,
            ..Bucket::default()
        };
        b.absorb(prev, c);
        b
    }
}

/// What a live session kept of the cycles it folded out of its detailed window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Folded {
    /// Cycles folded (not in the detailed `cycles`).
    pub cycles: u64,
    pub first_t_s: f64,
    pub last_t_s: f64,
    pub live_floor_first_mib: u32,
    pub live_floor_last_mib: u32,
    pub heap_peak_mib: u32,
    pub pause_max_ms: f64,
    /// The folded cycles in time order, a bucket per run of cycles.
    pub buckets: Vec<Bucket>,
    /// Whether the report's summary counted them (a long file read by `gc`, whose
    /// digest saw every cycle) or covers the detailed window only (a live session).
    #[serde(skip)]
    pub summarized: bool,
}

impl Folded {
    /// The summary of `buckets` (`None` when there are none).
    pub fn of(buckets: &[Bucket]) -> Option<Folded> {
        let (a, b) = (buckets.first()?, buckets.last()?);
        Some(Folded {
            cycles: buckets.iter().map(|b| b.cycles).sum(),
            first_t_s: a.first_t_s,
            last_t_s: b.last_t_s,
            live_floor_first_mib: a.live_floor_mib,
            live_floor_last_mib: b.live_floor_mib,
            heap_peak_mib: buckets.iter().map(|b| b.heap_peak_mib).max().unwrap_or(0),
            pause_max_ms: buckets.iter().map(|b| b.pause_max_ms).fold(0.0, f64::max),
            buckets: buckets.to_vec(),
            summarized: false,
        })
    }
}

/// Merges neighbouring buckets two by two.
fn halve(buckets: &mut Vec<Bucket>) {
    let old = std::mem::take(buckets);
    for pair in old.chunks(2) {
        let mut b = pair[0].clone();
        if let Some(n) = pair.get(1) {
            b.merge(n);
        }
        buckets.push(b);
    }
}

/// Most buckets kept for the older part; past it, neighbours are merged two by two.
pub const MAX_BUCKETS: usize = 4096;

/// The older cycles, folded.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub buckets: Vec<Bucket>,
    /// Cycles per bucket; doubles whenever the buckets are merged.
    per_bucket: u64,
    last: Option<Cycle>,
}

impl History {
    /// Folds `cycles` (the next ones, in order) into buckets of about `window / 64` cycles.
    pub fn add(&mut self, cycles: &[Cycle], window: usize) {
        if self.per_bucket == 0 {
            self.per_bucket = (window as u64 / 64).max(1);
        }
        let mut prev = self.last.as_ref();
        for c in cycles {
            match self.buckets.last_mut() {
                Some(last) if last.cycles < self.per_bucket => last.absorb(prev, c),
                _ => {
                    let b = Bucket::of(prev, c);
                    self.buckets.push(b);
                    // as each bucket is opened, so that the buckets do not depend on
                    // how the cycles were split between calls
                    if self.buckets.len() > MAX_BUCKETS {
                        halve(&mut self.buckets);
                        self.per_bucket *= 2;
                    }
                }
            }
            prev = Some(c);
        }
        if let Some(c) = cycles.last() {
            self.last = Some(*c);
        }
    }

    pub fn cycles(&self) -> u64 {
        self.buckets.iter().map(|b| b.cycles).sum()
    }

    /// What the report says of the folded cycles (`None` when nothing was folded).
    pub fn folded(&self) -> Option<Folded> {
        Folded::of(&self.buckets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Absorbing a cycle is merging its bucket, on every cycle of real traces (with a
    /// restart, ≤1.4 lines and forced cycles among them); and how the cycles are split
    /// between calls does not change the buckets.
    #[test]
    fn absorb_is_merge_and_calls_do_not_matter() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "go1.26/gctrace2.log",
            "go1.21/leak.log",
            "public/go1.8-issue18896-restart.log",
        ] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            // repeated past MAX_BUCKETS buckets of one cycle, so that they are halved
            let cycles = crate::parse::load_bytes(&data).cycles.repeat(8);
            let mut a = Bucket::of(None, &cycles[0]);
            let mut b = a.clone();
            for w in cycles.windows(2) {
                a.absorb(Some(&w[0]), &w[1]);
                b.merge(&Bucket::of(Some(&w[0]), &w[1]));
            }
            assert_eq!(a, b, "{f}");
            let mut one = History::default();
            one.add(&cycles, 8);
            let mut split = History::default();
            for part in cycles.chunks(3) {
                split.add(part, 8);
            }
            assert_eq!(one.buckets, split.buckets, "{f}");
            assert_eq!(one.cycles(), cycles.len() as u64, "{f}");
        }
    }
}
