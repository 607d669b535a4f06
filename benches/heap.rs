//! `gclens heap` on a large profile: the real Go 1.27 fixture (`heap-5.pb.gz` of
//! `fixtures/programs/heapgrow`) widened to ~50 MB of protobuf by giving every sample
//! thousands of copies with their own functions and locations (so the stacks are all
//! distinct, as in a big service), then parsed and diffed against the profile before it.
//! Also a series of 100 real profiles (the five fixtures twenty times over).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::heap::analyze;
use gclens::model::heap::{HeapSeries, SampleType};
use gclens::parse::heap::proto::{Function, Line, Location, PSample, Profile};
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

/// The profile with `copies` more copies of every sample, each on its own functions.
fn widen(p: &Profile, copies: u64, scale: i64) -> Profile {
    let mut out = p.clone();
    let next_fn = p.function.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let next_loc = p.location.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let (nf, nl) = (p.function.len() as u64, p.location.len() as u64);
    for c in 1..=copies {
        for (k, f) in p.function.iter().enumerate() {
            let name = String::from_utf8_lossy(&p.string_table[f.name as usize]).into_owned();
            out.string_table.push(format!("{name}·{c}").into());
            out.function.push(Function {
                id: next_fn + (c - 1) * nf + k as u64,
                name: out.string_table.len() as i64 - 1,
                ..f.clone()
            });
        }
        let fn_index: std::collections::HashMap<u64, u64> = p
            .function
            .iter()
            .enumerate()
            .map(|(k, f)| (f.id, next_fn + (c - 1) * nf + k as u64))
            .collect();
        for (k, l) in p.location.iter().enumerate() {
            out.location.push(Location {
                id: next_loc + (c - 1) * nl + k as u64,
                address: l.address,
                line: l
                    .line
                    .iter()
                    .map(|x| Line {
                        function_id: fn_index[&x.function_id],
                        line: x.line,
                    })
                    .collect(),
            });
        }
        let loc_index: std::collections::HashMap<u64, u64> = p
            .location
            .iter()
            .enumerate()
            .map(|(k, l)| (l.id, next_loc + (c - 1) * nl + k as u64))
            .collect();
        for s in &p.sample {
            out.sample.push(PSample {
                location_id: s.location_id.iter().map(|id| loc_index[id]).collect(),
                value: s.value.iter().map(|v| v * scale).collect(),
            });
        }
    }
    out
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
        b.iter(|| {
            let mut s = HeapSeries::default();
            for (name, data) in [("base", &base), ("head", &head)] {
                s.profiles
                    .push(gclens::parse::heap::parse(name, data, &mut s.stacks).unwrap());
            }
            black_box(analyze(&s, SampleType::InuseSpace).sites.len())
        })
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
