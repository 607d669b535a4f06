//! Builds a [`Timeline`] from scanned buffers. Several builders can run on separate
//! blocks of one input (one per thread) and be merged in order; `finish` then assigns
//! segments and ties events to cycles.
//!
//! Segment breaks (a gc number or time that goes back) are noted as cycles are pushed,
//! so finishing never walks the cycle array: a million-cycle trace of one process is
//! finished without touching its cycles again.

use super::{Hit, Record, Scanner};
use crate::model::{Cycle, Event, EventKind, Malformed, Segment, Timeline};

/// How many malformed lines are kept to show.
pub const MAX_EXAMPLES: usize = 5;

/// Accumulates records of one input (or one block of it).
#[derive(Debug, Default)]
pub struct Builder {
    source: u32,
    cycles: Vec<Cycle>,
    events: Vec<Event>,
    malformed: u64,
    examples: Vec<Malformed>,
    records: u64,
    lines: u64,
    /// Indices (> 0) of cycles that do not continue the cycle before them.
    breaks: Vec<usize>,
}

/// Does `c` continue the process that printed `p`? A gc number or a time that goes
/// back means a restarted process writing to the same stream.
pub fn continues(p: &Cycle, c: &Cycle) -> bool {
    let num_ok = c.gc.cycle > p.gc.cycle;
    let time_ok = match (c.gc.t_ms, p.gc.t_ms) {
        (Some(a), Some(b)) => a >= b,
        _ => true,
    };
    num_ok && time_ok
}

fn example(source: u32, line: u64, text: &[u8]) -> Malformed {
    let mut text = String::from_utf8_lossy(text).into_owned();
    if let Some((cut, _)) = text.char_indices().nth(160) {
        text.truncate(cut);
        text.push('…');
    }
    Malformed { source, line, text }
}

impl Builder {
    pub fn new(source: u32) -> Self {
        Builder {
            source,
            ..Default::default()
        }
    }

    /// Lines fed so far.
    /// Lines that looked like runtime trace lines but did not parse, so far.
    pub fn malformed(&self) -> u64 {
        self.malformed
    }

    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn cycles(&self) -> usize {
        self.cycles.len()
    }

    /// Scans `buf` (whole lines; a last line without `\n` is a line) as the lines that
    /// follow the ones already fed.
    pub fn feed(&mut self, scanner: &Scanner, buf: &[u8]) {
        self.feed_from(scanner, buf, true);
    }

    /// Scans the whole lines `buf` of a stream that goes on (`at_end` false) or ends with
    /// them, as the lines that follow the ones already fed; returns the bytes scanned.
    /// What is left (lines whose record another write may have cut in two) is to be fed
    /// again with the lines that come after it: [`Scanner::scan_from`].
    pub fn feed_from(&mut self, scanner: &Scanner, buf: &[u8], at_end: bool) -> usize {
        let base = self.lines;
        let last_gc = self.last_gc();
        let s = scanner.scan_from(buf, last_gc, at_end, |hit| self.add_hit(base, &hit, buf));
        self.lines += s.lines;
        s.consumed
    }

    /// The number of the last gc record fed (what a digit-cut record's number follows).
    pub fn last_gc(&self) -> Option<u32> {
        self.cycles.last().map(|c| c.gc.cycle)
    }

    /// Takes one hit of a scan of `buf`, whose first line follows the `base` lines fed
    /// before (for callers that scan themselves, like the live splitter). The caller
    /// then adds the block's lines with [`Builder::skip_lines`].
    pub fn add_hit(&mut self, base: u64, hit: &Hit, buf: &[u8]) {
        let line = base + hit.line_index + 1;
        self.records += 1;
        match hit.record {
            None => {
                self.malformed += 1;
                if self.examples.len() < MAX_EXAMPLES {
                    self.examples.push(example(
                        self.source,
                        line,
                        &buf[hit.line_start..hit.line_end],
                    ));
                }
            }
            Some(r) => self.push(line, r),
        }
    }

