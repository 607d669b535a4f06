//! The model checked by hand and over arbitrary inputs.

use super::pacer::*;
use super::*;
use crate::analyze::summary::LeakVerdict;

fn inputs() -> Inputs {
    Inputs {
        cycles_used: 100,
        duration_s: 100.0,
        live_heap_mib: 100.0,
        roots_mib: 0.0,
        alloc_rate_mib_s: 100.0,
        gc_cpu_ms_per_cycle: 10.0,
        gc_cpu_ms_per_mib_scanned: 0.1,
        assist_ms_per_mib_scanned: 0.0,
        procs: 2,
        // a cycle starts 10 MiB (0.1 × 100 marked) before its goal and allocates
        // 10 MiB while marking: it allocates exactly the room to the goal
        runway_per_mib: 0.1,
        mark_alloc_per_mib: 0.1,
        overshoot: 1.0,
        fragmentation: 1.0,
        non_heap_mib: 10.0,
        non_heap_source: "assumed",
        current_gogc: Some(100.0),
        live_heap_slope_mib_per_min: None,
        live_start_mib: 100.0,
        live_end_mib: 100.0,
        live_max_mib: 100.0,
        heap_peak_mib: 200.0,
        allocated_mib: 10_000.0,
        contention: None,
        cpu_share: None,
    }
}

#[test]
fn hand_checked_predictions() {
    let i = inputs();
    // goal = 100 + 100 × 1 = 200; 100 MiB/s over 100 MiB of runway = 1 GC/s;
    // 1 × 10 ms / 2 P = 0.5%; peak = 200 × 1.1 + 10 = 230 MiB
    let p = predict(&i, Some(100.0), None);
    assert_eq!(
        (p.heap_goal_mib, p.gc_per_s, p.gc_cpu_pct, p.limit_driven),
        (200.0, 1.0, 0.5, false)
    );
    assert_eq!(p.peak_bytes, 230 << 20);
    // rate-free: a cycle allocates 100 MiB; 0.5% of 2 P is 0.01 CPU-s/s over 100 MiB/s
    // (1/10.24 GiB/s): 0.1024 s of GC CPU per GiB allocated
    assert!((p.mib_per_cycle - 100.0).abs() < 1e-9);
    assert!(
        (p.gc_cpu_s_per_gib - 0.1024).abs() < 1e-9,
        "{}",
        p.gc_cpu_s_per_gib
    );
    // a 200 MiB limit caps the goal at (200 − 10) / 1.1 = 172.7 MiB
    let p = predict(&i, Some(100.0), Some(200 << 20));
    assert!(p.limit_driven);
    assert!((p.heap_goal_mib - 190.0 / 1.1).abs() < 1e-9);
    assert!((p.gc_per_s - 100.0 / (190.0 / 1.1 - 100.0)).abs() < 1e-9);
    // GOGC=off with no limit never collects
    assert_eq!(predict(&i, None, None).gc_per_s, 0.0);
    // a limit below the live heap: back-to-back GCs at the limiter's ~50%
    let p = predict(&i, Some(100.0), Some(100 << 20));
    assert_eq!(p.gc_cpu_pct, 50.0);
}

#[test]
fn a_growing_live_heap_is_followed_over_the_run() {
    // live 50 → 150 MiB over the run, GOGC=100, no limit: at live L the goal is 2L, a
    // cycle allocates L, so GC/s = 100/L, and costs 0.1 ms × L: GC CPU stays at
    // 100/L × 0.1 L / 2 P = 0.5%. GC/s averages ln(3) (the mean of 100/L over
    // 50..150), the peak is the end's: 300 × 1.1 + 10 = 340 MiB.
    let i = Inputs {
        live_start_mib: 50.0,
        live_end_mib: 150.0,
        ..inputs()
    };
    let p = predict(&i, Some(100.0), None);
    assert!((p.gc_per_s - 3f64.ln()).abs() < 0.001, "{}", p.gc_per_s);
    assert!((p.gc_cpu_pct - 0.5).abs() < 1e-9, "{}", p.gc_cpu_pct);
    assert_eq!((p.heap_goal_mib, p.peak_bytes), (300.0, 340 << 20));
    assert!(!p.limit_driven);
    // a 300 MiB limit caps the goal at 290 / 1.1 = 263.6 MiB: from live ≈ 132 MiB on,
    // the limit drives and a cycle has less room: GC/s and CPU rise at the end
    let capped = predict(&i, Some(100.0), Some(300 << 20));
    assert!(capped.limit_driven);
    assert!(capped.gc_per_s > p.gc_per_s && capped.gc_cpu_pct > p.gc_cpu_pct);
    assert!((capped.heap_goal_mib - 290.0 / 1.1).abs() < 1e-9);
    // a steady heap gives the one-point model
    assert_eq!(predict(&inputs(), Some(100.0), None).gc_per_s, 1.0);
}

