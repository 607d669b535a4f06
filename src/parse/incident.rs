//! An incident's evidence, whatever shape it came in: `gclens report` is pointed at a
//! capture directory (or any mix of files) and must tell, by content and never by name,
//! which file is a gctrace, a heap profile, a goroutine dump, a MemStats dump or the
//! compiler's escape output — then read each with its family's reader. A file that is
//! none of them, or is broken, is set aside with the reason a person can act on (an
//! HTML page saved as a profile, a truncated gzip, an empty file), never fatal: one bad
//! file in an incident must not hide the rest.

use crate::input::{self, walk};
use crate::model::escape::EscapeSet;
use crate::model::goroutines::Dump;
use crate::model::heap::HeapSeries;
use crate::model::memstats::Snapshot;
use std::io::Read;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Trace,
    Heap,
    Goroutines,
    MemStats,
    Escape,
    /// The compiler's `-json=0,file://DIR` logopt files (escape diagnostics as JSON).
    Logopt,
    /// A `gclens capture` manifest: when each file of its directory was received.
    Manifest,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Trace => "gctrace",
            Family::Heap => "heap profile",
            Family::Goroutines => "goroutine dump",
            Family::MemStats => "MemStats",
            Family::Escape => "escape analysis",
            Family::Logopt => "escape analysis (logopt)",
            Family::Manifest => "capture manifest",
        }
    }
}

/// A file not used, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

/// Everything read from an incident's files.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Every file used, with what it was read as, in the order walked.
    pub files: Vec<(String, Family)>,
    /// The gctraces, in the order walked: read afterwards, in one bounded pass over
    /// them all (a month of trace is read in memory that does not grow with it).
    pub traces: Vec<String>,
    /// The heap profiles, in the order walked (the report orders them by time).
    pub heap: HeapSeries,
    pub dumps: Vec<Dump>,
    pub memstats: Vec<(String, Vec<Snapshot>)>,
    pub escape: Option<EscapeSet>,
    pub skipped: Vec<Skipped>,
    /// When each captured file was received (Unix ns), from capture manifests: the
    /// order of snapshots that carry no time of their own (goroutine dumps).
    pub times: std::collections::HashMap<String, i64>,
}

/// How much of a file is looked at to tell what it is (a gctrace mixed with a chatty
/// program's own lines may start late).
const HEAD: u64 = 1 << 20;

/// Reads every file under `paths` (directories walked in name order) within `limit`
/// bytes each (a gctrace is only named: the caller reads it, whatever its size). A path that
/// does not exist is an error; a file that cannot be used is set aside with its reason.
pub fn gather(paths: &[String], limit: u64) -> anyhow::Result<Evidence> {
    let mut ev = Evidence::default();
    let mut found = vec![];
    for f in walk::walk(paths)? {
        match read_head(&f) {
            Err(e) => ev.skip(&f, format!("{e:#}")),
            Ok(head) => match sniff(&head) {
                Ok(family) => found.push((f, family)),
                Err(why) => ev.skip(&f, why),
            },
        }
    }
    // read, inflated and decoded on every core; used in walk order (heap profiles share
    // one table of stacks), one file more than there are cores held at once
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    crate::parse::ordered::map_in_order(
        &found,
        threads,
        threads + 1,
        |(f, family)| prepare(f, *family, limit),
        |i, prepared| {
            let (f, family) = &found[i];
            let used = match prepared {
                Prepared::Trace => {
                    ev.traces.push(f.clone());
                    Ok(())
                }
                Prepared::Skip(why) => Err(why),
                Prepared::Heap(m) => crate::parse::heap::proto::intern(f, &m, &mut ev.heap.stacks)
                    .map(|p| ev.heap.profiles.push(p))
                    .map_err(|e| e.to_string()),
                Prepared::Dump(d) => {
                    ev.dumps.push(d);
                    Ok(())
                }
                Prepared::Data(data) => ev.read(f, *family, &data, limit),
            };
            match used {
                Ok(()) => ev.files.push((f.clone(), *family)),
                Err(why) => ev.skip(f, why),
            }
        },
    );
    Ok(ev)
}

