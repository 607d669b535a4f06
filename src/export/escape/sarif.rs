//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).
//!
//! One run; one rule per kind present, with a stable id (the kind's name); results with
//! repo-relative URIs under `%SRCROOT%`, a fingerprint that survives line shifts
//! (file, function, kind, subject and occurrence), and columns in UTF-16 code units
//! (SARIF's default `columnKind`): converted from the compiler's UTF-8 byte columns
//! when the source can be read, left out when it cannot.

use super::source::Sources;
use super::{annotation, describe, identities};
use crate::analyze::escape::{Level, Selection};
use crate::model::escape::Kind;
use crate::output::Format;
use serde_json::{Value, json};
use std::io::Write;

pub struct Sarif;

/// Percent-encodes a relative path for a URI reference (`/` kept).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A rule's name, distinct from its id: `moved_to_heap` → `MovedToHeap`.
fn rule_name(id: &str) -> String {
    id.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// The rule's help, in text and Markdown: what it means, and how to see why (once).
fn help(short: &str, full: &str) -> Value {
    let how = "Run `go build -gcflags=-m=2 ./... 2>&1` for the compiler's explanation.";
    let text = if full.contains("-m=2") {
        full.to_string()
    } else {
        format!("{full} {how}")
    };
    json!({"text": text, "markdown": format!("**{short}**\n\n{text}")})
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Note => "note",
        Level::Warning => "warning",
        Level::Error => "error",
    }
}

impl Format<Selection<'_>> for Sarif {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let chosen: Vec<_> = s.placeable().collect();
        let mut kinds: Vec<Kind> = chosen.iter().map(|d| d.kind).collect();
        kinds.sort();
        kinds.dedup();
        let rules: Vec<Value> = kinds
            .iter()
            .map(|k| {
                let (short, full) = describe(*k);
                json!({
                    "id": k.name(),
                    "name": rule_name(k.name()),
                    "shortDescription": {"text": short},
                    "fullDescription": {"text": full},
                    "help": help(short, full),
                    "defaultConfiguration": {"level": level(s.level)},
                    "properties": {"tags": ["performance", "memory"]}
                })
            })
            .collect();
        let mut sources = Sources::new(s.root.clone());
        let ids = identities(chosen.iter().copied());
        let results: Vec<Value> = chosen
            .iter()
            .zip(ids)
            .map(|(d, (h, n))| {
                let mut region = json!({"startLine": d.pos.line});
                if d.pos.col > 0
                    && let Some((start, end)) =
                        sources.utf16_span(&d.pos.file, d.pos.line, d.pos.col, &d.subject)
                {
                    region["startColumn"] = json!(start);
                    if let Some(e) = end {
                        region["endColumn"] = json!(e);
                    }
                }
                let mut loc = json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&d.pos.file), "uriBaseId": "%SRCROOT%"},
                        "region": region
                    }
                });
                if let Some(f) = &d.function {
                    loc["logicalLocations"] = json!([{
                        "fullyQualifiedName": format!("{}.{f}", d.package),
                        "name": f,
                        "kind": "function"
                    }]);
                }
                json!({
                    "ruleId": d.kind.name(),
                    "ruleIndex": kinds.iter().position(|k| *k == d.kind).unwrap_or(0),
                    "level": level(s.level),
                    "message": {"text": annotation(d)},
                    "locations": [loc],
                    "partialFingerprints": {"primaryLocationLineHash": format!("{h:016x}:{n}")},
                    "properties": {"package": d.package, "count": d.count}
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "gclens",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://crates.io/crates/gclens",
                    "rules": rules
                }},
                // GitHub code scanning's category: a later upload replaces this one's
                // results, not another tool's
                "automationDetails": {"id": "gclens/escape/"},
                "columnKind": "utf16CodeUnits",
                "results": results
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris() {
        assert_eq!(super::uri("a b/größe.go"), "a%20b/gr%C3%B6%C3%9Fe.go");
    }

    #[test]
    fn rule_names_and_help_said_once() {
        assert_eq!(super::rule_name("moved_to_heap"), "MovedToHeap");
        let h = super::help("T", "Does X. Run `go build -gcflags=-m=2` for the flow.");
        assert_eq!(h["text"].as_str().unwrap().matches("-m=2").count(), 1);
        let h = super::help("T", "Does X.");
        assert!(h["text"].as_str().unwrap().contains("-m=2"));
        assert!(h["markdown"].as_str().unwrap().starts_with("**T**"));
    }
}
