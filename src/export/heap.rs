//! `gclens heap --format json|csv|markdown`: the `gclens.heap/v1` document (profiles,
//! sites sorted by growth with their figures in every profile, the leak verdict), one
//! CSV row per site and profile, and a Markdown summary for a pull request or an
//! incident ticket.

use super::md_cell;
use crate::analyze::heap::{HeapReport, fmt_value};
use crate::analyze::summary::fmt_minutes;
use crate::output::Format;
use std::io::Write;

pub const SCHEMA: &str = "gclens.heap/v1";

/// The `gclens.heap/v1` document.
pub struct HeapJson;

impl Format<HeapReport> for HeapJson {
    fn write(&self, r: &HeapReport, out: &mut dyn Write) -> anyhow::Result<()> {
        super::schema_json(SCHEMA, r, out)
    }
}

/// One row per site and profile.
pub struct HeapCsv;

impl Format<HeapReport> for HeapCsv {
    fn write(&self, r: &HeapReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "function",
            "file",
            "line",
            "verdict",
            "profile",
            "source",
            "time_unix_ns",
            "inuse_bytes",
            "inuse_objects",
            "alloc_bytes",
            "alloc_objects",
        ])?;
        for s in &r.sites {
            for (k, p) in r.profiles.iter().enumerate() {
                w.write_record([
                    s.function.clone(),
                    s.file.clone(),
                    s.line.to_string(),
                    s.verdict.label().to_string(),
                    (k + 1).to_string(),
                    p.source.clone(),
                    p.time_unix_ns.map_or(String::new(), |t| t.to_string()),
                    s.inuse_bytes[k].to_string(),
                    s.inuse_objects[k].to_string(),
                    s.alloc_bytes[k].to_string(),
                    s.alloc_objects[k].to_string(),
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    }
}

/// A Markdown summary: the verdict, its evidence, and a table of the top sites.
pub struct HeapMarkdown {
    pub top: usize,
}

impl Format<HeapReport> for HeapMarkdown {
    fn write(&self, r: &HeapReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let n = r.profiles.len();
        let t = r.sample;
        writeln!(out, "### gclens: heap profiles\n")?;
        let span = r
            .span_min
            .map_or(String::new(), |m| format!(" over {}", fmt_minutes(m)));
        writeln!(
            out,
            "{n} profile(s){span}, sample `{}`. **{}**: {}\n",
            t.name(),
            serde_json::to_value(r.leak.verdict)?
                .as_str()
                .unwrap_or("")
                .replace('_', " "),
            md_cell(&r.leak.evidence)
        )?;
        if let Some(l) = &r.trace
            && let Some(e) = l.explained_mib_per_min
        {
            writeln!(
                out,
                "The GC trace shows the live heap growing {:.2} MiB/min; the growing sites explain {e:.2} MiB/min.\n",
                l.live_slope_mib_per_min
            )?;
        }
        writeln!(out, "| verdict | growth | first | last | site | where |")?;
        writeln!(out, "|---|---:|---:|---:|---|---|")?;
        for s in r.sites.iter().take(self.top) {
            let v = s.values(t);
            writeln!(
                out,
                "| {} | {} | {} | {} | `{}` | {}:{} |",
                s.verdict.label(),
                fmt_value(s.growth, t),
                fmt_value(v[0], t),
                fmt_value(v[n - 1], t),
                md_cell(&s.function),
                md_cell(&s.file),
                s.line
            )?;
        }
        if r.sites.len() > self.top {
            writeln!(
                out,
                "\n{} more site(s) in `--format json`.",
                r.sites.len() - self.top
            )?;
        }
        Ok(())
    }
}
