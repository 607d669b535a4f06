//! `--format json`: the `gclens.gc/v1` document, written as the cycles are counted
//! ([`JsonDoc`]), so that `gc` streams a trace of any length in constant memory (issue
//! 31): the head, every cycle (`json_cycle.rs`), the events, then what is known only at
//! the end (segments, summary, findings). From a long live session (`watch`, `run`),
//! `cycles` holds the newest ones in detail and `folded` the whole older part of the
//! stream in time buckets: nothing seen is left out of the document.

use super::json_cycle::CycleJson;
use super::ms_to_s;
use super::rows::Rows;
use crate::analyze::per_segment::SegmentFigures;
use crate::analyze::{Finding, Folded, Report, Summary};
use crate::model::{CpuSample, Cycle, Event, EventKind, Malformed};
use crate::model::{GcFormat, Pacer, Scavenge};
use crate::output::Format;
use serde::Serialize;
use std::io::Write;

pub const SCHEMA: &str = "gclens.gc/v1";

pub struct Json;

#[derive(Serialize)]
struct SegmentOut<'a> {
    index: usize,
    source: &'a str,
    cycles: usize,
    first_line: u64,
    last_line: u64,
    first_gc: u32,
    last_gc: u32,
    start_s: Option<f64>,
    end_s: Option<f64>,
    format: GcFormat,
    /// The segment's own figures (`analyze::per_segment`).
    #[serde(flatten)]
    figures: Option<&'a SegmentFigures>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum EventBody<'a> {
    GcForced,
    Scavenge(&'a Scavenge),
    Pacer(&'a Pacer),
    Cpu(&'a CpuSample),
    Scan {
        total_objs: Option<u64>,
        total_spans: Option<u64>,
        class_lines: u32,
    },
}

#[derive(Serialize)]
struct EventOut<'a> {
    source: u32,
    line: u64,
    segment: u32,
    /// gc number of the last cycle before the event.
    after_gc: Option<u32>,
    #[serde(flatten)]
    body: EventBody<'a>,
}

#[derive(Serialize)]
struct SkippedOut<'a> {
    malformed: u64,
    foreign: u64,
    examples: &'a [Malformed],
}

/// A segment as its cycles go by.
struct Seg {
    index: usize,
    source: u32,
    cycles: usize,
    first: Cycle,
    last: Cycle,
}

impl Seg {
    fn out<'a>(&self, sources: &'a [String], s: &'a Summary) -> SegmentOut<'a> {
        let (a, b) = (&self.first, &self.last);
        SegmentOut {
            index: self.index,
            source: sources
                .get(self.source as usize)
                .map_or("-", String::as_str),
            cycles: self.cycles,
            first_line: a.line,
            last_line: b.line,
            first_gc: a.gc.cycle,
            last_gc: b.gc.cycle,
            start_s: a.gc.t_ms.map(ms_to_s),
            end_s: b.gc.t_ms.map(ms_to_s),
            format: a.gc.format,
            figures: s.per_segment.get(self.index),
        }
    }
}

/// What follows the cycles and the events.
#[derive(Serialize)]
struct Tail<'a> {
    segments: Vec<SegmentOut<'a>>,
    summary: &'a Summary,
    findings: &'a [Finding],
    skipped: SkippedOut<'a>,
    /// `watch`/`run`: the cycles before `cycles` (which then hold only the newest).
    #[serde(skip_serializing_if = "Option::is_none")]
    folded: Option<&'a Folded>,
}

/// Events kept in memory up to this many bytes, then in an unnamed temporary file.
const EVENTS_IN_MEMORY: usize = 32 << 20;

/// The `gclens.gc/v1` document written as cycles and events are handed over, in
/// constant memory: the head and each cycle go out at once (formatted on a thread of
/// their own), events wait beside them (they are written after the cycles), and the
/// segments, summary and findings, known at the end, close the document.
pub struct JsonDoc<'w> {
    rows: Rows<'w>,
    sources: Vec<String>,
    segments: Vec<Seg>,
    events: Vec<u8>,
    spilled: Option<std::fs::File>,
    /// Bytes of events held before they go to the file ([`EVENTS_IN_MEMORY`]).
    spill_at: usize,
}

impl<'w> JsonDoc<'w> {
    /// The document of the inputs `sources` (which cycles' and events' `source` index).
    pub fn new(out: &'w mut dyn Write, sources: &[String]) -> anyhow::Result<Self> {
        let mut head = format!("{{\"schema\":\"{SCHEMA}\",\"sources\":").into_bytes();
        serde_json::to_writer(&mut head, sources)?;
        head.extend_from_slice(b",\"cycles\":[");
        Ok(JsonDoc {
            rows: Rows::new(out, head, "JSON", CycleJson::default())?,
            sources: sources.to_vec(),
            segments: vec![],
            events: vec![],
            spilled: None,
            spill_at: EVENTS_IN_MEMORY,
        })
    }

