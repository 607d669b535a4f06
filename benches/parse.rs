//! Throughput of `gclens gc` on a large realistic trace (bytes/s), and of the CSV and
//! JSON exports (bytes of trace per second).
//! The trace is built from the real Go 1.25 steady fixture (see `synth.rs`):
//! 1,000,000 cycles, ~146 MB, about 1.5% of lines the program's own output. And
//! `gclens memstats` on 20,000 real `/debug/vars` documents (a few days of `curl` every
//! 10 s): it was quadratic in the snapshots (issue 28).

#[path = "support/synth.rs"]
mod synth;

/// The binary's allocator, so the figures are the shipped tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::Report;
use gclens::export::csv::Csv;
use gclens::export::json::Json;
use gclens::output::Format;
use gclens::parse::Scanner;
use std::hint::black_box;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/gctrace/go1.25/steady.log"
);

fn big() -> Vec<u8> {
    synth::synth_trace(&std::fs::read(TEMPLATE).unwrap(), 1_000_000)
}

fn benches(c: &mut Criterion) {
    let data = big();
    let mut g = c.benchmark_group("gctrace");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("scan_1M_cycles", |b| {
        let s = Scanner::new();
        b.iter(|| black_box(gclens::parse::load::scan_bytes(&s, 0, &data, &|_| {}).cycles()))
    });
    g.bench_function("report_1M_cycles", |b| {
        b.iter(|| {
            let r = Report::new(gclens::parse::load_bytes(&data));
            black_box(r.summary.cycles)
        })
    });
    let report = Report::new(gclens::parse::load_bytes(&data));
    g.bench_function("csv_export_1M_cycles", |b| {
        let mut out = Vec::with_capacity(300 << 20);
        b.iter(|| {
            out.clear();
            Csv.write(&report, &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.bench_function("json_export_1M_cycles", |b| {
        let mut out = Vec::with_capacity(450 << 20);
        b.iter(|| {
            out.clear();
            Json.write(&report, &mut out).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
    let vars = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/memstats/go1.27/snapshots.vars.jsonl"
    ))
    .unwrap()
    .repeat(4000);
    let mut g = c.benchmark_group("memstats");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(vars.len() as u64));
    g.bench_function("expvar_20k_snapshots", |b| {
        b.iter(|| black_box(gclens::parse::memstats::parse(&vars).snapshots.len()))
    });
    g.finish();
}

// Criterion's own report plots would need a system font (plotters is built with the
// bundled-font `ab_glyph` backend here); the numbers are what matter.
criterion_group! {
    name = gctrace;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(gctrace);
