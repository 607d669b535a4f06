//! `gclens chart`: read the traces, draw the timeline, write the image.

use super::{Status, chart_format, check_chart_path, load_memstats, load_traces};
use crate::analyze::Report;
use crate::cli::ChartCmd;
use crate::output::emit;

pub fn run(args: &ChartCmd) -> anyhow::Result<Status> {
    check_chart_path(&args.output)?;
    let t = load_traces(&args.files, !args.no_progress)?;
    if t.cycles.len() < 2 {
        crate::note!(
            "gclens: {} gc cycle(s) in {}: a chart needs at least 2 (capture a trace with GODEBUG=gctrace=1)",
            t.cycles.len(),
            t.sources
                .iter()
                .map(|s| crate::input::display_name(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(Status::NothingFound);
    }
    let report = Report::new(t).with_memstats(load_memstats(&args.memstats)?);
    emit(
        Some(&args.output),
        &chart_format(&args.chart_opts, &args.output),
        &report,
    )?;
    Ok(Status::Ok)
}
