//! `--format json`: the `gclens.gc/v1` document. Cycles are serialized one at a time
//! from the timeline, never collected into a second copy. From a long live session,
//! `cycles` holds the newest ones in detail and `folded` the whole older part of the
//! stream in time buckets: nothing seen is left out of the document.

use super::{ms_to_s, us_to_ms};
use crate::analyze::cycle::figures;
use crate::analyze::{Finding, Folded, Report, Summary};
use crate::model::{CpuSample, Cycle, Event, EventKind, Malformed, Timeline};
use crate::model::{GcFormat, Pacer, Scavenge};
use crate::output::Format;
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use std::io::Write;

pub const SCHEMA: &str = "gclens.gc/v1";

pub struct Json;

#[derive(Serialize)]
struct CycleOut<'a> {
    segment: u32,
    source: u32,
    line: u64,
    cycle: u32,
    format: GcFormat,
    t_s: Option<f64>,
    cpu_pct: Option<u16>,
    forced: bool,
    leak_check: bool,
    clock_ms: &'a [f64],
    cpu_ms: &'a [f64],
    heap_before_mib: u32,
    heap_after_mib: u32,
    heap_live_mib: Option<u32>,
    goal_mib: Option<u32>,
    stacks_mib: Option<u32>,
    globals_mib: Option<u32>,
    procs: u32,
    pause_ms: f64,
    mark_ms: Option<f64>,
    gc_cpu_ms: Option<f64>,
    gc_cpu_window_pct: Option<f64>,
    alloc_mib: Option<u32>,
    overshoot_pct: Option<f64>,
}

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

struct Cycles<'a>(&'a Timeline);

impl Serialize for Cycles<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cs = &self.0.cycles;
        let mut seq = s.serialize_seq(Some(cs.len()))?;
        let mut clock = [0f64; 5];
        let mut cpu = [0f64; 7];
        for (c, f) in cs.iter().zip(figures(cs)) {
            let g = &c.gc;
            for (d, v) in clock.iter_mut().zip(g.clock.as_slice()) {
                *d = us_to_ms(u64::from(*v));
            }
            for (d, v) in cpu.iter_mut().zip(g.cpu.as_slice()) {
                *d = us_to_ms(u64::from(*v));
            }
            seq.serialize_element(&CycleOut {
                segment: c.segment,
                source: c.source,
                line: c.line,
                cycle: g.cycle,
                format: g.format,
                t_s: g.t_ms.map(ms_to_s),
                cpu_pct: g.cpu_pct,
                forced: g.forced,
                leak_check: g.leak_check,
                clock_ms: &clock[..g.clock.len()],
                cpu_ms: &cpu[..g.cpu.len()],
                heap_before_mib: g.heap_before_mib,
                heap_after_mib: g.heap_after_mib,
                heap_live_mib: g.heap_live_mib,
                goal_mib: g.goal_mib,
                stacks_mib: g.stacks_mib,
                globals_mib: g.globals_mib,
                procs: g.procs,
                pause_ms: us_to_ms(f.pause_us),
                mark_ms: f.mark_us.map(us_to_ms),
                gc_cpu_ms: f.gc_cpu_us.map(us_to_ms),
                gc_cpu_window_pct: f.gc_cpu_window_pct,
                alloc_mib: f.alloc_mib,
                overshoot_pct: f.overshoot_pct,
            })?;
        }
        seq.end()
    }
}

fn event_out<'a>(t: &'a Timeline, e: &'a Event) -> EventOut<'a> {
    EventOut {
        source: e.source,
        line: e.line,
        segment: e.segment,
        after_gc: e.after_cycle.map(|k| t.cycles[k].gc.cycle),
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

fn segment_out<'a>(t: &'a Timeline, i: usize) -> SegmentOut<'a> {
    let s = &t.segments[i];
    let cs: &[Cycle] = t.segment_cycles(s);
    let (a, b) = (&cs[0], &cs[cs.len() - 1]);
    SegmentOut {
        index: i,
        source: t.sources.get(s.source as usize).map_or("-", String::as_str),
        cycles: cs.len(),
        first_line: a.line,
        last_line: b.line,
        first_gc: a.gc.cycle,
        last_gc: b.gc.cycle,
        start_s: a.gc.t_ms.map(ms_to_s),
        end_s: b.gc.t_ms.map(ms_to_s),
        format: a.gc.format,
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    sources: &'a [String],
    summary: &'a Summary,
    findings: &'a [Finding],
    segments: Vec<SegmentOut<'a>>,
    cycles: Cycles<'a>,
    events: Vec<EventOut<'a>>,
    skipped: SkippedOut<'a>,
    /// `watch`/`run`: the cycles before `cycles` (which then hold only the newest).
    #[serde(skip_serializing_if = "Option::is_none")]
    folded: Option<&'a Folded>,
}

impl Format<Report> for Json {
    fn write(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        let t = &r.timeline;
        let doc = Doc {
            schema: SCHEMA,
            sources: &t.sources,
            summary: &r.summary,
            findings: &r.findings,
            segments: (0..t.segments.len()).map(|i| segment_out(t, i)).collect(),
            cycles: Cycles(t),
            events: t.events.iter().map(|e| event_out(t, e)).collect(),
            skipped: SkippedOut {
                malformed: t.skipped.malformed,
                foreign: t.skipped.foreign,
                examples: &t.skipped.examples,
            },
            folded: r.folded.as_ref(),
        };
        let mut ser = serde_json::Serializer::new(&mut *out);
        doc.serialize(&mut ser)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}
