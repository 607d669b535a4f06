//! `-gcflags=-m`/`-m=2` text and the `go build -json` wrapper: parsed, paths and
//! functions worked out, written as JSON and SARIF.
#![no_main]

use gclens::analyze::escape::paths::PathMap;
use gclens::analyze::escape::{EscapeReport, Level, Selection};
use gclens::export::escape::{json::Json, sarif::Sarif};
use gclens::output::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let set = gclens::parse::escape::parse_bytes("fuzz.txt", data);
    let map = PathMap::new(None, None, vec!["/ci/".into()]);
    let report = EscapeReport::new(set, &map, None);
    let sel = Selection {
        report: &report,
        chosen: report.set.diagnostics.iter().collect(),
        level: Level::Warning,
        root: None,
    };
    let mut sink = Vec::new();
    Json.write(&sel, &mut sink).unwrap();
    Sarif.write(&sel, &mut sink).unwrap();
});
