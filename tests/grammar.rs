//! Every example in `grammars/*.md` is real output and must parse: in an ```example
//! block each line is exactly one runtime trace record; an ```example memstats block is
//! exactly one MemStats snapshot; an ```example heap block is a debug=1 heap profile
//! whose records parse with their frames; an ```example goroutines block is a goroutine
//! dump whose goroutines all have frames; in an ```example escape block each line is a package
//! header, a diagnostic of a known kind, a `-m=2` header or step, or a `go build -json`
//! event holding diagnostics.

use gclens::model::escape::{Kind, Step};
use gclens::parse::Scanner;
use gclens::parse::escape::{TextParser, message, pos};
use std::fs;

#[test]
fn every_grammar_example_parses() {
    let scanner = Scanner::new();
    let mut checked = 0;
    for entry in fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/grammars")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let mut in_example = false;
        let mut escape = false;
        // a whole-block example being read: (kind, first line, text)
        let mut block: Option<(&str, usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            if let Some((kind, start, body)) = block.as_mut() {
                if line.starts_with("```") {
                    if let Err(why) = check_block(kind, body) {
                        panic!("{}:{start}: {kind} example: {why}", path.display());
                    }
                    block = None;
                    checked += 1;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
                continue;
            }
            if let Some(kind) = ["memstats", "heap", "goroutines"].into_iter().find(|k| {
                let fence = format!("```example {k}");
                line.trim_end() == fence || line.starts_with(&format!("{fence} "))
            }) {
                block = Some((kind, n + 1, String::new()));
                continue;
            }
            if line.starts_with("```example escape") {
                escape = true;
                in_example = true;
                continue;
            }
            if escape && line.starts_with("```") {
                escape = false;
                in_example = false;
                continue;
            }
            if escape {
                assert!(
                    escape_line_parses(line),
                    "{}:{}: escape example does not parse: {line}",
                    path.display(),
                    n + 1
                );
                checked += 1;
                continue;
            }
            if line.starts_with("```") {
                in_example = !in_example && line.starts_with("```example");
                continue;
            }
            if !in_example || line.trim().is_empty() {
                continue;
            }
            let mut hits = vec![];
            scanner.scan(line.as_bytes(), |h| hits.push(h));
            assert!(
                hits.len() == 1 && hits[0].record.is_some(),
                "{}:{}: example does not parse: {line}",
                path.display(),
                n + 1
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} examples found");
}

/// A whole-block example: one MemStats snapshot; a debug=1 heap profile whose samples
/// all have frames; a goroutine dump whose goroutines all have frames.
fn check_block(kind: &str, body: &str) -> Result<(), String> {
    match kind {
        "memstats" => {
            let p = gclens::parse::memstats::parse(body.as_bytes());
            (p.snapshots.len() == 1 && p.errors.is_empty())
                .then_some(())
                .ok_or(format!(
                    "{} snapshots, errors {:?}",
                    p.snapshots.len(),
                    p.errors
                ))
        }
        "heap" => {
            let mut stacks = gclens::model::heap::Stacks::default();
            let p =
                gclens::parse::heap::text::parse_excerpt("example", body.as_bytes(), &mut stacks)
                    .map_err(|e| e.to_string())?;
            (!p.samples.is_empty()
                && p.samples
                    .iter()
                    .all(|s| !stacks.stacks[s.stack as usize].is_empty()))
            .then_some(())
            .ok_or("no sample with frames".into())
        }
        "goroutines" => {
            let d =
                gclens::parse::goroutines::parse("example", body.as_bytes()).ok_or("no dump")?;
            (d.total > 0 && d.goroutines.iter().all(|g| !g.frames.is_empty()))
                .then_some(())
                .ok_or("a goroutine without frames".into())
        }
        k => Err(format!("unknown example kind {k}")),
    }
}

/// One compiler output line is something gclens understands (not `other`, not foreign).
fn escape_line_parses(line: &str) -> bool {
    if line.starts_with("# ") {
        return true;
    }
    if line.starts_with('{') {
        let mut p = TextParser::new("example");
        p.line(line.as_bytes());
        let set = p.finish();
        return !set.diagnostics.is_empty() && set.skipped.malformed == 0;
    }
    let Some((_, m)) = pos::split(line.as_bytes()) else {
        return false;
    };
    let m = String::from_utf8_lossy(m);
    if m.starts_with([' ', '\t']) {
        return !matches!(message::step(&m), Step::Note { .. }) || m.trim().starts_with("warning:");
    }
    message::header(&m).is_some() || message::classify(&m).kind != Kind::Other
}

/// The heap examples are copied from the captured fixtures, not written by hand.
#[test]
fn every_heap_example_is_in_the_fixtures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut corpus = String::new();
    for v in fs::read_dir(format!("{root}/fixtures/heap")).unwrap() {
        for build in fs::read_dir(v.unwrap().path()).unwrap() {
            for f in fs::read_dir(build.unwrap().path()).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "txt") {
                    corpus.push_str(&fs::read_to_string(&f).unwrap());
                }
            }
        }
    }
    let text = fs::read_to_string(format!("{root}/grammars/heap.md")).unwrap();
    let (mut inside, mut n) = (false, 0);
    for line in text.lines() {
        if line.starts_with("```") {
            inside = line.starts_with("```example heap");
            continue;
        }
        if inside {
            assert!(corpus.contains(line), "not in fixtures/heap: {line}");
            n += 1;
        }
    }
    assert!(n >= 8, "only {n} heap example lines");
}

/// The goroutine examples are copied from the captured fixtures, not written by hand.
#[test]
fn every_goroutines_example_is_in_the_fixtures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut corpus = String::new();
    for v in fs::read_dir(format!("{root}/fixtures/goroutines")).unwrap() {
        for build in fs::read_dir(v.unwrap().path()).unwrap() {
            for f in fs::read_dir(build.unwrap().path()).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "txt" || e == "log") {
                    corpus.push_str(&fs::read_to_string(&f).unwrap());
                }
            }
        }
    }
    let text = fs::read_to_string(format!("{root}/grammars/goroutines.md")).unwrap();
    let (mut inside, mut n) = (false, 0);
    for line in text.lines() {
        if line.starts_with("```") {
            inside = line.starts_with("```example goroutines");
            continue;
        }
        if inside && !line.is_empty() {
            assert!(corpus.contains(line), "not in fixtures/goroutines: {line}");
            n += 1;
        }
    }
    assert!(n >= 20, "only {n} goroutine example lines");
}

/// The escape examples are copied from the captured fixtures, not written by hand.
#[test]
fn every_escape_example_is_in_the_fixtures() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut corpus = String::new();
    for dir in fs::read_dir(format!("{root}/fixtures/escape")).unwrap() {
        let dir = dir.unwrap().path();
        for f in fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "txt") {
                corpus.push_str(&String::from_utf8_lossy(&fs::read(&f).unwrap()));
            }
        }
    }
    let text = fs::read_to_string(format!("{root}/grammars/escape.md")).unwrap();
    let mut inside = false;
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with("```") {
            inside = line.starts_with("```example escape");
            continue;
        }
        if inside && !line.is_empty() {
            assert!(corpus.contains(line), "not in fixtures/escape: {line}");
            n += 1;
        }
    }
    assert!(n >= 40, "only {n} escape examples");
}
