//! Heap profiles: gzipped or plain protobuf, and the legacy `debug=1` text; two copies
//! of the input make a series that is compared.
#![no_main]

use gclens::model::heap::{HeapSeries, SampleType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut series = HeapSeries::default();
    for name in ["a.pb.gz", "b.pb.gz"] {
        if let Ok(p) = gclens::parse::heap::parse(name, data, &mut series.stacks) {
            series.profiles.push(p);
        }
    }
    let _ = gclens::analyze::heap::analyze(&series, SampleType::InuseSpace);
});
