//! The binary from the outside: files and stdin, formats, exit codes, bad input.

mod common;
use common::gclens;
use predicates::prelude::*;
use std::path::Path;

const LEAK: &str = "fixtures/gctrace/go1.21/leak.log";

#[test]
fn text_report_of_a_file() {
    gclens()
        .args(["gc", LEAK])
        .assert()
        .success()
        .stdout(predicate::str::contains("Throughput"))
        .stdout(predicate::str::contains("likely leak"))
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn stdin_and_dash_give_the_same_json_as_the_file() {
    let input = std::fs::read(format!("{}/{LEAK}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let from_file = gclens()
        .args(["gc", LEAK, "--format", "json"])
        .output()
        .unwrap();
    let dash = gclens()
        .args(["gc", "-", "--format", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let none = gclens()
        .args(["gc", "--format", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    let cycles = |o: &std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["schema"], "gclens.gc/v1");
        let mut summary = v["summary"].clone();
        summary["worst_pause"]["source"] = serde_json::Value::Null; // names the input
        (summary, v["cycles"].clone())
    };
    assert_eq!(cycles(&from_file), cycles(&dash));
    assert_eq!(cycles(&dash), cycles(&none));
}

#[test]
fn json_cycle_keys() {
    let o = gclens()
        .args([
            "gc",
            "fixtures/gctrace/public/go1.5-issue12228-pacer.log",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let c = &v["cycles"][0];
    for k in [
        "segment",
        "cycle",
        "line",
        "t_s",
        "cpu_pct",
        "forced",
        "leak_check",
        "clock_ms",
        "cpu_ms",
        "heap_before_mib",
        "heap_after_mib",
        "heap_live_mib",
        "goal_mib",
        "stacks_mib",
        "globals_mib",
        "procs",
    ] {
        assert!(c.get(k).is_some(), "missing {k}");
    }
    assert_eq!(
        c["clock_ms"],
        serde_json::json!([1.0, 5.0, 11.0, 64.0, 2.0])
    );
    assert_eq!(
        c["cpu_ms"],
        serde_json::json!([8.0, 5.0, 0.0, 433.0, 76.0, 0.0, 16.0])
    );
    assert_eq!(c["stacks_mib"], serde_json::Value::Null);
    assert_eq!(
        (c["cycle"].as_u64(), c["line"].as_u64()),
        (Some(73), Some(2))
    );
    assert_eq!(v["events"].as_array().unwrap().len(), 6);
    assert_eq!(v["events"][0]["type"], "pacer");
    assert_eq!(
        v["skipped"],
        serde_json::json!({"malformed": 0, "foreign": 0, "examples": []})
    );
}

#[test]
fn csv_has_a_row_per_cycle_with_named_phases() {
    let o = gclens()
        .args([
            "gc",
            "fixtures/gctrace/public/go1.9-issue14812.log",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut r = csv::Reader::from_reader(&o.stdout[..]);
    let h = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    assert_eq!(&rows[5][col("cycle")], "295");
    assert_eq!(&rows[5][col("clock_mark_term_ms")], "3.2");
    assert_eq!(&rows[5][col("cpu_assist_ms")], "214");
    assert_eq!(&rows[5][col("stacks_mib")], "");
    assert_eq!(&rows[5][col("pause_ms")], "3.34");
}

#[test]
fn several_files_make_segments() {
    let o = gclens()
        .args([
            "gc",
            "fixtures/gctrace/go1.21/steady.log",
            "fixtures/gctrace/go1.23/steady.log",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["segments"], 2);
    assert_eq!(
        v["segments"][1]["source"],
        "fixtures/gctrace/go1.23/steady.log"
    );
    // with two files, the restart names the file it is in (issue 18: "went back at line 2")
    gclens()
        .args([
            "gc",
            "fixtures/gctrace/go1.21/steady.log",
            "fixtures/gctrace/go1.23/steady.log",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "went back at fixtures/gctrace/go1.23/steady.log:",
        ));
}

/// `--color always` colours into a pipe; `never` and the default (a pipe) do not.
#[test]
fn color_when() {
    let esc = |args: &[&str]| {
        let o = gclens().args(args).output().unwrap();
        assert!(o.status.success());
        o.stdout.windows(2).any(|w| w == b"\x1b[")
    };
    let f = "fixtures/gctrace/go1.27/leak.log";
    assert!(esc(&["gc", f, "--color", "always"]));
    assert!(esc(&["--color", "always", "gc", f]));
    assert!(!esc(&["gc", f, "--color", "never"]));
    assert!(!esc(&["gc", f]));
    gclens()
        .args(["gc", f, "--color", "sometimes"])
        .assert()
        .code(2);
}

#[test]
fn missing_file_is_exit_2_naming_it() {
    gclens()
        .args(["gc", "no/such/trace.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read no/such/trace.log"));
}

#[test]
fn a_directory_is_exit_2() {
    gclens()
        .args(["gc", "fixtures"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fixtures"));
}

#[test]
fn usage_error_is_exit_2() {
    gclens().args(["gc", "--format", "yaml"]).assert().code(2);
    gclens().args(["frobnicate"]).assert().code(2);
}

#[test]
fn empty_and_foreign_input_is_exit_1() {
    gclens()
        .args(["gc"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no gc line"));
    gclens()
        .args(["gc", "-"])
        .write_stdin(b"hello\x00\xff\xfe world\r\nno trace here".to_vec())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2 lines read"));
}

#[test]
fn truncated_gc_line_is_reported_with_its_line_number() {
    let input = "app start\ngc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\ngc 2 @0.031s 2%: 0.076+22+0.28 ms clock, 0.83+14/9.4/15+3.1 ms cpu, 31->31->31 MB, 32 MB\n";
    gclens()
        .args(["gc"])
        .write_stdin(input)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1 line(s) looked like runtime trace lines but did not parse; first at stdin line 3",
        ))
        .stdout(predicate::str::contains("1 foreign, 1 malformed"));
}

#[test]
fn crlf_nul_and_invalid_utf8_around_records() {
    let input = b"\xff\xfe\x00garbage\r\ngc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\r\n\x00\x00\ngc 2 @0.031s 2%: 0.076+22+0.28 ms clock, 0.83+14/9.4/15+3.1 ms cpu, 31->31->31 MB, 32 MB goal, 40 P";
    let o = gclens()
        .args(["gc", "-f", "json"])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["cycles"], 2);
    assert_eq!(v["cycles"][1]["line"], 4);
    assert_eq!(v["skipped"]["foreign"], 2);
}

#[test]
fn output_file_and_unwritable_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.csv");
    gclens()
        .args(["gc", LEAK, "-f", "csv", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("source,segment,line,cycle")
    );
    gclens()
        .args(["gc", LEAK, "-o", "/nonexistent-dir/x.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write /nonexistent-dir/x.txt",
        ));
}

#[test]
fn broken_pipe_is_quiet_success() {
    let mut child = common::spawn(&["gc", LEAK, "-f", "json"]);
    drop(child.stdin.take());
    common::close_stdout_after_a_little(&mut child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn version_help_and_completions() {
    gclens()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("gclens "));
    gclens()
        .args(["gc", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    gclens()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gclens"));
}

/// Each subcommand accepts only the formats it can write: clap refuses the rest with
/// exit 2 and names the allowed values (advise once printed text for `--format csv`).
#[test]
fn each_command_accepts_only_its_own_formats() {
    for (cmd, bad, allowed) in [
        (
            &["advise", LEAK, "--budget", "512Mi"][..],
            "csv",
            "[possible values: text, json]",
        ),
        (
            &["gc", LEAK][..],
            "sarif",
            "[possible values: text, json, csv]",
        ),
        (
            &["memstats", "fixtures/memstats/go1.27/debug-vars.json"][..],
            "sarif",
            "[possible values: text, json, csv]",
        ),
        (
            &["escape", "fixtures/escape/go1.27/m1.txt"][..],
            "csv",
            "[possible values: text, json, sarif, github, rdjsonl, codequality, markdown]",
        ),
    ] {
        let mut args = cmd.to_vec();
        args.extend_from_slice(&["--format", bad]);
        gclens()
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(allowed));
    }
}

/// Every `--help` describes its own formats, not another command's.
#[test]
fn help_describes_only_the_commands_own_formats() {
    let help = |cmd: &str| {
        let out = gclens().args([cmd, "--help"]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let advise = help("advise");
    assert!(advise.contains("gclens.advice/v2"), "{advise}");
    assert!(
        !advise.contains("gclens.gc/v1") && !advise.contains("row per cycle"),
        "{advise}"
    );
    let memstats = help("memstats");
    assert!(
        memstats.contains("gclens.memstats/v1") && memstats.contains("row per snapshot"),
        "{memstats}"
    );
    assert!(
        !memstats.contains("gclens.gc/v1") && !memstats.contains("row per cycle"),
        "{memstats}"
    );
    let gc = help("gc");
    assert!(
        gc.contains("gclens.gc/v1") && gc.contains("row per cycle"),
        "{gc}"
    );
}

/// `gclens man` (issue 18): pages generated from the clap definition; `docs/man/` holds
/// them and must be what this build generates (regenerate: `cargo run -- man --dir docs/man`).
#[test]
fn man_pages_are_generated_and_current() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    gclens().args(["man", "--dir", dir]).assert().success();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(
        names.contains(&"gclens.1".to_string()) && names.contains(&"gclens-advise.1".to_string())
    );
    for n in &names {
        let fresh = std::fs::read(tmp.path().join(n)).unwrap();
        let kept = std::fs::read(Path::new("docs/man").join(n))
            .unwrap_or_else(|_| panic!("docs/man/{n} missing: cargo run -- man --dir docs/man"));
        assert!(
            fresh == kept,
            "docs/man/{n} is stale: cargo run -- man --dir docs/man"
        );
    }
    assert_eq!(std::fs::read_dir("docs/man").unwrap().count(), names.len());
    let page = gclens().args(["man", "gc"]).output().unwrap();
    assert!(String::from_utf8_lossy(&page.stdout).starts_with(".ie"));
    assert!(
        String::from_utf8_lossy(&page.stdout)
            .contains(".TH GCLENS-GC 1 2026-12-04 \"gclens 0.1.0\" \"gclens manual\"")
    );
    // option values in the synopsis
    assert!(
        String::from_utf8_lossy(&page.stdout)
            .contains("[\\fB\\-f\\fR|\\fB\\-\\-format\\fR \\fIFORMAT\\fR]")
    );
    gclens().args(["man", "nope"]).assert().code(2);
}

/// Issue 27: `mandoc -Tlint -W all` found 81 warnings (`.br` around `.sp`, an empty
/// `.TH` date slot that shifted header and footer) and 110 style notes in docs/man;
/// now none. Runs when mandoc is installed (scripts/test installs it as root).
#[test]
fn man_pages_are_mandoc_lint_clean() {
    let Ok(o) = std::process::Command::new("mandoc")
        .args(["-Tlint", "-W", "all"])
        .args(
            std::fs::read_dir(Path::new(common::ROOT).join("docs/man"))
                .unwrap()
                .map(|e| e.unwrap().path()),
        )
        .output()
    else {
        eprintln!("skipped: no mandoc on this machine (apt-get install mandoc)");
        return;
    };
    let report =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && report.trim().is_empty(), "{report}");
}

/// On a terminal, waiting for stdin says so (issue 18: `gclens gc` with no file waited
/// silently); a pipe gets no such line. The terminal is `script`'s pseudo-terminal.
#[test]
fn reading_stdin_on_a_terminal_says_so() {
    let Ok(o) = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} gc", common::bin().display()),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
    else {
        eprintln!("skipped: no `script` (util-linux) for a pseudo-terminal");
        return;
    };
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("gclens: reading stdin"), "{out}");
    assert!(out.contains("no gc line found in stdin"), "{out}");
    gclens()
        .args(["gc"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("reading stdin").not());
}

/// `gc --chart` on a trace of one cycle: every format writes its report, then says that
/// a chart needs two cycles and exits 2 (the text report used to be left out).
#[test]
fn gc_chart_of_one_cycle_writes_the_report_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::fs::read(common::path(LEAK)).unwrap();
    // the fixture's first gc line, alone
    let line = fixture
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"gc 1 @"))
        .unwrap();
    let one = dir.path().join("one.log");
    std::fs::write(&one, [line, b"\n"].concat()).unwrap();
    let png = dir.path().join("one.png");
    for (format, shows) in [
        ("text", "1 cycles"),
        ("csv", "heap_before_mib"),
        ("json", "\"schema\""),
    ] {
        gclens()
            .args(["gc", one.to_str().unwrap(), "--format", format])
            .args(["--chart", png.to_str().unwrap()])
            .assert()
            .code(2)
            .stdout(predicate::str::contains(shows))
            .stderr(predicate::str::contains("a chart needs at least 2"));
        assert!(!png.exists(), "{format}");
    }
}
