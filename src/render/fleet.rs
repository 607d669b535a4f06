//! `gclens fleet` for people: the counts, then a table of instances worst first
//! (verdict, live heap and its slope, goroutines, GOGC, GOMEMLIMIT, the budget, the time
//! until the budget), then each flagged instance's flags in words. The same table as
//! plain text for a terminal and as Markdown for an issue or a chat.

use crate::analyze::fleet::{FleetReport, Verdict};
use crate::analyze::summary::LeakVerdict;
use crate::output::Format;
use crate::units::fmt_bytes;
use std::fmt::Write as _;
use std::io::Write;

/// The text table; `top` instances listed.
pub struct FleetText {
    pub top: usize,
}

/// The Markdown table; `top` instances listed.
pub struct FleetMarkdown {
    pub top: usize,
}

const HEAD: [&str; 8] = [
    "instance",
    "verdict",
    "live heap",
    "goroutines",
    "GOGC",
    "GOMEMLIMIT",
    "budget",
    "to budget",
];

fn verdict(v: &Verdict) -> &'static str {
    match v.leak.verdict {
        LeakVerdict::LikelyLeak => "LEAK",
        LeakVerdict::PossibleGrowth => "growing?",
        LeakVerdict::InsufficientData => "no data",
        LeakVerdict::NoLeakSignal if v.goroutines.as_ref().is_some_and(|g| g.growing) => {
            "goroutines"
        }
        LeakVerdict::NoLeakSignal if !v.flags.is_empty() => "settings",
        LeakVerdict::NoLeakSignal => "ok",
    }
}

fn bytes(b: Option<f64>) -> String {
    b.map_or("-".into(), |b| fmt_bytes(b as u64))
}

/// One row's cells, as [`HEAD`] names them.
fn row(v: &Verdict) -> [String; 8] {
    let live = v.trend.as_ref().map_or("-".into(), |t| {
        format!(
            "{:.0}→{:.0} MiB {:+.1} MiB/h",
            t.start_mib,
            t.end_mib,
            t.slope_mib_per_min * 60.0
        )
    });
    let g = v.goroutines.as_ref().map_or("-".into(), |g| {
        format!(
            "{:.0}→{:.0}{}",
            g.first,
            g.last,
            if g.growing { " ↑" } else { "" }
        )
    });
    [
        v.name(),
        verdict(v).into(),
        live,
        g,
        v.gogc.map_or("-".into(), |g| {
            if g < 0.0 {
                "off".into()
            } else {
                format!("{g:.0}")
            }
        }),
        bytes(v.gomemlimit_bytes),
        bytes(v.budget_bytes),
        v.hours_to_budget.map_or("-".into(), |h| {
            if h < 48.0 {
                format!("{h:.1} h")
            } else {
                format!("{:.1} d", h / 24.0)
            }
        }),
    ]
}

fn head(r: &FleetReport) -> String {
    format!(
        "{} Go instance(s): {} leaking, {} possibly growing, {} with growing goroutines, {} with settings flagged",
        r.instances, r.leaking, r.possibly_growing, r.goroutines_growing, r.flagged
    )
}

/// Why each listed instance that leaks or is flagged is: its evidence and flags.
fn flags(r: &FleetReport, top: usize, s: &mut String) {
    for v in r.verdicts.iter().take(top) {
        let leak = matches!(
            v.leak.verdict,
            LeakVerdict::LikelyLeak | LeakVerdict::PossibleGrowth
        );
        if !leak && v.flags.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{}", v.name());
        if leak {
            let src = v.live_source.map_or("", |l| l.label());
            let _ = writeln!(s, "    {} ({src})", v.leak.evidence);
        }
        for f in &v.flags {
            let _ = writeln!(s, "    {}: {}", f.code, f.text);
        }
    }
}

impl Format<FleetReport> for FleetText {
    fn write(&self, r: &FleetReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut s = format!("{}\n\n", head(r));
        let rows: Vec<[String; 8]> = r.verdicts.iter().take(self.top).map(row).collect();
        let width = |k: usize| {
            rows.iter()
                .map(|c| c[k].chars().count())
                .chain([HEAD[k].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..HEAD.len()).map(width).collect();
        let line = |cells: &[String]| {
            let mut l = String::new();
            for (k, c) in cells.iter().enumerate() {
                let pad = widths[k].saturating_sub(c.chars().count());
                l.push_str(c);
                if k + 1 < cells.len() {
                    l.push_str(&" ".repeat(pad + 2));
                }
            }
            l.trim_end().to_string() + "\n"
        };
        s.push_str(&line(&HEAD.map(String::from)));
        for c in &rows {
            s.push_str(&line(c));
        }
        if r.verdicts.len() > self.top {
            let _ = writeln!(
                s,
                "… {} more (--top, or --format json)",
                r.verdicts.len() - self.top
            );
        }
        s.push('\n');
        flags(r, self.top, &mut s);
        out.write_all(s.as_bytes())?;
        Ok(())
    }
}

impl Format<FleetReport> for FleetMarkdown {
    fn write(&self, r: &FleetReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut s = format!("## gclens fleet\n\n{}\n\n", head(r));
        let cell = |c: &str| c.replace('|', "\\|");
        let _ = writeln!(s, "| {} |", HEAD.join(" | "));
        let _ = writeln!(s, "|{}", "---|".repeat(HEAD.len()));
        for v in r.verdicts.iter().take(self.top) {
            let c = row(v).map(|c| cell(&c));
            let _ = writeln!(s, "| {} |", c.join(" | "));
        }
        s.push_str("\n<details><summary>Why</summary>\n\n```\n");
        flags(r, self.top, &mut s);
        s.push_str("```\n</details>\n");
        out.write_all(s.as_bytes())?;
        Ok(())
    }
}