#[test]
fn the_pacers_trigger_bounds() {
    // GOGC=25 at live 100: 25 MiB of room, a 30 MiB runway would start the cycle below
    // the live heap; the pacer starts it 45/64 of the way (17.58 MiB), then 5 MiB are
    // allocated while marking: 100 / 22.58 GC/s
    let i = Inputs {
        runway_per_mib: 0.3,
        mark_alloc_per_mib: 0.05,
        ..inputs()
    };
    let p = predict(&i, Some(25.0), None);
    assert!((p.gc_per_s - 100.0 / (25.0 * 45.0 / 64.0 + 5.0)).abs() < 1e-9);
    // no runway at all: the trigger waits until 4 MiB before a large goal (GOGC=800,
    // 800 MiB of room; of the 5 MiB while marking 4 fit before the goal), or 61/64 of a
    // small room (GOGC=50, 50 MiB: 47.66 MiB, and 2.34 MiB while marking)
    let i = Inputs {
        runway_per_mib: 0.0,
        mark_alloc_per_mib: 0.05,
        ..inputs()
    };
    assert!((predict(&i, Some(800.0), None).gc_per_s - 100.0 / (796.0 + 4.0)).abs() < 1e-9);
    let p = predict(&i, Some(50.0), None);
    assert!((p.gc_per_s - 100.0 / 50.0).abs() < 1e-9);
    // inside the bounds: room 100 − runway 20 + 5 while marking
    let i = Inputs {
        runway_per_mib: 0.2,
        mark_alloc_per_mib: 0.05,
        ..inputs()
    };
    assert!((predict(&i, Some(100.0), None).gc_per_s - 100.0 / 85.0).abs() < 1e-9);
    // and budget_for_cpu inverts it: 1/85 × 100 ms … the room that allocates 85 MiB
    // is 100 MiB, goal 200, peak 200 × 1.1 + 10 = 230; / 0.81
    let b = budget_for_cpu(&i, 100.0 / 85.0 * 10.0 / 2.0 / 10.0, 0.10);
    assert!(
        (b as f64 / MIB - 230.0 / 0.81).abs() < 0.01,
        "{}",
        b as f64 / MIB
    );
}

#[test]
fn assists_follow_the_room_left_after_the_trigger() {
    // 0.02 of the 0.1 ms per MiB were assists, with the trace's 10 MiB runway. GOGC=25
    // at live 100: the trigger is held at 17.58 of the 25 MiB room, 7.42 MiB are left
    // for the mark, so assists × 10 / 7.42; a cycle allocates 17.58 + 7.42 MiB (of the
    // trace's 10 MiB while marking, what fits before the goal)
    let i = Inputs {
        assist_ms_per_mib_scanned: 0.02,
        ..inputs()
    };
    let left = 25.0 - 25.0 * 45.0 / 64.0;
    let per_cycle = (0.1 + 0.02 * (10.0 / left - 1.0)) * 100.0;
    let per_s = 100.0 / 25.0;
    let p = predict(&i, Some(25.0), None);
    assert!((p.gc_per_s - per_s).abs() < 1e-9);
    assert!((p.gc_cpu_pct - per_s * per_cycle / 1000.0 / 2.0 * 100.0).abs() < 1e-9);
    // inside the trigger's bounds the room left is the trace's runway: no change
    assert_eq!(
        predict(&i, Some(100.0), None),
        predict(&inputs(), Some(100.0), None)
    );
}

#[test]
fn budget_for_a_gc_cpu_target() {
    // 0.25% on 2 P: 100 MiB/s × 10 ms / (0.0025 × 2) = 200 MiB of runway; goal 300;
    // peak 300 × 1.1 + 10 = 340; / 90% / (1 − 10%) = 419.75 MiB
    let b = budget_for_cpu(&inputs(), 0.25, 0.10);
    assert!(
        (b as f64 / MIB - 340.0 / 0.81).abs() < 0.01,
        "{}",
        b as f64 / MIB
    );
}

