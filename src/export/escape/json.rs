//! The `gclens.escape/v1` document: every chosen diagnostic with its package,
//! function, kind, message, repeat count, one-line reason and `-m=2` explanation;
//! totals per kind; what was skipped. Also the `gclens.escape-diff/v1` document.

use crate::analyze::escape::diff::EscapeDiff;
use crate::analyze::escape::{DiffReport, Selection};
use crate::analyze::escape::{reason, totals};
use crate::model::escape::{Diagnostic, Explanation, Kind, Skipped};
use crate::output::Format;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Serialize)]
struct Item<'a> {
    file: &'a str,
    line: u32,
    col: u32,
    package: &'a str,
    function: Option<&'a str>,
    kind: Kind,
    subject: &'a str,
    message: &'a str,
    count: u32,
    /// Can a review tool place it (inside the repository, with a line)?
    in_repo: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    reason: String,
    explanation: &'a [Explanation],
}

fn item<'a>(d: &'a Diagnostic, in_repo: bool) -> Item<'a> {
    Item {
        file: &d.pos.file,
        line: d.pos.line,
        col: d.pos.col,
        package: &d.package,
        function: d.function.as_deref(),
        kind: d.kind,
        subject: &d.subject,
        message: &d.message,
        count: d.count,
        in_repo,
        reason: if d.kind.is_heap() {
            reason(d)
        } else {
            String::new()
        },
        explanation: &d.explanation,
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    sources: &'a [String],
    totals: BTreeMap<&'static str, u64>,
    diagnostics: Vec<Item<'a>>,
    skipped: &'a Skipped,
}

pub struct Json;

impl Format<Selection<'_>> for Json {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let totals = totals(s.chosen.iter().copied())
            .into_iter()
            .map(|(k, n)| (k.name(), n))
            .collect();
        let doc = Doc {
            schema: "gclens.escape/v1",
            sources: &s.report.set.sources,
            totals,
            diagnostics: s
                .chosen
                .iter()
                .map(|d| item(d, s.report.placeable(d)))
                .collect(),
            skipped: &s.report.set.skipped,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        Ok(())
    }
}

#[derive(Serialize)]
struct DiffDoc<'a> {
    schema: &'static str,
    base: &'a [String],
    head: &'a [String],
    added: Vec<Item<'a>>,
    removed: Vec<Item<'a>>,
    unchanged: usize,
    moved: usize,
}

/// The diff of two builds as JSON.
/// `escape diff --format json`: the `gclens.escape-diff/v1` document.
pub struct DiffJson;

pub const DIFF_SCHEMA: &str = "gclens.escape-diff/v1";

impl Format<DiffReport> for DiffJson {
    fn write(&self, r: &DiffReport, out: &mut dyn Write) -> anyhow::Result<()> {
        diff(&r.diff, &r.base_sources, &r.head.set.sources, out)
    }
}

fn diff(
    d: &EscapeDiff,
    base: &[String],
    head: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let doc = DiffDoc {
        schema: DIFF_SCHEMA,
        base,
        head,
        added: d.added.iter().map(|x| item(x, true)).collect(),
        removed: d.removed.iter().map(|x| item(x, true)).collect(),
        unchanged: d.unchanged,
        moved: d.moved,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}
