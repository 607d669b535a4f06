//! Escape-analysis and inlining diagnostics (`go build -gcflags=-m`, `-m=2`), as text
//! of any Go version, inside the `go build -json` wrapper (1.24+), or as the compiler's
//! own `-json=0,DIR` logopt directory ([`logopt`]).
//!
//! The text is read line by line: `# importpath` starts a package; `POS: MESSAGE` is a
//! diagnostic ([`message::classify`]); a `-m=2` header (`x escapes to heap[ in F]:`,
//! `parameter p leaks to R …:`) opens an explanation whose indented `flow:`/`from` lines
//! follow, and which is attached to the summary line printed after it at the same
//! position about the same subject (Go ≤ 1.12 printed the steps after the summary; they
//! are attached to it too). A line of the wrapper (`{"ImportPath":…,"Action":
//! "build-output","Output":…}`) is unwrapped and its text read the same way, so a file
//! may mix both. Anything else is counted as foreign, never fatal.

pub mod logopt;
pub mod message;
pub mod pos;

use crate::model::escape::{Diagnostic, EscapeSet, Explanation, Kind, Pos};
use rustc_hash::FxHashMap;

/// Reads one input's lines into an [`EscapeSet`].
pub struct TextParser {
    set: EscapeSet,
    package: String,
    line_no: u64,
    /// Explanation blocks waiting for their summary line, by (position, subject).
    pending: FxHashMap<(Pos, String), Vec<Explanation>>,
    /// The block the next step lines go to.
    open: Option<(Pos, String)>,
    /// The last diagnostic, for Go ≤ 1.12 steps that follow their summary.
    last: Option<usize>,
    /// The text of an unfinished line inside the JSON wrapper.
    wrapped: String,
    /// Where this package's diagnostics start in the set.
    package_start: usize,
}

