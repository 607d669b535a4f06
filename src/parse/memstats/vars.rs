//! Finds the `/debug/vars` documents in a file (pretty-printed as expvar serves them, or
//! one per line, among other text) and reads each with `json`. A day of them is 200,000
//! documents and 2 GB: the file is cut at document starts into one part per core, each
//! part read on its own thread, and the parts joined in order. A cut that fell inside a
//! document (a `{"` at the start of a line within one, as jq prints arrays) is found when
//! the parts are joined, and the part after it is read again from where its predecessor
//! ended, so the answer is the one a single pass gives.

use super::{Lines, Parsed, Shape, Snapshot, json};
use std::ops::Range;

/// Below this a file is read in one pass (threads cost more than they save).
const PARALLEL_FROM: usize = 32 << 20;

/// Reads every JSON document in `data`; returns the byte ranges they took.
pub fn parse(data: &[u8], out: &mut Parsed) -> Vec<Range<usize>> {
    let n = if data.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    parse_in(data, n, out)
}

/// What one part read: its lines are counted from the part's start.
#[derive(Default)]
struct Part {
    start: usize,
    until: usize,
    parsed: Parsed,
    docs: Vec<Range<usize>>,
    /// Where reading stopped: the end of the last document (may pass `until`).
    end: usize,
    /// Newlines in `start..until`.
    newlines: u64,
}

fn parse_in(data: &[u8], parts: usize, out: &mut Parsed) -> Vec<Range<usize>> {
    let mut cuts = vec![0];
    for k in 1..parts {
        let from = (data.len() / parts * k).max(*cuts.last().unwrap_or(&0) + 1);
        match next_doc(data, from) {
            Some(at) if at < data.len() => cuts.push(at),
            _ => break,
        }
    }
    cuts.dedup();
    let bounds: Vec<(usize, usize)> = cuts
        .iter()
        .enumerate()
        .map(|(k, &s)| (s, cuts.get(k + 1).copied().unwrap_or(data.len())))
        .collect();
    let mut read: Vec<Part> = if bounds.len() == 1 {
        vec![part(data, 0, 0, data.len())]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = bounds
                .iter()
                .map(|&(a, b)| s.spawn(move || part(data, a, a, b)))
                .collect();
            handles
                .into_iter()
                .zip(&bounds)
                .map(|(h, &(a, b))| h.join().unwrap_or_else(|_| part(data, a, a, b)))
                .collect()
        })
    };
    let mut docs = vec![];
    out.snapshots
        .reserve(read.iter().map(|p| p.parsed.snapshots.len()).sum());
    let (mut reached, mut line_base) = (0, 0u64);
    for p in &mut read {
        if p.start < reached {
            // the part before ran into this one: read it again from where that one ended
            *p = part(data, p.start, reached, p.until);
        }
        for s in &mut p.parsed.snapshots {
            s.line += line_base;
        }
        for e in &mut p.parsed.errors {
            e.0 += line_base;
        }
        out.snapshots.append(&mut p.parsed.snapshots);
        out.errors.append(&mut p.parsed.errors);
        docs.append(&mut p.docs);
        reached = reached.max(p.end);
        line_base += p.newlines;
    }
    docs
}

/// Whether a document starts at `at`: a `{` first on its line, then a quoted key.
fn starts_doc(data: &[u8], at: usize) -> bool {
    let line_start = data[..at]
        .iter()
        .rev()
        .take_while(|b| **b != b'\n')
        .all(|b| b.is_ascii_whitespace());
    line_start && data[at + 1..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'"')
}

fn next_doc(data: &[u8], mut pos: usize) -> Option<usize> {
    while pos < data.len() {
        let at = pos + memchr::memchr(b'{', &data[pos..])?;
        if starts_doc(data, at) {
            return Some(at);
        }
        pos = at + 1;
    }
    None
}

