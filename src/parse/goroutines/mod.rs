//! Goroutine dumps, detected by content (see grammars/goroutines.md):
//!
//! - debug=1: `goroutine profile: total N` (`goroutineleak profile: total N` for Go
//!   1.26+'s leak profile), then groups `COUNT @ 0x… 0x…` with `#`
//!   frame lines (as in the heap profile) and, in newer releases, `# labels: {…}`;
//! - debug=2 and tracebacks: blocks `goroutine N [state, M minutes, locked to thread]:`,
//!   frame pairs `pkg.F(args…)` / `\tfile:line +0x…`, then `created by F in goroutine N`
//!   (Go 1.21+; `created by F` before) and its position; `...additional frames
//!   elided...` and `[originating from goroutine N]:` are skipped. A dump after a
//!   `panic:` or `fatal error:` line, or with other output before it, is a traceback.
//!
//! The [`Reader`] takes one line at a time, so a stream is read in blocks; identical
//! goroutines of a debug=2 dump are merged as they are read (counted, the longest wait
//! kept), so memory follows the distinct stacks, not the goroutines.
//!
//! A program's log around a traceback is fine: the dump is found in it, and a prefix
//! the header line carries (a timestamp of constant width) is cut from its block's lines.

pub mod load;
pub mod proto;

pub use load::load;

use crate::model::goroutines::{Dump, DumpFormat, Goroutines};
use crate::model::heap::Frame;
use std::collections::HashMap;

/// `goroutine 18 [select, 5 minutes]:` → (state, wait, locked), and where `goroutine`
/// starts in the line.
fn header(line: &str) -> Option<(usize, String, Option<u64>, bool)> {
    let at = line.find("goroutine ")?;
    let rest = &line[at + "goroutine ".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = rest[digits..].trim_end();
    let open = rest.find(" [")?;
    // ` gp=0x… m=…` (GOTRACEBACK=system) may sit between the number and the state
    let inner = rest[open + 2..].strip_suffix("]:")?;
    let mut state = String::new();
    let (mut wait, mut locked) = (None, false);
    for part in inner.split(", ") {
        if let Some(n) = part
            .strip_suffix(" minutes")
            .or_else(|| part.strip_suffix(" minute"))
            .and_then(|n| n.trim().parse().ok())
        {
            wait = Some(n);
        } else if part == "locked to thread" {
            locked = true;
        } else if state.is_empty() {
            state = part.to_string();
        } else {
            state.push_str(", ");
            state.push_str(part);
        }
    }
    Some((at, state, wait, locked))
}

/// `\t/src/main.go:42 +0x44` → (file, line).
fn position(line: &str) -> (String, u32) {
    let t = line.trim();
    let t = t.rsplit_once(" +0x").map_or(t, |(p, _)| p);
    let t = t.split(" fp=").next().unwrap_or(t);
    match t.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.trim().parse().unwrap_or(0)),
        None => (t.to_string(), 0),
    }
}

/// `pkg.(*T).M(0x1, …)` → `pkg.(*T).M`.
fn function(line: &str) -> String {
    let t = line.trim();
    match t.rfind('(') {
        Some(k) if t.ends_with(')') && k > 0 => t[..k].to_string(),
        _ => t.to_string(),
    }
}

/// Reads one dump from bytes in memory. `None` when they hold no goroutine dump.
pub fn parse(source: &str, data: &[u8]) -> Option<Dump> {
    reader_of(source, data).finish()
}

/// [`parse`], or why the bytes are not one whole dump ([`Reader::finish_checked`]).
pub fn parse_checked(source: &str, data: &[u8]) -> Result<Option<Dump>, String> {
    reader_of(source, data).finish_checked()
}

fn reader_of(source: &str, data: &[u8]) -> Reader {
    let mut r = Reader::new(source);
    for line in data.split(|&b| b == b'\n') {
        r.line(line);
    }
    r
}

/// Which shape the reader has found.
enum Mode {
    /// Nothing yet: other output, maybe a crash message.
    Searching,
    /// After `goroutine profile: total N` (or `goroutineleak profile: …`).
    Debug1,
    /// After the first `goroutine N [state]:` header.
    Debug2,
}

/// Reads a dump line by line, so a stream of any size is read in bounded memory.
pub struct Reader {
    source: String,
    mode: Mode,
    total: u64,
    leak_profile: bool,
    debug1: Vec<Goroutines>,
    merged: Merged,
    /// Other output before the dump, and whether it announced a crash.
    before: bool,
    crash: bool,
    /// The goroutine being read, and the width of the prefix its header carried.
    cur: Option<(usize, Goroutines)>,
    /// A function line waiting for its position line (true: `created by`).
    pending: Option<(String, bool)>,
    /// Lines read so far.
    lines: u64,
    /// debug=2: the goroutine ids seen (a second dump in the file repeats them).
    ids: std::collections::HashSet<u64>,
    /// Why the file is not one whole dump, found while reading (the first reason).
    problem: Option<String>,
}

