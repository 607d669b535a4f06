//! `gclens report` for machines and for pull requests: the `gclens.report/v1` JSON
//! document (the verdict and its findings first, then every section as the analyses
//! computed it), and Markdown that fits in a GitHub comment (under 65,536 characters,
//! the evidence folded under `<details>`).

use crate::analyze::report::{AdvicePart, IncidentReport};
use crate::output::Format;
use crate::units::{fmt_bytes, num};
use std::fmt::Write as _;
use std::io::Write;

/// The `gclens.report/v1` document.
pub struct ReportJson;

impl Format<IncidentReport> for ReportJson {
    fn write(&self, r: &IncidentReport, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut *out, r)?;
        writeln!(out)?;
        Ok(())
    }
}

/// Markdown for a pull request, an issue or a chat.
pub struct ReportMarkdown {
    pub top: usize,
}

/// GitHub's limit for a comment body.
pub const MAX_CHARS: usize = 65_536;

impl Format<IncidentReport> for ReportMarkdown {
    fn write(&self, r: &IncidentReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut s = markdown(r, self.top);
        if s.len() > MAX_CHARS - 200 {
            let cut = s[..MAX_CHARS - 400].rfind('\n').unwrap_or(0);
            s.truncate(cut);
            s.push_str(
                "\n\n… cut to fit a comment: `gclens report --format json` has all of it.\n",
            );
        }
        out.write_all(s.as_bytes())?;
        Ok(())
    }
}

fn b(v: i64) -> String {
    fmt_bytes(v.max(0) as u64)
}

