//! Builds a [`Timeline`] from scanned buffers. Several builders can run on separate
//! blocks of one input (one per thread) and be merged in order; `finish` then assigns
//! segments and ties events to cycles in one pass.

use super::{Cycle, Event, EventKind, Malformed, Segment, Timeline};
use crate::parse::{Hit, Record, Scanner};

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
    pub fn lines(&self) -> u64 {
        self.lines
    }

    pub fn cycles(&self) -> usize {
        self.cycles.len()
    }

    /// Scans `buf` (whole lines; a last line without `\n` is a line) as the lines that
    /// follow the ones already fed.
    pub fn feed(&mut self, scanner: &Scanner, buf: &[u8]) {
        let base = self.lines;
        let n = scanner.scan(buf, |hit| self.add_hit(base, &hit, buf));
        self.lines += n;
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

    /// Removes the oldest cycles so that at most `keep` remain (and the events before the
    /// first one kept); returns the removed cycles. Counts of lines stay whole.
    pub fn trim_front(&mut self, keep: usize) -> Vec<Cycle> {
        let n = self.cycles.len().saturating_sub(keep);
        let removed: Vec<Cycle> = self.cycles.drain(..n).collect();
        if let Some(first) = self.cycles.first() {
            let line = first.line;
            self.events.retain(|e| e.line > line);
        }
        removed
    }

    /// The cycles fed so far (oldest first).
    pub fn cycle_slice(&self) -> &[Cycle] {
        &self.cycles
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
            Record::Gc(gc) => self.cycles.push(Cycle {
                segment: 0,
                source,
                line,
                gc,
            }),
            Record::GcForced => self.events.push(ev(EventKind::GcForced)),
            Record::Scavenge(s) => self.events.push(ev(EventKind::Scavenge(s))),
            Record::Pacer(p) => self.events.push(ev(EventKind::Pacer(p))),
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
        for p in &mut parts {
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
        self.cycles.append(&mut next.cycles);
        self.append_tail(next, first);
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
        segment(t, first_new);
        attach_events(t, first_new, events);
    }
}

/// Starts a new segment where the gc number or the time goes back, and at the start of
/// every source that does not continue the previous one's numbering.
fn segment(t: &mut Timeline, first_new: usize) {
    for i in first_new..t.cycles.len() {
        let c = t.cycles[i];
        let continues = i > 0 && {
            let p = &t.cycles[i - 1];
            let num_ok = c.gc.cycle > p.gc.cycle;
            let time_ok = match (c.gc.t_ms, p.gc.t_ms) {
                (Some(a), Some(b)) => a >= b,
                _ => true,
            };
            num_ok && time_ok
        };
        if !continues {
            t.segments.push(Segment {
                source: c.source,
                first: i,
                end: i,
            });
        }
        let s = t.segments.len() - 1;
        t.segments[s].end = i + 1;
        t.cycles[i].segment = s as u32;
    }
}

fn attach_events(t: &mut Timeline, first_new: usize, events: Vec<Event>) {
    let mut k = first_new; // next cycle not yet before the event
    for mut e in events {
        while k < t.cycles.len() && t.cycles[k].line < e.line {
            k += 1;
        }
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
