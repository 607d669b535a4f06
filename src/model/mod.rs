//! The ground floor: the values every layer shares, and nothing else. The model imports
//! nothing of ours; `parse` fills it, `analyze` reads it, `render` and `export` show it.
//!
//! - [`gc`]: the runtime's trace records (a gc line of any Go release, pacer,
//!   scavenger, `scan:`), with the names of formats and phases;
//! - [`timeline`]: the GC timeline (cycles, events, segments, skipped lines). It keeps
//!   no input text: a [`Cycle`] is a fixed-size value, so millions fit in memory;
//! - [`memstats`]: `runtime.MemStats` snapshots;
//! - [`escape`]: compiler diagnostics (kinds, positions, explanations);
//! - [`heap`]: heap profiles, a series over one table of stacks;
//! - [`goroutines`]: goroutine dumps (debug=1 groups, debug=2 and tracebacks);
//! - [`capture`]: a capture directory's manifest (what was fetched, when, the gaps).

pub mod capture;
pub mod escape;
pub mod fleet;
pub mod gc;
pub mod goroutines;
pub mod heap;
pub mod memstats;
pub mod timeline;

pub use gc::{GcFormat, GcLine, LegacyPacer, Pacer, Phases, Scan, Scavenge, ScvgSeq};
pub use timeline::{CpuSample, Cycle, Event, EventKind, Malformed, Segment, Skipped, Timeline};
