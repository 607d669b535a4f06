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
use crate::model::{Cycle, Event, Timeline};
use crate::parse::window::Window;
use crate::parse::{Builder, continues};
use std::ops::ControlFlow;

/// Cycles kept in full detail.
pub const WINDOW: usize = 200_000;

/// What is handed every cycle and event of the trace, in order, once: `gc --format csv`
/// and `--format json` write them there, the chart gathers its figures.
pub trait Sink {
    /// The next cycle, with its line in its input and the number of its segment (as the
    /// whole timeline numbers them).
    fn cycle(&mut self, c: &Cycle);

    /// The next event, its segment numbered as the whole timeline numbers it (handed
    /// over before the cycle that follows it); `after_gc` is the gc number of the last
    /// cycle of its input before it (the event's `after_cycle`, an index into a whole
    /// timeline, is not set).
    fn event(&mut self, e: &Event, after_gc: Option<u32>) {
        let _ = (e, after_gc);
    }

    /// Whether it takes no more (its output was closed): the input is then read no
    /// further.
    fn stopped(&self) -> bool {
        false
    }
}

/// A function of each cycle is a sink that takes no event.
impl<F: FnMut(&Cycle)> Sink for F {
    fn cycle(&mut self, c: &Cycle) {
        self(c)
    }
}

