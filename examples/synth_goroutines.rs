//! Writes a big goroutine dump built from the real Go 1.27 debug=2 fixture (the blocks
//! repeated with fresh goroutine numbers), for timing `gclens goroutines` end to end:
//! cargo run --release --example synth_goroutines -- 1000000 > big-goroutines.txt
use std::io::Write;

#[path = "../benches/support/goroutines_synth.rs"]
mod goroutines_synth;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().unwrap());
    std::io::stdout()
        .write_all(&goroutines_synth::dump(n))
        .unwrap();
}
