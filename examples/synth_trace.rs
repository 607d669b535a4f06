//! Writes a large synthetic trace built from a real fixture, for measuring `gclens gc`:
//!   cargo run --release --example synth_trace -- fixtures/gctrace/go1.27/steady.log 1000000 > /tmp/big.log

#[path = "../benches/support/synth.rs"]
#[allow(dead_code)] // the in-memory `synth_trace` is for the benches
mod synth;

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let template = args.next().expect("usage: synth_trace TEMPLATE.log CYCLES");
    let cycles: usize = args
        .next()
        .map_or(1_000_000, |s| s.parse().expect("CYCLES is a number"));
    let bytes = std::fs::read(&template).expect("read template");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    synth::write_synth(&bytes, cycles, &mut out).expect("write");
    out.flush().expect("write");
}
