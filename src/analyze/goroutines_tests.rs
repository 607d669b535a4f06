//! The unit tests of `analyze::goroutines`: grouping, moments and the leak rules, each
//! at its boundary (issue 34; `scripts/mutants` checks that each decides).
use super::*;

#[test]
fn user_frames_and_packages() {
    assert!(is_user("main.leakyFetch"));
    assert!(is_user("gclens.example/goleak/pool.worker"));
    assert!(!is_user("sync.(*Mutex).Lock"));
    assert!(!is_user("net/http.(*conn).serve"));
    assert!(is_runtime("internal/sync.runtime_SemacquireMutex"));
    assert_eq!(
        package("gclens.example/x/pool.(*P).Run"),
        "gclens.example/x/pool"
    );
    assert_eq!(
        package("gopkg.in/yaml%2ev3.Unmarshal"),
        "gopkg.in/yaml%2ev3"
    );
    assert_eq!(package("main.main"), "main");
    assert_eq!(package("nodot"), "nodot");
}

// Deciding tests (issue 34): the series rules and the grouping fallbacks, each
// pinned by a case that flips when the rule changes.

fn frame(function: &str) -> Frame {
    Frame {
        function: function.into(),
        file: "x.go".into(),
        line: 1,
    }
}

fn goroutines(count: u64, state: &str, frames: &[&str]) -> Goroutines {
    Goroutines {
        count,
        state: Some(state.into()),
        wait_min: None,
        locked_to_thread: false,
        frames: frames.iter().map(|f| frame(f)).collect(),
        created_by: Some(frame("main.main")),
    }
}

fn dump(leak_profile: bool, gs: Vec<Goroutines>) -> Dump {
    Dump {
        source: "dump.txt".into(),
        format: DumpFormat::Debug2,
        total: gs.iter().map(|g| g.count).sum(),
        leak_profile,
        goroutines: gs,
    }
}

const WORKER: [&str; 3] = ["runtime.gopark", "runtime.chansend1", "main.worker"];

#[test]
fn a_group_growing_over_two_dumps_is_possible_growth() {
    let r = analyze(&[
        dump(false, vec![goroutines(3, "chan send", &WORKER)]),
        dump(false, vec![goroutines(10, "chan send", &WORKER)]),
    ]);
    assert_eq!(r.groups[0].verdict, GroupVerdict::Growing);
    assert_eq!(r.leak.verdict, GoroutineLeakVerdict::PossibleGrowth);
    assert_eq!(r.leak.groups, vec!["main.worker [chan send]"]);
    assert!(
        r.leak.evidence.contains("3 → 10 goroutines over 2 dumps"),
        "{}",
        r.leak.evidence
    );
}

#[test]
fn steady_groups_over_two_dumps_say_so_one_dump_asks_for_another() {
    let d = || dump(false, vec![goroutines(3, "chan send", &WORKER)]);
    let two = analyze(&[d(), d()]);
    assert_eq!(two.leak.verdict, GoroutineLeakVerdict::NoLeakSignal);
    assert_eq!(two.leak.evidence, "no group grows over 2 dumps");
    let one = analyze(&[d()]);
    assert!(
        one.leak
            .evidence
            .starts_with("one dump: the largest group is main.worker [chan send] with 3"),
        "{}",
        one.leak.evidence
    );
}

#[test]
fn a_leaked_group_gone_from_the_last_dump_is_no_leak() {
    let leaked = goroutines(4, "chan send (leaked)", &WORKER);
    let other = goroutines(2, "select", &["runtime.gopark", "main.loop"]);
    let gone = analyze(&[
        dump(true, vec![leaked.clone(), other.clone()]),
        dump(true, vec![other.clone()]),
    ]);
    assert_eq!(gone.leak.verdict, GoroutineLeakVerdict::NoLeakSignal);
    assert!(gone.leak.groups.is_empty());
    // still there: proven by the runtime, one dump is enough
    let there = analyze(&[dump(true, vec![leaked, other])]);
    assert_eq!(there.leak.verdict, GoroutineLeakVerdict::LikelyLeak);
    assert_eq!(
        there.leak.evidence,
        "the runtime's leak detector proves 4 goroutine(s) leaked, most in main.worker [chan send]"
    );
}

#[test]
fn goroutines_without_user_code_group_at_their_first_frame_outside_the_runtime() {
    let r = analyze(&[dump(
        false,
        vec![
            goroutines(
                2,
                "IO wait",
                &[
                    "runtime.gopark",
                    "internal/poll.(*FD).Read",
                    "net/http.(*persistConn).readLoop",
                    "runtime.goexit",
                ],
            ),
            goroutines(
                1,
                "semacquire",
                &["runtime.gopark", "sync.(*WaitGroup).Wait", "main.run"],
            ),
            goroutines(1, "running", &["runtime.gopark", "runtime.goexit"]),
        ],
    )]);
    let by = |f: &str| {
        r.groups
            .iter()
            .find(|g| g.function == f)
            .unwrap_or_else(|| panic!("{f}: {:?}", r.groups))
    };
    assert_eq!(by("net/http.(*persistConn).readLoop").parked_in, None);
    assert_eq!(
        by("main.run").parked_in.as_deref(),
        Some("sync.(*WaitGroup).Wait")
    );
    assert_eq!(by("runtime.gopark").counts, vec![1]);
}

