//! Heap profiles of `runtime/pprof`, detected by content: gzipped protobuf (what
//! `pprof.WriteHeapProfile` and `/debug/pprof/heap` write), plain protobuf, and the
//! legacy `debug=1` text ([`text`]). `allocs` profiles are the same format. A series of
//! files shares one table of stacks ([`Stacks`]).
//!
//! gzip is read by flate2 (its pure-Rust backend) with a cap on the decompressed size, so
//! a small file that inflates without end is an error, not an exhausted machine.

pub mod proto;
pub mod text;

use crate::model::heap::{HeapProfile, HeapSeries, Stacks};
use std::io::Read;

/// The most a gzipped profile may decompress to.
const MAX_INFLATED: u64 = 2 << 30;

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
}

impl std::fmt::Display for HeapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeapError::Gzip(e) => write!(f, "gzip: {e}"),
            HeapError::Proto(e) => write!(f, "not a readable profile.proto: {e}"),
            HeapError::Broken(e) => write!(f, "a broken profile.proto: {e}"),
            HeapError::Text { line, why } => write!(f, "line {line}: expected {why}"),
            HeapError::NotHeap(e) => write!(f, "not a heap profile: {e}"),
        }
    }
}

impl std::error::Error for HeapError {}

/// Reads one profile, whatever its form.
pub fn parse(source: &str, data: &[u8], stacks: &mut Stacks) -> Result<HeapProfile, HeapError> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(HeapError::NotHeap("the file is empty".into()));
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let mut raw = vec![];
        flate2::read::MultiGzDecoder::new(data)
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut raw)
            .map_err(|e| HeapError::Gzip(e.to_string()))?;
        if raw.len() as u64 > MAX_INFLATED {
            return Err(HeapError::Gzip(format!(
                "decompresses to more than {} GiB",
                MAX_INFLATED >> 30
            )));
        }
        return proto::decode(source, bytes::Bytes::from(raw), stacks);
    }
    if text::looks_like(data) {
        return text::parse(source, data, stacks);
    }
    proto::decode(source, bytes::Bytes::copy_from_slice(data), stacks).map_err(|e| match e {
        HeapError::Proto(_) => HeapError::NotHeap(
            "neither gzipped or plain profile.proto nor the debug=1 text (`heap profile: …`)"
                .into(),
        ),
        e => e,
    })
}

/// Reads profiles (`-` is stdin), in the order given, into one series. An unreadable
/// file is an error naming it.
pub fn load(files: &[String]) -> anyhow::Result<HeapSeries> {
    let mut series = HeapSeries::default();
    for f in files {
        let data = crate::input::read_all(f)?;
        let name = crate::input::display_name(f);
        let p = parse(f, &data, &mut series.stacks).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        data.check(name)?;
        series.profiles.push(p);
    }
    Ok(series)
}
