//! What a chart shows, computed before anything is drawn (and unit-tested without
//! pixels): the time axis over the trace's own span (in s, min or h; `--from/--to`
//! zoom into it), every series cut into runs where cycles stop (a restart, a gap with
//! no cycle) and reduced per pixel column to its envelope, markers thinned per column,
//! the live-heap verdict as a line with its projection to the budget, the titles.
//!
//! Large traces are reduced per pixel column to the minimum and maximum of each series,
//! in the order they occur (an envelope), never by sampling: a single long pause among a
//! million cycles still reaches the top of its column.

use super::axis::{SizeUnit, TimeUnit, fmt_duration};
use super::reduce::{envelope, medians, run_bounds};
use super::verdict::{subtitle, trend_line};
use crate::analyze::Summary;
use crate::analyze::cycle::{live_mib, pause_us, windowed_gc_cpu_pct};
use crate::analyze::stats::percentiles;
use crate::model::Timeline;
use crate::units::{MIB, fmt_bytes};

/// The panels, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// Heap before/after/live, goal, stacks+globals, budget and limit lines, the trend.
    Heap,
    /// GC CPU: over a trailing window from the cpu phases, and cumulative as printed.
    Cpu,
    /// Stop-the-world pause per cycle, with p99 and max.
    Pause,
}

#[derive(Clone, Debug)]
pub struct ChartOptions {
    pub width: u32,
    pub height: u32,
    pub panels: Vec<Panel>,
    pub budget_bytes: Option<u64>,
    pub limit_bytes: Option<u64>,
    /// MemStats snapshots joined to cycles (`--memstats`).
    pub joined: Vec<crate::analyze::memstats::Joined>,
    /// SVG instead of PNG.
    pub svg: bool,
    /// `--from`/`--to`: the window drawn, in seconds since the trace's start.
    pub from_s: Option<f64>,
    pub to_s: Option<f64>,
}

impl Default for ChartOptions {
    /// 1600×1000 PNG, every panel, no budget or limit line, no zoom.
    fn default() -> Self {
        ChartOptions {
            width: 1600,
            height: 1000,
            panels: vec![Panel::Heap, Panel::Cpu, Panel::Pause],
            budget_bytes: None,
            limit_bytes: None,
            joined: vec![],
            svg: false,
            from_s: None,
            to_s: None,
        }
    }
}

/// Polylines: one per run of cycles without a gap, each raw when short, else two
/// points (min and max, in the order they occurred) per pixel column; a denser run also
/// has its median per column (in `medians`, same index; empty when drawn raw).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub runs: Vec<Vec<(f64, f64)>>,
    pub medians: Vec<Vec<(f64, f64)>>,
}

impl Series {
    pub fn is_empty(&self) -> bool {
        self.runs.iter().all(Vec::is_empty)
    }
    pub fn points(&self) -> impl Iterator<Item = &(f64, f64)> {
        self.runs.iter().flatten()
    }
}

/// Cycles marked along the bottom of the heap panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// `(forced)`: runtime.GC or the 2-minute periodic collection.
    Forced,
    /// Go 1.27's goroutine leak check cycles.
    LeakCheck,
}

/// A horizontal line with its label (budget, GOMEMLIMIT).
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub value: f64,
    pub label: String,
}

/// The live-heap floor trend, where it was fitted, and where it leads.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendLine {
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// On to the budget (or limit), or to the right edge when that is further.
    pub projection: Option<(f64, f64)>,
    pub label: String,
    /// A likely leak (drawn in the alert colour).
    pub alert: bool,
}

#[derive(Clone, Debug)]
pub struct HeapPanel {
    pub unit: SizeUnit,
    pub y_max: f64,
    pub before: Series,
    pub after: Series,
    pub live: Series,
    pub goal: Series,
    /// Stacks + globals (GC roots), drawn as a band from 0.
    pub roots: Series,
    /// From joined MemStats snapshots: Sys − HeapReleased and HeapInuse.
    pub limit_counted: Series,
    pub heap_inuse: Series,
    /// x of marked cycles, at most one of a kind per few pixel columns.
    pub markers: Vec<(f64, MarkerKind)>,
    pub budget: Option<Level>,
    pub limit: Option<Level>,
    pub trend: Option<TrendLine>,
}

