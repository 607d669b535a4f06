//! Figures and findings computed from a [`Timeline`](crate::model::Timeline): the KPI
//! summary (GCeasy/GCViewer style), per-segment trends and the leak verdict, and the
//! findings in plain words.

pub mod advice;
pub mod cycle;
pub mod escape;
pub mod findings;
pub mod goroutines;
pub mod heap;
pub mod memstats;
pub mod stats;
pub mod summary;

pub use findings::{Finding, Severity, findings};
pub use summary::{Leak, LeakVerdict, Summary, summarize};

use crate::model::Timeline;
use memstats::{MemJoin, MemReport};

/// Everything a `gc` report shows: the timeline, what was computed from it, and what
/// came with it (MemStats dumps of the same run; cycles a live session folded away).
pub struct Report {
    pub timeline: Timeline,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// `--memstats`: the dumps, joined to the cycles by GC number.
    pub memstats: Option<MemJoin>,
    /// `watch`/`run`: the cycles older than the detailed window.
    pub folded: Option<Folded>,
}

impl Report {
    pub fn new(timeline: Timeline) -> Self {
        let summary = summarize(&timeline);
        let findings = findings(&timeline, &summary);
        Report {
            timeline,
            summary,
            findings,
            memstats: None,
            folded: None,
        }
    }

    /// Joins MemStats dumps of the same run to the timeline.
    pub fn with_memstats(mut self, m: Option<MemReport>) -> Self {
        self.memstats = m.map(|m| MemJoin::new(&self.timeline, m));
        self
    }
}

/// What a live session kept of the cycles it folded out of its detailed window.
#[derive(Clone, Debug, PartialEq)]
pub struct Folded {
    pub cycles: u64,
    pub buckets: usize,
    pub first_t_s: f64,
    pub last_t_s: f64,
    pub live_floor_first_mib: u32,
    pub live_floor_last_mib: u32,
    pub heap_peak_mib: u32,
    pub pause_max_ms: f64,
}
