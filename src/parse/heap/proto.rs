//! profile.proto (github.com/google/pprof), the messages a Go heap profile uses, decoded
//! with prost's derive (no code generation step, no protoc): fields we do not read
//! (mappings, labels, comments) are skipped as unknown. Indexes into the string table and
//! location and function ids are checked: a bad one is an error, never a panic.

use super::HeapError;
use crate::model::heap::{
    FrameRef, HeapProfile, ProfileFormat, SAMPLE_TYPES, Sample, SampleType, Stacks,
};
use prost::Message;
use rustc_hash::FxHashMap;

#[derive(Clone, PartialEq, Message)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<PSample>,
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Strings as byte slices of the input (no copy), checked as UTF-8 when used.
    #[prost(bytes = "bytes", repeated, tag = "6")]
    pub string_table: Vec<bytes::Bytes>,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct PSample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
}

/// A mapped binary; the first is the program's own (Go writes it first).
#[derive(Clone, PartialEq, Message)]
pub struct Mapping {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "5")]
    pub filename: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

/// Values by message id. Go numbers functions and locations 1, 2, 3…: then a vector
/// indexed by id, with no hashing; any other numbering falls back to a hash map.
enum IdMap<T> {
    Dense(Vec<Option<T>>),
    Sparse(FxHashMap<u64, T>),
}

impl<T> IdMap<T> {
    fn new(ids: impl ExactSizeIterator<Item = u64> + Clone) -> Self {
        let n = ids.len();
        match ids.clone().max() {
            Some(max) if max <= 2 * n as u64 + 16 => Self::Dense((0..=max).map(|_| None).collect()),
            _ => {
                let mut m = FxHashMap::default();
                m.reserve(n);
                Self::Sparse(m)
            }
        }
    }
    fn insert(&mut self, id: u64, v: T) {
        match self {
            Self::Dense(d) => d[id as usize] = Some(v),
            Self::Sparse(m) => {
                m.insert(id, v);
            }
        }
    }
    fn get(&self, id: u64) -> Option<&T> {
        match self {
            Self::Dense(d) => d.get(usize::try_from(id).ok()?)?.as_ref(),
            Self::Sparse(m) => m.get(&id),
        }
    }
}

/// What decoding `data` would allocate, at most, counted from its wire format before
/// anything is decoded: each sample, location, function, string and sample type costs
/// its struct, and the packed numbers and lines inside samples and locations up to 8
/// bytes per byte. A profile of 64 M empty samples (`0x12 0x00` …, 128 MiB) would
/// take 3 GiB decoded.
pub fn decoded_size(data: &[u8]) -> Result<u64, HeapError> {
    let mut pos = 0;
    let mut total = data.len() as u64;
    let bad = || HeapError::Proto("a field runs past the end".into());
    while pos < data.len() {
        let key = varint(data, &mut pos).ok_or_else(bad)?;
        let (tag, wire) = (key >> 3, key & 7);
        let len = match wire {
            0 => {
                varint(data, &mut pos).ok_or_else(bad)?;
                0
            }
            1 => 8,
            2 => varint(data, &mut pos).ok_or_else(bad)?,
            5 => 4,
            w => return Err(HeapError::Proto(format!("wire type {w}"))),
        };
        let end = (pos as u64)
            .checked_add(len)
            .filter(|e| *e <= data.len() as u64)
            .ok_or_else(bad)?;
        let payload = if wire == 2 { len } else { 0 };
        total += match tag {
            1 => size_of::<ValueType>() as u64,
            3 => size_of::<Mapping>() as u64,
            2 => size_of::<PSample>() as u64 + 8 * payload,
            4 => size_of::<Location>() as u64 + 8 * payload,
            5 => size_of::<Function>() as u64,
            6 => size_of::<bytes::Bytes>() as u64,
            _ => 0,
        };
        pos = end as usize;
    }
    Ok(total)
}

/// [`decoded_size`] against a budget of `limit` bytes.
pub fn check_size(data: &[u8], limit: u64) -> Result<(), HeapError> {
    if decoded_size(data)? > limit {
        return Err(HeapError::Limit(
            "a profile.proto that would decode to".into(),
            limit,
        ));
    }
    Ok(())
}

/// The names of a profile.proto's sample types (`inuse_space`, `goroutine`, `samples`…),
/// read by walking its top-level fields without decoding the samples: what a reader
/// that must tell a heap profile from a goroutine or CPU profile needs. `None` when the
/// bytes are not a profile.proto.
pub fn sample_types(data: &[u8]) -> Option<Vec<String>> {
    let (mut pos, mut types, mut strings) = (0, vec![], vec![]);
    while pos < data.len() {
        let key = varint(data, &mut pos)?;
        let (tag, wire) = (key >> 3, key & 7);
        let len = match wire {
            0 => {
                varint(data, &mut pos)?;
                0
            }
            1 => 8,
            2 => varint(data, &mut pos)?,
            5 => 4,
            _ => return None,
        };
        let end = usize::try_from(len).ok()?.checked_add(pos)?;
        let field = data.get(pos..end)?;
        match (tag, wire) {
            (1, 2) => {
                // ValueType { type = 1; unit = 2; }: the type's string index
                let (mut p, mut index) = (0, 0);
                while p < field.len() {
                    let k = varint(field, &mut p)?;
                    let v = varint(field, &mut p)?;
                    if k == 1 << 3 {
                        index = v;
                    }
                }
                types.push(index);
            }
            (6, 2) => strings.push(field),
            _ => {}
        }
        pos = end;
    }
    types
        .iter()
        .map(|&i| {
            let s = strings.get(usize::try_from(i).ok()?)?;
            Some(String::from_utf8_lossy(s).into_owned())
        })
        .collect()
}

fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Decodes an uncompressed profile.proto into a heap profile over `stacks`.
pub fn decode(
    source: &str,
    data: bytes::Bytes,
    stacks: &mut Stacks,
) -> Result<HeapProfile, HeapError> {
    intern(source, &message(data)?, stacks)
}

/// The profile.proto message, decoded (the part of reading a profile that needs no
/// shared table: several are decoded at once, then interned in order).
pub fn message(data: bytes::Bytes) -> Result<Profile, HeapError> {
    Profile::decode(data).map_err(|e| HeapError::Proto(e.to_string()))
}

/// A decoded message as a heap profile whose stacks are interned in `stacks`.
pub fn intern(source: &str, p: &Profile, stacks: &mut Stacks) -> Result<HeapProfile, HeapError> {
    let string = |i: i64| -> Result<std::borrow::Cow<'_, str>, HeapError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .map(|b| match std::str::from_utf8(b) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(b),
            })
            .ok_or_else(|| HeapError::Broken(format!("string index {i} out of range")))
    };
    // which value is which: by the sample types' names, whatever their order
    let mut index = [usize::MAX; 4];
    let mut names = vec![];
    for (k, vt) in p.sample_type.iter().enumerate() {
        let name = string(vt.r#type)?;
        if let Some(t) = SAMPLE_TYPES.iter().position(|n| *n == name) {
            index[t] = k;
        }
        names.push(name);
    }
    if index.contains(&usize::MAX) {
        return Err(HeapError::NotHeap(format!(
            "a profile of {} (a heap profile has {})",
            if names.is_empty() {
                "nothing".into()
            } else {
                names.join(", ")
            },
            SAMPLE_TYPES.join(", ")
        )));
    }
    let default_sample = match string(p.default_sample_type).unwrap_or_default().as_ref() {
        "alloc_space" => SampleType::AllocSpace,
        "alloc_objects" => SampleType::AllocObjects,
        "inuse_objects" => SampleType::InuseObjects,
        _ => SampleType::InuseSpace,
    };
    // each function's name and file, interned once
    let mut functions: IdMap<(u32, u32)> = IdMap::new(p.function.iter().map(|f| f.id));
    stacks.reserve(p.function.len(), p.location.len(), p.sample.len());
    for f in &p.function {
        let ids = (
            stacks.name(&string(f.name)?),
            stacks.name(&string(f.filename)?),
        );
        functions.insert(f.id, ids);
    }
    // each location's frames (innermost first: the last line is the caller the others
    // were inlined into), interned once, all in one list by (start, end)
    let mut locations: IdMap<(usize, usize)> = IdMap::new(p.location.iter().map(|l| l.id));
    let mut frames: Vec<u32> = Vec::with_capacity(p.location.len() * 2);
    for l in &p.location {
        let start = frames.len();
        for line in &l.line {
            let &(function, file) = functions.get(line.function_id).ok_or_else(|| {
                HeapError::Broken(format!(
                    "location {} names function {}, which the profile does not have",
                    l.id, line.function_id
                ))
            })?;
            frames.push(stacks.frame(FrameRef {
                function,
                file,
                line: u32::try_from(line.line).unwrap_or(0),
            }));
        }
        if frames.len() == start {
            // no symbols: the address is all there is
            let (function, file) = (stacks.name(&format!("0x{:x}", l.address)), stacks.name(""));
            frames.push(stacks.frame(FrameRef {
                function,
                file,
                line: 0,
            }));
        }
        locations.insert(l.id, (start, frames.len()));
    }
    let mut samples = Vec::with_capacity(p.sample.len());
    let mut stack = vec![];
    for s in &p.sample {
        stack.clear();
        for id in &s.location_id {
            let &(a, b) = locations.get(*id).ok_or_else(|| {
                HeapError::Broken(format!(
                    "a sample names location {id}, which the profile does not have"
                ))
            })?;
            stack.extend_from_slice(&frames[a..b]);
        }
        let mut values = [0i64; 4];
        if let Some(v) = s.value.iter().find(|v| !super::plausible(**v)) {
            return Err(HeapError::Broken(format!(
                "a sample value of {v}: no heap holds that (a forged or corrupt profile)"
            )));
        }
        for (t, &k) in index.iter().enumerate() {
            values[t] = *s.value.get(k).ok_or_else(|| {
                HeapError::Broken(format!(
                    "a sample has {} values for {} sample types",
                    s.value.len(),
                    p.sample_type.len()
                ))
            })?;
        }
        samples.push(Sample {
            stack: stacks.stack(&stack),
            values,
        });
    }
    Ok(HeapProfile {
        source: source.to_string(),
        format: ProfileFormat::Proto,
        time_unix_ns: (p.time_nanos > 0).then_some(p.time_nanos),
        period: p.period,
        default_sample,
        samples,
        binary: p
            .mapping
            .first()
            .and_then(|m| string(m.filename).ok())
            .map(|s| crate::model::heap::escape_controls(&s))
            .filter(|s| !s.is_empty()),
    })
}
