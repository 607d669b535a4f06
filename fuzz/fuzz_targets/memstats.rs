//! runtime.MemStats dumps in every shape (pprof debug=1 trailer, expvar JSON, %+v,
//! hand-written prints), mixed: parsed and made into a series.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = gclens::parse::memstats::parse(data);
    let _ = gclens::analyze::memstats::report(vec![("fuzz".into(), p.snapshots)]);
});
