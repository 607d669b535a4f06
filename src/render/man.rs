//! Manual pages as `mandoc -Tlint -W all` and `man` want them. The page generator
//! behind `commands/man.rs` writes correct roff from the command line's definition, but
//! not clean roff: a `.TH` with an empty date slot (so the footer and header shift:
//! "gclens manual / gc 0.1.0"), lower-case titles, `.br` around blank lines (68
//! "skipping paragraph macro" warnings), trailing blanks, text lines of any length,
//! non-ASCII characters as they are, and a synopsis whose options show no values.
//! [`tidy`] rewrites its output line by line; the synopsis itself comes from the
//! caller, who knows the options.

/// What the `.TH` line says besides the page's name.
pub struct Title<'a> {
    /// The section, `1`.
    pub section: &'a str,
    /// The date of the release (`YYYY-MM-DD`).
    pub date: &'a str,
    /// The left footer: `gclens 0.1.0`.
    pub source: &'a str,
    /// The header's centre: `gclens manual`.
    pub manual: &'a str,
}

/// Longest input line a page may have (mandoc's style limit).
const WIDTH: usize = 80;

/// Rewrites a generated page: the `.TH` line from `title` (the name upper-cased), the
/// SYNOPSIS section's text replaced by `synopsis` (roff text), paragraph breaks made
/// one `.sp`, trailing blanks dropped, text lines wrapped to 80 bytes.
pub fn tidy(roff: &str, title: &Title, synopsis: &str) -> String {
    let mut lines: Vec<String> = vec![];
    let mut in_synopsis = false;
    for line in roff.lines() {
        let line = &ascii(line.trim_end());
        if let Some(args) = line.strip_prefix(".TH ") {
            let name = args.split_whitespace().next().unwrap_or("").to_uppercase();
            lines.push(format!(
                ".TH {name} {} {} {} {}",
                title.section,
                quote(title.date),
                quote(title.source),
                quote(title.manual)
            ));
            continue;
        }
        if line.starts_with(".SH") {
            in_synopsis = line == ".SH SYNOPSIS";
            lines.push(line.to_string());
            if in_synopsis {
                lines.extend(synopsis.lines().map(str::to_string));
            }
            continue;
        }
        if in_synopsis {
            continue;
        }
        lines.push(line.to_string());
    }
    let mut out = String::with_capacity(roff.len());
    for line in breaks(lines) {
        wrap(&line, &mut out);
    }
    out
}

/// A run of `.br` and blank lines: `.sp` when it held a blank line (a paragraph
/// break), one `.br` otherwise; none right after a macro that starts a paragraph.
fn breaks(lines: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    let mut run: Option<bool> = None; // Some(blank seen)
    for line in lines {
        if line == ".br" || line.is_empty() {
            let blank = line.is_empty();
            run = Some(run.unwrap_or(false) || blank);
            continue;
        }
        if let Some(blank) = run.take() {
            let after_paragraph = out.last().is_some_and(|l| starts_paragraph(l));
            if !after_paragraph && !starts_paragraph(&line) {
                out.push(if blank { ".sp" } else { ".br" }.to_string());
            }
        }
        out.push(line);
    }
    out
}

/// Macros that begin a paragraph or section, before or after which a break is void.
fn starts_paragraph(line: &str) -> bool {
    [
        ".SH", ".SS", ".PP", ".TP", ".IP", ".RS", ".RE", ".TH", ".sp",
    ]
    .iter()
    .any(|m| line == *m || line.starts_with(&format!("{m} ")))
}

/// Appends `line` to `out`, a text line cut at spaces into lines of at most [`WIDTH`]
/// bytes (a word longer than that stays whole); a piece that would begin with a
/// control character is escaped. Macro lines are kept as they are.
fn wrap(line: &str, out: &mut String) {
    if line.len() <= WIDTH || line.starts_with('.') || line.starts_with('\'') {
        out.push_str(line);
        out.push('\n');
        return;
    }
    let mut current = String::new();
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() && current.len() + 1 + word.len() > WIDTH {
            out.push_str(&current);
            out.push('\n');
            current.clear();
        }
        if current.is_empty() {
            if word.starts_with('.') || word.starts_with('\'') {
                current.push_str("\\&");
            }
        } else {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push_str(&current);
    out.push('\n');
}

/// Non-ASCII characters as roff's `\[uXXXX]` escapes, the portable spelling (and the
/// width mandoc counts).
fn ascii(line: &str) -> String {
    if line.is_ascii() {
        return line.to_string();
    }
    line.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\[u{:04X}]", u32::from(c))
            }
        })
        .collect()
}

/// A `.TH` argument, quoted when it has blanks.
fn quote(s: &str) -> String {
    if s.contains(' ') || s.is_empty() {
        format!("\"{s}\"")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: Title = Title {
        section: "1",
        date: "2026-12-04",
        source: "gclens 0.1.0",
        manual: "gclens manual",
    };

    #[test]
    fn title_paragraphs_blanks_and_width() {
        let page = ".TH gclens-gc 1  \"gc 0.1.0\" \"gclens manual\"\n.SH SYNOPSIS\nold \n.SH OPTIONS\n.TP\nA gate\n.br\n\n.br\n\\fIPossible values:\\fR\n.RS 14\n";
        let long = format!("{} .hidden 'quoted \u{2212}\n", "word ".repeat(30));
        let got = tidy(
            &format!("{page}{long}"),
            &TITLE,
            "\\fBgclens gc\\fR [\\fB\\-\\-x\\fR \\fIN\\fR]",
        );
        assert!(
            got.starts_with(".TH GCLENS-GC 1 2026-12-04 \"gclens 0.1.0\" \"gclens manual\"\n"),
            "{got}"
        );
        assert!(
            got.contains(
                ".SH SYNOPSIS\n\\fBgclens gc\\fR [\\fB\\-\\-x\\fR \\fIN\\fR]\n.SH OPTIONS"
            ),
            "{got}"
        );
        assert!(
            got.contains("A gate\n.sp\n\\fIPossible values:\\fR\n"),
            "{got}"
        );
        assert!(
            got.lines().all(|l| l.len() <= WIDTH && l == l.trim_end()),
            "{got}"
        );
        assert!(
            got.contains("\n\\&.hidden") || got.contains(" .hidden"),
            "{got}"
        );
        assert!(got.contains("\\[u2212]") && got.is_ascii(), "{got}");
        assert!(
            !got.lines()
                .any(|l| l.starts_with(".hidden") || l.starts_with("'quoted")),
            "{got}"
        );
    }
}
