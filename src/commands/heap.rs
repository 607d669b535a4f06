//! `gclens heap`: read a series of heap profiles, judge every allocation site, write
//! the report (and the growth flame graph, and the trace's live-heap slope beside it).

use super::{Status, load_traces};
use crate::analyze::heap::{HeapReport, analyze};
use crate::analyze::summarize;
use crate::cli::{HeapArgs, HeapOutput, SampleArg};
use crate::export::heap::{HeapCsv, HeapJson, HeapMarkdown};
use crate::model::heap::SampleType;
use crate::output::{Format, emit};
use crate::render::flamegraph::GrowthFlameGraph;
use crate::render::heap::HeapText;

pub fn run(args: &HeapArgs) -> anyhow::Result<Status> {
    let sample = match args.sample {
        SampleArg::InuseSpace => SampleType::InuseSpace,
        SampleArg::InuseObjects => SampleType::InuseObjects,
        SampleArg::AllocSpace => SampleType::AllocSpace,
        SampleArg::AllocObjects => SampleType::AllocObjects,
    };
    // a capture's files in the order they came (a glob puts heap-10000 before heap-9999)
    let ordered = crate::parse::capture::in_capture_order(&args.files);
    let files: Vec<String> = args.base.iter().chain(&ordered).cloned().collect();
    super::stdin_hint(&files);
    let series = crate::parse::heap::load(&files, args.max_input)?;
    if series.profiles.iter().all(|p| p.samples.is_empty()) {
        crate::note!(
            "gclens: no sample in {}: the profiles are empty",
            files.join(", ")
        );
        return Ok(Status::NothingFound);
    }
    let mut report = analyze(&series, sample);
    if let Some(trace) = &args.trace {
        let t = load_traces(std::slice::from_ref(trace), false)?;
        match summarize(&t).live_trend {
            Some(tr) => report = report.with_trace(trace.clone(), tr.slope_mib_per_min),
            None => crate::note!("gclens: {trace}: too few gc cycles for a live-heap trend"),
        }
    }
    if let Some(path) = &args.flamegraph {
        emit(Some(path), &GrowthFlameGraph { sample }, &series)?;
    }
    let format: &dyn Format<HeapReport> = match args.format {
        HeapOutput::Text => &HeapText { top: args.top },
        HeapOutput::Json => &HeapJson,
        HeapOutput::Csv => &HeapCsv,
        HeapOutput::Markdown => &HeapMarkdown { top: args.top },
    };
    emit(args.output.as_deref(), format, &report)?;
    use crate::analyze::heap::HeapLeakVerdict::{LikelyLeak, PossibleGrowth};
    let (v, why) = (report.leak.verdict, &report.leak.evidence);
    let gate = super::verdict_gate(v == LikelyLeak, v == PossibleGrowth, why, args.fail_on);
    Ok(gate)
}
