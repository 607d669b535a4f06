//! `gclens goroutines`: read goroutine dumps, group them, write the report (with the
//! trace's stacks beside it).

use super::{Status, load_traces};
use crate::analyze::goroutines::{GoroutineReport, analyze};
use crate::analyze::summarize;
use crate::cli::{GoroutinesArgs, GoroutinesOutput};
use crate::export::goroutines::{GoroutinesCsv, GoroutinesJson, GoroutinesMarkdown};
use crate::output::{Format, emit};
use crate::render::goroutines::GoroutinesText;

pub fn run(args: &GoroutinesArgs) -> anyhow::Result<Status> {
    super::stdin_hint(&args.files);
    let files = crate::parse::capture::in_capture_order(&args.files);
    let dumps = crate::parse::goroutines::load(&files, args.max_input)?;
    let mut report = analyze(&dumps);
    if let Some(trace) = &args.trace {
        let t = load_traces(std::slice::from_ref(trace), false)?;
        match summarize(&t).stacks_mib {
            Some(s) => report = report.with_trace(trace.clone(), s.first, s.last),
            None => crate::note!("gclens: {trace}: no stacks figure (Go 1.18+ traces print it)"),
        }
    }
    let format: &dyn Format<GoroutineReport> = match args.format {
        GoroutinesOutput::Text => &GoroutinesText { top: args.top },
        GoroutinesOutput::Json => &GoroutinesJson,
        GoroutinesOutput::Csv => &GoroutinesCsv,
        GoroutinesOutput::Markdown => &GoroutinesMarkdown { top: args.top },
    };
    emit(args.output.as_deref(), format, &report)?;
    use crate::analyze::goroutines::GoroutineLeakVerdict::{LikelyLeak, PossibleGrowth};
    let (v, why) = (report.leak.verdict, &report.leak.evidence);
    let gate = super::verdict_gate(v == LikelyLeak, v == PossibleGrowth, why, args.fail_on);
    Ok(gate)
}