impl Reader {
    pub fn new(source: &str) -> Self {
        Reader {
            source: source.to_string(),
            mode: Mode::Searching,
            total: 0,
            leak_profile: false,
            debug1: vec![],
            merged: Merged::default(),
            before: false,
            crash: false,
            cur: None,
            pending: None,
            lines: 0,
            ids: Default::default(),
            problem: None,
        }
    }

    fn problem(&mut self, why: String) {
        self.problem.get_or_insert(why);
    }

    /// One line, without its `\n` (a trailing `\r` is ignored).
    pub fn line(&mut self, raw: &[u8]) {
        self.lines += 1;
        let raw = String::from_utf8_lossy(raw);
        let raw = raw.trim_end_matches('\r');
        // a control character in a name (an escape sequence) is kept escaped
        let escaped;
        let raw = if raw.chars().any(|c| c.is_control() && c != '\t') {
            escaped = crate::model::heap::escape_controls(raw);
            escaped.as_str()
        } else {
            raw
        };
        match self.mode {
            Mode::Searching => {
                for (header, leak) in [
                    ("goroutine profile: total ", false),
                    ("goroutineleak profile: total ", true),
                ] {
                    if let Some(k) = raw.find(header) {
                        self.mode = Mode::Debug1;
                        self.leak_profile = leak;
                        self.total = raw[k + header.len()..].trim().parse().unwrap_or(0);
                        return;
                    }
                }
                if header(raw).is_some() {
                    self.mode = Mode::Debug2;
                    return self.debug2(raw);
                }
                let t = raw.trim();
                if !t.is_empty() {
                    self.before = true;
                    self.crash |= t.contains("panic: ")
                        || t.contains("fatal error: ")
                        || t.contains("SIGQUIT");
                }
            }
            Mode::Debug1 => {
                if raw.contains("goroutine profile: total ")
                    || raw.contains("goroutineleak profile: total ")
                {
                    let line = self.lines;
                    self.problem(format!(
                        "a second goroutine profile at line {line}: one dump per file"
                    ));
                }
                self.debug1(raw)
            }
            Mode::Debug2 => self.debug2(raw),
        }
    }

    /// A line of the debug=1 form: a group `COUNT @ …` or one of its `#` frames.
    fn debug1(&mut self, t: &str) {
        if let Some(frame) = t.strip_prefix('#') {
            if frame.trim_start().starts_with("labels:") {
                return;
            }
            let Some(g) = self.debug1.last_mut() else {
                return;
            };
            let mut parts = frame.split('\t').map(str::trim).filter(|p| !p.is_empty());
            let (_addr, f, pos) = (parts.next(), parts.next(), parts.next());
            if let (Some(f), Some(pos)) = (f, pos) {
                let f = f.rsplit_once("+0x").map_or(f, |(n, _)| n);
                let (file, line) = position(pos);
                g.frames.push(Frame {
                    function: f.to_string(),
                    file,
                    line,
                });
            }
            return;
        }
        let Some(count) = t
            .split_once(" @")
            .and_then(|(c, _)| c.trim().parse::<u64>().ok())
        else {
            return;
        };
        self.debug1.push(Goroutines {
            count,
            state: None,
            wait_min: None,
            locked_to_thread: false,
            frames: vec![],
            created_by: None,
        });
    }

