//! The GC timeline: every cycle with every field its line carried, the events around
//! the cycles (scavenger, pacer, `GC forced`, `scan:` totals), the segments a restarted
//! process starts, and what was skipped.
//!
//! The model keeps no input text: a [`Cycle`] is a fixed-size value (see
//! `cycle_is_small`), so a report over millions of cycles stays in memory.

use super::gc::{GcLine, Pacer, Scavenge};

/// One collection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    /// Index into [`Timeline::segments`].
    pub segment: u32,
    /// Index into [`Timeline::sources`].
    pub source: u32,
    /// 1-based line number in its source.
    pub line: u64,
    pub gc: GcLine,
}

/// What happened between cycles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EventKind {
    /// The runtime's periodic forced GC (`GC forced`); the next cycle is the forced one.
    GcForced,
    Scavenge(Scavenge),
    Pacer(Pacer),
    /// gctrace=2 `scan:` lines of one cycle: the `total` line and how many `class` lines
    /// followed it (class lines are counted, not kept: 1.26+ prints dozens per cycle).
    Scan {
        total_objs: Option<u64>,
        total_spans: Option<u64>,
        class_lines: u32,
    },
    /// A `gclens: cpu` line that `gclens run --save` wrote beside the trace: how long
    /// the program's threads ran and how long they waited for a CPU.
    Cpu(CpuSample),
}

/// What the kernel's scheduler says about the traced program's threads over one window
/// (`/proc/PID/task/*/schedstat`): time on a CPU, and time runnable but waiting for one.
/// The runtime's `ms cpu` figures are time a GC worker held a P, which goes on while the
/// OS has descheduled its thread; `run / (run + wait)` is the share of that it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CpuSample {
    /// End of the window: time since the program started, as the gc lines' `@`.
    pub t_ms: u64,
    /// Length of the window.
    pub window_ms: u64,
    /// Summed over the program's threads.
    pub run_ms: u64,
    pub wait_ms: u64,
    /// CPU time the rest of the machine used meanwhile (all its CPUs).
    pub elsewhere_ms: u64,
    /// In a VM, time its host ran something else while its CPUs wanted to run (`steal`,
    /// all CPUs), and the machine's CPUs; 0 and 0 when not recorded.
    pub stolen_ms: u64,
    pub cpus: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub source: u32,
    pub line: u64,
    pub segment: u32,
    /// Index into [`Timeline::cycles`] of the last cycle printed before this event, in
    /// the same segment.
    pub after_cycle: Option<usize>,
    pub kind: EventKind,
}

/// A run of cycles from one process: a gc number or a time that goes back starts a new
/// one (a restarted process writing to the same stream).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub source: u32,
    /// Index range into [`Timeline::cycles`].
    pub first: usize,
    pub end: usize,
}

/// A line that started like a record but did not parse.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Malformed {
    pub source: u32,
    pub line: u64,
    /// The line, lossily decoded and cut to 160 characters.
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Skipped {
    pub malformed: u64,
    pub foreign: u64,
    /// The first few malformed lines, to show the user.
    pub examples: Vec<Malformed>,
}

#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Input names, `-` for stdin.
    pub sources: Vec<String>,
    pub cycles: Vec<Cycle>,
    pub events: Vec<Event>,
    pub segments: Vec<Segment>,
    pub skipped: Skipped,
    /// All lines read.
    pub lines: u64,
}

impl Timeline {
    pub fn segment_cycles(&self, s: &Segment) -> &[Cycle] {
        &self.cycles[s.first..s.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycle_is_small() {
        // docs/performance.md promises fewer than 200 bytes per cycle (and states the exact size).
        let n = std::mem::size_of::<Cycle>();
        eprintln!(
            "Cycle {n} bytes, Event {} bytes",
            std::mem::size_of::<Event>()
        );
        assert!(n < 200, "{n}");
    }
}

/// A line of an input, as a person reads it: `trace.log:84`, or `stdin line 84` (not
/// `-:84`, which reads as a source position).
pub fn line_ref(path: &str, line: u64) -> String {
    if path == "-" || path.is_empty() {
        format!("stdin line {line}")
    } else {
        format!("{path}:{line}")
    }
}
