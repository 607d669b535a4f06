//! Writes a mostly-foreign service log (1% real gctrace lines) for measuring
//! `gclens watch` against `cat`:
//!   cargo run --release --example synth_log -- 1024 > /tmp/service.log   # MiB

#[path = "../benches/support/foreign.rs"]
mod foreign;

use std::io::Write;

const TRACE: &[u8] = b"gc 549 @0.755s 5%: 0.008+0.16+0.037 ms clock, 0.016+0.026/0.031/0.009+0.074 ms cpu, 28->28->14 MB, 29 MB goal, 0 MB stacks, 0 MB globals, 2 P";

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .map_or(1024, |s| s.parse().expect("MiB is a number"));
    std::io::stdout()
        .write_all(&foreign::service_log(TRACE, mib << 20))
        .expect("write");
}
