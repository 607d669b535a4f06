//! `gclens heap` on real profile series (`fixtures/heap/`, made by
//! `fixtures/programs/heapgrow` under Go 1.19, 1.21 and 1.27, plain and `-trimpath`):
//! golden reports, the verdicts the program's known sites must get, the text and protobuf
//! forms of one snapshot agreeing, our figures against `go tool pprof -traces`, and bad
//! input (garbage, truncated gzip, out-of-range indexes) refused by name, never a panic.

mod common;
use common::{BUILDS, gclens, ok, path};
use gclens::analyze::heap::{SiteVerdict, analyze};
use gclens::model::heap::SampleType;
use predicates::prelude::*;
use serde_json::Value;

fn series(build: &str, ext: &str) -> Vec<String> {
    (1..=5)
        .map(|k| format!("fixtures/heap/{build}/heap-{k}.{ext}"))
        .collect()
}

#[test]
fn golden_reports_of_every_series() {
    for b in BUILDS {
        let name = b.replace(['/', '.'], "_");
        for ext in ["pb.gz", "txt"] {
            let files = series(b, ext);
            let mut args = vec!["heap"];
            args.extend(files.iter().map(String::as_str));
            let tag = if ext == "txt" { "text" } else { "proto" };
            insta::assert_snapshot!(format!("heap_{name}_{tag}"), ok(&args));
        }
    }
    let files = series("go1.27/plain", "pb.gz");
    let mut args = vec!["heap"];
    args.extend(files.iter().map(String::as_str));
    for (fmt, tag) in [("csv", "csv"), ("markdown", "markdown")] {
        let mut a = args.clone();
        a.extend(["--format", fmt]);
        insta::assert_snapshot!(format!("heap_go1_27_plain_{tag}"), ok(&a));
    }
    args.extend(["--format", "json"]);
    let doc: Value = serde_json::from_str(&ok(&args)).unwrap();
    assert_eq!(doc["schema"], "gclens.heap/v1");
    insta::assert_json_snapshot!("heap_go1_27_plain_json", doc);
}

/// The program's sites get the verdicts their code earns, in every build and both forms,
/// and the leaking site's growth matches what the program counted (within the sampling).
#[test]
fn known_sites_get_their_verdicts() {
    for b in BUILDS {
        let truth: Value = serde_json::from_slice(
            &std::fs::read(path(&format!("fixtures/heap/{b}/truth.json"))).unwrap(),
        )
        .unwrap();
        let kept =
            truth[4]["cache_bytes"].as_i64().unwrap() - truth[0]["cache_bytes"].as_i64().unwrap();
        for ext in ["pb.gz", "txt"] {
            let files: Vec<String> = series(b, ext)
                .iter()
                .map(|f| path(f).to_string_lossy().into_owned())
                .collect();
            let s = gclens::parse::heap::load(&files, gclens::input::MAX_INPUT).unwrap();
            let r = analyze(&s, SampleType::InuseSpace);
            let site = |f: &str| {
                r.sites
                    .iter()
                    .find(|s| s.function.ends_with(f))
                    .unwrap_or_else(|| panic!("{b} {ext}: no site {f}"))
            };
            assert_eq!(
                site("store.(*Cache).Add").verdict,
                SiteVerdict::Growing,
                "{b} {ext}"
            );
            assert_eq!(
                site("main.loadTable").verdict,
                SiteVerdict::Steady,
                "{b} {ext}"
            );
            assert_eq!(
                site("main.fillIndex").verdict,
                SiteVerdict::Jumped,
                "{b} {ext}"
            );
            assert_eq!(
                site("main.render").verdict,
                SiteVerdict::Transient,
                "{b} {ext}"
            );
            assert_eq!(
                r.sites[0].function,
                site("store.(*Cache).Add").function,
                "{b} {ext}: sorted by growth"
            );
            assert_eq!(r.leak.sites, vec![r.sites[0].function.clone()], "{b} {ext}");
            let g = site("store.(*Cache).Add").growth as f64;
            assert!(
                (g / kept as f64 - 1.0).abs() < 0.35,
                "{b} {ext}: estimated growth {g} vs {kept} kept"
            );
            // the steady table is one 4 MiB object: exact once unsampled
            assert!(
                (site("main.loadTable").inuse_bytes[4] - (4 << 20)).abs() < 4096,
                "{b} {ext}"
            );
        }
    }
}

