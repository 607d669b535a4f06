//! The three text shapes: the pprof `debug=1` trailer (`# Key = value`), `%+v`
//! (`{Alloc:1 … BySize:[{Size:0 Mallocs:0 Frees:0} …]}`, `&{…}` for a pointer), and
//! hand-written prints (`Heap Alloc: 48 MiB`, `Alloc = 12 MiB\tNumGC = 3`,
//! `Last GC Pause: 48.692µs`), blocks split by `---` or by a label coming again.

use super::{Lines, MemStats, Parsed, Shape, SizeClass, Snapshot, U64_FIELDS};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::OnceLock;

fn set_named(m: &mut MemStats, key: &str, value: &str) -> bool {
    let ints = |s: &str| -> Option<Vec<u64>> {
        s.split_ascii_whitespace().map(|t| t.parse().ok()).collect()
    };
    match key {
        "PauseNs" | "PauseEnd" => {
            let Some(list) = value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .and_then(ints)
            else {
                return false;
            };
            if key == "PauseNs" {
                m.pause_ns = Some(list.into());
            } else {
                m.pause_end = Some(list.into());
            }
            true
        }
        "GCCPUFraction" => value.parse().map(|f| m.gc_cpu_fraction = Some(f)).is_ok(),
        "EnableGC" => value.parse().map(|b| m.enable_gc = Some(b)).is_ok(),
        "DebugGC" => value.parse().map(|b| m.debug_gc = Some(b)).is_ok(),
        k if U64_FIELDS.contains(&k) => value.parse().is_ok_and(|n| m.set_u64(k, n)),
        _ => false,
    }
}

