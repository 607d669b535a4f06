//! What a Prometheus holds about the Go instances of a fleet (`gclens fleet`), as
//! asked: one instance's series over the range at a time, never the fleet's at once.

use serde::Serialize;
use std::collections::BTreeMap;

/// A series' labels, `__name__` left out.
pub type Labels = BTreeMap<String, String>;

/// The labels that tell one instance apart: its scrape target, and its container where
/// Kubernetes service discovery put those labels on it.
pub const KEY_LABELS: [&str; 5] = ["job", "instance", "namespace", "pod", "container"];

/// The key labels of `labels`, the rest left out.
pub fn key_of(labels: &Labels) -> Labels {
    KEY_LABELS
        .iter()
        .filter_map(|k| labels.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// One series of a range query: Unix seconds and values, in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

/// Where an instance's live heap came from, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveSource {
    /// `gclens_heap_live_bytes` (`gclens run --metrics`): the live heap each cycle
    /// marked, from the gctrace.
    GctraceLive,
    /// client_golang's `go_memstats_next_gc_bytes` over 1 + GOGC/100: the heap marked
    /// live at the last cycle (high while GOMEMLIMIT lowers the goal).
    GoalOverGogc,
    /// `go_memstats_heap_inuse_bytes`: in-use spans, live and not yet swept; its floors
    /// follow the live heap.
    HeapInuse,
}

impl LiveSource {
    pub fn label(self) -> &'static str {
        match self {
            LiveSource::GctraceLive => "gclens_heap_live_bytes",
            LiveSource::GoalOverGogc => "next_gc / (1 + GOGC/100)",
            LiveSource::HeapInuse => "heap_inuse floors",
        }
    }
}

/// What was asked about one instance over the range.
#[derive(Clone, Debug, Default)]
pub struct Instance {
    /// Its key labels ([`KEY_LABELS`]).
    pub labels: Labels,
    /// The best live-heap series it has (bytes).
    pub live: Option<(LiveSource, Vec<(f64, f64)>)>,
    /// `go_goroutines`.
    pub goroutines: Vec<(f64, f64)>,
    /// GOGC in force at the end (`go_gc_gogc_percent`; -1 is off).
    pub gogc: Option<f64>,
    /// GOMEMLIMIT in force at the end (`go_gc_gomemlimit_bytes`; math.MaxInt64 is none).
    pub gomemlimit: Option<f64>,
    /// The largest heap goal over the range (`go_memstats_next_gc_bytes`).
    pub goal_peak: Option<f64>,
    /// The container's memory limit (cAdvisor or kube-state-metrics).
    pub container_limit: Option<f64>,
    /// The container's highest working set over the range (cAdvisor).
    pub working_set_peak: Option<f64>,
    /// Restarts over the range whose last termination was an OOM kill
    /// (kube-state-metrics).
    pub oom_restarts: Option<f64>,
    /// GC figures over the range where exported: its longest and mean stop-the-world
    /// pause (`go_gc_duration_seconds`), cycles a minute, and the GC's share of CPU
    /// (`gclens_gc_cpu_ratio`).
    pub gc: GcFigures,
}

/// An instance's GC over the range (see [`Instance::gc`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GcFigures {
    pub pause_max_s: Option<f64>,
    pub pause_mean_s: Option<f64>,
    pub cycles_per_min: Option<f64>,
    pub cpu_ratio: Option<f64>,
}

/// A GOMEMLIMIT that is no limit: math.MaxInt64 and anything near it.
pub fn is_unlimited(bytes: f64) -> bool {
    bytes >= 9.0e18
}
