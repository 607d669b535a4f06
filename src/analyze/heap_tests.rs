//! The unit tests of `analyze::heap`: the rules behind its verdicts, each at its
//! boundary (issue 34; `scripts/mutants` checks that each decides).
use super::*;
use crate::model::heap::{FrameRef, Sample, Stacks};

const MIB: i64 = 1 << 20;
const P: i64 = 512 << 10;

#[test]
fn verdicts_by_hand() {
    let v = |inuse: &[i64], alloc: i64| verdict(inuse, alloc, P, MIB).0;
    assert_eq!(
        v(&[MIB, 2 * MIB, 3 * MIB, 4 * MIB], 4 * MIB),
        SiteVerdict::Growing
    );
    // one step carries it all: a cache that filled
    assert_eq!(
        v(&[MIB, MIB, 5 * MIB, 5 * MIB], 5 * MIB),
        SiteVerdict::Jumped
    );
    // up in only one interval of three, then back a little
    assert_eq!(
        v(&[MIB, 4 * MIB, 3 * MIB + P, 3 * MIB], 4 * MIB),
        SiteVerdict::Jumped
    );
    assert_eq!(
        v(&[4 * MIB, 4 * MIB, 4 * MIB], 4 * MIB),
        SiteVerdict::Steady
    );
    // within the noise floor (one sampling period)
    assert_eq!(v(&[4 * MIB, 4 * MIB + P / 2], 4 * MIB), SiteVerdict::Steady);
    assert_eq!(
        v(&[8 * MIB, 4 * MIB, 2 * MIB], 8 * MIB),
        SiteVerdict::Shrinking
    );
    assert_eq!(v(&[0, 0, 0], 300 * MIB), SiteVerdict::Transient);
    // two profiles: up at all is growing
    assert_eq!(v(&[MIB, 3 * MIB], 3 * MIB), SiteVerdict::Growing);
    // objects: the floor is 2, the least allocation 1024 objects
    assert_eq!(verdict(&[0, 1], 5000, 2, 1024).0, SiteVerdict::Transient);
    assert_eq!(verdict(&[10, 20, 30], 40, 2, 1024).0, SiteVerdict::Growing);
}

// Deciding tests (issue 34): each rule of `verdict` alone, at its boundary, so that
// changing the rule (a constant, `>` for `>=`, `&&` for `||`) fails one of them.
// Figures in MiB; the period floor (512 KiB) is below every step.

fn mib(v: &[i64]) -> Vec<i64> {
    v.iter().map(|x| x * MIB).collect()
}

/// Judged with what it holds as what it allocated (never transient).
fn judged(inuse_mib: &[i64]) -> SiteVerdict {
    let v = mib(inuse_mib);
    verdict(&v, *v.iter().max().unwrap(), P, MIB).0
}

#[test]
fn one_step_of_80_percent_is_a_jump_even_when_every_interval_rose() {
    // up in all three intervals; the last step carries 16 of 20 MiB (80 %)
    assert_eq!(judged(&[10, 12, 14, 30]), SiteVerdict::Jumped);
    // 15 of 20 MiB (75 %): growing
    assert_eq!(judged(&[10, 12, 15, 30]), SiteVerdict::Growing);
}

#[test]
fn rising_in_under_half_the_intervals_is_a_jump_even_with_small_steps() {
    // up in 2 of 5 intervals, no step over half the growth
    assert_eq!(judged(&[10, 14, 14, 14, 14, 18]), SiteVerdict::Jumped);
    // up in 2 of 4, or 3 of 6: half is enough
    assert_eq!(judged(&[10, 14, 14, 14, 18]), SiteVerdict::Growing);
    assert_eq!(judged(&[10, 12, 12, 14, 14, 16, 16]), SiteVerdict::Growing);
}

#[test]
fn the_noise_floor_is_5_percent_of_the_largest_figure() {
    // 120 MiB at most: the floor is 6 MiB, far above one sampling period
    assert_eq!(judged(&[114, 117, 120]), SiteVerdict::Steady);
    assert_eq!(judged(&[113, 117, 120]), SiteVerdict::Growing);
    assert_eq!(judged(&[120, 117, 114]), SiteVerdict::Steady);
    assert_eq!(judged(&[120, 117, 113]), SiteVerdict::Shrinking);
    // below 20 periods the period is the floor: 512 KiB moves are noise, 1 MiB not
    assert_eq!(
        verdict(&[MIB, MIB + P], MIB + P, P, MIB).0,
        SiteVerdict::Steady
    );
    assert_eq!(
        verdict(&[MIB, 2 * MIB], 2 * MIB, P, MIB).0,
        SiteVerdict::Growing
    );
}

