//! The model checked by hand and over arbitrary inputs.

use super::pacer::*;
use super::*;

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
