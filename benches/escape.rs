//! Throughput of `gclens escape` parsing (bytes/s) on `-m=2` output of real standard
//! library packages: the five `fixtures/escape/go1.*/std-m2.txt` captures, copied 36
//! times with each copy's `# package` headers renamed (`# strings` → `# strings#3`), so
//! the copies are distinct packages as in a large `go build -gcflags=-m=2 ./...`, not
//! repeats the parser would merge. About 60 MB.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::escape::{EscapeReport, paths::PathMap};
use std::hint::black_box;

/// The binary's allocator (src/main.rs), so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn big() -> Vec<u8> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut one = vec![];
    for v in ["go1.19", "go1.21", "go1.23", "go1.25", "go1.27"] {
        one.push(std::fs::read(format!("{root}/fixtures/escape/{v}/std-m2.txt")).unwrap());
    }
    let mut out = Vec::with_capacity(64 << 20);
    for copy in 0..36 {
        for text in &one {
            for line in text.split_inclusive(|&b| b == b'\n') {
                if line.starts_with(b"# ") {
                    out.extend_from_slice(&line[..line.len() - 1]);
                    out.extend_from_slice(format!("#{copy}\n").as_bytes());
                } else {
                    out.extend_from_slice(line);
                }
            }
        }
    }
    out
}

fn benches(c: &mut Criterion) {
    let data = big();
    let mut g = c.benchmark_group("escape");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("parse_std_m2", |b| {
        b.iter(|| {
            black_box(
                gclens::parse::escape::parse_bytes("std", &data)
                    .diagnostics
                    .len(),
            )
        })
    });
    g.bench_function("report_std_m2", |b| {
        b.iter(|| {
            let set = gclens::parse::escape::parse_bytes("std", &data);
            let r = EscapeReport::new(set, &PathMap::default(), None);
            black_box(r.ranking(|d| d.pos.file.clone()).len())
        })
    });
    g.finish();
}

criterion_group! {
    name = escape;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(escape);
