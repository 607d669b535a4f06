//! `gclens gc`: read every input into one timeline, analyze it, write the report (and
//! the chart beside it with `--chart`). The text report, the CSV rows, the JSON document
//! and the chart are made in one bounded pass over a trace of any length (issue 31).

use super::{
    Status, chart_format, check_chart_path, gate_fails, keep_for, load_long_with, load_memstats,
    write_chart,
};
use crate::analyze::Report;
use crate::analyze::long::Sink;
use crate::cli::{GcArgs, GcOutput};
use crate::export::csv;
use crate::export::json::JsonDoc;
use crate::export::rows::Rows;
use crate::model::{Cycle, Event};
use crate::output::{emit, write_to};
use crate::render::chart::{ChartOptions, ChartStream};
use crate::render::text::GcText;
use anyhow::Context;

pub fn run(args: &GcArgs) -> anyhow::Result<Status> {
    if let Some(path) = &args.chart {
        check_chart_path(path)?;
    }
    if args.format != GcOutput::Text {
        return streamed(args);
    }
    // the text report needs no cycle beyond the summary, the chart gathers its own: read
    // in bounded memory
    let mut chart = chart_stream(args);
    let mut push = |c: &Cycle| {
        if let Some((st, _, _)) = chart.as_mut() {
            st.push(c);
        }
    };
    let report = load_long_with(&args.files, !args.no_progress, Some(&mut push))?;
    if report.summary.cycles == 0 {
        return Ok(nothing_found(&report));
    }
    let report = report.with_memstats(load_memstats(&args.memstats)?);
    // the report first, as the exports: a chart that cannot be drawn (one cycle) is an
    // error said after it, whatever the format
    emit(args.output.as_deref(), &GcText, &report)?;
    if let Some((st, opts, path)) = chart {
        write_chart(st, &report, opts, &path)?;
    }
    Ok(gate(&report, args))
}

/// `--chart`: the chart gathered as the cycles are counted, its options and path.
fn chart_stream(args: &GcArgs) -> Option<(ChartStream, ChartOptions, String)> {
    let path = args.chart.as_ref()?;
    let opts = chart_format(&args.chart_opts, path).0;
    let st = ChartStream::new(&opts, keep_for(!args.memstats.is_empty()));
    Some((st, opts, path.clone()))
}

/// An every-cycle export on its way out.
enum Export<'w> {
    Csv(Rows<'w>),
    Json(JsonDoc<'w>),
}

/// What the bounded pass hands its cycles and events to: the export and the chart.
struct Streamed<'a, 'w> {
    export: Export<'w>,
    chart: Option<&'a mut ChartStream>,
    failed: Option<anyhow::Error>,
}

impl Sink for Streamed<'_, '_> {
    fn cycle(&mut self, c: &Cycle) {
        if let Some(st) = self.chart.as_deref_mut() {
            st.push(c);
        }
        if self.failed.is_none() {
            let r = match &mut self.export {
                Export::Csv(rows) => rows.push(c),
                Export::Json(doc) => doc.cycle(c),
            };
            self.failed = r.err();
        }
    }

    fn event(&mut self, e: &Event, after_gc: Option<u32>) {
        if let (None, Export::Json(doc)) = (&self.failed, &mut self.export) {
            self.failed = doc.event(e, after_gc).err();
        }
    }

    /// A failed export (`| head` closed the pipe) ends the reading: the command fails
    /// whatever else it reads, and would otherwise scan the rest of a long trace.
    fn stopped(&self) -> bool {
        self.failed.is_some()
    }
}

/// `--format csv` and `json`: each cycle written as it is counted (and the chart
/// gathered), so memory stays bounded however long the trace. A trace without a gc
/// line writes nothing (no file is created, stdout stays empty), as before.
fn streamed(args: &GcArgs) -> anyhow::Result<Status> {
    // a bad --memstats file is an error before anything is read, as with the others
    let memstats = load_memstats(&args.memstats)?;
    let names = crate::input::files_or_stdin(&args.files);
    // an input that cannot be opened is an error before the export starts, not after
    // the inputs before it were written
    for f in names.iter().filter(|f| *f != "-") {
        std::fs::File::open(f).with_context(|| format!("cannot read {f}"))?;
    }
    let mut report = None;
    let mut chart = chart_stream(args);
    let mut read_failed = None;
    let written = write_to(args.output.as_deref(), |out| {
        let export = match args.format {
            GcOutput::Json => Export::Json(JsonDoc::new(out, &names)?),
            _ => Export::Csv(csv::rows(out, &names)?),
        };
        let mut sink = Streamed {
            export,
            chart: chart.as_mut().map(|(st, _, _)| st),
            failed: None,
        };
        let r = match load_long_with(&args.files, !args.no_progress, Some(&mut sink)) {
            Ok(r) => r,
            Err(e) => {
                // said as a read error, not as one of writing the export
                read_failed = Some(e);
                anyhow::bail!("the input could not be read");
            }
        };
        if let Some(e) = sink.failed {
            return Err(e);
        }
        let empty = r.summary.cycles == 0;
        let r = report.insert(r);
        anyhow::ensure!(!empty, "no gc line"); // not written, not renamed into place
        match sink.export {
            Export::Csv(rows) => rows.finish().map(drop),
            // every cycle is in `cycles`: none was summarized away
            Export::Json(doc) => doc.finish(r, None),
        }
    });
    if let Some(e) = read_failed {
        return Err(e);
    }
    match (written, report) {
        (Err(_), Some(r)) if r.summary.cycles == 0 => Ok(nothing_found(&r)),
        (Err(e), _) => Err(e),
        (Ok(()), Some(r)) => {
            let r = r.with_memstats(memstats);
            if let Some((st, opts, path)) = chart {
                write_chart(st, &r, opts, &path)?;
            }
            Ok(gate(&r, args))
        }
        (Ok(()), None) => anyhow::bail!("the export was written without reading the trace"),
    }
}

/// `--fail-on`: the gate's verdict.
fn gate(report: &Report, args: &GcArgs) -> Status {
    if gate_fails(report, args.fail_on) {
        Status::NothingFound
    } else {
        Status::Ok
    }
}

/// Says that no gc line was found, and why that may be.
fn nothing_found(report: &Report) -> Status {
    let t = &report.timeline;
    let what = match t.skipped.examples.first() {
        Some(e) => format!(
            "; {} line(s) looked like gc lines but did not parse, first at line {}: {}",
            t.skipped.malformed, e.line, e.text
        ),
        None => String::new(),
    };
    crate::note!(
        "gclens: no gc line found in {} ({} lines read{what}); capture one with GODEBUG=gctrace=1",
        super::names(&t.sources),
        t.lines
    );
    Status::NothingFound
}
