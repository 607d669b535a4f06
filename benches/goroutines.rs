//! `gclens goroutines` on a dump of 1,000,000 goroutines: the real Go 1.27 debug=2 dump
//! of `fixtures/programs/goleak` (`goroutines-5.debug2.txt`, 48 goroutines) repeated with
//! fresh goroutine numbers, ~200 MB; parsed (identical goroutines merged as they are read)
//! and grouped.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/goroutines_synth.rs"]
mod goroutines_synth;

fn benches(c: &mut Criterion) {
    let data = goroutines_synth::dump(1_000_000);
    eprintln!("goroutines bench: {} bytes", data.len());
    let mut g = c.benchmark_group("goroutines");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("parse_1M_goroutines_debug2", |b| {
        b.iter(|| {
            let d = gclens::parse::goroutines::parse("big", &data).unwrap();
            black_box(gclens::analyze::goroutines::analyze(&[d]).groups.len())
        })
    });
    g.finish();
}

criterion_group! {
    name = goroutines;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(goroutines);
