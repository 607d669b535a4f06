//! Builds a large, realistic gctrace from a real fixture: its cycles (and the program's
//! own log lines between them) are repeated with the gc number and time advancing, and
//! printed by the runtime's own number routines. Shared by the benchmarks and
//! `examples/synth_trace.rs`.

use gclens::model::Timeline;
use gclens::parse::print::write_gc_line;
use std::io::{self, Write};

/// A trace of `cycles` gc lines built from the template fixture's lines.
pub fn synth_trace(template: &[u8], cycles: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(cycles * 160);
    write_synth(template, cycles, &mut out).expect("writing to memory");
    out
}

/// Writes the trace of [`synth_trace`] to `out` as it is made (a month of cycles never
/// needs to be in memory: issue 31's tests pipe it into `gclens gc`).
pub fn write_synth(template: &[u8], cycles: usize, out: &mut dyn Write) -> io::Result<()> {
    let t: Timeline = gclens::parse::load_bytes(template);
    let lines: Vec<&[u8]> = template.split(|b| *b == b'\n').collect();
    let span_ms = t.cycles.last().and_then(|c| c.gc.t_ms).unwrap_or(1000) + 1;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut n = 0;
    let mut round = 0u64;
    'outer: loop {
        let mut k = 0;
        for (i, line) in lines.iter().enumerate() {
            let lineno = i as u64 + 1;
            if k < t.cycles.len() && t.cycles[k].line == lineno {
                let mut g = t.cycles[k].gc;
                g.cycle = (n + 1) as u32;
                g.t_ms = g.t_ms.map(|ms| ms + round * span_ms);
                write_gc_line(&mut buf, &g);
                buf.push(b'\n');
                k += 1;
                n += 1;
                if n == cycles {
                    break 'outer;
                }
            } else if !line.is_empty() {
                buf.extend_from_slice(line);
                buf.push(b'\n');
            }
            if buf.len() >= 1 << 20 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        round += 1;
    }
    out.write_all(&buf)
}
