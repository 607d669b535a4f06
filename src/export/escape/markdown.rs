//! A Markdown summary for a pull-request comment: totals, where the heap allocations
//! are, and the findings themselves (first 50, the rest folded away by count); or, for
//! `escape diff`, what the change adds and removes.

use crate::analyze::escape::diff::EscapeDiff;
use crate::analyze::escape::{DiffReport, Selection};
use crate::analyze::escape::{reason, totals};
use crate::export::md_cell;
use crate::model::escape::Diagnostic;
use crate::output::Format;
use std::io::Write;

pub struct Markdown;

const LIMIT: usize = 50;

/// Inline code that survives backticks in the text.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", md_cell(s))
    } else {
        format!("`{}`", md_cell(s))
    }
}

fn rows(out: &mut dyn Write, ds: &[&Diagnostic]) -> std::io::Result<()> {
    writeln!(out, "| where | function | message | why |")?;
    writeln!(out, "| --- | --- | --- | --- |")?;
    for d in ds.iter().take(LIMIT) {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&d.pos.display()),
            d.function.as_deref().map(code).unwrap_or_default(),
            code(&d.message),
            md_cell(&reason(d))
        )?;
    }
    if ds.len() > LIMIT {
        writeln!(out, "\n…and {} more.", ds.len() - LIMIT)?;
    }
    Ok(())
}

impl Format<Selection<'_>> for Markdown {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let ds: Vec<&Diagnostic> = s.placeable().collect();
        let heap = ds.iter().filter(|d| d.kind.is_heap()).count();
        let packages = ds
            .iter()
            .map(|d| &d.package)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        writeln!(out, "### gclens: escape analysis\n")?;
        writeln!(
            out,
            "**{heap}** heap allocation{} among {} finding{} in {} package{}.\n",
            if heap == 1 { "" } else { "s" },
            ds.len(),
            if ds.len() == 1 { "" } else { "s" },
            packages,
            if packages == 1 { "" } else { "s" },
        )?;
        let totals: std::collections::BTreeMap<_, _> = totals(ds.iter().copied())
            .into_iter()
            .map(|(k, n)| (k.name(), n))
            .collect();
        if !totals.is_empty() {
            writeln!(out, "| kind | count |\n| --- | ---: |")?;
            for (k, n) in &totals {
                writeln!(out, "| {} | {n} |", code(k))?;
            }
            writeln!(out)?;
        }
        let top = s
            .report
            .ranking(|d| d.function.clone().unwrap_or_else(|| d.pos.file.clone()));
        if !top.is_empty() {
            writeln!(
                out,
                "Most heap allocations: {}\n",
                top.iter()
                    .take(5)
                    .map(|(f, n)| format!("{} ({n})", code(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
        if !ds.is_empty() {
            writeln!(out, "<details><summary>Findings</summary>\n")?;
            rows(out, &ds)?;
            writeln!(out, "\n</details>")?;
        }
        Ok(())
    }
}

/// The diff of two builds as a PR comment.
/// `escape diff --format markdown`: a PR comment on what the change adds and removes.
pub struct DiffMarkdown;

impl Format<DiffReport> for DiffMarkdown {
    fn write(&self, r: &DiffReport, out: &mut dyn Write) -> anyhow::Result<()> {
        diff(&r.diff, out)
    }
}

fn diff(d: &EscapeDiff, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "### gclens: heap allocations changed\n")?;
    writeln!(
        out,
        "**{}** new, **{}** removed, {} unchanged ({} of them moved to another line).\n",
        d.added.len(),
        d.removed.len(),
        d.unchanged + d.moved,
        d.moved
    )?;
    if !d.added.is_empty() {
        writeln!(out, "#### New\n")?;
        rows(out, &d.added.iter().collect::<Vec<_>>())?;
        writeln!(out)?;
    }
    if !d.removed.is_empty() {
        writeln!(out, "<details><summary>Removed</summary>\n")?;
        rows(out, &d.removed.iter().collect::<Vec<_>>())?;
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}
