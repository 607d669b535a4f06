//! The documents' examples as tests (issue 33): every Markdown file's fenced blocks, the
//! `$ command` lines of its ```console blocks with the output shown under them, every
//! `gclens …` line of its shell and CI blocks, and its relative links.
//!
//! A console example runs in bash in a directory that looks like the repository root
//! (`fixtures/` and `docs/` linked, what it writes kept out of the repository) with the test build of
//! `gclens` first on PATH and colour off, its stderr into its stdout (as a terminal shows
//! them), and must print what the page shows: a line that is `...` (or `…`) stands for
//! any number of lines, `[..]` inside a line for any text; trailing blanks are ignored.
//! It must exit 0 unless its output ends with `[exit N]`. trycmd tests Markdown the same
//! way but runs a page's commands in that page's directory, and ours are written to be
//! typed at the repository root (`gclens gc fixtures/…`), hence this small runner.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block: where it starts (1-based line of its first content line), its info
/// string (`console`, `sh`, … or empty) and its text.
pub struct Block {
    pub file: PathBuf,
    pub line: usize,
    pub info: String,
    pub lines: Vec<String>,
}

/// One `$ command` of a console block and the output shown under it.
pub struct Example {
    pub file: PathBuf,
    pub line: usize,
    pub command: String,
    pub expected: Vec<String>,
}

impl Example {
    /// `file:line`, relative to the repository root.
    pub fn at(&self) -> String {
        format!("{}:{}", rel(&self.file), self.line)
    }
}

/// Every Markdown document a reader meets: README, CONTRIBUTING, ARCHITECTURE, the
/// changelog, the book under docs/ and the grammars.
pub fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(super::ROOT);
    let mut v: Vec<PathBuf> = [
        "README.md",
        "CONTRIBUTING.md",
        "ARCHITECTURE.md",
        "CHANGELOG.md",
    ]
    .iter()
    .map(|f| root.join(f))
    .filter(|p| p.exists())
    .collect();
    for dir in ["docs", "grammars"] {
        walk(&root.join(dir), &mut v);
    }
    v.sort();
    v
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// The path relative to the repository root, for messages.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(super::ROOT)
        .unwrap_or(p)
        .display()
        .to_string()
}

/// The fenced blocks of a Markdown file, and its text outside them (code lines blanked,
/// so line numbers stay).
pub fn blocks(file: &Path) -> (Vec<Block>, Vec<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let (mut blocks, mut prose) = (Vec::new(), Vec::new());
    let mut open: Option<(String, Block)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        match &mut open {
            Some((fence, b)) => {
                if t.starts_with(fence.as_str())
                    && t.trim_start_matches(['`', '~']).trim().is_empty()
                {
                    blocks.push(open.take().unwrap().1);
                } else {
                    b.lines.push(line.to_string());
                }
                prose.push(String::new());
            }
            None if t.starts_with("```") || t.starts_with("~~~") => {
                let fence: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
                let info = t[fence.len()..].trim().to_string();
                open = Some((
                    fence,
                    Block {
                        file: file.to_path_buf(),
                        line: i + 2,
                        info,
                        lines: Vec::new(),
                    },
                ));
                prose.push(String::new());
            }
            None => prose.push(line.to_string()),
        }
    }
    assert!(
        open.is_none(),
        "{}: a code block is never closed",
        rel(file)
    );
    (blocks, prose)
}

/// The lines of a shell or CI block, a line ending in `\` joined with the next: (line
/// number, text).
pub fn shell_lines(b: &Block) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = Vec::new();
    let mut continued = false;
    for (i, l) in b.lines.iter().enumerate() {
        match v.last_mut() {
            Some(last) if continued => {
                last.1.push('\n');
                last.1.push_str(l);
            }
            _ => v.push((b.line + i, l.clone())),
        }
        continued = l.ends_with('\\');
    }
    v
}

/// The `$ ` commands of a console block (a line ending in `\` goes on), each with the
/// lines shown under it.
pub fn examples(b: &Block) -> Vec<Example> {
    let mut v: Vec<Example> = Vec::new();
    let mut continued = false;
    for (i, l) in b.lines.iter().enumerate() {
        if continued {
            let e = v.last_mut().unwrap();
            e.command.push('\n');
            e.command.push_str(l);
            continued = l.ends_with('\\');
        } else if let Some(cmd) = l.strip_prefix("$ ") {
            v.push(Example {
                file: b.file.clone(),
                line: b.line + i,
                command: cmd.to_string(),
                expected: Vec::new(),
            });
            continued = l.ends_with('\\');
        } else if let Some(e) = v.last_mut() {
            e.expected.push(l.trim_end().to_string());
        } else {
            panic!(
                "{}:{}: a console block starts with output, not a `$ ` command",
                rel(&b.file),
                b.line + i
            );
        }
    }
    v
}

/// A directory to run examples in, as if it were the repository root: `fixtures` and
/// `docs` are links to the repository's, and what the examples write stays in it.
pub fn workdir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for d in ["fixtures", "docs"] {
        std::os::unix::fs::symlink(Path::new(super::ROOT).join(d), tmp.path().join(d)).unwrap();
    }
    tmp
}

/// The Prometheus the fleet's examples name; tests/fleet.rs runs them against its own.
pub const PROMETHEUS: &str = "http://127.0.0.1:9090";

/// Every `$ ` example of every document's console blocks, in file order.
pub fn console_examples() -> Vec<Example> {
    markdown_files()
        .iter()
        .flat_map(|f| blocks(f).0)
        .filter(|b| b.info == "console")
        .flat_map(|b| examples(&b))
        .collect()
}

