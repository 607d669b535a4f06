//! `gclens chart`: read the traces in one bounded pass, the chart gathered as the cycles
//! are counted (`render::chart::stream`, issue 31), write the image.

use super::{
    Status, chart_format, check_chart_path, keep_for, load_long_with, load_memstats, write_chart,
};
use crate::cli::ChartCmd;
use crate::model::Cycle;
use crate::render::chart::ChartStream;

pub fn run(args: &ChartCmd) -> anyhow::Result<Status> {
    check_chart_path(&args.output)?;
    // a bad --memstats file is an error before the trace is read
    let memstats = load_memstats(&args.memstats)?;
    let opts = chart_format(&args.chart_opts, &args.output).0;
    let mut stream = ChartStream::new(&opts, keep_for(memstats.is_some()));
    let mut push = |c: &Cycle| stream.push(c);
    let report =
        load_long_with(&args.files, !args.no_progress, Some(&mut push))?.with_memstats(memstats);
    let cycles = report.summary.cycles;
    if cycles < 2 {
        crate::note!(
            "gclens: {cycles} gc cycle(s) in {}: a chart needs at least 2 (capture a trace with GODEBUG=gctrace=1)",
            report
                .timeline
                .sources
                .iter()
                .map(|s| crate::input::display_name(s))
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(Status::NothingFound);
    }
    write_chart(stream, &report, opts, &args.output)?;
    Ok(Status::Ok)
}
