//! The `gclens report` text: the verdict paragraph first (what a person in an incident
//! reads), then the six answers in the order they are asked, each line of evidence with
//! the file:line it comes from, and the files set aside at the end.

use crate::analyze::report::{AdvicePart, IncidentReport, Role, SiteLine, WhyPart};
use crate::model::escape::Step;
use crate::output::Format;
use crate::units::{fmt_bytes, num};
use anstyle::Style;
use std::io::{self, Write};

/// `gclens report` for people: `top` growing sites and groups.
pub struct ReportText {
    pub top: usize,
}

impl Format<IncidentReport> for ReportText {
    fn write(&self, r: &IncidentReport, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write(out, r, self.top)?)
    }
    fn styled(&self) -> bool {
        true
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const WIDTH: usize = 92;

/// `text` in lines of at most `WIDTH` columns, each after `indent`.
pub fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > WIDTH {
            out.push_str(indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn mib(b: i64) -> String {
    fmt_bytes(b.max(0) as u64)
}

fn write(out: &mut dyn Write, r: &IncidentReport, top: usize) -> io::Result<()> {
    writeln!(
        out,
        "{BOLD}gclens report{BOLD:#}  {DIM}{}{DIM:#}",
        r.inputs_line()
    )?;
    writeln!(out)?;
    writeln!(out, "{BOLD}Verdict: {}{BOLD:#}", r.verdict.leaking.label())?;
    write!(out, "{}", wrap(&r.verdict.summary, "  "))?;
    growth(out, r)?;
    heap(out, r, top)?;
    goroutines(out, r, top)?;
    if let Some(w) = &r.why {
        why(out, w)?;
    }
    advice(out, r)?;
    if !r.missing.is_empty() {
        writeln!(out, "\n{BOLD}6. What is missing?{BOLD:#}")?;
        for m in &r.missing {
            write!(out, "{}", wrap(&format!("- {}: {}", m.what, m.why), "  "))?;
            writeln!(out, "      $ {}", m.command)?;
        }
    }
    if !r.skipped.is_empty() {
        writeln!(out, "\n{BOLD}Set aside{BOLD:#}")?;
        for s in &r.skipped {
            write!(
                out,
                "{}",
                wrap(&format!("{}: {}", s.source, s.reason), "  ")
            )?;
        }
    }
    Ok(())
}

fn growth(out: &mut dyn Write, r: &IncidentReport) -> io::Result<()> {
    let g = &r.growth;
    writeln!(
        out,
        "\n{BOLD}1. Is memory growing?{BOLD:#} {}",
        g.signal.label()
    )?;
    if let Some(t) = &g.trace {
        write!(
            out,
            "{}",
            wrap(
                &format!("gctrace        {} ({} cycles)", t.evidence, t.cycles),
                "  "
            )
        )?;
        if let Some(m) = t.minutes_to_budget {
            writeln!(
                out,
                "                 at this rate the heap's peak ({:.2}× the live heap) reaches the budget in about {} min",
                t.peak_over_live,
                num(m)
            )?;
        }
    }
    if let Some(m) = &g.memstats {
        let rate = m
            .slope_mib_per_min
            .map(|s| format!(", {} MiB/min (R² {:.2})", num(s), m.r2.unwrap_or(0.0)));
        let line = format!(
            "MemStats       {} snapshot(s){}: HeapAlloc {} → {}{}, Sys {} → {}: {}",
            m.snapshots,
            m.span_min
                .map(|s| format!(" over {} min", num(s)))
                .unwrap_or_default(),
            opt(m.heap_alloc_first),
            opt(m.heap_alloc_last),
            rate.unwrap_or_default(),
            opt(m.sys_first),
            opt(m.sys_last),
            m.signal.label()
        );
        write!(out, "{}", wrap(&line, "  "))?;
    }
    if let Some(p) = &g.profiles {
        writeln!(
            out,
            "  heap profiles  {} profile(s){}: in use {} → {}{}: {}",
            p.profiles,
            p.span_min
                .map(|s| format!(" over {} min", num(s)))
                .unwrap_or_default(),
            mib(p.inuse_first),
            mib(p.inuse_last),
            p.mib_per_min
                .map(|s| format!(" ({} MiB/min)", num(s)))
                .unwrap_or_default(),
            p.signal.label()
        )?;
    }
    write!(out, "{}", wrap(&format!("→ {}", g.cross_check), "  "))
}

fn opt(b: Option<u64>) -> String {
    b.map_or("?".into(), fmt_bytes)
}

fn site_name(s: &SiteLine) -> String {
    format!("{} {}:{}", s.function, s.file, s.line)
}

fn heap(out: &mut dyn Write, r: &IncidentReport, top: usize) -> io::Result<()> {
    let Some(h) = &r.heap else { return Ok(()) };
    writeln!(
        out,
        "\n{BOLD}2. Where?{BOLD:#} {} heap profile(s)",
        h.report.profiles.len()
    )?;
    if h.growing.is_empty() {
        writeln!(out, "  no site grows across the profiles")?;
    } else {
        writeln!(
            out,
            "  {DIM}verdict   share  MiB/min  in use first → last   site{DIM:#}"
        )?;
    }
    for s in h.growing.iter().take(top) {
        writeln!(
            out,
            "  {:<8} {:>5}  {:>7}  {:>9} → {:<9}  {}",
            if s.role == Role::Growing {
                "growing"
            } else {
                "jumped"
            },
            s.share_pct.map(|p| format!("{p:.0} %")).unwrap_or_default(),
            s.mib_per_min.map(num).unwrap_or_default(),
            mib(s.inuse_first),
            mib(s.inuse_last),
            site_name(s)
        )?;
    }
    if h.growing.len() > top {
        writeln!(
            out,
            "  {DIM}… {} more growing site(s){DIM:#}",
            h.growing.len() - top
        )?;
    }
    if let Some(a) = &h.accounts {
        write!(out, "{}", wrap(&format!("→ {a}"), "  "))?;
    }
    if !h.decoys.is_empty() {
        writeln!(out, "  {DIM}not the leak:{DIM:#}")?;
    }
    for s in &h.decoys {
        let what = s.decoy_phrase();
        writeln!(out, "  {what:<46} {}", site_name(s))?;
    }
    Ok(())
}

fn goroutines(out: &mut dyn Write, r: &IncidentReport, top: usize) -> io::Result<()> {
    let Some(g) = &r.goroutines else {
        return Ok(());
    };
    let n = g.dumps.len();
    let totals: Vec<String> = g.dumps.iter().map(|d| d.total.to_string()).collect();
    writeln!(
        out,
        "\n{BOLD}3. Goroutines?{BOLD:#} {n} dump(s), {} goroutines",
        totals.join(" → ")
    )?;
    write!(out, "{}", wrap(&g.leak.evidence, "  "))?;
    for gr in g.groups.iter().take(top) {
        if gr.counts.iter().all(|c| *c < 2) && !gr.leaked {
            continue;
        }
        let counts: Vec<String> = gr.counts.iter().map(|c| c.to_string()).collect();
        let proven = gr.leaked_counts.last().copied().unwrap_or(0);
        writeln!(
            out,
            "  {:<9} {:<24} [{}{}] {}{}",
            gr.verdict.label(),
            counts.join("→"),
            gr.state.as_deref().unwrap_or("?"),
            gr.max_wait_min
                .map(|m| format!(", {m} min"))
                .unwrap_or_default(),
            gr.function,
            if proven > 0 {
                format!("  {proven} proven leaked")
            } else {
                String::new()
            }
        )?;
        if let Some(at) = &gr.created_at {
            writeln!(
                out,
                "  {DIM}{:<36} created by {} at {at}{DIM:#}",
                "",
                gr.created_by.as_deref().unwrap_or("?")
            )?;
        }
    }
    if let Some((a, b)) = r.stacks_mib {
        writeln!(out, "  stacks (gctrace): {a} → {b} MiB")?;
    }
    Ok(())
}

fn why(out: &mut dyn Write, w: &WhyPart) -> io::Result<()> {
    writeln!(
        out,
        "\n{BOLD}4. Why on the heap?{BOLD:#} {} escape diagnostic(s) read",
        w.diagnostics
    )?;
    let mut site = "";
    for e in &w.at_sites {
        if e.site != site {
            writeln!(out, "  {}", e.site)?;
            site = &e.site;
        }
        writeln!(out, "    {}:{}:{}: {}", e.file, e.line, e.col, e.message)?;
        for x in &e.explanation {
            for s in &x.steps {
                let t = match s {
                    Step::Flow { to, from } => format!("flow: {to} ← {from}"),
                    Step::From { expr, reason, at } => format!(
                        "from {expr} ({reason}){}",
                        at.as_deref()
                            .map(|a| format!(" at {a}"))
                            .unwrap_or_default()
                    ),
                    Step::Note { text } => text.clone(),
                };
                writeln!(out, "      {DIM}{t}{DIM:#}")?;
            }
        }
    }
    for u in &w.unexplained {
        writeln!(
            out,
            "  {u}: no escape diagnostic at its line or in its function (another build, or inlined?)"
        )?;
    }
    Ok(())
}

fn advice(out: &mut dyn Write, r: &IncidentReport) -> io::Result<()> {
    writeln!(out, "\n{BOLD}5. What to set?{BOLD:#}")?;
    if r.verdict.leaking == crate::analyze::report::Leaking::Yes {
        write!(out, "{}", wrap(&r.leak_first(), "  "))?;
    }
    match &r.advice {
        AdvicePart::Advised { advice: a } => {
            writeln!(
                out,
                "  {}GOGC={} GOMEMLIMIT={}   {DIM}predicted peak {}, {} GC/s, GC CPU {:.1} %{DIM:#}",
                if r.time_left.is_some() {
                    "once it no longer leaks: "
                } else {
                    ""
                },
                a.gogc_env,
                a.gomemlimit_bytes,
                fmt_bytes(a.predicted.peak_bytes),
                num(a.predicted.gc_per_s),
                a.predicted.gc_cpu_pct
            )?;
            for w in &a.warnings {
                write!(out, "{}", wrap(&format!("! {}", w.message), "  "))?;
            }
        }
        AdvicePart::Refused { refusal } => {
            write!(
                out,
                "{}",
                wrap(&format!("no advice: {}", refusal.refused.message), "  ")
            )?;
        }
        AdvicePart::NotAsked { why } => writeln!(out, "  no advice: {why}")?,
    }
    Ok(())
}
