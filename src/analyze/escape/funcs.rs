//! Which function a diagnostic is in. The text output rarely says (only Go ≤ 1.12's
//! prefixes and 1.25+'s `in F`/`for F` headers), so the enclosing function is found
//! from the function declarations of its file: read from the source when it can be
//! found (under the root), otherwise from the compiler's own `can inline F` / `cannot
//! inline F` lines, which stand at each function's name. A diagnostic belongs to the
//! last declaration at or above its line. Closures count as their enclosing function.

use crate::model::escape::{EscapeSet, Kind};
use rustc_hash::FxHashMap as HashMap;

/// Declarations of one file: (line, name), sorted by line.
type DeclList = Vec<(u32, String)>;

/// The source text of a file of the repository, by its repo-relative path; `None`
/// when it cannot be had (the compiler's lines name the functions then).
pub type SourceOf<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// Fills in `function` where it is missing, from the source `source` gives for a file,
/// else from the compiler's lines.
pub fn attribute(set: &mut EscapeSet, source: SourceOf) {
    let mut by_file: HashMap<String, DeclList> = HashMap::default();
    // Declarations the compiler named.
    let mut named: HashMap<String, DeclList> = HashMap::default();
    for d in &set.diagnostics {
        if matches!(d.kind, Kind::CanInline | Kind::CannotInline)
            && !d.subject.is_empty()
            && d.pos.line > 0
            && !is_closure(&d.subject)
        {
            named
                .entry(d.pos.file.clone())
                .or_default()
                .push((d.pos.line, d.subject.clone()));
        }
    }
    for d in &mut set.diagnostics {
        if d.function.is_some() || d.pos.line == 0 {
            continue;
        }
        if !by_file.contains_key(&d.pos.file) {
            let v = {
                let mut v = source(&d.pos.file)
                    .map(|src| from_source(&src))
                    .unwrap_or_else(|| named.get(&d.pos.file).cloned().unwrap_or_default());
                v.sort();
                v.dedup_by(|a, b| a.0 == b.0);
                v
            };
            by_file.insert(d.pos.file.clone(), v);
        }
        let decls = &by_file[&d.pos.file];
        let i = decls.partition_point(|(l, _)| *l <= d.pos.line);
        if i > 0 {
            d.function = Some(decls[i - 1].1.clone());
        }
    }
}

/// `main.func1`, `(*T).M.func2`, `F.deferwrap1`: the compiler's closure names.
fn is_closure(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or("");
    ["func", "deferwrap", "gowrap"].iter().any(|p| {
        last.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Top-level `func` declarations of a Go source file, named as the compiler names them
/// (`F`, `T.M`, `(*T).M`).
pub fn from_source(src: &[u8]) -> DeclList {
    let mut out = vec![];
    for (i, line) in src.split(|&b| b == b'\n').enumerate() {
        let Some(rest) = line.strip_prefix(b"func") else {
            continue;
        };
        let rest = String::from_utf8_lossy(rest);
        if !rest.starts_with([' ', '(']) {
            continue;
        }
        if let Some(name) = decl_name(rest.trim_start()) {
            out.push((i as u32 + 1, name));
        }
    }
    out
}

fn decl_name(s: &str) -> Option<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(recv) = s.strip_prefix('(') {
        let close = recv.find(')')?;
        let inner = recv[..close].trim();
        let ty = inner.rsplit([' ', '\t']).next().unwrap_or(inner);
        let (ptr, ty) = match ty.strip_prefix('*') {
            Some(t) => (true, t),
            None => (false, ty),
        };
        let ty_name = ident(ty);
        let method = ident(recv[close + 1..].trim_start());
        if ty_name.is_empty() || method.is_empty() {
            return None;
        }
        return Some(if ptr {
            format!("(*{ty_name}).{method}")
        } else {
            format!("{ty_name}.{method}")
        });
    }
    let name = ident(s);
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations() {
        let src = b"package x\n\nfunc New(n int) *C {\n}\nfunc (c *Cache) Put(k string) {}\nfunc (s sorted[T]) Len() int\nfunc Max[T any](xs []T) T {}\n// func not(\nfunc() {}\n";
        assert_eq!(
            from_source(src),
            vec![
                (3, "New".to_string()),
                (5, "(*Cache).Put".to_string()),
                (6, "sorted.Len".to_string()),
                (7, "Max".to_string()),
            ]
        );
    }

    #[test]
    fn closures() {
        assert!(is_closure("main.func1"));
        assert!(is_closure("(*Cache).Put.deferwrap1"));
        assert!(!is_closure("store.Max[go.shape.int]"));
        assert!(!is_closure("funcs"));
    }
}