#[derive(Clone, Debug)]
pub struct CpuPanel {
    pub y_max: f64,
    pub window: Series,
    /// The cumulative whole percent the runtime prints; empty when it never leaves
    /// 0–1 % (a flat line at 0 would look like data).
    pub printed: Series,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PausePanel {
    pub y_max: f64,
    pub pauses: Series,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub max_x: f64,
}

#[derive(Clone, Debug)]
pub struct ChartModel {
    pub title: String,
    /// The key figures: peak, GC CPU, p99 pause, the verdict.
    pub subtitle: String,
    pub x_label: String,
    /// Cycle numbers (Go ≤ 1.4 prints no times): integer ticks.
    pub x_cycles: bool,
    pub x_range: (f64, f64),
    /// x where a new segment (restarted process) begins.
    pub boundaries: Vec<f64>,
    pub heap: HeapPanel,
    pub cpu: Option<CpuPanel>,
    pub pause: PausePanel,
}

/// Largest y of some series, with 5% headroom; at least `floor`.
fn y_max<'a>(series: impl IntoIterator<Item = &'a Series>, extra: &[f64], floor: f64) -> f64 {
    let m = series
        .into_iter()
        .flat_map(|s| s.points().map(|p| p.1))
        .chain(extra.iter().copied())
        .filter(|v| v.is_finite())
        .fold(floor, f64::max);
    m * 1.05
}

/// Why a chart cannot be drawn.
#[derive(Debug, PartialEq)]
pub enum ChartError {
    TooFewCycles(usize),
    /// `--from/--to` left fewer than 2 cycles.
    EmptyWindow(usize),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartError::TooFewCycles(n) => write!(f, "{n} gc cycle(s): a chart needs at least 2"),
            ChartError::EmptyWindow(n) => write!(
                f,
                "{n} gc cycle(s) between --from and --to: a chart needs at least 2"
            ),
        }
    }
}

/// The inputs as a title names them: file names, `stdin` for `-`.
fn source_names(t: &Timeline) -> String {
    let names: Vec<&str> = t
        .sources
        .iter()
        .map(|s| match s.as_str() {
            "-" => "stdin",
            p => std::path::Path::new(p)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(p),
        })
        .collect();
    names.join(", ")
}

