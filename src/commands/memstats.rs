//! `gclens memstats`: read MemStats dumps, report the series.

use super::{Status, memstats_series};
use crate::analyze::memstats::MemReport;
use crate::cli::{MemstatsArgs, MemstatsOutput};
use crate::export::memstats::{MemstatsCsv, MemstatsJson};
use crate::output::{Format, emit};
use crate::render::memstats::MemstatsText;

pub fn run(args: &MemstatsArgs) -> anyhow::Result<Status> {
    let files = crate::parse::capture::in_capture_order(&args.files);
    let r = memstats_series(&files, args.max_input)?;
    if r.points.is_empty() {
        crate::note!(
            "gclens: no runtime.MemStats snapshot in {} (pprof heap debug=1, /debug/vars JSON, %+v or a printMemStats-style print)",
            super::names(&r.sources)
        );
        return Ok(Status::NothingFound);
    }
    let format: &dyn Format<MemReport> = match args.format {
        MemstatsOutput::Text => &MemstatsText,
        MemstatsOutput::Json => &MemstatsJson,
        MemstatsOutput::Csv => &MemstatsCsv,
    };
    emit(args.output.as_deref(), format, &r)?;
    Ok(Status::Ok)
}
