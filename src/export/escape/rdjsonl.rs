//! reviewdog's rdjsonl: one Diagnostic object per line (`reviewdog -f=rdjsonl`).
//! Columns are 1-based UTF-8 bytes, exactly what the compiler prints. A range's end is
//! given only where the source (under the root) has the compiler's expression text at
//! the column; the compiler's text is not always source text (`42 escapes`, `~r0`,
//! `&Cache{...}`), and a guessed end marks the wrong characters.

use super::annotation;
use super::source::Sources;
use crate::analyze::escape::{Level, Selection};
use crate::output::Format;
use serde_json::json;
use std::io::Write;

pub struct Rdjsonl;

impl Format<Selection<'_>> for Rdjsonl {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let severity = match s.level {
            Level::Note => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        };
        let mut sources = Sources::new(s.root.clone());
        for d in s.placeable() {
            let mut start = json!({"line": d.pos.line});
            if d.pos.col > 0 {
                start["column"] = json!(d.pos.col);
            }
            let mut range = json!({"start": start});
            if d.pos.col > 0
                && let Some(end) = sources.byte_end(&d.pos.file, d.pos.line, d.pos.col, &d.subject)
            {
                range["end"] = json!({"line": d.pos.line, "column": end});
            }
            let v = json!({
                "message": annotation(d),
                "location": {"path": d.pos.file, "range": range},
                "severity": severity,
                "source": {"name": "gclens"},
                "code": {"value": d.kind.name()}
            });
            serde_json::to_writer(&mut *out, &v)?;
            writeln!(out)?;
        }
        Ok(())
    }
}
