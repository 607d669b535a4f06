//! Source lines, for the formats that count columns differently from the compiler.
//!
//! The compiler's columns are 1-based UTF-8 byte offsets (a tab is one); SARIF counts
//! UTF-16 code units by default. With the source at hand the column is converted and
//! the end of the subject found; without it, an ASCII-only prefix cannot be told
//! apart, so the column is left out rather than guessed. Only regular files under the
//! root are read ([`crate::input::read_under`]): whether a column is there must not
//! tell anything about a file outside it.

use std::collections::HashMap;
use std::path::PathBuf;

/// Lazily read files under a root.
pub struct Sources {
    root: Option<PathBuf>,
    files: HashMap<String, Option<Vec<String>>>,
}

impl Sources {
    pub fn new(root: Option<PathBuf>) -> Self {
        Sources {
            root,
            files: HashMap::new(),
        }
    }

    fn line(&mut self, file: &str, line: u32) -> Option<&str> {
        let root = self.root.clone();
        let lines = self.files.entry(file.to_string()).or_insert_with(|| {
            let root = root.or_else(|| std::env::current_dir().ok())?;
            let bytes = crate::input::read_under(&root, std::path::Path::new(file)).ok()?;
            Some(
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(str::to_string)
                    .collect(),
            )
        });
        lines
            .as_ref()?
            .get(line.checked_sub(1)? as usize)
            .map(String::as_str)
    }

    /// The 1-based UTF-8 byte column just past the subject, when the source has the
    /// subject's text at `col` (the compiler's own columns; reviewdog's too).
    pub fn byte_end(&mut self, file: &str, line: u32, col: u32, subject: &str) -> Option<u32> {
        let text = self.line(file, line)?;
        let at = (col as usize).checked_sub(1)?;
        (!subject.is_empty() && text.get(at..)?.starts_with(subject))
            .then(|| col + subject.len() as u32)
    }

    /// (start, end) in UTF-16 code units, 1-based, end exclusive; end only when the
    /// subject's text is found at the column.
    pub fn utf16_span(
        &mut self,
        file: &str,
        line: u32,
        col: u32,
        subject: &str,
    ) -> Option<(u32, Option<u32>)> {
        let text = self.line(file, line)?;
        let at = (col as usize).checked_sub(1)?;
        let prefix = text.get(..at)?;
        let start = prefix.encode_utf16().count() as u32 + 1;
        let end = (!subject.is_empty() && text[at..].starts_with(subject))
            .then(|| start + subject.encode_utf16().count() as u32);
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.go"),
            "x\n\tc.Put(\"größe\", []byte(\"äöü\"))\n",
        )
        .unwrap();
        let mut s = Sources::new(Some(dir.path().to_path_buf()));
        // `[]byte` starts at byte column 19 (ö and ß are two bytes each), UTF-16 unit 17.
        assert_eq!(s.utf16_span("a.go", 2, 19, "[]byte"), Some((17, Some(23))));
        assert_eq!(s.utf16_span("a.go", 2, 2, "nope"), Some((2, None)));
        assert_eq!(s.utf16_span("a.go", 9, 1, ""), None);
        assert_eq!(s.utf16_span("b.go", 1, 1, ""), None);
        // a column inside a multi-byte character is not a column
        assert_eq!(s.utf16_span("a.go", 2, 12, ""), None);
        assert_eq!(s.byte_end("a.go", 2, 19, "[]byte"), Some(25));
        assert_eq!(s.byte_end("a.go", 2, 19, "[]byte(x)"), None);
        assert_eq!(s.byte_end("a.go", 2, 12, "x"), None);
    }
}