/// The bounded pass over one or more inputs, fed in order.
pub struct Long<'s> {
    digest: Digest,
    window: Option<Window>,
    history: History,
    timeline: Timeline,
    keep: usize,
    sink: Option<&'s mut dyn Sink>,
    /// The gc number and segment of the current input's last cycle handed to the sink.
    before: Option<(u32, u32)>,
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
            sink: None,
            before: None,
        }
    }

    /// Hands every cycle and event to `sink` as it is counted.
    pub fn with_sink(mut self, sink: &'s mut dyn Sink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Starts the next input, named `name`.
    pub fn start(&mut self, name: &str) {
        self.end_source();
        self.before = None;
        self.window = Some(Window::new(self.timeline.sources.len() as u32));
        self.timeline.sources.push(name.to_string());
    }

    /// Adds the next block of the current input; says to stop once the sink takes no
    /// more.
    pub fn block(&mut self, b: Builder) -> ControlFlow<()> {
        for e in b.event_slice() {
            self.digest.event(e);
        }
        let Some(mut w) = self.window.take() else {
            return ControlFlow::Continue(());
        };
        w.push(b);
        self.hand(&mut w, false);
        // counted and folded where they lie, then dropped: never copied out
        let (history, keep) = (&mut self.history, self.keep);
        w.fold(keep, |old| history.add(old, keep));
        self.window = Some(w);
        match &self.sink {
            Some(sink) if sink.stopped() => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        }
    }

    /// Counts the window's settled blocks (at the input's end, all of them).
    fn hand(&mut self, w: &mut Window, at_end: bool) {
        while let Some((cycles, events)) = w.next_settled(at_end) {
            self.pass(cycles, events);
        }
    }

    fn end_source(&mut self) {
        if let Some(mut w) = self.window.take() {
            self.hand(&mut w, true);
            w.finish().finish_into(&mut self.timeline);
        }
    }

    /// Counts the next `cycles` of the current input, numbering their segments as the
    /// digest does (so a folded bucket's allocation never spans a restart), and hands
    /// them to the sink with `events`, the input's events up to the next cycle not yet
    /// counted, in line order.
    fn pass(&mut self, cycles: &mut [Cycle], events: &[Event]) {
        let mut events = events.iter().peekable();
        for c in cycles {
            c.segment = feed(&mut self.digest, c);
            if let Some(sink) = self.sink.as_deref_mut() {
                // events before the input's first cycle belong to the segment it opens
                let (after, seg) = self.before.map_or((None, c.segment), |(g, s)| (Some(g), s));
                while let Some(e) = events.next_if(|e| e.line < c.line) {
                    sink.event(&numbered(e, seg), after);
                }
                sink.cycle(c);
                self.before = Some((c.gc.cycle, c.segment));
            }
        }
        if let Some(sink) = self.sink.as_deref_mut() {
            // after the last cycle; in an input without one, in the last segment
            let last = self.digest.segments().len().saturating_sub(1) as u32;
            let (after, seg) = self.before.map_or((None, last), |(g, s)| (Some(g), s));
            for e in events {
                sink.event(&numbered(e, seg), after);
            }
        }
    }

    /// Reads `files` (`-` is stdin) in order, in one pass, and gives the report: how
    /// `gc`, `advise`, `chart` and `report` read a trace of any length. `watch` is told
    /// of each file as it starts (see [`crate::parse::load::Watch`]).
    pub fn read(
        mut self,
        files: &[String],
        watch: crate::parse::load::Watch,
    ) -> anyhow::Result<Report> {
        let scanner = crate::parse::Scanner::new();
        for (k, path) in files.iter().enumerate() {
            let tick = watch(path);
            self.start(path);
            crate::parse::stream_path(&scanner, k as u32, path, &*tick, &mut |b| self.block(b))?;
        }
        Ok(self.finish())
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

fn numbered(e: &Event, segment: u32) -> Event {
    Event {
        segment,
        after_cycle: None,
        ..e.clone()
    }
}

/// Feeds the next cycle to the digest, starting a segment wherever the timeline would;
/// returns the digest's number of its segment.
fn feed(d: &mut Digest, c: &Cycle) -> u32 {
    d.cycle(c, d.last().is_none_or(|p| !continues(p, c)));
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
                let _ = long.block(b);
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
            assert_eq!(whole.summary.per_segment, r.summary.per_segment, "{f}");
        }
    }

    /// What a sink saw.
    #[derive(Default)]
    struct Seen {
        cycles: Vec<(u32, u64, u32, u32)>,
        events: Vec<(u32, u64, u32, Option<u32>, String)>,
    }

    impl Sink for Seen {
        fn cycle(&mut self, c: &Cycle) {
            self.cycles.push((c.source, c.line, c.gc.cycle, c.segment));
        }
        fn event(&mut self, e: &Event, after_gc: Option<u32>) {
            let kind = format!("{:?}", e.kind);
            self.events
                .push((e.source, e.line, e.segment, after_gc, kind));
        }
    }

    /// With a window of 4 cycles, fed in small blocks, the sink is handed every cycle and
    /// event of the whole timeline in order, numbered as it numbers them: restarts inside
    /// an input, an input that continues the one before, one of events alone.
    #[test]
    fn the_sink_sees_the_whole_timeline() {
        let read = |f: &str| {
            std::fs::read(format!(
                "{}/fixtures/gctrace/{f}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let restart = read("public/go1.8-issue18896-restart.log");
        let half = restart.len() / 2 + 1;
        let cut = half + restart[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let pacer = read("public/go1.5-issue12228-pacer.log");
        let events_alone: Vec<u8> = pacer
            .split_inclusive(|&b| b == b'\n')
            .filter(|l| !l.starts_with(b"gc "))
            .flatten()
            .copied()
            .collect();
        let inputs: Vec<Vec<Vec<u8>>> = vec![
            vec![restart.clone()],
            vec![read("go1.26/gctrace2.log")],
            vec![
                restart[..cut].to_vec(),
                restart[cut..].to_vec(),
                events_alone,
                pacer,
                read("go1.21/leak.log"),
            ],
        ];
        let s = Scanner::new();
        for (n, datas) in inputs.iter().enumerate() {
            let mut whole = Timeline::default();
            let mut seen = Seen::default();
            let mut long = Long::with_window(4).with_sink(&mut seen);
            for (k, data) in datas.iter().enumerate() {
                let mut b = Builder::new(k as u32);
                b.feed(&s, data);
                whole.sources.push(k.to_string());
                b.finish_into(&mut whole);
                long.start(&k.to_string());
                for part in data
                    .split_inclusive(|&b| b == b'\n')
                    .collect::<Vec<_>>()
                    .chunks(7)
                {
                    let mut b = Builder::new(k as u32);
                    b.feed(&s, &part.concat());
                    let _ = long.block(b);
                }
            }
            long.finish();
            let cycles: Vec<_> = whole
                .cycles
                .iter()
                .map(|c| (c.source, c.line, c.gc.cycle, c.segment))
                .collect();
            let events: Vec<_> = whole
                .events
                .iter()
                .map(|e| {
                    let after = e.after_cycle.map(|k| whole.cycles[k].gc.cycle);
                    (e.source, e.line, e.segment, after, format!("{:?}", e.kind))
                })
                .collect();
            assert!(n == 0 || !events.is_empty(), "input set {n}");
            assert_eq!(seen.cycles, cycles, "input set {n}");
            assert_eq!(seen.events, events, "input set {n}");
        }
    }
}
