//! Property tests: random cycles printed exactly as each Go version prints them parse
//! back to the same values; arbitrary bytes (and mangled real lines) never panic.

use gclens::analyze::Report;
use gclens::analyze::advice::{AdviceOptions, advise};
use gclens::export::{csv::Csv, json::Json};
use gclens::model::Timeline;
use gclens::model::{GcFormat, GcLine, Phases};
use gclens::output::Format;
use gclens::parse::Builder;
use gclens::parse::print::write_gc_line;
use gclens::parse::{Record, Scanner};
use proptest::prelude::*;

/// What `fmtNSAsMS` keeps of `ns`, in µs: whole ms from 10 ms, else two significant
/// digits of the µs count.
fn go_rounded_us(ns: u64) -> u32 {
    if ns >= 10_000_000 {
        return ((ns / 1_000_000) * 1000) as u32;
    }
    let (mut x, mut mult) = (ns / 1000, 1);
    while x >= 100 {
        x /= 10;
        mult *= 10;
    }
    (x * mult) as u32
}

fn phase_ns() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..1_000_000, 0u64..10_000_000, 0u64..4_000_000_000]
}

fn gc_line() -> impl Strategy<Value = GcLine> {
    (
        0usize..4,
        1u32..2_000_000_000,
        0u64..10_000_000_000,
        0u16..100,
        any::<(bool, bool)>(),
        proptest::collection::vec(phase_ns(), 7),
        proptest::collection::vec(0u32..5_000_000, 7),
        1u32..1024,
    )
        .prop_map(|(f, cycle, t_ms, pct, (leak, forced), ns, mib, procs)| {
            let format = [
                GcFormat::Go14,
                GcFormat::Go15,
                GcFormat::Go16,
                GcFormat::Go118,
            ][f];
            let us: Vec<u32> = ns.iter().map(|&n| go_rounded_us(n)).collect();
            let modern = format != GcFormat::Go14;
            let (nclock, ncpu) = match format {
                GcFormat::Go14 => (4, 0),
                GcFormat::Go15 => (5, 7),
                _ => (3, 5),
            };
            let clock = if modern {
                Phases::from_slice(&us[..nclock])
            } else {
                Phases::from_slice(&mib[..4])
            };
            GcLine {
                format,
                cycle,
                t_ms: modern.then_some(t_ms),
                cpu_pct: modern.then_some(pct),
                leak_check: leak && format == GcFormat::Go118,
                forced: forced && modern,
                clock,
                cpu: Phases::from_slice(&us[..ncpu]),
                heap_before_mib: mib[0],
                heap_after_mib: mib[1],
                heap_live_mib: modern.then_some(mib[2]),
                goal_mib: modern.then_some(mib[3]),
                stacks_mib: (format == GcFormat::Go118).then_some(mib[4]),
                globals_mib: (format == GcFormat::Go118).then_some(mib[5]),
                procs,
            }
        })
}

fn scan_all(bytes: &[u8]) -> Timeline {
    let mut b = Builder::new(0);
    b.feed(&Scanner::new(), bytes);
    let mut t = Timeline {
        sources: vec!["-".into()],
        ..Default::default()
    };
    b.finish_into(&mut t);
    t
}

