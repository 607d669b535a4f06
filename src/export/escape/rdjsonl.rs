//! reviewdog's rdjsonl: one Diagnostic object per line (`reviewdog -f=rdjsonl`).
//! Columns are 1-based UTF-8 bytes, exactly what the compiler prints.

use super::annotation;
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
        for d in s.placeable() {
            let mut start = json!({"line": d.pos.line});
            if d.pos.col > 0 {
                start["column"] = json!(d.pos.col);
            }
            let mut range = json!({"start": start});
            if d.pos.col > 0 && !d.subject.is_empty() {
                range["end"] =
                    json!({"line": d.pos.line, "column": d.pos.col + d.subject.len() as u32});
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