/// The pacer's assists hold the heap at its goal: at a small GOGC the trace's allocation
/// while marking cannot all land (the 160 MiB live heap of validate-advice's "large live
/// heap" row: 29 MiB per mark traced at GOGC=100, 11.5 in the GOGC=20 rerun).
#[test]
fn allocation_while_marking_stops_at_the_goal() {
    let i = Inputs {
        live_heap_mib: 209.0,
        live_start_mib: 209.0,
        live_end_mib: 209.0,
        runway_per_mib: 0.2975,
        mark_alloc_per_mib: 0.1392,
        ..inputs()
    };
    // GOGC=20: room 41.8; the trigger is held at 45/64 of it (29.4); 12.4 MiB are left
    let room = 0.2 * 209.0;
    let trigger = trigger_at(room, 0.2975 * 209.0);
    assert!((trigger - room * 45.0 / 64.0).abs() < 1e-9);
    assert!((mark_alloc(&i, 209.0, room, trigger) - (room - trigger)).abs() < 1e-9);
    assert!((cycle_alloc(&i, 209.0, room) - room).abs() < 1e-9);
    // GOGC=100: the trace's own 29.1 MiB fit before the goal
    let room = 209.0;
    let trigger = trigger_at(room, 0.2975 * 209.0);
    assert!((mark_alloc(&i, 209.0, room, trigger) - 0.1392 * 209.0).abs() < 1e-9);
}

// `size`, the rule that picks GOGC, decided on hand-checked inputs: live 100 MiB, no
// roots, 10 MiB outside the heap, the scavenger's 1.1 slack over the goal.

fn summary() -> Summary {
    crate::analyze::summarize(&crate::model::Timeline::default())
}

fn opts(budget_bytes: u64, headroom: f64) -> AdviceOptions {
    AdviceOptions {
        budget_bytes,
        headroom,
        max_gc_cpu_pct: None,
        current_gogc: None,
        batch: false,
        budget_quantity: None,
    }
}

const M: u64 = 1 << 20;

#[test]
fn gogc_is_the_largest_whose_peak_stays_under_90_percent_of_the_limit() {
    // 500 MiB + 12345 B × 90% = 450 MiB + 11110 B, cut to whole MiB: 450 MiB. The peak
    // must stay under 405 MiB: a goal of (405 − 10) / 1.1 = 359.09 MiB, GOGC = 259.09 → 255
    let a = size(inputs(), &[], &summary(), &opts(500 * M + 12345, 0.1)).unwrap();
    assert_eq!((a.gomemlimit_bytes, a.gogc), (450 * M, Some(255)));
    assert_eq!(
        (a.gogc_env.as_str(), a.budget_quantity.as_str()),
        ("255", "500Mi")
    );
    assert_eq!(a.budget_bytes, 500 * M + 12345);
    assert!(a.arithmetic.iter().any(|l| l.starts_with("GOGC = ")));
    assert_eq!(a.peak_at_highest_live_bytes, None);
    assert!(a.batch.is_none() && a.sources.is_empty());
    // 20% headroom: limit 400, goal (360 − 10) / 1.1 = 318.18, GOGC 218.18 → 215
    let a = size(inputs(), &[], &summary(), &opts(500 * M, 0.2)).unwrap();
    assert_eq!((a.gomemlimit_bytes, a.gogc), (400 * M, Some(215)));
    // roots count with the live heap: 50 MiB of roots give (359.09 − 100) / 150 → 170
    let i = Inputs {
        roots_mib: 50.0,
        ..inputs()
    };
    let a = size(i, &[], &summary(), &opts(500 * M, 0.1)).unwrap();
    assert_eq!(a.gogc, Some(170));
    // the bounds: a huge budget stops at 800, a tight one at 10 (126 MiB: the goal under
    // 90% is (113.4 − 10) / 1.1 = 94 MiB, below the live heap)
    let a = size(inputs(), &[], &summary(), &opts(100_000 * M, 0.1)).unwrap();
    assert_eq!(a.gogc, Some(800));
    let a = size(inputs(), &[], &summary(), &opts(126 * M, 0.0)).unwrap();
    assert_eq!((a.gogc, a.gomemlimit_bytes), (Some(10), 126 * M));
    // the what-if table: every GOGC and off, without and with the limit
    assert_eq!(a.whatif.len(), 2 * (WHATIF_GOGC.len() + 1));
}

