//! The newest cycles of one long input, kept as the blocks they were scanned in (issue
//! 31). A block's cycles are never copied again once scanned: they are handed out
//! where they lie, and the oldest are dropped a whole block at a time (the front block
//! cut where the window starts), where one growing vector moved every cycle once on
//! the way in and the kept ones again at every fold. Everything else of the input
//! (events, line counts, malformed examples) goes on in one [`Builder`].
//!
//! Cycles and events are *settled* once no later block can change them, and handed out
//! then, in input order, each once: every cycle at once, and every event but the last
//! `scan:` one, which the next block's first class lines may continue (so the cycles
//! after it wait with it). An event is handed out with the cycle after it, so that the
//! segment it falls in is known (or at the input's end). Only handed-out cycles are
//! ever dropped.

use super::Builder;
use crate::model::{Cycle, Event, EventKind};
use std::collections::VecDeque;

/// The detailed window of one input.
pub struct Window {
    rest: Builder,
    /// The cycles of each block.
    chunks: VecDeque<Vec<Cycle>>,
    /// Cycles of the front chunk already dropped.
    skip: usize,
    /// Cycles held.
    len: usize,
    /// The next cycle to hand out: its chunk and its index in that chunk's cycles.
    at: (usize, usize),
    /// Cycles held that were handed out.
    handed: usize,
    /// The first line whose events are not yet handed out.
    events_from: u64,
}

impl Window {
    /// An empty window of input number `source`.
    pub fn new(source: u32) -> Self {
        Window {
            rest: Builder::new(source),
            chunks: VecDeque::new(),
            skip: 0,
            len: 0,
            at: (0, 0),
            handed: 0,
            events_from: 0,
        }
    }

    /// Cycles held.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the next block of the input.
    pub fn push(&mut self, b: Builder) {
        let cycles = self.rest.append_apart(b);
        self.len += cycles.len();
        self.chunks.push_back(cycles);
    }

    /// The next settled cycles not yet handed out (at the input's end, `at_end`, all
    /// that are left), to be numbered in place, with the events before the cycle that
    /// follows them (at the end, all events left), in line order.
    pub fn next_settled(&mut self, at_end: bool) -> Option<(&mut [Cycle], &[Event])> {
        let events = self.rest.event_slice();
        // a last scan event may go on: neither it nor what follows it is settled
        let limit = match events.last() {
            Some(e) if !at_end && matches!(e.kind, EventKind::Scan { .. }) => e.line,
            _ => u64::MAX,
        };
        while (self.chunks.get(self.at.0)).is_some_and(|c| self.at.1 >= c.len()) {
            self.at = (self.at.0 + 1, 0);
        }
        let (k, from) = self.at;
        let end = self.chunks.get(k).map_or(from, |c| {
            from + c[from..].partition_point(|c| c.line < limit)
        });
        // events go out with the cycle after them, or at the end
        let next = match self.chunks.get(k) {
            Some(c) if end < c.len() => Some(c[end].line),
            _ => (self.chunks.iter().skip(k + 1))
                .find_map(|c| c.first())
                .map(|c| c.line),
        };
        let events_to = match next {
            _ if end == from && !at_end => return None,
            Some(line) => line.min(limit),
            None if at_end => u64::MAX,
            // the events after the last cycle wait for the next one
            None => self.chunks[k][end - 1].line,
        };
        let a = events.partition_point(|e| e.line < self.events_from);
        let b = events.partition_point(|e| e.line < events_to);
        if end == from && a == b {
            return None;
        }
        self.events_from = self.events_from.max(events_to);
        self.at.1 = end;
        self.handed += end - from;
        let cycles = match self.chunks.get_mut(k) {
            Some(c) => &mut c[from..end],
            None => &mut [],
        };
        Some((cycles, &events[a..b]))
    }

