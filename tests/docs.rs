//! The README and the book under docs/ say only what is true (issue 33): every console
//! example runs on the bundled fixtures and prints what its page shows, every `gclens`
//! line in a shell or CI block is a command gclens accepts, every relative link and
//! anchor resolves, every option has its row on its command's page, the README stays a
//! landing page, and every command's help leads with an example and names its page. The runner is `tests/common/docs.rs`; the fleet's
//! example needs a Prometheus and is checked in `tests/fleet.rs`.

mod common;
use clap::{CommandFactory, Parser};
use common::docs::{self, Block};
use common::fake::{self, Answer};
use gclens::cli::Cli;
use std::path::Path;

/// Every fenced block of every document.
fn all_blocks() -> Vec<Block> {
    docs::markdown_files()
        .iter()
        .flat_map(|f| docs::blocks(f).0)
        .collect()
}

/// A service that answers `gclens capture` with the bundled Go 1.27 incident's
/// snapshots, one per tick, as its net/http/pprof and expvar did.
fn incident_service() -> String {
    fake::serve(|path, n, _| {
        let dir = Path::new(common::ROOT).join("fixtures/incident/go1.27/plain");
        let n = n.min(6);
        let (file, ctype) = match path.split('?').next().unwrap() {
            "/debug/pprof/heap" => (format!("heap-{n}.pb.gz"), "application/octet-stream"),
            "/debug/pprof/goroutine" => (format!("goroutine-{n}.txt"), "text/plain; charset=utf-8"),
            "/debug/pprof/goroutineleak" => (
                format!("goroutineleak-{n}.txt"),
                "text/plain; charset=utf-8",
            ),
            "/debug/vars" => (format!("vars-{n}.json"), "application/json; charset=utf-8"),
            _ => {
                return Answer::Bytes(fake::http(
                    "404 Not Found",
                    "text/plain",
                    b"404 page not found\n",
                ));
            }
        };
        Answer::Bytes(fake::http(
            "200 OK",
            ctype,
            &std::fs::read(dir.join(file)).unwrap(),
        ))
    })
}

#[test]
fn every_console_example_prints_what_its_page_shows() {
    let dir = docs::workdir();
    let (mut ran, mut failed) = (0, Vec::new());
    // the fleet's examples need a Prometheus: tests/fleet.rs runs them against its own
    for e in docs::console_examples()
        .iter()
        .filter(|e| !docs::needs_prometheus(e))
    {
        ran += 1;
        // each capture gets the service from its first snapshot
        let mut replace = Vec::new();
        if e.command.contains("127.0.0.1:6060") {
            replace.push(("127.0.0.1:6060".to_string(), incident_service()));
        }
        if let Err(why) = docs::check(e, dir.path(), &replace) {
            failed.push(why);
        }
    }
    assert!(ran >= 20, "only {ran} console examples found");
    assert!(
        failed.is_empty(),
        "{} of {ran} examples differ:\n\n{}",
        failed.len(),
        failed.join("\n\n")
    );
}

#[test]
fn every_gclens_line_is_a_command_gclens_accepts() {
    let (mut seen, mut failed) = (0, Vec::new());
    for b in all_blocks() {
        let lines: Vec<(usize, String)> = match b.info.as_str() {
            "console" => docs::examples(&b)
                .into_iter()
                .map(|e| (e.line, format!("$ {}", e.command)))
                .collect(),
            "sh" | "bash" | "shell" | "yaml" | "yml" | "dockerfile" => docs::shell_lines(&b),
            _ => {
                if let Some(i) = b.lines.iter().position(|l| l.starts_with("$ gclens")) {
                    failed.push(format!(
                        "{}:{}: a `$ gclens` example in a block that is not ```console is never run",
                        docs::rel(&b.file),
                        b.line + i
                    ));
                }
                continue;
            }
        };
        for (line, text) in lines {
            for args in docs::invocations(&text) {
                seen += 1;
                if let Err(e) = Cli::try_parse_from(&args) {
                    use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
                    if matches!(e.kind(), DisplayHelp | DisplayVersion) {
                        continue;
                    }
                    let e = e.to_string();
                    let first = e.lines().next().unwrap_or_default();
                    failed.push(format!(
                        "{}:{line}: `{}`: {first}",
                        docs::rel(&b.file),
                        args.join(" ")
                    ));
                }
            }
        }
    }
    assert!(seen >= 40, "only {seen} gclens lines found");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_relative_link_resolves() {
    let link = regex::Regex::new(r"\]\(([^)\s]+)(?:\s+[^)]*)?\)|^\[[^\]]+\]:\s*(\S+)").unwrap();
    let code = regex::Regex::new(r"`[^`]*`").unwrap();
    let (mut seen, mut failed) = (0, Vec::new());
    for file in docs::markdown_files() {
        let (_, prose) = docs::blocks(&file);
        for (i, l) in prose.iter().enumerate() {
            let l = code.replace_all(l, "");
            for c in link.captures_iter(&l) {
                let target = c.get(1).or(c.get(2)).unwrap().as_str();
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                seen += 1;
                let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
                let dest = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path)
                };
                let at = format!("{}:{}", docs::rel(&file), i + 1);
                if !dest.exists() {
                    failed.push(format!("{at}: {target}: no such file"));
                } else if !anchor.is_empty()
                    && dest.extension().is_some_and(|x| x == "md")
                    && !docs::anchors(&dest).iter().any(|a| a == anchor)
                {
                    failed.push(format!(
                        "{at}: {target}: no heading with that anchor in {}",
                        docs::rel(&dest)
                    ));
                }
            }
        }
    }
    assert!(seen >= 30, "only {seen} relative links found");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn the_readme_is_a_landing_page_of_a_few_screens() {
    let text = std::fs::read_to_string(common::path("README.md")).unwrap();
    let n = text.lines().count();
    assert!(
        n <= 250,
        "README.md has {n} lines; the rest belongs in docs/"
    );
    for needed in [
        "scripts/test",
        "cargo install --path .",
        "docs/README.md",
        "CONTRIBUTING.md",
    ] {
        assert!(text.contains(needed), "README.md does not mention {needed}");
    }
}