#[test]
fn transient_holds_at_most_5_percent_of_what_it_allocated() {
    let v = mib(&[5, 5, 5]);
    assert_eq!(verdict(&v, 100 * MIB, P, MIB).0, SiteVerdict::Transient);
    assert_eq!(verdict(&v, 100 * MIB - 1, P, MIB).0, SiteVerdict::Steady);
    // and allocated at least 4 sampling periods (2 MiB here) ...
    assert_eq!(verdict(&[0, 0], 2 * MIB, P, MIB).0, SiteVerdict::Transient);
    assert_eq!(verdict(&[0, 0], 2 * MIB - 1, P, MIB).0, SiteVerdict::Steady);
    // ... and the least allocation that counts (1024 objects when the floor is 2)
    assert_eq!(verdict(&[0, 1], 1024, 2, 1024).0, SiteVerdict::Transient);
    assert_eq!(verdict(&[0, 1], 1023, 2, 1024).0, SiteVerdict::Steady);
    // a growing site that also makes garbage is still transient only past 20×
    let g = mib(&[1, 2, 3, 4]);
    assert_eq!(verdict(&g, 79 * MIB, P, MIB).0, SiteVerdict::Growing);
}

#[test]
fn the_intervals_counted_are_the_rising_ones() {
    assert_eq!(verdict(&mib(&[1, 2, 2, 3, 1]), 3 * MIB, P, MIB).1, 2);
}

/// A series over one stack per function: `figures[site][profile]` =
/// `[alloc_objects, alloc_space, inuse_objects, inuse_space]`.
fn series(figures: &[(&str, Vec<[i64; 4]>)], times: &[i64]) -> HeapSeries {
    let mut st = Stacks::default();
    let stacks: Vec<u32> = figures
        .iter()
        .map(|(f, _)| {
            let (function, file) = (st.name(f), st.name("main.go"));
            let frame = st.frame(FrameRef {
                function,
                file,
                line: 7,
            });
            st.stack(&[frame])
        })
        .collect();
    let profiles = times
        .iter()
        .enumerate()
        .map(|(k, t)| HeapProfile {
            source: format!("heap-{k}.pb.gz"),
            format: ProfileFormat::Proto,
            time_unix_ns: Some(*t),
            period: P,
            default_sample: SampleType::InuseSpace,
            samples: figures
                .iter()
                .zip(&stacks)
                .map(|((_, v), &stack)| Sample {
                    stack,
                    values: v[k],
                })
                .collect(),
            binary: None,
        })
        .collect();
    HeapSeries {
        stacks: st,
        profiles,
    }
}

const MINUTE: i64 = 60_000_000_000;

fn bytes(inuse_mib: &[i64]) -> Vec<[i64; 4]> {
    inuse_mib.iter().map(|m| [1, m * MIB, 1, m * MIB]).collect()
}

#[test]
fn no_site_growing_and_one_jumped_is_possible_growth() {
    let s = series(
        &[
            ("main.fill", bytes(&[1, 1, 9])),
            ("main.flat", bytes(&[4, 4, 4])),
        ],
        &[0, MINUTE, 2 * MINUTE],
    );
    let r = analyze(&s, SampleType::InuseSpace);
    assert_eq!(r.leak.verdict, HeapLeakVerdict::PossibleGrowth);
    assert!(r.leak.sites.is_empty());
    assert!(
        r.leak.evidence.contains("main.fill jumped"),
        "{}",
        r.leak.evidence
    );
    let s = series(
        &[("main.flat", bytes(&[4, 4, 4]))],
        &[0, MINUTE, 2 * MINUTE],
    );
    assert_eq!(
        analyze(&s, SampleType::InuseSpace).leak.verdict,
        HeapLeakVerdict::NoLeakSignal
    );
}

#[test]
fn growing_over_two_profiles_is_possible_growth_over_three_a_likely_leak() {
    let two = series(&[("main.grow", bytes(&[1, 3]))], &[0, MINUTE]);
    let r = analyze(&two, SampleType::InuseSpace);
    assert_eq!(r.leak.verdict, HeapLeakVerdict::PossibleGrowth);
    assert_eq!(r.leak.sites, vec!["main.grow"]);
    let three = series(
        &[("main.grow", bytes(&[1, 2, 3]))],
        &[0, MINUTE, 2 * MINUTE],
    );
    let r = analyze(&three, SampleType::InuseSpace);
    assert_eq!(r.leak.verdict, HeapLeakVerdict::LikelyLeak);
    assert!(
        r.leak.evidence.contains("1.00 MiB/min"),
        "{}",
        r.leak.evidence
    );
}

