//! `gclens heap` on a large profile: the real Go 1.27 fixture (`heap-5.pb.gz` of
//! `fixtures/programs/heapgrow`) widened to ~50 MB of protobuf by giving every sample
//! thousands of copies with their own functions and locations (so the stacks are all
//! distinct, every site its own: the worst case), then parsed and diffed against the
//! profile before it; and the same size with the copies on new locations of the same
//! functions (distinct stacks, few sites, as in a real service).
//! Also a series of 100 real profiles (the five fixtures twenty times over).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::heap::analyze;
use gclens::model::heap::{HeapSeries, SampleType};
use gclens::parse::heap::proto::Profile;

#[path = "support/heap_widen.rs"]
mod heap_widen;
use heap_widen::{deepen, widen};
use prost::Message;
use std::hint::black_box;
use std::io::Read;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/heap/go1.27/plain");

fn raw(name: &str) -> Vec<u8> {
    let gz = std::fs::read(format!("{DIR}/{name}")).unwrap();
    let mut out = vec![];
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Reads two profiles into one series and judges its sites: the number of sites.
fn diff(base: &[u8], head: &[u8]) -> usize {
    let mut s = HeapSeries::default();
    for (name, data) in [("base", base), ("head", head)] {
        s.profiles
            .push(gclens::parse::heap::parse(name, data, &mut s.stacks).unwrap());
    }
    analyze(&s, SampleType::InuseSpace).sites.len()
}

fn benches(c: &mut Criterion) {
    let base = Profile::decode(&raw("heap-4.pb.gz")[..]).unwrap();
    let head = Profile::decode(&raw("heap-5.pb.gz")[..]).unwrap();
    let copies = 50_000_000 / head.encoded_len() as u64;
    let base = widen(&base, copies, 1).encode_to_vec();
    let head = widen(&head, copies, 2).encode_to_vec();
    eprintln!(
        "heap bench: {} + {} bytes of protobuf",
        base.len(),
        head.len()
    );
    let mut g = c.benchmark_group("heap");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((base.len() + head.len()) as u64));
    g.bench_function("diff_2x50MB_proto", |b| {
        b.iter(|| black_box(diff(&base, &head)))
    });
    // the same size over the profile's own functions: distinct stacks, few sites
    let base = Profile::decode(&raw("heap-4.pb.gz")[..]).unwrap();
    let head = Profile::decode(&raw("heap-5.pb.gz")[..]).unwrap();
    let per_copy = head.location.len() as u64 * 24 + head.sample.len() as u64 * 40;
    let base = deepen(&base, 50_000_000 / per_copy, 1).encode_to_vec();
    let head = deepen(&head, 50_000_000 / per_copy, 2).encode_to_vec();
    eprintln!(
        "heap bench (shared functions): {} + {} bytes of protobuf",
        base.len(),
        head.len()
    );
    g.throughput(Throughput::Bytes((base.len() + head.len()) as u64));
    g.bench_function("diff_2x50MB_proto_shared_functions", |b| {
        b.iter(|| black_box(diff(&base, &head)))
    });
    let files: Vec<(String, Vec<u8>)> = (0..100)
        .map(|k| {
            let name = format!("{DIR}/heap-{}.pb.gz", k % 5 + 1);
            let data = std::fs::read(&name).unwrap();
            (name, data)
        })
        .collect();
    g.throughput(Throughput::Bytes(
        files.iter().map(|f| f.1.len() as u64).sum(),
    ));
    g.bench_function("series_100_profiles", |b| {
        b.iter(|| {
            let mut s = HeapSeries::default();
            for (name, data) in &files {
                s.profiles
                    .push(gclens::parse::heap::parse(name, data, &mut s.stacks).unwrap());
            }
            black_box(analyze(&s, SampleType::InuseSpace).sites.len())
        })
    });
    g.finish();
}

criterion_group! {
    name = heap;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(heap);