#[test]
fn every_command_s_help_leads_with_an_example_and_names_its_page() {
    let cli = Cli::command();
    let mut names: Vec<Vec<String>> = Vec::new();
    for sc in cli.get_subcommands() {
        names.push(vec![sc.get_name().to_string()]);
        for sub in sc.get_subcommands() {
            names.push(vec![sc.get_name().to_string(), sub.get_name().to_string()]);
        }
    }
    names.retain(|n| n[0] != "help" && n.get(1).is_none_or(|s| s != "help"));
    names.push(vec![]);
    for name in names {
        for flag in ["-h", "--help"] {
            let mut args: Vec<&str> = name.iter().map(String::as_str).collect();
            args.push(flag);
            let help = common::ok(&args);
            let lines: Vec<&str> = help.lines().collect();
            let ex = lines
                .iter()
                .position(|l| l.starts_with("Example: "))
                .unwrap_or_else(|| panic!("gclens {args:?} shows no `Example:` line:\n{help}"));
            let usage = lines.iter().position(|l| l.starts_with("Usage:")).unwrap();
            assert!(
                ex < usage,
                "gclens {args:?}: the example comes after the usage:\n{help}"
            );
            let example = lines[ex].trim_start_matches("Example: ");
            let parsed = docs::invocations(example);
            assert!(
                parsed.iter().all(|a| Cli::try_parse_from(a).is_ok()) && !parsed.is_empty(),
                "gclens {args:?}: its example `{example}` is not a command gclens accepts"
            );
            let page = lines
                .iter()
                .find_map(|l| l.strip_prefix("More: "))
                .unwrap_or_else(|| {
                    panic!("gclens {args:?} names no page (`More: docs/…`):\n{help}")
                });
            let page = page.split_whitespace().next().unwrap();
            assert!(
                common::path(page).exists(),
                "gclens {args:?} names {page}, which does not exist"
            );
        }
    }
}

#[test]
fn every_option_of_a_command_is_on_its_page() {
    let mut missing = Vec::new();
    for sc in Cli::command().get_subcommands() {
        let page = common::path(&format!("docs/commands/{}.md", sc.get_name()));
        if matches!(sc.get_name(), "man" | "completions" | "help") {
            continue;
        }
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| {
            panic!("gclens {} has no page {}", sc.get_name(), docs::rel(&page))
        });
        let mut cmds = vec![sc.clone()];
        cmds.extend(
            sc.get_subcommands()
                .filter(|s| s.get_name() != "help")
                .cloned(),
        );
        for c in &cmds {
            for a in c.get_arguments().filter(|a| !a.is_hide_set()) {
                let named = match a.get_long() {
                    Some(l) if matches!(l, "help" | "version" | "color") => continue,
                    Some(l) => format!("--{l}"),
                    None if a.is_positional() => a
                        .get_value_names()
                        .map(|v| v[0].to_string())
                        .unwrap_or_default(),
                    None => continue,
                };
                // a row of the Options table: `--flag …`, `-f, --flag …`, or a positional's
                // `<NAME>` or `[NAME]`
                let row = |n: &str| {
                    [
                        format!("`{n}"),
                        format!(", {n}"),
                        format!("`<{n}>"),
                        format!("`[{n}]"),
                    ]
                    .iter()
                    .any(|r| text.contains(r.as_str()))
                };
                if !row(&named) {
                    missing.push(format!(
                        "{}: {named} of gclens {}",
                        docs::rel(&page),
                        c.get_name()
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "options missing from their pages (add a row to its Options table, as `gclens COMMAND -h` says it):\n{}",
        missing.join("\n")
    );
}