/// A file as read by a worker, before it joins the evidence.
enum Prepared {
    /// gctraces are read together, afterwards (see [`Evidence::traces`]).
    Trace,
    Skip(String),
    /// A gzipped heap profile, inflated and decoded: only its interning is left.
    Heap(crate::parse::heap::proto::Profile),
    Dump(Dump),
    Data(input::Data),
}

/// The part of reading a file that needs nothing shared.
fn prepare(f: &str, family: Family, limit: u64) -> Prepared {
    if family == Family::Trace {
        return Prepared::Trace;
    }
    let data = match input::read_limited(f, limit) {
        Ok(d) => d,
        Err(e) => return Prepared::Skip(format!("{e:#}")),
    };
    let dump = |data: &[u8]| match crate::parse::goroutines::load::parse_whole(f, data, limit) {
        Ok(Some(d)) => Prepared::Dump(d),
        Ok(None) => Prepared::Skip("no goroutine dump in it".into()),
        Err(why) => Prepared::Skip(why),
    };
    if family == Family::Goroutines {
        return dump(&data);
    }
    if family != Family::Heap || !data.starts_with(&[0x1f, 0x8b]) {
        return Prepared::Data(data);
    }
    use crate::parse::heap::proto;
    let raw = match crate::parse::heap::inflate(&data, limit) {
        Ok(r) => r,
        Err(e) => {
            return Prepared::Skip(format!(
                "{e}: a truncated or damaged download? (fetch it again)"
            ));
        }
    };
    let Some(types) = proto::sample_types(&raw) else {
        return Prepared::Skip("gzip of something that is not a profile.proto".into());
    };
    if types.first().is_some_and(|t| t == "goroutine") {
        return dump(&data); // a goroutine profile (gzipped debug=0)
    }
    if !types.iter().any(|t| t == "inuse_space") {
        return Prepared::Skip(format!(
            "a profile of {}, not of the heap or goroutines: not memory evidence",
            types.join(", ")
        ));
    }
    if let Err(e) = proto::check_size(&raw, limit) {
        return Prepared::Skip(e.to_string());
    }
    match proto::message(bytes::Bytes::from(raw)) {
        Ok(m) => Prepared::Heap(m),
        Err(e) => Prepared::Skip(e.to_string()),
    }
}

fn read_head(f: &str) -> anyhow::Result<Vec<u8>> {
    if f == "-" {
        anyhow::bail!(
            "stdin: the report reads files and directories (save the stream to a file first)"
        );
    }
    let mut head = vec![];
    let file = std::fs::File::open(f).map_err(|e| anyhow::anyhow!("cannot read it: {e}"))?;
    file.take(HEAD)
        .read_to_end(&mut head)
        .map_err(|e| anyhow::anyhow!("cannot read it: {e}"))?;
    Ok(head)
}

