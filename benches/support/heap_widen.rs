//! A large heap profile from a real one: every sample gets `copies` more copies on
//! locations of their own, so all stacks are distinct. [`widen`] gives each copy its own
//! functions too (every site distinct: the worst case); [`deepen`] keeps the profile's
//! functions and moves the copies to new addresses and lines (many stacks over few
//! functions, as in a real service).

use gclens::parse::heap::proto::{Function, Line, Location, PSample, Profile};
use std::collections::HashMap;

/// Copies on functions of their own.
pub fn widen(p: &Profile, copies: u64, scale: i64) -> Profile {
    grow(p, copies, scale, true)
}

/// Copies on new locations of the same functions.
pub fn deepen(p: &Profile, copies: u64, scale: i64) -> Profile {
    grow(p, copies, scale, false)
}

fn grow(p: &Profile, copies: u64, scale: i64, own_functions: bool) -> Profile {
    let mut out = p.clone();
    let next_fn = p.function.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let next_loc = p.location.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let (nf, nl) = (p.function.len() as u64, p.location.len() as u64);
    for c in 1..=copies {
        // a copy's function ids (its own, or the profile's)
        let mut fn_index: HashMap<u64, u64> = p.function.iter().map(|f| (f.id, f.id)).collect();
        if own_functions {
            for (k, f) in p.function.iter().enumerate() {
                let id = next_fn + (c - 1) * nf + k as u64;
                let name = String::from_utf8_lossy(&p.string_table[f.name as usize]).into_owned();
                out.string_table.push(format!("{name}·{c}").into());
                out.function.push(Function {
                    id,
                    name: out.string_table.len() as i64 - 1,
                    ..f.clone()
                });
                fn_index.insert(f.id, id);
            }
        }
        let shift = if own_functions { 0 } else { c };
        let mut loc_index: HashMap<u64, u64> = HashMap::new();
        for (k, l) in p.location.iter().enumerate() {
            let id = next_loc + (c - 1) * nl + k as u64;
            loc_index.insert(l.id, id);
            out.location.push(Location {
                id,
                address: l.address + shift,
                line: l
                    .line
                    .iter()
                    .map(|x| Line {
                        function_id: fn_index[&x.function_id],
                        line: x.line + shift as i64,
                    })
                    .collect(),
            });
        }
        for s in &p.sample {
            out.sample.push(PSample {
                location_id: s.location_id.iter().map(|id| loc_index[id]).collect(),
                value: s.value.iter().map(|v| v * scale).collect(),
            });
        }
    }
    out
}
