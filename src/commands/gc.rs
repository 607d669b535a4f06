//! `gclens gc`: read every input into one timeline, analyze it, write the report (and
//! the chart beside it with `--chart`). The text report and the CSV rows are made in one
//! bounded pass over a trace of any length (issue 31); JSON and the chart still read the
//! whole timeline.

use super::{
    Status, chart_format, check_chart_path, gate_fails, load_long, load_long_with, load_memstats,
    load_traces,
};
use crate::analyze::Report;
use crate::cli::{GcArgs, GcOutput};
use crate::export::csv::{Csv, CsvRows};
use crate::export::json::Json;
use crate::model::Cycle;
use crate::output::{Format, emit, write_to};
use crate::render::text::GcText;

pub fn run(args: &GcArgs) -> anyhow::Result<Status> {
    if let Some(path) = &args.chart {
        check_chart_path(path)?;
    }
    if args.format == GcOutput::Csv && args.chart.is_none() {
        return csv_streamed(args);
    }
    // the text report needs no cycle beyond the summary: read in bounded memory
    let report = if args.format == GcOutput::Text && args.chart.is_none() {
        load_long(&args.files, !args.no_progress)?
    } else {
        Report::new(load_traces(&args.files, !args.no_progress)?)
    };
    if report.summary.cycles == 0 {
        return Ok(nothing_found(&report));
    }
    let report = report.with_memstats(load_memstats(&args.memstats)?);
    if let Some(path) = &args.chart {
        emit(Some(path), &chart_format(&args.chart_opts, path), &report)?;
    }
    let format: &dyn Format<Report> = match args.format {
        GcOutput::Text => &GcText,
        GcOutput::Json => &Json,
        GcOutput::Csv => &Csv,
    };
    emit(args.output.as_deref(), format, &report)?;
    Ok(gate(&report, args))
}

/// `--format csv` without a chart: each row written as its cycle is counted, so memory
/// stays bounded however long the trace. A trace without a gc line writes nothing (no
/// file is created, stdout stays empty), as before.
fn csv_streamed(args: &GcArgs) -> anyhow::Result<Status> {
    // a bad --memstats file is an error before anything is read, as with the others
    load_memstats(&args.memstats)?;
    let names = crate::input::files_or_stdin(&args.files);
    let mut report = None;
    let written = write_to(args.output.as_deref(), |out| {
        let mut rows = CsvRows::new(out, &names)?;
        let mut failed = None;
        let mut push = |c: &Cycle| {
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
        (Ok(()), Some(r)) => Ok(gate(&r, args)),
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
