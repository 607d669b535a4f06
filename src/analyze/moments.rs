//! Which inputs are of the same moment. A capture writes several files per snapshot — a
//! goroutine dump at `debug=1` and at `debug=2`, a goroutine leak profile, a heap profile
//! — and they are one moment of a series, not one moment each: counting a `debug=1` and
//! a `debug=2` dump of the same instant as two dumps reads as growth or loss that is none.
//!
//! Text dumps carry no time, so the snapshot's number in the file name decides
//! (`goroutines-3.debug2.txt`, `heap3.prof`, `goroutine-20261205T031500.txt`): every run
//! of digits in the base name, once the `debugN`/`debug=N` spelling is taken out, in
//! order (so dates sort as dates). Without a number in every name, files of each kind are
//! paired in the order given when every kind has as many; else only one kind forms the
//! series and the others are set aside (said, never silently compared). A capture
//! manifest, where there is one, will order snapshots by the time they were taken.

use std::collections::BTreeMap;

/// The snapshot's number in a file's name: its base name's runs of digits (without
/// `debug=N` and `debugN`), or `None` when it has none.
pub fn number_in_name(path: &str) -> Option<Vec<u128>> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    let mut cleaned = lower.clone();
    for pat in ["debug=", "debug_", "debug-", "debug"] {
        while let Some(at) = cleaned.find(pat) {
            let end = at + pat.len();
            let digits = cleaned[end..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            cleaned.replace_range(at..end + digits, " ");
        }
    }
    let runs: Vec<u128> = cleaned
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .map(|r| r.parse().unwrap_or(u128::MAX))
        .collect();
    (!runs.is_empty()).then_some(runs)
}

/// The series' moments: for each, the indexes of its items, in the moment's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    pub moments: Vec<Vec<usize>>,
    /// Items left out of the series, with the reason.
    pub set_aside: Vec<(usize, String)>,
}

