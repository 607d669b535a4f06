//! GitHub Actions workflow commands: `::notice file=F,line=L,col=C,title=T::MESSAGE`,
//! one per finding, shown on the pull request's diff.
//!
//! Escaping as the runner expects: in the message `%` → `%25`, CR → `%0D`, LF → `%0A`
//! (`%` first); in property values additionally `:` → `%3A` and `,` → `%2C`.

use super::{annotation, describe};
use crate::analyze::escape::{Level, Selection};
use crate::output::Format;
use std::io::Write;

pub struct Github;

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (file, title).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Format<Selection<'_>> for Github {
    fn write(&self, s: &Selection, out: &mut dyn Write) -> anyhow::Result<()> {
        let cmd = match s.level {
            Level::Note => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        };
        for d in s.placeable() {
            let mut props = format!("file={},line={}", escape_property(&d.pos.file), d.pos.line);
            if d.pos.col > 0 {
                props.push_str(&format!(",col={}", d.pos.col));
            }
            let title = format!("gclens: {}", describe(d.kind).0);
            props.push_str(&format!(",title={}", escape_property(&title)));
            writeln!(out, "::{cmd} {props}::{}", escape_data(&annotation(d)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% of x\r\nnext"), "100%25 of x%0D%0Anext");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_property("C:\\x, y.go"), "C%3A\\x%2C y.go");
    }
}