#[test]
fn a_finer_sampling_period_still_needs_1_mib_allocated_to_be_transient() {
    // MemProfileRate 64 KiB: four periods are 256 KiB, the 1 MiB least allocation rules
    let mut s = series(
        &[("main.small", vec![[1, 0, 0, 0], [9, 768 << 10, 0, 0]])],
        &[0, MINUTE],
    );
    for p in &mut s.profiles {
        p.period = 64 << 10;
    }
    // not transient: a site that holds nothing and makes no garbage is left out
    assert!(analyze(&s, SampleType::InuseSpace).sites.is_empty());
    s.profiles[1].samples[0].values[1] = MIB;
    assert_eq!(
        analyze(&s, SampleType::InuseSpace).sites[0].verdict,
        SiteVerdict::Transient
    );
}

#[test]
fn steady_profiles_say_so_one_profile_asks_for_a_series() {
    let two = series(&[("main.flat", bytes(&[4, 4]))], &[0, MINUTE]);
    let r = analyze(&two, SampleType::InuseSpace);
    assert_eq!(
        (r.leak.verdict, r.leak.evidence.as_str()),
        (
            HeapLeakVerdict::NoLeakSignal,
            "no site grows over 2 profiles"
        )
    );
    let one = series(&[("main.flat", bytes(&[4]))], &[0]);
    let r = analyze(&one, SampleType::InuseSpace);
    assert_eq!(
        r.leak.evidence,
        "one profile: a series (or --base) is needed to see growth"
    );
}

#[test]
fn the_trace_link_counts_growing_and_jumped_sites_per_minute() {
    let s = series(
        &[
            ("main.grow", bytes(&[1, 2, 3])),
            ("main.fill", bytes(&[1, 1, 5])),
            ("main.flat", bytes(&[9, 9, 9])),
        ],
        &[0, MINUTE, 2 * MINUTE],
    );
    let r = analyze(&s, SampleType::InuseSpace).with_trace("gc.log".into(), 7.5);
    let t = r.trace.unwrap();
    // (2 + 4) MiB over 2 minutes
    assert_eq!(t.explained_mib_per_min, Some(3.0));
    assert_eq!(t.live_slope_mib_per_min, 7.5);
    let untimed = series(&[("main.grow", bytes(&[1, 2, 3]))], &[0, 0, 0]);
    let r = analyze(&untimed, SampleType::InuseSpace).with_trace("gc.log".into(), 7.5);
    assert_eq!(r.trace.unwrap().explained_mib_per_min, None);
}

#[test]
fn profiles_taken_at_one_moment_have_no_growth_per_minute() {
    let s = series(
        &[("main.grow", bytes(&[1, 2, 3]))],
        &[MINUTE, MINUTE, MINUTE],
    );
    let r = analyze(&s, SampleType::InuseSpace);
    assert_eq!(r.span_min, None);
    assert_eq!(r.sites[0].growth_per_min, None);
    let s = series(
        &[("main.grow", bytes(&[1, 2, 3]))],
        &[0, MINUTE, 2 * MINUTE],
    );
    let r = analyze(&s, SampleType::InuseSpace);
    assert_eq!(r.span_min, Some(2.0));
    assert_eq!(r.sites[0].growth_per_min, Some(MIB as f64));
}

#[test]
fn object_samples_judge_objects_not_bytes() {
    // bytes flat, objects tripled (more, smaller objects): growing only by count
    let v = vec![
        [100, 8 * MIB, 100, 8 * MIB],
        [300, 8 * MIB, 200, 8 * MIB],
        [500, 8 * MIB, 300, 8 * MIB],
    ];
    let s = series(&[("main.split", v)], &[0, MINUTE, 2 * MINUTE]);
    let by_bytes = analyze(&s, SampleType::InuseSpace);
    assert_eq!(by_bytes.sites[0].verdict, SiteVerdict::Steady);
    let by_objects = analyze(&s, SampleType::InuseObjects);
    assert_eq!(by_objects.sites[0].verdict, SiteVerdict::Growing);
    assert_eq!(by_objects.sites[0].growth, 200);
    assert_eq!(by_objects.leak.verdict, HeapLeakVerdict::LikelyLeak);
    assert!(
        by_objects.leak.evidence.contains("100 → 300"),
        "{}",
        by_objects.leak.evidence
    );
    // alloc_objects: growth in allocations, judged on the objects held
    let allocs = analyze(&s, SampleType::AllocObjects);
    assert_eq!(
        (allocs.sites[0].growth, allocs.sites[0].verdict),
        (400, SiteVerdict::Growing)
    );
    // garbage by count: 5,000 objects allocated, 10 held
    let v = vec![[1000, MIB, 10, 1024], [5000, 5 * MIB, 10, 1024]];
    let s = series(&[("main.churn", v)], &[0, MINUTE]);
    assert_eq!(
        analyze(&s, SampleType::InuseObjects).sites[0].verdict,
        SiteVerdict::Transient
    );
    assert_eq!(
        analyze(&s, SampleType::InuseSpace).sites[0].verdict,
        SiteVerdict::Transient
    );
}

