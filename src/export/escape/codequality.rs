//! GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of
//! `{description, check_name, fingerprint, severity, location{path, lines{begin}}}`,
//! no BOM. The fingerprint is unique per finding and includes its location.

use super::{annotation, fnv};
use crate::analyze::escape::{Level, Selection};
use crate::output::Format;
use serde_json::{Value, json};
use std::io::Write;

pub struct CodeQuality;

impl Format<Selection<'_>> for CodeQuality {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let severity = match s.level {
            Level::Note => "info",
            Level::Warning => "minor",
            Level::Error => "major",
        };
        let mut seen = std::collections::HashSet::new();
        let items: Vec<Value> = s
            .placeable()
            .filter_map(|d| {
                let line = d.pos.line.to_string();
                let col = d.pos.col.to_string();
                let parts = [
                    d.pos.file.as_str(),
                    &line,
                    &col,
                    d.kind.name(),
                    &d.subject,
                    &d.message,
                ];
                let a = fnv(&parts);
                let b = fnv(&[&a.to_string(), &d.package]);
                let fingerprint = format!("{a:016x}{b:016x}");
                seen.insert(fingerprint.clone()).then(|| {
                    json!({
                        "description": annotation(d),
                        "check_name": format!("gclens/{}", d.kind.name()),
                        "fingerprint": fingerprint,
                        "severity": severity,
                        "location": {"path": d.pos.file, "lines": {"begin": d.pos.line}}
                    })
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        Ok(())
    }
}
