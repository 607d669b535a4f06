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

/// One moment of the series: the dump counted, and the other files of that moment
/// (a `debug=1` twin, the goroutine leak profile) read for the leaked goroutines only.
#[derive(Clone, Debug, Serialize)]
pub struct DumpInfo {
    pub source: String,
    pub format: DumpFormat,
    pub total: u64,
    /// Go 1.26+'s goroutine leak profile (or a `debug=2` dump that marks leaked ones).
    pub leak_profile: bool,
    /// Files of the same moment, not counted again.
    pub also: Vec<String>,
}

/// A file left out of the series, and why.
#[derive(Clone, Debug, Serialize)]
pub struct SetAside {
    pub source: String,
    pub reason: String,
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
    /// The runtime's leak detector (Go 1.26+ goroutine leak profile) found goroutines
    /// of this group, in the last dump, blocked on something nothing else can reach.
    pub leaked: bool,
    /// How many of the group's goroutines the leak detector marked, per dump (a
    /// `chan send (leaked)` goroutine is one of the `chan send` group).
    pub leaked_counts: Vec<u64>,
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
    /// The moments of the series, one counted dump each.
    pub dumps: Vec<DumpInfo>,
    pub set_aside: Vec<SetAside>,
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

/// How a dump counts: lower is richer (`debug=2` carries states, waits and creators).
/// A `debug=1` goroutine leak profile lists only the leaked goroutines: evidence about
/// them, not a count of the population.
fn kind(d: &Dump) -> u8 {
    match d.format {
        DumpFormat::Debug2 => 0,
        DumpFormat::Traceback => 1,
        DumpFormat::Debug1 if !d.leak_profile => 2,
        DumpFormat::Proto => 3,
        DumpFormat::Debug1 => LEAK_ONLY,
    }
}

const LEAK_ONLY: u8 = 4;

/// The moments of the series and the kind of dump that is counted in each: the
/// richest kind every moment has (moments without it are set aside, said).
fn series(dumps: &[Dump]) -> (Vec<(usize, Vec<usize>)>, Vec<SetAside>) {
    let names: Vec<&str> = dumps.iter().map(|d| d.source.as_str()).collect();
    let kinds: Vec<u8> = dumps.iter().map(kind).collect();
    let m = super::moments::moments(&names, &kinds);
    let mut set_aside: Vec<SetAside> = m
        .set_aside
        .iter()
        .map(|(i, why)| SetAside {
            source: dumps[*i].source.clone(),
            reason: why.clone(),
        })
        .collect();
    let has = |moment: &[usize], k: u8| moment.iter().any(|&i| kinds[i] == k);
    let in_all = (0..=LEAK_ONLY).find(|&k| m.moments.iter().all(|mo| has(mo, k)));
    let counted = in_all.unwrap_or_else(|| {
        (0..=LEAK_ONLY)
            .max_by_key(|&k| {
                let n = m.moments.iter().filter(|mo| has(mo, k)).count();
                (n, std::cmp::Reverse(k))
            })
            .unwrap_or(0)
    });
    let mut out = vec![];
    for mo in m.moments {
        // of two dumps of the kind (a goroutine dump and a leak profile, both debug=2),
        // the one the leak detector marked least: the plain dump
        let marks = |i: usize| {
            dumps[i]
                .goroutines
                .iter()
                .filter(|g| g.state.as_deref().is_some_and(|s| s.ends_with(" (leaked)")))
                .map(|g| g.count)
                .sum::<u64>()
        };
        match mo
            .iter()
            .filter(|&&i| kinds[i] == counted)
            .min_by_key(|&&i| marks(i))
        {
            Some(&i) => out.push((i, mo)),
            None => set_aside.extend(mo.iter().map(|&i| SetAside {
                source: dumps[i].source.clone(),
                reason: format!(
                    "its moment has no {} dump, the kind the series counts: dumps of different kinds are not compared (take every kind at every moment, or pass one kind)",
                    kind_name(counted)
                ),
            })),
        }
    }
    (out, set_aside)
}

fn kind_name(k: u8) -> &'static str {
    match k {
        0 => "debug=2",
        1 => "traceback",
        2 => "debug=1",
        3 => "profile.proto",
        _ => "goroutine leak profile",
    }
}

