//! Every example in `grammars/*.md` is real output and must parse: in an ```example
//! block each line is exactly one runtime trace record; an ```example memstats block is
//! exactly one MemStats snapshot.

use gclens::parse::Scanner;
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
        let mut memstats: Option<(usize, String)> = None;
        for (n, line) in text.lines().enumerate() {
            if let Some((start, block)) = memstats.as_mut() {
                if line.starts_with("```") {
                    let p = gclens::parse::memstats::parse(block.as_bytes());
                    assert!(
                        p.snapshots.len() == 1 && p.errors.is_empty(),
                        "{}:{}: memstats example gives {} snapshots, errors {:?}",
                        path.display(),
                        start,
                        p.snapshots.len(),
                        p.errors
                    );
                    memstats = None;
                    checked += 1;
                } else {
                    block.push_str(line);
                    block.push('\n');
                }
                continue;
            }
            if line.starts_with("```example memstats") {
                memstats = Some((n + 1, String::new()));
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
