//! Goroutine dumps (debug=1, debug=2, panics, SIGQUIT, `runtime.Stack`, and the gzipped
//! debug=0 profile.proto): parsed with the whole-dump checks, and grouped.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dump = if gclens::parse::goroutines::proto::looks_like(data) {
        gclens::parse::goroutines::proto::parse("fuzz.pb.gz", data, 64 << 20).ok()
    } else {
        gclens::parse::goroutines::parse_checked("fuzz.txt", data)
            .ok()
            .flatten()
    };
    if let Some(d) = dump {
        let _ = gclens::analyze::goroutines::analyze(&[d]);
    }
});