/// The bytes as text: valid UTF-8 borrowed (the fast check), anything else repaired.
fn text_of(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// Reads every input into one set: files (text or the `go build -json` wrapper), stdin
/// (`-`, or when nothing is given), logopt directories (given as files or `logopts`).
pub fn load(files: &[String], logopts: &[String]) -> anyhow::Result<EscapeSet> {
    use crate::input::{self, Chunk, Input};
    let files = if logopts.is_empty() {
        input::files_or_stdin(files)
    } else {
        files.to_vec()
    };
    let mut all = EscapeSet::new();
    for f in &files {
        if f != "-" && std::path::Path::new(f).is_dir() {
            all.extend(logopt::read_dir(std::path::Path::new(f))?);
            continue;
        }
        let mut p = TextParser::new(if f == "-" { "<stdin>" } else { f });
        match input::open(f)? {
            Input::Whole(data) => {
                p.feed(&data);
                data.check(f)?;
            }
            Input::Stream(mut r) => input::for_each_block(&mut r, &|_| {}, |c| match c {
                Chunk::Lines(l) => p.feed(l.strip_suffix(b"\n").unwrap_or(l)),
                Chunk::LongLine => p.line(b""),
            })
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", input::display_name(f)))?,
        }
        all.extend(p.finish());
    }
    for d in logopts {
        all.extend(logopt::read_dir(std::path::Path::new(d))?);
    }
    Ok(all)
}

/// Parses a whole input.
pub fn parse_bytes(name: &str, data: &[u8]) -> EscapeSet {
    let mut p = TextParser::new(name);
    p.feed(data);
    p.finish()
}

impl TextParser {
    pub fn new(name: &str) -> Self {
        let mut set = EscapeSet::new();
        set.sources.push(name.to_string());
        TextParser {
            set,
            package: String::new(),
            line_no: 0,
            pending: FxHashMap::default(),
            open: None,
            last: None,
            wrapped: String::new(),
            package_start: 0,
        }
    }

    /// Whole lines (a last line without `\n` is a line).
    pub fn feed(&mut self, data: &[u8]) {
        for line in data.split(|&b| b == b'\n') {
            self.line(line);
        }
    }

    /// One input line, without its `\n` (a trailing `\r` is ignored).
    pub fn line(&mut self, raw: &[u8]) {
        self.line_no += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.starts_with(b"{\"") {
            return self.wrapper(raw);
        }
        self.text(raw);
    }

    fn wrapper(&mut self, raw: &[u8]) {
        #[derive(serde::Deserialize)]
        struct Event {
            #[serde(rename = "Action")]
            action: Option<String>,
            #[serde(rename = "Output")]
            output: Option<String>,
        }
        match serde_json::from_slice::<Event>(raw) {
            Ok(e) if e.action.as_deref() == Some("build-output") => {
                let mut text = std::mem::take(&mut self.wrapped);
                text.push_str(e.output.as_deref().unwrap_or(""));
                let mut rest = text.as_str();
                while let Some(i) = rest.find('\n') {
                    self.text(&rest.as_bytes()[..i]);
                    rest = &rest[i + 1..];
                }
                if rest.len() > crate::input::MAX_LINE {
                    // wrapped Output pieces that never end their line: not a diagnostic,
                    // and not to be kept growing
                    let name = self.set.sources.first().cloned().unwrap_or_default();
                    self.malformed(format!(
                        "{name}:{}: a wrapped line longer than 1 MiB, skipped",
                        self.line_no
                    ));
                    rest = "";
                }
                self.wrapped = rest.to_string();
            }
            Ok(_) => {}
            Err(e) => {
                let name = self.set.sources.first().cloned().unwrap_or_default();
                self.malformed(format!("{name}:{}: {e}", self.line_no))
            }
        }
    }

    fn malformed(&mut self, what: String) {
        let s = &mut self.set.skipped;
        s.malformed += 1;
        if s.examples.len() < 5 {
            s.examples.push(what);
        }
    }

    fn text(&mut self, raw: &[u8]) {
        if let Some(pkg) = raw.strip_prefix(b"# ") {
            self.end_package();
            self.package = String::from_utf8_lossy(pkg).trim().to_string();
            self.package_start = self.set.diagnostics.len();
            return;
        }
        let (raw_pos, m) = match pos::split_raw(raw) {
            Some((p, m)) => (Some(p), m),
            None => (None, raw),
        };
        if m.starts_with(b" ") || m.starts_with(b"\t") {
            return self.step(raw_pos, &text_of(m));
        }
        let m = text_of(m);
        let pos = raw_pos.map_or_else(Pos::none, |p| p.to_pos());
        self.open = None;
        if m.trim().is_empty() {
            return;
        }
        if let Some((subject, function)) = message::header(&m) {
            let key = (pos, subject.to_string());
            let e = Explanation {
                header: m[..m.len() - 1].to_string(),
                function: function.map(str::to_string),
                steps: vec![],
            };
            self.pending.entry(key.clone()).or_default().push(e);
            self.open = Some(key);
            return;
        }
        let c = message::classify(&m);
        if c.kind == Kind::Other && pos.line == 0 && pos.file.is_empty() {
            self.set.skipped.foreign += 1;
            return;
        }
        let key = (pos, c.subject.to_string());
        let explanation = self.pending.remove(&key).unwrap_or_default();
        let function = c
            .function
            .map(str::to_string)
            .or_else(|| explanation.iter().find_map(|e| e.function.clone()));
        let d = Diagnostic {
            package: self.package.clone(),
            pos: key.0,
            function,
            kind: c.kind,
            subject: key.1,
            message: m.into_owned(),
            count: 1,
            explanation,
        };
        self.last = Some(self.set.push(d));
    }

    fn step(&mut self, pos: Option<pos::RawPos>, m: &str) {
        let same = |p: &Pos| pos.map_or(p.line == 0 && p.file.is_empty(), |r| r.is(p));
        let step = message::step(m);
        if let Some(key) = &self.open
            && same(&key.0)
            && let Some(e) = self.pending.get_mut(key).and_then(|v| v.last_mut())
        {
            e.steps.push(step);
            return;
        }
        if let Some(i) = self.last
            && same(&self.set.diagnostics[i].pos)
        {
            let d = &mut self.set.diagnostics[i];
            if d.explanation.is_empty() {
                d.explanation.push(Explanation {
                    header: d.message.clone(),
                    function: None,
                    steps: vec![],
                });
            }
            if let Some(e) = d.explanation.last_mut() {
                e.steps.push(step);
            }
            return;
        }
        self.set.skipped.orphan_steps += 1;
    }

    /// Explanations whose summary never came: attached to a diagnostic at the same
    /// place, or kept as `other` diagnostics with the header as their text.
    fn end_package(&mut self) {
        self.open = None;
        self.last = None;
        if self.pending.is_empty() {
            return;
        }
        let mut left: Vec<_> = self.pending.drain().collect();
        left.sort_by(|a, b| a.0.cmp(&b.0));
        // The last diagnostic of this package at each place.
        let mut at_pos: FxHashMap<Pos, usize> = FxHashMap::default();
        for (i, d) in self
            .set
            .diagnostics
            .iter()
            .enumerate()
            .skip(self.package_start)
        {
            if d.package == self.package {
                at_pos.insert(d.pos.clone(), i);
            }
        }
        for ((pos, subject), es) in left {
            match at_pos.get(&pos).copied() {
                Some(i) => self.set.diagnostics[i].explanation.extend(es),
                None => {
                    for e in es {
                        let d = Diagnostic {
                            package: self.package.clone(),
                            pos: pos.clone(),
                            function: e.function.clone(),
                            kind: Kind::Other,
                            subject: subject.clone(),
                            message: e.header.clone(),
                            count: 1,
                            explanation: vec![e],
                        };
                        // later blocks at this place (the same parameter under
                        // another name) join it
                        let i = self.set.push(d);
                        at_pos.insert(pos.clone(), i);
                    }
                }
            }
        }
    }

    pub fn finish(mut self) -> EscapeSet {
        if !self.wrapped.is_empty() {
            let rest = std::mem::take(&mut self.wrapped);
            self.text(rest.as_bytes());
        }
        self.end_package();
        self.set
    }
}
