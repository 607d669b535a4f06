//! `runtime.MemStats` dumps in the four shapes people save (see grammars/memstats.md):
//! the pprof heap profile `debug=1` trailer, expvar `/debug/vars` JSON, `%+v` prints and
//! hand-written prints like the seed article's. Fields a shape does not carry stay
//! `None` (absent, not zero); values a shape truncates (whole MiB) are listed in
//! [`Snapshot::approximate`].

mod json;
mod text;
mod vars;

pub use crate::model::memstats::{MemStats, Shape, Shared, SizeClass, Snapshot, U64_FIELDS};

/// What a file held.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub snapshots: Vec<Snapshot>,
    /// pprof heap profile records (and their stack lines) before a trailer.
    pub profile_records: u64,
    /// Lines or documents that looked like a dump but did not parse: (line, reason).
    pub errors: Vec<(u64, String)>,
}

/// Reads every snapshot in `data`, whatever its shape (several shapes may be mixed, as
/// in a log file), in the order they appear.
pub fn parse(data: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let docs = vars::parse(data, &mut out);
    text::parse(data, &docs, &mut out);
    out.snapshots.sort_by_key(|s| s.line);
    for s in &mut out.snapshots {
        for why in implausible(&mut s.stats) {
            out.errors.push((s.line, why));
        }
    }
    out.errors.sort();
    out
}

/// The largest size or count a process's MemStats can hold (64 PiB): a larger one
/// (`HeapAlloc` = 2^64 − 1 printed as "16777216 TiB") is forged or corrupt. Times in
/// nanoseconds since 1970 (`LastGC`) or in total (`PauseTotalNs`) are larger and kept.
const MAX_PLAUSIBLE: u64 = 1 << 56;

/// Clears the fields no process can have, saying which.
fn implausible(m: &mut MemStats) -> Vec<String> {
    let mut out = vec![];
    for go in U64_FIELDS {
        if matches!(*go, "LastGC" | "PauseTotalNs") {
            continue;
        }
        if let Some(v) = m.get_u64(go).filter(|v| *v > MAX_PLAUSIBLE) {
            m.clear_u64(go);
            out.push(format!("{go} = {v}: no process holds that; left out"));
        }
    }
    out
}

/// Reads dump files (`-` is stdin; none means stdin), each parsed on its own, in order.
/// A stream is read in blocks; a line longer than [`crate::input::MAX_LINE`] (no dump
/// has one) is dropped as it goes by and named in the errors, so one endless line never
/// fills memory; an input over `limit` bytes is an error naming the file and the limit.
pub fn load(files: &[String], limit: u64) -> anyhow::Result<Vec<(String, Parsed)>> {
    use crate::input::{self, Chunk, Input};
    input::files_or_stdin(files)
        .into_iter()
        .map(|f| {
            let name = input::display_name(&f);
            let p = match input::open(&f)? {
                Input::Whole(data) if data.len() as u64 > limit => {
                    return Err(input::too_big(name, "holds", limit));
                }
                Input::Whole(data) => {
                    let p = parse(&data);
                    data.check(name)?;
                    p
                }
                Input::Stream(r) => {
                    let mut r = input::Capped::new(r, limit);
                    let (mut text, mut long, mut line) =
                        (input::Gathered::default(), Vec::new(), 1u64);
                    input::for_each_block(&mut r, &|_| {}, |c| match c {
                        Chunk::Lines(l) => {
                            line += memchr::memchr_iter(b'\n', l).count() as u64;
                            text.push(l);
                        }
                        Chunk::LongLine => {
                            long.push(line);
                            text.push(b"\n"); // keeps the line numbers
                            line += 1;
                        }
                    })
                    .map_err(|e| input::stream_error(name, e, limit))?;
                    let mut p = parse(&text.into_vec());
                    p.errors.extend(
                        long.into_iter()
                            .map(|l| (l, "a line longer than 1 MiB, skipped".to_string())),
                    );
                    p.errors.sort();
                    p
                }
            };
            Ok((f, p))
        })
        .collect()
}

/// MemStats from a JSON object with Go's field names (`json.Marshal(m)`).
pub fn from_json_object(obj: &serde_json::Map<String, serde_json::Value>) -> Option<MemStats> {
    json::from_object(obj)
}

/// 1-based line numbers of byte offsets asked in increasing order, each counted from
/// the one before: counting from the start for every snapshot made a day of
/// `/debug/vars` quadratic (200,000 snapshots did not finish in a minute).
#[derive(Default)]
pub(crate) struct Lines {
    pos: usize,
    line: u64,
}

impl Lines {
    /// Lines counted from byte offset `pos` (its line is line 1).
    pub(crate) fn at(pos: usize) -> Lines {
        Lines { pos, line: 0 }
    }