/// Groups items named `names`, of the kinds `kinds` (a kind is one sort of file: a
/// `debug=1` dump, a `debug=2` dump, …; the caller's ranking of them: a lower kind is
/// richer), into moments.
pub fn moments(names: &[&str], kinds: &[u8]) -> Moments {
    let n = names.len();
    let numbers: Vec<Option<Vec<u128>>> = names.iter().map(|f| number_in_name(f)).collect();
    let mut by_kind: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for (i, k) in kinds.iter().enumerate() {
        by_kind.entry(*k).or_default().push(i);
    }
    // numbers name the moments when every file has one and each kind has as many files
    // at every number (else they are not numbered by snapshot, or not all of one source)
    let uniform = by_kind.values().all(|is| {
        let mut per: BTreeMap<&Vec<u128>, usize> = BTreeMap::new();
        for &i in is {
            if let Some(num) = &numbers[i] {
                *per.entry(num).or_default() += 1;
            }
        }
        let first = per.values().next().copied();
        per.values().all(|c| Some(*c) == first)
    });
    if numbers.iter().all(Option::is_some) && uniform {
        let mut at: BTreeMap<&Vec<u128>, Vec<usize>> = BTreeMap::new();
        for (i, num) in numbers.iter().enumerate() {
            at.entry(num.as_ref().expect("checked"))
                .or_default()
                .push(i);
        }
        return Moments {
            moments: at.into_values().collect(),
            set_aside: vec![],
        };
    }
    if by_kind.len() <= 1 {
        // one kind: each file a moment, in the order given
        return Moments {
            moments: (0..n).map(|i| vec![i]).collect(),
            set_aside: vec![],
        };
    }
    let lens: Vec<usize> = by_kind.values().map(Vec::len).collect();
    if lens.iter().all(|l| *l == lens[0]) {
        return Moments {
            moments: (0..lens[0])
                .map(|j| by_kind.values().map(|is| is[j]).collect())
                .collect(),
            set_aside: vec![],
        };
    }
    // kinds of different counts and no numbers to pair them: the kind with the most
    // files (the richest of those) forms the series
    let (&keep, kept) = by_kind
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
        .expect("two kinds or more");
    let why = format!(
        "cannot tell which files are of the same moment (no snapshot number in every name, and {} of one kind against {} of another): the series is the {} files of one kind; number the files by snapshot to read them together",
        kept.len(),
        lens.iter()
            .filter(|l| **l != kept.len())
            .min()
            .unwrap_or(&0),
        kept.len()
    );
    Moments {
        moments: kept.iter().map(|&i| vec![i]).collect(),
        set_aside: (0..n)
            .filter(|i| kinds[*i] != keep)
            .map(|i| (i, why.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snapshot_number_in_a_name() {
        let n = |f: &str| number_in_name(f);
        assert_eq!(n("dir/goroutines-3.debug2.txt"), Some(vec![3]));
        assert_eq!(n("goroutineleak-3.txt"), Some(vec![3]));
        assert_eq!(n("x/go1.27/heap12.pb.gz"), Some(vec![12]));
        assert_eq!(n("goroutine?debug=2-7"), Some(vec![7]));
        assert_eq!(
            n("g-2026-12-05T03:15:00.txt"),
            Some(vec![2026, 12, 5, 3, 15, 0])
        );
        assert_eq!(n("goroutines.debug2.txt"), None);
        assert_eq!(n("heap.prof"), None);
    }

    #[test]
    fn files_of_one_moment_are_one_moment() {
        let names = [
            "goroutineleak-1.txt",
            "goroutineleak-10.txt",
            "goroutineleak-2.txt",
            "goroutines-1.debug2.txt",
            "goroutines-10.debug2.txt",
            "goroutines-2.debug2.txt",
        ];
        let m = moments(&names, &[2, 2, 2, 0, 0, 0]);
        assert_eq!(m.moments, vec![vec![0, 3], vec![2, 5], vec![1, 4]]);
        assert!(m.set_aside.is_empty());
        // one kind alone: numbered files in their numbers' order, else as given; two of
        // a kind at every number (a goroutine dump and a leak profile, both debug=2)
        let m = moments(&names[3..], &[0, 0, 0]);
        assert_eq!(m.moments, vec![vec![0], vec![2], vec![1]]);
        let m = moments(&names, &[0; 6]);
        assert_eq!(m.moments, vec![vec![0, 3], vec![2, 5], vec![1, 4]]);
        let m = moments(&["b.txt", "a.txt"], &[0, 0]);
        assert_eq!(m.moments, vec![vec![0], vec![1]]);
    }

    #[test]
    fn without_numbers_kinds_pair_in_order_or_one_kind_is_kept() {
        let names = ["a.txt", "b.txt", "c.txt", "d.txt"];
        let m = moments(&names, &[0, 1, 0, 1]);
        assert_eq!(m.moments, vec![vec![0, 1], vec![2, 3]]);
        // 3 of kind 1, 1 of kind 0: kind 1 forms the series, the other is set aside
        let m = moments(&names, &[1, 1, 0, 1]);
        assert_eq!(m.moments, vec![vec![0], vec![1], vec![3]]);
        assert_eq!(m.set_aside.len(), 1);
        assert_eq!(m.set_aside[0].0, 2);
        assert!(m.set_aside[0].1.contains("same moment"));
        // as many of each: the richer (lower) kind wins the tie
        let m = moments(&names[..3], &[1, 0, 2]);
        assert_eq!(m.moments, vec![vec![1, 0, 2]]);
        let m = moments(&["a", "b", "c", "d", "e"], &[1, 1, 0, 0, 2]);
        assert_eq!(m.moments, vec![vec![2], vec![3]]);
        // numbered, but a kind has two files at one number and one at another: not
        // snapshot numbers
        let m = moments(&["g-1.txt", "h-1.txt", "g-2.txt", "x-3.txt"], &[0, 0, 0, 1]);
        assert_eq!(m.moments, vec![vec![0], vec![1], vec![2]]);
        assert_eq!(m.set_aside.len(), 1);
    }
}