    /// Adds a record that came from elsewhere than the input's lines (`gclens run`'s own
    /// scheduler samples), after the lines fed so far.
    pub fn add_record(&mut self, r: Record) {
        self.push(self.lines, r);
    }

    /// Removes the oldest cycles so that at most `keep` remain (and the events before the
    /// first one kept); returns the removed cycles. Counts of lines stay whole.
    pub fn trim_front(&mut self, keep: usize) -> Vec<Cycle> {
        let n = self.cycles.len().saturating_sub(keep);
        let removed = self.cycles[..n].to_vec();
        self.drop_front(keep);
        removed
    }

    /// Removes what [`trim_front`](Builder::trim_front) returns, without copying it.
    pub fn drop_front(&mut self, keep: usize) {
        let n = self.cycles.len().saturating_sub(keep);
        let k = self.cycles.get(n).map_or(0, |first| {
            self.events.partition_point(|e| e.line <= first.line)
        });
        self.cycles.drain(..n);
        self.events.drain(..k);
        self.breaks.retain(|&b| b > n);
        for b in &mut self.breaks {
            *b -= n;
        }
    }

    /// The cycles fed so far (oldest first).
    pub fn cycle_slice(&self) -> &[Cycle] {
        &self.cycles
    }

    /// The events fed so far.
    pub fn event_slice(&self) -> &[Event] {
        &self.events
    }

    /// Counts `n` foreign lines that were not scanned (e.g. overlong lines).
    pub fn skip_lines(&mut self, n: u64) {
        self.lines += n;
    }

    fn push(&mut self, line: u64, r: Record) {
        let source = self.source;
        let ev = |kind| Event {
            source,
            line,
            segment: 0,
            after_cycle: None,
            kind,
        };
        match r {
            Record::Gc(gc) => {
                let c = Cycle {
                    segment: 0,
                    source,
                    line,
                    gc,
                };
                if self.cycles.last().is_some_and(|p| !continues(p, &c)) {
                    self.breaks.push(self.cycles.len());
                }
                self.cycles.push(c)
            }
            Record::GcForced => self.events.push(ev(EventKind::GcForced)),
            Record::Scavenge(s) => self.events.push(ev(EventKind::Scavenge(s))),
            Record::Pacer(p) => self.events.push(ev(EventKind::Pacer(p))),
            Record::Cpu(c) => self.events.push(ev(EventKind::Cpu(c))),
            Record::Scan(s) => {
                if s.class_bytes.is_some() {
                    if let Some(Event {
                        kind: EventKind::Scan { class_lines, .. },
                        ..
                    }) = self.events.last_mut()
                    {
                        *class_lines += 1;
                        return;
                    }
                    self.events.push(ev(EventKind::Scan {
                        total_objs: None,
                        total_spans: None,
                        class_lines: 1,
                    }));
                } else {
                    self.events.push(ev(EventKind::Scan {
                        total_objs: Some(s.objs),
                        total_spans: s.spans,
                        class_lines: 0,
                    }));
                }
            }
        }
    }

    /// Makes room for `cycles` more cycles.
    pub fn reserve(&mut self, cycles: usize) {
        self.cycles.reserve(cycles);
    }

