//! The `gclens advise` text: the recommendation, its arithmetic, the what-if table,
//! warnings, and copy-paste snippets (env, Kubernetes, Go).

use crate::analyze::advice::Advice;
use crate::output::Format;
use crate::units::fmt_bytes;
use crate::units::num;
use std::io::{self, Write};

/// ` [lo–hi]` of a range, in the figure's own format.
fn range<T: Copy>(r: Option<[T; 2]>, f: impl Fn(T) -> String) -> String {
    r.map_or(String::new(), |[a, b]| format!(" [{}–{}]", f(a), f(b)))
}

/// `gclens advise` for people.
pub struct AdviceText;

impl Format<Advice> for AdviceText {
    fn write(&self, a: &Advice, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write_advice(out, a)?)
    }
}

fn write_advice(out: &mut dyn Write, a: &Advice) -> io::Result<()> {
    let sources = &a.sources;
    let g = &a.gogc_env;
    let mib = a.gomemlimit_bytes >> 20;
    writeln!(
        out,
        "gclens advise {} — budget {}",
        sources.join(", "),
        fmt_bytes(a.budget_bytes)
    )?;
    writeln!(out)?;
    writeln!(out, "  GOGC={g}  GOMEMLIMIT={mib}MiB")?;
    let p = &a.predicted;
    writeln!(
        out,
        "  predicted: peak {}{}{}{}",
        fmt_bytes(p.peak_bytes),
        range(p.peak_bytes_range, fmt_bytes),
        a.peak_at_highest_live_bytes
            .map_or(String::new(), |b| format!(
                " ({} at the trace's highest live heap)",
                fmt_bytes(b)
            )),
        if p.limit_driven {
            " (the limit drives collections)"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "  rate-free: {} MiB allocated per cycle{}, GC CPU {} s per GiB allocated{}",
        num(p.mib_per_cycle),
        range(p.mib_per_cycle_range, num),
        num(p.gc_cpu_s_per_gib),
        range(p.gc_cpu_s_per_gib_range, num)
    )?;
    writeln!(
        out,
        "  at the trace's allocation rate ({} MiB/s): {} GC/s{}, GC CPU {}%{}",
        num(a.inputs.alloc_rate_mib_s),
        num(p.gc_per_s),
        range(p.gc_per_s_range, num),
        num(p.gc_cpu_pct),
        range(p.gc_cpu_pct_range, num)
    )?;
    writeln!(
        out,
        "  (ranges: 5th–95th percentile over resamples of the trace's cycles)"
    )?;
    if let Some(b) = &a.batch {
        writeln!(
            out,
            "  batch work (the trace's {} GiB allocated): GC CPU {} s at GOGC={} → {} s ({:+.0}%)",
            num(b.allocated_gib),
            num(b.gc_cpu_s_current),
            num(b.current_gogc.round()),
            num(b.gc_cpu_s_advised),
            b.change_pct
        )?;
    }
    writeln!(out)?;
    writeln!(out, "How:")?;
    for l in &a.arithmetic {
        writeln!(out, "  {l}")?;
    }
    writeln!(out)?;
    if a.inputs.growing() {
        writeln!(
            out,
            "What if (over a run like the trace, the live heap growing {} → {} MiB; peak at its end):",
            num(a.inputs.live_start_mib),
            num(a.inputs.live_end_mib)
        )?;
    } else {
        writeln!(out, "What if (steady state):")?;
    }
    writeln!(
        out,
        "  {:>6}  {:>10}  {:>30}  {:>21}  {:>21}",
        "GOGC", "GOMEMLIMIT", "peak [range]", "GC/s [range]", "GC CPU % [range]"
    )?;
    for w in &a.whatif {
        let peak = if w.peak_bytes == u64::MAX {
            "unbounded".to_string()
        } else {
            fmt_bytes(w.peak_bytes) + &range(w.peak_bytes_range, fmt_bytes)
        };
        writeln!(
            out,
            "  {:>6}  {:>10}  {:>30}  {:>21}  {:>21}{}",
            w.gogc_env,
            w.limit_bytes
                .map_or("none".into(), |l| format!("{}MiB", l >> 20)),
            peak,
            num(w.gc_per_s) + &range(w.gc_per_s_range, num),
            num(w.gc_cpu_pct) + &range(w.gc_cpu_pct_range, num),
            if w.limit_driven { "  limit-driven" } else { "" }
        )?;
    }
    if !a.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings:")?;
        for w in &a.warnings {
            writeln!(out, "  - {}", w.message)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "Environment:")?;
    writeln!(out, "  GOGC={g}")?;
    writeln!(out, "  GOMEMLIMIT={mib}MiB")?;
    writeln!(out)?;
    writeln!(out, "Kubernetes (container spec):")?;
    writeln!(out, "  env:")?;
    writeln!(out, "    - name: GOGC")?;
    writeln!(out, "      value: \"{g}\"")?;
    writeln!(out, "    - name: GOMEMLIMIT")?;
    writeln!(out, "      value: \"{mib}MiB\"")?;
    writeln!(out, "  resources:")?;
    writeln!(out, "    limits:")?;
    writeln!(out, "      memory: \"{}\"", a.budget_quantity)?;
    writeln!(out)?;
    writeln!(out, "Go (at start of main):")?;
    if g == "off" {
        writeln!(out, "  debug.SetGCPercent(-1)")?;
    } else {
        writeln!(out, "  debug.SetGCPercent({g})")?;
    }
    writeln!(out, "  debug.SetMemoryLimit({mib} << 20)")?;
    Ok(())
}