/// Every wait state the runtime prints that has a plain meaning keeps it.
#[test]
fn each_wait_state_says_what_it_means() {
    for (state, words) in [
        ("chan send", "nobody receives"),
        ("chan receive", "nobody sends on or closes"),
        ("chan send (nil chan)", "nil channel"),
        ("chan receive (nil chan)", "nil channel"),
        ("select", "one of its channels"),
        ("select (no cases)", "empty select"),
        ("IO wait", "network I/O"),
        ("semacquire", "lock"),
        ("sync.Mutex.Lock", "lock"),
        ("sync.RWMutex.Lock", "lock"),
        ("sync.RWMutex.RLock", "lock"),
        ("sync.WaitGroup.Wait", "WaitGroup"),
        ("sync.Cond.Wait", "sync.Cond"),
        ("sleep", "time.Sleep"),
        ("syscall", "system call"),
        ("running", "running"),
        ("runnable", "running"),
        ("chan send (leaked)", "nobody receives"),
        ("IO wait, 12 minutes", "network I/O"),
    ] {
        let r = reason(state).unwrap_or_else(|| panic!("{state}: no meaning"));
        assert!(r.contains(words), "{state}: {r}");
    }
    assert_eq!(reason("GC worker (idle)"), None);
}

#[test]
fn verdicts_by_hand() {
    assert_eq!(verdict(&[8, 16, 24, 32, 40]), (GroupVerdict::Growing, 4));
    assert_eq!(verdict(&[4, 4, 4]).0, GroupVerdict::Steady);
    assert_eq!(verdict(&[9, 3]).0, GroupVerdict::Shrinking);
    assert_eq!(verdict(&[1, 2]).0, GroupVerdict::Growing);
    // up once in four intervals, back down: not a trend
    assert_eq!(verdict(&[5, 9, 7, 6, 6]).0, GroupVerdict::Steady);
    // up in two of four: half is enough; up at the end but in one of four is not
    assert_eq!(verdict(&[5, 6, 6, 6, 7]).0, GroupVerdict::Growing);
    assert_eq!(verdict(&[5, 5, 5, 5, 7]).0, GroupVerdict::Steady);
    assert_eq!(verdict(&[5, 5, 5, 7]).0, GroupVerdict::Steady);
    assert_eq!(verdict(&[5, 5]).0, GroupVerdict::Steady);
    assert_eq!(
        reason("chan send, 5 minutes").unwrap(),
        reason("chan send").unwrap()
    );
}

fn named(source: &str, format: DumpFormat, leak_profile: bool, gs: Vec<Goroutines>) -> Dump {
    Dump {
        source: source.into(),
        format,
        ..dump(leak_profile, gs)
    }
}

/// A debug=1 group: no state, no creator.
fn group1(count: u64, frames: &[&str]) -> Goroutines {
    Goroutines {
        state: None,
        created_by: None,
        ..goroutines(count, "", frames)
    }
}

#[test]
fn leaked_and_unmarked_goroutines_of_one_stack_are_one_group() {
    let r = analyze(&[dump(
        true,
        vec![
            goroutines(5, "chan send", &WORKER),
            goroutines(3, "chan send (leaked)", &WORKER),
        ],
    )]);
    assert_eq!(r.groups.len(), 1);
    let g = &r.groups[0];
    assert_eq!(
        (g.counts.clone(), g.leaked_counts.clone()),
        (vec![8], vec![3])
    );
    assert_eq!(g.state.as_deref(), Some("chan send"));
    assert!(g.leaked);
    assert_eq!(g.reason, reason("chan send"));
}

