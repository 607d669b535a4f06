//! The bounded timeline of a live stream. The newest [`WINDOW`] cycles are kept in full
//! detail (144 bytes each); older ones are folded into at most [`MAX_BUCKETS`](crate::analyze::folded::MAX_BUCKETS) time
//! buckets (their counts, heap floors and peaks, pauses, GC CPU), so memory stays
//! bounded however long the stream runs: about 29 MB of cycles, 2 × 192 bytes per kept
//! event, and 0.3 MB of buckets.

use crate::analyze::{History, Report};
use crate::model::Timeline;
use crate::parse::Builder;

/// Cycles kept in full detail.
pub const WINDOW: usize = 200_000;
/// A live timeline: the detailed window and the folded history.
pub struct Monitor {
    pub builder: Builder,
    pub history: History,
    window: usize,
}

impl Monitor {
    pub fn new(source: u32) -> Self {
        Self::with_window(source, WINDOW)
    }

    pub fn with_window(source: u32, window: usize) -> Self {
        Monitor {
            builder: Builder::new(source),
            history: History::default(),
            window: window.max(1),
        }
    }

    /// Folds the oldest cycles away once the window is twice full (amortized O(1)).
    pub fn bound(&mut self) {
        if self.builder.cycles() >= 2 * self.window {
            let old = self.builder.trim_front(self.window);
            self.history.add(&old, self.window);
        }
    }

    /// Every cycle seen, folded or not.
    pub fn total_cycles(&self) -> u64 {
        self.history.cycles() + self.builder.cycles() as u64
    }

    /// The session's report: the detailed window analyzed, the folded cycles beside it;
    /// `None` when no gc line was seen.
    pub fn into_report(self, source: &str) -> Option<Report> {
        let (t, history) = self.into_timeline(source);
        if t.cycles.is_empty() {
            return None;
        }
        let mut r = Report::new(t);
        r.folded = history.folded();
        Some(r)
    }

    /// The detailed window as a timeline named `source`.
    pub fn into_timeline(self, source: &str) -> (Timeline, History) {
        let mut t = Timeline {
            sources: vec![source.to_string()],
            ..Default::default()
        };
        self.builder.finish_into(&mut t);
        (t, self.history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::folded::MAX_BUCKETS;
    use crate::parse::Scanner;
    use crate::parse::print::write_gc_line;

    #[test]
    fn memory_stays_bounded_and_nothing_is_uncounted() {
        let real = b"gc 290 @256.195s 3%: 0.25+100+0.10 ms clock, 2.0+208/199/0+0.84 ms cpu, 400->410->210 MB, 420 MB goal, 8 P";
        let (_, g) = crate::parse::gc::gc_line(real).unwrap();
        let mut m = Monitor::with_window(0, 100);
        let s = Scanner::new();
        let mut buf = vec![];
        for i in 0..100_000u32 {
            let mut c = g;
            c.cycle = i + 1;
            c.t_ms = Some(u64::from(i) * 100);
            c.heap_live_mib = Some(200 + i / 1000);
            buf.clear();
            write_gc_line(&mut buf, &c);
            buf.push(b'\n');
            m.builder.feed(&s, &buf);
            m.bound();
            assert!(m.builder.cycles() < 200);
            assert!(m.history.buckets.len() <= MAX_BUCKETS);
        }
        assert_eq!(m.total_cycles(), 100_000);
        let floor_first = m.history.buckets[0].live_floor_mib;
        let floor_last = m.history.buckets.last().unwrap().live_floor_mib;
        assert_eq!(floor_first, 200);
        assert!(floor_last > 290, "{floor_last}");
    }
}