/// Reads the documents that start in `from..until`; line numbers count from `start`.
fn part(data: &[u8], start: usize, from: usize, until: usize) -> Part {
    let mut out = Parsed::default();
    let mut docs = vec![];
    let mut lines = Lines::at(start);
    let mut pos = from;
    while let Some(at) = next_doc(data, pos).filter(|at| *at < until) {
        let like = out.snapshots.last().map(|s| &s.stats);
        match json::read(&data[at..], like) {
            Ok(Some((stats, had_memstats, len))) => {
                if let Some(stats) = stats {
                    out.snapshots.push(Snapshot {
                        shape: Shape::Expvar,
                        line: lines.of(data, at),
                        stats,
                        approximate: vec![],
                        last_pause_ns: None,
                    });
                } else if had_memstats {
                    out.errors.push((
                        lines.of(data, at),
                        "a \"memstats\" value that is not a MemStats object".into(),
                    ));
                }
                pos = (at + len).max(at + 1);
                if docs.is_empty() {
                    // documents of a file are alike: room for as many as fit (growing
                    // the list copied it into fresh pages again and again)
                    let room = (until - from) / len.max(2048);
                    out.snapshots.reserve(room);
                    docs.reserve(room);
                }
                docs.push(at..pos);
            }
            Err(e) if looks_like_memstats(&data[at..(at + 4096).min(data.len())]) => {
                out.errors.push((lines.of(data, at), format!("JSON: {e}")));
                pos = at + 1;
            }
            _ => pos = at + 1,
        }
    }
    Part {
        start,
        until,
        parsed: out,
        docs,
        end: pos.max(from),
        newlines: memchr::memchr_iter(b'\n', &data[start..until]).count() as u64,
    }
}

fn looks_like_memstats(head: &[u8]) -> bool {
    head.windows(10).any(|w| w == b"\"memstats\"")
        || head.windows(11).any(|w| w == b"\"HeapAlloc\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a file gave: its snapshots and errors, where its documents lie.
    type Read = (Parsed, Vec<Range<usize>>);

    /// Five real `/debug/vars` documents as expvar serves them.
    fn fixture() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/memstats/go1.27/debug-vars.json"
        ))
        .unwrap()
    }

    fn both(data: &[u8], parts: usize) -> (Read, Read) {
        let (mut one, mut many) = (Parsed::default(), Parsed::default());
        let d1 = parse_in(data, 1, &mut one);
        let dn = parse_in(data, parts, &mut many);
        ((one, d1), (many, dn))
    }

    #[test]
    fn parts_read_on_threads_give_what_one_pass_gives() {
        let mut data = b"log line before\n".to_vec();
        for k in 0..40 {
            data.extend_from_slice(&fixture());
            data.extend_from_slice(format!("log line {k}\n{{\"memstats\": 7}}\n").as_bytes());
        }
        data.extend_from_slice(b"{\"memstats\": {\"HeapAlloc\": 1, \"NumGC\": ");
        for parts in [2, 3, 7, 64] {
            let ((one, d1), (many, dn)) = both(&data, parts);
            // the fixture holds 5 documents; the last, cut, document is an error
            assert_eq!(one.snapshots.len(), 200, "{parts}");
            assert_eq!(one, many, "{parts} parts");
            assert_eq!(d1, dn);
            assert_eq!(one.errors.len(), 41);
        }
    }

    #[test]
    fn a_cut_inside_a_document_is_read_again_from_where_the_part_before_ended() {
        // jq prints an array of documents with each `{` first on its line: a cut may
        // land on the inner `{"` of one document
        let vars = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/memstats/go1.27/snapshots.vars.jsonl"
        ))
        .unwrap();
        let doc = vars.lines().next().unwrap();
        let mut data = String::new();
        for _ in 0..30 {
            data.push_str("{\"snapshots\": [\n");
            data.push_str(doc);
            data.push_str(",\n{\"not\": \"memstats\"}\n], \"memstats\": {\"HeapAlloc\": 5}}\n");
        }
        for parts in [2, 5, 13, 40] {
            let ((one, d1), (many, dn)) = both(data.as_bytes(), parts);
            assert_eq!(one.snapshots.len(), 30);
            assert!(one.snapshots.iter().all(|s| s.stats.heap_alloc == Some(5)));
            assert_eq!(one, many, "{parts} parts");
            assert_eq!(d1, dn);
        }
    }
}
