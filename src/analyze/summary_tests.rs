//! The unit tests of `analyze::summary`: the rules behind its verdicts, each at its
//! boundary (issue 34; `scripts/mutants` checks that each decides).
use super::*;

/// Issue 31: a digest that folds (a tiny capacity, so these small fixtures take the
/// path of a month-long trace) gives the exact summary's counts and sums exactly, its
/// percentiles within the histogram's 0.001 %, and its trend close to the exact one.
#[test]
fn a_folding_digest_agrees_with_the_exact_summary() {
    let root = env!("CARGO_MANIFEST_DIR");
    for f in [
        "go1.21/leak.log",
        "go1.26/gctrace2.log",
        "go1.21/free.log",
        "public/go1.8-issue18896-restart.log",
        "public/go1.4-issue12228.log",
        "go1.27/goroutines.log",
        "go1.19/leak.log",
        "go1.21/limit.log",
        "go1.25/steady.log",
    ] {
        let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
        let t = crate::parse::load_bytes(&data);
        assert!(t.cycles.len() > 3, "{f}");
        let exact = summarize(&t);
        let folded = summarize_with(&t, Digest::with_caps(8, 256));
        let (e, g) = (
            serde_json::to_value(&exact).unwrap(),
            serde_json::to_value(&folded).unwrap(),
        );
        for key in [
            "cycles",
            "forced_cycles",
            "segments",
            "duration_s",
            "gc_cpu_pct",
            "peak_heap_mib",
            "allocated_mib",
            "cycles_over_goal",
            "worst_pause",
            "main_segment",
            "stacks_mib",
            "globals_mib",
        ] {
            assert_eq!(e[key], g[key], "{f} {key}");
        }
        let near = |a: f64, b: f64, rel: f64| (a - b).abs() <= rel * a.abs().max(b.abs()) + 1e-9;
        for k in ["p50", "p90", "p99", "max", "total"] {
            let (a, b) = (
                e["pause_ms"][k].as_f64().unwrap(),
                g["pause_ms"][k].as_f64().unwrap(),
            );
            assert!(near(a, b, 1e-5), "{f} pause {k}: {a} vs {b}");
        }
        for k in ["min", "median", "max"] {
            let (a, b) = (
                e["live_heap_mib"][k].as_f64().unwrap(),
                g["live_heap_mib"][k].as_f64().unwrap(),
            );
            assert!(near(a, b, 1e-5), "{f} live {k}: {a} vs {b}");
        }
        if let (Some(a), Some(b)) = (exact.effective_gogc, folded.effective_gogc) {
            assert!((a - b).abs() < 0.01, "{f} gogc {a} vs {b}");
        }
        assert_eq!(exact.leak.verdict, folded.leak.verdict, "{f}");
        let (Some(a), Some(b)) = (&exact.live_trend, &folded.live_trend) else {
            assert_eq!(
                exact.live_trend.is_some(),
                folded.live_trend.is_some(),
                "{f}"
            );
            continue;
        };
        eprintln!(
            "{f}: {} points, slope {:.3} vs {:.3} MiB/min, r2 {:.3} vs {:.3}",
            a.points, a.slope_mib_per_min, b.slope_mib_per_min, a.r2, b.r2
        );
        if t.cycles.len() >= 1000 {
            // fine bins of several points: the sixty bins' edges move by up to one
            let range = (a.end_mib - a.start_mib).abs() / a.span_min.max(1e-9);
            let err = (a.slope_mib_per_min - b.slope_mib_per_min).abs();
            assert!(
                err <= 0.1 * a.slope_mib_per_min.abs().max(range) + 0.02,
                "{f}: {err}"
            );
            assert!((a.r2 - b.r2).abs() <= 0.1, "{f} r2");
            assert!(
                (a.span_min - b.span_min).abs() <= 0.01 * a.span_min + 1e-6,
                "{f} span"
            );
        }
    }
}

#[test]
fn a_trend_spans_its_first_to_its_last_minute() {
    let pts: Vec<(f64, f64)> = (0..12).map(|k| (3.0 + k as f64, 10.0 + k as f64)).collect();
    let (t, span, from) = trend_of(&pts).unwrap();
    assert_eq!((span, from), (11.0, 3.0));
    assert!((t.slope - 1.0).abs() < 1e-9);
    let (out, leak) = live_leak(&pts);
    assert_eq!(out.unwrap().span_min, 11.0);
    assert_eq!(leak.verdict, LeakVerdict::LikelyLeak);
}

/// Issue 34: each threshold of the trace's leak rule at its boundary (a live-heap
/// floor line from `start` to `end` MiB with fit `r2`, over 30 min).
#[test]
fn the_leak_rule_thresholds_each_decide() {
    let judge = |start: f64, end: f64, r2: f64, cycles: usize| {
        let t = Trend {
            slope: (end - start) / 30.0,
            intercept: start,
            r2,
            points: cycles,
            start,
            end,
        };
        leak_verdict(Some(&(t, 30.0, 0.0)), cycles).verdict
    };
    use LeakVerdict::*;
    // likely: R² ≥ 0.8 and growth ≥ 25 % of the start (at least 4 MiB)
    assert_eq!(judge(100.0, 125.0, 0.8, 10), LikelyLeak);
    assert_eq!(judge(100.0, 124.9, 0.8, 10), PossibleGrowth);
    assert_eq!(judge(100.0, 125.0, 0.79, 10), PossibleGrowth);
    assert_eq!(judge(4.0, 8.0, 0.9, 10), LikelyLeak);
    assert_eq!(judge(4.0, 7.9, 0.9, 10), PossibleGrowth);
    // possible: R² ≥ 0.5 and growth ≥ 10 % (at least 2 MiB)
    assert_eq!(judge(100.0, 110.0, 0.5, 10), PossibleGrowth);
    assert_eq!(judge(100.0, 109.9, 0.5, 10), NoLeakSignal);
    assert_eq!(judge(100.0, 110.0, 0.49, 10), NoLeakSignal);
    assert_eq!(judge(4.0, 6.0, 0.6, 10), PossibleGrowth);
    assert_eq!(judge(4.0, 5.9, 0.6, 10), NoLeakSignal);
    // a start below 1 MiB is judged against 1 MiB (the 4 and 2 MiB floors rule)
    assert_eq!(judge(0.0, 4.0, 0.9, 10), LikelyLeak);
    // shrinking, or too few cycles, is never growth
    assert_eq!(judge(125.0, 100.0, 0.9, 10), NoLeakSignal);
    assert_eq!(judge(100.0, 200.0, 0.9, 9), InsufficientData);
    assert_eq!(leak_verdict(None, 50).verdict, InsufficientData);
    let words = leak_verdict(
        Some(&(
            Trend {
                slope: -1.0,
                intercept: 0.0,
                r2: 0.9,
                points: 10,
                start: 50.0,
                end: 20.0,
            },
            30.0,
            0.0,
        )),
        10,
    );
    assert!(
        words
            .evidence
            .starts_with("live heap floor shrinks 1.00 MiB/min over 30.0 min"),
        "{}",
        words.evidence
    );
}