#[test]
fn a_limit_that_cannot_hold_the_live_heap_gets_the_smallest_budget_that_does() {
    // the limit must leave the heap 105% of the live heap: with overshoot 1.25 (above
    // the 1.1 slack) the goal under a 140 MiB limit with 8.75 outside is exactly 105
    let i = Inputs {
        overshoot: 1.25,
        non_heap_mib: 8.75,
        ..inputs()
    };
    assert!(size(i.clone(), &[], &summary(), &opts(140 * M, 0.0)).is_ok());
    let e = size(i, &[], &summary(), &opts(139 * M, 0.0)).unwrap_err();
    // needs 100 × 1.25 + 8.75; GOGC=10 needs (110 × 1.25 + 8.75) / 0.9 of limit
    let min = ((110.0 * 1.25 + 8.75) / 0.9 * MIB).ceil() as u64;
    assert_eq!(
        e,
        AdviceError::BudgetTooSmall {
            limit_mib: 139.0,
            needed_mib: 133.75,
            min_budget: min,
            leak_mib_per_min: None
        }
    );
    assert_eq!(e.code(), "budget_too_small");
    // with headroom, roots and fragmentation: 130 MiB × 90% = 117 MiB; GOGC=10 at live
    // 100 + roots 20 is 112 MiB of heap, (112 × 1.1 × 1.2 + 10) / 0.9 = 175.4 MiB of
    // limit, / 0.9 = 194.9 MiB of budget
    let i = Inputs {
        roots_mib: 20.0,
        fragmentation: 1.2,
        ..inputs()
    };
    let e = size(i, &[], &summary(), &opts(130 * M, 0.1)).unwrap_err();
    let min = ((112.0 * 1.1 * 1.2 + 10.0) / 0.9 / 0.9 * MIB).ceil() as u64;
    assert_eq!(
        e,
        AdviceError::BudgetTooSmall {
            limit_mib: 117.0,
            needed_mib: 100.0 * 1.1 * 1.2 + 10.0,
            min_budget: min,
            leak_mib_per_min: None
        }
    );
    let text = e.to_string();
    assert!(text.contains("at least 194.9 MiB"), "{text}");
    assert!(!text.contains("leak"), "{text}");
}

#[test]
fn a_leak_past_the_limit_is_named_before_any_budget() {
    let mut s = summary();
    let i = Inputs {
        live_heap_slope_mib_per_min: Some(256.0),
        live_start_mib: 60.0,
        ..inputs()
    };
    for (verdict, leaks) in [
        (LeakVerdict::LikelyLeak, true),
        (LeakVerdict::PossibleGrowth, true),
        (LeakVerdict::NoLeakSignal, false),
        (LeakVerdict::InsufficientData, false),
    ] {
        s.leak.verdict = verdict;
        let e = size(i.clone(), &[], &s, &opts(100 * M, 0.1)).unwrap_err();
        assert_eq!(e.code() == "leak", leaks, "{verdict:?}");
        let text = e.to_string();
        assert_eq!(text.contains("no budget holds a leak"), leaks, "{text}");
        assert_eq!(text.contains("at least"), !leaks, "{text}");
        if leaks {
            // 1 GiB more lasts 1024 / 256 = 4 minutes
            assert!(
                text.starts_with("the live heap grows 256.00 MiB/min"),
                "{text}"
            );
            assert!(text.contains("about 4.0 min"), "{text}");
            let r = Refusal::new(&e, &["t.log".into()], 100 * M);
            assert_eq!(r.refused.leak_mib_per_min, Some(256.0));
            assert_eq!(r.refused.min_budget_bytes, None);
            assert_eq!(r.refused.limit_bytes, Some(90 * M));
            assert_eq!(r.refused.needed_bytes, Some(120 * M));
        }
    }
    // a leak whose slope is not positive is not a leak to name
    s.leak.verdict = LeakVerdict::LikelyLeak;
    let flat = Inputs {
        live_heap_slope_mib_per_min: Some(0.0),
        ..inputs()
    };
    assert_eq!(leak_rate(&s, &flat), None);
    assert_eq!(leak_rate(&s, &i), Some(256.0));
}

