//! `gclens goroutines` on real dumps (`fixtures/goroutines/`, made by
//! `fixtures/programs/goleak` under Go 1.19, 1.21 and 1.27, plain and `-trimpath`): golden
//! reports, exact counts against the program's truth in both forms, the crash traceback
//! found in a log, stdin, formats, and bad input refused by name.

mod common;
use common::{BUILDS, gclens, ok, path};
use gclens::analyze::goroutines::{GroupVerdict, analyze};
use predicates::prelude::*;
use serde_json::Value;

fn dumps(build: &str, ext: &str) -> Vec<String> {
    (1..=5)
        .map(|k| format!("fixtures/goroutines/{build}/goroutines-{k}.{ext}"))
        .collect()
}

#[test]
fn golden_reports_of_every_fixture() {
    for b in BUILDS {
        let name = b.replace(['/', '.'], "_");
        for (ext, tag) in [("txt", "debug1"), ("debug2.txt", "debug2")] {
            let files = dumps(b, ext);
            let mut args = vec!["goroutines"];
            args.extend(files.iter().map(String::as_str));
            insta::assert_snapshot!(format!("goroutines_{name}_{tag}"), ok(&args));
        }
        let crash = format!("fixtures/goroutines/{b}/panic.log");
        insta::assert_snapshot!(
            format!("goroutines_{name}_panic"),
            ok(&["goroutines", &crash])
        );
    }
    let files = dumps("go1.27/plain", "debug2.txt");
    let mut args = vec!["goroutines"];
    args.extend(files.iter().map(String::as_str));
    for fmt in ["csv", "markdown"] {
        let mut a = args.clone();
        a.extend(["--format", fmt]);
        insta::assert_snapshot!(format!("goroutines_go1_27_plain_{fmt}"), ok(&a));
    }
    args.extend(["--format", "json"]);
    let doc: Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(doc["schema"], "gclens.goroutines/v1");
    insta::assert_json_snapshot!("goroutines_go1_27_plain_json", doc);
}

/// Dumps are not sampled: every group's count is exactly what the program had running,
/// in every form (debug=1, debug=2, and the debug=0 profile.proto `curl` gets without
/// `?debug=`), and the leak is named with its creator and why.
#[test]
fn counts_are_exact_and_the_leak_is_named() {
    for b in BUILDS {
        let truth: Value = serde_json::from_slice(
            &std::fs::read(path(&format!("fixtures/goroutines/{b}/truth.json"))).unwrap(),
        )
        .unwrap();
        for ext in ["txt", "debug2.txt", "pb.gz"] {
            let files: Vec<String> = dumps(b, ext)
                .iter()
                .map(|f| path(f).to_string_lossy().into_owned())
                .collect();
            let r = analyze(
                &gclens::parse::goroutines::load(&files, gclens::input::MAX_INPUT).unwrap(),
            );
            let group = |f: &str| {
                r.groups
                    .iter()
                    .find(|g| g.function.ends_with(f))
                    .unwrap_or_else(|| panic!("{b} {ext}: {f}"))
            };
            // a goroutine caught running is a group of its own (the state is part of the
            // key): the function's groups add up to what the program had
            let count = |f: &str, k: usize| -> u64 {
                r.groups
                    .iter()
                    .filter(|g| g.function.ends_with(f))
                    .map(|g| g.counts[k])
                    .sum()
            };
            for (k, step) in truth.as_array().unwrap().iter().enumerate() {
                for (f, key) in [
                    ("main.leakyFetch", "leaked"),
                    ("pool.worker", "pool"),
                    ("main.lockedUpdate", "locked"),
                ] {
                    assert_eq!(
                        count(f, k),
                        step[key].as_u64().unwrap(),
                        "{b} {ext} dump {k} {f}"
                    );
                }
            }
            assert_eq!(
                group("main.leakyFetch").verdict,
                GroupVerdict::Growing,
                "{b} {ext}"
            );
            assert_ne!(
                group("pool.worker").verdict,
                GroupVerdict::Growing,
                "{b} {ext}"
            );
            assert_eq!(
                r.groups[0].function, "main.leakyFetch",
                "{b} {ext}: sorted by growth"
            );
            assert_eq!(r.leak.groups.len(), 1, "{b} {ext}: {:?}", r.leak.groups);
            if ext == "debug2.txt" {
                let g = group("main.leakyFetch");
                // Go 1.26+ marks the goroutines its leak detector found: `chan send (leaked)`
                assert!(
                    g.state
                        .as_deref()
                        .is_some_and(|s| s.starts_with("chan send")),
                    "{:?}",
                    g.state
                );
                assert_eq!(g.created_by.as_deref(), Some("main.main"));
                assert!(
                    r.leak.evidence.contains("the classic leak"),
                    "{}",
                    r.leak.evidence
                );
                assert_eq!(
                    group("main.lockedUpdate").parked_in.as_deref(),
                    Some("sync.(*Mutex).Lock")
                );
            }
        }
    }
}

