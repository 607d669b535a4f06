//! A trace of any length in bounded memory (issue 31): `gclens gc` reads a month of
//! gctrace (tens of millions of cycles) block by block. Every cycle goes through the
//! [`Digest`], so the summary, the KPIs and the leak verdict cover the whole trace; the
//! newest [`WINDOW`] cycles are kept in full detail (the timeline the report shows and
//! joins MemStats to), and older ones are folded into time buckets ([`History`]), as a
//! live session keeps them. A trace of up to twice the window is kept whole, and its
//! report is the one the whole timeline gives. The summary's `main_segment` indexes the
//! report's timeline, so `advise` measures the model on the newest cycles of the main
//! segment (hours of a busy service) while the leak verdict covers the whole trace.

use super::digest::Digest;
use super::{Folded, History, Report, findings};
use crate::model::{Cycle, Timeline};
use crate::parse::{Builder, continues};

/// Cycles kept in full detail.
pub const WINDOW: usize = 200_000;

/// More cycles than one block of input holds (16 MiB of gc lines of 100+ bytes).
const BLOCK_CYCLES: usize = 1 << 18;

/// What is handed every cycle, in order, once: `gc --format csv` writes its rows there.
pub type Sink<'s> = &'s mut dyn FnMut(&Cycle);

/// The bounded pass over one or more inputs, fed in order.
pub struct Long<'s> {
    digest: Digest,
    window: Option<Builder>,
    history: History,
    timeline: Timeline,
    keep: usize,
    last: Option<Cycle>,
    sink: Option<Sink<'s>>,
}

impl Default for Long<'_> {
    fn default() -> Self {
        Long::with_window(WINDOW)
    }
}

impl<'s> Long<'s> {
    /// Keeps the newest `keep` cycles (up to twice that between folds).
    pub fn with_window(keep: usize) -> Self {
        Long {
            digest: Digest::default(),
            window: None,
            history: History::default(),
            timeline: Timeline::default(),
            keep: keep.max(1),
            last: None,
            sink: None,
        }
    }

    /// Hands every cycle to `sink` as it is counted: in order, with its line in its
    /// input and the number of its segment (as the whole timeline numbers them).
    pub fn with_sink(mut self, sink: Sink<'s>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Starts the next input, named `name`.
    pub fn start(&mut self, name: &str) {
        self.end_source();
        let mut w = Builder::new(self.timeline.sources.len() as u32);
        // room for the window and a block beyond it, so that it never moves (pages not
        // yet written are not resident: a short trace does not pay for it)
        w.reserve(2 * self.keep + BLOCK_CYCLES);
        self.window = Some(w);
        self.timeline.sources.push(name.to_string());
    }

    /// Adds the next block of the current input.
    pub fn block(&mut self, b: Builder) {
        for e in b.event_slice() {
            self.digest.event(e);
        }
        let Some(w) = self.window.as_mut() else {
            return;
        };
        w.append(b);
        if w.cycles() >= 2 * self.keep {
            let mut old = w.trim_front(self.keep);
            for c in &mut old {
                // numbered as the digest does, so a bucket's allocation never spans a restart
                c.segment = feed(&mut self.digest, &mut self.last, c);
                if let Some(s) = self.sink.as_mut() {
                    s(c);
                }
            }
            self.history.add(&old, self.keep);
        }
    }

    fn end_source(&mut self) {
        if let Some(w) = self.window.take() {
            for c in w.cycle_slice() {
                let segment = feed(&mut self.digest, &mut self.last, c);
                if let Some(s) = self.sink.as_mut() {
                    s(&Cycle { segment, ..*c });
                }
            }
            w.finish_into(&mut self.timeline);
        }
    }

    /// The report: the whole trace's summary and findings over the detailed window.
    pub fn finish(mut self) -> Report {
        self.end_source();
        let t = self.timeline;
        let all_segments = self.digest.segments().len();
        let mut summary = self
            .digest
            .finish(&t.sources, t.skipped.malformed, t.skipped.foreign);
        // the window holds the last segments; the main one as an index into them (the
        // window's biggest when the main one was folded away whole)
        let folded_segments = all_segments.saturating_sub(t.segments.len());
        summary.main_segment = summary
            .main_segment
            .checked_sub(folded_segments)
            .filter(|&i| i < t.segments.len())
            .unwrap_or_else(|| {
                (0..t.segments.len())
                    .max_by_key(|&i| (t.segments[i].end - t.segments[i].first, usize::MAX - i))
                    .unwrap_or(0)
            });
        let findings = findings(&t, &summary);
        Report {
            timeline: t,
            summary,
            findings,
            memstats: None,
            folded: Folded::of(&self.history.buckets).map(|f| Folded {
                summarized: true,
                ..f
            }),
        }
    }
}

/// Feeds the next cycle to the digest, starting a segment wherever the timeline would;
/// returns the digest's number of its segment.
fn feed(d: &mut Digest, last: &mut Option<Cycle>, c: &Cycle) -> u32 {
    d.cycle(c, last.as_ref().is_none_or(|p| !continues(p, c)));
    *last = Some(*c);
    d.segments().len().saturating_sub(1) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Scanner;

    /// Fed in small blocks with a window of 4 cycles, a trace with restarts gives the
    /// summary of its whole timeline (all but the main segment's index, which points
    /// into the window), and every cycle is either in the window or in a bucket.
    #[test]
    fn a_small_window_gives_the_whole_timelines_summary() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "public/go1.8-issue18896-restart.log",
            "go1.21/leak.log",
            "go1.26/gctrace2.log",
        ] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            let whole = crate::analyze::Report::new(crate::parse::load_bytes(&data));
            let s = Scanner::new();
            let mut long = Long::with_window(4);
            long.start("-");
            for part in data
                .split_inclusive(|&b| b == b'\n')
                .collect::<Vec<_>>()
                .chunks(97)
            {
                let mut b = Builder::new(0);
                b.feed(&s, &part.concat());
                long.block(b);
            }
            let r = long.finish();
            let mut a = serde_json::to_value(&whole.summary).unwrap();
            let mut b = serde_json::to_value(&r.summary).unwrap();
            a["main_segment"] = 0.into();
            b["main_segment"] = 0.into();
            assert_eq!(a, b, "{f}");
            let folded = r.folded.as_ref().map_or(0, |f| f.cycles);
            assert!(folded > 0, "{f}");
            assert_eq!(
                folded + r.timeline.cycles.len() as u64,
                whole.summary.cycles as u64,
                "{f}"
            );
            assert_eq!(whole.findings.len(), r.findings.len(), "{f}");
        }
    }
}
