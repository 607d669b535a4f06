//! The rule of arrows (ARCHITECTURE.md), checked on the source text: each layer names
//! only the layers below it, `commands/` files never name each other, clap stays in
//! `cli.rs`, `commands/` and `main.rs`, and no source file passes 600 lines.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What each top-level module may name besides itself.
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "model" | "units" | "output" | "input" => &[],
        "parse" => &["model", "input", "units"],
        "analyze" => &["model", "parse", "units"],
        "live" => &["model", "input", "parse", "analyze", "units", "output"],
        "render" | "export" => &["model", "input", "parse", "analyze", "units", "output"],
        "cli" => &["units"],
        "commands" => &[
            "model", "input", "parse", "analyze", "live", "render", "export", "units", "output",
            "cli",
        ],
        "lib" | "main" => &[
            "model", "input", "parse", "analyze", "live", "render", "export", "units", "output",
            "cli", "commands",
        ],
        other => panic!("unknown layer {other}: add it to tests/layers.rs and ARCHITECTURE.md"),
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The crate modules a file names: `crate::x::…`, `crate::{x, y::…}`, `gclens::x`.
fn named(text: &str) -> BTreeSet<String> {
    let one = Regex::new(r"\b(?:crate|gclens)::(\w+)").unwrap();
    let group = Regex::new(r"\bcrate::\{([^;]*?)\};").unwrap();
    let head = Regex::new(r"(?:^|[{,]\s*)(\w+)").unwrap();
    // `crate::note!` is output's macro (exported at the crate root)
    let module = |m: &str| if m == "note" { "output" } else { m }.to_string();
    let mut out: BTreeSet<String> = one.captures_iter(text).map(|c| module(&c[1])).collect();
    for g in group.captures_iter(text) {
        // only the first segment of each item counts, at the top nesting level
        let (mut depth, mut top) = (0, String::new());
        for ch in g[1].chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ if depth == 0 => top.push(ch),
                _ => {}
            }
        }
        out.extend(head.captures_iter(&top).map(|c| c[1].to_string()));
    }
    out
}

#[test]
fn arrows_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = vec![];
    files(&src, &mut all);
    let mut wrong = vec![];
    for f in &all {
        let rel = f.strip_prefix(&src).unwrap();
        let layer = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(f).unwrap();
        for m in named(&text) {
            if m != layer && !allowed(&layer).contains(&m.as_str()) {
                wrong.push(format!("{} names {m}", rel.display()));
            }
        }
        if !matches!(layer.as_str(), "cli" | "commands" | "main") && text.contains("clap") {
            wrong.push(format!("{} uses clap", rel.display()));
        }
        let lines = text.lines().count();
        if lines > 600 {
            wrong.push(format!("{} has {lines} lines", rel.display()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn commands_never_name_each_other() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    let sibling = Regex::new(r"\b(?:super|crate::commands)::(\w+)").unwrap();
    let mut cmds = vec![];
    files(&dir, &mut cmds);
    let names: BTreeSet<String> = cmds
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|n| n != "mod")
        .collect();
    let mut wrong = vec![];
    let grouped = Regex::new(r"\bsuper::\{([^}]*)\}").unwrap();
    for f in cmds.iter().filter(|p| !p.ends_with("mod.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        let mut used: Vec<String> = sibling
            .captures_iter(&text)
            .map(|c| c[1].to_string())
            .collect();
        for g in grouped.captures_iter(&text) {
            used.extend(
                g[1].split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").to_string()),
            );
        }
        for u in used.into_iter().filter(|u| names.contains(u)) {
            wrong.push(format!("{} names commands::{u}", f.display()));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_checker_sees_grouped_imports() {
    let n = named("use crate::{model::Cycle, analyze::{x, y}};\nlet v = crate::units::num(1.0);");
    assert_eq!(
        n.into_iter().collect::<Vec<_>>(),
        ["analyze", "model", "units"]
    );
}