/// `# runtime.MemStats` then `# Key = value` lines.
fn pprof(data: &[u8], out: &mut Parsed) {
    // neither a trailer nor a record: nothing to read (a month of JSON is not decoded)
    let has = |s: &[u8]| memchr::memmem::find(data, s).is_some();
    if !has(b"# runtime.MemStats") && !has(b"] @") {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines().enumerate().peekable();
    let mut records = 0;
    while let Some((n, line)) = lines.next() {
        if line.starts_with("heap profile: ")
            || (line.starts_with(|c: char| c.is_ascii_digit()) && line.contains("] @"))
        {
            records += 1;
            continue;
        }
        if line.trim_end() != "# runtime.MemStats" {
            continue;
        }
        let mut m = MemStats::default();
        let mut bad = None;
        while let Some((k, l)) = lines.next_if(|(_, l)| l.starts_with("# ") && l.contains(" = ")) {
            let (key, value) = l[2..].split_once(" = ").unwrap_or_default();
            let ok = match key {
                "Stack" | "MSpan" | "MCache" => {
                    match value.split_once(" / ").map(|(a, b)| (a.parse(), b.parse())) {
                        Some((Ok(a), Ok(b))) => {
                            m.set_u64(&format!("{key}Inuse"), a);
                            m.set_u64(&format!("{key}Sys"), b);
                            true
                        }
                        _ => false,
                    }
                }
                _ => set_named(&mut m, key, value.trim()) || !U64_FIELDS.contains(&key),
            };
            if !ok && bad.is_none() {
                bad = Some((k as u64 + 1, format!("pprof trailer: cannot read {l:?}")));
            }
        }
        if let Some(e) = bad {
            out.errors.push(e);
        }
        if m.heap_alloc.is_some() {
            out.snapshots.push(Snapshot {
                shape: Shape::PprofDebug1,
                line: n as u64 + 1,
                stats: m,
                approximate: vec![],
                last_pause_ns: None,
            });
        } else {
            out.errors.push((
                n as u64 + 1,
                "a # runtime.MemStats trailer without its fields".into(),
            ));
        }
    }
    out.profile_records += records;
}

/// `{Alloc:… }` from `%+v`: the pairs up to the matching brace.
fn plusv(data: &[u8], out: &mut Parsed) {
    let mut lines = Lines::default();
    let finder = memchr::memmem::Finder::new(b"{Alloc:");
    for at in finder.find_iter(data) {
        let body = &data[at + 1..];
        let mut depth = 1;
        let Some(end) = body.iter().position(|b| {
            match b {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                _ => {}
            }
            depth == 0 || *b == b'\n'
        }) else {
            out.errors
                .push((lines.of(data, at), "%+v MemStats cut off".into()));
            continue;
        };
        if body[end] == b'\n' {
            out.errors.push((
                lines.of(data, at),
                "%+v MemStats cut off at the end of its line".into(),
            ));
            continue;
        }
        let text = String::from_utf8_lossy(&body[..end]);
        let mut m = MemStats::default();
        let mut rest = text.as_ref();
        let mut bad = None;
        while let Some((key, after)) = rest.split_once(':') {
            let key = key.trim();
            let (value, next) = if after.starts_with('[') {
                let close = matching(after).unwrap_or(after.len());
                (&after[..close], &after[close..])
            } else {
                after.split_once(' ').unwrap_or((after, ""))
            };
            let ok = if key == "BySize" {
                by_size(&mut m, value)
            } else {
                set_named(&mut m, key, value) || !U64_FIELDS.contains(&key)
            };
            if !ok && bad.is_none() {
                bad = Some(format!(
                    "%+v: cannot read {key}:{}",
                    value.chars().take(40).collect::<String>()
                ));
            }
            rest = next;
        }
        if let Some(e) = bad {
            out.errors.push((lines.of(data, at), e));
        }
        out.snapshots.push(Snapshot {
            shape: Shape::PlusV,
            line: lines.of(data, at),
            stats: m,
            approximate: vec![],
            last_pause_ns: None,
        });
    }
}

/// Index just past the `]` matching the `[` at the start of `s`.
fn matching(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `[{Size:0 Mallocs:0 Frees:0} {Size:8 …} …]`.
fn by_size(m: &mut MemStats, v: &str) -> bool {
    let inner = v.trim_start_matches('[').trim_end_matches(']');
    let mut classes = vec![];
    for c in inner
        .split('}')
        .map(|c| c.trim().trim_start_matches('{'))
        .filter(|c| !c.is_empty())
    {
        let mut sc = SizeClass::default();
        for pair in c.split_ascii_whitespace() {
            let Some((k, v)) = pair.split_once(':') else {
                return false;
            };
            let Ok(n) = v.parse() else { return false };
            match k {
                "Size" => sc.size = n,
                "Mallocs" => sc.mallocs = n,
                "Frees" => sc.frees = n,
                _ => return false,
            }
        }
        classes.push(sc);
    }
    m.by_size = Some(classes.into());
    true
}

/// A Go `time.Duration` string (`0s`, `52.448µs`, `1.2ms`, `1m2.5s`, `1h0m0s`) in ns.
pub fn go_duration(s: &str) -> Option<u64> {
    let mut rest = s.trim();
    if rest == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut any = false;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let v: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let (unit, len) = [
            ("ns", 1.0),
            ("us", 1e3),
            ("µs", 1e3),
            ("μs", 1e3),
            ("ms", 1e6),
            ("s", 1e9),
            ("m", 60e9),
            ("h", 3600e9),
        ]
        .iter()
        .find(|(u, _)| rest.starts_with(u))
        .map(|(u, f)| (*f, u.len()))?;
        total += v * unit;
        rest = &rest[len..];
        any = true;
    }
    any.then_some(total.round() as u64)
}

fn human_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"([A-Za-z][A-Za-z _]*?)\s*[:=]\s*([0-9][0-9.]*(?:ns|us|µs|μs|ms|h|m|s)[0-9.a-zµμ]*|[0-9]+)(?:\s*(B|KiB|KB|kB|MiB|MB|GiB|GB)\b)?")
            .expect("static regex")
    })
}

/// The MemStats field a hand-written label stands for.
fn field_of(label: &str) -> Option<&'static str> {
    let norm: String = label
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match norm.as_str() {
        "gccycles" | "numgc" | "gcs" => "NumGC",
        "nextgctarget" | "nextgc" => "NextGC",
        "heapinuse" => "HeapInuse",
        "lastgcpause" | "lastpause" => "LastPause",
        n => U64_FIELDS.iter().find(|f| f.to_ascii_lowercase() == n)?,
    })
}

