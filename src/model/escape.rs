//! The escape report's model: one [`Diagnostic`] per distinct compiler message (exact
//! repeats merged and counted), with the `-m=2` explanation blocks that explain it.
//!
//! Every input (text of any Go version, the `go build -json` wrapper, the compiler's
//! `-json` logopt directory) lands here, so the analyses, the review formats and the
//! build-to-build diff never see where a diagnostic came from.

use rustc_hash::{FxHashMap, FxHasher};
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// What a diagnostic says, as a stable identifier (the JSON `kind`, the SARIF rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `moved to heap: x`: a named variable lives on the heap.
    MovedToHeap,
    /// `EXPR escapes to heap`: an allocation (make, new, composite literal, boxing,
    /// closure, append) goes to the heap.
    EscapesToHeap,
    /// `EXPR does not escape`.
    DoesNotEscape,
    /// `leaking param: p`: what the parameter points to reaches the heap.
    LeakingParam,
    /// `leaking param content: p`: what the parameter's pointees point to does.
    LeakingParamContent,
    /// `leaking param: p to result ~r0 level=0`: flows to a result only.
    LeakingParamToResult,
    /// `leaking closure reference x` (Go ≤ 1.12).
    LeakingClosureRef,
    /// `F capturing by ref: x (…)` (-m=2).
    CapturedByRef,
    /// `F capturing by value: x (…)` (-m=2).
    CapturedByValue,
    /// `assuming p is unsafe uintptr`, `marking p as escaping uintptr`.
    UnsafeUintptr,
    /// `F ignoring self-assignment in STMT`.
    SelfAssignment,
    /// `zero-copy string->[]byte conversion`.
    ZeroCopy,
    /// `can inline F` (`with cost N as: …` at -m=2).
    CanInline,
    /// `cannot inline F: REASON` (-m=2).
    CannotInline,
    /// `inlining call to F`.
    InliningCall,
    /// `function F considered 'big'; reducing max cost of inlinees` (-m=2).
    BigFunction,
    /// `devirtualizing A to T` (also partially, and PGO).
    Devirtualized,
    /// `cannot devirtualize …`.
    CannotDevirtualize,
    /// `index bounds check elided`.
    BoundsCheckElided,
    /// logopt `isInBounds`/`isSliceInBounds`: a bounds check that stays.
    BoundsCheck,
    /// logopt `nilcheck`: a nil check that stays.
    NilCheck,
    /// Anything else, kept with its text.
    Other,
}

impl Kind {
    pub const ALL: [Kind; 22] = [
        Kind::MovedToHeap,
        Kind::EscapesToHeap,
        Kind::DoesNotEscape,
        Kind::LeakingParam,
        Kind::LeakingParamContent,
        Kind::LeakingParamToResult,
        Kind::LeakingClosureRef,
        Kind::CapturedByRef,
        Kind::CapturedByValue,
        Kind::UnsafeUintptr,
        Kind::SelfAssignment,
        Kind::ZeroCopy,
        Kind::CanInline,
        Kind::CannotInline,
        Kind::InliningCall,
        Kind::BigFunction,
        Kind::Devirtualized,
        Kind::CannotDevirtualize,
        Kind::BoundsCheckElided,
        Kind::BoundsCheck,
        Kind::NilCheck,
        Kind::Other,
    ];

    /// The identifier used in JSON, `--kinds` and rule ids.
    pub fn name(self) -> &'static str {
        match self {
            Kind::MovedToHeap => "moved_to_heap",
            Kind::EscapesToHeap => "escapes_to_heap",
            Kind::DoesNotEscape => "does_not_escape",
            Kind::LeakingParam => "leaking_param",
            Kind::LeakingParamContent => "leaking_param_content",
            Kind::LeakingParamToResult => "leaking_param_to_result",
            Kind::LeakingClosureRef => "leaking_closure_ref",
            Kind::CapturedByRef => "captured_by_ref",
            Kind::CapturedByValue => "captured_by_value",
            Kind::UnsafeUintptr => "unsafe_uintptr",
            Kind::SelfAssignment => "self_assignment",
            Kind::ZeroCopy => "zero_copy",
            Kind::CanInline => "can_inline",
            Kind::CannotInline => "cannot_inline",
            Kind::InliningCall => "inlining_call",
            Kind::BigFunction => "big_function",
            Kind::Devirtualized => "devirtualized",
            Kind::CannotDevirtualize => "cannot_devirtualize",
            Kind::BoundsCheckElided => "bounds_check_elided",
            Kind::BoundsCheck => "bounds_check",
            Kind::NilCheck => "nil_check",
            Kind::Other => "other",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// A heap allocation the code causes: what review annotations show by default.
    pub fn is_heap(self) -> bool {
        matches!(
            self,
            Kind::MovedToHeap
                | Kind::EscapesToHeap
                | Kind::LeakingParam
                | Kind::LeakingParamContent
                | Kind::LeakingClosureRef
        )
    }
}

/// One `-m=2` explanation line after a header.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// `flow: TO = FROM:` / `flow: TO ← FROM:`: a value moves.
    Flow { to: String, from: String },
    /// `from EXPR (REASON) at POS`: the expression that moves it, and why.
    From {
        expr: String,
        reason: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<String>,
    },
    /// `warning: truncated explanation…` and other text kept as it is.
    Note { text: String },
}