    /// The next cycle (in order).
    pub fn cycle(&mut self, c: &Cycle) -> anyhow::Result<()> {
        match self.segments.last_mut() {
            Some(s) if s.index == c.segment as usize => {
                s.cycles += 1;
                s.last = *c;
            }
            _ => self.segments.push(Seg {
                index: c.segment as usize,
                source: c.source,
                cycles: 1,
                first: *c,
                last: *c,
            }),
        }
        self.rows.push(c)
    }

    /// The next event; `after_gc` is the number of the cycle before it.
    pub fn event(&mut self, e: &Event, after_gc: Option<u32>) -> anyhow::Result<()> {
        if !self.events.is_empty() || self.spilled.is_some() {
            self.events.push(b',');
        }
        serde_json::to_writer(&mut self.events, &event_out(e, after_gc))?;
        if self.events.len() >= self.spill_at {
            let f = match self.spilled.as_mut() {
                Some(f) => f,
                None => self.spilled.insert(tempfile::tempfile()?),
            };
            f.write_all(&self.events)?;
            self.events.clear();
        }
        Ok(())
    }

    /// Closes the document with what is known at the end: `r`'s summary, findings and
    /// skipped lines, and `folded` (cycles summarized before the ones written). Of a
    /// trace read in bounded memory (`r.folded` summarized), every cycle was written: the
    /// main segment is then numbered among them all, not among the report's newest.
    pub fn finish(self, r: &Report, folded: Option<&Folded>) -> anyhow::Result<()> {
        let whole_trace;
        let summary = match &r.folded {
            Some(f) if f.summarized && folded.is_none() => {
                whole_trace = Summary {
                    main_segment: r.summary.main_segment_of_trace,
                    ..r.summary.clone()
                };
                &whole_trace
            }
            _ => &r.summary,
        };
        let out = self.rows.finish()?;
        out.write_all(b"],\"events\":[")?;
        if let Some(mut f) = self.spilled {
            use std::io::{Seek, SeekFrom};
            f.seek(SeekFrom::Start(0))?;
            std::io::copy(&mut f, out)?;
        }
        out.write_all(&self.events)?;
        out.write_all(b"]")?;
        let t = &r.timeline;
        let tail = Tail {
            segments: self
                .segments
                .iter()
                .map(|s| s.out(&self.sources, summary))
                .collect(),
            summary,
            findings: &r.findings,
            skipped: SkippedOut {
                malformed: t.skipped.malformed,
                foreign: t.skipped.foreign,
                examples: &t.skipped.examples,
            },
            folded,
        };
        let mut bytes = serde_json::to_vec(&tail)?;
        bytes[0] = b','; // the tail's fields continue the document's object
        out.write_all(&bytes)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

fn event_out(e: &Event, after_gc: Option<u32>) -> EventOut<'_> {
    EventOut {
        source: e.source,
        line: e.line,
        segment: e.segment,
        after_gc,
        body: match &e.kind {
            EventKind::GcForced => EventBody::GcForced,
            EventKind::Scavenge(s) => EventBody::Scavenge(s),
            EventKind::Pacer(p) => EventBody::Pacer(p),
            EventKind::Cpu(c) => EventBody::Cpu(c),
            EventKind::Scan {
                total_objs,
                total_spans,
                class_lines,
            } => EventBody::Scan {
                total_objs: *total_objs,
                total_spans: *total_spans,
                class_lines: *class_lines,
            },
        },
    }
}

impl Format<Report> for Json {
    /// The whole timeline's document (`watch` and `run` end with it).
    fn write(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        let t = &r.timeline;
        let mut doc = JsonDoc::new(out, &t.sources)?;
        for c in &t.cycles {
            doc.cycle(c)?;
        }
        for e in &t.events {
            doc.event(e, e.after_cycle.map(|k| t.cycles[k].gc.cycle))?;
        }
        doc.finish(r, r.folded.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events that went through the temporary file (a few bytes held at a time) give the
    /// document they give from memory.
    #[test]
    fn spilled_events_give_the_same_document() {
        for f in ["go1.27/pacer.log", "go1.27/idle.log", "go1.26/gctrace2.log"] {
            let path = format!("{}/fixtures/gctrace/{f}", env!("CARGO_MANIFEST_DIR"));
            let t = crate::parse::load_bytes(&std::fs::read(path).unwrap());
            assert!(t.events.len() > 3, "{f}");
            let r = Report::new(t);
            let mut want = vec![];
            Json.write(&r, &mut want).unwrap();
            let mut got = vec![];
            let t = &r.timeline;
            let mut doc = JsonDoc::new(&mut got, &t.sources).unwrap();
            doc.spill_at = 100;
            for c in &t.cycles {
                doc.cycle(c).unwrap();
            }
            for e in &t.events {
                doc.event(e, e.after_cycle.map(|k| t.cycles[k].gc.cycle))
                    .unwrap();
            }
            assert!(doc.spilled.is_some(), "{f}");
            doc.finish(&r, None).unwrap();
            assert_eq!(String::from_utf8(got), String::from_utf8(want), "{f}");
        }
    }
}
