//! `runtime.MemStats` as values: every field by its Go name, absent (not zero) where a
//! dump's shape does not carry it, and where each snapshot came from. `parse::memstats`
//! reads the four shapes into these; `analyze::memstats` works out the series.

use serde::Serialize;

macro_rules! memstats {
    ($($field:ident $go:literal),* $(,)?) => {
        /// Every field of Go's `runtime.MemStats` (and pprof's `MaxRSS`), named as in Go.
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        pub struct MemStats {
            $(#[serde(rename = $go, skip_serializing_if = "Option::is_none")] pub $field: Option<u64>,)*
            #[serde(rename = "PauseNs", skip_serializing_if = "Option::is_none")]
            pub pause_ns: Option<Vec<u64>>,
            #[serde(rename = "PauseEnd", skip_serializing_if = "Option::is_none")]
            pub pause_end: Option<Vec<u64>>,
            #[serde(rename = "GCCPUFraction", skip_serializing_if = "Option::is_none")]
            pub gc_cpu_fraction: Option<f64>,
            #[serde(rename = "EnableGC", skip_serializing_if = "Option::is_none")]
            pub enable_gc: Option<bool>,
            #[serde(rename = "DebugGC", skip_serializing_if = "Option::is_none")]
            pub debug_gc: Option<bool>,
            #[serde(rename = "BySize", skip_serializing_if = "Option::is_none")]
            pub by_size: Option<Vec<SizeClass>>,
        }

        /// The integer fields' Go names, in Go's order.
        pub const U64_FIELDS: &[&str] = &[$($go),*];

        impl MemStats {
            /// Sets an integer field by its Go name; false for an unknown name.
            pub fn set_u64(&mut self, go: &str, v: u64) -> bool {
                match go {
                    $($go => { self.$field = Some(v); true })*
                    _ => false,
                }
            }

            /// Clears an integer field by its Go name.
            pub fn clear_u64(&mut self, go: &str) {
                match go {
                    $($go => self.$field = None,)*
                    _ => {}
                }
            }

            /// An integer field by its Go name.
            pub fn get_u64(&self, go: &str) -> Option<u64> {
                match go {
                    $($go => self.$field,)*
                    _ => None,
                }
            }
        }
    };
}

memstats! {
    alloc "Alloc", total_alloc "TotalAlloc", sys "Sys", lookups "Lookups", mallocs "Mallocs", frees "Frees",
    heap_alloc "HeapAlloc", heap_sys "HeapSys", heap_idle "HeapIdle", heap_inuse "HeapInuse",
    heap_released "HeapReleased", heap_objects "HeapObjects", stack_inuse "StackInuse", stack_sys "StackSys",
    mspan_inuse "MSpanInuse", mspan_sys "MSpanSys", mcache_inuse "MCacheInuse", mcache_sys "MCacheSys",
    buck_hash_sys "BuckHashSys", gc_sys "GCSys", other_sys "OtherSys", next_gc "NextGC", last_gc "LastGC",
    pause_total_ns "PauseTotalNs", num_gc "NumGC", num_forced_gc "NumForcedGC", max_rss "MaxRSS",
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SizeClass {
    #[serde(rename = "Size")]
    pub size: u64,
    #[serde(rename = "Mallocs")]
    pub mallocs: u64,
    #[serde(rename = "Frees")]
    pub frees: u64,
}

/// Which shape a snapshot was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    PprofDebug1,
    Expvar,
    PlusV,
    Human,
}

/// One snapshot, where it came from, and how exact it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    pub shape: Shape,
    /// 1-based line where the snapshot starts.
    pub line: u64,
    #[serde(flatten)]
    pub stats: MemStats,
    /// Fields printed truncated (e.g. to whole MiB): the true value is in
    /// [value, value + unit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<&'static str>,
    /// The last pause as a hand-written print shows it (`Last GC Pause: 48.692µs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_pause_ns: Option<u64>,
}