/// One `-m=2` explanation block: its header line and the steps under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The header as printed (`x escapes to heap in F:`, `parameter p leaks to {heap}
    /// with derefs=0:`), without the trailing colon.
    pub header: String,
    /// The function the header names (`in F`, `for F`; Go 1.25+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    pub steps: Vec<Step>,
}

/// Where a diagnostic is; `line`/`col` are 1-based as the compiler prints them (col in
/// UTF-8 bytes), 0 when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn none() -> Pos {
        Pos::default()
    }
    /// `file:line:col` as the compiler prints it (parts that are absent left out).
    pub fn display(&self) -> String {
        match (self.line, self.col) {
            (0, _) => self.file.clone(),
            (l, 0) => format!("{}:{l}", self.file),
            (l, c) => format!("{}:{l}:{c}", self.file),
        }
    }
}

/// One distinct compiler message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub package: String,
    #[serde(flatten)]
    pub pos: Pos,
    /// The function the diagnostic is in, when known (see `analyze::escape::funcs`).
    pub function: Option<String>,
    pub kind: Kind,
    /// The message as printed, without the position.
    pub message: String,
    /// What the message is about: the variable, expression, parameter or function.
    pub subject: String,
    /// How many times the exact same line was printed.
    pub count: u32,
    pub explanation: Vec<Explanation>,
}

/// What an input held that is not a diagnostic.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Skipped {
    /// Lines that are not compiler diagnostics (build errors, `go` tool chatter, noise).
    pub foreign: u64,
    /// Explanation lines with no header to belong to.
    pub orphan_steps: u64,
    /// Unreadable records (bad JSON in a logopt file or `go build -json` stream), with
    /// where the first few were.
    pub malformed: u64,
    pub examples: Vec<String>,
}

/// All diagnostics of one or more inputs, in input order, duplicates merged.
#[derive(Clone, Debug, Default)]
pub struct EscapeSet {
    pub sources: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub skipped: Skipped,
    /// Diagnostics by the hash of (package, position, message), for merging repeats
    /// without copying those strings into keys.
    /// (The first diagnostic with that hash; `same_hash[i]` chains to the next one.)
    index: FxHashMap<u64, u32>,
    same_hash: Vec<u32>,
}

const NONE: u32 = u32::MAX;

fn key_hash(d: &Diagnostic) -> u64 {
    let mut h = FxHasher::default();
    d.package.hash(&mut h);
    d.pos.hash(&mut h);
    d.message.hash(&mut h);
    h.finish()
}

impl EscapeSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `d`, or counts it when the same package printed the same line before.
    /// Returns its index.
    pub fn push(&mut self, d: Diagnostic) -> usize {
        if self.same_hash.len() != self.diagnostics.len() {
            self.reindex();
        }
        let h = key_hash(&d);
        let new = self.diagnostics.len() as u32;
        let mut at = *self.index.entry(h).or_insert(new);
        let mut last = NONE;
        while at != new && at != NONE {
            let e = &mut self.diagnostics[at as usize];
            if e.package == d.package && e.pos == d.pos && e.message == d.message {
                e.count += d.count;
                if e.explanation.is_empty() {
                    e.explanation = d.explanation;
                }
                return at as usize;
            }
            last = at;
            at = self.same_hash[at as usize];
        }
        if last != NONE {
            self.same_hash[last as usize] = new;
        }
        self.same_hash.push(NONE);
        self.diagnostics.push(d);
        self.diagnostics.len() - 1
    }

    /// Appends another set (e.g. the next input file).
    pub fn extend(&mut self, other: EscapeSet) {
        if self.diagnostics.is_empty() && self.sources.is_empty() {
            *self = other;
            return;
        }
        self.sources.extend(other.sources);
        for d in other.diagnostics {
            self.push(d);
        }
        let s = &mut self.skipped;
        s.foreign += other.skipped.foreign;
        s.orphan_steps += other.skipped.orphan_steps;
        s.malformed += other.skipped.malformed;
        for e in other.skipped.examples {
            if s.examples.len() < 5 {
                s.examples.push(e);
            }
        }
    }

    /// Marks the duplicate index stale after diagnostics were edited in place (paths);
    /// the next [`push`](Self::push) rebuilds it.
    pub fn edited(&mut self) {
        self.same_hash.clear();
    }

    /// Rebuilds the duplicate index (merging what the edits made equal).
    fn reindex(&mut self) {
        let old = std::mem::take(&mut self.diagnostics);
        self.index.clear();
        self.same_hash.clear();
        for d in old {
            self.push(d);
        }
    }
}