/// What `head` (a file's first bytes) is, or why it is nothing the report reads.
pub fn sniff(head: &[u8]) -> Result<Family, String> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err("an empty file".into());
    };
    let text = &head[start..];
    if text.starts_with(&[0x1f, 0x8b]) {
        return Ok(Family::Heap); // told apart from goroutine profiles once inflated
    }
    let lower: Vec<u8> = text.iter().take(64).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Err("this is an HTML page, not a profile: was the URL right?".into());
    }
    if text.starts_with(b"heap profile:") {
        return Ok(Family::Heap);
    }
    if text.starts_with(b"goroutine profile: total") || text.starts_with(b"goroutineleak profile:")
    {
        return Ok(Family::Goroutines);
    }
    if text.starts_with(b"{") {
        let has = |s: &[u8]| memchr::memmem::find(head, s).is_some();
        if has(b"\"gclens.capture/v1\"") && has(b"\"schema\"") {
            return Ok(Family::Manifest);
        }
        if has(b"\"memstats\"") || has(b"\"HeapAlloc\"") {
            return Ok(Family::MemStats);
        }
        if text.starts_with(b"{\"version\":") && has(b"\"package\"") {
            return Ok(Family::Logopt);
        }
        if !has(b"\"ImportPath\"") && !has(b"\"Action\"") {
            return Err("a JSON document of neither /debug/vars (no \"memstats\") nor the compiler's logopt".into());
        }
    }
    let mut trace = false;
    crate::parse::Scanner::new().scan(head, |h| trace |= h.record.is_some());
    if trace {
        return Ok(Family::Trace);
    }
    if head
        .split(|&b| b == b'\n')
        .any(|l| l.starts_with(b"goroutine ") && memchr::memchr(b'[', l).is_some())
    {
        return Ok(Family::Goroutines);
    }
    if !crate::parse::escape::parse_bytes("", head)
        .diagnostics
        .is_empty()
    {
        return Ok(Family::Escape);
    }
    if !crate::parse::memstats::parse(head).snapshots.is_empty() {
        return Ok(Family::MemStats);
    }
    Err("not recognised: no gctrace, heap profile, goroutine dump, MemStats or escape analysis in its first MiB".into())
}

impl Evidence {
    fn skip(&mut self, source: &str, reason: String) {
        self.skipped.push(Skipped {
            source: source.to_string(),
            reason,
        });
    }

    /// Reads one file of `family` into the evidence, or says why it cannot be used.
    fn read(&mut self, f: &str, family: Family, data: &[u8], limit: u64) -> Result<(), String> {
        match family {
            Family::Heap => {
                let p = crate::parse::heap::parse_within(f, data, &mut self.heap.stacks, limit)
                    .map_err(|e| e.to_string())?;
                // the debug=1 text carries the MemStats of its moment in its trailer
                let m = crate::parse::memstats::parse(data).snapshots;
                if !m.is_empty() {
                    self.memstats.push((f.to_string(), m));
                }
                self.heap.profiles.push(p);
                Ok(())
            }
            Family::Goroutines => unreachable!("dumps are read by the workers"),
            Family::MemStats => {
                let p = crate::parse::memstats::parse(data);
                if p.snapshots.is_empty() {
                    let why = p.errors.first().map(|(l, w)| format!(": line {l}: {w}"));
                    return Err(format!("no readable MemStats{}", why.unwrap_or_default()));
                }
                self.memstats.push((f.to_string(), p.snapshots));
                Ok(())
            }
            Family::Escape | Family::Logopt => {
                let set = if family == Family::Logopt {
                    let mut set = EscapeSet::new();
                    crate::parse::escape::logopt::parse_file(f, data, &mut set);
                    set
                } else {
                    crate::parse::escape::parse_bytes(f, data)
                };
                if set.diagnostics.is_empty() {
                    return Err("no escape analysis diagnostic".into());
                }
                self.escape.get_or_insert_with(EscapeSet::new).extend(set);
                Ok(())
            }
            Family::Manifest => self.read_manifest(f, data),
            Family::Trace => unreachable!("traces are read by the caller, together"),
        }
    }

    /// A capture's manifest: the time each of its files was received, and its gaps
    /// (what was asked and not captured) listed with the files set aside.
    fn read_manifest(&mut self, f: &str, data: &[u8]) -> Result<(), String> {
        let m = crate::parse::capture::parse(data)?;
        let dir = std::path::Path::new(f)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        self.times.extend(crate::parse::capture::times(&m, dir));
        for g in &m.skipped {
            self.skipped.push(Skipped {
                source: format!("{f} (snapshot {}, {})", g.snapshot, g.kind),
                reason: format!("not captured: {}", g.reason),
            });
        }
        Ok(())
    }
}
