//! Question 2: where? The heap sites that grow across the profile series, each with its
//! share of the growth and its rate — told apart from what only looks alarming in one
//! profile: a big cache that is flat, a burst that was released, a function that
//! allocates a lot and keeps nothing (garbage: GC CPU, not memory). And how much of the
//! trace's growth the growing sites account for, worded so that it reads right whether
//! they account for less than all of it, about all, or more.

use super::growth::per_minute;
use crate::analyze::heap::{HeapReport, Site, SiteVerdict, analyze};
use crate::analyze::summary::TrendOut;
use crate::model::heap::{HeapSeries, SampleType};
use serde::Serialize;

/// Sites shown per role besides the growing ones.
const SHOWN: usize = 3;

/// What a site is in the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Grows across the series: where the leak is.
    Growing,
    /// Stepped up once and stayed.
    Jumped,
    /// Big but flat: a cache or table, not a leak.
    Flat,
    /// A burst that was held and released.
    Released,
    /// Allocates much, holds almost nothing: garbage.
    Garbage,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteLine {
    pub role: Role,
    pub function: String,
    pub file: String,
    pub line: u32,
    pub inuse_first: i64,
    pub inuse_last: i64,
    pub inuse_max: i64,
    /// In-use growth first → last, bytes.
    pub growth_bytes: i64,
    /// Its share of the growing sites' growth, %.
    pub share_pct: Option<f64>,
    pub mib_per_min: Option<f64>,
    /// Allocated per minute (the alloc_space sample): garbage makers.
    pub alloc_mib_per_min: Option<f64>,
    /// The in-use bytes at each profile, for sparklines.
    pub inuse: Vec<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeapPart {
    /// The in-use analysis of the series (every site, its verdict; the leak verdict).
    #[serde(skip)]
    pub report: HeapReport,
    pub growing: Vec<SiteLine>,
    pub decoys: Vec<SiteLine>,
    /// The growing sites' growth, MiB/min (`None` without profile times).
    pub growing_mib_per_min: Option<f64>,
    /// The trace's live-heap slope beside it, and the sentence that joins them.
    pub trace_mib_per_min: Option<f64>,
    pub accounts: Option<String>,
}

fn line(s: &Site, role: Role, share: Option<f64>, alloc_per_min: Option<f64>) -> SiteLine {
    let v = &s.inuse_bytes;
    SiteLine {
        role,
        function: s.function.clone(),
        file: s.file.clone(),
        line: s.line,
        inuse_first: v.first().copied().unwrap_or(0),
        inuse_last: v.last().copied().unwrap_or(0),
        inuse_max: v.iter().copied().max().unwrap_or(0),
        growth_bytes: s.growth_bytes,
        share_pct: share,
        mib_per_min: None,
        alloc_mib_per_min: alloc_per_min,
        inuse: v.clone(),
    }
}

/// A site that grew across the series (its in-use bytes, last over first).
pub(super) fn grew(s: &Site) -> bool {
    matches!(s.verdict, SiteVerdict::Growing | SiteVerdict::Jumped) && s.growth_bytes > 0
}

/// `part` of `total`, in %, when there is a total.
pub(super) fn share(part: i64, total: i64) -> Option<f64> {
    (total > 0).then(|| 100.0 * part as f64 / total as f64)
}

/// Allocated `made` bytes over the series and holds under a tenth of it at the end.
pub(super) fn is_garbage(made: i64, inuse_last: i64) -> bool {
    made > 0 && inuse_last.saturating_mul(10) < made
}

pub fn analyze_part(series: &HeapSeries, trend: Option<&TrendOut>) -> HeapPart {
    let report = analyze(series, SampleType::InuseSpace);
    let span = report.span_min;
    let growing: Vec<&Site> = report.sites.iter().filter(|s| grew(s)).collect();
    let total: i64 = growing.iter().map(|s| s.growth_bytes).sum();
    let mut out: Vec<SiteLine> = growing
        .iter()
        .map(|s| {
            let role = if s.verdict == SiteVerdict::Growing {
                Role::Growing
            } else {
                Role::Jumped
            };
            let mut l = line(s, role, None, None);
            l.share_pct = share(s.growth_bytes, total);
            l.mib_per_min = per_minute(s.growth_bytes, span);
            l
        })
        .collect();
    out.sort_by_key(|l| std::cmp::Reverse(l.growth_bytes));
    let mut decoys: Vec<SiteLine> = vec![];
    for (verdict, role) in [
        (SiteVerdict::Steady, Role::Flat),
        (SiteVerdict::Released, Role::Released),
    ] {
        let mut v: Vec<&Site> = report
            .sites
            .iter()
            .filter(|s| s.verdict == verdict)
            .collect();
        v.sort_by_key(|s| std::cmp::Reverse(s.inuse_bytes.iter().copied().max().unwrap_or(0)));
        decoys.extend(v.into_iter().take(SHOWN).map(|s| line(s, role, None, None)));
    }
    let named: Vec<(String, u32)> = out
        .iter()
        .chain(&decoys)
        .map(|l| (l.file.clone(), l.line))
        .collect();
    decoys.extend(garbage(series, span, &named));
    let growing_mib_per_min = per_minute(total, span);
    let trace_mib_per_min = trend.map(|t| t.slope_mib_per_min);
    let accounts = match (growing_mib_per_min, trace_mib_per_min) {
        (Some(g), Some(t)) => Some(accounts(g, t)),
        _ => None,
    };
    HeapPart {
        report,
        growing: out,
        decoys,
        growing_mib_per_min,
        trace_mib_per_min,
        accounts,
    }
}

/// The sites that allocate the most and keep almost none of it (under a tenth of what
/// they allocated over the series still in use at the end), other than those `named`
/// already (a released burst also allocated much and holds nothing at the end).
fn garbage(series: &HeapSeries, span: Option<f64>, named: &[(String, u32)]) -> Vec<SiteLine> {
    let alloc = analyze(series, SampleType::AllocSpace);
    let mut v: Vec<(&Site, i64)> = alloc
        .sites
        .iter()
        .map(|s| {
            let a = &s.alloc_bytes;
            (
                s,
                a.last().copied().unwrap_or(0) - a.first().copied().unwrap_or(0),
            )
        })
        .filter(|(s, made)| is_garbage(*made, s.inuse_bytes.last().copied().unwrap_or(0)))
        .filter(|(s, _)| !named.iter().any(|(f, l)| *f == s.file && *l == s.line))
        .collect();
    v.sort_by_key(|(_, made)| std::cmp::Reverse(*made));
    v.into_iter()
        .take(SHOWN)
        .map(|(s, made)| line(s, Role::Garbage, None, per_minute(made, span)))
        .collect()
}

/// How much of the trace's live-heap growth the growing sites account for.
pub(super) fn accounts(sites: f64, trace: f64) -> String {
    let (s, t) = (crate::units::num(sites), crate::units::num(trace));
    if trace <= 0.0 {
        return format!(
            "the growing sites add {s} MiB/min while the trace's live heap does not grow ({t} MiB/min): other sites shrank as much, or the trace covers another window"
        );
    }
    let ratio = sites / trace;
    if ratio < 0.8 {
        format!(
            "the growing sites ({s} MiB/min) account for {:.0} % of the trace's live-heap growth ({t} MiB/min); the rest is in sites the profiles do not show growing (sampling, or memory outside the heap profile: stacks, runtime)",
            100.0 * ratio
        )
    } else if ratio <= 1.25 {
        format!(
            "the growing sites ({s} MiB/min) account for about all of the trace's live-heap growth ({t} MiB/min)"
        )
    } else {
        format!(
            "the growing sites grow faster ({s} MiB/min) than the trace's live heap ({t} MiB/min): other sites shrank meanwhile (a released burst), or the profiles and the trace cover different windows"
        )
    }
}