    /// Joins builders of consecutive blocks of one source into one. The cycles (the
    /// bulk: 144 bytes each) are copied once, straight into place with their line
    /// numbers shifted, on up to `threads` threads; the rest goes through [`append`].
    ///
    /// [`append`]: Builder::append
    pub fn concat(source: u32, mut parts: Vec<Builder>, threads: usize) -> Builder {
        let total: usize = parts.iter().map(|b| b.cycles.len()).sum();
        let mut cycles: Vec<Cycle> = Vec::with_capacity(total);
        {
            let mut rest = &mut cycles.spare_capacity_mut()[..total];
            let mut off = 0;
            let mut jobs = Vec::with_capacity(parts.len());
            for p in &parts {
                let (dst, tail) = rest.split_at_mut(p.cycles.len());
                rest = tail;
                jobs.push((dst, &p.cycles[..], off));
                off += p.lines;
            }
            let threads = threads.clamp(1, jobs.len().max(1));
            let mut groups: Vec<Vec<_>> = (0..threads).map(|_| vec![]).collect();
            for (k, j) in jobs.into_iter().enumerate() {
                groups[k % threads].push(j);
            }
            std::thread::scope(|s| {
                for group in groups {
                    s.spawn(move || {
                        for (dst, src, off) in group {
                            for (d, c) in dst.iter_mut().zip(src) {
                                let mut c = *c;
                                c.line += off;
                                d.write(c);
                            }
                        }
                    });
                }
            });
        }
        // SAFETY: the loops above wrote every one of the `total` slots (each part's
        // slice has exactly its cycles' length and the slices tile `..total`).
        unsafe { cycles.set_len(total) };
        let mut all = Builder::new(source);
        let mut at = 0; // index of the part's first cycle in `cycles`
        for p in &mut parts {
            let n = p.cycles.len();
            join_breaks(
                &mut all.breaks,
                &cycles,
                at,
                std::mem::take(&mut p.breaks),
                n,
            );
            at += n;
            let first = p.cycles.first().map(|c| c.line);
            p.cycles = Vec::new();
            all.append_tail(std::mem::take(p), first);
        }
        all.cycles = cycles;
        all
    }

    /// Appends `next`, a builder of the lines that follow this one's in the same source.
    pub fn append(&mut self, mut next: Builder) {
        let off = self.lines;
        for c in &mut next.cycles {
            c.line += off;
        }
        let first = next.cycles.first().map(|c| c.line - off);
        let at = self.cycles.len();
        let n = next.cycles.len();
        self.cycles.append(&mut next.cycles);
        let breaks = std::mem::take(&mut next.breaks);
        join_breaks(&mut self.breaks, &self.cycles, at, breaks, n);
        self.append_tail(next, first);
    }

    /// [`append`](Builder::append) for a caller that keeps the cycles apart
    /// ([`Window`](super::window::Window)): everything of `next` but its cycles is
    /// appended, and its cycles are returned, their lines numbered as this builder's.
    pub fn append_apart(&mut self, mut next: Builder) -> Vec<Cycle> {
        let off = self.lines;
        let mut cycles = std::mem::take(&mut next.cycles);
        let first = cycles.first().map(|c| c.line);
        for c in &mut cycles {
            c.line += off;
        }
        next.breaks.clear();
        self.append_tail(next, first);
        cycles
    }

    /// This builder with `cycles` (consecutive, numbered as its lines, none of its own
    /// before) as its cycles: their segments cleared and breaks found anew.
    pub fn with_cycles(mut self, mut cycles: Vec<Cycle>) -> Builder {
        let mut breaks = vec![];
        for i in 0..cycles.len() {
            cycles[i].segment = 0;
            if i > 0 && !continues(&cycles[i - 1], &cycles[i]) {
                breaks.push(i);
            }
        }
        self.breaks = breaks;
        self.cycles = cycles;
        self
    }

    /// Drops the events at or before `line` (those before a first cycle kept).
    pub fn drop_events_through(&mut self, line: u64) {
        let k = self.events.partition_point(|e| e.line <= line);
        self.events.drain(..k);
    }

    /// Everything of [`append`](Builder::append) but the cycles; `first_cycle` is the
    /// (block-relative) line of `next`'s first cycle.
    fn append_tail(&mut self, mut next: Builder, first_cycle: Option<u64>) {
        let off = self.lines;
        for e in &mut next.events {
            e.line += off;
        }
        for m in &mut next.examples {
            m.line += off;
        }
        // scan class lines that continue the previous block's scan event
        if let (
            Some(Event {
                kind: EventKind::Scan {
                    class_lines: prev, ..
                },
                ..
            }),
            Some(first),
        ) = (self.events.last_mut(), next.events.first())
            && let EventKind::Scan {
                total_objs: None,
                class_lines,
                ..
            } = first.kind
            && first_cycle.is_none_or(|l| l + off > first.line)
        {
            *prev += class_lines;
            next.events.remove(0);
        }
        self.events.append(&mut next.events);
        self.malformed += next.malformed;
        let room = MAX_EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(next.examples.into_iter().take(room));
        self.records += next.records;
        self.lines += next.lines;
    }