/// The crash traceback is found after the program's own log lines and read as one.
#[test]
fn a_crash_traceback_inside_a_log() {
    for b in BUILDS {
        let f = format!("fixtures/goroutines/{b}/panic.log");
        let doc: Value =
            serde_json::from_str(&ok(&["goroutines", &f, "--format", "json"])).unwrap();
        assert_eq!(doc["dumps"][0]["format"], "traceback", "{b}");
        // the fetches a leak profile found earlier are `chan send (leaked)`, the rest
        // `chan send`: one function, together 24
        let leaked: u64 = doc["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["function"] == "main.leakyFetch")
            .map(|g| g["counts"][0].as_u64().unwrap())
            .sum();
        assert_eq!(leaked, 24, "{b}");
    }
}

#[test]
fn stdin_trace_and_bad_input() {
    let data = std::fs::read(path(
        "fixtures/goroutines/go1.21/plain/goroutines-3.debug2.txt",
    ))
    .unwrap();
    gclens()
        .args(["goroutines", "-", "--format", "csv"])
        .write_stdin(data)
        .assert()
        .success()
        .stdout(predicate::str::contains("main.leakyFetch"));
    let mut args = vec!["goroutines".to_string()];
    args.extend(dumps("go1.27/plain", "debug2.txt"));
    args.extend([
        "--trace".into(),
        "fixtures/gctrace/go1.27/goroutines.log".into(),
    ]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    assert!(ok(&a).contains("goroutine stacks at"));
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, b"\x00\xff hello\ngoroutine is a word\n").unwrap();
    gclens()
        .args(["goroutines", &junk.to_string_lossy()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("junk.txt").and(predicate::str::contains("no goroutine dump")),
        );
    gclens()
        .args(["goroutines", "no/such.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such.txt"));
}

/// Go 1.27's goroutine leak profile: its debug=1 form lists the leaked goroutines only,
/// its debug=2 form marks them; either names the leak from one dump.
#[test]
fn the_runtime_leak_profile_names_the_leak() {
    for b in ["go1.27/plain", "go1.27/trimpath"] {
        let truth: Value = serde_json::from_slice(
            &std::fs::read(path(&format!("fixtures/goroutines/{b}/truth.json"))).unwrap(),
        )
        .unwrap();
        for (k, step) in truth.as_array().unwrap().iter().enumerate() {
            for ext in ["txt", "debug2.txt"] {
                let f = path(&format!(
                    "fixtures/goroutines/{b}/goroutineleak-{}.{ext}",
                    k + 1
                ));
                let d = gclens::parse::goroutines::load(
                    &[f.to_string_lossy().into_owned()],
                    gclens::input::MAX_INPUT,
                )
                .unwrap();
                assert!(d[0].leak_profile, "{b} {ext}");
                let r = analyze(&d);
                let leaked: u64 = r
                    .groups
                    .iter()
                    .filter(|g| g.leaked)
                    .map(|g| g.counts[0])
                    .sum();
                assert_eq!(
                    leaked,
                    step["leaked"].as_u64().unwrap(),
                    "{b} {ext} dump {k}"
                );
                assert!(
                    r.groups
                        .iter()
                        .filter(|g| g.leaked)
                        .all(|g| g.function == "main.leakyFetch")
                );
                assert_eq!(
                    r.leak.verdict,
                    gclens::analyze::goroutines::GoroutineLeakVerdict::LikelyLeak,
                    "{b} {ext}"
                );
                assert!(
                    r.leak.evidence.contains("leak detector"),
                    "{}",
                    r.leak.evidence
                );
            }
        }
    }
}

/// A crash in a log whose every line carries a timestamp of constant width (as
/// `kubectl logs --timestamps` writes): the prefix is cut and the dump read the same.
#[test]
fn a_traceback_behind_log_prefixes() {
    let real = std::fs::read_to_string(path("fixtures/goroutines/go1.21/plain/panic.log")).unwrap();
    let prefixed: String = real
        .lines()
        .map(|l| format!("2026-12-01T15:09:40.123456789Z stderr F {l}\n"))
        .collect();
    let plain = analyze(&[gclens::parse::goroutines::parse("plain", real.as_bytes()).unwrap()]);
    let cut =
        analyze(&[gclens::parse::goroutines::parse("prefixed", prefixed.as_bytes()).unwrap()]);
    let key = |r: &gclens::analyze::goroutines::GoroutineReport| {
        r.groups
            .iter()
            .map(|g| {
                (
                    g.function.clone(),
                    g.state.clone(),
                    g.created_by.clone(),
                    g.counts.clone(),
                    g.file.clone(),
                    g.line,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&cut), key(&plain));
    assert_eq!(
        cut.dumps[0].format,
        gclens::model::goroutines::DumpFormat::Traceback
    );
}

/// A stream (stdin, read line block by line block) gives what the mapped file gives.
#[test]
fn stdin_reads_as_the_file() {
    for f in [
        "fixtures/goroutines/go1.21/plain/panic.log",
        "fixtures/goroutines/go1.27/plain/goroutineleak-4.txt",
        "fixtures/goroutines/go1.19/trimpath/goroutines-3.debug2.txt",
    ] {
        let file: Value =
            serde_json::from_str(&ok(&["goroutines", f, "--format", "json"])).unwrap();
        let out = gclens()
            .args(["goroutines", "-", "--format", "json"])
            .write_stdin(std::fs::read(path(f)).unwrap())
            .output()
            .unwrap();
        let stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(file["groups"], stdin["groups"], "{f}");
        assert_eq!(
            file["dumps"][0]["format"], stdin["dumps"][0]["format"],
            "{f}"
        );
        assert_eq!(file["leak"], stdin["leak"], "{f}");
    }
}

/// `--fail-on` (issue 18): a CI gate on the dumps' verdict, after the report is written.
#[test]
fn fail_on_gates_the_leak_verdict() {
    let d = "fixtures/goroutines/go1.27/plain";
    let files: Vec<String> = (1..=5).map(|i| format!("{d}/goroutines-{i}.txt")).collect();
    let o = gclens()
        .arg("goroutines")
        .args(&files)
        .args(["--fail-on", "warn"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--fail-on: likely leak: main.leakyFetch"),
        "{err}"
    );
    assert!(!o.stdout.is_empty());
    let o = gclens()
        .args(["goroutines", &files[0], "--fail-on", "warn"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
}

/// The gzipped debug=0 profile (issue 28: refused before, without a hint) read from
/// stdin gives the debug=1 dump's groups.
#[test]
fn the_debug0_profile_from_stdin_reads_like_debug1() {
    let d = "fixtures/goroutines/go1.27/plain";
    let json = |args: &[&str], stdin: Option<Vec<u8>>| -> Value {
        let mut c = gclens();
        c.args(args).args(["--format", "json"]);
        if let Some(s) = stdin {
            c.write_stdin(s);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let pb = json(
        &["goroutines", "-"],
        Some(std::fs::read(path(&format!("{d}/goroutines-3.pb.gz"))).unwrap()),
    );
    let text = json(&["goroutines", &format!("{d}/goroutines-3.txt")], None);
    assert_eq!(pb["dumps"][0]["total"], text["dumps"][0]["total"]);
    assert_eq!(pb["dumps"][0]["format"], "proto");
}

/// Regression (issue 29, a held-out capture): `goroutines goroutine*.txt` on a capture
/// directory read the debug=1, debug=2 and leak-profile files of each moment as dumps of
/// their own (62 → 62 → 233 …), and split `[chan send]` from `[chan send (leaked)]` into
/// two groups. Every file of a moment is one moment now: the richest dump counted, the
/// others read for what the leak detector proved.
#[test]
fn a_capture_directory_is_one_dump_per_moment() {
    for b in BUILDS {
        let truth: Value = serde_json::from_slice(
            &std::fs::read(path(&format!("fixtures/goroutines/{b}/truth.json"))).unwrap(),
        )
        .unwrap();
        let dir = path(&format!("fixtures/goroutines/{b}"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("goroutine")
            })
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        files.sort(); // the shell's glob order: goroutineleak-* before goroutines-*
        let r =
            analyze(&gclens::parse::goroutines::load(&files, gclens::input::MAX_INPUT).unwrap());
        let steps = truth.as_array().unwrap();
        assert_eq!(r.dumps.len(), steps.len(), "{b}: {files:?}");
        assert!(r.set_aside.is_empty(), "{b}");
        // each moment counts its debug=2 dump; the 1.27 moments also hold the two leak
        // profiles, every moment its debug=1 and profile.proto twins
        let per_moment = files.len() / steps.len();
        for d in &r.dumps {
            assert!(
                d.source.ends_with(".debug2.txt") && d.source.contains("goroutines-"),
                "{}",
                d.source
            );
            assert_eq!(d.also.len(), per_moment - 1, "{b}");
        }
        let fetch: Vec<&gclens::analyze::goroutines::Group> = r
            .groups
            .iter()
            .filter(|g| g.function == "main.leakyFetch")
            .collect();
        assert_eq!(fetch.len(), 1, "{b}: one group, leaked or not");
        let want: Vec<u64> = steps
            .iter()
            .map(|s| s["leaked"].as_u64().unwrap())
            .collect();
        assert_eq!(fetch[0].counts, want, "{b}");
        assert_eq!(fetch[0].verdict, GroupVerdict::Growing);
        assert_eq!(fetch[0].state.as_deref(), Some("chan send"));
        if b.starts_with("go1.27") {
            // the leak profile of each moment (taken right after its dump) proves all of
            // that moment's blocked fetches leaked
            assert_eq!(fetch[0].leaked_counts, want, "{b}");
            assert!(
                r.leak.evidence.contains("proves 40 goroutine(s) leaked"),
                "{}",
                r.leak.evidence
            );
        } else {
            assert!(fetch[0].leaked_counts.iter().all(|c| *c == 0));
        }
        assert!(r.groups.iter().all(|g| g.function != "main.leakyFetch" || g.state.as_deref() == Some("chan send")));
    }
}

/// Files without snapshot numbers in their names: two kinds of as many files pair in the
/// order given; a kind with fewer files is set aside, said.
#[test]
fn unnumbered_dumps_pair_in_order_or_are_set_aside() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for (k, name) in ["first", "second", "third"].iter().enumerate() {
        for (ext, tag) in [("txt", "one"), ("debug2.txt", "two")] {
            let to = dir.path().join(format!("{name}-{tag}.txt"));
            std::fs::copy(
                path(&format!(
                    "fixtures/goroutines/go1.21/plain/goroutines-{}.{ext}",
                    k + 1
                )),
                &to,
            )
            .unwrap();
            files.push(to.to_string_lossy().into_owned());
        }
    }
    let load = |f: &[String]| {
        analyze(&gclens::parse::goroutines::load(f, gclens::input::MAX_INPUT).unwrap())
    };
    let r = load(&files);
    assert_eq!(r.dumps.len(), 3);
    let fetch = r
        .groups
        .iter()
        .find(|g| g.function == "main.leakyFetch")
        .unwrap();
    assert_eq!(fetch.counts, vec![8, 16, 24]);
    // one debug=1 dump less: the debug=2 dumps form the series, the rest set aside
    let fewer: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("third-one.txt"))
        .cloned()
        .collect();
    let r = load(&fewer);
    assert_eq!(r.dumps.len(), 3);
    assert_eq!(r.set_aside.len(), 2);
    assert!(
        r.set_aside[0].reason.contains("same moment"),
        "{}",
        r.set_aside[0].reason
    );
    let out = ok(&[
        &["goroutines"][..],
        &fewer.iter().map(String::as_str).collect::<Vec<_>>(),
    ]
    .concat());
    assert!(out.contains("set aside: "), "{out}");
}