/// Issue 31's bounded pass over the same bytes, in blocks of a few lines with a window
/// of 2 cycles and CSV and JSON sinks, and a digest that folds after 3 values: never a
/// panic, every cycle counted once and written once, a JSON document that parses.
fn bounded_pipeline(bytes: &[u8]) {
    use gclens::analyze::long::{Long, Sink};
    use gclens::export::json::JsonDoc;
    use gclens::export::rows::Rows;
    use gclens::model::{Cycle, Event};
    struct Both<'w> {
        rows: Rows<'w>,
        doc: JsonDoc<'w>,
        pushed: usize,
    }
    impl Sink for Both<'_> {
        fn cycle(&mut self, c: &Cycle) {
            self.pushed += 1;
            self.rows.push(c).unwrap();
            self.doc.cycle(c).unwrap();
        }
        fn event(&mut self, e: &Event, after_gc: Option<u32>) {
            self.doc.event(e, after_gc).unwrap();
        }
    }
    let names = ["-".to_string()];
    let (mut csv, mut json) = (vec![], vec![]);
    {
        let mut both = Both {
            rows: gclens::export::csv::rows(&mut csv, &names).unwrap(),
            doc: JsonDoc::new(&mut json, &names).unwrap(),
            pushed: 0,
        };
        let mut long = Long::with_window(2).with_sink(&mut both);
        long.start("-");
        let s = Scanner::new();
        for part in bytes
            .split_inclusive(|&b| b == b'\n')
            .collect::<Vec<_>>()
            .chunks(3)
        {
            let mut b = Builder::new(0);
            b.feed(&s, &part.concat());
            let _ = long.block(b);
        }
        let r = long.finish();
        let folded = r.folded.as_ref().map_or(0, |f| f.cycles) as usize;
        // (blocks cut where the file's reader never cuts, inside a split record, may rejoin
        // other records than one pass does: only what was read is compared)
        assert_eq!(folded + r.timeline.cycles.len(), r.summary.cycles);
        assert_eq!(both.pushed, r.summary.cycles);
        both.rows.finish().unwrap();
        both.doc.finish(&r, None).unwrap();
    }
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        doc["cycles"].as_array().unwrap().len(),
        doc["summary"]["cycles"]
    );
    assert_eq!(
        csv.iter().filter(|&&b| b == b'\n').count(),
        doc["cycles"].as_array().unwrap().len() + 1
    );
    let folding = gclens::analyze::summary::summarize_with(
        &scan_all(bytes),
        gclens::analyze::digest::Digest::with_caps(3, 3),
    );
    serde_json::to_value(&folding).unwrap();
}

fn full_pipeline(bytes: &[u8]) {
    let t = scan_all(bytes);
    assert!(t.lines >= t.skipped.foreign + t.skipped.malformed);
    bounded_pipeline(bytes);
    if t.cycles.is_empty() {
        return;
    }
    let r = Report::new(t);
    let mut out = vec![];
    Json.write(&r, &mut out).unwrap();
    serde_json::from_slice::<serde_json::Value>(&out).unwrap();
    out.clear();
    Csv.write(&r, &mut out).unwrap();
    gclens::render::text::GcText.write(&r, &mut out).unwrap();
    // advice for budgets below, near and far above whatever heap the bytes held
    for budget in [1u64 << 20, 64 << 20, 1 << 40] {
        let o = AdviceOptions {
            budget_bytes: budget,
            headroom: 0.1,
            max_gc_cpu_pct: Some(5.0),
            current_gogc: None,
            batch: true,
            budget_quantity: None,
        };
        if let Ok(a) = advise(&r.timeline, &r.summary, None, &o) {
            gclens::render::advice::AdviceText
                .write(&a, &mut out)
                .unwrap();
            gclens::export::advice::AdviceJson
                .write(&a, &mut out)
                .unwrap();
        }
    }
}

