//! GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of
//! `{description, check_name, fingerprint, severity, location{path, lines{begin}}}`,
//! no BOM. The fingerprint is the finding's identity without its line (file, function,
//! kind, subject, occurrence; the one SARIF's `partialFingerprints` use) and the
//! package, so code that moves keeps its findings: GitLab's merge-request widget
//! compares fingerprints, and a line in them reports moved code as fixed and new.

use super::{annotation, fnv, identities};
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
        let chosen: Vec<_> = s.placeable().collect();
        let items: Vec<Value> = chosen
            .iter()
            .zip(identities(chosen.iter().copied()))
            .map(|(d, (h, n))| {
                let b = fnv(&[&h.to_string(), &n.to_string(), &d.package]);
                json!({
                    "description": annotation(d),
                    "check_name": format!("gclens/{}", d.kind.name()),
                    "fingerprint": format!("{h:016x}{b:016x}"),
                    "severity": severity,
                    "location": {"path": d.pos.file, "lines": {"begin": d.pos.line}}
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        Ok(())
    }
}
