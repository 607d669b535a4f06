//! Goroutine dumps, group by group: which goroutines are the same (the same top user
//! frame, state and creator), how many of them each dump holds, and whether a group
//! grows — a goroutine blocked forever keeps its stack and all it references.
//!
//! The *top user frame* is the first frame in the program's own code: package `main` or
//! an import path whose first element has a dot (`github.com/…`, `example.com/…`).
//! Runtime and standard-library frames above it (`runtime.gopark`, `sync.(*Mutex).Lock`)
//! are folded into the group; a goroutine with no user frame at all keeps its first
//! non-runtime frame. Verdicts: **growing** (up from the first dump to the last, rising
//! in at least half the intervals; two dumps: up at all), **shrinking**, **steady**.

use crate::model::goroutines::{Dump, DumpFormat, Goroutines};
use crate::model::heap::Frame;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupVerdict {
    Growing,
    Steady,
    Shrinking,
}

impl GroupVerdict {
    pub fn label(self) -> &'static str {
        match self {
            GroupVerdict::Growing => "growing",
            GroupVerdict::Steady => "steady",
            GroupVerdict::Shrinking => "shrinking",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct DumpInfo {
    pub source: String,
    pub format: DumpFormat,
    pub total: u64,
    /// Go 1.26+'s goroutine leak profile.
    pub leak_profile: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// The top user frame.
    pub function: String,
    pub file: String,
    pub line: u32,
    /// Where it waits, when that is not its own code (`sync.(*Mutex).Lock`).
    pub parked_in: Option<String>,
    pub created_by: Option<String>,
    /// `file:line` of the `go` statement.
    pub created_at: Option<String>,
    /// `chan send`, `select`, … (`None` from debug=1 dumps, which print no state).
    pub state: Option<String>,
    pub counts: Vec<u64>,
    pub max_wait_min: Option<u64>,
    pub growth: i64,
    pub intervals_up: usize,
    pub intervals: usize,
    pub verdict: GroupVerdict,
    /// What the state means, in plain words.
    pub reason: Option<&'static str>,
    /// The runtime's leak detector (Go 1.26+ goroutine leak profile) found these
    /// goroutines blocked on something nothing else can reach.
    pub leaked: bool,
    /// One member's frames, top first.
    pub stack: Vec<Frame>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoroutineLeakVerdict {
    LikelyLeak,
    PossibleGrowth,
    NoLeakSignal,
}

#[derive(Clone, Debug, Serialize)]
pub struct GoroutineLeak {
    pub verdict: GoroutineLeakVerdict,
    pub groups: Vec<String>,
    pub evidence: String,
}

/// The goroutine stacks' growth a GC trace of the same run shows.
#[derive(Clone, Debug, Serialize)]
pub struct StacksLink {
    pub source: String,
    pub stacks_first_mib: u32,
    pub stacks_last_mib: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct GoroutineReport {
    pub dumps: Vec<DumpInfo>,
    pub groups: Vec<Group>,
    pub leak: GoroutineLeak,
    pub trace: Option<StacksLink>,
}

/// The package path of a function name (`gclens.example/x/pool.worker` →
/// `gclens.example/x/pool`, `sync.(*Mutex).Lock` → `sync`).
fn package(f: &str) -> &str {
    // the first dot of the last path element ends it (Go writes a dot inside a package
    // name there as %2e: `gopkg.in/yaml%2ev3.Unmarshal`)
    let last = f.rsplit('/').next().unwrap_or(f);
    match last.find('.') {
        Some(d) => &f[..f.len() - last.len() + d],
        None => f,
    }
}

/// Is this the program's own code (not the runtime or the standard library)?
pub fn is_user(f: &str) -> bool {
    let p = package(f);
    p == "main" || p.split('/').next().is_some_and(|first| first.contains('.'))
}

fn is_runtime(f: &str) -> bool {
    let p = package(f);
    p == "runtime" || p.starts_with("runtime/") || p.starts_with("internal/")
}

/// The index of the top user frame (else the first non-runtime one, else 0).
fn top(frames: &[Frame]) -> usize {
    frames
        .iter()
        .position(|f| is_user(&f.function))
        .or_else(|| frames.iter().position(|f| !is_runtime(&f.function)))
        .unwrap_or(0)
}

/// What a wait state means, in plain words.
pub fn reason(state: &str) -> Option<&'static str> {
    let s = state.split(',').next().unwrap_or(state).trim();
    let s = s.strip_suffix(" (leaked)").unwrap_or(s);
    Some(match s {
        "chan send" => "blocked sending on a channel nobody receives from: the classic leak",
        "chan receive" => "waiting to receive on a channel nobody sends on or closes",
        "chan send (nil chan)" | "chan receive (nil chan)" => "blocked forever on a nil channel",
        "select" => "waiting in a select for one of its channels",
        "select (no cases)" => "blocked forever in an empty select",
        "IO wait" => "waiting for network I/O",
        "semacquire" | "sync.Mutex.Lock" | "sync.RWMutex.Lock" | "sync.RWMutex.RLock" => {
            "waiting for a lock someone holds"
        }
        "sync.WaitGroup.Wait" => "waiting for a WaitGroup that is not done",
        "sync.Cond.Wait" => "waiting on a sync.Cond nobody signals",
        "sleep" => "sleeping (time.Sleep)",
        "syscall" => "in a system call",
        "running" | "runnable" => "running",
        _ => return None,
    })
}

type Key = (String, Option<String>, Option<String>);

fn verdict(counts: &[u64]) -> (GroupVerdict, usize) {
    let up = counts.windows(2).filter(|w| w[1] > w[0]).count();
    let k = counts.len().saturating_sub(1);
    let (first, last) = (counts[0], counts[counts.len() - 1]);
    let v = if last > first && up * 2 >= k {
        GroupVerdict::Growing
    } else if last < first {
        GroupVerdict::Shrinking
    } else {
        GroupVerdict::Steady
    };
    (v, up)
}

/// Groups the goroutines of every dump and judges each group over the series.
pub fn analyze(dumps: &[Dump]) -> GoroutineReport {
    let n = dumps.len();
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut groups: Vec<(Group, Key)> = vec![];
    for (d, dump) in dumps.iter().enumerate() {
        for g in &dump.goroutines {
            add(&mut index, &mut groups, g, (d, n, dump.leak_profile));
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(mut g, _)| {
            let (v, up) = verdict(&g.counts);
            g.growth = g.counts[n - 1] as i64 - g.counts[0] as i64;
            g.verdict = v;
            g.intervals_up = up;
            g.intervals = n - 1;
            g
        })
        .collect();
    out.sort_by(|a, b| {
        b.growth
            .cmp(&a.growth)
            .then_with(|| b.counts[n - 1].cmp(&a.counts[n - 1]))
            .then_with(|| b.max_wait_min.cmp(&a.max_wait_min))
            .then_with(|| a.function.cmp(&b.function))
            .then_with(|| a.state.cmp(&b.state))
    });
    let leak = leak(&out, n);
    GoroutineReport {
        dumps: dumps
            .iter()
            .map(|d| DumpInfo {
                source: d.source.clone(),
                format: d.format,
                total: d.total,
                leak_profile: d.leak_profile,
            })
            .collect(),
        groups: out,
        leak,
        trace: None,
    }
}

fn add(
    index: &mut HashMap<Key, usize>,
    groups: &mut Vec<(Group, Key)>,
    g: &Goroutines,
    (d, n, leak_profile): (usize, usize, bool),
) {
    let t = top(&g.frames);
    let frame = g.frames.get(t).cloned().unwrap_or(Frame {
        function: "(no frames)".into(),
        file: String::new(),
        line: 0,
    });
    let key: Key = (
        frame.function.clone(),
        g.state.clone(),
        g.created_by.as_ref().map(|c| c.function.clone()),
    );
    let i = *index.entry(key.clone()).or_insert_with(|| {
        // the call nearest the program's code that is not the runtime's own
        let parked = g.frames[..t]
            .iter()
            .rev()
            .find(|f| !is_runtime(&f.function))
            .map(|f| f.function.clone());
        groups.push((
            Group {
                function: frame.function.clone(),
                file: frame.file.clone(),
                line: frame.line,
                parked_in: parked,
                created_by: g.created_by.as_ref().map(|c| c.function.clone()),
                created_at: g
                    .created_by
                    .as_ref()
                    .map(|c| format!("{}:{}", c.file, c.line)),
                state: g.state.clone(),
                counts: vec![0; n],
                max_wait_min: None,
                growth: 0,
                intervals_up: 0,
                intervals: 0,
                verdict: GroupVerdict::Steady,
                reason: g.state.as_deref().and_then(reason),
                // debug=1 of the leak profile lists leaked goroutines only; debug=2
                // lists them all and marks the leaked ones
                leaked: match &g.state {
                    Some(s) => s.ends_with(" (leaked)"),
                    None => leak_profile,
                },
                stack: g.frames.clone(),
            },
            key,
        ));
        groups.len() - 1
    });
    let grp = &mut groups[i].0;
    grp.counts[d] += g.count;
    if let Some(w) = g.wait_min {
        grp.max_wait_min = Some(grp.max_wait_min.map_or(w, |m| m.max(w)));
    }
}

/// `main.leakyFetch [chan send]`.
pub fn title(g: &Group) -> String {
    match &g.state {
        Some(s) => format!("{} [{s}]", g.function),
        None => g.function.clone(),
    }
}

fn leak(groups: &[Group], n: usize) -> GoroutineLeak {
    let growing: Vec<&Group> = groups
        .iter()
        .filter(|g| g.verdict == GroupVerdict::Growing)
        .collect();
    // the runtime's own leak detector, in the last dump, is evidence enough
    let leaked: Vec<&Group> = groups
        .iter()
        .filter(|g| g.leaked && g.counts[n - 1] > 0)
        .collect();
    let verdict = match (growing.is_empty(), n >= 3) {
        (false, true) => GoroutineLeakVerdict::LikelyLeak,
        _ if !leaked.is_empty() => GoroutineLeakVerdict::LikelyLeak,
        (false, false) => GoroutineLeakVerdict::PossibleGrowth,
        _ => GoroutineLeakVerdict::NoLeakSignal,
    };
    let detector = match leaked.iter().max_by_key(|g| g.counts[n - 1]) {
        Some(g) => format!(
            "; the runtime's leak detector marks {} goroutine(s) leaked, most in {}",
            leaked.iter().map(|g| g.counts[n - 1]).sum::<u64>(),
            title(g)
        ),
        None => String::new(),
    };
    let evidence = match growing.first() {
        Some(g) => {
            let created = g
                .created_by
                .as_ref()
                .map_or(String::new(), |c| format!(", created by {c}"));
            let why = g.reason.map_or(String::new(), |r| format!(": {r}"));
            format!(
                "{}{created}: {} → {} goroutines over {n} dumps, grew in {} of {} intervals{why}",
                title(g),
                g.counts[0],
                g.counts[n - 1],
                g.intervals_up,
                g.intervals
            )
        }
        None if !leaked.is_empty() => String::new(),
        None if n < 2 => match groups.first() {
            Some(g) => format!(
                "one dump: the largest group is {} with {} goroutines; take another dump later to see growth",
                title(g),
                g.counts[0]
            ),
            None => "one dump, no goroutine".into(),
        },
        None => format!("no group grows over {n} dumps"),
    };
    let evidence = if evidence.is_empty() {
        detector.trim_start_matches("; ").to_string()
    } else {
        evidence + &detector
    };
    let mut names: Vec<String> = growing.iter().map(|g| title(g)).collect();
    for g in &leaked {
        if !names.contains(&title(g)) {
            names.push(title(g));
        }
    }
    GoroutineLeak {
        verdict,
        groups: names,
        evidence,
    }
}

impl GoroutineReport {
    /// Puts the stacks' growth a GC trace of the same run shows (Go 1.18+) beside.
    pub fn with_trace(mut self, source: String, first_mib: u32, last_mib: u32) -> Self {
        self.trace = Some(StacksLink {
            source,
            stacks_first_mib: first_mib,
            stacks_last_mib: last_mib,
        });
        self
    }
}

#[cfg(test)]
mod tests {
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
            "the runtime's leak detector marks 4 goroutine(s) leaked, most in main.worker [chan send (leaked)]"
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
}
