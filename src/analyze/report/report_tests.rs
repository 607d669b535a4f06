//! The report's joins, each decided at its boundary: when evidence says growing, how the
//! kinds of evidence combine into the verdict, how the growing sites are worded against
//! the trace, which snapshots form a series, the time a leak leaves, what is missing.

use super::growth::{
    Growth, Signal, TraceGrowth, cross_check, list, mem_signal, minutes_to, per_minute,
    profile_signal,
};
use super::sites::{accounts, grew, is_garbage, share};
use super::verdict::{Leaking, goroutine_signal, leaking};
use super::*;
use crate::parse::incident::Skipped;

const MIB: f64 = 1048576.0;

#[test]
fn memstats_growth_needs_a_good_fit_a_tenth_and_a_mib() {
    let g = |slope, r2, first: f64, last: f64| mem_signal(slope, r2, first * MIB, last * MIB);
    assert_eq!(g(1.0, 0.8, 10.0, 11.0), Signal::Growing);
    assert_eq!(g(1.0, 0.79, 10.0, 11.0), Signal::Possible, "fit below 0.8");
    assert_eq!(g(1.0, 0.9, 10.0, 10.99), Signal::Possible, "under a tenth");
    assert_eq!(
        g(1.0, 0.9, 20.0, 21.9),
        Signal::Possible,
        "over a MiB, under a tenth"
    );
    assert_eq!(
        g(1.0, 0.9, 5.0, 5.9),
        Signal::Possible,
        "a tenth but under a MiB"
    );
    assert_eq!(g(1.0, 0.9, 5.0, 6.0), Signal::Growing, "exactly a MiB");
    assert_eq!(g(1.0, 0.9, 10.0, 10.5), Signal::Possible, "exactly 5 %");
    assert_eq!(g(1.0, 0.9, 10.0, 10.49), Signal::Flat, "under 5 %");
    assert_eq!(g(0.0, 0.9, 10.0, 12.0), Signal::Flat, "no slope");
    assert_eq!(g(-1.0, 0.9, 10.0, 12.0), Signal::Flat);
}

#[test]
fn the_verdict_combines_the_kinds_of_evidence() {
    use Signal::*;
    assert_eq!(leaking(&[Growing]), Leaking::Yes);
    assert_eq!(
        leaking(&[Flat, Flat, Growing]),
        Leaking::Yes,
        "one kind growing is enough"
    );
    assert_eq!(
        leaking(&[Possible, Possible]),
        Leaking::Yes,
        "two kinds possibly"
    );
    assert_eq!(leaking(&[Possible, Flat]), Leaking::Possible);
    assert_eq!(leaking(&[Flat, Unknown]), Leaking::No);
    assert_eq!(leaking(&[Unknown, Unknown]), Leaking::Unknown);
    assert_eq!(leaking(&[]), Leaking::Unknown);
    assert_eq!(Leaking::Yes.label(), "leaking");
    assert_eq!(Leaking::Possible.label(), "possibly leaking");
    assert_eq!(Leaking::No.label(), "not leaking");
    assert_eq!(Leaking::Unknown.label(), "cannot tell");
}

#[test]
fn the_cross_check_says_who_agrees() {
    use Signal::*;
    assert_eq!(
        cross_check(&[("a", None), ("b", Some(Unknown))]),
        "no evidence that can tell growth from noise"
    );
    assert_eq!(
        cross_check(&[("a", Some(Growing)), ("b", None)]),
        "only a can tell: growing"
    );
    assert_eq!(
        cross_check(&[("a", Some(Flat)), ("b", Some(Flat)), ("c", Some(Flat))]),
        "a, b and c agree: flat"
    );
    assert_eq!(
        cross_check(&[
            ("a", Some(Flat)),
            ("b", Some(Possible)),
            ("c", Some(Unknown))
        ]),
        "a: flat; b: possibly growing"
    );
    assert_eq!(list(&[]), "");
    assert_eq!(list(&["a"]), "a");
    assert_eq!(list(&["a", "b"]), "a and b");
    assert_eq!(Unknown.label(), "too little to say");
}

