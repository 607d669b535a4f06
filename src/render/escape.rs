//! The `gclens escape` terminal report: totals per kind, where the heap allocations are
//! (by package, file and function), each heap allocation with its reason in one line,
//! and what was skipped; and the `escape diff` summary.

use crate::analyze::escape::diff::EscapeDiff;
use crate::analyze::escape::{DiffReport, EscapeReport, Selection, rank, reason, totals};
use crate::model::escape::Diagnostic;
use crate::output::Format;
use anstyle::Style;
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn ranking(out: &mut dyn Write, title: &str, rows: &[(String, u64)], top: usize) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "{BOLD}Heap allocations by {title}{BOLD:#}")?;
    for (name, n) in rows.iter().take(top) {
        writeln!(out, "  {n:>6}  {name}")?;
    }
    if rows.len() > top {
        let rest: u64 = rows[top..].iter().map(|r| r.1).sum();
        writeln!(out, "  {rest:>6}  {DIM}({} more){DIM:#}", rows.len() - top)?;
    }
    writeln!(out)
}

fn finding(out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
    let f = d.function.as_deref().unwrap_or("");
    let times = if d.count > 1 {
        format!(" ×{}", d.count)
    } else {
        String::new()
    };
    writeln!(
        out,
        "  {}  {DIM}{f}{DIM:#}  {}{times}",
        d.pos.display(),
        d.message
    )?;
    let why = reason(d);
    if !why.is_empty() {
        writeln!(out, "      {DIM}why:{DIM:#} {why}")?;
    }
    Ok(())
}

/// `gclens escape` for people: totals, rankings of `top` rows, every heap allocation.
pub struct EscapeText {
    pub top: usize,
}

impl Format<Selection<'_>> for EscapeText {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write_report(out, s.report, &s.chosen, self.top)?)
    }
    fn styled(&self) -> bool {
        true
    }
}

/// `gclens escape diff` for people.
pub struct DiffText;

impl Format<DiffReport> for DiffText {
    fn write(&self, r: &DiffReport, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write_diff(out, &r.diff, &r.base_name, &r.head_name)?)
    }
    fn styled(&self) -> bool {
        true
    }
}

/// Writes the report over the chosen diagnostics.
fn write_report(
    out: &mut dyn Write,
    r: &EscapeReport,
    chosen: &[&Diagnostic],
    top: usize,
) -> io::Result<()> {
    let set = &r.set;
    let printed: u64 = chosen.iter().map(|d| u64::from(d.count)).sum();
    let packages: std::collections::BTreeSet<_> = chosen.iter().map(|d| &d.package).collect();
    writeln!(
        out,
        "{BOLD}gclens escape{BOLD:#} {}",
        set.sources.join(", ")
    )?;
    writeln!(
        out,
        "{DIM}{} diagnostics ({} lines, repeats merged) in {} package(s){DIM:#}\n",
        chosen.len(),
        printed,
        packages.len()
    )?;
    writeln!(out, "{BOLD}Totals{BOLD:#}")?;
    for (k, n) in &totals(chosen.iter().copied()) {
        let mark = if k.is_heap() { "  heap" } else { "" };
        writeln!(out, "  {:<24}{n:>7}{DIM}{mark}{DIM:#}", k.name())?;
    }
    writeln!(out)?;
    let heap: Vec<&Diagnostic> = chosen
        .iter()
        .copied()
        .filter(|d| d.kind.is_heap())
        .collect();
    let by = |key: &dyn Fn(&Diagnostic) -> String| rank(heap.iter().copied(), key);
    ranking(out, "package", &by(&|d| d.package.clone()), top)?;
    ranking(out, "file", &by(&|d| d.pos.file.clone()), top)?;
    ranking(
        out,
        "function",
        &by(&|d| {
            format!(
                "{}  {DIM}{}{DIM:#}",
                d.function.as_deref().unwrap_or("(outside functions)"),
                d.pos.file
            )
        }),
        top,
    )?;
    if !heap.is_empty() {
        let mut sorted = heap.clone();
        sorted.sort_by(|a, b| a.pos.cmp(&b.pos));
        writeln!(out, "{BOLD}Heap allocations ({}){BOLD:#}", sorted.len())?;
        for d in &sorted {
            finding(out, d)?;
        }
        writeln!(out)?;
    } else {
        writeln!(out, "No heap allocation among these diagnostics.\n")?;
    }
    let s = &set.skipped;
    if s.foreign + s.orphan_steps + s.malformed > 0 {
        writeln!(
            out,
            "{DIM}skipped: {} other lines, {} explanation lines without a header, {} unreadable records{DIM:#}",
            s.foreign, s.orphan_steps, s.malformed
        )?;
        for e in &s.examples {
            writeln!(out, "{DIM}  {e}{DIM:#}")?;
        }
    }
    Ok(())
}

/// Writes the diff of two builds.
fn write_diff(out: &mut dyn Write, d: &EscapeDiff, base: &str, head: &str) -> io::Result<()> {
    writeln!(out, "{BOLD}gclens escape diff{BOLD:#} {base} → {head}")?;
    writeln!(
        out,
        "{} new, {} removed, {} unchanged ({} moved to another line)\n",
        d.added.len(),
        d.removed.len(),
        d.unchanged + d.moved,
        d.moved
    )?;
    if !d.added.is_empty() {
        writeln!(out, "{BOLD}New heap allocations{BOLD:#}")?;
        for x in &d.added {
            finding(out, x)?;
        }
        writeln!(out)?;
    }
    if !d.removed.is_empty() {
        writeln!(out, "{BOLD}Removed{BOLD:#}")?;
        for x in &d.removed {
            finding(out, x)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
