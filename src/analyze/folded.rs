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

    /// One cycle as a bucket (`prev`: the cycle before it, for the allocation).
    pub fn of(prev: Option<&Cycle>, c: &Cycle) -> Bucket {
        let g = &c.gc;
        let t = g.t_ms.map_or(0.0, |ms| ms as f64 / 1000.0);
        let live = live_mib(c);
        Bucket {
            first_gc: g.cycle,
            last_gc: g.cycle,
            first_t_s: t,
            last_t_s: t,
            cycles: 1,
            forced: u64::from(g.forced),
            live_floor_mib: live,
            live_peak_mib: live,
            heap_peak_mib: g.heap_before_mib.max(g.heap_after_mib),
            goal_peak_mib: g.goal_mib.unwrap_or(0),
            stacks_peak_mib: g.stacks_mib.unwrap_or(0),
            pause_max_ms: pause_us(c) as f64 / 1000.0,
            pause_total_ms: pause_us(c) as f64 / 1000.0,
            gc_cpu_ms: gc_cpu_us(c).unwrap_or(0) as f64 / 1000.0,
            allocated_mib: u64::from(alloc_mib(prev, c).unwrap_or(0)),
        }
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
        for c in cycles {
            let b = Bucket::of(self.last.as_ref(), c);
            match self.buckets.last_mut() {
                Some(last) if last.cycles < self.per_bucket => last.merge(&b),
                _ => self.buckets.push(b),
            }
            self.last = Some(*c);
        }
        if self.buckets.len() > MAX_BUCKETS {
            let old = std::mem::take(&mut self.buckets);
            for pair in old.chunks(2) {
                let mut b = pair[0].clone();
                if let Some(n) = pair.get(1) {
                    b.merge(n);
                }
                self.buckets.push(b);
            }
            self.per_bucket *= 2;
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