/// One snapshot written as protobuf and as text gives the same per-site bytes (within
/// 2 %; a site in one form only is one sample, worth about a sampling period: it was
/// allocated between the two writes).
#[test]
fn text_and_protobuf_of_one_snapshot_agree() {
    for b in BUILDS {
        for k in 1..=5 {
            let f = |ext: &str| {
                path(&format!("fixtures/heap/{b}/heap-{k}.{ext}"))
                    .to_string_lossy()
                    .into_owned()
            };
            let load = |ext| {
                let s = gclens::parse::heap::load(&[f(ext)], gclens::input::MAX_INPUT).unwrap();
                analyze(&s, SampleType::InuseSpace)
            };
            let (p, t) = (load("pb.gz"), load("txt"));
            for s in &p.sites {
                let pb = s.inuse_bytes[0];
                match t.sites.iter().find(|x| x.function == s.function) {
                    Some(x) => {
                        let tb = x.inuse_bytes[0];
                        assert!(
                            (pb - tb).abs() as f64 <= 0.02 * pb.max(tb) as f64 + 1.0,
                            "{b} heap-{k}: {} {pb} vs {tb}",
                            s.function
                        );
                    }
                    None => assert!(
                        pb <= 2 * 524288,
                        "{b} heap-{k}: {} only in the protobuf: {pb}",
                        s.function
                    ),
                }
            }
            for x in &t.sites {
                if !p.sites.iter().any(|s| s.function == x.function) {
                    assert!(
                        x.inuse_bytes[0] <= 2 * 524288,
                        "{b} heap-{k}: {} only in the text",
                        x.function
                    );
                }
            }
        }
    }
}

/// `go tool pprof -traces` value (`6.22MB`, `16kB`, `0`; 1024-based) in bytes.
fn pprof_bytes(v: &str) -> f64 {
    let split = v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len());
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().unwrap();
    n * match unit {
        "" | "B" => 1.0,
        "kB" => 1024.0,
        "MB" => 1048576.0,
        "GB" => 1073741824.0,
        u => panic!("unit {u}"),
    }
}

/// Every site's in-use bytes match pprof's own reading of the protobuf profiles (run
/// when a Go toolchain is there: scripts/test provides one as GCLENS_GO).
#[test]
fn in_use_bytes_match_go_tool_pprof() {
    let Some(go) = std::env::var_os("GCLENS_GO") else {
        eprintln!("GCLENS_GO not set: skipping the go tool pprof comparison");
        return;
    };
    for b in BUILDS {
        let f = path(&format!("fixtures/heap/{b}/heap-5.pb.gz"));
        let out = std::process::Command::new(&go)
            .args(["tool", "pprof", "-traces", "-sample_index=inuse_space"])
            .arg(&f)
            .env("PPROF_TMPDIR", std::env::temp_dir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "go tool pprof: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // the first line of each trace: value, then the leaf function
        let mut theirs: std::collections::HashMap<String, f64> = Default::default();
        let mut first = false;
        for line in text.lines() {
            if line.starts_with("-----------+") {
                first = true;
                continue;
            }
            if first && !line.trim_start().starts_with("bytes:") {
                let mut parts = line.split_whitespace();
                let v = pprof_bytes(parts.next().unwrap());
                let func = parts.next().unwrap().to_string();
                *theirs.entry(func).or_default() += v;
                first = false;
            }
        }
        let s = gclens::parse::heap::load(
            &[f.to_string_lossy().into_owned()],
            gclens::input::MAX_INPUT,
        )
        .unwrap();
        let r = analyze(&s, SampleType::InuseSpace);
        assert!(theirs.len() >= 4, "{b}: {text}");
        for (func, v) in &theirs {
            // a site that holds nothing (and makes no garbage) is not listed
            let o = r
                .sites
                .iter()
                .find(|s| &s.function == func)
                .map_or(0.0, |s| s.inuse_bytes[0] as f64);
            assert!(
                (o - v).abs() <= 0.01 * v + 10240.0,
                "{b}: {func}: ours {o}, pprof {v}"
            );
        }
    }
}

/// The same profile uncompressed reads the same; the text form's time (its trailer's
/// LastGC) is within a second of the protobuf's.
#[test]
fn plain_protobuf_and_text_times() {
    let dir = tempfile::tempdir().unwrap();
    let gz = path("fixtures/heap/go1.21/trimpath/heap-3.pb.gz");
    let mut raw = vec![];
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&std::fs::read(&gz).unwrap()[..]),
        &mut raw,
    )
    .unwrap();
    let plain = dir.path().join("heap-3.pb");
    std::fs::write(&plain, raw).unwrap();
    let sites = |f: &std::path::Path| {
        let doc: Value =
            serde_json::from_str(&ok(&["heap", &f.to_string_lossy(), "--format", "json"])).unwrap();
        (
            doc["sites"].clone(),
            doc["profiles"][0]["time_unix_ns"].as_i64().unwrap(),
        )
    };
    let (a, ta) = sites(&gz);
    let (b, tb) = sites(&plain);
    assert_eq!(a, b);
    assert_eq!(ta, tb);
    let (_, tt) = sites(&path("fixtures/heap/go1.21/trimpath/heap-3.txt"));
    assert!((ta - tt).abs() < 1_000_000_000, "{ta} vs {tt}");
}