/// Builds the chart model of a timeline and its summary.
pub fn build(t: &Timeline, s: &Summary, opts: &ChartOptions) -> Result<ChartModel, ChartError> {
    let all = &t.cycles;
    if all.len() < 2 {
        return Err(ChartError::TooFewCycles(all.len()));
    }
    let timed = all.iter().all(|c| c.gc.t_ms.is_some());
    // seconds since the start, each segment placed after the previous one ends
    let mut x_all = Vec::with_capacity(all.len());
    let mut seg_offset = vec![0.0; t.segments.len().max(1)];
    let (mut offset, mut last_x) = (0.0, 0.0);
    for (i, c) in all.iter().enumerate() {
        if i > 0 && c.segment != all[i - 1].segment {
            offset = last_x;
        }
        if let Some(o) = seg_offset.get_mut(c.segment as usize) {
            *o = offset;
        }
        let x = if timed {
            offset + c.gc.t_ms.unwrap_or(0) as f64 / 1000.0
        } else {
            i as f64 + 1.0
        };
        x_all.push(x);
        last_x = last_x.max(x);
    }
    let (from, to) = (
        opts.from_s.unwrap_or(f64::NEG_INFINITY),
        opts.to_s.unwrap_or(f64::INFINITY),
    );
    let idx: Vec<usize> = (0..all.len())
        .filter(|&i| !timed || (from..=to).contains(&x_all[i]))
        .collect();
    if idx.len() < 2 {
        return Err(ChartError::EmptyWindow(idx.len()));
    }
    let lo_s = idx.iter().map(|&i| x_all[i]).fold(f64::INFINITY, f64::min);
    let hi_s = idx
        .iter()
        .map(|&i| x_all[i])
        .fold(f64::NEG_INFINITY, f64::max);
    let span_s = (hi_s - lo_s).max(1e-3);
    let unit = TimeUnit::for_span(span_s);
    let per = if timed { unit.seconds() } else { 1.0 };
    let xs: Vec<f64> = idx.iter().map(|&i| x_all[i] / per).collect();
    let pad = span_s / per * 0.01;
    let x_range = (lo_s / per - pad, hi_s / per + pad);
    let segs: Vec<u32> = idx.iter().map(|&i| all[i].segment).collect();
    let runs = run_bounds(&segs, &xs, timed);
    let boundaries: Vec<f64> = runs
        .iter()
        .skip(1)
        .filter(|r| segs[r.0] != segs[r.0 - 1])
        .map(|r| xs[r.0])
        .collect();
    let columns = opts.width.saturating_sub(150).max(100) as usize;
    let series = |name, f: &dyn Fn(usize) -> Option<f64>| {
        let mut s = Series {
            name,
            ..Series::default()
        };
        for &(a, b) in &runs {
            let pts: Vec<(f64, f64)> = (a..b)
                .filter_map(|k| f(idx[k]).filter(|y| y.is_finite()).map(|y| (xs[k], y)))
                .collect();
            if !pts.is_empty() {
                s.medians.push(medians(&pts, x_range, columns));
                s.runs.push(envelope(&pts, x_range, columns));
            }
        }
        s
    };

    let cs = all;
    let peak_mib = idx
        .iter()
        .map(|&i| {
            let g = &cs[i].gc;
            g.heap_before_mib
                .max(g.heap_after_mib)
                .max(g.goal_mib.unwrap_or(0))
        })
        .max()
        .unwrap_or(0);
    let levels_mib: Vec<f64> = [opts.budget_bytes, opts.limit_bytes]
        .iter()
        .flatten()
        .map(|b| *b as f64 / MIB)
        .collect();
    let size = SizeUnit::for_top(
        levels_mib
            .iter()
            .copied()
            .fold(f64::from(peak_mib), f64::max),
    );
    let u = |v: u32| size.of_mib(f64::from(v));
    let before = series("heap at GC start", &|i| Some(u(cs[i].gc.heap_before_mib)));
    let after = series("heap at GC end", &|i| Some(u(cs[i].gc.heap_after_mib)));
    let live = series("live heap", &|i| Some(u(live_mib(&cs[i]))));
    let goal = series("heap goal", &|i| cs[i].gc.goal_mib.map(u));
    let roots = series("stacks + globals", &|i| {
        let g = &cs[i].gc;
        (g.stacks_mib.is_some() || g.globals_mib.is_some())
            .then(|| u(g.stacks_mib.unwrap_or(0) + g.globals_mib.unwrap_or(0)))
    });
    let min_dx = (x_range.1 - x_range.0) / columns as f64 * 6.0;
    let mut markers: Vec<(f64, MarkerKind)> = vec![];
    // the x of the last marker of each kind
    let mut last = [f64::NEG_INFINITY; 2];
    for (k, &i) in idx.iter().enumerate() {
        let g = &cs[i].gc;
        for (slot, on, kind) in [
            (0, g.forced, MarkerKind::Forced),
            (1, g.leak_check, MarkerKind::LeakCheck),
        ] {
            if on && xs[k] - last[slot] >= min_dx {
                markers.push((xs[k], kind));
                last[slot] = xs[k];
            }
        }
    }
    let joined = |name, f: &dyn Fn(&crate::analyze::memstats::Joined) -> Option<f64>| {
        let pts: Vec<(f64, f64)> = opts
            .joined
            .iter()
            .filter(|j| !timed || (from..=to).contains(&x_all[j.cycle_index]))
            .filter_map(|j| Some((x_all[j.cycle_index] / per, size.of_mib(f(j)?))))
            .collect();
        Series {
            name,
            runs: if pts.is_empty() { vec![] } else { vec![pts] },
            medians: vec![],
        }
    };
    let limit_counted = joined("Sys − HeapReleased (MemStats)", &|j| j.limit_counted_mib);
    let heap_inuse = joined("HeapInuse (MemStats)", &|j| j.heap_inuse_mib);
    let level = |b: Option<u64>, name: &str| {
        b.map(|b| Level {
            value: size.of_mib(b as f64 / MIB),
            label: format!("{name} {}", fmt_bytes(b)),
        })
    };
    let budget = level(opts.budget_bytes, "budget");
    let limit = level(opts.limit_bytes, "GOMEMLIMIT");
    let trend = timed
        .then(|| trend_line(s, opts, &seg_offset, per, size, x_range))
        .flatten();
    let mut extra: Vec<f64> = budget.iter().chain(limit.iter()).map(|l| l.value).collect();
    if let Some(tl) = &trend {
        extra.extend([tl.from.1, tl.to.1]);
    }
    let heap = HeapPanel {
        unit: size,
        y_max: y_max(
            [&before, &after, &goal, &live, &limit_counted, &heap_inuse],
            &extra,
            size.of_mib(1.0),
        ),
        limit_counted,
        heap_inuse,
        before,
        after,
        live,
        goal,
        roots,
        markers,
        budget,
        limit,
        trend,
    };

    let cpu = (timed && idx.iter().any(|&i| cs[i].gc.cpu_pct.is_some())).then(|| {
        let win = windowed_gc_cpu_pct(cs);
        let window = series("GC CPU over the last second (cpu phases)", &|i| win[i]);
        let printed_max = idx.iter().filter_map(|&i| cs[i].gc.cpu_pct).max().unwrap_or(0);
        let (printed, note) = if printed_max > 1 {
            (
                series("GC CPU since start (printed)", &|i| cs[i].gc.cpu_pct.map(f64::from)),
                None,
            )
        } else {
            (
                Series::default(),
                Some(format!(
                    "the printed GC CPU since start stays at {printed_max} % (whole percents): not drawn"
                )),
            )
        };
        CpuPanel {
            y_max: y_max([&window, &printed], &[], 1.0).min(105.0),
            window,
            printed,
            note,
        }
    });

    let mut us: Vec<u64> = idx.iter().map(|&i| pause_us(&cs[i])).collect();
    let p99_ms = percentiles(&mut us, &[99.0])[0].unwrap_or(0) as f64 / 1000.0;
    let (max_k, max_us) = idx
        .iter()
        .enumerate()
        .map(|(k, &i)| (k, pause_us(&cs[i])))
        .fold((0, 0), |m, (k, p)| if p > m.1 { (k, p) } else { m });
    let pauses = series("STW pause", &|i| Some(pause_us(&cs[i]) as f64 / 1000.0));
    let pause = PausePanel {
        y_max: y_max([&pauses], &[], 0.001),
        pauses,
        p99_ms,
        max_ms: max_us as f64 / 1000.0,
        max_x: xs[max_k],
    };

    let zoomed = opts.from_s.is_some() || opts.to_s.is_some();
    let go = s.format.map_or("Go ?", |f| f.releases());
    let over = if timed {
        format!(" over {}", fmt_duration(span_s))
    } else {
        String::new()
    };
    let window = if zoomed && timed {
        format!(
            " ({} to {} after the start)",
            fmt_duration(lo_s),
            fmt_duration(hi_s)
        )
    } else {
        String::new()
    };
    Ok(ChartModel {
        title: format!(
            "{} — {go} — {} cycles{over}{window}",
            source_names(t),
            idx.len()
        ),
        subtitle: subtitle(s, zoomed),
        x_label: if timed {
            format!("time since start ({})", unit.label())
        } else {
            "gc cycle".into()
        },
        x_cycles: !timed,
        x_range,
        boundaries,
        heap,
        cpu,
        pause,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::summarize;

    fn timeline(lines: &str) -> Timeline {
        crate::parse::load_bytes(lines.as_bytes())
    }

    fn model(t: &Timeline, o: &ChartOptions) -> Result<ChartModel, ChartError> {
        build(t, &summarize(t), o)
    }

    const TWO_RUNS: &str = "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.031s 2%: 0.076+22+0.28 ms clock, 0.83+14/9.4/15+3.1 ms cpu, 31->31->31 MB, 32 MB goal, 40 P\n\
gc 3 @8.371s 1%: 0.11+296+0.34 ms clock, 3.6+7.0/1781/344+11 ms cpu, 3655->3662->3197 MB, 3749 MB goal, 40 P (forced)\n\
gc 1 @0.011s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.5s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 18->18->16 MB, 33 MB goal, 40 P\n";

    fn opts() -> ChartOptions {
        ChartOptions::default()
    }

    #[test]
    fn segments_follow_each_other_and_a_restart_breaks_the_lines() {
        let m = model(&timeline(TWO_RUNS), &opts()).unwrap();
        assert_eq!(m.boundaries, vec![8.371 + 0.011]);
        let pad = (8.871 - 0.011) * 0.01;
        assert!(
            (m.x_range.0 - (0.011 - pad)).abs() < 1e-9,
            "{:?}",
            m.x_range
        );
        assert_eq!(m.heap.after.runs.len(), 2, "no line across the restart");
        assert_eq!(m.heap.after.runs[1][0], (8.371 + 0.011, 16.0));
        assert_eq!(m.heap.markers, vec![(8.371, MarkerKind::Forced)]);
        assert_eq!(m.heap.unit, SizeUnit::MiB);
        assert!((m.heap.y_max - 3749.0 * 1.05).abs() < 1e-9);
        assert_eq!(m.pause.max_ms, 0.45);
        assert_eq!(m.x_label, "time since start (s)");
        assert!(
            m.title
                .starts_with("stdin — Go 1.6–1.17 — 5 cycles over 8.86 s"),
            "{}",
            m.title
        );
    }

    #[test]
    fn budgets_keep_their_own_units_on_a_gib_axis() {
        let mut o = opts();
        o.budget_bytes = Some(8 << 30);
        o.limit_bytes = Some(6 << 20);
        let m = model(&timeline(TWO_RUNS), &o).unwrap();
        assert_eq!(m.heap.unit, SizeUnit::GiB);
        let (b, l) = (m.heap.budget.unwrap(), m.heap.limit.unwrap());
        assert_eq!((b.value, b.label.as_str()), (8.0, "budget 8 GiB"));
        // a 6 MiB limit was labelled "0.0 GiB"
        assert_eq!(l.label, "GOMEMLIMIT 6 MiB");
    }

    #[test]
    fn a_gap_without_cycles_is_drawn_as_a_gap_and_zoom_cuts_the_axis() {
        let root = env!("CARGO_MANIFEST_DIR");
        let idle =
            std::fs::read_to_string(format!("{root}/fixtures/gctrace/go1.27/idle.log")).unwrap();
        let t = timeline(&idle);
        let m = model(&t, &opts()).unwrap();
        assert!(
            m.heap.live.runs.len() >= 2,
            "the 2-minute idle gap is a gap"
        );
        let mut o = opts();
        o.to_s = Some(2.0);
        let z = model(&t, &o).unwrap();
        assert!(z.x_range.1 < 2.1, "{:?}", z.x_range);
        assert!(z.title.contains("after the start"), "{}", z.title);
        o.from_s = Some(1000.0);
        o.to_s = None;
        assert_eq!(model(&t, &o).unwrap_err(), ChartError::EmptyWindow(0));
    }

    #[test]
    fn the_verdict_is_drawn_where_it_was_fitted_and_projected_to_the_budget() {
        let root = env!("CARGO_MANIFEST_DIR");
        let leak =
            std::fs::read_to_string(format!("{root}/fixtures/gctrace/go1.21/leak.log")).unwrap();
        let mut o = opts();
        o.budget_bytes = Some(512 << 20);
        let m = model(&timeline(&leak), &o).unwrap();
        let tr = m.heap.trend.expect("a trend line");
        assert!(tr.alert, "likely leak");
        assert!(tr.from.0 > m.x_range.0 && tr.to.0 <= m.x_range.1);
        assert!(tr.to.1 > tr.from.1);
        assert!(
            tr.label.contains("MiB/min") && tr.label.contains("reaches the budget (512 MiB) in ~"),
            "{}",
            tr.label
        );
        assert!(m.subtitle.contains("likely leak"), "{}", m.subtitle);
    }

    #[test]
    fn one_cycle_is_an_error() {
        let t = timeline(
            "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n",
        );
        assert_eq!(model(&t, &opts()).unwrap_err(), ChartError::TooFewCycles(1));
    }

    #[test]
    fn go14_uses_the_cycle_number_axis() {
        let t = timeline("gc1(1): 0+0+0+0 us, 0 -> 0 MB\ngc2(1): 0+0+1000+0 us, 1 -> 0 MB\n");
        let m = model(&t, &opts()).unwrap();
        assert_eq!(m.x_label, "gc cycle");
        assert!(m.x_cycles);
        assert!(m.cpu.is_none());
        assert_eq!(m.pause.max_ms, 1.0);
    }
}