const REAL: &[&str] = &[
    "gc 25 @5.002s 1% (checking for goroutine leaks): 5.6+45+0.006 ms clock, 11+0/23/54+0.013 ms cpu, 63->63->34 MB, 158 MB goal, 94 MB stacks, 0 MB globals, 2 P (forced)",
    "gc 73 @9.070s 15%: 1.0+5.0+11+64+2.0 ms clock, 8.0+5.0+0+433/76/0+16 ms cpu, 411->417->214 MB, 422 MB goal, 8 P",
    "gc7(3): 0+0+1000+0 us, 0 -> 0 MB, 5640 (7756-2116) objects, 34 goroutines, 208/79/0 sweeps, 0(0) handoff, 7(52) steal, 38/2/0 yields",
    "scav 0 KiB work (bg), 51776 KiB work (eager), 72768 KiB now, 98% util (forced)",
    "pacer: 27% CPU (25 exp.) for 43896+2096+225680 B work (225680 B exp.) in 3997696 B -> 4997120 B (∆goal 802816, cons/mark +0.000000e+000)",
    "pacer: H_m_prev=238509512 h_t=+9.500000e-001 H_T=431954218",
    "scvg0: inuse: 0, idle: 0, sys: 1, released: 0, consumed: 1 (MB)",
    "scan: total 24+27+15=66 objs, 7+2=9 spans",
    "GC forced",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn printed_cycles_parse_back(g in gc_line(), prefix in "[ -~]{0,40}") {
        let mut line = prefix.clone().into_bytes();
        line.push(b' ');
        write_gc_line(&mut line, &g);
        line.extend_from_slice(b"\r\n");
        let mut hits = vec![];
        Scanner::new().scan(&line, |h| hits.push(h));
        prop_assert_eq!(hits.len(), 1, "{}", String::from_utf8_lossy(&line));
        prop_assert_eq!(hits[0].record, Some(Record::Gc(g)), "{}", String::from_utf8_lossy(&line));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        full_pipeline(&bytes);
    }

    #[test]
    fn mangled_real_lines_never_panic(
        parts in proptest::collection::vec((0..REAL.len(), 0usize..200, 0usize..200, proptest::collection::vec(any::<u8>(), 0..8)), 0..40)
    ) {
        let mut bytes = vec![];
        for (k, a, b, junk) in parts {
            let l = REAL[k].as_bytes();
            let (a, b) = (a.min(l.len()), b.min(l.len()));
            bytes.extend_from_slice(&l[a.min(b)..a.max(b)]);
            bytes.extend_from_slice(&junk);
            bytes.push(b'\n');
        }
        full_pipeline(&bytes);
    }
}

#[test]
fn whole_real_lines_in_any_order_give_a_timeline() {
    let bytes = REAL.join("\n");
    let t = scan_all(bytes.as_bytes());
    assert_eq!(t.cycles.len(), 3);
    assert_eq!(t.skipped.malformed, 0);
    assert_eq!(
        t.segments.len(),
        2,
        "gc 25 then 73 (number and time go up); gc7 goes back"
    );
}

/// Real compiler lines (Go 1.27 `-m=2` of the fixture module, and a logopt file) to
/// mangle for the escape parsers.
const ESCAPE_TEXT: &str = include_str!("../fixtures/escape/go1.27/m2.txt");
const ESCAPE_LOGOPT: &str = include_str!("../fixtures/escape/go1.27/logopt/main/main.json");

/// Every escape path over `bytes`: text parser, logopt file, diff reader, report and
/// every export format.
fn escape_pipeline(bytes: &[u8]) {
    use gclens::analyze::escape::{EscapeReport, Level, Selection, changed, paths::PathMap};
    use gclens::export::escape::{
        codequality::CodeQuality, github::Github, json::Json, markdown::Markdown, rdjsonl::Rdjsonl,
        sarif::Sarif,
    };
    use gclens::render::escape::EscapeText;
    let set = gclens::parse::escape::parse_bytes("prop", bytes);
    let mut logopt = gclens::model::escape::EscapeSet::new();
    gclens::parse::escape::logopt::parse_file("prop.json", bytes, &mut logopt);
    let _ = changed::parse(bytes);
    let mut all = set;
    all.extend(logopt);
    let report = EscapeReport::new(all, &PathMap::default(), Some(&|p| std::fs::read(p).ok()));
    let sel = Selection {
        report: &report,
        chosen: report.set.diagnostics.iter().collect(),
        level: Level::Note,
        root: None,
    };
    let formats: [&dyn Format<Selection>; 7] = [
        &Json,
        &Sarif,
        &Github,
        &Rdjsonl,
        &CodeQuality,
        &Markdown,
        &EscapeText { top: 5 },
    ];
    for f in formats {
        let mut out = vec![];
        f.write(&sel, &mut out).unwrap();
    }
}

proptest! {
    #[test]
    fn escape_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        escape_pipeline(&bytes);
    }

    #[test]
    fn escape_mangled_real_lines_never_panic(
        parts in proptest::collection::vec((0usize..700, 0usize..300, 0usize..300, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..6)), 0..40)
    ) {
        let text: Vec<&str> = ESCAPE_TEXT.lines().chain(ESCAPE_LOGOPT.lines()).collect();
        let mut bytes = vec![];
        for (k, a, b, cr, junk) in parts {
            let l = text[k % text.len()].as_bytes();
            let (a, b) = (a.min(l.len()), b.min(l.len()));
            if a % 3 == 0 {
                bytes.extend_from_slice(l);
            } else {
                bytes.extend_from_slice(&l[a.min(b)..a.max(b)]);
            }
            bytes.extend_from_slice(&junk);
            if cr {
                bytes.push(b'\r');
            }
            bytes.push(b'\n');
        }
        escape_pipeline(&bytes);
    }
}