/// `|` inside a table cell would end it.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(r: &IncidentReport, top: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## gclens report: {}\n", r.verdict.leaking.label());
    let _ = writeln!(s, "{}\n", r.verdict.summary);
    let _ = writeln!(s, "_{}_\n", r.inputs_line());
    let g = &r.growth;
    let _ = writeln!(s, "### 1. Is memory growing? {}\n", g.signal.label());
    let _ = writeln!(s, "| evidence | says | figures |\n|---|---|---|");
    if let Some(t) = &g.trace {
        let _ = writeln!(
            s,
            "| gctrace | {} | {} |",
            t.signal.label(),
            cell(&t.evidence)
        );
    }
    if let Some(m) = &g.memstats {
        let _ = writeln!(
            s,
            "| MemStats ({} snapshots) | {} | HeapAlloc {} → {} |",
            m.snapshots,
            m.signal.label(),
            m.heap_alloc_first.map_or("?".into(), fmt_bytes),
            m.heap_alloc_last.map_or("?".into(), fmt_bytes)
        );
    }
    if let Some(p) = &g.profiles {
        let _ = writeln!(
            s,
            "| heap profiles ({}) | {} | in use {} → {}{} |",
            p.profiles,
            p.signal.label(),
            b(p.inuse_first),
            b(p.inuse_last),
            p.mib_per_min
                .map(|m| format!(", {} MiB/min", num(m)))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "\n{}\n", g.cross_check);
    if let Some(h) = &r.heap {
        let _ = writeln!(s, "### 2. Where?\n");
        if h.growing.is_empty() {
            let _ = writeln!(s, "No site grows across the profiles.\n");
        } else {
            let _ = writeln!(s, "| site | share | MiB/min | in use |\n|---|--:|--:|---|");
            for l in h.growing.iter().take(top) {
                let _ = writeln!(
                    s,
                    "| `{}` `{}:{}` | {} | {} | {} → {} |",
                    l.function,
                    l.file,
                    l.line,
                    l.share_pct.map(|p| format!("{p:.0} %")).unwrap_or_default(),
                    l.mib_per_min.map(num).unwrap_or_default(),
                    b(l.inuse_first),
                    b(l.inuse_last)
                );
            }
        }
        if let Some(a) = &h.accounts {
            let _ = writeln!(s, "\n{a}\n");
        }
        if !h.decoys.is_empty() {
            let _ = writeln!(
                s,
                "<details><summary>Not the leak ({} sites)</summary>\n",
                h.decoys.len()
            );
            for l in &h.decoys {
                let what = l.decoy_phrase();
                let _ = writeln!(s, "- `{}` `{}:{}`: {what}", l.function, l.file, l.line);
            }
            let _ = writeln!(s, "\n</details>\n");
        }
    }
    if let Some(gr) = &r.goroutines {
        let totals: Vec<String> = gr.dumps.iter().map(|d| d.total.to_string()).collect();
        let _ = writeln!(
            s,
            "### 3. Goroutines? {}\n\n{}\n",
            totals.join(" → "),
            gr.leak.evidence
        );
        let growing: Vec<_> = gr
            .groups
            .iter()
            .filter(|g| g.verdict == crate::analyze::goroutines::GroupVerdict::Growing || g.leaked)
            .take(top)
            .collect();
        if !growing.is_empty() {
            let _ = writeln!(
                s,
                "| group | state | counts | proven leaked | created by |\n|---|---|---|--:|---|"
            );
        }
        for g in growing {
            let counts: Vec<String> = g.counts.iter().map(|c| c.to_string()).collect();
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | `{}` |",
                g.function,
                cell(g.state.as_deref().unwrap_or("?")),
                counts.join(" → "),
                g.leaked_counts.last().copied().unwrap_or(0),
                g.created_at
                    .as_deref()
                    .or(g.created_by.as_deref())
                    .unwrap_or("?")
            );
        }
        if let Some((a, z)) = r.stacks_mib {
            let _ = writeln!(s, "\nStacks (gctrace): {a} → {z} MiB");
        }
        s.push('\n');
    }
    if let Some(w) = &r.why {
        let _ = writeln!(s, "### 4. Why on the heap?\n");
        for e in &w.at_sites {
            let _ = writeln!(
                s,
                "- `{}:{}:{}`: {} _(at {})_",
                e.file, e.line, e.col, e.message, e.site
            );
        }
        if w.at_sites.is_empty() {
            let _ = writeln!(s, "No escape diagnostic at the growing sites.");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "### 5. What to set?\n");
    if r.verdict.leaking == crate::analyze::report::Leaking::Yes {
        let _ = writeln!(s, "{}\n", r.leak_first());
    }
    match &r.advice {
        AdvicePart::Advised { advice: a } => {
            let _ = writeln!(
                s,
                "{}`GOGC={}` `GOMEMLIMIT={}`: predicted peak {}, GC CPU {:.1} %",
                if r.time_left.is_some() {
                    "Once it no longer leaks: "
                } else {
                    ""
                },
                a.gogc_env,
                a.gomemlimit_bytes,
                fmt_bytes(a.predicted.peak_bytes),
                a.predicted.gc_cpu_pct
            );
            for w in &a.warnings {
                let _ = writeln!(s, "\n> {}", w.message);
            }
        }
        AdvicePart::Refused { refusal } => {
            let _ = writeln!(s, "No advice: {}", refusal.refused.message);
        }
        AdvicePart::NotAsked { why } => {
            let _ = writeln!(s, "No advice: {why}");
        }
    }
    if !r.missing.is_empty() {
        let _ = writeln!(s, "\n### 6. What is missing?\n");
        for m in &r.missing {
            let _ = writeln!(
                s,
                "- **{}**: {}\n  ```\n  {}\n  ```",
                m.what, m.why, m.command
            );
        }
    }
    if !r.skipped.is_empty() {
        let _ = writeln!(
            s,
            "\n<details><summary>Set aside ({} files)</summary>\n",
            r.skipped.len()
        );
        for k in &r.skipped {
            let _ = writeln!(s, "- `{}`: {}", k.source, k.reason);
        }
        let _ = writeln!(s, "\n</details>");
    }
    s
}
