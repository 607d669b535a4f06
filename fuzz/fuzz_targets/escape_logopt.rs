//! One file of the compiler's `-json=0,DIR` logopt directory.
#![no_main]

use gclens::model::escape::EscapeSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut set = EscapeSet::new();
    gclens::parse::escape::logopt::parse_file("fuzz.json", data, &mut set);
});