#[test]
fn the_quartile_of_the_resamples_sizes_gogc_when_it_is_lower() {
    // resamples ending at live 100, 110, 120, 130: the quartile (index round(3 × 0.25) = 1
    // of the GOGCs sorted) is the one at 120: (359.09 − 120) / 120 = 199.2 → 195
    let samples: Vec<Inputs> = [130.0, 100.0, 120.0, 110.0]
        .into_iter()
        .map(|l| Inputs {
            live_end_mib: l,
            ..inputs()
        })
        .collect();
    let a = size(inputs(), &samples, &summary(), &opts(500 * M, 0.1)).unwrap();
    assert_eq!(a.gogc, Some(195));
    let bar = a
        .arithmetic
        .iter()
        .find(|l| l.starts_with("GOGC's error bar"));
    assert!(
        bar.is_some_and(|l| l.contains("over 4 resamples") && l.contains("199 → 195")),
        "{:?}",
        a.arithmetic
    );
    // its position: right after the GOGC line
    let at = a
        .arithmetic
        .iter()
        .position(|l| l.starts_with("GOGC = "))
        .unwrap();
    assert!(a.arithmetic[at + 1].starts_with("GOGC's error bar"));
    // resamples that allow more leave the trace's own figure, and no error bar
    let looser: Vec<Inputs> = [90.0, 95.0, 100.0]
        .into_iter()
        .map(|l| Inputs {
            live_end_mib: l,
            ..inputs()
        })
        .collect();
    let a = size(inputs(), &looser, &summary(), &opts(500 * M, 0.1)).unwrap();
    assert_eq!(a.gogc, Some(255));
    assert!(
        !a.arithmetic
            .iter()
            .any(|l| l.starts_with("GOGC's error bar"))
    );
    // … and one that rounds to the same GOGC (257 → 255) gives no bar either
    let same = vec![Inputs {
        live_end_mib: 100.5,
        ..inputs()
    }];
    let a = size(inputs(), &same, &summary(), &opts(500 * M, 0.1)).unwrap();
    assert_eq!(a.gogc, Some(255));
    assert!(
        !a.arithmetic
            .iter()
            .any(|l| l.starts_with("GOGC's error bar"))
    );
    // the ranges come from the resamples
    assert!(a.predicted.gc_per_s_range.is_some());
}

/// A growing trace whose own heap went over 90% of the limit: GOGC sized for its highest
/// live heap (150 MiB): (359.09 − 150) / 150 = 139.4 → 135, and never above 95% of the
/// GOGC it ran with.
#[test]
fn the_traces_own_history_caps_gogc() {
    let grown = Inputs {
        live_start_mib: 80.0,
        live_max_mib: 150.0,
        heap_peak_mib: 400.0, // 400 + 10 outside = 410 MiB, over 405
        current_gogc: None,
        ..inputs()
    };
    let o = opts(500 * M, 0.1);
    let a = size(grown.clone(), &[], &summary(), &o).unwrap();
    assert_eq!(a.gogc, Some(135));
    assert!(a.warnings.iter().any(|w| w.code == "trace_over_target"));
    assert!(
        a.arithmetic
            .last()
            .unwrap()
            .contains("= 139 → 135 (not 255)")
    );
    // the peak at GOGC=135 for live 150: (150 + 150 × 1.35) × 1.1 + 10 = 397.75 MiB
    assert_eq!(a.peak_at_highest_live_bytes, Some((397.75 * MIB) as u64));
    // 95% of GOGC 100 is 95; of 200, 190 (above 135: no change)
    for (cur, gogc, peak) in [(100.0, 95, 331.75), (200.0, 135, 397.75)] {
        let i = Inputs {
            current_gogc: Some(cur),
            ..grown.clone()
        };
        let a = size(i, &[], &summary(), &o).unwrap();
        assert_eq!(a.gogc, Some(gogc), "{cur}");
        assert_eq!(a.peak_at_highest_live_bytes, Some((peak * MIB) as u64));
    }
    // exactly 90% of the limit (395 + 10 = 405) is not over it; a steady trace, or one
    // whose highest live heap is where its trend ends, is sized by the trend
    for i in [
        Inputs {
            heap_peak_mib: 395.0,
            ..grown.clone()
        },
        Inputs {
            live_start_mib: 100.0,
            ..grown.clone()
        },
        Inputs {
            live_max_mib: 100.0,
            ..grown.clone()
        },
    ] {
        let a = size(i, &[], &summary(), &o).unwrap();
        assert_eq!((a.gogc, a.peak_at_highest_live_bytes), (Some(255), None));
        assert!(!a.warnings.iter().any(|w| w.code == "trace_over_target"));
    }
    // a cap that is not lower than the trend's GOGC changes nothing: live up to 101 MiB
    // allows (359.09 − 101) / 101 = 255.5 → 255, the same
    let a = size(
        Inputs {
            live_max_mib: 101.0,
            ..grown.clone()
        },
        &[],
        &summary(),
        &o,
    )
    .unwrap();
    assert_eq!((a.gogc, a.peak_at_highest_live_bytes), (Some(255), None));
    // a tiny room at the highest live heap still gives GOGC=10
    let a = size(
        Inputs {
            live_max_mib: 330.0,
            ..grown
        },
        &[],
        &summary(),
        &o,
    )
    .unwrap();
    assert_eq!(a.gogc, Some(10));
}

