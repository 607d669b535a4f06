//! Parsers for the Go runtime's GC trace lines, over bytes.
//!
//! A trace line can sit anywhere in a line (behind a syslog, journald, `kubectl logs
//! --timestamps` or container-runtime prefix, or glued to a program's unfinished output),
//! so [`Scanner`] looks for every place where a record could start and tries the
//! matching parser there. A place that starts like a record (`gc 12 @`, `scav 3`,
//! `pacer: `…) but does not parse is *malformed*; a line with no record is *foreign*.

pub mod capture;
pub mod cpu;
pub mod escape;
pub mod gc;
pub mod goroutines;
pub mod heap;
pub mod incident;
pub mod load;
pub mod memstats;
pub mod num;
pub mod ordered;
pub mod pacer;
pub mod print;
pub mod prom_api;
pub mod scan;
pub mod scav;
pub mod timeline;
pub mod window;

pub use load::{load, load_bytes, load_watched, stream_path};
pub use timeline::{Builder, MAX_EXAMPLES, continues};

use crate::model::{CpuSample, GcLine, Pacer, Scan, Scavenge};

use aho_corasick::{AhoCorasick, Input, MatchKind};

/// One runtime trace record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record {
    Gc(GcLine),
    /// `GC forced`: the runtime's periodic (2-minute) collection follows.
    GcForced,
    Scavenge(Scavenge),
    Pacer(Pacer),
    Scan(Scan),
    Cpu(CpuSample),
}

/// What was found where a record could start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attempt {
    /// Not a record after all ("gc" inside a word, "scan: found 3 files"…).
    NotRecord,
    Record(Record),
    /// Starts like a record but does not parse (a truncated or unknown line).
    Malformed,
}

const STARTS: [&str; 6] = ["GC forced", "forced scvg", "gc", "scvg", "scav ", "pacer: "];
const SCAN_START: &str = "scan: ";

/// Tries to read a record at the start of `s` (a line's tail, without its line ending).
pub fn parse_at(s: &[u8]) -> Attempt {
    type P<T> = fn(&[u8]) -> nom::IResult<&[u8], T>;
    fn whole<T>(s: &[u8], p: P<T>, wrap: fn(T) -> Record) -> Attempt {
        match p(s) {
            Ok((rest, v)) if rest.iter().all(|b| *b == b' ' || *b == b'\t') => {
                Attempt::Record(wrap(v))
            }
            _ => Attempt::Malformed,
        }
    }
    match s.first() {
        Some(b'g') if gc::looks_like_gc(s) => whole(s, gc::gc_line, Record::Gc),
        Some(b'g') if cpu::looks_like_cpu(s) => whole(s, cpu::cpu_line, Record::Cpu),
        Some(b'G') if s.starts_with(b"GC forced") => {
            if s[9..].iter().all(|b| *b == b' ' || *b == b'\t') {
                Attempt::Record(Record::GcForced)
            } else {
                Attempt::NotRecord
            }
        }
        Some(b's' | b'f') if scav::looks_like_scvg(s) => {
            whole(s, scav::scvg_line, Record::Scavenge)
        }
        Some(b's') if scav::looks_like_scav(s) => whole(s, scav::scav_line, Record::Scavenge),
        Some(b's') if scan::looks_like_scan(s) => whole(s, scan::scan_line, Record::Scan),
        Some(b'p') if pacer::looks_like_pacer(s) => whole(s, pacer::pacer_line, Record::Pacer),
        _ => Attempt::NotRecord,
    }
}

/// Finds the records in a buffer of lines. Cheap to clone; build once.
#[derive(Clone, Debug)]
pub struct Scanner {
    ac: AhoCorasick,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a record (or a malformed one) was found in a buffer.
#[derive(Clone, Copy, Debug)]
pub struct Hit {
    /// Index of the line in the buffer, counting from 0.
    pub line_index: u64,
    /// Byte range of the whole line, without its `\n`.
    pub line_start: usize,
    pub line_end: usize,
    /// `Some` for a record, `None` for a malformed one.
    pub record: Option<Record>,
    /// A record split by another write (`gc ` + the program's line + `549 @0.755s …`),
    /// rejoined: the record took `line_start..split` of this line and the whole next
    /// line, which ends at `line_end`. `split..` up to the first newline is the
    /// program's own output.
    pub split: Option<usize>,
}

/// Longest first half of a split record we try to rejoin.
const MAX_SPLIT: usize = 512;

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|b| matches!(b, b'\r' | b' ' | b'\t'))
        .count();
    &s[..s.len() - n]
}