    /// The line of byte offset `at` (an earlier offset than the last one asked is
    /// counted from the start again).
    pub(crate) fn of(&mut self, data: &[u8], at: usize) -> u64 {
        let at = at.min(data.len());
        if at < self.pos {
            *self = Lines::default();
        }
        self.line += memchr::memchr_iter(b'\n', &data[self.pos..at]).count() as u64;
        self.pos = at;
        self.line + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed reader keeps the `Value` tree's leniency: a field of the wrong type is
    /// left out and the rest kept; a key given twice keeps its last value; a document
    /// counts only with `HeapAlloc` or `Alloc`; nesting too deep is an error, not a crash.
    #[test]
    fn expvar_fields_of_the_wrong_type_are_left_out_and_the_rest_kept() {
        let doc = br#"{"memstats": {"HeapAlloc": 5, "NumGC": "x", "Frees": -1, "Mallocs": 1.5,
            "PauseNs": [1, "a"], "PauseEnd": [7, 8], "GCCPUFraction": 1, "EnableGC": 1,
            "DebugGC": false, "BySize": [{"Size": 8, "Mallocs": 2, "Frees": 1, "X": []}],
            "Sys": 9, "Sys": null, "TotalAlloc": "1", "TotalAlloc": 3, "memstats": {}}}
{"memstats": {"BySize": [{"Size": 8, "Mallocs": 2}], "Alloc": 4, "PauseNs": {}}}
{"memstats": {"NumGC": 3}}
{"memstats": 7, "HeapAlloc": 6}
"#;
        let p = parse(doc);
        assert_eq!(p.snapshots.len(), 3, "{p:?}");
        let m = &p.snapshots[0].stats;
        assert_eq!(
            (m.heap_alloc, m.num_gc, m.frees, m.mallocs),
            (Some(5), None, None, None)
        );
        assert_eq!((m.sys, m.total_alloc), (None, Some(3)));
        assert_eq!(m.pause_ns, None);
        assert_eq!(m.pause_end, Some(vec![7, 8].into()));
        assert_eq!(
            (m.gc_cpu_fraction, m.enable_gc, m.debug_gc),
            (Some(1.0), None, Some(false))
        );
        let sizes = vec![SizeClass {
            size: 8,
            mallocs: 2,
            frees: 1,
        }];
        assert_eq!(m.by_size, Some(sizes.into()));
        let m = &p.snapshots[1].stats;
        assert_eq!(
            (m.alloc, m.by_size.as_ref(), m.pause_ns.as_ref()),
            (Some(4), None, None)
        );
        // a `memstats` that is not an object: the document itself is read
        assert_eq!(p.snapshots[2].stats.heap_alloc, Some(6));
        assert_eq!(p.snapshots[2].line, 7);
        assert_eq!(
            p.errors,
            vec![(
                6,
                "a \"memstats\" value that is not a MemStats object".into()
            )]
        );

        let deep = format!(
            "{{\"memstats\": {}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let p = parse(deep.as_bytes());
        assert!(p.snapshots.is_empty());
        assert!(
            p.errors[0].1.contains("not a MemStats object"),
            "{:?}",
            p.errors
        );
        let deep = format!(
            "{}1{}",
            "{\"memstats\": ".repeat(100_000),
            "}".repeat(100_000)
        );
        let p = parse(deep.as_bytes());
        assert!(p.snapshots.is_empty());
        assert!(
            p.errors[0].1.contains("recursion limit"),
            "{:?}",
            p.errors[0]
        );
    }

    /// Each document's pause rings share the stretches the one before it had: a GC
    /// rewrites one entry of 256.
    #[test]
    fn expvar_rings_share_what_the_document_before_held() {
        let ring = |gcs: u64| -> String {
            let v: Vec<String> = (0..256)
                .map(|i| {
                    if i < gcs {
                        (1000 + i).to_string()
                    } else {
                        "0".into()
                    }
                })
                .collect();
            v.join(",")
        };
        let doc = |gcs: u64| {
            format!(
                "{{\"memstats\": {{\"HeapAlloc\": 1, \"NumGC\": {gcs}, \"PauseNs\": [{}]}}}}\n",
                ring(gcs)
            )
        };
        let data = [doc(3), doc(4), doc(40)].concat();
        let p = parse(data.as_bytes());
        let rings: Vec<&Shared<u64>> = p
            .snapshots
            .iter()
            .map(|s| s.stats.pause_ns.as_ref().unwrap())
            .collect();
        assert_eq!(rings[1].get(3), Some(1003));
        assert_eq!(rings[1].iter().filter(|n| *n > 0).count(), 4);
        assert_eq!(rings[0].shared_stretches(rings[1]), 7);
        assert_eq!(rings[1].shared_stretches(rings[2]), 6);
    }

    #[test]
    fn lines_are_counted_forward_and_again_from_the_start() {
        let data = b"a\nb\nc\nd";
        let mut l = Lines::default();
        assert_eq!(l.of(data, 0), 1);
        assert_eq!(l.of(data, 2), 2);
        assert_eq!(l.of(data, 6), 4);
        assert_eq!(l.of(data, 99), 4);
        assert_eq!(l.of(data, 4), 3);
    }
}
