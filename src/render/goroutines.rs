//! The `gclens goroutines` text: the dumps, the groups (largest growth first, then
//! size), the leak verdict with its evidence and the leaking group's stack, and beside it
//! the stacks' growth a GC trace measured (`--trace`).

use crate::analyze::goroutines::{GoroutineLeakVerdict, GoroutineReport, GroupVerdict, title};
use crate::output::Format;
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// `gclens goroutines` for people: the `top` groups.
pub struct GoroutinesText {
    pub top: usize,
}

impl Format<GoroutineReport> for GoroutinesText {
    fn write(&self, r: &GoroutineReport, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write(out, r, self.top)?)
    }
    fn styled(&self) -> bool {
        true
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn write(out: &mut dyn Write, r: &GoroutineReport, top: usize) -> io::Result<()> {
    let n = r.dumps.len();
    let names: Vec<&str> = r.dumps.iter().map(|d| d.source.as_str()).collect();
    writeln!(out, "{BOLD}gclens goroutines{BOLD:#} {}", names.join(", "))?;
    let totals: Vec<String> = r.dumps.iter().map(|d| d.total.to_string()).collect();
    writeln!(
        out,
        "{DIM}{n} dump(s) ({}), goroutines {}, {} group(s){DIM:#}",
        r.dumps
            .iter()
            .map(|d| serde_json::to_value(d.format)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", "),
        totals.join(" → "),
        r.groups.len()
    )?;
    let also: usize = r.dumps.iter().map(|d| d.also.len()).sum();
    if also > 0 {
        writeln!(
            out,
            "{DIM}{also} more file(s) of the same moments read for the leaked goroutines only (a debug=1 twin, the goroutine leak profile), not counted again{DIM:#}"
        )?;
    }
    for a in &r.set_aside {
        writeln!(out, "{DIM}set aside: {}: {}{DIM:#}", a.source, a.reason)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  verdict      growth  counts               wait  group"
    )?;
    for g in r.groups.iter().take(top) {
        let style = match g.verdict {
            GroupVerdict::Growing => Style::new().fg_color(Some(AnsiColor::Red.into())),
            _ => Style::new(),
        };
        let counts: Vec<String> = g.counts.iter().map(u64::to_string).collect();
        let mut counts = counts.join(" ");
        if counts.len() > 20 {
            counts = format!("{} … {}", g.counts[0], g.counts[n - 1]);
        }
        writeln!(
            out,
            "  {style}{:<10}{style:#} {:>8}  {:<20} {:>5}  {}  {DIM}{}:{}{DIM:#}",
            g.verdict.label(),
            format!("{:+}", g.growth),
            counts,
            g.max_wait_min.map_or("-".into(), |w| format!("{w}m")),
            title(g),
            g.file,
            g.line
        )?;
        let mut also = vec![];
        if let Some(c) = &g.created_by {
            also.push(format!(
                "created by {c} at {}",
                g.created_at.as_deref().unwrap_or("?")
            ));
        }
        if let Some(p) = &g.parked_in {
            also.push(format!("waits in {p}"));
        }
        if let Some(w) = g.reason {
            also.push(w.to_string());
        }
        if g.leaked {
            also.push(format!(
                "the runtime's leak detector proves {} of them leaked (blocked on what nothing else can reach)",
                g.leaked_counts[n - 1]
            ));
        }
        if !also.is_empty() {
            writeln!(out, "  {DIM}{:>38}{}{DIM:#}", "", also.join("; "))?;
        }
    }
    if r.groups.len() > top {
        writeln!(out, "  {DIM}({} more groups){DIM:#}", r.groups.len() - top)?;
    }
    writeln!(out)?;
    let (style, word) = match r.leak.verdict {
        GoroutineLeakVerdict::LikelyLeak => (
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            "likely leak",
        ),
        GoroutineLeakVerdict::PossibleGrowth => (
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            "possible growth",
        ),
        GoroutineLeakVerdict::NoLeakSignal => (Style::new(), "no leak signal"),
    };
    writeln!(out, "  {style}{word}{style:#}: {}", r.leak.evidence)?;
    if let Some(g) = r.groups.iter().find(|g| g.verdict == GroupVerdict::Growing) {
        writeln!(out, "  stack of {}:", title(g))?;
        for f in &g.stack {
            writeln!(out, "    {}  {DIM}{}:{}{DIM:#}", f.function, f.file, f.line)?;
        }
    }
    if let Some(t) = &r.trace {
        let first: u64 = r.dumps.first().map_or(0, |d| d.total);
        let last: u64 = r.dumps.last().map_or(0, |d| d.total);
        writeln!(
            out,
            "  the trace {} shows goroutine stacks at {} → {} MiB while the dumps go from {first} to {last} goroutines",
            t.source, t.stacks_first_mib, t.stacks_last_mib
        )?;
    }
    Ok(())
}