    /// Adds this source's results to `t` and assigns segments.
    pub fn finish_into(self, t: &mut Timeline) {
        let Builder {
            cycles,
            events,
            malformed,
            examples,
            records,
            lines,
            breaks,
            ..
        } = self;
        t.skipped.malformed += malformed;
        t.skipped.foreign += lines.saturating_sub(records);
        let room = MAX_EXAMPLES.saturating_sub(t.skipped.examples.len());
        t.skipped.examples.extend(examples.into_iter().take(room));
        t.lines += lines;
        let first_new = t.cycles.len();
        if t.cycles.is_empty() {
            t.cycles = cycles; // the common case: no copy
        } else {
            t.cycles.extend(cycles);
        }
        segment(t, first_new, &breaks);
        attach_events(t, first_new, events);
    }
}

/// Adds the breaks of a part whose `n` cycles sit at `cycles[at..]`, behind the cycles
/// already joined, and the break between the two if there is one.
fn join_breaks(out: &mut Vec<usize>, cycles: &[Cycle], at: usize, breaks: Vec<usize>, n: usize) {
    if n > 0 && at > 0 && !continues(&cycles[at - 1], &cycles[at]) {
        out.push(at);
    }
    out.extend(breaks.into_iter().map(|b| b + at));
}

/// Starts a new segment at every break, and at the start of every source that does
/// not continue the previous one's numbering. Cycles were pushed as segment 0: only
/// those of later segments are written.
fn segment(t: &mut Timeline, first_new: usize, breaks: &[usize]) {
    let end = t.cycles.len();
    if first_new == end {
        return;
    }
    if first_new == 0 || !continues(&t.cycles[first_new - 1], &t.cycles[first_new]) {
        t.segments.push(Segment {
            source: t.cycles[first_new].source,
            first: first_new,
            end: first_new,
        });
    }
    let starts = breaks.iter().map(|b| first_new + b).chain([end]);
    let mut from = first_new;
    for next in starts {
        let s = t.segments.len() - 1;
        t.segments[s].end = next;
        if s != 0 {
            for c in &mut t.cycles[from..next] {
                c.segment = s as u32;
            }
        }
        if next < end {
            t.segments.push(Segment {
                source: t.cycles[next].source,
                first: next,
                end: next,
            });
        }
        from = next;
    }
}

/// The first index at or after `k` whose cycle is not before `line` (cycles are in
/// line order): an exponential search, so events far apart cost a few probes each.
fn next_not_before(cycles: &[Cycle], k: usize, line: u64) -> usize {
    let (mut lo, mut probe, mut step) = (k, k, 1); // every index below `lo` is before
    while probe < cycles.len() && cycles[probe].line < line {
        lo = probe + 1;
        probe = lo + step;
        step *= 2;
    }
    // `probe` is not before `line`, or past the end
    lo + cycles[lo..probe.min(cycles.len())].partition_point(|c| c.line < line)
}

