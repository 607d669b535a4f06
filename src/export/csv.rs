//! `--format csv`: one row per cycle, the JSON cycle keys with the phase arrays
//! flattened into named columns (`clock_sweep_term_ms`, `cpu_assist_ms`, …). Empty
//! cells where the Go version does not print a field. Times are exact (integer µs
//! printed as ms); percentages are rounded to three decimals.

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

/// Rows are written straight into one buffer: every field but the source name is a
/// number or a fixed word that never needs quoting, and the source names are quoted
/// once by the csv crate.
struct Row<'b> {
    buf: &'b mut Vec<u8>,
}

impl Row<'_> {
    fn end(&mut self) {
        self.buf.push(b',');
    }
    fn end_row(&mut self) {
        if let Some(last) = self.buf.last_mut() {
            *last = b'\n';
        }
    }
    fn empty(&mut self) {
        self.end();
    }
    fn int(&mut self, v: impl itoa::Integer) {
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        self.end();
    }
    fn raw(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
        self.end();
    }
    /// Percentages: rounded to 3 decimals, shortest form.
    fn float(&mut self, v: f64) {
        let v = (v * 1000.0).round() / 1000.0;
        if v.is_finite() {
            let mut b = ryu::Buffer::new();
            let s = b.format_finite(v);
            self.buf
                .extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
        }
        self.end();
    }
    /// `v / 10^scale` exactly, without trailing zeros: µs → ms (`31` → `0.031`).
    fn fixed(&mut self, v: u64, scale: u32) {
        let div = 10u64.pow(scale);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(v / div).as_bytes());
        let frac = v % div;
        if frac != 0 {
            // the fraction's digits, zero-padded to `scale`, trailing zeros dropped
            self.buf.push(b'.');
            let mut d = div / 10;
            let mut rest = frac;
            while rest != 0 {
                self.buf.push(b'0' + (rest / d) as u8);
                rest %= d;
                d /= 10;
            }
        }
        self.end();
    }
    fn opt_fixed(&mut self, v: Option<u64>, scale: u32) {
        match v {
            Some(v) => self.fixed(v, scale),
            None => self.empty(),
        }
    }
    fn opt_int<T: itoa::Integer>(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.int(v),
            None => self.empty(),
        }
    }
    fn opt_float(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.float(v),
            None => self.empty(),
        }
    }
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

impl CycleFormat for Layout {
    /// Appends the row of `c`, whose derived figures are `f`.
    fn write(&mut self, buf: &mut Vec<u8>, c: &Cycle, f: &Figures) {
        let row = &mut Row { buf };
        let g = &c.gc;
        row.raw(
            self.sources
                .get(c.source as usize)
                .map_or(&b"-"[..], Vec::as_slice),
        );
        row.int(c.segment);
        row.int(c.line);
        row.int(g.cycle);
        row.raw(g.format.key().as_bytes());
        row.opt_fixed(g.t_ms, 3);
        row.opt_int(g.cpu_pct);
        row.raw(if g.forced { b"true" } else { b"false" });
        row.raw(if g.leak_check { b"true" } else { b"false" });
        let (clock_map, cpu_map) = &self.maps[g.format as usize];
        for k in clock_map {
            row.opt_fixed(
                k.and_then(|k| g.clock.as_slice().get(k))
                    .map(|v| u64::from(*v)),
                3,
            );
        }
        let raw = g.format == GcFormat::Go14;
        for k in 0..RAW.len() {
            row.opt_fixed(
                g.clock
                    .as_slice()
                    .get(k)
                    .filter(|_| raw)
                    .map(|v| u64::from(*v)),
                3,
            );
        }
        for k in cpu_map {
            row.opt_fixed(
                k.and_then(|k| g.cpu.as_slice().get(k))
                    .map(|v| u64::from(*v)),
                3,
            );
        }
        row.int(g.heap_before_mib);
        row.int(g.heap_after_mib);
        row.opt_int(g.heap_live_mib);
        row.opt_int(g.goal_mib);
        row.opt_int(g.stacks_mib);
        row.opt_int(g.globals_mib);
        row.int(g.procs);
        row.fixed(f.pause_us, 3);
        row.opt_fixed(f.mark_us, 3);
        row.opt_fixed(f.gc_cpu_us, 3);
        row.opt_float(f.gc_cpu_window_pct);
        row.opt_int(f.alloc_mib);
        row.opt_float(f.overshoot_pct);
        row.end_row();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_milliseconds_and_quoted_sources() {
        let mut v = vec![];
        let mut r = Row { buf: &mut v };
        for v in [0, 31, 1500, 87_000, 9_070, 5] {
            r.fixed(v, 3);
        }
        r.end_row();
        assert_eq!(v, b"0,0.031,1.5,87,9.07,0.005\n");
        assert_eq!(quoted("a,b.log").unwrap(), b"\"a,b.log\"");
        assert_eq!(quoted("plain.log").unwrap(), b"plain.log");
    }
}
