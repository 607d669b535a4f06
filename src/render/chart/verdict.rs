//! The verdict a chart states: the key figures of the whole trace in its subtitle, and
//! the live-heap floor trend drawn where it was fitted, with where it leads at this rate
//! (the budget or GOMEMLIMIT, and when).

use super::axis::{SizeUnit, fmt_duration};
use super::model::{ChartOptions, TrendLine};
use crate::analyze::{LeakVerdict, Summary};
use crate::units::{MIB, fmt_bytes};

/// The key figures of the whole trace, in one line.
pub fn subtitle(s: &Summary, zoomed: bool) -> String {
    let mut parts = vec![format!("peak heap {} MiB", s.peak_heap_mib)];
    if let Some(p) = s.gc_cpu_pct.or(s.gc_cpu_pct_printed.map(f64::from)) {
        parts.push(format!("GC CPU {p:.1} %"));
    }
    parts.push(format!(
        "p99 pause {} ms",
        crate::units::num(s.pause_ms.p99)
    ));
    let verdict = match s.leak.verdict {
        LeakVerdict::LikelyLeak => "likely leak",
        LeakVerdict::PossibleGrowth => "possible growth",
        LeakVerdict::NoLeakSignal => "no leak signal",
        LeakVerdict::InsufficientData => "too short to judge",
    };
    match &s.live_trend {
        Some(t) if s.leak.verdict != LeakVerdict::InsufficientData => parts.push(format!(
            "live heap: {verdict} ({:+.1} MiB/min)",
            t.slope_mib_per_min
        )),
        _ => parts.push(format!("live heap: {verdict}")),
    }
    let line = parts.join(" · ");
    if zoomed {
        format!("whole trace: {line}")
    } else {
        line
    }
}

/// The live-heap floor trend where it was fitted (main segment, after warm-up, whose
/// times count from `main_offset`), cut to the x range, with its projection to the lower
/// of budget and limit.
pub fn trend_line(
    s: &Summary,
    opts: &ChartOptions,
    main_offset: Option<&f64>,
    per: f64,
    size: SizeUnit,
    (lo, hi): (f64, f64),
) -> Option<TrendLine> {
    let tr = s.live_trend.as_ref()?;
    let verdict = match s.leak.verdict {
        LeakVerdict::LikelyLeak => "likely leak",
        LeakVerdict::PossibleGrowth => "possible growth",
        LeakVerdict::NoLeakSignal => "no leak signal",
        LeakVerdict::InsufficientData => return None,
    };
    let off = main_offset.copied().unwrap_or(0.0);
    let slope = tr.slope_mib_per_min; // MiB per minute
    let x_a = (off + tr.from_min * 60.0) / per;
    let x_b = x_a + tr.span_min * 60.0 / per;
    let y_at = |x: f64| tr.start_mib + slope * (x - x_a) * per / 60.0; // MiB
    let (a, b) = (x_a.max(lo), x_b.min(hi));
    if a >= b {
        return None;
    }
    let mut label = format!(
        "live-heap floor trend {:+.1} MiB/min (R² {:.2}): {verdict}",
        slope, tr.r2
    );
    let target = [
        (opts.budget_bytes, "budget"),
        (opts.limit_bytes, "GOMEMLIMIT"),
    ]
    .into_iter()
    .filter_map(|(b, n)| Some((b? as f64 / MIB, n, b?)))
    .min_by(|x, y| x.0.total_cmp(&y.0));
    let mut projection = None;
    if let Some((t_mib, name, bytes)) = target
        && slope > 0.0
    {
        let end = tr.end_mib;
        if end >= t_mib {
            label += &format!("; already above the {name} ({})", fmt_bytes(bytes));
        } else {
            let minutes = (t_mib - end) / slope;
            let x_cross = x_b + minutes * 60.0 / per;
            label += &format!(
                "; at this rate it reaches the {name} ({}) in ~{}",
                fmt_bytes(bytes),
                fmt_duration(minutes * 60.0)
            );
            if x_b < hi {
                let x_end = x_cross.min(hi);
                projection = Some((x_end, size.of_mib(y_at(x_end))));
            }
        }
    }
    Some(TrendLine {
        from: (a, size.of_mib(y_at(a).max(0.0))),
        to: (b, size.of_mib(y_at(b).max(0.0))),
        projection,
        label,
        alert: s.leak.verdict == LeakVerdict::LikelyLeak,
    })
}