#[test]
fn escape_diagnostics_print_and_parse_back() {
    // parse → print each diagnostic as the compiler does (`# pkg`, `POS: MESSAGE`) →
    // parse again: the same diagnostics
    let key = |s: &gclens::model::escape::EscapeSet| -> Vec<_> {
        s.diagnostics
            .iter()
            .filter(|d| d.kind != gclens::model::escape::Kind::Other)
            .map(|d| {
                (
                    d.package.clone(),
                    d.pos.clone(),
                    d.kind,
                    d.subject.clone(),
                    d.message.clone(),
                )
            })
            .collect()
    };
    let set = gclens::parse::escape::parse_bytes("m2", ESCAPE_TEXT.as_bytes());
    let mut printed = String::new();
    let mut pkg = None;
    for d in &set.diagnostics {
        if pkg != Some(&d.package) {
            printed.push_str(&format!("# {}\n", d.package));
            pkg = Some(&d.package);
        }
        printed.push_str(&format!("{}: {}\n", d.pos.display(), d.message));
    }
    let back = gclens::parse::escape::parse_bytes("printed", printed.as_bytes());
    assert!(key(&set).len() > 150);
    assert_eq!(key(&back), key(&set));
}

proptest! {
    /// The model on any measured inputs, any GOGC and limit: no panic, no negative or NaN
    /// rates (a limit under the live heap, no runway, a huge one…).
    #[test]
    fn advice_model_never_panics(
        live in 0.0f64..1e6, roots in 0.0f64..1e4, alloc in 0.0f64..1e5,
        runway in 0.0f64..10.0, mark in 0.0f64..10.0, growth in -1e3f64..1e3,
        gogc in proptest::option::of(0.0f64..1e4), limit in proptest::option::of(0u64..1 << 44),
    ) {
        let i = gclens::analyze::advice::Inputs {
            cycles_used: 100, duration_s: 60.0, live_heap_mib: live, roots_mib: roots,
            alloc_rate_mib_s: alloc, gc_cpu_ms_per_cycle: 0.1 * (live + roots),
            gc_cpu_ms_per_mib_scanned: 0.1, assist_ms_per_mib_scanned: 0.02, procs: 2, runway_per_mib: runway,
            mark_alloc_per_mib: mark, overshoot: 1.0, fragmentation: 1.05, non_heap_mib: 8.0,
            non_heap_source: "assumed", current_gogc: None, live_heap_slope_mib_per_min: None,
            live_start_mib: live, live_end_mib: (live + growth).max(0.0),
            live_max_mib: live + growth.max(0.0), heap_peak_mib: 2.0 * live, allocated_mib: 1000.0, contention: None, cpu_share: None,
        };
        let p = gclens::analyze::advice::predict(&i, gogc, limit);
        prop_assert!(p.gc_per_s >= 0.0 && p.gc_cpu_pct >= 0.0, "{:?}", p);
        prop_assert!(gogc.is_none() && limit.is_none() || p.gc_per_s.is_finite(), "{:?}", p);
        let b = gclens::analyze::advice::budget_for_cpu(&i, 5.0, 0.1);
        prop_assert!(b > 0);
    }
}

const HEAP_TEXT: &str = include_str!("../fixtures/heap/go1.27/plain/heap-3.txt");
const HEAP_PROTO: &[u8] = include_bytes!("../fixtures/heap/go1.27/plain/heap-3.pb.gz");