#[test]
fn the_growing_sites_are_worded_against_the_trace_both_ways() {
    assert!(
        accounts(8.0, 10.0).starts_with("the growing sites (8.00 MiB/min) account for about all")
    );
    assert!(accounts(12.5, 10.0).contains("account for about all"));
    let less = accounts(7.9, 10.0);
    assert!(
        less.contains("account for 79 % of the trace's live-heap growth (10.0 MiB/min)"),
        "{less}"
    );
    let more = accounts(12.6, 10.0);
    assert!(
        more.starts_with(
            "the growing sites grow faster (12.6 MiB/min) than the trace's live heap (10.0 MiB/min)"
        ),
        "{more}"
    );
    assert!(accounts(5.0, 0.0).contains("does not grow (0 MiB/min)"));
    assert!(accounts(5.0, -1.0).contains("does not grow"));
}

fn trace_growth(slope: f64, end: f64, to_budget: Option<f64>) -> Growth {
    Growth {
        trace: Some(TraceGrowth {
            sources: vec![],
            signal: Signal::Growing,
            cycles: 10,
            span_min: Some(1.0),
            slope_mib_per_min: Some(slope),
            r2: Some(0.9),
            start_mib: Some(1.0),
            end_mib: Some(end),
            peak_heap_mib: 100,
            evidence: String::new(),
            minutes_to_budget: to_budget,
            peak_over_live: 2.0,
        }),
        memstats: None,
        profiles: None,
        signal: Signal::Growing,
        cross_check: String::new(),
    }
}

#[test]
fn a_leak_is_given_its_time_under_the_advised_limit() {
    let mut none = AdvicePart::NotAsked { why: String::new() };
    let t = time_left(&trace_growth(10.0, 100.0, Some(3.0)), &mut none, 1 << 30).unwrap();
    assert_eq!(t.minutes_as_running, 3.0);
    assert_eq!((t.minutes_under_limit, t.gomemlimit_bytes), (None, None));
    assert_eq!(t.budget_bytes, 1 << 30);
    assert_eq!(t.peak_over_live, 2.0);
    assert!(time_left(&trace_growth(0.0, 100.0, Some(3.0)), &mut none, 1).is_none());
    assert!(time_left(&trace_growth(10.0, 100.0, None), &mut none, 1).is_none());
}

#[test]
fn the_majority_program_forms_the_series() {
    let v = [Some("a"), None, Some("b"), Some("b"), Some("a")];
    assert_eq!(
        super::series::majority(v.into_iter()),
        Some("a"),
        "first of equals"
    );
    let v = [Some("a"), Some("b"), Some("b")];
    assert_eq!(super::series::majority(v.into_iter()), Some("b"));
    assert_eq!(super::series::majority([None, None].into_iter()), None);
}

fn incident(files: &[&str]) -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    files
        .iter()
        .map(|f| format!("{root}/fixtures/incident/go1.27/plain/{f}"))
        .collect()
}

#[test]
fn profiles_are_ordered_by_their_times_and_counted_once() {
    // given newest first, with the third twice
    let files = incident(&[
        "heap-6.pb.gz",
        "heap-3.pb.gz",
        "heap-3.pb.gz",
        "heap-1.pb.gz",
    ]);
    let loaded = crate::parse::heap::load(&files, 1 << 30).unwrap();
    let mut skipped: Vec<Skipped> = vec![];
    let s = super::series::heap(loaded, &mut skipped).unwrap();
    let names: Vec<&str> = s
        .profiles
        .iter()
        .map(|p| p.source.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["heap-1.pb.gz", "heap-3.pb.gz", "heap-6.pb.gz"]);
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].reason.starts_with("the same snapshot as"));
    // without times, the numbers in the names: 10 after 9
    let mut loaded =
        crate::parse::heap::load(&incident(&["heap-1.pb.gz", "heap-2.pb.gz"]), 1 << 30).unwrap();
    for (p, name) in loaded
        .profiles
        .iter_mut()
        .zip(["heap-10.txt", "heap-9.txt"])
    {
        p.time_unix_ns = None;
        p.source = name.into();
    }
    let s = super::series::heap(loaded, &mut skipped).unwrap();
    assert_eq!(s.profiles[0].source, "heap-9.txt");
    assert!(super::series::heap(crate::model::heap::HeapSeries::default(), &mut skipped).is_none());
    // a series of allocs profiles alone is read (set aside only beside heap profiles)
    let root = env!("CARGO_MANIFEST_DIR");
    let allocs = vec![format!("{root}/fixtures/heap/go1.27/plain/allocs.pb.gz")];
    skipped.clear();
    let s = super::series::heap(
        crate::parse::heap::load(&allocs, 1 << 30).unwrap(),
        &mut skipped,
    );
    assert_eq!(s.map(|s| s.profiles.len()), Some(1));
    assert!(skipped.is_empty());
}

