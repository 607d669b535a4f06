//! Figures and findings computed from a [`Timeline`](crate::model::Timeline): the KPI
//! summary (GCeasy/GCViewer style), per-segment trends and the leak verdict, and the
//! findings in plain words.

pub mod advice;
pub mod cycle;
pub mod escape;
pub mod findings;
pub mod memstats;
pub mod stats;
pub mod summary;

pub use findings::{Finding, Severity, findings};
pub use summary::{Leak, LeakVerdict, Summary, summarize};

use crate::model::Timeline;

/// Everything a `gc` report shows: the timeline and what was computed from it.
pub struct Report {
    pub timeline: Timeline,
    pub summary: Summary,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn new(timeline: Timeline) -> Self {
        let summary = summarize(&timeline);
        let findings = findings(&timeline, &summary);
        Report {
            timeline,
            summary,
            findings,
        }
    }
}
