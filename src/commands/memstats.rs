//! `gclens memstats`: read MemStats dumps, report the series.

use crate::analyze::memstats::{MemReport, report};
use crate::cli::{GcFormatArg, MemstatsArgs};
use crate::commands::Status;
use crate::commands::gc::write_out;
use crate::parse::memstats::parse;
use anyhow::Context;
use std::io::Read;

/// Reads dumps (`-` is stdin) into one series; names what did not parse on stderr.
pub fn load(files: &[String]) -> anyhow::Result<(MemReport, Vec<String>)> {
    let stdin = ["-".to_string()];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut inputs = vec![];
    for f in files {
        let data = if f == "-" {
            let mut v = vec![];
            std::io::stdin()
                .read_to_end(&mut v)
                .context("cannot read stdin")?;
            v
        } else {
            std::fs::read(f).with_context(|| format!("cannot read {f}"))?
        };
        let p = parse(&data);
        for (line, why) in p.errors.iter().take(5) {
            eprintln!("gclens: {f}:{line}: {why}");
        }
        if p.errors.len() > 5 {
            eprintln!(
                "gclens: {f}: {} more unreadable dump parts",
                p.errors.len() - 5
            );
        }
        inputs.push((f.clone(), p.snapshots));
    }
    Ok((report(inputs), files.to_vec()))
}

pub fn run(args: &MemstatsArgs) -> anyhow::Result<Status> {
    let (r, sources) = load(&args.io.files)?;
    if r.points.is_empty() {
        eprintln!(
            "gclens: no runtime.MemStats snapshot in {} (pprof heap debug=1, /debug/vars JSON, %+v or a printMemStats-style print)",
            sources.join(", ")
        );
        return Ok(Status::NothingFound);
    }
    write_out(args.io.output.as_deref(), |out| match args.io.format {
        GcFormatArg::Text => Ok(crate::render::memstats::write_report(out, &r, &sources)?),
        GcFormatArg::Json => crate::export::memstats::json(&r, &sources, out),
        GcFormatArg::Csv => crate::export::memstats::csv(&r, out),
    })?;
    Ok(Status::Ok)
}
