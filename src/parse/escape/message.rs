//! What a diagnostic's message says: its [`Kind`], what it is about, and the function
//! it names, for every wording from Go 1.5 to 1.27 (see `grammars/escape.md`); and the
//! `-m=2` explanation lines (headers and steps).
//!
//! Messages are matched by their fixed words (`moved to heap: `, ` escapes to heap`,
//! `can inline `…), never by a pattern over the subject: generic instantiation names
//! hold spaces, braces, semicolons and colons.

use crate::model::escape::{Kind, Step};

/// A classified message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message<'a> {
    pub kind: Kind,
    /// The variable, expression, parameter or function the message is about.
    pub subject: &'a str,
    /// The function the message itself names (old `F x does not escape`, `F ignoring
    /// self-assignment`, `F capturing by ref`).
    pub function: Option<&'a str>,
}

fn msg(kind: Kind, subject: &str) -> Message<'_> {
    Message {
        kind,
        subject: subject.trim(),
        function: None,
    }
}

/// Classifies a message (already without its position).
pub fn classify(m: &str) -> Message<'_> {
    if let Some(s) = m.strip_prefix("moved to heap: ") {
        return msg(Kind::MovedToHeap, s);
    }
    if let Some(s) = m.strip_suffix(" escapes to heap") {
        return msg(Kind::EscapesToHeap, s);
    }
    if let Some(s) = m
        .strip_suffix(" does not escape")
        .or_else(|| m.strip_suffix(" does not escape to heap"))
    {
        return match old_function_prefix(s) {
            Some((f, subject)) => Message {
                kind: Kind::DoesNotEscape,
                subject,
                function: Some(f),
            },
            None => msg(Kind::DoesNotEscape, s),
        };
    }
    if let Some(s) = m.strip_prefix("leaking param content: ") {
        return msg(Kind::LeakingParamContent, s);
    }
    if let Some(s) = m.strip_prefix("leaking param: ") {
        return match s.find(" to result ") {
            Some(i) => msg(Kind::LeakingParamToResult, &s[..i]),
            None => msg(Kind::LeakingParam, s),
        };
    }
    if let Some(s) = m.strip_prefix("leaking closure reference ") {
        return msg(Kind::LeakingClosureRef, s);
    }
    if let Some(s) = m.strip_prefix("can inline ") {
        return msg(Kind::CanInline, cut(s, " with cost "));
    }
    if let Some(s) = m.strip_prefix("inlining call to ") {
        return msg(Kind::InliningCall, cut(s, " with score "));
    }
    if let Some(s) = m.strip_prefix("cannot inline ") {
        let f = cut(cut(s, ": "), " into ");
        return msg(Kind::CannotInline, f);
    }
    if let Some(s) = m.strip_prefix("function ")
        && let Some(i) = s.find(" considered 'big'")
    {
        return msg(Kind::BigFunction, &s[..i]);
    }
    for p in [
        "devirtualizing ",
        "partially devirtualizing ",
        "PGO devirtualizing interface call ",
    ] {
        if let Some(s) = m.strip_prefix(p) {
            return msg(Kind::Devirtualized, cut(s, " to "));
        }
    }
    if let Some(s) = m.strip_prefix("cannot devirtualize ") {
        return msg(Kind::CannotDevirtualize, cut(s, ": "));
    }
    if m == "index bounds check elided" {
        return msg(Kind::BoundsCheckElided, "");
    }
    if m == "zero-copy string->[]byte conversion" {
        return msg(Kind::ZeroCopy, "");
    }
    if let Some(s) = m.strip_prefix("assuming ")
        && let Some(v) = s.strip_suffix(" is unsafe uintptr")
    {
        return msg(Kind::UnsafeUintptr, v);
    }
    if let Some(s) = m.strip_prefix("marking ")
        && let Some(i) = s.find(" as escaping ")
    {
        return msg(Kind::UnsafeUintptr, &s[..i]);
    }
    if let Some(i) = m.find(" ignoring self-assignment in ") {
        return Message {
            kind: Kind::SelfAssignment,
            subject: &m[i + " ignoring self-assignment in ".len()..],
            function: Some(&m[..i]),
        };
    }
    for (w, kind) in [
        (" capturing by ref: ", Kind::CapturedByRef),
        (" capturing by value: ", Kind::CapturedByValue),
    ] {
        if let Some(i) = m.find(w) {
            let v = &m[i + w.len()..];
            return Message {
                kind,
                subject: cut(v, " ("),
                function: Some(&m[..i]),
            };
        }
    }
    msg(Kind::Other, "")
}

fn cut<'a>(s: &'a str, at: &str) -> &'a str {
    s.find(at).map_or(s, |i| &s[..i])
}

/// Go ≤ 1.12 put the function in front of "does not escape" (`readString scratch does
/// not escape`, `main.func1 p does not escape`, `test ... argument does not escape`).
/// A first word that is a plain function name followed by something that starts like
/// an expression is taken as that; anything else (`make([]byte, n)`, `func literal`,
/// `s + "x"`) is the subject as a whole.
fn old_function_prefix(s: &str) -> Option<(&str, &str)> {
    let (f, rest) = s.split_once(' ')?;
    let body = f
        .strip_prefix("(*")
        .and_then(|x| x.split_once(")."))
        .map_or(
            f,
            |(a, b)| {
                if a.is_empty() || b.is_empty() { "" } else { b }
            },
        );
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '·';
    if body.is_empty() || !body.chars().all(ident) || f == "func" || f.starts_with('.') {
        return None;
    }
    let first = rest.chars().next()?;
    (first.is_alphanumeric() || "_&([\".*~".contains(first)).then_some((f, rest))
}