    /// A line of the debug=2 form (or a traceback).
    fn debug2(&mut self, raw: &str) {
        if let Some((at, state, wait, locked)) = header(raw) {
            let id = raw[at + "goroutine ".len()..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
            if !self.ids.insert(id) {
                let line = self.lines;
                self.problem(format!(
                    "goroutine {id} a second time at line {line}: two dumps in one file (one per file)"
                ));
            }
            if let Some((_, g)) = self.cur.take() {
                self.merged.push(g);
            }
            self.pending = None;
            self.cur = Some((
                at,
                Goroutines {
                    count: 1,
                    state: Some(state),
                    wait_min: wait,
                    locked_to_thread: locked,
                    frames: vec![],
                    created_by: None,
                },
            ));
            return;
        }
        let Some((width, g)) = self.cur.as_mut() else {
            return;
        };
        let line = if *width > 0 && raw.len() >= *width && raw.is_char_boundary(*width) {
            &raw[*width..]
        } else {
            raw
        };
        if line.trim().is_empty() {
            let (_, g) = self.cur.take().expect("a goroutine is being read");
            self.merged.push(g);
            self.pending = None;
            return;
        }
        if line.starts_with('\t') || line.starts_with("    ") {
            if let Some((f, created)) = self.pending.take() {
                let (file, l) = position(line);
                let frame = Frame {
                    function: f,
                    file,
                    line: l,
                };
                if created {
                    g.created_by = Some(frame);
                } else {
                    g.frames.push(frame);
                }
            }
            return;
        }
        let t = line.trim();
        if t.starts_with("...") || t.starts_with("[originating from goroutine") {
            return;
        }
        self.pending = Some(match t.strip_prefix("created by ") {
            Some(c) => (
                c.split(" in goroutine ")
                    .next()
                    .unwrap_or(c)
                    .trim()
                    .to_string(),
                true,
            ),
            None => (function(t), false),
        });
    }

    /// The dump read (`Ok(None)` when there was none), or why the file is not one
    /// whole dump: two dumps in it, or groups that do not add up to the header's total.
    pub fn finish_checked(self) -> Result<Option<Dump>, String> {
        if let Some(p) = &self.problem {
            return Err(p.clone());
        }
        let dump = self.finish();
        if let Some(d) = &dump
            && d.format == DumpFormat::Debug1
        {
            let sum: u64 = d.goroutines.iter().map(|g| g.count).sum();
            if sum < d.total {
                return Err(format!(
                    "its groups hold {sum} goroutines, its header says {}: the dump is cut off",
                    d.total
                ));
            }
            if sum > d.total {
                return Err(format!(
                    "its groups hold {sum} goroutines, more than its header's {}: not one dump",
                    d.total
                ));
            }
        }
        Ok(dump)
    }

    /// The dump read, `None` when there was none.
    pub fn finish(mut self) -> Option<Dump> {
        let source = self.source;
        match self.mode {
            Mode::Searching => None,
            Mode::Debug1 => Some(Dump {
                source,
                format: DumpFormat::Debug1,
                total: self.total,
                leak_profile: self.leak_profile,
                goroutines: self.debug1,
            }),
            Mode::Debug2 => {
                if let Some((_, g)) = self.cur.take() {
                    self.merged.push(g);
                }
                let m = self.merged;
                Some(Dump {
                    source,
                    format: if self.before || self.crash {
                        DumpFormat::Traceback
                    } else {
                        DumpFormat::Debug2
                    },
                    total: m.total,
                    leak_profile: m
                        .list
                        .iter()
                        .any(|g| g.state.as_deref().is_some_and(|s| s.ends_with(" (leaked)"))),
                    goroutines: m.list,
                })
            }
        }
    }
}

/// What makes two goroutines of a dump the same: frames, state, creator, lock.
type SameKey = (Vec<Frame>, Option<String>, Option<Frame>, bool);

/// Goroutines with the same frames, state, creator and lock are kept once, counted
/// (their longest wait kept): a dump of a million goroutines holds its distinct stacks.
#[derive(Default)]
struct Merged {
    list: Vec<Goroutines>,
    index: HashMap<SameKey, usize>,
    total: u64,
}

impl Merged {
    fn push(&mut self, g: Goroutines) {
        self.total += g.count;
        let key = (
            g.frames.clone(),
            g.state.clone(),
            g.created_by.clone(),
            g.locked_to_thread,
        );
        match self.index.get(&key) {
            Some(&i) => {
                let m = &mut self.list[i];
                m.count += g.count;
                m.wait_min = m.wait_min.max(g.wait_min);
            }
            None => {
                self.index.insert(key, self.list.len());
                self.list.push(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_give_state_wait_and_lock() {
        let h = header("goroutine 24 [chan send]:").unwrap();
        assert_eq!((h.0, h.1.as_str(), h.2, h.3), (0, "chan send", None, false));
        let h = header("goroutine 7 [IO wait, 5 minutes, locked to thread]:").unwrap();
        assert_eq!((h.1.as_str(), h.2, h.3), ("IO wait", Some(5), true));
        let h = header("goroutine 9 [chan receive (nil chan), 1 minute]:").unwrap();
        assert_eq!((h.1.as_str(), h.2), ("chan receive (nil chan)", Some(1)));
        let h =
            header("2026-11-26T05:53:51Z goroutine 1 gp=0xc000002380 m=0 mp=0x5d3ba0 [running]:")
                .unwrap();
        assert_eq!((h.0, h.1.as_str()), (21, "running"));
        assert!(header("goroutine profile: total 3").is_none());
        assert!(header("the goroutine 5 is [fine]").is_none());
    }

    #[test]
    fn functions_and_positions() {
        assert_eq!(
            function("sync.(*Mutex).Lock(0x708480)"),
            "sync.(*Mutex).Lock"
        );
        assert_eq!(function("main.main()"), "main.main");
        assert_eq!(
            position("\t/tmp/gclens-goleak/main.go:42 +0x44"),
            ("/tmp/gclens-goleak/main.go".into(), 42)
        );
        assert_eq!(
            position("\truntime/proc.go:250"),
            ("runtime/proc.go".into(), 250)
        );
    }
}