#[test]
fn goroutine_evidence_needs_two_dumps_unless_the_runtime_proved_it() {
    let dumps = |names: &[&str]| crate::parse::goroutines::load(&incident(names), 1 << 30).unwrap();
    let proven =
        crate::analyze::goroutines::analyze(&dumps(&["goroutine-1.txt", "goroutineleak-1.txt"]));
    assert_eq!(
        goroutine_signal(Some(&proven)),
        Signal::Growing,
        "one moment, proven by the runtime"
    );
    // Go 1.21: no leak detector, so growth across two dumps or more decides
    let root = env!("CARGO_MANIFEST_DIR");
    let go121 = |names: &[&str]| {
        let files: Vec<String> = names
            .iter()
            .map(|n| format!("{root}/fixtures/incident/go1.21/plain/{n}"))
            .collect();
        crate::analyze::goroutines::analyze(
            &crate::parse::goroutines::load(&files, 1 << 30).unwrap(),
        )
    };
    assert_eq!(
        goroutine_signal(Some(&go121(&["goroutine-1.txt"]))),
        Signal::Unknown
    );
    assert_eq!(
        goroutine_signal(Some(&go121(&["goroutine-1.txt", "goroutine-6.txt"]))),
        Signal::Possible
    );
    let three = go121(&["goroutine-1.txt", "goroutine-3.txt", "goroutine-6.txt"]);
    assert_eq!(goroutine_signal(Some(&three)), Signal::Growing);
    assert_eq!(goroutine_signal(None), Signal::Unknown);
}

#[test]
fn what_is_missing_follows_what_is_there() {
    use super::missing::{Present, missing};
    let all = Present {
        trace: true,
        heap_profiles: 3,
        heap_timed: true,
        dumps: 3,
        leak_profile: true,
        memstats: true,
        escape: true,
        budget: true,
    };
    assert!(missing(&all).is_empty());
    let what = |p: &Present| missing(p).into_iter().map(|m| m.what).collect::<Vec<_>>();
    assert_eq!(
        what(&Present {
            heap_profiles: 1,
            ..all.clone()
        }),
        ["a second heap profile"]
    );
    assert_eq!(
        what(&Present {
            heap_timed: false,
            ..all.clone()
        }),
        ["the heap profiles' times"]
    );
    assert_eq!(
        what(&Present {
            dumps: 1,
            ..all.clone()
        }),
        ["a second goroutine dump"]
    );
    assert_eq!(
        what(&Present {
            leak_profile: false,
            ..all.clone()
        }),
        ["the goroutine leak profile (Go 1.26+)"]
    );
    assert_eq!(
        what(&Present::default()),
        [
            "a gctrace",
            "heap profiles",
            "goroutine dumps",
            "MemStats snapshots",
            "the escape analysis",
            "the memory budget"
        ]
    );
    assert!(
        missing(&Present::default())[1]
            .command
            .contains("/debug/pprof/heap")
    );
}

#[test]
fn the_time_to_the_budget_and_the_profiles_rate() {
    // 1 GiB budget, the peak twice the live heap: 512 MiB of live heap; from 112 MiB at 100 MiB/min
    assert_eq!(minutes_to(1 << 30, 2.0, 100.0, 112.0), Some(4.0));
    assert_eq!(
        minutes_to(1 << 30, 2.0, 100.0, 600.0),
        Some(0.0),
        "already past it"
    );
    assert_eq!(minutes_to(1 << 30, 2.0, 0.0, 112.0), None, "not growing");
    assert_eq!(minutes_to(1 << 30, 2.0, -1.0, 112.0), None);
    use crate::analyze::heap::HeapLeakVerdict::*;
    assert_eq!(profile_signal(1, LikelyLeak), Signal::Unknown);
    assert_eq!(profile_signal(2, LikelyLeak), Signal::Growing);
    assert_eq!(profile_signal(2, PossibleGrowth), Signal::Possible);
    assert_eq!(profile_signal(3, NoLeakSignal), Signal::Flat);
    assert_eq!(per_minute(3 << 20, Some(2.0)), Some(1.5));
    assert_eq!(per_minute(3 << 20, Some(0.0)), None);
    assert_eq!(per_minute(3 << 20, None), None);
}

