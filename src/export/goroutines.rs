//! `gclens goroutines --format json|csv|markdown`: the `gclens.goroutines/v1` document
//! (dumps, groups with their count in every dump, the leak verdict), one CSV row per
//! group and dump, and a Markdown summary for a pull request or an incident ticket.

use super::md_cell;
use crate::analyze::goroutines::{GoroutineReport, title};
use crate::output::Format;
use std::io::Write;

pub const SCHEMA: &str = "gclens.goroutines/v1";

/// The `gclens.goroutines/v1` document.
pub struct GoroutinesJson;

impl Format<GoroutineReport> for GoroutinesJson {
    fn write(&self, r: &GoroutineReport, out: &mut dyn Write) -> anyhow::Result<()> {
        super::schema_json(SCHEMA, r, out)
    }
}

/// One row per group and dump.
pub struct GoroutinesCsv;

impl Format<GoroutineReport> for GoroutinesCsv {
    fn write(&self, r: &GoroutineReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "function",
            "file",
            "line",
            "state",
            "created_by",
            "created_at",
            "verdict",
            "dump",
            "source",
            "count",
            "max_wait_min",
            "leaked",
        ])?;
        for g in &r.groups {
            for (k, d) in r.dumps.iter().enumerate() {
                w.write_record([
                    g.function.clone(),
                    g.file.clone(),
                    g.line.to_string(),
                    g.state.clone().unwrap_or_default(),
                    g.created_by.clone().unwrap_or_default(),
                    g.created_at.clone().unwrap_or_default(),
                    g.verdict.label().to_string(),
                    (k + 1).to_string(),
                    d.source.clone(),
                    g.counts[k].to_string(),
                    g.max_wait_min.map_or(String::new(), |m| m.to_string()),
                    g.leaked_counts[k].to_string(),
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    }
}

/// A Markdown summary: the verdict, its evidence, and a table of the top groups.
pub struct GoroutinesMarkdown {
    pub top: usize,
}

impl Format<GoroutineReport> for GoroutinesMarkdown {
    fn write(&self, r: &GoroutineReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let n = r.dumps.len();
        writeln!(out, "### gclens: goroutines\n")?;
        let word = serde_json::to_value(r.leak.verdict)?
            .as_str()
            .unwrap_or("")
            .replace('_', " ");
        writeln!(
            out,
            "{n} dump(s). **{word}**: {}\n",
            md_cell(&r.leak.evidence)
        )?;
        writeln!(
            out,
            "| verdict | growth | first | last | group | created by | why |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---|---|---|")?;
        for g in r.groups.iter().take(self.top) {
            writeln!(
                out,
                "| {} | {:+} | {} | {} | `{}` | {} | {} |",
                g.verdict.label(),
                g.growth,
                g.counts[0],
                g.counts[n - 1],
                md_cell(&title(g)),
                g.created_by
                    .as_deref()
                    .map_or(String::new(), |c| format!("`{}`", md_cell(c))),
                g.reason.unwrap_or("")
            )?;
        }
        if r.groups.len() > self.top {
            writeln!(
                out,
                "\n{} more group(s) in `--format json`.",
                r.groups.len() - self.top
            )?;
        }
        Ok(())
    }
}