/// Whether an example asks a Prometheus (`--prometheus` [`PROMETHEUS`]).
pub fn needs_prometheus(e: &Example) -> bool {
    e.command.contains(&format!("--prometheus {PROMETHEUS}"))
}

/// Runs an example in `dir` (a [`workdir`]; with `replace` applied to its command: a
/// test server's address for the one a page shows) and compares what it prints with what
/// the page shows.
pub fn check(e: &Example, dir: &Path, replace: &[(String, String)]) -> Result<(), String> {
    let mut cmd = e.command.clone();
    for (from, to) in replace {
        cmd = cmd.replace(from, to);
    }
    let bin = super::bin();
    let mut path = std::ffi::OsString::from(bin.parent().unwrap());
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("exec 2>&1\n{cmd}"))
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .map_err(|err| format!("{}: bash: {err}", e.at()))?;
    let got = String::from_utf8_lossy(&out.stdout);
    let mut got: Vec<String> = got.lines().map(|l| l.trim_end().to_string()).collect();
    let code = out.status.code().unwrap_or(-1);
    let mut want = e.expected.clone();
    while want.last().is_some_and(|l| l.is_empty()) {
        want.pop();
    }
    let want_code = match want.last().and_then(|l| l.strip_prefix("[exit ")) {
        Some(n) => {
            let n = n
                .trim_end_matches(']')
                .parse::<i32>()
                .map_err(|_| format!("{}: bad [exit N]", e.at()))?;
            want.pop();
            n
        }
        None => 0,
    };
    while got.last().is_some_and(|l| l.is_empty()) {
        got.pop();
    }
    if code != want_code {
        return Err(format!(
            "{}: `{}` exited {code}, the page says {want_code}; it printed:\n{}",
            e.at(),
            e.command,
            got.join("\n")
        ));
    }
    if !lines_match(&want, &got) {
        return Err(format!(
            "{}: `{}` printed something else than the page shows.\n--- the page\n{}\n--- printed\n{}",
            e.at(),
            e.command,
            want.join("\n"),
            got.join("\n")
        ));
    }
    Ok(())
}

/// `want` (with `...` lines and `[..]` pieces) against `got`.
pub fn lines_match(want: &[String], got: &[String]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if matches!(w.trim(), "..." | "…") => {
            (0..=got.len()).any(|k| lines_match(rest, &got[k..]))
        }
        Some((w, rest)) => got
            .split_first()
            .is_some_and(|(g, more)| line_matches(w, g) && lines_match(rest, more)),
    }
}

fn line_matches(want: &str, got: &str) -> bool {
    let parts: Vec<&str> = want.split("[..]").collect();
    if parts.len() == 1 {
        return want == got;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !got.starts_with(first) || !got[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &got[first.len()..got.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// The argument lists of every `gclens` invocation in a shell line: words split as a
/// shell does (quotes, backslashes), an invocation starting at a command position and
/// ending at the next operator or redirection.
pub fn invocations(line: &str) -> Vec<Vec<String>> {
    let words = shell_words(line);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let at_start = i == 0
            || matches!(
                words[i - 1].as_str(),
                "|" | ";" | "&&" | "||" | "$" | "run:" | "-" | "sudo" | "(" | "then" | "do"
            )
            || (words[i - 1].contains('=') && !words[i - 1].starts_with('-'));
        if words[i] == "gclens" && at_start {
            let mut args = vec!["gclens".to_string()];
            i += 1;
            while i < words.len() && !is_operator(&words[i]) {
                args.push(words[i].clone());
                i += 1;
            }
            out.push(args);
        } else {
            i += 1;
        }
    }
    out
}

fn is_operator(w: &str) -> bool {
    if w.starts_with("<(") || w.starts_with(">(") {
        return false;
    }
    matches!(w, "|" | ";" | "&&" | "||" | "&" | ")")
        || w.starts_with('>')
        || w.starts_with('<')
        || w.starts_with("2>")
        || w.starts_with("&>")
        || w == "#"
}

fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    let flush = |words: &mut Vec<String>, cur: &mut String, quoted: &mut bool| {
        if !cur.is_empty() || *quoted {
            words.push(std::mem::take(cur));
        }
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                quoted = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        c => cur.push(c),
                    }
                }
            }
            '\\' => cur.extend(chars.next().filter(|c| *c != '\n')),
            // a process substitution, `<(git diff …)`, is one word (a file name)
            '<' | '>' if cur.is_empty() && chars.peek() == Some(&'(') => {
                cur.push(c);
                let mut depth = 0;
                for c in chars.by_ref() {
                    cur.push(c);
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    if depth == 0 {
                        break;
                    }
                }
                flush(&mut words, &mut cur, &mut quoted);
            }
            ' ' | '\t' | '\n' => flush(&mut words, &mut cur, &mut quoted),
            '|' | ';' | '&' | '(' | ')' if cur.is_empty() || !cur.ends_with('=') => {
                flush(&mut words, &mut cur, &mut quoted);
                let mut op = c.to_string();
                if let Some(&n) = chars.peek() {
                    if (c == '|' || c == '&') && n == c {
                        op.push(chars.next().unwrap());
                    }
                }
                words.push(op);
            }
            c => cur.push(c),
        }
    }
    flush(&mut words, &mut cur, &mut quoted);
    words
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped,
/// spaces to `-`.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (a repeated heading gets `-1`, `-2`, …).
pub fn anchors(file: &Path) -> Vec<String> {
    let (_, prose) = blocks(file);
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut out = Vec::new();
    for l in prose {
        if let Some(h) = l.strip_prefix('#') {
            let s = slug(h.trim_start_matches('#'));
            let n = seen.entry(s.clone()).or_insert(0);
            out.push(if *n == 0 { s } else { format!("{s}-{n}") });
            *n += 1;
        }
    }
    out
}