#[test]
fn a_dump_given_twice_is_counted_once() {
    let files = incident(&["goroutine-2.txt", "goroutine-1.txt", "goroutine-2.txt"]);
    let loaded: Vec<_> = files
        .iter()
        .map(|f| crate::parse::goroutines::load::read_one(f, 1 << 30).unwrap())
        .collect();
    let mut skipped = vec![];
    let kept = super::series::dumps(loaded, &mut skipped);
    assert_eq!(kept.len(), 2);
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].reason.starts_with("the same dump as"),
        "{}",
        skipped[0].reason
    );
    assert!(skipped[0].source.ends_with("goroutine-2.txt"));
}

#[test]
fn memstats_are_ordered_by_their_last_gc_and_counted_once() {
    let read = |names: &[&str]| -> Vec<(String, Vec<crate::model::memstats::Snapshot>)> {
        incident(names)
            .into_iter()
            .map(|f| {
                let data = std::fs::read(&f).unwrap();
                (f, crate::parse::memstats::parse(&data).snapshots)
            })
            .collect()
    };
    let mut skipped = vec![];
    let r = super::series::memstats(
        read(&["vars-3.json", "vars-1.json", "vars-3.json"]),
        &Default::default(),
        &mut skipped,
    )
    .unwrap();
    assert_eq!(r.points.len(), 2);
    assert!(r.points[0].source.ends_with("vars-1.json"));
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .reason
            .starts_with("the same MemStats snapshot as")
    );
    // the times decide over the names: the newer snapshot named 1, the older 2
    let mut v = read(&["vars-4.json", "vars-2.json"]);
    v[0].0 = "renamed-1.json".into();
    v[1].0 = "renamed-2.json".into();
    let r = super::series::memstats(v, &Default::default(), &mut skipped).unwrap();
    assert_eq!(r.points[0].source, "renamed-2.json");
    skipped.clear();
    // without LastGC (a print that has none): by the numbers in the names, none dropped
    let mut v = read(&["vars-2.json", "vars-1.json", "vars-2.json"]);
    for (_, snaps) in &mut v {
        for s in snaps.iter_mut() {
            s.stats.last_gc = None;
        }
    }
    skipped.clear();
    let r = super::series::memstats(v, &Default::default(), &mut skipped).unwrap();
    assert_eq!(r.points.len(), 3);
    assert!(r.points[0].source.ends_with("vars-1.json"));
    assert!(skipped.is_empty());
    assert!(super::series::memstats(vec![], &Default::default(), &mut skipped).is_none());
    // a LastGC of 0 (no GC yet) is no time: the names order them
    let mut v = read(&["vars-2.json", "vars-1.json"]);
    v[0].1[0].stats.last_gc = Some(0);
    let r = super::series::memstats(v, &Default::default(), &mut skipped).unwrap();
    assert!(r.points[0].source.ends_with("vars-1.json"));
}

#[test]
fn the_same_snapshot_needs_its_time_and_its_samples() {
    let files = incident(&["heap-1.pb.gz", "heap-2.pb.gz"]);
    let loaded = crate::parse::heap::load(&files, 1 << 30).unwrap();
    let (a, b) = (&loaded.profiles[0], &loaded.profiles[1]);
    assert!(super::series::same_profile(a, a));
    assert!(!super::series::same_profile(a, b));
    let mut later = a.clone();
    later.time_unix_ns = b.time_unix_ns;
    assert!(
        !super::series::same_profile(&later, a),
        "same samples, another time"
    );
    let mut other = b.clone();
    other.time_unix_ns = a.time_unix_ns;
    assert!(
        !super::series::same_profile(&other, a),
        "same time, other samples"
    );
    let mut untimed = a.clone();
    untimed.time_unix_ns = None;
    assert!(
        !super::series::same_profile(&untimed, &untimed),
        "no time, no proof"
    );
}

