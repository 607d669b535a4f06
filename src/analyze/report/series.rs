//! Which of an incident's snapshots form a series. A directory walked in name order puts
//! `heap-10` before `heap-2`, may hold the same snapshot twice (downloaded again, copied
//! under a new name) and profiles of another program (a sidecar's); compared as they
//! come, they read as growth or loss that is none. So: profiles by the time they carry
//! (else the number in their names), one program per series (the one most files are
//! of), each snapshot once; what is left out is said.

use crate::analyze::memstats::MemReport;
use crate::analyze::moments::{moments, number_in_name};
use crate::model::goroutines::Dump;
use crate::model::heap::{HeapProfile, HeapSeries};
use crate::model::memstats::Snapshot;
use crate::parse::incident::Skipped;
use std::collections::HashMap;

/// The order key of a snapshot: its time when it has one, else the number in its name.
fn order_key(time: Option<i64>, source: &str) -> (Option<i64>, Option<Vec<u128>>) {
    (time, number_in_name(source))
}

/// The value most items have (the first of equals), among those that have one.
pub(super) fn majority<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Option<&'a str> {
    let mut count: Vec<(&str, usize)> = vec![];
    for v in values.flatten() {
        match count.iter_mut().find(|(x, _)| *x == v) {
            Some(c) => c.1 += 1,
            None => count.push((v, 1)),
        }
    }
    let best = count.iter().map(|c| c.1).max()?;
    count.iter().find(|c| c.1 == best).map(|c| c.0)
}

/// The heap profiles of one program, oldest first, each moment once (`None` without one):
/// an `allocs` profile beside heap profiles is set aside (the same figures, another
/// default), and of the forms of one snapshot (`heap-3.pb.gz` and `heap-3.txt`) the
/// form every moment has is read, profile.proto before the text.
pub fn heap(mut s: HeapSeries, skipped: &mut Vec<Skipped>) -> Option<HeapSeries> {
    use crate::model::heap::{ProfileFormat, SampleType};
    let program = majority(s.profiles.iter().map(|p| p.binary.as_deref())).map(str::to_string);
    let is_allocs = |p: &HeapProfile| {
        matches!(
            p.default_sample,
            SampleType::AllocSpace | SampleType::AllocObjects
        )
    };
    let any_heap = s.profiles.iter().any(|p| !is_allocs(p));
    let mut kept = Vec::with_capacity(s.profiles.len());
    for p in std::mem::take(&mut s.profiles) {
        let why = match (&program, &p.binary) {
            (Some(main), Some(b)) if b != main => format!(
                "a profile of {b}, the others of {main}: profiles of different programs are not compared"
            ),
            _ if any_heap && is_allocs(&p) => "an allocs profile (allocation is its default): the heap profiles of the series hold the same figures".to_string(),
            _ => {
                kept.push(p);
                continue;
            }
        };
        skipped.push(Skipped {
            reason: why,
            source: p.source,
        });
    }
    // the forms of one moment: by the snapshot number in their names
    let names: Vec<&str> = kept.iter().map(|p| p.source.as_str()).collect();
    let kinds: Vec<u8> = kept
        .iter()
        .map(|p| u8::from(p.format == ProfileFormat::Text))
        .collect();
    let m = moments(&names, &kinds);
    let in_all = (0..=1u8).find(|&k| m.moments.iter().all(|mo| mo.iter().any(|&i| kinds[i] == k)));
    let mut pick = vec![false; kept.len()];
    let mut why: Vec<Option<String>> = vec![None; kept.len()];
    for (i, reason) in m.set_aside {
        why[i] = Some(reason);
    }
    for mo in &m.moments {
        let chosen = mo
            .iter()
            .copied()
            .filter(|&i| in_all.is_none_or(|k| kinds[i] == k))
            .min_by_key(|&i| kinds[i]);
        let Some(c) = chosen else { continue };
        pick[c] = true;
        for &i in mo.iter().filter(|&&i| i != c) {
            why[i] = Some(format!(
                "of the same moment as {}: counted once",
                kept[c].source
            ));
        }
    }
    let order: Vec<usize> = m.moments.iter().flatten().copied().collect();
    let mut slots: Vec<Option<HeapProfile>> = kept.into_iter().map(Some).collect();
    let mut chosen: Vec<HeapProfile> = vec![];
    for i in order {
        let Some(p) = slots[i].take() else { continue };
        if pick[i] {
            chosen.push(p);
        } else if let Some(reason) = why[i].take() {
            skipped.push(Skipped {
                source: p.source,
                reason,
            });
        }
    }
    for (i, slot) in slots.into_iter().enumerate() {
        if let (Some(p), Some(reason)) = (slot, why[i].take()) {
            skipped.push(Skipped {
                source: p.source,
                reason,
            });
        }
    }
    if chosen.iter().all(|p| p.time_unix_ns.is_some()) {
        chosen.sort_by_key(|p| p.time_unix_ns);
    }
    let mut out: Vec<HeapProfile> = Vec::with_capacity(chosen.len());
    for p in chosen {
        if let Some(q) = out.iter().find(|q| same_profile(q, &p)) {
            skipped.push(Skipped {
                reason: format!("the same snapshot as {}: counted once", q.source),
                source: p.source,
            });
            continue;
        }
        out.push(p);
    }
    s.profiles = out;
    (!s.profiles.is_empty()).then_some(s)
}

