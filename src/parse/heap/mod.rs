//! Heap profiles of `runtime/pprof`, detected by content: gzipped protobuf (what
//! `pprof.WriteHeapProfile` and `/debug/pprof/heap` write), plain protobuf, and the
//! legacy `debug=1` text ([`text`]). `allocs` profiles are the same format. A series of
//! files shares one table of stacks ([`Stacks`]).
//!
//! Someone else's bytes have a budget (`--max-input`, [`crate::input::MAX_INPUT`] by
//! default): gzip (flate2, its pure-Rust backend) may inflate to at most 64 times its
//! size (at least 16 MiB) and never past the budget, and the protobuf's elements are
//! counted before they are decoded ([`proto::decoded_size`]), so what decoding would
//! allocate stays within the budget too. A zip bomb or a file of empty samples is an
//! error naming the limit, never an exhausted machine.

pub mod proto;
pub mod text;

use crate::model::heap::{HeapProfile, HeapSeries, Stacks};
use std::io::Read;

/// A gzipped profile may decompress to this many times its size…
const MAX_RATIO: u64 = 64;
/// … or to this much when that is more (small profiles compress well).
const MIN_INFLATED: u64 = 16 << 20;

/// Why a file is not a heap profile we can read.
#[derive(Debug, Clone, PartialEq)]
pub enum HeapError {
    /// gzip that does not decompress (truncated, corrupt, too big).
    Gzip(String),
    /// Protobuf that does not decode.
    Proto(String),
    /// A profile.proto whose references (string indexes, function and location ids) do
    /// not hold.
    Broken(String),
    /// The text form, broken at a line.
    Text { line: u64, why: String },
    /// A readable profile of something else, or no profile at all.
    NotHeap(String),
    /// Over the input's budget: what, and the limit.
    Limit(String, u64),
}

impl std::fmt::Display for HeapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeapError::Gzip(e) => write!(f, "gzip: {e}"),
            HeapError::Proto(e) => write!(f, "not a readable profile.proto: {e}"),
            HeapError::Broken(e) => write!(f, "a broken profile.proto: {e}"),
            HeapError::Text { line, why } => write!(f, "line {line}: expected {why}"),
            HeapError::NotHeap(e) => write!(f, "not a heap profile: {e}"),
            HeapError::Limit(what, limit) => write!(
                f,
                "{what} more than {} (the input limit; --max-input SIZE raises it)",
                crate::units::fmt_bytes(*limit)
            ),
        }
    }
}

impl std::error::Error for HeapError {}

/// The largest count or byte total a heap profile can hold (256 TiB, 2^48 objects):
/// larger values (or negative ones) are forged or corrupt, and summing them would
/// overflow into a negative heap.
pub const MAX_VALUE: i64 = 1 << 48;

/// Whether a sample value can be a heap's.
pub fn plausible(v: i64) -> bool {
    (0..=MAX_VALUE).contains(&v)
}

/// Reads one profile, whatever its form, within the default budget.
pub fn parse(source: &str, data: &[u8], stacks: &mut Stacks) -> Result<HeapProfile, HeapError> {
    parse_within(source, data, stacks, crate::input::MAX_INPUT)
}

/// Reads one profile within a budget of `limit` bytes (inflated, and decoded).
pub fn parse_within(
    source: &str,
    data: &[u8],
    stacks: &mut Stacks,
    limit: u64,
) -> Result<HeapProfile, HeapError> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(HeapError::NotHeap("the file is empty".into()));
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let raw = inflate(data, limit)?;
        proto::check_size(&raw, limit)?;
        return proto::decode(source, bytes::Bytes::from(raw), stacks);
    }
    if text::looks_like(data) {
        return text::parse(source, data, stacks);
    }
    if let Err(e @ HeapError::Limit(..)) = proto::check_size(data, limit) {
        return Err(e);
    }
    proto::decode(source, bytes::Bytes::copy_from_slice(data), stacks).map_err(|e| match e {
        HeapError::Proto(_) => HeapError::NotHeap(
            "neither gzipped or plain profile.proto nor the debug=1 text (`heap profile: …`)"
                .into(),
        ),
        e => e,
    })
}

/// gzip's content: at most 64 times the compressed size (at least 16 MiB), never more
/// than `limit`, measured before it is held (also the goroutine profile's reader).
pub fn inflate(data: &[u8], limit: u64) -> Result<Vec<u8>, HeapError> {
    let cap = (data.len() as u64)
        .saturating_mul(MAX_RATIO)
        .max(MIN_INFLATED)
        .min(limit);
    // measured first, then inflated into a buffer of exactly its size: a bomb is found
    // without holding any of it, and a profile is held once
    let gz = || flate2::read::MultiGzDecoder::new(data).take(cap + 1);
    let size = std::io::copy(&mut gz(), &mut std::io::sink())
        .map_err(|e| HeapError::Gzip(e.to_string()))?;
    if size > cap {
        return Err(if cap == limit {
            HeapError::Limit("decompresses to".into(), limit)
        } else {
            HeapError::Gzip(format!(
                "decompresses to more than {} ({}× its size, more than a profile does; if it \
                 is one, gunzip it and give the .pb, with --max-input SIZE if it is big)",
                crate::units::fmt_bytes(cap),
                MAX_RATIO
            ))
        });
    }
    let mut raw = Vec::with_capacity(size as usize);
    gz().read_to_end(&mut raw)
        .map_err(|e| HeapError::Gzip(e.to_string()))?;
    Ok(raw)
}

/// Reads profiles (`-` is stdin), in the order given, into one series, each within
/// `limit` bytes. An unreadable file is an error naming it.
pub fn load(files: &[String], limit: u64) -> anyhow::Result<HeapSeries> {
    let mut series = HeapSeries::default();
    for f in files {
        let data = crate::input::read_limited(f, limit)?;
        let name = crate::input::display_name(f);
        let p = parse_within(f, &data, &mut series.stacks, limit)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        data.check(name)?;
        if let Some(first) = series.profiles.iter().find(|q| q.binary.is_some())
            && let (Some(a), Some(b)) = (&first.binary, &p.binary)
            && a != b
        {
            anyhow::bail!(
                "{} is a profile of {a}, {name} of {b}: a series is of one program",
                crate::input::display_name(&first.source)
            );
        }
        series.profiles.push(p);
    }
    Ok(series)
}
