//! What a chart shows, computed before anything is drawn (and unit-tested without
//! pixels): the shared time axis, every series reduced to its per-pixel-column envelope,
//! axis ranges and units, the budget and limit lines, segment boundaries.
//!
//! Large traces are reduced per pixel column to the minimum and maximum of each series,
//! in the order they occur (an envelope), never by sampling: a single long pause among a
//! million cycles still reaches the top of its column.

use crate::analyze::cycle::{CPU_WINDOW_S, live_mib, pause_us, windowed_gc_cpu_pct};
use crate::analyze::stats::percentiles;
use crate::model::Timeline;
use crate::units::MIB;

/// The panels, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// Heap before/after/live, goal, stacks+globals, budget and limit lines.
    Heap,
    /// GC CPU: cumulative as printed, and over a trailing window from the cpu phases.
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
}

/// A polyline: raw points when there are few, else two points (min and max, in the
/// order they occurred) per pixel column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    MiB,
    GiB,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::MiB => "MiB",
            Unit::GiB => "GiB",
        }
    }
    fn scale_mib(self, v: f64) -> f64 {
        match self {
            Unit::MiB => v,
            Unit::GiB => v / 1024.0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct HeapPanel {
    pub unit: Unit,
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
    /// (x, heap after) of forced cycles, at most one per pixel column.
    pub forced: Vec<(f64, f64)>,
    pub budget: Option<f64>,
    pub limit: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct CpuPanel {
    pub y_max: f64,
    pub printed: Series,
    pub window: Series,
    pub window_s: f64,
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
    pub x_label: &'static str,
    pub x_range: (f64, f64),
    /// x where a new segment (restarted process) begins.
    pub boundaries: Vec<f64>,
    pub heap: HeapPanel,
    pub cpu: Option<CpuPanel>,
    pub pause: PausePanel,
}

/// Reduces `(x, y)` (x ascending) to at most two points per column of `columns` equal
/// columns over `x_range`: the min and max of the column, in the order they occurred.
pub fn envelope(points: &[(f64, f64)], x_range: (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * columns || columns == 0 {
        return points.to_vec();
    }
    let (x0, x1) = x_range;
    let w = ((x1 - x0) / columns as f64).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(2 * columns);
    let mut col = usize::MAX;
    let (mut lo, mut hi) = ((0.0, f64::INFINITY), (0.0, f64::NEG_INFINITY));
    let (mut lo_i, mut hi_i) = (0, 0);
    let flush =
        |out: &mut Vec<(f64, f64)>, lo: (f64, f64), hi: (f64, f64), lo_i: usize, hi_i: usize| {
            if lo_i <= hi_i {
                out.push(lo);
                if hi_i != lo_i {
                    out.push(hi);
                }
            } else {
                out.push(hi);
                out.push(lo);
            }
        };
    for (i, &(x, y)) in points.iter().enumerate() {
        let c = (((x - x0) / w) as usize).min(columns - 1);
        if c != col {
            if col != usize::MAX {
                flush(&mut out, lo, hi, lo_i, hi_i);
            }
            col = c;
            lo = (x, y);
            hi = (x, y);
            lo_i = i;
            hi_i = i;
            continue;
        }
        if y < lo.1 {
            lo = (x, y);
            lo_i = i;
        }
        if y > hi.1 {
            hi = (x, y);
            hi_i = i;
        }
    }
    if col != usize::MAX {
        flush(&mut out, lo, hi, lo_i, hi_i);
    }
    out
}

/// Largest y of some series, with 5% headroom; at least `floor`.
fn y_max(series: &[&[(f64, f64)]], extra: &[f64], floor: f64) -> f64 {
    let m = series
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .chain(extra.iter().copied())
        .fold(floor, f64::max);
    m * 1.05
}

/// Why a chart cannot be drawn.
#[derive(Debug, PartialEq)]
pub enum ChartError {
    TooFewCycles(usize),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChartError::TooFewCycles(n) => write!(f, "{n} gc cycle(s): a chart needs at least 2"),
        }
    }
}

/// Builds the chart model of a timeline.
pub fn build(t: &Timeline, title: String, opts: &ChartOptions) -> Result<ChartModel, ChartError> {
    let cs = &t.cycles;
    if cs.len() < 2 {
        return Err(ChartError::TooFewCycles(cs.len()));
    }
    let timed = cs.iter().all(|c| c.gc.t_ms.is_some());
    // x: seconds since start, each segment placed after the previous one ends
    let mut xs = Vec::with_capacity(cs.len());
    let mut boundaries = vec![];
    let mut offset = 0.0;
    let mut last_x = 0.0;
    for (i, c) in cs.iter().enumerate() {
        if i > 0 && c.segment != cs[i - 1].segment {
            offset = last_x;
            boundaries.push(last_x);
        }
        let x = if timed {
            offset + c.gc.t_ms.unwrap_or(0) as f64 / 1000.0
        } else {
            i as f64 + 1.0
        };
        xs.push(x);
        last_x = x;
    }
    let x0 = xs[0].min(0.0);
    let x1 = xs[xs.len() - 1].max(x0 + 1e-3);
    let x_range = (x0, x1);
    let columns = opts.width.saturating_sub(120).max(100) as usize;
    let series = |name, f: &dyn Fn(usize) -> Option<f64>| {
        let pts: Vec<(f64, f64)> = (0..cs.len())
            .filter_map(|i| f(i).map(|y| (xs[i], y)))
            .collect();
        Series {
            name,
            points: envelope(&pts, x_range, columns),
        }
    };

    let peak_mib = cs
        .iter()
        .map(|c| {
            c.gc.heap_before_mib
                .max(c.gc.heap_after_mib)
                .max(c.gc.goal_mib.unwrap_or(0))
        })
        .max()
        .unwrap_or(0);
    let extra_mib: Vec<f64> = [opts.budget_bytes, opts.limit_bytes]
        .iter()
        .flatten()
        .map(|b| *b as f64 / MIB)
        .collect();
    let top_mib = extra_mib
        .iter()
        .copied()
        .fold(f64::from(peak_mib), f64::max);
    let unit = if top_mib > 4096.0 {
        Unit::GiB
    } else {
        Unit::MiB
    };
    let u = |v: u32| unit.scale_mib(f64::from(v));
    let before = series("heap at GC start", &|i| Some(u(cs[i].gc.heap_before_mib)));
    let after = series("heap at GC end", &|i| Some(u(cs[i].gc.heap_after_mib)));
    let live = series("live heap", &|i| Some(u(live_mib(&cs[i]))));
    let goal = series("heap goal", &|i| cs[i].gc.goal_mib.map(u));
    let roots = series("stacks + globals", &|i| {
        let g = &cs[i].gc;
        (g.stacks_mib.is_some() || g.globals_mib.is_some())
            .then(|| u(g.stacks_mib.unwrap_or(0) + g.globals_mib.unwrap_or(0)))
    });
    let mut forced = vec![];
    let w = (x1 - x0) / columns as f64;
    for (i, c) in cs.iter().enumerate() {
        if c.gc.forced
            && forced
                .last()
                .is_none_or(|(px, _): &(f64, f64)| xs[i] - px >= w)
        {
            forced.push((xs[i], u(c.gc.heap_after_mib)));
        }
    }
    let joined = |name, f: &dyn Fn(&crate::analyze::memstats::Joined) -> Option<f64>| Series {
        name,
        points: opts
            .joined
            .iter()
            .filter_map(|j| Some((xs[j.cycle_index], unit.scale_mib(f(j)?))))
            .collect(),
    };
    let limit_counted = joined("Sys − HeapReleased (MemStats)", &|j| j.limit_counted_mib);
    let heap_inuse = joined("HeapInuse (MemStats)", &|j| j.heap_inuse_mib);
    let budget = opts.budget_bytes.map(|b| unit.scale_mib(b as f64 / MIB));
    let limit = opts.limit_bytes.map(|b| unit.scale_mib(b as f64 / MIB));
    let extra: Vec<f64> = budget.iter().chain(limit.iter()).copied().collect();
    let heap = HeapPanel {
        unit,
        y_max: y_max(
            &[
                &before.points,
                &after.points,
                &goal.points,
                &live.points,
                &limit_counted.points,
                &heap_inuse.points,
            ],
            &extra,
            1.0,
        ),
        limit_counted,
        heap_inuse,
        before,
        after,
        live,
        goal,
        roots,
        forced,
        budget,
        limit,
    };

    let cpu = (timed && cs.iter().any(|c| c.gc.cpu_pct.is_some())).then(|| {
        let window_s = CPU_WINDOW_S;
        let win = windowed_gc_cpu_pct(cs);
        let printed = series("GC CPU since start (printed)", &|i| {
            cs[i].gc.cpu_pct.map(f64::from)
        });
        let window = series("GC CPU over the last second (cpu phases)", &|i| win[i]);
        CpuPanel {
            y_max: y_max(&[&printed.points, &window.points], &[], 1.0).min(105.0),
            printed,
            window,
            window_s,
        }
    });

    let pause_ms: Vec<f64> = cs.iter().map(|c| pause_us(c) as f64 / 1000.0).collect();
    let mut us: Vec<u64> = cs.iter().map(pause_us).collect();
    let p99_ms = percentiles(&mut us, &[99.0])[0].unwrap_or(0) as f64 / 1000.0;
    let (max_i, max_ms) = pause_ms
        .iter()
        .copied()
        .enumerate()
        .fold((0, 0.0), |m, (i, p)| if p > m.1 { (i, p) } else { m });
    let pauses = series("STW pause", &|i| Some(pause_ms[i]));
    let pause = PausePanel {
        y_max: y_max(&[&pauses.points], &[], 0.001),
        pauses,
        p99_ms,
        max_ms,
        max_x: xs[max_i],
    };

    Ok(ChartModel {
        title,
        x_label: if timed {
            "seconds since start"
        } else {
            "gc cycle"
        },
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

    #[test]
    fn envelope_keeps_every_spike() {
        let mut pts: Vec<(f64, f64)> = (0..1_000_000).map(|i| (i as f64, 1.0)).collect();
        pts[123_457].1 = 500.0;
        pts[999_998].1 = -3.0;
        let e = envelope(&pts, (0.0, 999_999.0), 1000);
        assert!(e.len() <= 2000);
        assert!(e.contains(&(123_457.0, 500.0)));
        assert!(e.contains(&(999_998.0, -3.0)));
        assert!(e.windows(2).all(|w| w[0].0 <= w[1].0), "x stays ordered");
    }

    #[test]
    fn few_points_are_kept_as_they_are() {
        let pts = vec![(0.0, 1.0), (1.0, 2.0), (2.0, 0.5)];
        assert_eq!(envelope(&pts, (0.0, 2.0), 100), pts);
    }

    fn timeline(lines: &str) -> Timeline {
        crate::parse::load_bytes(lines.as_bytes())
    }

    const TWO_RUNS: &str = "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.031s 2%: 0.076+22+0.28 ms clock, 0.83+14/9.4/15+3.1 ms cpu, 31->31->31 MB, 32 MB goal, 40 P\n\
gc 3 @8.371s 1%: 0.11+296+0.34 ms clock, 3.6+7.0/1781/344+11 ms cpu, 3655->3662->3197 MB, 3749 MB goal, 40 P (forced)\n\
gc 1 @0.011s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n\
gc 2 @0.5s 1%: 0.12+10+0.23 ms clock, 0.49+0.27/11/0.88+0.94 ms cpu, 18->18->16 MB, 33 MB goal, 40 P\n";

    fn opts() -> ChartOptions {
        ChartOptions {
            width: 1600,
            height: 1000,
            panels: vec![Panel::Heap, Panel::Cpu, Panel::Pause],
            budget_bytes: None,
            joined: vec![],
            limit_bytes: None,
            svg: false,
        }
    }

    #[test]
    fn segments_follow_each_other_on_one_axis() {
        let m = build(&timeline(TWO_RUNS), "t".into(), &opts()).unwrap();
        assert_eq!(m.boundaries, vec![8.371]);
        assert_eq!(m.x_range, (0.0, 8.371 + 0.5));
        assert_eq!(m.heap.after.points[3], (8.371 + 0.011, 16.0));
        assert_eq!(m.heap.forced, vec![(8.371, 3662.0)]);
        assert_eq!(m.heap.unit, Unit::MiB);
        assert!((m.heap.y_max - 3749.0 * 1.05).abs() < 1e-9);
        assert_eq!(m.pause.max_ms, 0.45);
        assert_eq!(m.pause.max_x, 8.371);
        assert_eq!(m.x_label, "seconds since start");
    }

    #[test]
    fn big_budgets_switch_to_gib_and_raise_the_axis() {
        let mut o = opts();
        o.budget_bytes = Some(8 << 30);
        o.limit_bytes = Some(6 << 30);
        let m = build(&timeline(TWO_RUNS), "t".into(), &o).unwrap();
        assert_eq!(m.heap.unit, Unit::GiB);
        assert_eq!((m.heap.budget, m.heap.limit), (Some(8.0), Some(6.0)));
        assert!((m.heap.y_max - 8.0 * 1.05).abs() < 1e-9);
    }

    #[test]
    fn one_cycle_is_an_error() {
        let t = timeline(
            "gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n",
        );
        assert_eq!(
            build(&t, "t".into(), &opts()).unwrap_err(),
            ChartError::TooFewCycles(1)
        );
    }

    #[test]
    fn go14_uses_the_cycle_number_axis() {
        let t = timeline("gc1(1): 0+0+0+0 us, 0 -> 0 MB\ngc2(1): 0+0+1000+0 us, 1 -> 0 MB\n");
        let m = build(&t, "t".into(), &opts()).unwrap();
        assert_eq!(m.x_label, "gc cycle");
        assert!(m.cpu.is_none());
        assert_eq!(m.pause.max_ms, 1.0);
    }
}
