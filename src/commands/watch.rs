//! `gclens watch`: stdin → stdout minus the trace; the report and files at the end.

use crate::analyze::Report;
use crate::cli::{LiveArgs, WatchArgs};
use crate::commands::Status;
use crate::commands::chart::write_chart;
use crate::commands::gc::write_out;
use crate::export::{Exporter, csv::Csv, json::Json};
use crate::live::monitor::History;
use crate::live::{Ending, Forward, Monitor, Session, SessionOptions};
use crate::render::text::num;
use std::io::{self, IsTerminal, Write};

/// How `--tee`/`--quiet` choose what is forwarded.
pub fn forward_of(a: &LiveArgs) -> Forward {
    if a.quiet {
        Forward::Nothing
    } else if a.tee {
        Forward::All
    } else {
        Forward::Foreign
    }
}

/// One paragraph on the cycles folded out of the detailed window.
fn history_note(h: &History, err: &mut dyn Write) -> io::Result<()> {
    let (Some(a), Some(b)) = (h.buckets.first(), h.buckets.last()) else {
        return Ok(());
    };
    let pause = h.buckets.iter().map(|b| b.pause_max_ms).fold(0.0, f64::max);
    writeln!(
        err,
        "\nBefore the detailed window: {} cycles from {} s to {} s (kept as {} buckets): live-heap floor {} → {} MiB, \
         heap peak {} MiB, longest pause {} ms",
        h.cycles(),
        num(a.first_t_s),
        num(b.last_t_s),
        h.buckets.len(),
        a.live_floor_mib,
        b.live_floor_mib,
        h.buckets.iter().map(|b| b.heap_peak_mib).max().unwrap_or(0),
        num(pause)
    )
}

/// The end of a live session: the report on stderr, then the files asked for. Returns
/// whether any gc cycle was seen.
pub fn finish_live(monitor: Monitor, source: &str, a: &LiveArgs) -> anyhow::Result<bool> {
    let lines = monitor.builder.lines();
    let (t, history) = monitor.into_timeline(source);
    let mut err = anstream::stderr();
    if t.cycles.is_empty() {
        writeln!(
            err,
            "gclens: no gc line in {lines} lines from {source} (is GODEBUG=gctrace=1 set?)"
        )?;
        return Ok(false);
    }
    let report = Report::new(t);
    let mut text = Vec::new();
    crate::render::text::write_report(
        &mut text,
        &report.timeline,
        &report.summary,
        &report.findings,
    )?;
    history_note(&history, &mut text)?;
    err.write_all(&text)?;
    if let Some(p) = &a.chart {
        write_chart(&report.timeline, &report.summary, &a.chart_opts, vec![], p)?;
    }
    if let Some(p) = &a.json {
        write_out(Some(p), |out| Json.export(&report, out))?;
    }
    if let Some(p) = &a.csv {
        write_out(Some(p), |out| Csv.export(&report, out))?;
    }
    Ok(true)
}

pub fn run(args: &WatchArgs) -> anyhow::Result<Status> {
    let a = &args.live;
    let mut session = Session::start(Box::new(io::stdin()), 0)?;
    let opts = SessionOptions {
        forward: forward_of(a),
        status: !a.no_status && io::stderr().is_terminal(),
        to_stderr: false,
    };
    let mut out = io::stdout().lock();
    let ending = session.run(&opts, &mut out, &mut io::stderr());
    if let Ending::ReadError(e) = &ending {
        eprintln!("gclens: cannot read stdin: {e}");
    }
    let seen = finish_live(session.monitor, "-", a)?;
    Ok(match (ending, seen) {
        (Ending::ReadError(_), _) => Status::Error,
        // the reader of our output went away: that ends us quietly
        (Ending::OutputClosed, _) | (_, true) => Status::Ok,
        (_, false) => Status::NothingFound,
    })
}
