//! Heap profiles as values: a series of `runtime/pprof` heap (or allocs) profiles whose
//! frames and stacks are kept once in [`Stacks`], shared by every profile, so a series
//! of a hundred profiles does not hold every stack a hundred times. Each sample carries
//! the four figures Go writes, unsampled (estimates of the whole heap).

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::sync::Arc;

/// The four sample types of a Go heap profile, in the order Go writes them.
pub const SAMPLE_TYPES: [&str; 4] = [
    "alloc_objects",
    "alloc_space",
    "inuse_objects",
    "inuse_space",
];

/// Which of the four figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleType {
    AllocObjects = 0,
    AllocSpace = 1,
    InuseObjects = 2,
    InuseSpace = 3,
}

impl SampleType {
    pub fn name(self) -> &'static str {
        SAMPLE_TYPES[self as usize]
    }
    /// Bytes (space) rather than a count (objects)?
    pub fn is_bytes(self) -> bool {
        matches!(self, SampleType::AllocSpace | SampleType::InuseSpace)
    }
}

/// How a profile was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileFormat {
    /// profile.proto, gzipped (`pprof.WriteHeapProfile`, `/debug/pprof/heap`) or not.
    Proto,
    /// The legacy `debug=1` text (`heap profile: …`), unsampled as pprof does.
    Text,
}

/// One frame: a function at a line of a file (inlined calls are frames of their own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// A frame as the table keeps it: indexes into [`Stacks::names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameRef {
    pub function: u32,
    pub file: u32,
    pub line: u32,
}

/// Names (functions and files), frames and stacks (leaf first), each kept once for a
/// whole series: a hundred profiles of one program hold its stacks once.
#[derive(Clone, Debug, Default)]
pub struct Stacks {
    pub names: Vec<Arc<str>>,
    pub frames: Vec<FrameRef>,
    pub stacks: Vec<Vec<u32>>,
    name_ids: FxHashMap<Arc<str>, u32>,
    frame_ids: FxHashMap<FrameRef, u32>,
    stack_ids: FxHashMap<Vec<u32>, u32>,
}

impl Stacks {
    /// Room for this many more names, frames and stacks.
    pub fn reserve(&mut self, names: usize, frames: usize, stacks: usize) {
        self.names.reserve(names);
        self.name_ids.reserve(names);
        self.frames.reserve(frames);
        self.frame_ids.reserve(frames);
        self.stacks.reserve(stacks);
        self.stack_ids.reserve(stacks);
    }

    /// The id of a function or file name, adding it when new.
    pub fn name(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        let key: Arc<str> = Arc::from(s);
        // a control character in a name (a newline that would forge a report line) is
        // kept escaped: no Go symbol or path has one
        let shown = if s.chars().any(char::is_control) {
            Arc::from(escape_controls(s))
        } else {
            key.clone()
        };
        self.names.push(shown);
        self.name_ids.insert(key, id);
        id
    }

    /// The id of a frame, adding it when new.
    pub fn frame(&mut self, f: FrameRef) -> u32 {
        let next = self.frames.len() as u32;
        let id = *self.frame_ids.entry(f).or_insert(next);
        if id == next {
            self.frames.push(f);
        }
        id
    }

    /// The id of a stack of frame ids (leaf first), adding it when new.
    pub fn stack(&mut self, frames: &[u32]) -> u32 {
        if let Some(&id) = self.stack_ids.get(frames) {
            return id;
        }
        let id = self.stacks.len() as u32;
        self.stacks.push(frames.to_vec());
        self.stack_ids.insert(frames.to_vec(), id);
        id
    }

    /// The function name of frame `id`.
    pub fn function(&self, id: u32) -> &str {
        &self.names[self.frames[id as usize].function as usize]
    }

    /// Frame `id` with its names.
    pub fn frame_at(&self, id: u32) -> Frame {
        let f = self.frames[id as usize];
        Frame {
            function: self.names[f.function as usize].to_string(),
            file: self.names[f.file as usize].to_string(),
            line: f.line,
        }
    }

    /// The frames of stack `id`, leaf first.
    pub fn frames_of(&self, id: u32) -> impl Iterator<Item = Frame> + '_ {
        self.stacks[id as usize].iter().map(|&f| self.frame_at(f))
    }
}

/// One stack's figures in one profile: alloc objects, alloc bytes, in-use objects,
/// in-use bytes (see [`SAMPLE_TYPES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub stack: u32,
    pub values: [i64; 4],
}

/// One profile of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct HeapProfile {
    pub source: String,
    pub format: ProfileFormat,
    /// When it was taken: protobuf `time_nanos`; for the text form the `LastGC` of its
    /// MemStats trailer (the GC whose heap it shows).
    pub time_unix_ns: Option<i64>,
    /// The sampling period in bytes (`MemProfileRate`, 524288 by default).
    pub period: i64,
    /// The sample type a viewer shows first: `inuse_space` for heap profiles,
    /// `alloc_space` for allocs profiles.
    pub default_sample: SampleType,
    pub samples: Vec<Sample>,
    /// The program's binary (the protobuf's first mapping), what a series must share;
    /// `None` for the text form, which does not say.
    pub binary: Option<String>,
}

impl HeapProfile {
    /// The sum of one figure over every sample.
    pub fn total(&self, t: SampleType) -> i64 {
        self.samples
            .iter()
            .fold(0i64, |a, s| a.saturating_add(s.values[t as usize]))
    }
}

/// Profiles in the order given (oldest first) over one table of stacks.
#[derive(Clone, Debug, Default)]
pub struct HeapSeries {
    pub stacks: Stacks,
    pub profiles: Vec<HeapProfile>,
}

/// `s` with its control characters written as escapes (`\n`, `\u{1b}`).
pub fn escape_controls(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
