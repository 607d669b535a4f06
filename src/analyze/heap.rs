//! A series of heap profiles, site by site: which allocating functions hold more memory
//! from one profile to the next, and whether that is a leak.
//!
//! A *site* is the allocating function (the first frame of a stack; Go already drops
//! the runtime's own frames). Its figures are summed over every stack it heads, per
//! profile. Verdicts read the in-use figure of the chosen unit (bytes or objects):
//! - **growing**: up by more than the noise floor from first to last, rising in at least
//!   half the intervals, no single step carrying 80 % of it (two profiles: up at all);
//! - **jumped**: up, but in one step (a cache that filled, a buffer that resized);
//! - **shrinking**: down by more than the noise floor; **steady**: neither;
//! - **released**: neither, but above both ends by more than the noise floor at some
//!   profile between them (three or more): a burst that was held, then let go;
//! - **transient**: allocates (≥ 4 sampling periods and ≥ 1 MiB, or ≥ 1024 objects) but
//!   holds ≤ 5 % of what it allocated: garbage, a GC-cost question, not a leak.
//!
//! Sites are listed growing and jumped first (by growth), then by size, so a big flat
//! cache is shown as steady with its size; sites that hold nothing in any profile and
//! are no garbage makers are left out.
//!
//! The noise floor is one sampling period (a profile's estimates move by about that much
//! when one sample comes or goes), or 5 % of the site's largest figure if that is more.

use crate::model::heap::{Frame, HeapProfile, HeapSeries, ProfileFormat, SampleType};
use crate::units::{MIB, fmt_bytes};
use rustc_hash::FxHashMap;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteVerdict {
    Growing,
    Jumped,
    Steady,
    Shrinking,
    Transient,
    Released,
}