impl Scanner {
    pub fn new() -> Self {
        let mut pats: Vec<&str> = STARTS.to_vec();
        pats.push(SCAN_START);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(pats)
            .expect("static patterns build");
        Scanner { ac }
    }

    /// Calls `on_hit` for every line of `buf` that holds a record or a malformed record,
    /// in order, and returns the number of lines in `buf` (a last line without `\n` counts).
    /// `buf` is the whole input: nothing follows it.
    pub fn scan(&self, buf: &[u8], on_hit: impl FnMut(Hit)) -> u64 {
        self.scan_from(buf, None, true, on_hit).lines
    }

    /// [`Scanner::scan`] of one piece of a stream. `last_gc` is the number of the last gc
    /// record before `buf` (it settles which split a digit-cut record takes). Unless
    /// `at_end`, more lines follow `buf`, and a record that another write may have cut in
    /// two near its end is not decided yet: the scan stops at the start of its line and
    /// says so in [`Scanned::consumed`]; the caller scans from there again once more
    /// lines came (or at the end of the stream). The result never depends on where a
    /// stream was cut into pieces.
    pub fn scan_from(
        &self,
        buf: &[u8],
        last_gc: Option<u32>,
        at_end: bool,
        mut on_hit: impl FnMut(Hit),
    ) -> Scanned {
        let mut pos = 0; // where the search resumes
        let mut counted_to = 0; // newlines before this offset are counted in `line`
        let mut line: u64 = 0;
        let mut scratch = Vec::new();
        let mut last_gc = last_gc;
        while pos < buf.len() {
            // Fast path: a record at the start of the line (the common case in a trace).
            let at_line_start = pos == counted_to;
            let p = if at_line_start && matches!(buf[pos], b'g' | b's' | b'p' | b'G' | b'f') {
                pos
            } else {
                match self.ac.find(Input::new(buf).span(pos..buf.len())) {
                    Some(m) => m.start(),
                    None => break,
                }
            };
            let line_end = memchr::memchr(b'\n', &buf[p..]).map_or(buf.len(), |k| p + k);
            let candidate = trim_end(&buf[p..line_end]);
            let attempt = parse_at(candidate);
            let mut split = None;
            let mut line_end = line_end;
            let line_start = |line: &mut u64| {
                if p == counted_to {
                    p
                } else {
                    let s = memchr::memrchr(b'\n', &buf[counted_to..p])
                        .map_or(counted_to, |k| counted_to + k + 1);
                    *line += count_newlines(&buf[counted_to..s]);
                    s
                }
            };
            let attempt = match attempt {
                Attempt::Record(_) => attempt,
                _ => match rejoin(
                    buf,
                    p,
                    line_end,
                    last_gc.map(|n| n.wrapping_add(1)),
                    at_end,
                    &mut scratch,
                ) {
                    Rejoin::Joined(r, k, end) => {
                        split = Some(k);
                        line_end = end;
                        Attempt::Record(r)
                    }
                    Rejoin::NeedMore => {
                        let s = line_start(&mut line);
                        return Scanned {
                            lines: line,
                            consumed: s,
                            last_gc,
                        };
                    }
                    Rejoin::No if attempt == Attempt::NotRecord => {
                        pos = p + 1;
                        continue;
                    }
                    Rejoin::No => attempt,
                },
            };
            let line_start = line_start(&mut line);
            if let Attempt::Record(Record::Gc(g)) = &attempt {
                last_gc = Some(g.cycle);
            }
            on_hit(Hit {
                line_index: line,
                line_start,
                line_end,
                record: match attempt {
                    Attempt::Record(r) => Some(r),
                    _ => None,
                },
                split,
            });
            // step past this line (and the second half of a rejoined record)
            line += 1 + u64::from(split.is_some());
            pos = line_end + 1;
            counted_to = pos.min(buf.len());
        }
        Scanned {
            lines: line + count_lines(&buf[counted_to.min(buf.len())..]),
            consumed: buf.len(),
            last_gc,
        }
    }
}

