//! The `gclens gc` text report: a KPI table in the spirit of GCViewer/GCeasy, then the
//! findings. Colour comes from `anstream`, which drops it when the output is not a
//! terminal or `NO_COLOR` is set.

use crate::analyze::memstats::MemJoin;
use crate::analyze::{Finding, Folded, Report, Severity, Summary};
use crate::model::Timeline;
use crate::output::Format;
use crate::units::num;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn sev_style(s: Severity) -> (Style, &'static str) {
    match s {
        Severity::Alert => (
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            "ALERT",
        ),
        Severity::Warn => (
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            "warn ",
        ),
        Severity::Info => (Style::new().fg_color(Some(AnsiColor::Cyan.into())), "info "),
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("n/a".into(), |x| format!("{}{unit}", num(x)))
}

fn format_name(s: &Summary) -> String {
    match s.format {
        Some(f) => match f.detail() {
            Some(d) => format!("{} ({d})", f.releases()),
            None => f.releases().to_string(),
        },
        None => "none".into(),
    }
}

/// `gclens gc` for people (also the report `watch` and `run` print at the end).
pub struct GcText;

impl Format<Report> for GcText {
    fn write(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        write_report(out, &r.timeline, &r.summary, &r.findings)?;
        if let Some(m) = &r.memstats {
            memstats_note(out, &r.timeline, m)?;
        }
        if let Some(f) = &r.folded {
            folded_note(out, f)?;
        }
        Ok(())
    }
    fn styled(&self) -> bool {
        true
    }
}

/// The MemStats paragraph of `gc --memstats`: what the runtime holds beyond the heap.
fn memstats_note(out: &mut dyn Write, t: &Timeline, m: &MemJoin) -> io::Result<()> {
    let (r, joined) = (&m.report, &m.joined);
    writeln!(
        out,
        "\nMemStats: {} snapshot(s), {} joined to gc cycles by NumGC",
        r.points.len(),
        joined.len()
    )?;
    let peak = joined
        .iter()
        .filter_map(|j| Some((j.limit_counted_mib?, j.cycle_index)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((mib, i)) = peak {
        let c = &t.cycles[i];
        writeln!(
            out,
            "  Sys − HeapReleased (what GOMEMLIMIT counts) peaks at {} MiB after gc {} (heap goal there {} MiB)",
            num(mib),
            c.gc.cycle,
            c.gc.goal_mib.map_or("n/a".into(), |g| g.to_string())
        )?;
    }
    if let Some(b) = r.summary.last_non_heap_bytes {
        writeln!(
            out,
            "  runtime memory outside the heap (Sys − HeapSys): {}",
            crate::units::fmt_bytes(b)
        )?;
    }
    if joined.len() < r.points.len() {
        writeln!(
            out,
            "  {} snapshot(s) had no matching gc cycle (another run, or no NumGC)",
            r.points.len() - joined.len()
        )?;
    }
    Ok(())
}

/// One paragraph on the cycles folded out of the detailed window: by a live session
/// (the summary covers the window), or by `gc` on a long trace (it covers them all).
fn folded_note(out: &mut dyn Write, f: &Folded) -> io::Result<()> {
    let (first, last) = (num(f.first_t_s), num(f.last_t_s));
    let n = f.buckets.len();
    let lead = if f.summarized {
        format!(
            "Every figure above counts every cycle; the oldest {} (from {first} s to {last} s) \
             were kept as {n} time buckets once counted, the newest in detail",
            f.cycles
        )
    } else {
        format!(
            "Before the detailed window: {} cycles from {first} s to {last} s (kept as {n} buckets)",
            f.cycles
        )
    };
    writeln!(
        out,
        "\n{lead}: live-heap floor {} → {} MiB, heap peak {} MiB, longest pause {} ms",
        f.live_floor_first_mib,
        f.live_floor_last_mib,
        f.heap_peak_mib,
        num(f.pause_max_ms)
    )
}

/// Writes the KPI table and the findings.
pub fn write_report(
    out: &mut dyn Write,
    t: &Timeline,
    s: &Summary,
    fs: &[Finding],
) -> io::Result<()> {
    let names = t.sources.join(", ");
    writeln!(out, "{BOLD}gclens gc{BOLD:#} {names}")?;
    writeln!(
        out,
        "{DIM}{} cycles in {} segment(s) over {}{}, {} format{DIM:#}",
        s.cycles,
        s.segments,
        opt(s.duration_s, " s"),
        // a long trace also in the unit that fits it (days, hours)
        s.duration_s
            .filter(|d| *d >= 6000.0)
            .map_or(String::new(), |d| format!(
                " ({})",
                crate::render::chart::axis::fmt_duration(d)
            )),
        format_name(s)
    )?;
    writeln!(out)?;
    let mut rows: Vec<(&str, String)> = vec![];
    rows.push((
        "Throughput",
        match (s.throughput_pct, s.gc_cpu_pct, s.gc_cpu_pct_printed) {
            (Some(tp), Some(c), p) => format!(
                "{} %  (GC CPU {} % from cpu phases{})",
                num(tp),
                num(c),
                p.map_or(String::new(), |p| format!("; {p} % printed, cumulative"))
            ),
            (Some(tp), None, Some(p)) => format!("{} %  (GC CPU {p} % as printed)", num(tp)),
            _ => "n/a".into(),
        },
    ));
    if let Some(c) = &s.cpu_share {
        rows.push((
            "Scheduler (gclens run)",
            format!(
                "ran {:.1} s, waited {:.1} s for a CPU while others were busy ({} of {} s); others used {:.2} cores; host took {:.1}%",
                c.ran_s, c.waited_s, c.contended_samples, c.samples, c.elsewhere_cores, c.stolen_share * 100.0
            ),
        ));
    }
    let p = &s.pause_ms;
    rows.push((
        "STW pause p50 / p90 / p99",
        format!("{} / {} / {} ms", num(p.p50), num(p.p90), num(p.p99)),
    ));
    rows.push((
        "STW pause max / total",
        format!(
            "{} ms{} / {} ms",
            num(p.max),
            s.worst_pause.as_ref().map_or(String::new(), |w| format!(
                " (gc {}, {})",
                w.cycle,
                crate::model::timeline::line_ref(&w.source, w.line)
            )),
            num(p.total)
        ),
    ));
    if let Some(m) = &s.mark_ms {
        rows.push((
            "Concurrent mark p50 / max",
            format!("{} / {} ms", num(m.p50), num(m.max)),
        ));
    }
    rows.push((
        "Peak heap / peak goal",
        format!(
            "{} / {} MiB",
            s.peak_heap_mib,
            s.peak_goal_mib.map_or("n/a".into(), |g| g.to_string())
        ),
    ));
    let l = &s.live_heap_mib;
    rows.push((
        "Live heap min / median / max",
        format!("{} / {} / {} MiB", num(l.min), num(l.median), num(l.max)),
    ));
    rows.push((
        "Allocation",
        format!(
            "{} MiB, {}",
            s.allocated_mib,
            opt(s.alloc_rate_mib_s, " MiB/s")
        ),
    ));
    rows.push((
        "GC frequency",
        match (s.gc_per_s, s.mean_interval_s) {
            (Some(f), Some(i)) => format!("{} GC/s (every {} s)", num(f), num(i)),
            _ => "n/a".into(),
        },
    ));
    if let Some(g) = s.effective_gogc {
        rows.push(("Effective GOGC (median)", format!("≈ {g:.0}")));
    }
    rows.push((
        "Heap over goal",
        format!(
            "{} cycles (max {})",
            s.cycles_over_goal,
            opt(s.max_overshoot_pct, " %")
        ),
    ));
    rows.push((
        "Forced cycles",
        format!(
            "{} forced, {} periodic (GC forced), {} leak checks",
            s.forced_cycles, s.periodic_gcs, s.leak_check_cycles
        ),
    ));
    if let Some(g) = &s.stacks_mib {
        rows.push((
            "Stacks first → last (max)",
            format!("{} → {} MiB ({})", g.first, g.last, g.max),
        ));
    }
    if let Some(g) = &s.globals_mib {
        rows.push((
            "Globals first → last (max)",
            format!("{} → {} MiB ({})", g.first, g.last, g.max),
        ));
    }
    rows.push(("Live-heap trend", s.leak.evidence.clone()));
    rows.push((
        "Lines skipped",
        format!("{} foreign, {} malformed", s.foreign, s.malformed),
    ));
    let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (k, v) in rows {
        writeln!(out, "  {k:<w$}  {v}")?;
    }
    writeln!(out)?;
    segments(out, t, s)?;
    if fs.is_empty() {
        writeln!(out, "{BOLD}Findings{BOLD:#}: none")?;
    } else {
        writeln!(out, "{BOLD}Findings{BOLD:#}")?;
        for f in fs {
            let (st, label) = sev_style(f.severity);
            writeln!(out, "  {st}{label}{st:#}  {}", f.message)?;
        }
    }
    Ok(())
}

/// Segments shown in full; beyond, the first and last half of them.
const SEGMENT_ROWS: usize = 12;

/// A trace with restarts: each process's own figures (`analyze::per_segment`), the main
/// one marked. Nothing for a trace of one process.
fn segments(out: &mut dyn Write, t: &Timeline, s: &Summary) -> io::Result<()> {
    use crate::analyze::summary::LeakVerdict;
    let all = &s.per_segment;
    if all.len() < 2 {
        return Ok(());
    }
    writeln!(
        out,
        "{BOLD}Segments{BOLD:#} {DIM}(a process each: the gc numbering or time went back){DIM:#}"
    )?;
    let head = [
        "",
        "#",
        "starts at",
        "cycles",
        "span",
        "peak heap",
        "live heap",
        "pause max",
        "GC CPU",
        "live-heap trend",
    ];
    let mut rows: Vec<[String; 10]> = vec![head.map(String::from)];
    let shown: Vec<usize> = if all.len() <= SEGMENT_ROWS {
        (0..all.len()).collect()
    } else {
        (0..SEGMENT_ROWS / 2)
            .chain(all.len() - SEGMENT_ROWS / 2..all.len())
            .collect()
    };
    for &i in &shown {
        let f = &all[i];
        let name = t.sources.get(f.source as usize).map_or("-", String::as_str);
        let trend = match f.leak {
            LeakVerdict::LikelyLeak => "likely leak",
            LeakVerdict::PossibleGrowth => "possible growth",
            LeakVerdict::NoLeakSignal => "no leak signal",
            LeakVerdict::InsufficientData => "too few cycles",
        };
        rows.push([
            if i == s.main_segment_of_trace {
                "main"
            } else {
                ""
            }
            .into(),
            i.to_string(),
            crate::model::timeline::line_ref(name, f.first_line),
            f.cycles.to_string(),
            opt(f.duration_s, " s"),
            format!("{} MiB", f.peak_heap_mib),
            format!("{}–{} MiB", f.live_heap_min_mib, f.live_heap_max_mib),
            format!("{} ms", num(f.pause_max_ms)),
            opt(f.gc_cpu_pct, " %"),
            // a slope of too few cycles says nothing
            match f.live_slope_mib_per_min {
                Some(v) if f.leak != LeakVerdict::InsufficientData => {
                    format!("{trend} ({} MiB/min)", num(v))
                }
                _ => trend.into(),
            },
        ]);
    }
    let widths: Vec<usize> = (0..10)
        .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
        .collect();
    for (n, r) in rows.iter().enumerate() {
        if n == SEGMENT_ROWS / 2 + 1 && shown.len() < all.len() {
            let more = all.len() - shown.len();
            writeln!(
                out,
                "  {DIM}… {more} more (all of them in --format json){DIM:#}"
            )?;
        }
        let mut line = String::from(" ");
        for (k, cell) in r.iter().enumerate() {
            let w = widths[k];
            // names and words to the left, figures to the right
            if matches!(k, 0 | 2 | 9) {
                line.push_str(&format!(" {cell:<w$}"));
            } else {
                line.push_str(&format!(" {cell:>w$}"));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)
}
