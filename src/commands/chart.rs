//! `gclens chart` (and `gclens gc --chart`): read the inputs, draw, write the image.

use crate::analyze::memstats::{Joined, MemReport, join};
use crate::analyze::{Summary, summarize};
use crate::cli::{ChartArgs, ChartCmd};
use crate::commands::Status;
use crate::commands::gc::{load, write_out};
use crate::model::Timeline;
use crate::render::chart::{ChartOptions, render};
use crate::render::text::num;

/// `gclens — trace.log — Go 1.18+ — 1554 cycles over 6.0 s`.
pub fn title(t: &Timeline, s: &Summary) -> String {
    let go = s.format.map_or("Go ?", |f| f.releases());
    let over = s
        .duration_s
        .map_or(String::new(), |d| format!(" over {} s", num(d)));
    format!(
        "gclens — {} — {go} — {} cycles{over}",
        t.sources.join(", "),
        s.cycles
    )
}

/// Draws `t` to `path` (`-` is stdout), with MemStats snapshots joined by GC number.
pub fn write_chart(
    t: &Timeline,
    s: &Summary,
    a: &ChartArgs,
    joined: Vec<Joined>,
    path: &str,
) -> anyhow::Result<()> {
    let opts = ChartOptions {
        width: a.size.0,
        height: a.size.1,
        panels: a.panels.clone(),
        budget_bytes: a.budget,
        limit_bytes: a.limit,
        joined,
    };
    let bytes = render(t, title(t, s), &opts, path)?;
    write_out(Some(path), |out| Ok(out.write_all(&bytes)?))
}

pub fn run(args: &ChartCmd) -> anyhow::Result<Status> {
    let t = load(&args.files, !args.no_progress)?;
    if t.cycles.len() < 2 {
        eprintln!(
            "gclens: {} gc cycle(s) in {}: a chart needs at least 2 (capture a trace with GODEBUG=gctrace=1)",
            t.cycles.len(),
            t.sources.join(", ")
        );
        return Ok(Status::NothingFound);
    }
    let s = summarize(&t);
    let joined = joined_memstats(&t, &args.memstats)?.1;
    write_chart(&t, &s, &args.chart_opts, joined, &args.output)?;
    Ok(Status::Ok)
}

/// Loads `--memstats` dumps and joins them to `t` (nothing when none are given).
pub fn joined_memstats(
    t: &Timeline,
    files: &[String],
) -> anyhow::Result<(Option<MemReport>, Vec<Joined>)> {
    if files.is_empty() {
        return Ok((None, vec![]));
    }
    let (r, _) = crate::commands::memstats::load(files)?;
    let j = join(t, &r.points);
    Ok((Some(r), j))
}