/// What [`Scanner::scan_from`] got through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Lines scanned (a last line without `\n` counts).
    pub lines: u64,
    /// Bytes scanned: `buf.len()`, or the start of a line whose record is not decided
    /// before more lines come.
    pub consumed: usize,
    /// The number of the last gc record scanned (or the one given when none was).
    pub last_gc: Option<u32>,
}

/// What [`rejoin`] found.
enum Rejoin {
    /// The record, the split offset and the end of the next line.
    Joined(Record, usize, usize),
    /// No record was cut here.
    No,
    /// The lines that decide it are not in the buffer yet.
    NeedMore,
}

/// A record start at `p` whose line (ending at `end`) does not parse may be the first
/// half of a record that another write cut in two: the runtime prints a line in pieces,
/// so `gc ` can be followed by the program's own line and then `549 @0.755s …`. Tries
/// every split of the first line against the whole next line; returns the record, the
/// split offset and the end of the next line.
///
/// Digits make splits ambiguous (`gc 1114` + `2026/11/26 app…` + ` @2.504s…` also
/// parses as gc 1, 11, … 11142026): the gc number between the previous and the next gc
/// line wins; without either, the shortest split. Unless `at_end`, a line those rules
/// need that is not whole in `buf` yet makes the answer [`Rejoin::NeedMore`].
fn rejoin(
    buf: &[u8],
    p: usize,
    end: usize,
    expect_gc: Option<u32>,
    at_end: bool,
    scratch: &mut Vec<u8>,
) -> Rejoin {
    use Rejoin::{Joined, NeedMore, No};
    // a line that ends at `e` is whole when its newline is in the buffer
    let whole = |e: usize| at_end || e < buf.len();
    let first = &buf[p..end];
    // a word of its own (in `libgc 2` no record was cut) …
    if p > 0 && buf[p - 1].is_ascii_alphanumeric() {
        return No;
    }
    // … that can begin a record: `gc ` or `gcN(`, not `gcc`
    let gc_like = first.starts_with(b"gc ")
        || (first.starts_with(b"gc") && first.get(2).is_some_and(u8::is_ascii_digit));
    let other = ["forced scvg", "scvg", "scav ", "pacer: ", SCAN_START]
        .iter()
        .any(|s| first.starts_with(s.as_bytes()));
    if !(gc_like || other) {
        return No;
    }
    if !whole(end) {
        return NeedMore;
    }
    let next_start = end + 1;
    if next_start >= buf.len() {
        return if at_end { No } else { NeedMore };
    }
    let next_end = memchr::memchr(b'\n', &buf[next_start..]).map_or(buf.len(), |k| next_start + k);
    if !whole(next_end) {
        return NeedMore;
    }
    let next = trim_end(&buf[next_start..next_end]);
    // the second half starts mid-record: never with a record start of its own
    if next.is_empty() || parse_at(next) != Attempt::NotRecord {
        return No;
    }
    let expect_gc = match expect_gc {
        Some(e) => Some(e),
        None => {
            let after = next_end + 1;
            let e = buf
                .get(after..)
                .map(|rest| memchr::memchr(b'\n', rest).map_or(buf.len(), |k| after + k));
            match e {
                Some(e) if whole(e) => match parse_at(trim_end(&buf[after..e])) {
                    Attempt::Record(Record::Gc(g)) => g.cycle.checked_sub(1),
                    _ => None,
                },
                Some(_) => return NeedMore,
                None if at_end => None,
                None => return NeedMore,
            }
        }
    };
    let mut fallback = None;
    for k in p + 1..end.min(p + MAX_SPLIT) {
        scratch.clear();
        scratch.extend_from_slice(&buf[p..k]);
        scratch.extend_from_slice(next);
        let Attempt::Record(r) = parse_at(scratch) else {
            continue;
        };
        if let (Record::Gc(g), Some(e)) = (&r, expect_gc)
            && g.cycle == e
        {
            return Joined(r, k, next_end);
        }
        if expect_gc.is_none() || !matches!(r, Record::Gc(_)) {
            return Joined(r, k, next_end);
        }
        fallback.get_or_insert(Joined(r, k, next_end));
    }
    fallback.unwrap_or(No)
}