#[test]
fn no_profile_is_no_report() {
    let r = analyze(&HeapSeries::default(), SampleType::InuseSpace);
    assert!(r.sites.is_empty());
    assert_eq!(r.leak.verdict, HeapLeakVerdict::NoLeakSignal);
}

#[test]
fn a_burst_held_between_the_ends_is_released() {
    let v = |inuse: &[i64]| verdict(inuse, 30 * MIB, P, MIB).0;
    // held at one profile in the middle, let go by the next
    assert_eq!(v(&[0, 30 * MIB, 0]), SiteVerdict::Released);
    assert_eq!(v(&[MIB, MIB, 30 * MIB, MIB]), SiteVerdict::Released);
    // above both ends by exactly the noise floor is steady (a burst allocates what it
    // held)
    assert_eq!(verdict(&[0, P, 0], P, P, MIB).0, SiteVerdict::Steady);
    assert_eq!(
        verdict(&[0, P + 1, 0], P + 1, P, MIB).0,
        SiteVerdict::Released
    );
    // what allocates 20× what it ever held is garbage first
    assert_eq!(
        verdict(&[0, MIB, 0], 20 * MIB, P, MIB).0,
        SiteVerdict::Transient
    );
}

#[test]
fn sites_rank_rising_first_then_by_size_and_empty_ones_are_left_out() {
    let s = series(
        &[
            (
                "main.cache",
                vec![
                    [10, 36 * MIB, 10, 36 * MIB],
                    [10, 36 * MIB, 10, 36 * MIB - P],
                    [10, 36 * MIB, 10, 36 * MIB - P],
                ],
            ),
            (
                "main.empty",
                vec![[1, 4096, 0, 0], [1, 4096, 0, 0], [1, 4096, 0, 0]],
            ),
            (
                "main.leak",
                vec![
                    [1, MIB, 1, MIB],
                    [2, 2 * MIB, 2, 2 * MIB],
                    [3, 3 * MIB, 3, 3 * MIB],
                ],
            ),
            (
                "main.small",
                vec![[1, MIB, 1, MIB], [1, MIB, 1, MIB], [1, MIB, 1, MIB]],
            ),
        ],
        &[0, MINUTE, 2 * MINUTE],
    );
    let r = analyze(&s, SampleType::InuseSpace);
    let names: Vec<&str> = r.sites.iter().map(|s| s.function.as_str()).collect();
    // the flat 36 MiB cache (down one period: noise) above the 1 MiB one, though its
    // growth is negative; the 0-byte site not listed
    assert_eq!(names, ["main.leak", "main.cache", "main.small"]);
    assert_eq!(r.sites[1].verdict, SiteVerdict::Steady);
    // with an allocation sample the site that allocated is listed
    let r = analyze(&s, SampleType::AllocSpace);
    assert!(r.sites.iter().any(|s| s.function == "main.empty"));
}

/// The stack shown for a site is its largest in the last profile (the first of equals),
/// not in an earlier one.
#[test]
fn the_site_shows_its_largest_stack_of_the_last_profile() {
    let pick = |last_b: i64| {
        let mut s = series(
            &[("main.f", vec![[1, 5 * MIB, 1, 5 * MIB], [1, MIB, 1, MIB]])],
            &[0, MINUTE],
        );
        let leaf = s.stacks.stacks[s.profiles[0].samples[0].stack as usize][0];
        let (function, file) = (s.stacks.name("main.caller"), s.stacks.name("main.go"));
        let caller = s.stacks.frame(FrameRef {
            function,
            file,
            line: 9,
        });
        let b = s.stacks.stack(&[leaf, caller]);
        // first profile: A then B; last profile: B then A
        s.profiles[0].samples.push(Sample {
            stack: b,
            values: [1, MIB, 1, MIB],
        });
        s.profiles[1].samples.insert(
            0,
            Sample {
                stack: b,
                values: [1, last_b, 1, last_b],
            },
        );
        let r = analyze(&s, SampleType::InuseSpace);
        r.sites[0].stack.len()
    };
    assert_eq!(pick(3 * MIB), 2, "B, the largest in the last profile");
    assert_eq!(pick(MIB), 2, "equal: the first of them, B");
    assert_eq!(pick(MIB / 2), 1, "A");
}