fn human(data: &[u8], skip: &[Range<usize>], out: &mut Parsed) {
    let mut lines = Lines::default();
    let mut cur: Option<Snapshot> = None;
    let mut pos = 0;
    let flush = |cur: &mut Option<Snapshot>, out: &mut Parsed| {
        if let Some(s) = cur.take() {
            let fields = U64_FIELDS
                .iter()
                .filter(|f| s.stats.get_u64(f).is_some())
                .count()
                + usize::from(s.last_pause_ns.is_some());
            if fields >= 2 {
                out.snapshots.push(s);
            }
        }
    };
    let mut skip = skip.iter().peekable();
    while pos < data.len() {
        let start = pos;
        // JSON documents are read by their own parser: their lines are passed over whole
        while skip.next_if(|r| r.end <= start).is_some() {}
        if let Some(r) = skip.peek()
            && r.start <= start
        {
            pos = r.end;
            continue;
        }
        pos = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i + 1);
        let line = &data[start..pos];
        let trimmed = line.trim_ascii();
        if trimmed == b"---" {
            flush(&mut cur, out);
            continue;
        }
        // JSON, %+v and pprof lines are read by their own parsers
        if trimmed.starts_with(b"#")
            || trimmed.starts_with(b"{")
            || trimmed.starts_with(b"&{")
            || trimmed.starts_with(b"\"")
        {
            continue;
        }
        for c in human_re().captures_iter(line) {
            let label = String::from_utf8_lossy(&c[1]);
            let Some(field) = field_of(&label) else {
                continue;
            };
            let value = String::from_utf8_lossy(&c[2]);
            let unit = c.get(3).map(|u| u.as_bytes());
            let repeated = cur.as_ref().is_some_and(|s| {
                if field == "LastPause" {
                    s.last_pause_ns.is_some()
                } else {
                    s.stats.get_u64(field).is_some()
                }
            });
            if repeated {
                flush(&mut cur, out);
            }
            let snap = cur.get_or_insert_with(|| Snapshot {
                shape: Shape::Human,
                line: lines.of(data, start),
                stats: MemStats::default(),
                approximate: vec![],
                last_pause_ns: None,
            });
            if field == "LastPause" {
                snap.last_pause_ns = go_duration(&value);
                continue;
            }
            let Ok(n) = value.parse::<u64>() else {
                continue;
            };
            let mult: u64 = match unit {
                Some(b"KiB" | b"KB" | b"kB") => 1 << 10,
                Some(b"MiB" | b"MB") => 1 << 20,
                Some(b"GiB" | b"GB") => 1 << 30,
                _ => 1,
            };
            snap.stats.set_u64(field, n.saturating_mul(mult));
            if mult > 1 {
                snap.approximate.push(
                    U64_FIELDS
                        .iter()
                        .copied()
                        .find(|f| *f == field)
                        .unwrap_or("?"),
                );
            }
        }
    }
    flush(&mut cur, out);
}

/// Reads the text shapes; `json` are the byte ranges of the JSON documents already read.
pub fn parse(data: &[u8], json: &[Range<usize>], out: &mut Parsed) {
    pprof(data, out);
    plusv(data, out);
    human(data, json, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(go_duration("0s"), Some(0));
        assert_eq!(go_duration("52.448µs"), Some(52_448));
        assert_eq!(go_duration("1.2ms"), Some(1_200_000));
        assert_eq!(go_duration("1m2.5s"), Some(62_500_000_000));
        assert_eq!(go_duration("1h0m0s"), Some(3_600_000_000_000));
        assert_eq!(go_duration("12 parsecs"), None);
    }

    #[test]
    fn the_go_wiki_one_liner() {
        let mut p = Parsed::default();
        human(
            b"2024/01/02 15:04:05 Alloc = 12 MiB\tTotalAlloc = 340 MiB\tSys = 24 MiB\tNumGC = 31\n",
            &[],
            &mut p,
        );
        let s = &p.snapshots[0].stats;
        assert_eq!(
            (s.alloc, s.total_alloc, s.sys, s.num_gc),
            (Some(12 << 20), Some(340 << 20), Some(24 << 20), Some(31))
        );
        assert_eq!(
            p.snapshots[0].approximate,
            vec!["Alloc", "TotalAlloc", "Sys"]
        );
    }
}
