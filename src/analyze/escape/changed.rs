//! `--changed FILE.diff`: keep only findings on lines a unified diff adds or changes.
//!
//! Reads `git diff` output (any `-U` context, `a/`/`b/` prefixes or none, renames,
//! CRLF): the `+++` line names the new file; inside each `@@ -a,b +c,d @@` hunk, `+`
//! lines are changed lines of the new file, context lines only move the count, `-`
//! lines do not exist in the new file. Deleted files (`+++ /dev/null`) add nothing.

use std::collections::{BTreeSet, HashMap};

/// Changed lines of the new side, by repo-relative path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changed {
    pub files: HashMap<String, BTreeSet<u32>>,
}

impl Changed {
    pub fn contains(&self, file: &str, line: u32) -> bool {
        self.files.get(file).is_some_and(|s| s.contains(&line))
    }
}

/// Parses a unified diff. Errors name the line of a hunk header that does not parse.
pub fn parse(diff: &[u8]) -> Result<Changed, String> {
    let mut out = Changed::default();
    let mut file: Option<String> = None;
    let mut next_line = 0u32;
    let mut in_hunk = false;
    for (i, raw) in diff.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if let Some(p) = line.strip_prefix("+++ ") {
            let p = p.split('\t').next().unwrap_or(p).trim();
            file = match p {
                "/dev/null" => None,
                _ => Some(p.strip_prefix("b/").unwrap_or(p).to_string()),
            };
            in_hunk = false;
            continue;
        }
        if line.starts_with("--- ") && !in_hunk {
            continue;
        }
        if let Some(h) = line.strip_prefix("@@ ") {
            let new = h
                .split(' ')
                .find_map(|w| w.strip_prefix('+'))
                .ok_or_else(|| format!("line {}: hunk header without +range", i + 1))?;
            let start = new.split(',').next().unwrap_or(new);
            next_line = start
                .parse()
                .map_err(|_| format!("line {}: bad hunk range `{new}`", i + 1))?;
            in_hunk = true;
            continue;
        }
        if !in_hunk {
            continue;
        }
        match raw.first() {
            Some(b'+') => {
                if let Some(f) = &file {
                    out.files.entry(f.clone()).or_default().insert(next_line);
                }
                next_line += 1;
            }
            Some(b' ') => next_line += 1,
            Some(b'-') | Some(b'\\') => {}
            _ => in_hunk = line.is_empty(),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_context_and_context() {
        let d = b"diff --git a/main.go b/main.go\nindex 1..2 100644\n--- a/main.go\n+++ b/main.go\n@@ -10,0 +11,2 @@ func f() {\n+\tx := 1\n+\treturn &x\n@@ -20 +22 @@\n-old\n+new\n";
        let c = parse(d).unwrap();
        assert_eq!(c.files["main.go"], BTreeSet::from([11, 12, 22]));
        let d = b"--- a/s/x.go\r\n+++ b/s/x.go\r\n@@ -1,4 +1,4 @@\r\n package x\r\n-var a = 1\r\n+var a = 2\r\n \r\n func f() {}\r\n";
        let c = parse(d).unwrap();
        assert_eq!(c.files["s/x.go"], BTreeSet::from([2]));
    }

    #[test]
    fn deleted_files_and_no_prefix() {
        let d = b"--- a/gone.go\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n--- x.go\n+++ x.go\n@@ -0,0 +1 @@\n+package x\n";
        let c = parse(d).unwrap();
        assert_eq!(c.files.len(), 1);
        assert!(c.contains("x.go", 1));
        assert!(parse(b"+++ b/a.go\n@@ nonsense @@\n").is_err());
    }
}
