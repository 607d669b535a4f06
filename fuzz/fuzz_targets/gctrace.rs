//! gctrace stderr of any Go version (gc, scav/scvg, pacer, scan, GC forced lines mixed
//! with anything): parsed, analyzed, advised on, written as text, JSON and CSV, and
//! made into a chart model.
#![no_main]

use gclens::analyze::Report;
use gclens::analyze::advice::{AdviceOptions, advise};
use gclens::export::{csv::Csv, json::Json};
use gclens::output::Format;
use gclens::render::chart::{ChartOptions, build};
use gclens::render::text::GcText;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = gclens::parse::load_bytes(data);
    let r = Report::new(t);
    let mut sink = Vec::new();
    GcText.write(&r, &mut sink).unwrap();
    Json.write(&r, &mut sink).unwrap();
    Csv.write(&r, &mut sink).unwrap();
    let o = AdviceOptions {
        budget_quantity: None,
        budget_bytes: 512 << 20,
        headroom: 0.1,
        max_gc_cpu_pct: None,
        current_gogc: None,
        batch: true,
    };
    let _ = advise(&r.timeline, &r.summary, None, &o);
    let chart = ChartOptions {
        budget_bytes: Some(512 << 20),
        limit_bytes: Some(400 << 20),
        ..ChartOptions::default()
    };
    let _ = build(&r.timeline, &r.summary, &chart);
});
