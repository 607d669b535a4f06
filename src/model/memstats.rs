//! `runtime.MemStats` as values: every field by its Go name, absent (not zero) where a
//! dump's shape does not carry it, and where each snapshot came from. `parse::memstats`
//! reads the four shapes into these; `analyze::memstats` works out the series.

use serde::Serialize;
use std::sync::Arc;

/// A list that shares its unchanged stretches with the same list of an earlier snapshot.
/// Each `/debug/vars` document repeats the 256-entry pause rings and the size classes with
/// a few entries changed: a day of them held whole was 1.2 GB for 200,000 documents, most
/// of it copies, and the kernel zeroing fresh pages for them was a third of `memstats`'
/// time. Reads as a slice of `T`; compares and serializes as the plain list.
#[derive(Clone, Default)]
pub struct Shared<T> {
    chunks: Vec<Arc<[T]>>,
    len: usize,
}

/// Entries per shared stretch (a ring is 8 of them; a GC rewrites one entry).
const CHUNK: usize = 32;

impl<T: Copy + PartialEq> Shared<T> {
    /// `items`, sharing every stretch that equals the same stretch of `like`.
    pub fn new(items: &[T], like: Option<&Shared<T>>) -> Shared<T> {
        let chunks = items
            .chunks(CHUNK)
            .enumerate()
            .map(|(i, c)| match like.and_then(|l| l.chunks.get(i)) {
                Some(old) if **old == *c => Arc::clone(old),
                _ => Arc::from(c),
            })
            .collect();
        Shared {
            chunks,
            len: items.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<T> {
        Some(*self.chunks.get(i / CHUNK)?.get(i % CHUNK)?)
    }

    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().copied())
    }

    /// How many stretches this list holds in the same memory as `other`.
    pub fn shared_stretches(&self, other: &Shared<T>) -> usize {
        self.chunks
            .iter()
            .zip(&other.chunks)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count()
    }
}

impl<T: Copy + PartialEq> From<Vec<T>> for Shared<T> {
    fn from(v: Vec<T>) -> Self {
        Shared::new(&v, None)
    }
}

impl<T: Copy + PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Copy + PartialEq + std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Copy + PartialEq + Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

macro_rules! memstats {
    ($($field:ident $go:literal),* $(,)?) => {
        /// Every field of Go's `runtime.MemStats` (and pprof's `MaxRSS`), named as in Go.
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        pub struct MemStats {
            $(#[serde(rename = $go, skip_serializing_if = "Option::is_none")] pub $field: Option<u64>,)*
            #[serde(rename = "PauseNs", skip_serializing_if = "Option::is_none")]
            pub pause_ns: Option<Shared<u64>>,
            #[serde(rename = "PauseEnd", skip_serializing_if = "Option::is_none")]
            pub pause_end: Option<Shared<u64>>,
            #[serde(rename = "GCCPUFraction", skip_serializing_if = "Option::is_none")]
            pub gc_cpu_fraction: Option<f64>,
            #[serde(rename = "EnableGC", skip_serializing_if = "Option::is_none")]
            pub enable_gc: Option<bool>,
            #[serde(rename = "DebugGC", skip_serializing_if = "Option::is_none")]
            pub debug_gc: Option<bool>,
            #[serde(rename = "BySize", skip_serializing_if = "Option::is_none")]
            pub by_size: Option<Shared<SizeClass>>,
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
