//! The `gclens memstats` text report: the snapshot table, then the derived figures.

use crate::analyze::memstats::MemReport;
use crate::output::Format;
use crate::units::MIB;
use crate::units::fmt_bytes;
use crate::units::num;
use std::io::{self, Write};

fn mib(v: Option<u64>, approx: bool) -> String {
    match v {
        Some(b) => format!("{}{:.1}", if approx { "~" } else { "" }, b as f64 / MIB),
        None => "-".into(),
    }
}

/// `gclens memstats` for people.
pub struct MemstatsText;

impl Format<MemReport> for MemstatsText {
    fn write(&self, r: &MemReport, out: &mut dyn Write) -> anyhow::Result<()> {
        Ok(write_report(out, r, &r.sources)?)
    }
}

/// Rows of the table at most: a day of `/debug/vars` is 200,000 snapshots.
const MAX_ROWS: usize = 40;

/// The snapshots the table shows: all, or [`MAX_ROWS`] evenly spaced from the first to
/// the last.
fn rows_shown(n: usize) -> Vec<usize> {
    if n <= MAX_ROWS {
        return (0..n).collect();
    }
    (0..MAX_ROWS)
        .map(|k| (k * (n - 1) + (MAX_ROWS - 1) / 2) / (MAX_ROWS - 1))
        .collect()
}

fn write_report(out: &mut dyn Write, r: &MemReport, sources: &[String]) -> io::Result<()> {
    let s = &r.summary;
    writeln!(out, "gclens memstats {}", sources.join(", "))?;
    writeln!(
        out,
        "{} snapshot(s) ({}){}{}{}",
        s.snapshots,
        s.shapes
            .iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        s.span_s
            .map_or(String::new(), |d| format!(" over {} s", num(d))),
        match (s.num_gc_first, s.num_gc_last) {
            (Some(a), Some(b)) => format!(", NumGC {a} → {b}"),
            _ => String::new(),
        },
        match s.restarts {
            0 => String::new(),
            n => format!(
                ", {n} process restart(s) (NumGC or TotalAlloc went back; rates within each)"
            ),
        }
    )?;
    writeln!(out)?;
    let w = r.points.len().to_string().len().max(4);
    writeln!(
        out,
        "  {:>w$} {:>9} {:>10} {:>10} {:>10} {:>10} {:>13} {:>9} {:>9} {:>6}",
        "#",
        "t (s)",
        "HeapAlloc",
        "HeapInuse",
        "HeapSys",
        "Released",
        "Sys−Released",
        "non-heap",
        "objects",
        "NumGC"
    )?;
    let shown = rows_shown(r.points.len());
    for i in shown.iter().copied() {
        let p = &r.points[i];
        let st = &p.snapshot.stats;
        let a = |f: &str| p.snapshot.approximate.contains(&f);
        writeln!(
            out,
            "  {:>w$} {:>9} {:>10} {:>10} {:>10} {:>10} {:>13} {:>9} {:>9} {:>6}",
            i + 1,
            p.t_s.map_or("-".into(), num),
            mib(st.heap_alloc, a("HeapAlloc")),
            mib(st.heap_inuse, a("HeapInuse")),
            mib(st.heap_sys, a("HeapSys")),
            mib(st.heap_released, a("HeapReleased")),
            mib(p.limit_counted_bytes, a("Sys") || a("HeapReleased")),
            mib(p.non_heap_bytes, a("Sys") || a("HeapSys")),
            st.heap_objects.map_or("-".into(), |o| o.to_string()),
            st.num_gc.map_or("-".into(), |n| n.to_string()),
        )?;
    }
    writeln!(
        out,
        "  (MiB; ~ marks values the dump printed truncated to whole units)"
    )?;
    if shown.len() < r.points.len() {
        writeln!(
            out,
            "  ({} of {} snapshots shown, evenly spaced; --format csv lists every one)",
            shown.len(),
            r.points.len()
        )?;
    }
    writeln!(out)?;
    let rows: Vec<(&str, String)> = vec![
        (
            "Allocation rate",
            s.alloc_rate_mib_s
                .map_or("n/a (needs TotalAlloc and LastGC)".into(), |r| {
                    format!("{} MiB/s (ΔTotalAlloc/Δt)", num(r))
                }),
        ),
        (
            "Memory GOMEMLIMIT counts",
            s.peak_limit_counted_bytes.map_or("n/a".into(), |b| {
                format!("{} peak (Sys − HeapReleased)", fmt_bytes(b))
            }),
        ),
        (
            "Non-heap runtime memory",
            s.last_non_heap_bytes.map_or("n/a".into(), |b| {
                format!("{} last (Sys − HeapSys)", fmt_bytes(b))
            }),
        ),
        (
            "Fragmentation",
            s.last_fragmentation_bytes.map_or("n/a".into(), |b| {
                format!("{} last (HeapInuse − HeapAlloc)", fmt_bytes(b))
            }),
        ),
        (
            "HeapAlloc trend",
            s.heap_alloc_trend.as_ref().map_or("n/a".into(), |t| {
                format!(
                    "{:+.2} MiB/min (R² {:.2}, {} points)",
                    t.slope_mib_per_min, t.r2, t.points
                )
            }),
        ),
        (
            "HeapObjects trend",
            s.heap_objects_trend.as_ref().map_or("n/a".into(), |t| {
                format!("{:+.0} objects/min (R² {:.2})", t.slope_mib_per_min, t.r2)
            }),
        ),
        (
            "GC pauses (PauseNs ring)",
            match (s.pause_p50_ns, s.pause_p99_ns, s.pause_max_ns) {
                (Some(a), Some(b), Some(c)) => format!(
                    "{} pauses, p50 {} / p99 {} / max {} ms{}",
                    s.pauses,
                    num(a as f64 / 1e6),
                    num(b as f64 / 1e6),
                    num(c as f64 / 1e6),
                    if s.pauses_missing > 0 {
                        format!(
                            "; {} fell out of the ring between snapshots",
                            s.pauses_missing
                        )
                    } else {
                        String::new()
                    }
                ),
                _ => "n/a (no PauseNs/PauseEnd)".into(),
            },
        ),
    ];
    let w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    for (k, v) in rows {
        writeln!(out, "  {k:<w$}  {v}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_series_shows_forty_rows_from_the_first_to_the_last() {
        assert_eq!(rows_shown(3), vec![0, 1, 2]);
        assert_eq!(rows_shown(MAX_ROWS), (0..MAX_ROWS).collect::<Vec<_>>());
        for n in [MAX_ROWS + 1, 1000, 200_000] {
            let r = rows_shown(n);
            assert_eq!(r.len(), MAX_ROWS);
            assert_eq!((r[0], r[MAX_ROWS - 1]), (0, n - 1));
            assert!(r.windows(2).all(|w| w[0] < w[1]), "{n}: {r:?}");
        }
    }
}
