//! Goroutine dumps (debug=2, panics, SIGQUIT, `runtime.Stack`): parsed and grouped.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(d) = gclens::parse::goroutines::parse("fuzz.txt", data) {
        let _ = gclens::analyze::goroutines::analyze(&[d]);
    }
});