pub(super) fn same_profile(a: &HeapProfile, b: &HeapProfile) -> bool {
    a.time_unix_ns.is_some() && a.time_unix_ns == b.time_unix_ns && a.samples == b.samples
}

/// Gives the snapshots that carry no time of their own the time a capture manifest
/// says they were received: heap profiles their `time_unix_ns`; goroutine dumps (which
/// never carry one) are put in that order when every one of them has it.
pub fn capture_times(heap: &mut HeapSeries, dumps: &mut [Dump], times: &HashMap<String, i64>) {
    if times.is_empty() {
        return;
    }
    for p in heap
        .profiles
        .iter_mut()
        .filter(|p| p.time_unix_ns.is_none())
    {
        p.time_unix_ns = times.get(&p.source).copied();
    }
    if dumps.iter().all(|d| times.contains_key(&d.source)) {
        dumps.sort_by_key(|d| times[&d.source]);
    }
}

/// The goroutine dumps of one program (by where its `main.main` runs), each once.
pub fn dumps(dumps: Vec<Dump>, skipped: &mut Vec<Skipped>) -> Vec<Dump> {
    use crate::parse::goroutines::load::main_of;
    let mains: Vec<Option<String>> = dumps.iter().map(main_of).collect();
    let program = majority(mains.iter().map(Option::as_deref)).map(str::to_string);
    let mut out: Vec<Dump> = vec![];
    for (d, m) in dumps.into_iter().zip(mains) {
        if let (Some(main), Some(m)) = (&program, &m)
            && m != main
        {
            skipped.push(Skipped {
                reason: format!(
                    "a dump of the program whose main.main is in {m}, the others' in {main}: dumps of different programs are not compared"
                ),
                source: d.source,
            });
            continue;
        }
        if let Some(q) = out
            .iter()
            .find(|q| q.format == d.format && q.goroutines == d.goroutines)
        {
            skipped.push(Skipped {
                reason: format!("the same dump as {}: counted once", q.source),
                source: d.source,
            });
            continue;
        }
        out.push(d);
    }
    out
}

/// The MemStats series, oldest first (by `LastGC`, else the time a capture manifest
/// gives, else the number in the name); a series that cannot be ordered is set aside
/// with the reason.
pub fn memstats(
    mut inputs: Vec<(String, Vec<Snapshot>)>,
    times: &HashMap<String, i64>,
    skipped: &mut Vec<Skipped>,
) -> Option<MemReport> {
    if inputs.is_empty() {
        return None;
    }
    let first_gc = |s: &[Snapshot]| s.iter().find_map(|x| x.stats.last_gc.filter(|t| *t > 0));
    let timed = inputs.iter().all(|(_, s)| first_gc(s).is_some());
    let captured = inputs.iter().all(|(n, _)| times.contains_key(n));
    inputs.sort_by_cached_key(|(name, s)| {
        let time = match (timed, captured) {
            (true, _) => first_gc(s).map(|t| t as i64),
            (false, true) => times.get(name).copied(),
            _ => None,
        };
        order_key(time, name.as_str())
    });
    // the same snapshot twice (one NumGC and LastGC): the later file is a copy
    let mut seen: HashMap<(Option<u64>, Option<u64>), String> = HashMap::new();
    inputs.retain(|(name, s)| {
        let key = s.first().map(|x| (x.stats.num_gc, x.stats.last_gc));
        match key {
            Some(k) if k.1.is_some() => match seen.get(&k) {
                Some(q) => {
                    skipped.push(Skipped {
                        source: name.clone(),
                        reason: format!("the same MemStats snapshot as {q}: counted once"),
                    });
                    false
                }
                None => {
                    seen.insert(k, name.clone());
                    true
                }
            },
            _ => true,
        }
    });
    let names: Vec<String> = inputs.iter().map(|(n, _)| n.clone()).collect();
    match crate::analyze::memstats::report(inputs) {
        Ok(r) => Some(r),
        Err(why) => {
            skipped.extend(names.into_iter().map(|source| Skipped {
                source,
                reason: format!("the MemStats series cannot be read in order: {why}"),
            }));
            None
        }
    }
}
