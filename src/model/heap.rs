//! Heap profiles as values: a series of `runtime/pprof` heap (or allocs) profiles whose
//! frames and stacks are kept once in [`Stacks`], shared by every profile, so a series
//! of a hundred profiles does not hold every stack a hundred times. Each sample carries
//! the four figures Go writes, unsampled (estimates of the whole heap).

use serde::Serialize;
use std::collections::HashMap;

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

/// Frames and stacks (leaf first), each kept once for a whole series.
#[derive(Clone, Debug, Default)]
pub struct Stacks {
    pub frames: Vec<Frame>,
    pub stacks: Vec<Vec<u32>>,
    frame_ids: HashMap<Frame, u32>,
    stack_ids: HashMap<Vec<u32>, u32>,
}

impl Stacks {
    /// The id of `f`, adding it when new.
    pub fn frame(&mut self, f: Frame) -> u32 {
        if let Some(&id) = self.frame_ids.get(&f) {
            return id;
        }
        let id = self.frames.len() as u32;
        self.frames.push(f.clone());
        self.frame_ids.insert(f, id);
        id
    }

    /// The id of a stack of frame ids (leaf first), adding it when new.
    pub fn stack(&mut self, frames: Vec<u32>) -> u32 {
        if let Some(&id) = self.stack_ids.get(&frames) {
            return id;
        }
        let id = self.stacks.len() as u32;
        self.stacks.push(frames.clone());
        self.stack_ids.insert(frames, id);
        id
    }

    /// The frames of stack `id`, leaf first.
    pub fn frames_of(&self, id: u32) -> impl Iterator<Item = &Frame> {
        self.stacks[id as usize]
            .iter()
            .map(|&f| &self.frames[f as usize])
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
    /// When it was taken (protobuf `time_nanos`; the text form has no time).
    pub time_unix_ns: Option<i64>,
    /// The sampling period in bytes (`MemProfileRate`, 524288 by default).
    pub period: i64,
    /// The sample type a viewer shows first: `inuse_space` for heap profiles,
    /// `alloc_space` for allocs profiles.
    pub default_sample: SampleType,
    pub samples: Vec<Sample>,
}

impl HeapProfile {
    /// The sum of one figure over every sample.
    pub fn total(&self, t: SampleType) -> i64 {
        self.samples.iter().map(|s| s.values[t as usize]).sum()
    }
}

/// Profiles in the order given (oldest first) over one table of stacks.
#[derive(Clone, Debug, Default)]
pub struct HeapSeries {
    pub stacks: Stacks,
    pub profiles: Vec<HeapProfile>,
}
