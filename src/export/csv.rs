//! `--format csv`: one row per cycle, the JSON cycle keys with the phase arrays
//! flattened into named columns (`clock_sweep_term_ms`, `cpu_assist_ms`, …). Empty
//! cells where the Go version does not print a field. Numbers are written with
//! `itoa`/`ryu`, so a million rows take well under a second.

use super::{Exporter, ms_to_s, us_to_ms};
use crate::analyze::Report;
use crate::analyze::cycle::{
    alloc_mib, clock_names, cpu_names, gc_cpu_us, mark_us, overshoot_pct, pause_us,
    windowed_gc_cpu_pct,
};
use crate::export::json::CPU_WINDOW_S;
use std::io::Write;

pub struct Csv;

const CLOCK: [&str; 5] = ["sweep_term", "scan", "install_wb", "mark", "mark_term"];
const CPU: [&str; 7] = [
    "sweep_term",
    "scan",
    "install_wb",
    "assist",
    "background",
    "idle",
    "mark_term",
];
/// Columns for ≤1.4's four unnamed µs phases.
const RAW: [&str; 5] = ["phase1", "phase2", "phase3", "phase4", "phase5"];

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

/// A row under construction: cells are byte strings in one reused buffer.
struct Row {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl Row {
    fn end(&mut self) {
        self.ends.push(self.buf.len());
    }
    fn empty(&mut self) {
        self.end();
    }
    fn int(&mut self, v: impl itoa::Integer) {
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        self.end();
    }
    fn float(&mut self, v: f64) {
        if v.is_finite() {
            let mut b = ryu::Buffer::new();
            let s = b.format_finite(v);
            self.buf
                .extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
        }
        self.end();
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
    fn text(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
        self.end();
    }
    fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let f = &self.buf[start..e];
            start = e;
            f
        })
    }
}

impl Exporter for Csv {
    fn export(&self, r: &Report, out: &mut dyn Write) -> anyhow::Result<()> {
        let t = &r.timeline;
        let mut w = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        w.write_record(header())?;
        let window = windowed_gc_cpu_pct(&t.cycles, CPU_WINDOW_S);
        let mut row = Row {
            buf: Vec::with_capacity(512),
            ends: Vec::with_capacity(48),
        };
        for (i, c) in t.cycles.iter().enumerate() {
            let g = &c.gc;
            row.buf.clear();
            row.ends.clear();
            row.text(t.sources.get(c.source as usize).map_or("-", String::as_str));
            row.int(c.segment);
            row.int(c.line);
            row.int(g.cycle);
            row.text(match g.format {
                crate::parse::GcFormat::Go14 => "go1.4",
                crate::parse::GcFormat::Go15 => "go1.5",
                crate::parse::GcFormat::Go16 => "go1.6",
                crate::parse::GcFormat::Go118 => "go1.18",
            });
            row.opt_float(g.t_ms.map(ms_to_s));
            row.opt_int(g.cpu_pct);
            row.text(if g.forced { "true" } else { "false" });
            row.text(if g.leak_check { "true" } else { "false" });
            let named = g.format != crate::parse::GcFormat::Go14;
            let clock_n = clock_names(g.format);
            for col in CLOCK {
                let k = clock_n.iter().position(|n| *n == col).filter(|_| named);
                row.opt_float(
                    k.and_then(|k| g.clock.as_slice().get(k))
                        .map(|v| us_to_ms(u64::from(*v))),
                );
            }
            for (k, _) in RAW.iter().enumerate() {
                let v = g.clock.as_slice().get(k).filter(|_| !named);
                row.opt_float(v.map(|v| us_to_ms(u64::from(*v))));
            }
            let cpu_n = cpu_names(g.format);
            for col in CPU {
                let k = cpu_n.iter().position(|n| *n == col);
                row.opt_float(
                    k.and_then(|k| g.cpu.as_slice().get(k))
                        .map(|v| us_to_ms(u64::from(*v))),
                );
            }
            row.int(g.heap_before_mib);
            row.int(g.heap_after_mib);
            row.opt_int(g.heap_live_mib);
            row.opt_int(g.goal_mib);
            row.opt_int(g.stacks_mib);
            row.opt_int(g.globals_mib);
            row.int(g.procs);
            row.float(us_to_ms(pause_us(c)));
            row.opt_float(mark_us(c).map(us_to_ms));
            row.opt_float(gc_cpu_us(c).map(us_to_ms));
            row.opt_float(window[i]);
            row.opt_int(alloc_mib(i.checked_sub(1).map(|k| &t.cycles[k]), c));
            row.opt_float(overshoot_pct(c));
            w.write_record(row.fields())?;
        }
        w.flush()?;
        Ok(())
    }
}
