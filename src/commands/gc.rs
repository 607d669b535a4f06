//! `gclens gc`: read every input into one timeline, analyze it, write the report.

use crate::analyze::Report;
use crate::cli::{GcArgs, GcFormatArg};
use crate::commands::{PipeWatch, Status};
use crate::export::{Exporter, csv::Csv, json::Json};
use crate::input::scan_path;
use crate::model::Timeline;
use crate::parse::Scanner;
use anyhow::Context;
use std::io::{self, IsTerminal, Write};

/// Files bigger than this get a progress bar on a terminal.
const PROGRESS_MIN: u64 = 64 << 20;

/// Reads `files` (`-` is stdin; none means stdin) into one timeline.
pub fn load(files: &[String], progress: bool) -> anyhow::Result<Timeline> {
    let stdin = ["-".to_string()];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let scanner = Scanner::new();
    let mut t = Timeline::default();
    for (k, path) in files.iter().enumerate() {
        let size = if path == "-" {
            0
        } else {
            std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        };
        let bar = (progress && size >= PROGRESS_MIN && io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(size);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} {bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_message(path.clone());
            b
        });
        let tick = |n: u64| {
            if let Some(b) = &bar {
                b.set_position(n);
            }
        };
        let builder = scan_path(&scanner, k as u32, path, &tick)
            .with_context(|| format!("cannot read {}", if path == "-" { "stdin" } else { path }))?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        t.sources.push(path.clone());
        builder.finish_into(&mut t);
    }
    Ok(t)
}

/// Reads an in-memory input (named `-`) into a timeline.
pub fn load_bytes(data: &[u8]) -> Timeline {
    let b = crate::input::scan_bytes(&Scanner::new(), 0, data, &|_| {});
    let mut t = Timeline {
        sources: vec!["-".into()],
        ..Default::default()
    };
    b.finish_into(&mut t);
    t
}

pub fn run(args: &GcArgs) -> anyhow::Result<Status> {
    let t = load(&args.io.files, !args.no_progress)?;
    if t.cycles.is_empty() {
        let what = if t.skipped.malformed > 0 {
            format!(
                "; {} line(s) looked like gc lines but did not parse, first at line {}: {}",
                t.skipped.malformed, t.skipped.examples[0].line, t.skipped.examples[0].text
            )
        } else {
            String::new()
        };
        eprintln!(
            "gclens: no gc line found in {} ({} lines read{what}); capture one with GODEBUG=gctrace=1",
            t.sources.join(", "),
            t.lines
        );
        return Ok(Status::NothingFound);
    }
    let report = Report::new(t);
    let (mem, joined) = crate::commands::chart::joined_memstats(&report.timeline, &args.memstats)?;
    if let Some(path) = &args.chart {
        crate::commands::chart::write_chart(
            &report.timeline,
            &report.summary,
            &args.chart_opts,
            joined.clone(),
            path,
        )?;
    }
    write_out(args.io.output.as_deref(), |out| match args.io.format {
        GcFormatArg::Text => {
            let mut buf = Vec::new();
            crate::render::text::write_report(
                &mut buf,
                &report.timeline,
                &report.summary,
                &report.findings,
            )?;
            if let Some(m) = &mem {
                memstats_note(&mut buf, &report, m, &joined)?;
            }
            write_styled(out, &buf, args.io.output.is_none())
        }
        GcFormatArg::Json => Json.export(&report, out),
        GcFormatArg::Csv => Csv.export(&report, out),
    })?;
    Ok(Status::Ok)
}

/// Runs `f` on a buffered stdout or on the named file, and flushes.
pub fn write_out(
    path: Option<&str>,
    f: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match path {
        None | Some("-") => {
            let stdout = PipeWatch {
                inner: io::stdout().lock(),
                broken: false,
            };
            let mut w = io::BufWriter::with_capacity(1 << 16, stdout);
            let res = f(&mut w).and_then(|()| Ok(w.flush()?));
            if w.get_ref().broken {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe).into());
            }
            res?;
        }
        Some(p) => {
            let file = std::fs::File::create(p).with_context(|| format!("cannot write {p}"))?;
            let mut w = io::BufWriter::with_capacity(1 << 16, file);
            f(&mut w).with_context(|| format!("cannot write {p}"))?;
            w.flush().with_context(|| format!("cannot write {p}"))?;
        }
    }
    Ok(())
}

/// Writes text that may hold ANSI styles: kept only for a terminal stdout without
/// `NO_COLOR` (anstream decides), stripped for files and pipes.
pub(crate) fn write_styled(
    out: &mut dyn Write,
    text: &[u8],
    to_stdout: bool,
) -> anyhow::Result<()> {
    let choice = if to_stdout {
        anstream::AutoStream::choice(&io::stdout())
    } else {
        anstream::ColorChoice::Never
    };
    if choice == anstream::ColorChoice::Never {
        for chunk in anstream::adapter::strip_bytes(text) {
            out.write_all(chunk)?;
        }
    } else {
        out.write_all(text)?;
    }
    Ok(())
}

/// The MemStats paragraph of `gc --memstats`: what the runtime holds beyond the heap.
fn memstats_note(
    out: &mut dyn Write,
    r: &Report,
    m: &crate::analyze::memstats::MemReport,
    joined: &[crate::analyze::memstats::Joined],
) -> io::Result<()> {
    use crate::render::text::num;
    writeln!(
        out,
        "\nMemStats: {} snapshot(s), {} joined to gc cycles by NumGC",
        m.points.len(),
        joined.len()
    )?;
    let peak = joined
        .iter()
        .filter_map(|j| Some((j.limit_counted_mib?, j.cycle_index)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((mib, i)) = peak {
        let c = &r.timeline.cycles[i];
        writeln!(
            out,
            "  Sys − HeapReleased (what GOMEMLIMIT counts) peaks at {} MiB after gc {} (heap goal there {} MiB)",
            num(mib),
            c.gc.cycle,
            c.gc.goal_mib.map_or("n/a".into(), |g| g.to_string())
        )?;
    }
    if let Some(b) = m.summary.last_non_heap_bytes {
        writeln!(
            out,
            "  runtime memory outside the heap (Sys − HeapSys): {}",
            crate::units::fmt_bytes(b)
        )?;
    }
    if joined.len() < m.points.len() {
        writeln!(
            out,
            "  {} snapshot(s) had no matching gc cycle (another run, or no NumGC)",
            m.points.len() - joined.len()
        )?;
    }
    Ok(())
}
