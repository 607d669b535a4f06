//! `--format csv`: one row per cycle, the JSON cycle keys with the phase arrays
//! flattened into named columns (`clock_sweep_term_ms`, `cpu_assist_ms`, …). Empty
//! cells where the Go version does not print a field. Times are exact (integer µs
//! printed as ms); percentages are rounded to three decimals.

use super::cells::Cells;
use super::rows::{CycleFormat, Rows};
use crate::analyze::Report;
use crate::analyze::cycle::Figures;
use crate::model::gc::{CLOCK_PHASES as CLOCK, CPU_PHASES as CPU, RAW_PHASES as RAW};
use crate::model::{Cycle, GcFormat};
use crate::output::Format;
use std::io::Write;

pub struct Csv;

pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "source",
        "segment",
        "line",
        "cycle",
        "format",
        "t_s",
        "cpu_pct",
        "forced",
        "leak_check",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(CLOCK.iter().map(|n| format!("clock_{n}_ms")));
    h.extend(RAW.iter().map(|n| format!("clock_{n}_ms")));
    h.extend(CPU.iter().map(|n| format!("cpu_{n}_ms")));
    h.extend(
        [
            "heap_before_mib",
            "heap_after_mib",
            "heap_live_mib",
            "goal_mib",
            "stacks_mib",
            "globals_mib",
            "procs",
            "pause_ms",
            "mark_ms",
            "gc_cpu_ms",
            "gc_cpu_window_pct",
            "alloc_mib",
            "overshoot_pct",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

/// For one format: which clock and which cpu phase fills each named column.
type PhaseColumns = ([Option<usize>; 5], [Option<usize>; 7]);

/// Maps each named column to the index of that phase in a format's print order.
fn column_map<const N: usize>(cols: [&str; N], names: &[&str]) -> [Option<usize>; N] {
    cols.map(|c| names.iter().position(|n| *n == c))
}

/// `field` as one CSV cell (quoted if it must be), without the line ending.
fn quoted(field: &str) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(vec![]);
    w.write_record([field])?;
    let mut v = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    v.pop();
    Ok(v)
}

impl Format<Report> for Csv {
    fn write(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut rows = rows(out, &r.timeline.sources)?;
        for c in &r.timeline.cycles {
            rows.push(c)?;
        }
        rows.finish().map(drop)
    }
}

/// The CSV of cycles handed over one at a time, in order (`gc --format csv` streams
/// it): the header, then a row per cycle, formatted on a thread of their own.
pub fn rows<'w>(out: &'w mut dyn Write, sources: &[String]) -> anyhow::Result<Rows<'w>> {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header())?;
    let head = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Rows::new(out, head, "CSV", Layout::new(sources)?)
}

/// How a cycle's row is written: the quoted source names and each format's phase
/// columns.
struct Layout {
    sources: Vec<Vec<u8>>,
    maps: Vec<PhaseColumns>,
}

impl Layout {
    fn new(sources: &[String]) -> anyhow::Result<Self> {
        let sources: Vec<Vec<u8>> = sources
            .iter()
            .map(|s| quoted(s))
            .collect::<anyhow::Result<_>>()?;
        let maps: Vec<PhaseColumns> = GcFormat::ALL
            .iter()
            .map(|&f| {
                let clock = if f == GcFormat::Go14 {
                    [None; 5]
                } else {
                    column_map(CLOCK, f.clock_names())
                };
                (clock, column_map(CPU, f.cpu_names()))
            })
            .collect();
        Ok(Layout { sources, maps })
    }
}

/// The numeric cells of a row (every column but the source).
const COLUMNS: usize = 8 + CLOCK.len() + RAW.len() + CPU.len() + 13;

impl CycleFormat for Layout {
    /// Appends the row of `c`, whose derived figures are `f`: the source name, quoted
    /// once by the csv crate, then cells that are numbers or fixed words and never need
    /// quoting.
    fn write(&mut self, buf: &mut Vec<u8>, c: &Cycle, f: &Figures) {
        buf.extend_from_slice(
            self.sources
                .get(c.source as usize)
                .map_or(&b"-"[..], Vec::as_slice),
        );
        buf.push(b',');
        let row = &mut Cells::<COLUMNS>::new();
        let g = &c.gc;
        row.int(c.segment);
        row.int(c.line);
        row.int(g.cycle);
        row.word(g.format.key().as_bytes());
        row.opt_ms(g.t_ms);
        row.opt_int(g.cpu_pct);
        row.word(if g.forced { b"true" } else { b"false" });
        row.word(if g.leak_check { b"true" } else { b"false" });
        let (clock_map, cpu_map) = &self.maps[g.format as usize];
        let phase = |vs: &[u32], k: Option<usize>| k.and_then(|k| vs.get(k)).map(|v| u64::from(*v));
        for k in clock_map {
            row.opt_ms(phase(g.clock.as_slice(), *k));
        }
        let raw = g.format == GcFormat::Go14;
        for k in 0..RAW.len() {
            row.opt_ms(phase(g.clock.as_slice(), Some(k).filter(|_| raw)));
        }
        for k in cpu_map {
            row.opt_ms(phase(g.cpu.as_slice(), *k));
        }
        row.int(g.heap_before_mib);
        row.int(g.heap_after_mib);
        row.opt_int(g.heap_live_mib);
        row.opt_int(g.goal_mib);
        row.opt_int(g.stacks_mib);
        row.opt_int(g.globals_mib);
        row.int(g.procs);
        row.ms(f.pause_us);
        row.opt_ms(f.mark_us);
        row.opt_ms(f.gc_cpu_us);
        row.opt_pct(f.gc_cpu_window_pct);
        row.opt_int(f.alloc_mib);
        row.opt_pct(f.overshoot_pct);
        let cells = row.as_bytes();
        buf.extend_from_slice(&cells[..cells.len() - 1]);
        buf.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_once_and_quoted_sources() {
        assert_eq!(header().len(), 1 + COLUMNS);
        assert_eq!(quoted("a,b.log").unwrap(), b"\"a,b.log\"");
        assert_eq!(quoted("plain.log").unwrap(), b"plain.log");
    }
}
