//! MemStats dumps: one ReadMemStats snapshot written in all four shapes by
//! fixtures/programs/memdump parses to the same values (within the truncation of the
//! hand-written print), real /debug/vars and /debug/pprof/heap?debug=1 fetched from the
//! running program parse, and arbitrary bytes never panic.

mod common;
use common::gclens;
use gclens::parse::memstats::{MemStats, Shape, U64_FIELDS, from_json_object, parse};
use std::path::Path;

const VERSIONS: [&str; 2] = ["go1.21", "go1.27"];

fn dir(v: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/memstats")
        .join(v)
}

fn truth(v: &str) -> Vec<MemStats> {
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir(v).join("truth.json")).unwrap()).unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .map(|o| from_json_object(o.as_object().unwrap()).unwrap())
        .collect()
}

fn read(v: &str, f: &str) -> gclens::parse::memstats::Parsed {
    parse(&std::fs::read(dir(v).join(f)).unwrap())
}

#[test]
fn expvar_and_plusv_carry_every_field_exactly() {
    for v in VERSIONS {
        let t = truth(v);
        assert_eq!(t.len(), 5);
        for (file, shape) in [
            ("snapshots.vars.jsonl", Shape::Expvar),
            ("snapshots.plusv.txt", Shape::PlusV),
        ] {
            let p = read(v, file);
            assert!(p.errors.is_empty(), "{v}/{file}: {:?}", p.errors);
            let got: Vec<&MemStats> = p.snapshots.iter().map(|s| &s.stats).collect();
            assert_eq!(got.len(), 5, "{v}/{file}");
            for (g, w) in got.iter().zip(&t) {
                assert_eq!(*g, w, "{v}/{file}");
            }
            assert!(
                p.snapshots
                    .iter()
                    .all(|s| s.shape == shape && s.approximate.is_empty())
            );
            assert_eq!(t[0].pause_ns.as_ref().unwrap().len(), 256);
            assert_eq!(t[0].by_size.as_ref().unwrap().len(), 61, "{v}");
        }
    }
}

#[test]
fn the_pprof_trailer_carries_its_fields_exactly_and_no_others() {
    for v in VERSIONS {
        let t = truth(v);
        let p = read(v, "snapshots.pprof-trailer.txt");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.snapshots.len(), 5);
        for (s, w) in p.snapshots.iter().zip(&t) {
            let mut want = w.clone();
            // the trailer prints neither of these; MaxRSS only it prints
            want.pause_total_ns = None;
            want.enable_gc = None;
            want.by_size = None;
            want.max_rss = s.stats.max_rss;
            assert!(s.stats.max_rss.is_some_and(|r| r > 1 << 20));
            assert_eq!(s.stats, want, "{v}");
        }
    }
}

#[test]
fn the_hand_written_print_agrees_within_its_truncation() {
    for v in VERSIONS {
        let t = truth(v);
        let p = read(v, "snapshots.human.txt");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.snapshots.len(), 5);
        for (s, w) in p.snapshots.iter().zip(&t) {
            for f in [
                "HeapAlloc",
                "HeapSys",
                "HeapIdle",
                "HeapInuse",
                "HeapReleased",
                "TotalAlloc",
                "NextGC",
            ] {
                let (got, want) = (s.stats.get_u64(f).unwrap(), w.get_u64(f).unwrap());
                assert!(
                    got <= want && want < got + (1 << 20),
                    "{v} {f}: {got} vs {want}"
                );
                assert!(s.approximate.contains(&f), "{f} must be marked approximate");
            }
            assert_eq!(s.stats.heap_objects, w.heap_objects);
            assert_eq!(s.stats.num_gc, w.num_gc);
            let n = w.num_gc.unwrap() as usize;
            assert_eq!(
                s.last_pause_ns,
                w.pause_ns.as_ref().unwrap().get((n + 255) % 256)
            );
            for f in U64_FIELDS {
                if ![
                    "HeapAlloc",
                    "HeapSys",
                    "HeapIdle",
                    "HeapInuse",
                    "HeapReleased",
                    "TotalAlloc",
                    "NextGC",
                    "HeapObjects",
                    "NumGC",
                ]
                .contains(f)
                {
                    assert_eq!(
                        s.stats.get_u64(f),
                        None,
                        "{f} is not in the print: absent, not zero"
                    );
                }
            }
        }
    }
}

