//! Times the phases of reading a large heap profile (a development aid for
//! `benches/heap.rs`): cargo run --release --example heap_phases -- PROFILE[.pb.gz]
//! (a gzipped one is first widened to ~50 MB as the bench does; with DEEPEN=1 on the
//! profile's own functions)
use gclens::model::heap::{HeapSeries, SampleType};
use prost::Message;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/support/heap_widen.rs"]
mod heap_widen;

fn main() {
    let path = std::env::args().nth(1).expect("PROFILE");
    let mut data = std::fs::read(&path).unwrap();
    if data.starts_with(&[0x1f, 0x8b]) {
        // a real gzipped profile: widen it to ~50 MB, as the bench does
        let mut raw = vec![];
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&data[..]), &mut raw).unwrap();
        let p = gclens::parse::heap::proto::Profile::decode(&raw[..]).unwrap();
        let target: u64 = std::env::args()
            .nth(2)
            .map_or(50_000_000, |s| s.parse().unwrap());
        data = if std::env::var_os("DEEPEN").is_some() {
            let per_copy = p.location.len() as u64 * 24 + p.sample.len() as u64 * 40;
            heap_widen::deepen(&p, target / per_copy, 1).encode_to_vec()
        } else {
            heap_widen::widen(&p, target / p.encoded_len() as u64, 1).encode_to_vec()
        };
        eprintln!("widened to {} bytes", data.len());
    }
    let t = Instant::now();
    let p = gclens::parse::heap::proto::Profile::decode(bytes::Bytes::from(data.clone())).unwrap();
    eprintln!(
        "prost decode: {:?} ({} functions, {} locations, {} samples)",
        t.elapsed(),
        p.function.len(),
        p.location.len(),
        p.sample.len()
    );
    let t = Instant::now();
    let mut s = HeapSeries::default();
    s.profiles
        .push(gclens::parse::heap::parse("x", &data, &mut s.stacks).unwrap());
    eprintln!("parse (decode + convert): {:?}", t.elapsed());
    let t = Instant::now();
    let r = gclens::analyze::heap::analyze(&s, SampleType::InuseSpace);
    eprintln!("analyze: {:?} ({} sites)", t.elapsed(), r.sites.len());
}