fn count_newlines(s: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', s).count() as u64
}

/// Lines in `s`: its newlines, plus one for a last line without `\n`.
pub fn count_lines(s: &[u8]) -> u64 {
    count_newlines(s) + u64::from(s.last().is_some_and(|b| *b != b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_records_behind_prefixes_and_counts_lines() {
        let buf = b"hello\n2024-05-01T10:00:00.123456789Z stderr F gc 12 @0.5s 1%: 0.1+1.0+0.01 ms clock, 0.2+0/1/0+0.02 ms cpu, 4->4->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P\r\nscan: found 3 files\nGC forced\ngc 13 @0.6s 1%: 0.1+1.0 ms clock\nlast";
        let mut hits = vec![];
        let lines = Scanner::new().scan(buf, |h| hits.push(h));
        assert_eq!(lines, 6);
        assert_eq!(hits.len(), 3);
        assert_eq!(hits[0].line_index, 1);
        assert!(matches!(
            hits[0].record,
            Some(Record::Gc(GcLine { cycle: 12, .. }))
        ));
        assert_eq!(
            (hits[1].line_index, hits[1].record),
            (3, Some(Record::GcForced))
        );
        assert_eq!((hits[2].line_index, hits[2].record), (4, None));
    }

    #[test]
    fn record_split_by_a_program_write_is_rejoined() {
        // real: fixtures/gctrace/go1.19/leak.log lines 552-553
        let buf = b"gc 2026/11/26 05:40:33 app: leak: cache holds 6 MiB\n549 @0.755s 5%: 0.008+0.16+0.037 ms clock, 0.016+0.026/0.031/0.009+0.074 ms cpu, 28->28->14 MB, 29 MB goal, 0 MB stacks, 0 MB globals, 2 P\nnext\n";
        let mut hits = vec![];
        assert_eq!(Scanner::new().scan(buf, |h| hits.push(h)), 3);
        assert_eq!(hits.len(), 1);
        assert!(matches!(
            hits[0].record,
            Some(Record::Gc(GcLine {
                cycle: 549,
                heap_live_mib: Some(14),
                ..
            }))
        ));
        assert_eq!(hits[0].split, Some(3));
        assert_eq!(&buf[hits[0].line_end..hits[0].line_end + 1], b"\n");
        assert_eq!(hits[0].line_end, buf.len() - 6);
    }

    #[test]
    fn split_record_with_digits_takes_the_next_gc_number() {
        // real: fixtures/gctrace/go1.26/leak.log lines 1123-1125
        let buf = b"gc 1113 @2.499s 4%: 0.050+0.38+0.074 ms clock, 0.10+0.048/0.13/0.036+0.14 ms cpu, 56->57->29 MB, 59 MB goal, 0 MB stacks, 0 MB globals, 2 P\ngc 11142026/11/26 05:51:03 app: leak: cache holds 20 MiB\n @2.504s 4%: 0.044+0.30+0.059 ms clock, 0.089+0.043/0.16/0+0.11 ms cpu, 55->55->28 MB, 58 MB goal, 0 MB stacks, 0 MB globals, 2 P\n";
        let mut hits = vec![];
        Scanner::new().scan(buf, |h| hits.push(h));
        assert_eq!(hits.len(), 2);
        assert!(matches!(
            hits[1].record,
            Some(Record::Gc(GcLine {
                cycle: 1114,
                t_ms: Some(2504),
                ..
            }))
        ));
    }

    #[test]
    fn record_after_a_false_start_in_the_same_line() {
        let buf = b"gcc said: gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P";
        let mut hits = vec![];
        assert_eq!(Scanner::new().scan(buf, |h| hits.push(h)), 1);
        assert!(matches!(
            hits[0].record,
            Some(Record::Gc(GcLine {
                cycle: 1,
                procs: 40,
                ..
            }))
        ));
    }
}