#[test]
fn which_sites_grew_their_shares_and_which_make_garbage() {
    use crate::analyze::heap::{Site, SiteVerdict};
    let site = |verdict, growth_bytes| Site {
        function: "f".into(),
        file: "f.go".into(),
        line: 1,
        stack: vec![],
        inuse_bytes: vec![],
        inuse_objects: vec![],
        alloc_bytes: vec![],
        alloc_objects: vec![],
        growth: growth_bytes,
        growth_bytes,
        growth_per_min: None,
        intervals_up: 0,
        intervals: 0,
        verdict,
    };
    assert!(grew(&site(SiteVerdict::Growing, 1)));
    assert!(grew(&site(SiteVerdict::Jumped, 1)));
    assert!(!grew(&site(SiteVerdict::Growing, 0)), "no bytes gained");
    assert!(!grew(&site(SiteVerdict::Steady, 5)));
    assert!(!grew(&site(SiteVerdict::Released, 5)));
    assert_eq!(share(1, 4), Some(25.0));
    assert_eq!(share(1, 0), None);
    assert!(is_garbage(100, 9));
    assert!(!is_garbage(100, 10), "a tenth still held");
    assert!(!is_garbage(0, 0), "allocated nothing");
    assert!(
        !is_garbage(0, -1),
        "allocated nothing, whatever the in-use says"
    );
    assert!(!is_garbage(-5, -1));
}

#[test]
fn the_escape_diagnostics_at_a_site_by_line_then_by_function() {
    use super::sites::{Role, SiteLine};
    let site = |function: &str, file: &str, line: u32| SiteLine {
        role: Role::Growing,
        function: function.into(),
        file: file.into(),
        line,
        inuse_first: 0,
        inuse_last: 0,
        inuse_max: 0,
        growth_bytes: 0,
        share_pct: None,
        mib_per_min: None,
        alloc_mib_per_min: None,
        inuse: vec![],
    };
    let data = std::fs::read(&incident(&["escape.txt"])[0]).unwrap();
    let set = crate::parse::escape::parse_bytes("escape.txt", &data);
    let remember = "gclens.example/incident/session.(*Store).Remember";
    let store = "/tmp/gclens-incident/session/store.go";
    let w = super::why::why(
        &set,
        &[
            site(remember, store, 21),
            // line 23 holds only `inlining call to sync.(*Mutex).Lock`: not a heap
            // diagnostic, so the function's own is shown
            site(remember, store, 23),
            site("gclens.example/incident/session.Other", store, 99),
            site("net/http.(*conn).serve", "/go/src/net/http/server.go", 1),
        ],
    );
    let at: Vec<(&str, &str, u32)> = w
        .at_sites
        .iter()
        .map(|e| (e.site.as_str(), e.matched_by, e.line))
        .collect();
    let l21 = format!("{remember} {store}:21");
    let l23 = format!("{remember} {store}:23");
    assert_eq!(
        at,
        [(l21.as_str(), "line", 21), (l23.as_str(), "function", 21)]
    );
    assert_eq!(w.at_sites[0].message, "make([]byte, 4096) escapes to heap");
    assert_eq!(w.at_sites[0].kind, "escapes_to_heap");
    // a file the escape report covers without a diagnostic there: unexplained; the
    // standard library's: out of its reach, not unexplained
    assert_eq!(
        w.unexplained,
        [format!("gclens.example/incident/session.Other {store}:99")]
    );
    assert_eq!(w.diagnostics, set.diagnostics.len());
}

#[test]
fn a_capture_manifest_orders_what_carries_no_time() {
    let files = incident(&["goroutine-2.txt", "goroutine-1.txt"]);
    let mut dumps: Vec<_> = files
        .iter()
        .map(|f| crate::parse::goroutines::load::read_one(f, 1 << 30).unwrap())
        .collect();
    let mut heap = crate::model::heap::HeapSeries::default();
    let mut p = crate::parse::heap::load(&incident(&["heap-1.pb.gz"]), 1 << 30)
        .unwrap()
        .profiles
        .remove(0);
    p.time_unix_ns = None;
    heap.profiles.push(p);
    let mut times = std::collections::HashMap::new();
    // a dump the manifest does not list: the walk order stays
    times.insert(files[1].clone(), 5);
    super::series::capture_times(&mut heap, &mut dumps, &times);
    assert!(dumps[0].source.ends_with("goroutine-2.txt"));
    times.insert(files[0].clone(), 9);
    times.insert(heap.profiles[0].source.clone(), 7);
    super::series::capture_times(&mut heap, &mut dumps, &times);
    assert!(dumps[0].source.ends_with("goroutine-1.txt"));
    assert_eq!(heap.profiles[0].time_unix_ns, Some(7));
    // a profile's own time wins over the manifest's
    heap.profiles[0].time_unix_ns = Some(1);
    super::series::capture_times(&mut heap, &mut dumps, &times);
    assert_eq!(heap.profiles[0].time_unix_ns, Some(1));
}