/// A heap profile from `bytes`, then every analysis and format over it.
fn heap_pipeline(bytes: &[u8]) {
    use gclens::model::heap::{HeapSeries, SampleType};
    let mut series = HeapSeries::default();
    if let Ok(p) = gclens::parse::heap::parse("prop", bytes, &mut series.stacks) {
        series.profiles.push(p.clone());
        series.profiles.push(p);
        for t in [SampleType::InuseSpace, SampleType::AllocObjects] {
            let r = gclens::analyze::heap::analyze(&series, t);
            let mut out = vec![];
            gclens::render::heap::HeapText { top: 5 }
                .write(&r, &mut out)
                .unwrap();
            gclens::export::heap::HeapJson.write(&r, &mut out).unwrap();
            gclens::export::heap::HeapCsv.write(&r, &mut out).unwrap();
            gclens::export::heap::HeapMarkdown { top: 5 }
                .write(&r, &mut out)
                .unwrap();
            let _ =
                gclens::render::flamegraph::GrowthFlameGraph { sample: t }.write(&series, &mut out);
        }
    }
}

/// Inflates the real gzipped profile, so mutations hit the protobuf, not the checksum.
fn heap_proto_raw() -> Vec<u8> {
    let mut raw = vec![];
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(HEAP_PROTO), &mut raw).unwrap();
    raw
}

proptest! {
    #[test]
    fn heap_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        heap_pipeline(&bytes);
        let mut gz = vec![0x1f, 0x8b];
        gz.extend_from_slice(&bytes);
        heap_pipeline(&gz);
    }

    #[test]
    fn heap_mangled_real_profiles_never_panic(
        edits in proptest::collection::vec((0usize..100_000, any::<u8>()), 0..20),
        cut in 0usize..100_000,
        text in any::<bool>(),
    ) {
        let mut data = if text { HEAP_TEXT.as_bytes().to_vec() } else { heap_proto_raw() };
        for (at, b) in edits {
            let n = data.len();
            data[at % n] = b;
        }
        data.truncate(cut % (data.len() + 1));
        heap_pipeline(&data);
    }
}

const GOROUTINES_DEBUG2: &str =
    include_str!("../fixtures/goroutines/go1.27/plain/goroutines-3.debug2.txt");
const GOROUTINES_DEBUG1: &str =
    include_str!("../fixtures/goroutines/go1.21/plain/goroutines-3.txt");

/// A goroutine dump from `bytes`, then the analysis and every format over it.
fn goroutines_pipeline(bytes: &[u8]) {
    let _ = gclens::parse::goroutines::parse_checked("prop", bytes);
    let proto = gclens::parse::goroutines::proto::parse("prop", bytes, 1 << 20).ok();
    if let Some(d) = proto.or_else(|| gclens::parse::goroutines::parse("prop", bytes)) {
        let r = gclens::analyze::goroutines::analyze(&[d.clone(), d]);
        let mut out = vec![];
        gclens::render::goroutines::GoroutinesText { top: 5 }
            .write(&r, &mut out)
            .unwrap();
        gclens::export::goroutines::GoroutinesJson
            .write(&r, &mut out)
            .unwrap();
        gclens::export::goroutines::GoroutinesCsv
            .write(&r, &mut out)
            .unwrap();
        gclens::export::goroutines::GoroutinesMarkdown { top: 5 }
            .write(&r, &mut out)
            .unwrap();
    }
}

proptest! {
    #[test]
    fn goroutines_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        goroutines_pipeline(&bytes);
        // the debug=0 profile.proto: gzip of arbitrary bytes, and arbitrary gzip
        let mut z = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &bytes).unwrap();
        goroutines_pipeline(&z.finish().unwrap());
        let mut gz = vec![0x1f, 0x8b];
        gz.extend_from_slice(&bytes);
        goroutines_pipeline(&gz);
    }

    #[test]
    fn goroutines_mangled_real_dumps_never_panic(
        edits in proptest::collection::vec((0usize..100_000, any::<u8>()), 0..20),
        cut in 0usize..100_000,
        debug1 in any::<bool>(),
    ) {
        let mut data = if debug1 { GOROUTINES_DEBUG1 } else { GOROUTINES_DEBUG2 }.as_bytes().to_vec();
        for (at, b) in edits {
            let n = data.len();
            data[at % n] = b;
        }
        data.truncate(cut % (data.len() + 1));
        goroutines_pipeline(&data);
    }
}
