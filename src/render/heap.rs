//! The `gclens heap` text: the series, the sites that changed most (aligned columns,
//! verdicts in colour on a terminal), the leak verdict with its evidence, and beside it
//! the live-heap growth a GC trace measured (`--trace`).

use crate::analyze::heap::{HeapLeakVerdict, HeapReport, SiteVerdict, fmt_value};
use crate::analyze::summary::fmt_minutes;
use crate::output::Format;
use crate::units::{fmt_bytes, num};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

/// `gclens heap` for people: the `top` sites by growth.
pub struct HeapText {
    pub top: usize,
}

impl Format<HeapReport> for HeapText {
    fn write(&self, r: &HeapReport, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write(out, r, self.top)?)
    }
    fn styled(&self) -> bool {
        true
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn verdict_style(v: SiteVerdict) -> Style {
    let c = match v {
        SiteVerdict::Growing => AnsiColor::Red,
        SiteVerdict::Jumped => AnsiColor::Yellow,
        SiteVerdict::Transient | SiteVerdict::Released => AnsiColor::Cyan,
        SiteVerdict::Steady | SiteVerdict::Shrinking => return Style::new(),
    };
    Style::new().fg_color(Some(c.into()))
}

fn write(out: &mut dyn Write, r: &HeapReport, top: usize) -> io::Result<()> {
    let n = r.profiles.len();
    let names: Vec<&str> = r.profiles.iter().map(|p| p.source.as_str()).collect();
    writeln!(out, "{BOLD}gclens heap{BOLD:#} {}", names.join(", "))?;
    let span = r
        .span_min
        .map_or(String::new(), |m| format!(" over {}", fmt_minutes(m)));
    writeln!(
        out,
        "{DIM}{n} profile(s){span}, sample {}, {} site(s){DIM:#}",
        r.sample.name(),
        r.sites.len()
    )?;
    writeln!(out)?;
    writeln!(out, "  #    form          in use    allocated  time")?;
    for (k, p) in r.profiles.iter().enumerate() {
        writeln!(
            out,
            "  {:<4} {:<7} {:>12} {:>12}  {}",
            k + 1,
            format!("{:?}", p.format).to_lowercase(),
            fmt_bytes(p.totals.inuse_bytes.max(0) as u64),
            fmt_bytes(p.totals.alloc_bytes.max(0) as u64),
            p.time_unix_ns.map_or("-".into(), |t| format!(
                "+{} s",
                num((t - r.profiles[0].time_unix_ns.unwrap_or(t)) as f64 / 1e9)
            ))
        )?;
    }
    writeln!(out)?;
    let t = r.sample;
    let rows: Vec<_> = r.sites.iter().take(top).collect();
    writeln!(
        out,
        "  verdict          growth        first         last     per min  site"
    )?;
    for s in &rows {
        let v = s.values(t);
        let style = verdict_style(s.verdict);
        writeln!(
            out,
            "  {style}{:<10}{style:#} {:>12} {:>12} {:>12} {:>11}  {}  {DIM}{}:{}{DIM:#}",
            s.verdict.label(),
            fmt_value(s.growth, t),
            fmt_value(v[0], t),
            fmt_value(v[n - 1], t),
            s.growth_per_min
                .map_or("-".into(), |g| fmt_value(g as i64, t)),
            s.function,
            s.file,
            s.line
        )?;
    }
    if r.sites.len() > rows.len() {
        writeln!(
            out,
            "  {DIM}({} more sites){DIM:#}",
            r.sites.len() - rows.len()
        )?;
    }
    writeln!(out)?;
    let (style, word) = match r.leak.verdict {
        HeapLeakVerdict::LikelyLeak => (
            Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            "likely leak",
        ),
        HeapLeakVerdict::PossibleGrowth => (
            Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            "possible growth",
        ),
        HeapLeakVerdict::NoLeakSignal => (Style::new(), "no leak signal"),
    };
    writeln!(out, "  {style}{word}{style:#}: {}", r.leak.evidence)?;
    if let Some(s) = r.sites.iter().find(|s| s.verdict == SiteVerdict::Growing) {
        writeln!(out, "  stack of {}:", s.function)?;
        for f in &s.stack {
            writeln!(out, "    {}  {DIM}{}:{}{DIM:#}", f.function, f.file, f.line)?;
        }
    }
    if let Some(l) = &r.trace {
        match l.explained_mib_per_min {
            Some(e) => writeln!(
                out,
                "  the trace {} shows the live heap growing {} MiB/min; the growing sites explain {} MiB/min of it",
                l.source,
                num(l.live_slope_mib_per_min),
                num(e)
            )?,
            None => writeln!(
                out,
                "  the trace {} shows the live heap growing {} MiB/min; these profiles carry no times, so no rate to compare",
                l.source,
                num(l.live_slope_mib_per_min)
            )?,
        }
    }
    Ok(())
}