impl SiteVerdict {
    pub fn label(self) -> &'static str {
        match self {
            SiteVerdict::Growing => "growing",
            SiteVerdict::Jumped => "jumped",
            SiteVerdict::Steady => "steady",
            SiteVerdict::Shrinking => "shrinking",
            SiteVerdict::Transient => "transient",
            SiteVerdict::Released => "released",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub alloc_objects: i64,
    pub alloc_bytes: i64,
    pub inuse_objects: i64,
    pub inuse_bytes: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfileInfo {
    pub source: String,
    pub format: ProfileFormat,
    pub time_unix_ns: Option<i64>,
    pub period: i64,
    pub samples: usize,
    pub totals: Totals,
}

#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub function: String,
    pub file: String,
    pub line: u32,
    /// The site's largest stack in the last profile, leaf first.
    pub stack: Vec<Frame>,
    pub inuse_bytes: Vec<i64>,
    pub inuse_objects: Vec<i64>,
    pub alloc_bytes: Vec<i64>,
    pub alloc_objects: Vec<i64>,
    /// Last − first of the chosen sample type.
    pub growth: i64,
    /// Last − first of the in-use bytes.
    pub growth_bytes: i64,
    /// `growth` per minute, when the profiles carry times.
    pub growth_per_min: Option<f64>,
    /// Intervals in which the in-use figure rose, of all intervals.
    pub intervals_up: usize,
    pub intervals: usize,
    pub verdict: SiteVerdict,
}

impl Site {
    /// The figures of sample type `t`, one per profile.
    pub fn values(&self, t: SampleType) -> &[i64] {
        match t {
            SampleType::AllocObjects => &self.alloc_objects,
            SampleType::AllocSpace => &self.alloc_bytes,
            SampleType::InuseObjects => &self.inuse_objects,
            SampleType::InuseSpace => &self.inuse_bytes,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeapLeakVerdict {
    LikelyLeak,
    PossibleGrowth,
    NoLeakSignal,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeapLeak {
    pub verdict: HeapLeakVerdict,
    /// The growing sites, most growth first.
    pub sites: Vec<String>,
    pub evidence: String,
}

/// The live-heap growth a GC trace of the same run measured, beside what the profiles
/// explain.
#[derive(Clone, Debug, Serialize)]
pub struct TraceLink {
    pub source: String,
    pub live_slope_mib_per_min: f64,
    /// MiB/min the growing and jumped sites add (`None` when the profiles have no times).
    pub explained_mib_per_min: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeapReport {
    pub profiles: Vec<ProfileInfo>,
    pub sample: SampleType,
    /// First to last profile, in minutes (when they carry times).
    pub span_min: Option<f64>,
    pub sites: Vec<Site>,
    pub leak: HeapLeak,
    pub trace: Option<TraceLink>,
}

fn totals(p: &HeapProfile) -> Totals {
    Totals {
        alloc_objects: p.total(SampleType::AllocObjects),
        alloc_bytes: p.total(SampleType::AllocSpace),
        inuse_objects: p.total(SampleType::InuseObjects),
        inuse_bytes: p.total(SampleType::InuseSpace),
    }
}

/// Minutes from the first profile to the last, when every one carries a time.
fn span_min(profiles: &[HeapProfile]) -> Option<f64> {
    let first = profiles.first()?.time_unix_ns?;
    let last = profiles.last()?.time_unix_ns?;
    profiles
        .iter()
        .all(|p| p.time_unix_ns.is_some())
        .then_some(())?;
    (last > first).then(|| (last - first) as f64 / 60e9)
}

/// A site's verdict from its in-use figures, what it allocated by the last profile, the
/// noise floor, and the least allocation that can make it transient (1 MiB, or 1024
/// objects).
fn verdict(inuse: &[i64], alloc_last: i64, floor: i64, min_alloc: i64) -> (SiteVerdict, usize) {
    let (first, last) = (inuse[0], inuse[inuse.len() - 1]);
    let max = inuse.iter().copied().max().unwrap_or(0);
    let floor = floor.max(max / 20);
    let steps: Vec<i64> = inuse.windows(2).map(|w| w[1] - w[0]).collect();
    let up = steps.iter().filter(|d| **d > 0).count();
    let growth = last - first;
    let v = if alloc_last >= (4 * floor).max(min_alloc) && max * 20 <= alloc_last {
        SiteVerdict::Transient
    } else if growth > floor {
        let biggest = steps.iter().copied().max().unwrap_or(0);
        if steps.len() >= 2 && (biggest * 5 >= growth * 4 || up * 2 < steps.len()) {
            SiteVerdict::Jumped
        } else {
            SiteVerdict::Growing
        }
    } else if growth < -floor {
        SiteVerdict::Shrinking
    } else if max - first.max(last) > floor {
        SiteVerdict::Released
    } else {
        SiteVerdict::Steady
    };
    (v, up)
}

/// Sums the series by site and judges each.
pub fn analyze(series: &HeapSeries, sample: SampleType) -> HeapReport {
    let n = series.profiles.len();
    if n == 0 {
        return HeapReport {
            profiles: vec![],
            sample,
            span_min: None,
            sites: vec![],
            leak: HeapLeak {
                verdict: HeapLeakVerdict::NoLeakSignal,
                sites: vec![],
                evidence: "no profile".into(),
            },
            trace: None,
        };
    }
    let st = &series.stacks;
    // site key: the leaf frame's function; figures per profile, and its stacks' weights
    let mut index: FxHashMap<u32, usize> = FxHashMap::default();
    let mut sums: Vec<[Vec<i64>; 4]> = vec![];
    let mut best: Vec<(i64, u32)> = vec![];
    for (k, p) in series.profiles.iter().enumerate() {
        for s in &p.samples {
            let Some(&leaf) = st.stacks[s.stack as usize].first() else {
                continue;
            };
            let f = st.frames[leaf as usize].function;
            let i = *index.entry(f).or_insert_with(|| {
                sums.push(std::array::from_fn(|_| vec![0; n]));
                best.push((i64::MIN, s.stack));
                sums.len() - 1
            });
            for (sum, v) in sums[i].iter_mut().zip(s.values) {
                sum[k] = sum[k].saturating_add(v);
            }
            if k + 1 == n && s.values[sample as usize].abs() > best[i].0 {
                best[i] = (s.values[sample as usize].abs(), s.stack);
            }
        }
    }
    let period = series
        .profiles
        .iter()
        .map(|p| p.period)
        .max()
        .unwrap_or(0)
        .max(1);
    let span = span_min(&series.profiles);
    let inuse = if sample.is_bytes() {
        SampleType::InuseSpace
    } else {
        SampleType::InuseObjects
    };
    let mut sites: Vec<Site> = index
        .into_values()
        .map(|i| {
            let [ao, ab, io, ib] = std::mem::take(&mut sums[i]);
            let stack: Vec<Frame> = st.frames_of(best[i].1).collect();
            let leaf = stack[0].clone();
            let vals = |t: SampleType| match t {
                SampleType::AllocObjects => &ao,
                SampleType::AllocSpace => &ab,
                SampleType::InuseObjects => &io,
                SampleType::InuseSpace => &ib,
            };
            let chosen = vals(sample);
            let growth = chosen[n - 1] - chosen[0];
            let (floor, alloc_last, min_alloc) = if inuse.is_bytes() {
                (period, ab[n - 1], 1 << 20)
            } else {
                (2, ao[n - 1], 1024)
            };
            let (verdict, up) = verdict(vals(inuse), alloc_last, floor, min_alloc);
            Site {
                function: leaf.function,
                file: leaf.file,
                line: leaf.line,
                stack,
                growth,
                growth_bytes: ib[n - 1] - ib[0],
                growth_per_min: span.map(|m| growth as f64 / m),
                intervals_up: up,
                intervals: n - 1,
                verdict,
                inuse_bytes: ib,
                inuse_objects: io,
                alloc_bytes: ab,
                alloc_objects: ao,
            }
        })
        .collect();
    // holds nothing in any profile and is no garbage maker (or, for an allocation
    // sample, allocated nothing either): nothing to say
    sites.retain(|s| {
        let empty = |v: &[i64]| v.iter().all(|x| *x == 0);
        let nothing = match sample == inuse {
            true => s.verdict == SiteVerdict::Steady,
            false => empty(s.values(sample)),
        };
        !(empty(s.values(inuse)) && nothing)
    });
    let rising = |s: &Site| matches!(s.verdict, SiteVerdict::Growing | SiteVerdict::Jumped);
    let size = |s: &Site| {
        let v = s.values(sample);
        (v[n - 1], v.iter().copied().max().unwrap_or(0))
    };
    sites.sort_by(|a, b| {
        rising(b)
            .cmp(&rising(a))
            .then_with(|| match rising(a) {
                true => b.growth.cmp(&a.growth),
                false => std::cmp::Ordering::Equal,
            })
            .then_with(|| size(b).cmp(&size(a)))
            .then_with(|| a.function.cmp(&b.function))
    });
    let leak = leak(&sites, n, inuse);
    HeapReport {
        profiles: series
            .profiles
            .iter()
            .map(|p| ProfileInfo {
                source: p.source.clone(),
                format: p.format,
                time_unix_ns: p.time_unix_ns,
                period: p.period,
                samples: p.samples.len(),
                totals: totals(p),
            })
            .collect(),
        sample,
        span_min: span,
        sites,
        leak,
        trace: None,
    }
}

/// How a figure of `t` reads: bytes as sizes, objects as counts.
pub fn fmt_value(v: i64, t: SampleType) -> String {
    if t.is_bytes() {
        let s = fmt_bytes(v.unsigned_abs());
        if v < 0 { format!("−{s}") } else { s }
    } else {
        v.to_string()
    }
}

fn leak(sites: &[Site], n: usize, inuse: SampleType) -> HeapLeak {
    let growing: Vec<&Site> = sites
        .iter()
        .filter(|s| s.verdict == SiteVerdict::Growing)
        .collect();
    let jumped = sites.iter().any(|s| s.verdict == SiteVerdict::Jumped);
    let verdict = match (growing.is_empty(), n >= 3) {
        (false, true) => HeapLeakVerdict::LikelyLeak,
        (false, false) => HeapLeakVerdict::PossibleGrowth,
        (true, _) if jumped => HeapLeakVerdict::PossibleGrowth,
        _ => HeapLeakVerdict::NoLeakSignal,
    };
    let evidence = match growing.first() {
        Some(s) => {
            let v = s.values(inuse);
            let rate = s
                .growth_per_min
                .filter(|_| inuse.is_bytes())
                .map_or(String::new(), |r| format!(", {:.2} MiB/min", r / MIB));
            let more = match growing.len() {
                1 => String::new(),
                k => format!("; {} more growing site(s)", k - 1),
            };
            format!(
                "{}: {} → {} over {} profiles, grew in {} of {} intervals{rate}{more}",
                s.function,
                fmt_value(v[0], inuse),
                fmt_value(v[n - 1], inuse),
                n,
                s.intervals_up,
                s.intervals
            )
        }
        None if jumped => {
            let s = sites
                .iter()
                .find(|s| s.verdict == SiteVerdict::Jumped)
                .unwrap();
            let v = s.values(inuse);
            format!(
                "no site grows steadily; {} jumped {} → {} in one step",
                s.function,
                fmt_value(v[0], inuse),
                fmt_value(v[n - 1], inuse)
            )
        }
        None if n < 2 => "one profile: a series (or --base) is needed to see growth".into(),
        None => format!("no site grows over {n} profiles"),
    };
    HeapLeak {
        verdict,
        sites: growing.iter().map(|s| s.function.clone()).collect(),
        evidence,
    }
}

impl HeapReport {
    /// Puts the live-heap slope a GC trace measured beside the growth the profiles explain.
    pub fn with_trace(mut self, source: String, live_slope_mib_per_min: f64) -> Self {
        let explained = self.span_min.map(|_| {
            self.sites
                .iter()
                .filter(|s| matches!(s.verdict, SiteVerdict::Growing | SiteVerdict::Jumped))
                .filter_map(|s| s.growth_per_min.map(|_| s.growth_bytes as f64))
                .sum::<f64>()
                / MIB
                / self.span_min.unwrap_or(1.0)
        });
        self.trace = Some(TraceLink {
            source,
            live_slope_mib_per_min,
            explained_mib_per_min: explained,
        });
        self
    }
}

#[cfg(test)]
#[path = "heap_tests.rs"]
mod tests;