/// A `-m=2` explanation header: `X escapes to heap[ in F]:` or `parameter P leaks to R[
/// for F] with derefs=N:`. Returns (subject, function).
pub fn header(m: &str) -> Option<(&str, Option<&str>)> {
    let h = m.strip_suffix(':')?;
    if let Some(s) = h.strip_prefix("parameter ") {
        let i = s.find(" leaks to ")?;
        let rest = &s[i..];
        // The destination may hold " for " itself (`{storage for x}`).
        let func = rest.rfind(" with derefs=").and_then(|b| {
            let dest_end = if rest[10..].starts_with('{') {
                rest.find('}')?
            } else {
                10
            };
            let a = rest[dest_end..b].find(" for ")? + dest_end;
            Some(&rest[a + 5..b])
        });
        return Some((&s[..i], func));
    }
    if let Some(i) = h.find(" escapes to heap in ") {
        return Some((&h[..i], Some(&h[i + " escapes to heap in ".len()..])));
    }
    h.strip_suffix(" escapes to heap").map(|s| (s, None))
}

/// An indented explanation line (`flow: …`, `from … (reason) at POS`, a warning).
pub fn step(line: &str) -> Step {
    let t = line.trim();
    if let Some(f) = t.strip_prefix("flow: ") {
        let f = f.strip_suffix(':').unwrap_or(f);
        let split = f.split_once(" ← ").or_else(|| f.split_once(" = "));
        if let Some((to, from)) = split {
            return Step::Flow {
                to: to.into(),
                from: from.into(),
            };
        }
    }
    if let Some(f) = t.strip_prefix("from ") {
        let (body, at) = match f.rfind(") at ") {
            Some(i) => (&f[..=i], Some(f[i + 5..].to_string())),
            None => (f, None),
        };
        if body.ends_with(')')
            && let Some(open) = reason_open(body)
        {
            return Step::From {
                expr: body[..open].trim_end().into(),
                reason: body[open + 1..body.len() - 1].into(),
                at,
            };
        }
    }
    Step::Note { text: t.into() }
}

/// Where the `(reason)` at the end of `body` opens, matching nested parentheses.
fn reason_open(body: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let k = |m| classify(m).kind;
        assert_eq!(k("moved to heap: x"), Kind::MovedToHeap);
        assert_eq!(
            k("make([]byte, 1048576) escapes to heap"),
            Kind::EscapesToHeap
        );
        assert_eq!(
            k("leaking param: x to result ~r1 level=1"),
            Kind::LeakingParamToResult
        );
        assert_eq!(k("leaking param content: n"), Kind::LeakingParamContent);
        assert_eq!(k("zero-copy string->[]byte conversion"), Kind::ZeroCopy);
        assert_eq!(k("marking p as escaping ...uintptr"), Kind::UnsafeUintptr);
        assert_eq!(k("something new in Go 1.30"), Kind::Other);
    }

    #[test]
    fn subjects_with_spaces_and_colons() {
        let m = classify(
            "cannot inline atomic.(*Pointer[go.shape.struct { a int; b string }]).Load: marked go:noinline",
        );
        assert_eq!(
            m.subject,
            "atomic.(*Pointer[go.shape.struct { a int; b string }]).Load"
        );
        let m = classify("can inline New with cost 6 as: func(int) *Cache { return &Cache{...} }");
        assert_eq!(m.subject, "New");
    }

    #[test]
    fn old_prefix() {
        let m = classify("readString scratch does not escape");
        assert_eq!((m.function, m.subject), (Some("readString"), "scratch"));
        let m = classify("(*pair).EqualParts p does not escape");
        assert_eq!((m.function, m.subject), (Some("(*pair).EqualParts"), "p"));
        let m = classify("test ... argument does not escape");
        assert_eq!((m.function, m.subject), (Some("test"), "... argument"));
        for whole in [
            "make([]byte, n) does not escape",
            "func literal does not escape",
            "s + \"x\" does not escape",
            "... argument does not escape",
        ] {
            let m = classify(whole);
            assert_eq!(m.function, None, "{whole}");
        }
    }

    #[test]
    fn headers_and_steps() {
        assert_eq!(header("x escapes to heap in F:"), Some(("x", Some("F"))));
        assert_eq!(header("polyKey escapes to heap:"), Some(("polyKey", None)));
        assert_eq!(
            header("parameter k leaks to {heap} for (*Cache).Put with derefs=0:"),
            Some(("k", Some("(*Cache).Put")))
        );
        assert_eq!(
            header("parameter data leaks to {storage for data} for interfaceEscape with derefs=0:"),
            Some(("data", Some("interfaceEscape")))
        );
        assert_eq!(
            header("parameter data leaks to {storage for data} with derefs=0:"),
            Some(("data", None))
        );
        assert_eq!(
            header("parameter dec leaks to ~r0 with derefs=1:"),
            Some(("dec", None))
        );
        assert_eq!(header("x escapes to heap"), None);
        assert_eq!(
            step("  flow: ~r0 ← &x:"),
            Step::Flow {
                to: "~r0".into(),
                from: "&x".into()
            }
        );
        assert_eq!(
            step(
                "     from s.XORKeyStream(polyKey[:], polyKey[:]) (call parameter) at ./c.go:39:16"
            ),
            Step::From {
                expr: "s.XORKeyStream(polyKey[:], polyKey[:])".into(),
                reason: "call parameter".into(),
                at: Some("./c.go:39:16".into())
            }
        );
        assert_eq!(
            step("\tfrom n.left (dot of pointer) at e.go:9"),
            Step::From {
                expr: "n.left".into(),
                reason: "dot of pointer".into(),
                at: Some("e.go:9".into())
            }
        );
    }
}
