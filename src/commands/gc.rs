//! `gclens gc`: read every input into one timeline, analyze it, write the report (and
//! the chart beside it with `--chart`).

use super::{
    Status, chart_format, check_chart_path, gate_fails, load_long, load_memstats, load_traces,
};
use crate::analyze::Report;
use crate::cli::{GcArgs, GcOutput};
use crate::export::{csv::Csv, json::Json};
use crate::output::{Format, emit};
use crate::render::text::GcText;

pub fn run(args: &GcArgs) -> anyhow::Result<Status> {
    if let Some(path) = &args.chart {
        check_chart_path(path)?;
    }
    // the text report needs no cycle beyond the summary: read in bounded memory; the
    // every-cycle exports and the chart still take the whole timeline
    let report = if args.format == GcOutput::Text && args.chart.is_none() {
        load_long(&args.files, !args.no_progress)?
    } else {
        Report::new(load_traces(&args.files, !args.no_progress)?)
    };
    let t = &report.timeline;
    if report.summary.cycles == 0 {
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
        return Ok(Status::NothingFound);
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
    Ok(if gate_fails(&report, args.fail_on) {
        Status::NothingFound
    } else {
        Status::Ok
    })
}