#[test]
fn batch_work_gets_the_gc_cpu_time_of_the_same_work() {
    // 10 GiB allocated; the GC CPU s per GiB at the trace's GOGC (100 when unknown) and
    // at the advice, from the model's own predictions
    let i = Inputs {
        allocated_mib: 10_240.0,
        current_gogc: None,
        ..inputs()
    };
    let o = AdviceOptions {
        batch: true,
        ..opts(500 * M, 0.1)
    };
    let a = size(i.clone(), &[], &summary(), &o).unwrap();
    let b = a.batch.unwrap();
    let now = predict(&i, Some(100.0), None).gc_cpu_s_per_gib * 10.0;
    let then = predict(&i, Some(255.0), Some(450 * M)).gc_cpu_s_per_gib * 10.0;
    assert_eq!((b.allocated_gib, b.current_gogc), (10.0, 100.0));
    assert!((b.gc_cpu_s_current - now).abs() < 1e-12);
    assert!((b.gc_cpu_s_advised - then).abs() < 1e-12);
    assert!((b.change_pct - (then - now) / now * 100.0).abs() < 1e-9);
    assert!(b.change_pct < 0.0);
    // a trace that cost no GC CPU: no change, not 0/0
    let free = Inputs {
        gc_cpu_ms_per_cycle: 0.0,
        gc_cpu_ms_per_mib_scanned: 0.0,
        ..i
    };
    let b = size(free, &[], &summary(), &o).unwrap().batch.unwrap();
    assert_eq!(b.change_pct, 0.0);
}

/// The history cap with fragmentation and roots: the trace's peak counts at 1.2× (330 MiB
/// of heap → 406 MiB of memory, over 405), the highest live heap with its roots.
#[test]
fn the_history_cap_counts_fragmentation_and_roots() {
    let grown = Inputs {
        fragmentation: 1.2,
        roots_mib: 10.0,
        live_start_mib: 80.0,
        live_max_mib: 150.0,
        heap_peak_mib: 330.0,
        current_gogc: None,
        ..inputs()
    };
    let o = opts(500 * M, 0.1);
    // the goal under 405 MiB: (405 − 10) / (1.1 × 1.2) = 299.24 MiB; the trend's GOGC
    // (299.24 − 100) / 110 = 181.1 → 180; the highest live heap's (299.24 − 150) / 160 =
    // 93.3 → 90, peaking at (150 + 160 × 0.9) × 1.32 + 10 = 398.08 MiB
    let a = size(grown.clone(), &[], &summary(), &o).unwrap();
    assert_eq!(a.gogc, Some(90));
    assert_eq!(
        a.peak_at_highest_live_bytes,
        Some((398.08f64.min(450.0) * MIB) as u64)
    );
    // the highest live heap where the trend ends is no history, even when 95% of the
    // GOGC the trace ran with is lower than the trend's
    let a = size(
        Inputs {
            live_max_mib: 100.0,
            current_gogc: Some(100.0),
            ..grown
        },
        &[],
        &summary(),
        &o,
    )
    .unwrap();
    assert_eq!((a.gogc, a.peak_at_highest_live_bytes), (Some(180), None));
}
