//! `gclens gc`: read every input into one timeline, analyze it, write the report (and
//! the chart beside it with `--chart`). The text report, the CSV rows and the chart are
//! made in one bounded pass over a trace of any length (issue 31); JSON still reads the
//! whole timeline.

use super::{
    Status, chart_format, check_chart_path, gate_fails, keep_for, load_long_with, load_memstats,
    load_traces, write_chart,
};
use crate::analyze::Report;
use crate::cli::{GcArgs, GcOutput};
use crate::export::csv::{Csv, CsvRows};
use crate::export::json::Json;
use crate::model::Cycle;
use crate::output::{Format, emit, write_to};
use crate::render::chart::{Chart, ChartOptions, ChartStream};
use crate::render::text::GcText;

pub fn run(args: &GcArgs) -> anyhow::Result<Status> {
    if let Some(path) = &args.chart {
        check_chart_path(path)?;
    }
    if args.format == GcOutput::Csv {
        return csv_streamed(args);
    }
    // the text report needs no cycle beyond the summary, the chart gathers its own: read
    // in bounded memory
    let mut chart = chart_stream(args);
    let report = if args.format == GcOutput::Text {
        let mut push = |c: &Cycle| {
            if let Some((st, _, _)) = chart.as_mut() {
                st.push(c);
            }
        };
        load_long_with(&args.files, !args.no_progress, Some(&mut push))?
    } else {
        Report::new(load_traces(&args.files, !args.no_progress)?)
    };
    if report.summary.cycles == 0 {
        return Ok(nothing_found(&report));
    }
    let report = report.with_memstats(load_memstats(&args.memstats)?);
    match chart {
        Some((st, opts, path)) if args.format == GcOutput::Text => {
            write_chart(st, &report, opts, &path)?;
        }
        Some((_, opts, path)) => emit(Some(&path), &Chart(opts), &report)?,
        None => {}
    }
    let format: &dyn Format<Report> = match args.format {
        GcOutput::Text => &GcText,
        GcOutput::Json => &Json,
        GcOutput::Csv => &Csv,
    };
    emit(args.output.as_deref(), format, &report)?;
    Ok(gate(&report, args))
}

/// `--chart`: the chart gathered as the cycles are counted, its options and path.
fn chart_stream(args: &GcArgs) -> Option<(ChartStream, ChartOptions, String)> {
    let path = args.chart.as_ref()?;
    let opts = chart_format(&args.chart_opts, path).0;
    let st = ChartStream::new(&opts, keep_for(!args.memstats.is_empty()));
    Some((st, opts, path.clone()))
}

/// `--format csv`: each row written as its cycle is counted (and the chart gathered), so
/// memory stays bounded however long the trace. A trace without a gc line writes nothing
/// (no file is created, stdout stays empty), as before.
fn csv_streamed(args: &GcArgs) -> anyhow::Result<Status> {
    // a bad --memstats file is an error before anything is read, as with the others
    let memstats = load_memstats(&args.memstats)?;
    let names = crate::input::files_or_stdin(&args.files);
    let mut report = None;
    let mut chart = chart_stream(args);
    let written = write_to(args.output.as_deref(), |out| {
        let mut rows = CsvRows::new(out, &names)?;
        let mut failed = None;
        let mut push = |c: &Cycle| {
            if let Some((st, _, _)) = chart.as_mut() {
                st.push(c);
            }
            if failed.is_none()
                && let Err(e) = rows.push(c)
            {
                failed = Some(e);
            }
        };
        let r = load_long_with(&args.files, !args.no_progress, Some(&mut push))?;
        if let Some(e) = failed {
            return Err(e);
        }
        let empty = r.summary.cycles == 0;
        report = Some(r);
        anyhow::ensure!(!empty, "no gc line"); // not written, not renamed into place
        rows.finish()
    });
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
        (Ok(()), None) => anyhow::bail!("the CSV was written without reading the trace"),
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
