//! Builds a large, realistic gctrace from a real fixture: its cycles (and the program's
//! own log lines between them) are repeated with the gc number and time advancing, and
//! printed by the runtime's own number routines. Shared by the benchmarks and
//! `examples/synth_trace.rs`.

use gclens::model::Timeline;
use gclens::parse::print::write_gc_line;

/// A trace of `cycles` gc lines built from the template fixture's lines.
pub fn synth_trace(template: &[u8], cycles: usize) -> Vec<u8> {
    let t: Timeline = gclens::parse::load_bytes(template);
    let lines: Vec<&[u8]> = template.split(|b| *b == b'\n').collect();
    let span_ms = t.cycles.last().and_then(|c| c.gc.t_ms).unwrap_or(1000) + 1;
    let mut out = Vec::with_capacity(cycles * 160);
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
                write_gc_line(&mut out, &g);
                out.push(b'\n');
                k += 1;
                n += 1;
                if n == cycles {
                    break 'outer;
                }
            } else if !line.is_empty() {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        round += 1;
    }
    out
}
