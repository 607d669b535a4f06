//! Question 4: why on the heap? A growing site is a line (`session/store.go:21`) and a
//! function; the compiler's escape analysis says, at that line, what it moved to the
//! heap and (`-m=2`) the flow that forced it. The profile names files as the binary
//! recorded them (`/home/ci/src/app/session/store.go`, or `example.com/app/session/store.go`
//! under `-trimpath`) and the compiler as it was invoked (`session/store.go`,
//! `./main.go`): they match when one path ends with the other, component by component.

use super::sites::SiteLine;
use crate::model::escape::{Diagnostic, EscapeSet, Explanation, Kind};
use serde::Serialize;

/// An escape diagnostic at a site the report names.
#[derive(Clone, Debug, Serialize)]
pub struct EscapeAt {
    /// The growing heap site it explains (`function file:line`).
    pub site: String,
    /// `line`: at the site's line; `function`: elsewhere in the site's function.
    pub matched_by: &'static str,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub kind: &'static str,
    pub message: String,
    pub explanation: Vec<Explanation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WhyPart {
    /// Diagnostics read.
    pub diagnostics: usize,
    pub at_sites: Vec<EscapeAt>,
    /// Sites the report names that no diagnostic is about (`function file:line`).
    pub unexplained: Vec<String>,
}

/// Does a path the compiler printed name the same file as one the binary recorded?
pub fn same_file(compiler: &str, recorded: &str) -> bool {
    let a = compiler.trim_start_matches("./");
    let (short, long) = if a.len() <= recorded.len() {
        (a, recorded)
    } else {
        (recorded, a)
    };
    !short.is_empty()
        && long.ends_with(short)
        && (long.len() == short.len() || long.as_bytes()[long.len() - short.len() - 1] == b'/')
}

/// Does the compiler's (package, function) name the profile's function
/// (`example.com/app/session.(*Store).Remember`)?
fn same_function(d: &Diagnostic, function: &str) -> bool {
    d.function
        .as_deref()
        .is_some_and(|f| function.strip_prefix(d.package.as_str()) == Some(&format!(".{f}")))
}

fn heap_kind(k: Kind) -> bool {
    matches!(k, Kind::MovedToHeap | Kind::EscapesToHeap)
}

pub fn why(set: &EscapeSet, growing: &[SiteLine]) -> WhyPart {
    // (label, function, file, line) of every site the report names
    let mut sites: Vec<(String, String, String, u32)> = vec![];
    for s in growing {
        let label = format!("{} {}:{}", s.function, s.file, s.line);
        sites.push((label, s.function.clone(), s.file.clone(), s.line));
    }
    let mut at_sites = vec![];
    let mut unexplained = vec![];
    for (label, function, file, line) in sites {
        let on_line: Vec<&Diagnostic> = set
            .diagnostics
            .iter()
            .filter(|d| heap_kind(d.kind) && d.pos.line == line && same_file(&d.pos.file, &file))
            .collect();
        let (found, by) = if on_line.is_empty() {
            let in_fn: Vec<&Diagnostic> = set
                .diagnostics
                .iter()
                .filter(|d| heap_kind(d.kind) && same_function(d, &function))
                .collect();
            (in_fn, "function")
        } else {
            (on_line, "line")
        };
        if found.is_empty() {
            // a site in a package the escape report does not cover (the standard
            // library, a dependency) is not unexplained, only out of its reach
            if set
                .diagnostics
                .iter()
                .any(|d| same_file(&d.pos.file, &file))
            {
                unexplained.push(label);
            }
            continue;
        }
        at_sites.extend(found.into_iter().map(|d| EscapeAt {
            site: label.clone(),
            matched_by: by,
            file: d.pos.file.clone(),
            line: d.pos.line,
            col: d.pos.col,
            kind: d.kind.name(),
            message: d.message.clone(),
            explanation: d.explanation.clone(),
        }));
    }
    WhyPart {
        diagnostics: set.diagnostics.len(),
        at_sites,
        unexplained,
    }
}

#[cfg(test)]
mod tests {
    use super::same_file;

    #[test]
    fn a_compiler_path_matches_the_recorded_one_by_whole_components() {
        let full = "/tmp/gclens-incident/session/store.go";
        assert!(same_file("session/store.go", full));
        assert!(same_file("./main.go", "/tmp/gclens-incident/main.go"));
        assert!(same_file(
            "session/store.go",
            "gclens.example/incident/session/store.go"
        ));
        assert!(same_file(full, full));
        assert!(!same_file("ession/store.go", full));
        assert!(!same_file("store.go", "/tmp/x/restore.go"));
        assert!(!same_file("", full));
        assert!(!same_file("other/store.go", full));
    }
}