#[test]
fn real_debug_vars_and_pprof_heap_from_the_running_program() {
    for v in VERSIONS {
        let vars = read(v, "debug-vars.json");
        assert!(vars.errors.is_empty(), "{:?}", vars.errors);
        assert_eq!(vars.snapshots.len(), 5, "{v}: five polls of /debug/vars");
        assert!(
            vars.snapshots
                .windows(2)
                .all(|w| w[0].stats.total_alloc < w[1].stats.total_alloc)
        );
        assert!(vars.snapshots[0].stats.by_size.is_some());
        let heap = read(v, "debug-pprof-heap.txt");
        assert!(heap.errors.is_empty(), "{:?}", heap.errors);
        assert_eq!(heap.snapshots.len(), 1);
        assert_eq!(heap.snapshots[0].shape, Shape::PprofDebug1);
        assert!(heap.profile_records > 1, "{v}: profile records are counted");
        assert!(heap.snapshots[0].stats.max_rss.is_some());
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn cut_real_dumps_never_panic(cut in 0usize..30000, shape in 0usize..4) {
        let f = ["snapshots.vars.jsonl", "snapshots.plusv.txt", "snapshots.pprof-trailer.txt", "snapshots.human.txt"][shape];
        let data = std::fs::read(dir("go1.27").join(f)).unwrap();
        let _ = parse(&data[..cut.min(data.len())]);
    }
}

#[test]
fn pause_history_is_rebuilt_once_per_gc_in_order() {
    let loaded = gclens::parse::memstats::load(
        &[dir("go1.27")
            .join("debug-vars.json")
            .to_string_lossy()
            .into_owned()],
        gclens::input::MAX_INPUT,
    )
    .unwrap();
    let r = gclens::analyze::memstats::report(
        loaded.into_iter().map(|(f, p)| (f, p.snapshots)).collect(),
    )
    .unwrap();
    let last = r.points.last().unwrap().snapshot.stats.num_gc.unwrap();
    assert_eq!(
        r.pauses.len() as u64,
        last,
        "every GC from 1 to NumGC, once"
    );
    assert_eq!(r.summary.pauses_missing, 0);
    assert!(
        r.pauses
            .windows(2)
            .all(|w| w[0].gc + 1 == w[1].gc && w[0].end_unix_ns <= w[1].end_unix_ns)
    );
    // every pause since GC 1 is there: they add up to the runtime's own total
    let total: u64 = r.pauses.iter().map(|p| p.pause_ns).sum();
    assert_eq!(
        Some(total),
        r.points.last().unwrap().snapshot.stats.pause_total_ns
    );
}

#[test]
fn memstats_command_text_json_csv() {
    let f = "fixtures/memstats/go1.21/snapshots.vars.jsonl";
    gclens()
        .args(["memstats", f])
        .assert()
        .success()
        .stdout(predicates::str::contains("5 snapshot(s) (Expvar)"))
        .stdout(predicates::str::contains("Memory GOMEMLIMIT counts"));
    let o = gclens()
        .args(["memstats", f, "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "gclens.memstats/v1");
    let p = &v["snapshots"][0];
    for k in [
        "HeapAlloc",
        "HeapReleased",
        "PauseNs",
        "BySize",
        "GCCPUFraction",
        "NumGC",
        "shape",
        "t_s",
        "limit_counted_bytes",
    ] {
        assert!(p.get(k).is_some(), "missing {k}");
    }
    assert!(
        p.get("MaxRSS").is_none(),
        "expvar has no MaxRSS: absent, not zero"
    );
    let human = gclens()
        .args([
            "memstats",
            "fixtures/memstats/go1.21/snapshots.human.txt",
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    let h: serde_json::Value = serde_json::from_slice(&human.stdout).unwrap();
    assert_eq!(h["snapshots"][0]["approximate"][0], "HeapAlloc");
    assert!(h["snapshots"][0].get("Sys").is_none());
    let csv = gclens()
        .args(["memstats", f, "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(text.lines().count(), 6);
    assert!(text.starts_with("source,shape,line,t_s,approximate,Alloc,TotalAlloc"));
}

#[test]
fn memstats_exit_codes() {
    gclens()
        .args(["memstats"])
        .write_stdin("nothing here\n")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no runtime.MemStats snapshot"));
    gclens()
        .args(["memstats", "no/such.json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot read no/such.json"));
    gclens()
        .args(["memstats", "-"])
        .write_stdin("{\"memstats\": {\"Alloc\": 1, \"HeapAlloc\": \n")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("stdin:1: JSON"));
}

#[test]
fn gc_joins_memstats_by_gc_number() {
    gclens()
        .args([
            "gc",
            "fixtures/memstats/go1.27/gctrace.log",
            "--memstats",
            "fixtures/memstats/go1.27/debug-vars.json",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "MemStats: 5 snapshot(s), 5 joined to gc cycles by NumGC",
        ))
        .stdout(predicates::str::contains(
            "Sys − HeapReleased (what GOMEMLIMIT counts) peaks at",
        ));
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("m.svg");
    gclens()
        .args([
            "chart",
            "fixtures/memstats/go1.21/gctrace.log",
            "--memstats",
            "fixtures/memstats/go1.21/snapshots.plusv.txt",
            "-o",
        ])
        .arg(&svg)
        .assert()
        .success();
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.contains("Sys − HeapReleased (MemStats)") && s.contains("HeapInuse (MemStats)"));
}
