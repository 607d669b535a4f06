//! `gclens advise`: GOGC and GOMEMLIMIT for a memory budget, from a trace.

use super::{Status, load_long, load_memstats};
use crate::analyze::advice::{Advice, AdviceError, AdviceOptions, Refusal, advise};
use crate::cli::{AdviseArgs, AdviseOutput, Budget};
use crate::export::advice::AdviceJson;
use crate::output::{Format, emit};
use crate::render::advice::AdviceText;
use anyhow::anyhow;

pub fn run(args: &AdviseArgs) -> anyhow::Result<Status> {
    let budget_bytes = super::budget(&args.budget, &args.cgroup_root)?;
    if budget_bytes < 1 << 20 {
        return Err(anyhow!(
            "--budget {budget_bytes} is {}: a memory budget is at least 1 MiB (e.g. 512Mi, 2G)",
            crate::units::fmt_bytes(budget_bytes)
        ));
    }
    if !(0.0..=0.9).contains(&args.headroom) {
        return Err(anyhow!(
            "--headroom must be between 0 and 0.9 (a share of the budget, e.g. 0.1)"
        ));
    }
    if let Some(p) = args.max_gc_cpu
        && !(p > 0.0 && p <= 100.0)
    {
        return Err(anyhow!(
            "--max-gc-cpu must be above 0 and at most 100 (a percentage, e.g. 5)"
        ));
    }
    if let Some(g) = args.current_gogc
        && !(g > 0.0 && g.is_finite())
    {
        return Err(anyhow!(
            "--current-gogc must be a positive percentage (e.g. 100); a trace under GOGC=off has no GOGC to read"
        ));
    }
    let crate::analyze::Report {
        timeline: t,
        summary: s,
        ..
    } = load_long(&args.files, false)?;
    let mem = load_memstats(&args.memstats)?;
    let o = AdviceOptions {
        budget_bytes,
        headroom: args.headroom,
        max_gc_cpu_pct: args.max_gc_cpu,
        current_gogc: args.current_gogc,
        batch: args.workload == crate::cli::WorkloadArg::Batch,
        budget_quantity: match &args.budget {
            Budget::Bytes(_, q) => Some(q.clone()),
            Budget::Auto => None,
        },
    };
    let advice = if t.cycles.is_empty() {
        Err(AdviceError::NoCycles)
    } else {
        advise(&t, &s, mem.as_ref(), &o)
    };
    let a = match advice {
        Ok(a) => a,
        Err(e) => {
            crate::note!(
                "gclens: cannot advise from {}: {e}",
                super::names(&t.sources)
            );
            if args.format == AdviseOutput::Json {
                let r = Refusal::new(&e, &t.sources, budget_bytes);
                emit(args.output.as_deref(), &AdviceJson, &r)?;
            }
            return Ok(Status::NothingFound);
        }
    };
    let format: &dyn Format<Advice> = match args.format {
        AdviseOutput::Text => &AdviceText,
        AdviseOutput::Json => &AdviceJson,
    };
    emit(args.output.as_deref(), format, &a)?;
    Ok(Status::Ok)
}
