//! `gclens report`: gather an incident's files, build the one report, write it.

use super::Status;
use crate::analyze::report::{IncidentReport, Leaking, ReportOptions, build};
use crate::cli::{Budget, ReportArgs, ReportGate, ReportOutput};
use crate::export::report::{ReportJson, ReportMarkdown};
use crate::model::Cycle;
use crate::output::{Format, emit};
use crate::render::chart::ChartStream;
use crate::render::report::ReportText;
use crate::render::report_html::{ReportHtml, heap_chart};

pub fn run(args: &ReportArgs) -> anyhow::Result<Status> {
    let budget_bytes = match &args.budget {
        Some(b) => Some(super::budget(b, &args.cgroup_root)?),
        None => None,
    };
    let ev = crate::parse::incident::gather(&args.paths, args.max_input)?;
    if ev.files.is_empty() {
        for s in &ev.skipped {
            crate::note!("gclens: {}: {}", s.source, s.reason);
        }
        crate::note!(
            "gclens: no evidence in {}: no gctrace, heap profile, goroutine dump, MemStats or escape analysis",
            args.paths.join(", ")
        );
        return Ok(Status::NothingFound);
    }
    let o = ReportOptions {
        budget_bytes,
        budget_quantity: match &args.budget {
            Some(Budget::Bytes(_, q)) => Some(q.clone()),
            _ => None,
        },
    };
    // the traces in one bounded pass, the page's heap chart gathered on the way
    let mut chart = args
        .html
        .as_ref()
        .map(|_| ChartStream::new(&heap_chart(None), 0));
    let gc = if ev.traces.is_empty() {
        None
    } else {
        let mut push = |c: &Cycle| {
            if let Some(st) = chart.as_mut() {
                st.push(c);
            }
        };
        Some(super::load_long_with(&ev.traces, true, Some(&mut push))?)
    };
    let report = build(ev, gc, &o);
    let format: &dyn Format<IncidentReport> = match args.format {
        ReportOutput::Text => &ReportText { top: args.top },
        ReportOutput::Markdown => &ReportMarkdown { top: args.top },
        ReportOutput::Json => &ReportJson,
    };
    if let Some(path) = &args.html {
        let heap_chart = match (chart, &report.gc) {
            (Some(st), Some(gc)) => Some(
                st.with_budget(report.time_left.as_ref().map(|t| t.budget_bytes))
                    .finish(
                        &gc.summary,
                        gc.summary.main_segment_of_trace,
                        &gc.timeline.sources,
                        gc.timeline.cycles.len(),
                    )
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            ),
            _ => None,
        };
        emit(Some(path), &ReportHtml { heap_chart }, &report)?;
    }
    emit(args.output.as_deref(), format, &report)?;
    let v = report.verdict.leaking;
    let fails = match args.fail_on {
        None => false,
        Some(ReportGate::Leak) => v == Leaking::Yes,
        Some(ReportGate::PossibleLeak) => matches!(v, Leaking::Yes | Leaking::Possible),
    };
    if fails {
        crate::note!("gclens: --fail-on: {}", report.verdict.leaking.label());
        return Ok(Status::NothingFound);
    }
    Ok(Status::Ok)
}