#[test]
fn allocs_profiles_stdin_and_base() {
    let allocs = ok(&[
        "heap",
        "fixtures/heap/go1.27/plain/allocs.pb.gz",
        "--sample",
        "alloc_space",
    ]);
    assert!(allocs.contains("main.render"), "{allocs}");
    let data = std::fs::read(path("fixtures/heap/go1.21/plain/heap-2.pb.gz")).unwrap();
    gclens()
        .args(["heap", "-", "--format", "json"])
        .write_stdin(data)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"source\": \"-\""));
    let diff: Value = serde_json::from_str(&ok(&[
        "heap",
        "--base",
        "fixtures/heap/go1.21/plain/heap-1.pb.gz",
        "fixtures/heap/go1.21/plain/heap-5.pb.gz",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(diff["profiles"].as_array().unwrap().len(), 2);
    assert_eq!(diff["sites"][0]["verdict"], "growing");
    assert_eq!(diff["leak"]["verdict"], "possible_growth");
}

#[test]
fn growth_flame_graph_is_svg() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("growth.svg");
    let svg_s = svg.to_string_lossy().into_owned();
    let mut args = vec!["heap".to_string()];
    args.extend(series("go1.27/plain", "pb.gz"));
    args.extend([
        "--flamegraph".into(),
        svg_s,
        "--format".into(),
        "csv".into(),
    ]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&a);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<?xml") && text.contains("store.(*Cache).Add"),
        "{}",
        &text[..200]
    );
}

#[test]
fn the_trace_of_the_same_kind_of_run_is_put_beside() {
    let mut args = vec!["heap".to_string()];
    args.extend(series("go1.27/plain", "pb.gz"));
    args.extend(["--trace".into(), "fixtures/gctrace/go1.27/leak.log".into()]);
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(&a);
    assert!(out.contains("the growing sites explain"), "{out}");
}

/// Garbage, truncated gzip, a CPU-less empty protobuf and out-of-range indexes: exit 2
/// with the file named, never a panic.
#[test]
fn bad_profiles_are_refused_by_name() {
    use gclens::parse::heap::proto::Profile;
    use prost::Message;
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read(path("fixtures/heap/go1.27/plain/heap-3.pb.gz")).unwrap();
    let mut raw = vec![];
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&real[..]), &mut raw).unwrap();
    let p = Profile::decode(&raw[..]).unwrap();
    let mut bad_string = p.clone();
    bad_string.function[0].name = 1 << 40;
    let mut bad_location = p.clone();
    bad_location.sample[0].location_id.push(999_999);
    let mut bad_function = p.clone();
    bad_function.location[0].line[0].function_id = 999_999;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage.pb.gz",
            b"\x1f\x8b not gzip at all".to_vec(),
            "gzip",
        ),
        ("truncated.pb.gz", real[..real.len() / 2].to_vec(), "gzip"),
        (
            "words.txt",
            b"hello\nworld\n".to_vec(),
            "not a heap profile",
        ),
        ("empty.pb", vec![], "the file is empty"),
        ("string.pb", bad_string.encode_to_vec(), "string index"),
        (
            "location.pb",
            bad_location.encode_to_vec(),
            "location 999999",
        ),
        (
            "function.pb",
            bad_function.encode_to_vec(),
            "function 999999",
        ),
        (
            "header.txt",
            b"heap profile: 1: 2 [3: 4] @ heap/1048576\nnot a record\n".to_vec(),
            "line 2",
        ),
    ];
    for (name, bytes, why) in cases {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        gclens()
            .args(["heap", &f.to_string_lossy()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(name).and(predicate::str::contains(why)));
    }
    gclens()
        .args(["heap", "no/such.pb.gz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such.pb.gz"));
}

/// A long series keeps each frame and stack once: a hundred profiles hold no more
/// stacks than the five distinct ones they repeat.
#[test]
fn a_series_keeps_every_stack_once() {
    let five: Vec<String> = series("go1.27/plain", "pb.gz")
        .iter()
        .map(|f| path(f).to_string_lossy().into_owned())
        .collect();
    let once = gclens::parse::heap::load(&five, gclens::input::MAX_INPUT).unwrap();
    let hundred: Vec<String> = (0..100).map(|k| five[k % 5].clone()).collect();
    let many = gclens::parse::heap::load(&hundred, gclens::input::MAX_INPUT).unwrap();
    assert_eq!(many.profiles.len(), 100);
    assert_eq!(many.stacks.stacks.len(), once.stacks.stacks.len());
    assert_eq!(many.stacks.frames.len(), once.stacks.frames.len());
}

/// `--fail-on` (issue 18): a CI gate on the series' verdict, after the report is written.
#[test]
fn fail_on_gates_the_leak_verdict() {
    let d = "fixtures/heap/go1.27/plain";
    let files: Vec<String> = (1..=5).map(|i| format!("{d}/heap-{i}.pb.gz")).collect();
    let run = |extra: &[&str]| {
        let o = gclens()
            .arg("heap")
            .args(&files)
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
            o.stdout,
        )
    };
    let (code, err, out) = run(&["--fail-on", "alert"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("--fail-on: likely leak: "), "{err}");
    assert!(!out.is_empty(), "the report is written first");
    assert_eq!(run(&[]).0, Some(0));
    let one = gclens()
        .args(["heap", &files[0], "--fail-on", "warn"])
        .output()
        .unwrap();
    assert_eq!(one.status.code(), Some(0), "one profile has no verdict");
}