    /// Once `2 × keep` cycles are held, drops the oldest but the newest `keep` (of those
    /// handed out, but the last: the events before it may not be),
    /// showing them to `each` first, in order and in one or more slices; and the events
    /// before the first cycle kept.
    pub fn fold(&mut self, keep: usize, mut each: impl FnMut(&[Cycle])) {
        if self.len < 2 * keep {
            return;
        }
        let mut n = (self.len - keep).min(self.handed.saturating_sub(1));
        if n == 0 {
            return;
        }
        self.len -= n;
        self.handed -= n;
        // on to the first cycle kept, past blocks without one
        while let Some(front) = self.chunks.front()
            && (n > 0 || front.len() == self.skip)
        {
            let left = front.len() - self.skip;
            let take = n.min(left);
            if take > 0 {
                each(&front[self.skip..self.skip + take]);
            }
            n -= take;
            if take == left {
                self.chunks.pop_front();
                self.at = match self.at {
                    (0, _) => (0, 0),
                    (k, i) => (k - 1, i),
                };
                self.skip = 0;
            } else {
                self.skip += take;
            }
        }
        if let Some(first) = self.chunks.front().and_then(|c| c.get(self.skip)) {
            self.rest.drop_events_through(first.line);
        }
    }

    /// The window as one builder: its cycles copied together once, each block freed as
    /// soon as it is copied (a short input's single block is moved, not copied).
    pub fn finish(mut self) -> Builder {
        let mut cycles = match self.chunks.pop_front() {
            Some(mut c) => {
                c.drain(..self.skip);
                c
            }
            None => vec![],
        };
        cycles.reserve_exact(self.len - cycles.len());
        while let Some(c) = self.chunks.pop_front() {
            cycles.extend_from_slice(&c);
        }
        self.rest.with_cycles(cycles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timeline;
    use crate::parse::Scanner;

    fn blocks(data: &[u8], lines_per_block: usize) -> Vec<Builder> {
        let s = Scanner::new();
        let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
        lines
            .chunks(lines_per_block)
            .map(|ls| {
                let mut b = Builder::new(0);
                b.feed(&s, &ls.concat());
                b
            })
            .collect()
    }

    /// Fed in blocks and folded, a window hands out every cycle and event once, in line
    /// order, drops only what it handed out, and keeps the newest cycles as a trimmed
    /// builder of the whole input keeps them.
    #[test]
    fn hands_out_everything_once_and_keeps_the_newest() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "go1.21/scav.log",
            "go1.26/gctrace2.log",
            "go1.26/pacer.log",
            "public/go1.8-issue18896-restart.log",
        ] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            let mut whole = Builder::new(0);
            whole.feed(&Scanner::new(), &data);
            for (per, keep) in [(7, 3), (50, 20), (1000, 5)] {
                let mut w = Window::new(0);
                let (mut seen, mut events, mut folded) = (vec![], vec![], vec![]);
                let mut bs = blocks(&data, per).into_iter().peekable();
                while let Some(b) = bs.next() {
                    w.push(b);
                    let at_end = bs.peek().is_none();
                    while let Some((cs, es)) = w.next_settled(at_end) {
                        seen.extend(cs.iter().map(|c| c.line));
                        events.extend(es.iter().cloned());
                    }
                    w.fold(keep, |cs| folded.extend(cs.iter().map(|c| c.line)));
                }
                let all: Vec<u64> = whole.cycle_slice().iter().map(|c| c.line).collect();
                assert_eq!(seen, all, "{f} {per}/{keep}");
                assert_eq!(events, whole.event_slice(), "{f} {per}/{keep}");
                let mut t = Timeline::default();
                let kept = w.len();
                w.finish().finish_into(&mut t);
                assert_eq!(folded.len() + kept, all.len(), "{f} {per}/{keep}");
                assert_eq!(folded[..], all[..folded.len()], "{f} {per}/{keep}");
                let mut trimmed = Builder::new(0);
                trimmed.feed(&Scanner::new(), &data);
                trimmed.drop_front(kept);
                let mut u = Timeline::default();
                trimmed.finish_into(&mut u);
                assert_eq!(t.cycles, u.cycles, "{f} {per}/{keep}");
                assert_eq!(t.events, u.events, "{f} {per}/{keep}");
                assert_eq!(t.segments, u.segments, "{f} {per}/{keep}");
                assert_eq!(t.lines, u.lines, "{f} {per}/{keep}");
            }
        }
    }
}
