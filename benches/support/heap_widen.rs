//! A large heap profile from a real one: every sample gets `copies` more copies, each on
//! its own functions and locations (so all stacks are distinct, as in a big service).

use gclens::parse::heap::proto::{Function, Line, Location, PSample, Profile};

/// The profile with `copies` more copies of every sample, each on its own functions.
pub fn widen(p: &Profile, copies: u64, scale: i64) -> Profile {
    let mut out = p.clone();
    let next_fn = p.function.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let next_loc = p.location.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let (nf, nl) = (p.function.len() as u64, p.location.len() as u64);
    for c in 1..=copies {
        for (k, f) in p.function.iter().enumerate() {
            let name = String::from_utf8_lossy(&p.string_table[f.name as usize]).into_owned();
            out.string_table.push(format!("{name}·{c}").into());
            out.function.push(Function {
                id: next_fn + (c - 1) * nf + k as u64,
                name: out.string_table.len() as i64 - 1,
                ..f.clone()
            });
        }
        let fn_index: std::collections::HashMap<u64, u64> = p
            .function
            .iter()
            .enumerate()
            .map(|(k, f)| (f.id, next_fn + (c - 1) * nf + k as u64))
            .collect();
        for (k, l) in p.location.iter().enumerate() {
            out.location.push(Location {
                id: next_loc + (c - 1) * nl + k as u64,
                address: l.address,
                line: l
                    .line
                    .iter()
                    .map(|x| Line {
                        function_id: fn_index[&x.function_id],
                        line: x.line,
                    })
                    .collect(),
            });
        }
        let loc_index: std::collections::HashMap<u64, u64> = p
            .location
            .iter()
            .enumerate()
            .map(|(k, l)| (l.id, next_loc + (c - 1) * nl + k as u64))
            .collect();
        for s in &p.sample {
            out.sample.push(PSample {
                location_id: s.location_id.iter().map(|id| loc_index[id]).collect(),
                value: s.value.iter().map(|v| v * scale).collect(),
            });
        }
    }
    out
}

/// The profile with `copies` more copies of every sample on locations of their own (new
/// addresses and lines) in the same functions: many distinct stacks over few functions,
/// as in a real service (where the widening above, with its own functions per copy,
/// is the worst case: every site distinct).
pub fn deepen(p: &Profile, copies: u64, scale: i64) -> Profile {
    let mut out = p.clone();
    let next_loc = p.location.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let nl = p.location.len() as u64;
    for c in 1..=copies {
        for (k, l) in p.location.iter().enumerate() {
            out.location.push(Location {
                id: next_loc + (c - 1) * nl + k as u64,
                address: l.address + c,
                line: l
                    .line
                    .iter()
                    .map(|x| Line {
                        function_id: x.function_id,
                        line: x.line + c as i64,
                    })
                    .collect(),
            });
        }
        let loc_index: std::collections::HashMap<u64, u64> = p
            .location
            .iter()
            .enumerate()
            .map(|(k, l)| (l.id, next_loc + (c - 1) * nl + k as u64))
            .collect();
        for s in &p.sample {
            out.sample.push(PSample {
                location_id: s.location_id.iter().map(|id| loc_index[id]).collect(),
                value: s.value.iter().map(|v| v * scale).collect(),
            });
        }
    }
    out
}
