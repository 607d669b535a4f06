//! The compiler's own JSON (`-gcflags=-json=0,file:///DIR`): `DIR/<url-escaped
//! package>/<file basename>.json`, a header line then one LSP diagnostic per line.
//!
//! Mapped into the same model as the text: the message is rewritten into the words the
//! text output uses (`moved to heap: x`, `leaking param: p`…) so that a logopt build and
//! a text build of the same code compare equal in `escape diff`. Positions are 1-based
//! (despite LSP); `escflow:` related entries become explanation steps, `inlineLoc` a
//! note. The function names of inlining decisions are not in this format, so those
//! messages name the cost or reason only.

use super::message;
use crate::model::escape::{Diagnostic, EscapeSet, Explanation, Kind, Pos, Step};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Header {
    package: String,
    file: String,
}

#[derive(Deserialize)]
struct LspPos {
    line: u32,
    character: u32,
}

#[derive(Deserialize)]
struct Range {
    start: LspPos,
}

#[derive(Deserialize)]
struct Location {
    uri: String,
    range: Range,
}

#[derive(Deserialize)]
struct Related {
    location: Location,
    message: String,
}

#[derive(Deserialize)]
struct Lsp {
    range: Range,
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "relatedInformation")]
    related: Vec<Related>,
}

/// Every `.json` file under `dir`, in path order.
fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads a whole logopt directory.
pub fn read_dir(dir: &Path) -> anyhow::Result<EscapeSet> {
    let mut list = vec![];
    files(dir, &mut list).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let mut set = EscapeSet::new();
    set.sources.push(dir.display().to_string());
    for f in list {
        let data = crate::input::read_file(&f)?;
        parse_file(&f.display().to_string(), &data, &mut set);
        data.check(&f.display().to_string())?;
    }
    Ok(set)
}

/// `file:///a/b%20c.go` → `/a/b c.go`.
fn uri_path(uri: &str) -> String {
    let p = uri.strip_prefix("file://").unwrap_or(uri);
    let b = p.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One logopt file into `set`; unreadable lines are counted as malformed.
pub fn parse_file(name: &str, data: &[u8], set: &mut EscapeSet) {
    let mut lines = data.split(|&b| b == b'\n').enumerate();
    let header = lines
        .next()
        .and_then(|(_, l)| serde_json::from_slice::<Header>(l).ok());
    let Some(header) = header else {
        bad(set, format!("{name}:1: not a compiler -json header"));
        return;
    };
    let mut out: Vec<(Role, Diagnostic)> = vec![];
    for (i, line) in lines {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Lsp>(line) {
            Ok(d) => {
                let role = match (d.code.as_str(), d.message.is_empty()) {
                    ("escape", true) => Role::Summary,
                    ("escape" | "escapes", false) => Role::Header,
                    _ => Role::Plain,
                };
                out.push((role, convert(d, &header)));
            }
            Err(e) => bad(set, format!("{name}:{}: {e}", i + 1)),
        }
    }
    join_allocations(out, set);
}

/// What a record is to the escape pass.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// `escape` without words: an allocation escapes (the `-m` line).
    Summary,
    /// `escape`/`escapes` with words and a flow: why something escapes (the `-m=2`
    /// header). A named variable moved to the heap has only these.
    Header,
    Plain,
}

/// Turns summaries and headers at one position into one diagnostic each, as the text
/// output has them: an allocation (with its explanations) or a moved variable.
fn join_allocations(out: Vec<(Role, Diagnostic)>, set: &mut EscapeSet) {
    let mut headers: std::collections::BTreeMap<(Pos, String), Vec<Diagnostic>> =
        Default::default();
    let mut rest = vec![];
    for (role, d) in out {
        match role {
            Role::Header => headers
                .entry((d.pos.clone(), d.subject.clone()))
                .or_default()
                .push(d),
            _ => rest.push((role, d)),
        }
    }
    for (role, mut d) in rest {
        if role == Role::Summary {
            // the first header at this position (keys sort by position first)
            let key = headers
                .range((d.pos.clone(), String::new())..)
                .next()
                .map(|(k, _)| k.clone())
                .filter(|(p, _)| *p == d.pos);
            if let Some(key) = key {
                let hs = headers.remove(&key).unwrap_or_default();
                d.subject = key.1;
                d.message = format!("{} escapes to heap", d.subject);
                let own = std::mem::take(&mut d.explanation);
                d.explanation = hs
                    .into_iter()
                    .flat_map(|h| h.explanation)
                    .chain(own)
                    .collect();
            }
        }
        set.push(d);
    }
    for (_, hs) in headers {
        let mut it = hs.into_iter();
        let Some(mut d) = it.next() else { continue };
        d.explanation.extend(it.flat_map(|h| h.explanation));
        set.push(d);
    }
}

