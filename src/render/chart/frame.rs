//! From what [`ChartStream`] gathered to the [`ChartModel`]: the cycles kept whole are
//! cut into runs and reduced per pixel column here (exactly as a whole timeline always
//! was); bands come already reduced. Either way the same axis, units, levels, trend line,
//! panels and titles follow.

use super::axis::{SizeUnit, TimeUnit, fmt_duration};
use super::model::{ChartError, ChartModel, CpuPanel, HeapPanel, Level, PausePanel, Series, y_max};
use super::reduce::{envelope, medians, run_bounds};
use super::stream::{ChartStream, Pt, Scalars, columns};
use super::verdict::{subtitle, trend_line};
use crate::analyze::Summary;
use crate::units::{MIB, fmt_bytes};

/// How a series is reduced: by name, index (see `bands::SERIES`) and y in its unit.
type SeriesOf<'a> = dyn Fn(&'static str, usize, &dyn Fn(f64) -> f64) -> Series + 'a;

/// The inputs as a title names them: file names, `stdin` for `-`.
fn source_names(sources: &[String]) -> String {
    let names: Vec<&str> = sources
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

/// The chart's model from a finished stream (see [`ChartStream::finish`]).
pub fn assemble(
    mut st: ChartStream,
    s: &Summary,
    main_segment: usize,
    sources: &[String],
    timeline_len: usize,
) -> Result<ChartModel, ChartError> {
    if st.total < 2 {
        return Err(ChartError::TooFewCycles(st.total as usize));
    }
    let opts = st.opts.clone();
    let (from, to) = (
        opts.from_s.unwrap_or(f64::NEG_INFINITY),
        opts.to_s.unwrap_or(f64::INFINITY),
    );
    let columns = columns(&opts);
    // the cycles drawn, when they were kept
    let (timed, mut sc, kept) = match st.banded.take() {
        Some(b) => (b.timed, b.sc, Err(b.bands)),
        None => {
            let timed = st.raw.iter().all(|p| p.timed);
            let kept: Vec<Pt> = std::mem::take(&mut st.raw)
                .into_iter()
                .filter(|p| !timed || (from..=to).contains(&p.x_time))
                .collect();
            let mut sc = Scalars::new();
            for p in &kept {
                sc.add(p, p.x(timed), 0.0);
            }
            (timed, sc, Ok(kept))
        }
    };
    if sc.n < 2 {
        return Err(ChartError::EmptyWindow(sc.n));
    }
    let (lo_s, hi_s) = (sc.lo, sc.hi);
    let span_s = (hi_s - lo_s).max(1e-3);
    let unit = TimeUnit::for_span(span_s);
    let per = if timed { unit.seconds() } else { 1.0 };
    let pad = span_s / per * 0.01;
    let x_range = (lo_s / per - pad, hi_s / per + pad);

    // runs, where new segments begin, and how each series is reduced
    let bands;
    let kept_pts;
    let (boundaries, series): (Vec<f64>, Box<SeriesOf>) = match kept {
        Ok(kept) => {
            kept_pts = kept;
            let kept = &kept_pts;
            let xs: Vec<f64> = kept.iter().map(|p| p.x(timed) / per).collect();
            let segs: Vec<u32> = kept.iter().map(|p| p.segment).collect();
            let runs = run_bounds(&segs, &xs, timed);
            let boundaries = runs
                .iter()
                .skip(1)
                .filter(|r| segs[r.0] != segs[r.0 - 1])
                .map(|r| xs[r.0])
                .collect();
            let f = move |name, k: usize, y: &dyn Fn(f64) -> f64| {
                let mut s = Series {
                    name,
                    ..Series::default()
                };
                for &(a, b) in &runs {
                    let pts: Vec<(f64, f64)> = (a..b)
                        .filter(|&j| kept[j].ys[k].is_finite())
                        .map(|j| (xs[j], y(kept[j].ys[k])))
                        .collect();
                    if !pts.is_empty() {
                        s.medians.push(medians(&pts, x_range, columns));
                        s.runs.push(envelope(&pts, x_range, columns));
                    }
                }
                s
            };
            (boundaries, Box::new(f))
        }
        Err(b) => {
            bands = b;
            let threshold = if timed {
                let median_s = sc.gaps.percentiles(&[50.0])[0].unwrap_or(0.0) / 1e6;
                (median_s * 20.0).max((hi_s - lo_s) * 0.02)
            } else {
                f64::INFINITY
            };
            let gaps: Vec<(f64, f64)> = sc
                .top_gaps
                .iter()
                .filter(|g| f64::from_bits(g.0.0) > threshold)
                .map(|g| (f64::from_bits(g.0.1), f64::from_bits(g.0.2)))
                .collect();
            let runs = bands.runs(&|a, b| gaps.iter().any(|&(p, n)| p >= a && n <= b));
            let boundaries = runs
                .windows(2)
                .filter(|w| w[0].0 != w[1].0)
                .map(|w| bands.x0(&w[1].1) / per)
                .collect();
            let bands = &bands;
            let f = move |name, k, y: &dyn Fn(f64) -> f64| {
                bands.series(name, k, &runs, (per, y), x_range, columns)
            };
            (boundaries, Box::new(f))
        }
    };

    let levels_mib: Vec<f64> = [opts.budget_bytes, opts.limit_bytes]
        .iter()
        .flatten()
        .map(|b| *b as f64 / MIB)
        .collect();
    let size = SizeUnit::for_top(
        levels_mib
            .iter()
            .copied()
            .fold(f64::from(sc.peak_mib), f64::max),
    );
    let u = |v: f64| size.of_mib(v);
    let before = series("heap at GC start", 0, &u);
    let after = series("heap at GC end", 1, &u);
    let live = series("live heap", 2, &u);
    let goal = series("heap goal", 3, &u);
    let roots = series("stacks + globals", 4, &u);
    let min_dx = (x_range.1 - x_range.0) / columns as f64 * 6.0;
    sc.markers.iter_mut().for_each(|m| m.0 /= per);
    sc.thin_markers(min_dx);
    // snapshots joined to the newest `timeline_len` cycles, by their x
    let first = st.total as usize - timeline_len.min(st.total as usize);
    let held_from = st.total as usize - st.recent.len();
    let x_of = |i: usize| {
        let (xt, xo) = *st.recent.get((first + i).checked_sub(held_from)?)?;
        Some(if timed { xt } else { xo })
    };
    let joined = |name, f: &dyn Fn(&crate::analyze::memstats::Joined) -> Option<f64>| {
        let pts: Vec<(f64, f64)> = opts
            .joined
            .iter()
            .filter_map(|j| Some((x_of(j.cycle_index)?, j)))
            .filter(|(x, _)| !timed || (from..=to).contains(x))
            .filter_map(|(x, j)| Some((x / per, size.of_mib(f(j)?))))
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
        .then(|| {
            trend_line(
                s,
                &opts,
                st.seg_offset.get(main_segment),
                per,
                size,
                x_range,
            )
        })
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
        markers: sc.markers.clone(),
        budget,
        limit,
        trend,
    };

    let same = |v: f64| v;
    let cpu = (timed && sc.any_cpu).then(|| {
        let window = series("GC CPU over the last second (cpu phases)", 5, &same);
        let printed_max = sc.printed_max;
        let (printed, note) = if printed_max > 1 {
            (series("GC CPU since start (printed)", 6, &same), None)
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

    let p99_ms = sc.pauses.percentiles(&[99.0])[0].unwrap_or(0.0) / 1000.0;
    let pauses = series("STW pause", 7, &same);
    let pause = PausePanel {
        y_max: y_max([&pauses], &[], 0.001),
        pauses,
        p99_ms,
        max_ms: sc.max_us as f64 / 1000.0,
        max_x: sc.max_x / per,
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
            source_names(sources),
            sc.n
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
