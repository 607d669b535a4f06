//! Golden snapshots of every document and format the report commands write, from real
//! fixtures: `gc` JSON and CSV (Go 1.27 with scavenger events and a forced cycle; the
//! public Go 1.4, 1.5 and restart lines), `gc` text with `--memstats`, `advise` text
//! and JSON (a steady and a leaking service, a tight budget, measured MemStats), and
//! `memstats` text, JSON and CSV of the four dump shapes. A change to any of them shows
//! up here; after a deliberate one: `INSTA_UPDATE=always cargo test --test documents`,
//! then review `git diff tests/snapshots`.

mod common;
use common::ok;

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// `fixtures/gctrace/go1.27/idle.log` → `go1_27_idle`.
fn name(f: &str) -> String {
    let f = f.trim_start_matches("fixtures/");
    let f = f
        .trim_start_matches("gctrace/")
        .trim_start_matches("memstats/");
    f.trim_end_matches(".log")
        .trim_end_matches(".txt")
        .trim_end_matches(".json")
        .replace(['/', '.', '-'], "_")
}

const GC: [&str; 4] = [
    "fixtures/gctrace/go1.27/idle.log",
    "fixtures/gctrace/public/go1.4-issue12228.log",
    "fixtures/gctrace/public/go1.5-issue12228-pacer.log",
    "fixtures/gctrace/public/go1.8-issue18896-restart.log",
];

#[test]
fn gc_json_and_csv() {
    for f in GC {
        let n = name(f);
        let doc = json(&["gc", f, "--format", "json"]);
        assert_eq!(doc["schema"], "gclens.gc/v1");
        insta::assert_json_snapshot!(format!("gc_json_{n}"), doc);
        insta::assert_snapshot!(format!("gc_csv_{n}"), ok(&["gc", f, "--format", "csv"]));
    }
}

#[test]
fn gc_text_with_memstats() {
    let out = ok(&[
        "gc",
        "fixtures/memstats/go1.27/gctrace.log",
        "--memstats",
        "fixtures/memstats/go1.27/debug-vars.json",
    ]);
    assert!(out.contains("MemStats: "), "{out}");
    insta::assert_snapshot!("gc_text_memstats_go1_27", out);
}

#[test]
fn advise_text_and_json() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "steady_512Mi",
            &["fixtures/gctrace/go1.27/steady.log", "--budget", "512Mi"],
        ),
        (
            "leak_512Mi",
            &["fixtures/gctrace/go1.27/leak.log", "--budget", "512Mi"],
        ),
        (
            "limit_96Mi",
            &[
                "fixtures/gctrace/go1.27/limit.log",
                "--budget",
                "96Mi",
                "--max-gc-cpu",
                "5",
            ],
        ),
        (
            "memstats_256Mi",
            &[
                "fixtures/memstats/go1.27/gctrace.log",
                "--budget",
                "256Mi",
                "--memstats",
                "fixtures/memstats/go1.27/debug-vars.json",
            ],
        ),
    ];
    for (n, args) in cases {
        let mut a = vec!["advise"];
        a.extend_from_slice(args);
        insta::assert_snapshot!(format!("advise_text_{n}"), ok(&a));
        a.extend_from_slice(&["--format", "json"]);
        let doc = json(&a);
        assert_eq!(doc["schema"], "gclens.advice/v2");
        insta::assert_json_snapshot!(format!("advise_json_{n}"), doc);
    }
}

#[test]
fn memstats_text_json_csv() {
    for f in [
        "fixtures/memstats/go1.27/debug-vars.json",
        "fixtures/memstats/go1.27/debug-pprof-heap.txt",
        "fixtures/memstats/go1.27/snapshots.plusv.txt",
        "fixtures/memstats/go1.21/snapshots.human.txt",
    ] {
        let n = name(f);
        insta::assert_snapshot!(format!("memstats_text_{n}"), ok(&["memstats", f]));
        let doc = json(&["memstats", f, "--format", "json"]);
        assert_eq!(doc["schema"], "gclens.memstats/v1");
        insta::assert_json_snapshot!(format!("memstats_json_{n}"), doc);
        insta::assert_snapshot!(
            format!("memstats_csv_{n}"),
            ok(&["memstats", f, "--format", "csv"])
        );
    }
}