#[test]
fn a_leak_profile_of_the_moment_proves_leaks_in_the_counted_dump() {
    use DumpFormat::{Debug1, Debug2};
    let select = goroutines(2, "select", &WORKER);
    let series = |leaked: u64| {
        vec![
            named(
                "g-1.debug2.txt",
                Debug2,
                false,
                vec![goroutines(6, "chan send", &WORKER), select.clone()],
            ),
            named("leak-1.txt", Debug1, true, vec![group1(leaked, &WORKER)]),
        ]
    };
    let r = analyze(&series(4));
    assert_eq!(r.dumps.len(), 1);
    assert_eq!(r.dumps[0].also, vec!["leak-1.txt".to_string()]);
    assert!(r.dumps[0].leak_profile);
    // the debug=1 group (no state) goes to the largest group of its top frame
    let of = |r: &GoroutineReport, state: &str| {
        r.groups
            .iter()
            .find(|g| g.state.as_deref() == Some(state))
            .unwrap()
            .leaked_counts[0]
    };
    assert_eq!((of(&r, "chan send"), of(&r, "select")), (4, 0));
    assert_eq!(r.leak.verdict, GoroutineLeakVerdict::LikelyLeak);
    // never more than the moment counted
    assert_eq!(of(&analyze(&series(9)), "chan send"), 6);
    // a leak profile of a frame the counted dump does not have proves nothing
    let r = analyze(&[
        named("g-1.debug2.txt", Debug2, false, vec![select.clone()]),
        named("leak-1.txt", Debug1, true, vec![group1(3, &["main.other"])]),
    ]);
    assert!(r.groups.iter().all(|g| g.leaked_counts == vec![0]));
    assert_eq!(r.leak.verdict, GoroutineLeakVerdict::NoLeakSignal);
    // of two debug=2 dumps of a moment, the less marked is counted, the more marked proves
    let r = analyze(&[
        named(
            "leak-1.debug2.txt",
            Debug2,
            true,
            vec![goroutines(6, "chan send (leaked)", &WORKER)],
        ),
        named(
            "g-1.debug2.txt",
            Debug2,
            true,
            vec![
                goroutines(2, "chan send (leaked)", &WORKER),
                goroutines(4, "chan send", &WORKER),
            ],
        ),
    ]);
    assert_eq!(r.dumps[0].source, "g-1.debug2.txt");
    assert_eq!(
        (r.groups[0].counts[0], r.groups[0].leaked_counts[0]),
        (6, 6)
    );
}

#[test]
fn leak_profiles_alone_count_the_leaked_goroutines() {
    let p = |k: u64, n: u64| {
        named(
            &format!("leak-{k}.txt"),
            DumpFormat::Debug1,
            true,
            vec![group1(n, &WORKER)],
        )
    };
    let r = analyze(&[p(2, 16), p(1, 8), p(3, 24)]);
    assert_eq!(r.groups[0].counts, vec![8, 16, 24]);
    assert_eq!(r.groups[0].leaked_counts, vec![8, 16, 24]);
    assert!(r.set_aside.is_empty());
}

#[test]
fn a_moment_without_the_counted_kind_is_set_aside() {
    use DumpFormat::{Debug1, Debug2};
    let w = |n| vec![goroutines(n, "chan send", &WORKER)];
    let w1 = |n| vec![group1(n, &WORKER)];
    // debug=2 at moments 1 and 3, debug=1 at all three: debug=1 is in every moment
    let r = analyze(&[
        named("g-1.debug2.txt", Debug2, false, w(1)),
        named("g-3.debug2.txt", Debug2, false, w(3)),
        named("g-1.txt", Debug1, false, w1(1)),
        named("g-2.txt", Debug1, false, w1(2)),
        named("g-3.txt", Debug1, false, w1(3)),
    ]);
    assert!(r.dumps.iter().all(|d| d.format == Debug1));
    assert_eq!(r.groups[0].counts, vec![1, 2, 3]);
    // debug=2 at moments 1, 2 and 3, debug=1 only at 4: the debug=2 moments count
    let r = analyze(&[
        named("g-1.debug2.txt", Debug2, false, w(1)),
        named("g-2.debug2.txt", Debug2, false, w(2)),
        named("g-3.debug2.txt", Debug2, false, w(3)),
        named("g-4.txt", Debug1, false, w1(4)),
    ]);
    assert_eq!(r.groups[0].counts, vec![1, 2, 3]);
    assert_eq!(r.set_aside.len(), 1);
    assert_eq!(r.set_aside[0].source, "g-4.txt");
    assert!(
        r.set_aside[0].reason.contains("no debug=2 dump"),
        "{}",
        r.set_aside[0].reason
    );
}

#[test]
fn a_debug1_dump_is_counted_and_its_leak_profile_twin_only_proves() {
    use DumpFormat::Debug1;
    // the leak profile first in the order given: still the full dump is counted
    let r = analyze(&[
        named("leak-1.txt", Debug1, true, vec![group1(4, &WORKER)]),
        named(
            "g-1.txt",
            Debug1,
            false,
            vec![group1(10, &WORKER), group1(2, &["main.loop"])],
        ),
    ]);
    assert_eq!(r.dumps[0].source, "g-1.txt");
    assert_eq!(r.dumps[0].also, vec!["leak-1.txt".to_string()]);
    let w = r
        .groups
        .iter()
        .find(|g| g.function == "main.worker")
        .unwrap();
    assert_eq!((w.counts[0], w.leaked_counts[0]), (10, 4));
}

#[test]
fn each_kind_is_named_in_what_is_set_aside() {
    let names: Vec<&str> = (0..=LEAK_ONLY).map(kind_name).collect();
    assert_eq!(
        names,
        [
            "debug=2",
            "traceback",
            "debug=1",
            "profile.proto",
            "goroutine leak profile"
        ]
    );
}
