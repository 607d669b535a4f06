//! The verdict: one paragraph a person in an incident reads first — is it leaking, where,
//! why on the heap — and the findings behind it, each pointing at its evidence. The
//! paragraph only says what the evidence below it shows; where the kinds of evidence
//! disagree it says so rather than picking one.

use super::growth::{Growth, Signal};
use super::sites::HeapPart;
use super::why::WhyPart;
use crate::analyze::goroutines::{GoroutineLeakVerdict, GoroutineReport, GroupVerdict};
use crate::units::num;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Leaking {
    Yes,
    Possible,
    No,
    /// Too little evidence to say.
    Unknown,
}

impl Leaking {
    pub fn label(self) -> &'static str {
        match self {
            Leaking::Yes => "leaking",
            Leaking::Possible => "possibly leaking",
            Leaking::No => "not leaking",
            Leaking::Unknown => "cannot tell",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Trace,
    Memstats,
    HeapSite,
    GoroutineGroup,
    ProvenGoroutineLeak,
    Escape,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub title: String,
    pub evidence: String,
    /// `file:line` it points at, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub leaking: Leaking,
    /// Heap, goroutines, both or neither: what leaks.
    pub heap: Signal,
    pub goroutines: Signal,
    pub summary: String,
    pub findings: Vec<Finding>,
}

/// The verdict from what each kind of evidence says: growing anywhere, or possibly
/// growing in two kinds, is a leak; possibly growing in one is possible; flat evidence
/// and nothing more is none; no evidence that can tell is unknown.
pub(super) fn leaking(known: &[Signal]) -> Leaking {
    let possible = known.iter().filter(|s| **s == Signal::Possible).count();
    if known.contains(&Signal::Growing) || possible >= 2 {
        Leaking::Yes
    } else if possible == 1 {
        Leaking::Possible
    } else if known.contains(&Signal::Flat) {
        Leaking::No
    } else {
        Leaking::Unknown
    }
}

pub(super) fn goroutine_signal(g: Option<&GoroutineReport>) -> Signal {
    let Some(g) = g else { return Signal::Unknown };
    if g.groups.iter().any(|gr| gr.leaked) {
        return Signal::Growing;
    }
    match g.leak.verdict {
        _ if g.dumps.len() < 2 => Signal::Unknown,
        GoroutineLeakVerdict::LikelyLeak => Signal::Growing,
        GoroutineLeakVerdict::PossibleGrowth => Signal::Possible,
        GoroutineLeakVerdict::NoLeakSignal => Signal::Flat,
    }
}

pub fn verdict(
    growth: &Growth,
    heap: Option<&HeapPart>,
    g: Option<&GoroutineReport>,
    why: Option<&WhyPart>,
) -> Verdict {
    let gs = goroutine_signal(g);
    let all = [
        growth.trace.as_ref().map(|t| t.signal),
        growth.memstats.as_ref().map(|m| m.signal),
        growth.profiles.as_ref().map(|p| p.signal),
        Some(gs),
    ];
    let known: Vec<Signal> = all.iter().flatten().copied().collect();
    let leaking = leaking(&known);
    let heap_signal = growth.signal;
    let mut findings = vec![];
    let mut said = vec![format!("{}.", capital(leaking.label()))];
    if let Some(t) = &growth.trace {
        if let Some(slope) = t.slope_mib_per_min {
            said.push(format!(
                "The gctrace's live heap {} {} MiB/min ({}, R² {:.2}).",
                if slope >= 0.0 { "grows" } else { "shrinks" },
                num(slope.abs()),
                t.signal.label(),
                t.r2.unwrap_or(0.0)
            ));
        }
        findings.push(Finding {
            kind: FindingKind::Trace,
            title: format!("gctrace: {}", t.signal.label()),
            evidence: t.evidence.clone(),
            at: t.sources.first().cloned(),
        });
    }
    if let Some(m) = &growth.memstats {
        findings.push(Finding {
            kind: FindingKind::Memstats,
            title: format!("MemStats: HeapAlloc {}", m.signal.label()),
            evidence: format!(
                "{} snapshots; HeapAlloc {} → {}",
                m.snapshots,
                bytes(m.heap_alloc_first),
                bytes(m.heap_alloc_last)
            ),
            at: None,
        });
    }
    if let Some(h) = heap {
        for (k, s) in h.growing.iter().enumerate() {
            let rate = s.mib_per_min.map(|r| format!(", {} MiB/min", num(r)));
            let share = s.share_pct.map(|p| format!(", {p:.0} % of the growth"));
            let evidence = format!(
                "in use {} → {}{}{}",
                crate::units::fmt_bytes(s.inuse_first.max(0) as u64),
                crate::units::fmt_bytes(s.inuse_last.max(0) as u64),
                rate.clone().unwrap_or_default(),
                share.unwrap_or_default()
            );
            if k == 0 {
                said.push(format!(
                    "The heap profiles show {} ({}:{}) growing{}.",
                    s.function,
                    short(&s.file),
                    s.line,
                    rate.unwrap_or_default()
                ));
            }
            findings.push(Finding {
                kind: FindingKind::HeapSite,
                title: format!("{} {}", s.function, s.role_label()),
                evidence,
                at: Some(format!("{}:{}", s.file, s.line)),
            });
        }
        if h.growing.is_empty() && h.report.profiles.len() >= 2 {
            said.push("No heap site grows across the profiles.".into());
        }
    }
    if let Some(w) = why {
        for e in &w.at_sites {
            findings.push(Finding {
                kind: FindingKind::Escape,
                title: format!("escape analysis: {}", e.message),
                evidence: format!("at {} (matched by {})", e.site, e.matched_by),
                at: Some(format!("{}:{}:{}", e.file, e.line, e.col)),
            });
        }
        if let Some(e) = w.at_sites.iter().find(|e| e.matched_by == "line") {
            said.push(format!(
                "The compiler put it there: {} ({}:{}).",
                e.message, e.file, e.line
            ));
        }
    }
    if let Some(g) = g {
        goroutine_findings(g, &mut findings, &mut said);
    }
    Verdict {
        leaking,
        heap: heap_signal,
        goroutines: gs,
        summary: said.join(" "),
        findings,
    }
}

fn goroutine_findings(g: &GoroutineReport, findings: &mut Vec<Finding>, said: &mut Vec<String>) {
    let n = g.dumps.len();
    let mut first = true;
    for gr in g
        .groups
        .iter()
        .filter(|gr| gr.verdict == GroupVerdict::Growing || gr.leaked)
    {
        let (a, b) = (gr.counts[0], gr.counts[n.saturating_sub(1)]);
        let by = gr.created_by.as_deref().unwrap_or(&gr.function);
        let state = gr.state.as_deref().unwrap_or("?");
        let proven = gr.leaked_counts.last().copied().unwrap_or(0);
        if first {
            let mut s = format!(
                "{b} goroutines wait in [{state}], started by {by}, {} across {n} dumps",
                if b > a {
                    format!("up from {a}")
                } else {
                    format!("{a} → {b}")
                }
            );
            if proven > 0 {
                s.push_str(&format!("; the runtime proves {proven} of them leaked"));
            }
            said.push(s + ".");
            first = false;
        }
        if proven > 0 {
            findings.push(Finding {
                kind: FindingKind::ProvenGoroutineLeak,
                title: format!("{proven} goroutines proven leaked, started by {by}"),
                evidence: format!(
                    "the runtime's goroutine leak detector marks them [{state} (leaked)]"
                ),
                at: gr.created_at.clone(),
            });
        }
        findings.push(Finding {
            kind: FindingKind::GoroutineGroup,
            title: format!("{} in [{state}] {}", gr.function, gr.verdict.label()),
            evidence: format!("{a} → {b} across {n} dumps, started by {by}"),
            at: Some(format!("{}:{}", gr.file, gr.line)),
        });
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn bytes(b: Option<u64>) -> String {
    b.map_or("?".into(), crate::units::fmt_bytes)
}

/// The last two components of a path: enough to recognise, short enough to read.
pub fn short(path: &str) -> &str {
    match path.rmatch_indices('/').nth(1) {
        Some((i, _)) => &path[i + 1..],
        None => path,
    }
}

impl super::sites::SiteLine {
    /// What a site that is not the leak is, in a few words with its figures
    /// (`flat: 10.6 MiB in use`), as every format of the report says it.
    pub fn decoy_phrase(&self) -> String {
        let b = |v: i64| crate::units::fmt_bytes(v.max(0) as u64);
        match self.role {
            super::sites::Role::Flat => format!("flat: {} in use", b(self.inuse_last)),
            super::sites::Role::Released => format!(
                "released: {} at its peak, {} at the end",
                b(self.inuse_max),
                b(self.inuse_last)
            ),
            _ => format!(
                "garbage: allocates {} MiB/min, holds {}",
                self.alloc_mib_per_min
                    .map(num)
                    .unwrap_or_else(|| "?".into()),
                b(self.inuse_last)
            ),
        }
    }

    pub fn role_label(&self) -> &'static str {
        match self.role {
            super::sites::Role::Growing => "grows",
            super::sites::Role::Jumped => "jumped",
            super::sites::Role::Flat => "is big but flat",
            super::sites::Role::Released => "was released",
            super::sites::Role::Garbage => "makes garbage",
        }
    }
}
