//! Every example line in `grammars/*.md` (inside ```example blocks) is real output and
//! must parse as exactly one record.

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
        for (n, line) in text.lines().enumerate() {
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
