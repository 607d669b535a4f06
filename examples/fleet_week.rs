//! Writes a week of a Go fleet's series in OpenMetrics text (`benches/support/fleet_week.rs`),
//! for `promtool tsdb create-blocks-from openmetrics` and `scripts/bench-fleet`:
//!   cargo run --release --example fleet_week -- INSTANCES EVERY_SECONDS END_UNIX > week.om

#[path = "../benches/support/fleet_week.rs"]
#[allow(dead_code)] // the planted ten are for tests/fleet.rs
mod fleet_week;

use std::io::Write;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut num = |what: &str, default: f64| {
        args.next().map_or(default, |s| {
            s.parse().unwrap_or_else(|_| panic!("{what} is a number"))
        })
    };
    let n = num("INSTANCES", 1000.0) as usize;
    let every = num("EVERY_SECONDS", 60.0);
    let end = num("END_UNIX", 0.0);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    fleet_week::write_week(&mut out, &fleet_week::fleet(n), end, every).expect("write");
    out.flush().expect("write");
}
