//! Figures and findings computed from a [`Timeline`](crate::model::Timeline): the KPI
//! summary (GCeasy/GCViewer style), per-segment trends and the leak verdict, and the
//! findings in plain words.

pub mod advice;
pub mod cycle;
pub mod digest;
pub mod escape;
pub mod findings;
pub mod fleet;
pub mod folded;
pub mod goroutines;
pub mod heap;
pub mod long;
pub mod memstats;
pub mod moments;
pub mod per_segment;
pub mod report;
pub mod scheduler;
pub mod sketch;
pub mod stats;
pub mod summary;

pub use findings::{Finding, Severity, findings};
pub use folded::{Bucket, Folded, History};
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