/// Groups the goroutines of every moment and judges each group over the series.
pub fn analyze(dumps: &[Dump]) -> GoroutineReport {
    let (series, set_aside) = series(dumps);
    let n = series.len().max(1);
    let mut index: HashMap<Key, usize> = HashMap::new();
    let mut groups: Vec<(Group, Key)> = vec![];
    for (d, (counted, _)) in series.iter().enumerate() {
        for g in &dumps[*counted].goroutines {
            add(&mut index, &mut groups, g, (d, n));
        }
    }
    // the leak detector's findings, from every file of the moment (the most any of them
    // marks, never more than the moment counted)
    for (d, (_, files)) in series.iter().enumerate() {
        let mut most = vec![0u64; groups.len()];
        for &f in files {
            for (k, c) in marked(&dumps[f], &index, &groups, d) {
                most[k] = most[k].max(c);
            }
        }
        for (k, c) in most.into_iter().enumerate() {
            let g = &mut groups[k].0;
            g.leaked_counts[d] = c.min(g.counts[d]);
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
            g.leaked = g.leaked_counts[n - 1] > 0;
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
        dumps: series
            .iter()
            .map(|(c, files)| {
                let d = &dumps[*c];
                DumpInfo {
                    source: d.source.clone(),
                    format: d.format,
                    total: d.total,
                    leak_profile: files.iter().any(|&f| dumps[f].leak_profile),
                    also: files
                        .iter()
                        .filter(|&f| f != c)
                        .map(|&f| dumps[f].source.clone())
                        .collect(),
                }
            })
            .collect(),
        set_aside,
        groups: out,
        leak,
        trace: None,
    }
}

/// The state without the leak detector's mark: `chan send (leaked)` is `chan send`.
fn unmarked(state: &str) -> &str {
    state.strip_suffix(" (leaked)").unwrap_or(state)
}

fn key_of(g: &Goroutines) -> (Key, Frame) {
    let frame = g.frames.get(top(&g.frames)).cloned().unwrap_or(Frame {
        function: "(no frames)".into(),
        file: String::new(),
        line: 0,
    });
    let key = (
        frame.function.clone(),
        g.state.as_deref().map(|s| unmarked(s).to_string()),
        g.created_by.as_ref().map(|c| c.function.clone()),
    );
    (key, frame)
}

/// The goroutines `dump` says are leaked, by the group of the series they belong to: a
/// `debug=1` leak profile's every group, a `debug=2` dump's marked ones. A group of
/// another form (no state or creator in `debug=1`) is matched by its top frame, to the
/// largest group of that frame at moment `d`.
fn marked(
    dump: &Dump,
    index: &HashMap<Key, usize>,
    groups: &[(Group, Key)],
    d: usize,
) -> Vec<(usize, u64)> {
    let mut sums: HashMap<usize, u64> = HashMap::new();
    for g in &dump.goroutines {
        let leaked = match &g.state {
            Some(s) => s.ends_with(" (leaked)"),
            None => dump.leak_profile && dump.format == DumpFormat::Debug1,
        };
        if !leaked {
            continue;
        }
        let (key, _) = key_of(g);
        let at = index.get(&key).copied().or_else(|| {
            groups
                .iter()
                .enumerate()
                .filter(|(_, (grp, _))| grp.function == key.0)
                .max_by_key(|(_, (grp, _))| grp.counts[d])
                .map(|(k, _)| k)
        });
        if let Some(k) = at {
            *sums.entry(k).or_default() += g.count;
        }
    }
    sums.into_iter().collect()
}

fn add(
    index: &mut HashMap<Key, usize>,
    groups: &mut Vec<(Group, Key)>,
    g: &Goroutines,
    (d, n): (usize, usize),
) {
    let t = top(&g.frames);
    let (key, frame) = key_of(g);
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
                state: key.1.clone(),
                counts: vec![0; n],
                max_wait_min: None,
                growth: 0,
                intervals_up: 0,
                intervals: 0,
                verdict: GroupVerdict::Steady,
                reason: key.1.as_deref().and_then(reason),
                leaked: false,
                leaked_counts: vec![0; n],
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
        .filter(|g| g.leaked_counts[n - 1] > 0)
        .collect();
    let verdict = match (growing.is_empty(), n >= 3) {
        (false, true) => GoroutineLeakVerdict::LikelyLeak,
        _ if !leaked.is_empty() => GoroutineLeakVerdict::LikelyLeak,
        (false, false) => GoroutineLeakVerdict::PossibleGrowth,
        _ => GoroutineLeakVerdict::NoLeakSignal,
    };
    let detector = match leaked.iter().max_by_key(|g| g.leaked_counts[n - 1]) {
        Some(g) => format!(
            "; the runtime's leak detector proves {} goroutine(s) leaked, most in {}",
            leaked.iter().map(|g| g.leaked_counts[n - 1]).sum::<u64>(),
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
#[path = "goroutines_tests.rs"]
mod tests;
