//! Chart rendering of 1,000,000 cycles (built from the real Go 1.25 steady fixture, see
//! `synth.rs`): the envelope model and the PNG, from an already parsed timeline.

#[path = "support/synth.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::render::chart::{ChartOptions, build, draw};
use std::hint::black_box;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/gctrace/go1.25/steady.log"
);

fn benches(c: &mut Criterion) {
    let data = synth::synth_trace(&std::fs::read(TEMPLATE).unwrap(), 1_000_000);
    let t = gclens::parse::load_bytes(&data);
    let opts = ChartOptions {
        budget_bytes: Some(512 << 20),
        limit_bytes: Some(400 << 20),
        ..ChartOptions::default()
    };
    let s = gclens::analyze::summarize(&t);
    let mut g = c.benchmark_group("chart");
    g.sample_size(10);
    g.throughput(Throughput::Elements(t.cycles.len() as u64));
    g.bench_function("model_1M_cycles", |b| {
        b.iter(|| black_box(build(&t, &s, &opts).unwrap().heap.y_max))
    });
    g.bench_function("png_1M_cycles", |b| {
        b.iter(|| {
            let m = build(&t, &s, &opts).unwrap();
            black_box(draw::png(&m, &opts).unwrap().len())
        })
    });
    g.finish();
}

// Criterion's own report plots would need a system font (plotters is built with the
// bundled-font `ab_glyph` backend here); the numbers are what matter.
criterion_group! {
    name = chart;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(chart);
