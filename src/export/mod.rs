//! Outputs for machines, one file per format, each an [`output::Format`] of its report
//! type: the gc timeline as JSON (`gclens.gc/v1`) and CSV, MemStats series as JSON and
//! CSV, the advice as JSON, escape reports as JSON and the review formats (`escape/`).
//! Formats for people are in `render`.
//!
//! [`output::Format`]: crate::output::Format

pub mod advice;
mod cells;
pub mod csv;
pub mod escape;
pub mod fleet;
pub mod fleet_rules;
pub mod goroutines;
pub mod heap;
pub mod json;
mod json_cycle;
pub mod memstats;
pub mod report;
pub mod rows;

/// `t` in seconds with the three decimals the runtime prints.
pub(crate) fn ms_to_s(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// A report as a pretty-printed JSON document: `{"schema": …, …the report's fields}`.
pub(crate) fn schema_json<T: serde::Serialize>(
    schema: &'static str,
    report: &T,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Doc<'a, T> {
        schema: &'static str,
        #[serde(flatten)]
        report: &'a T,
    }
    serde_json::to_writer_pretty(&mut *out, &Doc { schema, report })?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Text for a Markdown table cell: `|` escaped, line breaks flattened.
pub(crate) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}
