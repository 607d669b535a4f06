//! The goroutine profile as `curl …/debug/pprof/goroutine` returns it without `?debug=`:
//! a gzipped profile.proto of stacks with a count each (sample type `goroutine`). It
//! holds what a `debug=1` dump holds (counted groups of one stack, no state, no
//! creator), so it is read into the same groups; the budget of the heap profile reader
//! applies (gzip at most 64× its size and `--max-input`, elements counted first).

use crate::model::goroutines::{Dump, DumpFormat, Goroutines};
use crate::model::heap::{Frame, escape_controls};
use crate::parse::heap::{inflate, proto};
use prost::Message;
use std::collections::HashMap;

/// Does this look like a gzipped profile (gzip's magic number)?
pub fn looks_like(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
}

/// Reads a gzipped goroutine profile.proto; the error says why it is not one.
pub fn parse(source: &str, data: &[u8], limit: u64) -> Result<Dump, String> {
    let raw = inflate(data, limit).map_err(|e| e.to_string())?;
    proto::check_size(&raw, limit).map_err(|e| e.to_string())?;
    let p = proto::Profile::decode(&raw[..])
        .map_err(|e| format!("not a readable profile.proto: {e}"))?;
    let string = |i: i64| -> Result<String, String> {
        let b = usize::try_from(i)
            .ok()
            .and_then(|i| p.string_table.get(i))
            .ok_or_else(|| format!("string index {i} out of range"))?;
        Ok(escape_controls(&String::from_utf8_lossy(b)))
    };
    let kind = match p.sample_type.first() {
        Some(t) => string(t.r#type)?,
        None => String::new(),
    };
    if kind != "goroutine" {
        return Err(format!(
            "a profile of {}, not of goroutines (ask /debug/pprof/goroutine?debug=2 for a dump)",
            if kind.is_empty() { "nothing" } else { &kind }
        ));
    }
    let functions: HashMap<u64, (String, String)> = p
        .function
        .iter()
        .map(|f| Ok((f.id, (string(f.name)?, string(f.filename)?))))
        .collect::<Result<_, String>>()?;
    let mut locations: HashMap<u64, Vec<Frame>> = HashMap::with_capacity(p.location.len());
    for l in &p.location {
        let mut frames = vec![];
        for line in &l.line {
            let (function, file) = functions.get(&line.function_id).ok_or_else(|| {
                format!(
                    "location {} names function {}, which the profile does not have",
                    l.id, line.function_id
                )
            })?;
            frames.push(Frame {
                function: function.clone(),
                file: file.clone(),
                line: u32::try_from(line.line).unwrap_or(0),
            });
        }
        if frames.is_empty() {
            frames.push(Frame {
                function: format!("0x{:x}", l.address),
                file: String::new(),
                line: 0,
            });
        }
        locations.insert(l.id, frames);
    }
    let mut goroutines = Vec::with_capacity(p.sample.len());
    let mut total = 0u64;
    for s in &p.sample {
        let count = match s.value.first() {
            Some(&v) if (0..=1 << 40).contains(&v) => v as u64,
            Some(v) => return Err(format!("a stack of {v} goroutines: no program holds that")),
            None => return Err("a sample without a count".into()),
        };
        let mut frames = vec![];
        for id in &s.location_id {
            frames.extend_from_slice(locations.get(id).ok_or_else(|| {
                format!("a sample names location {id}, which the profile does not have")
            })?);
        }
        total += count;
        goroutines.push(Goroutines {
            count,
            state: None,
            wait_min: None,
            locked_to_thread: false,
            frames,
            created_by: None,
        });
    }
    Ok(Dump {
        source: source.to_string(),
        format: DumpFormat::Proto,
        total,
        leak_profile: false,
        goroutines,
    })
}
