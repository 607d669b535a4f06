//! `gclens escape diff BASE HEAD`: which heap allocations a change adds and removes.
//!
//! Lines shift when code is edited above a function, so diagnostics are matched by
//! what they are, not where: (file, function, kind, subject). Several identical ones in
//! one function (two `make([]byte, n)`) are paired in line order; what is left over in
//! HEAD is new, what is left over in BASE is removed. Matched pairs whose line changed
//! are counted as moved, not reported as changes.

use crate::model::escape::{Diagnostic, Kind};
use std::collections::BTreeMap;

/// The comparison of two builds.
#[derive(Debug, Default)]
pub struct EscapeDiff {
    pub added: Vec<Diagnostic>,
    pub removed: Vec<Diagnostic>,
    /// Found in both at the same line.
    pub unchanged: usize,
    /// Found in both, at another line.
    pub moved: usize,
}

type Key = (String, Option<String>, Kind, String);

fn key(d: &Diagnostic) -> Key {
    (
        d.pos.file.clone(),
        d.function.clone(),
        d.kind,
        d.subject.clone(),
    )
}

fn group<'a>(ds: impl Iterator<Item = &'a Diagnostic>) -> BTreeMap<Key, Vec<&'a Diagnostic>> {
    let mut m: BTreeMap<Key, Vec<&Diagnostic>> = BTreeMap::new();
    for d in ds {
        m.entry(key(d)).or_default().push(d);
    }
    for v in m.values_mut() {
        v.sort_by_key(|d| (d.pos.line, d.pos.col));
    }
    m
}

/// Compares the heap diagnostics of `kinds` in two builds.
pub fn compare(base: &[Diagnostic], head: &[Diagnostic], kinds: &[Kind]) -> EscapeDiff {
    let wanted = |d: &&Diagnostic| kinds.contains(&d.kind);
    let b = group(base.iter().filter(wanted));
    let h = group(head.iter().filter(wanted));
    let mut out = EscapeDiff::default();
    for (k, hs) in &h {
        let bs = b.get(k).map_or(&[][..], |v| &v[..]);
        let n = bs.len().min(hs.len());
        for (x, y) in bs.iter().zip(hs.iter()).take(n) {
            if x.pos.line == y.pos.line {
                out.unchanged += 1;
            } else {
                out.moved += 1;
            }
        }
        out.added.extend(hs[n..].iter().map(|d| (*d).clone()));
        out.removed
            .extend(bs[n.min(bs.len())..].iter().map(|d| (*d).clone()));
    }
    for (k, bs) in &b {
        if !h.contains_key(k) {
            out.removed.extend(bs.iter().map(|d| (*d).clone()));
        }
    }
    let order = |a: &Diagnostic, b: &Diagnostic| a.pos.cmp(&b.pos);
    out.added.sort_by(order);
    out.removed.sort_by(order);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::escape::Pos;

    fn d(line: u32, func: &str, kind: Kind, subject: &str) -> Diagnostic {
        Diagnostic {
            package: "p".into(),
            pos: Pos {
                file: "a.go".into(),
                line,
                col: 2,
            },
            function: Some(func.into()),
            kind,
            message: String::new(),
            subject: subject.into(),
            count: 1,
            explanation: vec![],
        }
    }

    #[test]
    fn shifted_lines_are_not_changes() {
        let base = vec![
            d(10, "f", Kind::MovedToHeap, "x"),
            d(20, "g", Kind::EscapesToHeap, "make([]byte, n)"),
        ];
        let head = vec![
            d(13, "f", Kind::MovedToHeap, "x"),
            d(23, "g", Kind::EscapesToHeap, "make([]byte, n)"),
            d(25, "g", Kind::EscapesToHeap, "make([]byte, n)"),
            d(30, "h", Kind::DoesNotEscape, "y"),
        ];
        let r = compare(&base, &head, &[Kind::MovedToHeap, Kind::EscapesToHeap]);
        assert_eq!((r.unchanged, r.moved), (0, 2));
        assert_eq!(r.added.len(), 1);
        assert_eq!(r.added[0].pos.line, 25);
        assert!(r.removed.is_empty());
    }

    #[test]
    fn removed_and_same_subject_elsewhere() {
        let base = vec![
            d(10, "f", Kind::MovedToHeap, "x"),
            d(12, "f", Kind::MovedToHeap, "y"),
        ];
        let head = vec![
            d(10, "f", Kind::MovedToHeap, "x"),
            d(40, "k", Kind::MovedToHeap, "y"),
        ];
        let r = compare(&base, &head, &[Kind::MovedToHeap]);
        assert_eq!(r.unchanged, 1);
        assert_eq!(r.added[0].function.as_deref(), Some("k"));
        assert_eq!(r.removed[0].function.as_deref(), Some("f"));
    }
}