fn bad(set: &mut EscapeSet, what: String) {
    set.skipped.malformed += 1;
    if set.skipped.examples.len() < 5 {
        set.skipped.examples.push(what);
    }
}

/// The words the text output would have printed.
fn words(code: &str, m: &str) -> (Kind, String, String) {
    let subject_of = |s: &str| s.strip_suffix(" escapes to heap").unwrap_or(s).to_string();
    match code {
        "escape" if m.is_empty() => (Kind::EscapesToHeap, String::new(), "escapes to heap".into()),
        "escape" => {
            let s = subject_of(m);
            (Kind::MovedToHeap, s.clone(), format!("moved to heap: {s}"))
        }
        "escapes" => {
            let s = subject_of(m);
            (
                Kind::EscapesToHeap,
                s.clone(),
                format!("{s} escapes to heap"),
            )
        }
        "leak" => leak(m),
        "canInlineFunction" => (Kind::CanInline, String::new(), format!("can inline ({m})")),
        "cannotInlineFunction" | "cannotInlineCall" => (
            Kind::CannotInline,
            String::new(),
            format!("cannot inline: {m}"),
        ),
        "nilcheck" => (Kind::NilCheck, String::new(), "nil check".into()),
        "isInBounds" => (Kind::BoundsCheck, String::new(), "bounds check".into()),
        "isSliceInBounds" => (
            Kind::BoundsCheck,
            String::new(),
            "slice bounds check".into(),
        ),
        _ if m.is_empty() => (Kind::Other, String::new(), code.to_string()),
        _ => (Kind::Other, String::new(), format!("{code}: {m}")),
    }
}

/// `parameter p leaks to R with derefs=N` → the summary line the text prints.
fn leak(m: &str) -> (Kind, String, String) {
    let parsed = m.strip_prefix("parameter ").and_then(|s| {
        let (p, rest) = s.split_once(" leaks to ")?;
        let (to, derefs) = rest.rsplit_once(" with derefs=")?;
        Some((p, to, derefs.parse::<i64>().ok()?))
    });
    match parsed {
        Some((p, "{heap}", 0)) => (Kind::LeakingParam, p.into(), format!("leaking param: {p}")),
        Some((p, "{heap}", _)) => (
            Kind::LeakingParamContent,
            p.into(),
            format!("leaking param content: {p}"),
        ),
        Some((p, to, n)) if to.starts_with('~') => (
            Kind::LeakingParamToResult,
            p.into(),
            format!("leaking param: {p} to result {to} level={n}"),
        ),
        Some((p, _, _)) => (Kind::Other, p.into(), m.to_string()),
        None => (Kind::Other, String::new(), m.to_string()),
    }
}

fn convert(d: Lsp, h: &Header) -> Diagnostic {
    let (kind, subject, text) = words(&d.code, &d.message);
    let mut steps = vec![];
    for r in &d.related {
        let at = format!(
            "{}:{}:{}",
            uri_path(&r.location.uri),
            r.location.range.start.line,
            r.location.range.start.character
        );
        match r.message.strip_prefix("escflow:") {
            Some(s) => match message::step(s) {
                Step::From { expr, reason, .. } => steps.push(Step::From {
                    expr,
                    reason,
                    at: Some(at),
                }),
                other => steps.push(other),
            },
            None => steps.push(Step::Note {
                text: format!("{} {at}", r.message),
            }),
        }
    }
    let explanation = if steps.is_empty() {
        vec![]
    } else {
        vec![Explanation {
            header: if d.message.is_empty() {
                text.clone()
            } else {
                d.message.clone()
            },
            function: None,
            steps,
        }]
    };
    Diagnostic {
        package: h.package.clone(),
        pos: Pos {
            file: h.file.clone(),
            line: d.range.start.line,
            col: d.range.start.character,
        },
        function: None,
        kind,
        message: text,
        subject,
        count: 1,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaks() {
        assert_eq!(
            leak("parameter q leaks to {heap} with derefs=1").0,
            Kind::LeakingParamContent
        );
        assert_eq!(
            leak("parameter q leaks to {heap} with derefs=0").2,
            "leaking param: q"
        );
        assert_eq!(
            leak("parameter x leaks to ~r0 with derefs=0").2,
            "leaking param: x to result ~r0 level=0"
        );
        assert_eq!(
            leak("parameter d leaks to {storage for d} with derefs=0").0,
            Kind::Other
        );
    }

    #[test]
    fn uris() {
        assert_eq!(uri_path("file:///tmp/a%20b/x.go"), "/tmp/a b/x.go");
        assert_eq!(uri_path("file:///x%"), "/x%");
    }
}