fn attach_events(t: &mut Timeline, first_new: usize, events: Vec<Event>) {
    let mut k = first_new; // next cycle not yet before the event
    for mut e in events {
        k = next_not_before(&t.cycles, k, e.line);
        if k > first_new {
            e.after_cycle = Some(k - 1);
            e.segment = t.cycles[k - 1].segment;
        } else {
            // before the source's first cycle: belongs to the segment that cycle opens
            e.segment = t
                .cycles
                .get(first_new)
                .map_or(t.segments.len().saturating_sub(1), |c| c.segment as usize)
                as u32;
        }
        t.events.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Scanner;

    /// The segmentation the break list replaces: a walk over every cycle.
    fn walk(t: &Timeline) -> (Vec<Segment>, Vec<u32>) {
        let mut segs: Vec<Segment> = vec![];
        let mut of = vec![];
        for (i, c) in t.cycles.iter().enumerate() {
            if i == 0 || !continues(&t.cycles[i - 1], c) {
                segs.push(Segment {
                    source: c.source,
                    first: i,
                    end: i,
                });
            }
            let s = segs.len() - 1;
            segs[s].end = i + 1;
            of.push(s as u32);
        }
        (segs, of)
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/gctrace/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn check(t: &Timeline, what: &str) {
        let (segs, of) = walk(t);
        assert_eq!(t.segments, segs, "{what}");
        let got: Vec<u32> = t.cycles.iter().map(|c| c.segment).collect();
        assert_eq!(got, of, "{what}");
        // every event lies after the cycle it names and before the next one
        for e in &t.events {
            if let Some(k) = e.after_cycle {
                assert!(t.cycles[k].line < e.line || t.cycles[k].source != e.source);
                if let Some(n) = t.cycles.get(k + 1).filter(|n| n.source == e.source) {
                    assert!(
                        n.line >= e.line,
                        "{what}: event at {} after {}",
                        e.line,
                        n.line
                    );
                }
            }
        }
    }

    /// Restarts inside a file, across block joins and between sources give the
    /// segments a walk over every cycle gives.
    #[test]
    fn breaks_give_the_segments_of_a_walk() {
        let s = Scanner::new();
        let restart = fixture("public/go1.8-issue18896-restart.log");
        let steady = fixture("go1.21/steady.log");
        let scav = fixture("go1.21/scav.log");
        // two runs glued into one stream: the second starts over at gc 1
        let mut glued = steady.clone();
        glued.extend_from_slice(&scav);
        for (name, data) in [("restart", &restart), ("glued", &glued)] {
            for block in [usize::MAX, 1000, 333] {
                let mut t = Timeline::default();
                let parts: Vec<Builder> = split(data, block)
                    .into_iter()
                    .map(|part| {
                        let mut b = Builder::new(0);
                        b.feed(&s, part);
                        b
                    })
                    .collect();
                Builder::concat(0, parts, 2).finish_into(&mut t);
                check(&t, &format!("{name} in {block}-byte blocks"));
                assert!(t.segments.len() >= 2, "{name}: {:?}", t.segments);
            }
        }
        // several sources, in an order where one continues the other's numbering
        let mut t = Timeline::default();
        for (k, data) in [&steady, &restart, &scav, &steady].into_iter().enumerate() {
            let mut b = Builder::new(k as u32);
            b.feed(&s, data);
            b.finish_into(&mut t);
        }
        check(&t, "four sources");
        // the live monitor's window: cycles trimmed from the front
        let mut b = Builder::new(0);
        b.feed(&s, &glued);
        let n = b.cycles();
        b.trim_front(n / 3);
        let mut t = Timeline::default();
        b.finish_into(&mut t);
        check(&t, "trimmed");
    }

    /// Cuts `data` after a newline about every `block` bytes.
    fn split(data: &[u8], block: usize) -> Vec<&[u8]> {
        let mut out = vec![];
        let mut rest = data;
        while !rest.is_empty() {
            let at = if block >= rest.len() {
                rest.len()
            } else {
                memchr::memchr(b'\n', &rest[block..]).map_or(rest.len(), |k| block + k + 1)
            };
            out.push(&rest[..at]);
            rest = &rest[at..];
        }
        out
    }

    #[test]
    fn exponential_search_finds_the_first_cycle_not_before() {
        let s = Scanner::new();
        let mut b = Builder::new(0);
        b.feed(&s, &fixture("go1.21/scav.log"));
        let cs = &b.cycles;
        let last = cs.last().unwrap().line + 2;
        for k in [0, 1, cs.len() / 2, cs.len()] {
            for line in 0..last {
                let want = k + cs[k..].iter().take_while(|c| c.line < line).count();
                assert_eq!(next_not_before(cs, k, line), want, "k={k} line={line}");
            }
        }
    }
}
