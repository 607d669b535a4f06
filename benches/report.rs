//! `gclens report` end to end in the library (gather: walk, sniff, read every family;
//! build: series, analyses, joins): on the real incident fixture, and on a big incident
//! made from real inputs — twenty heap profiles grown from the incident's own (the real
//! Go 1.27 profile's samples copied onto new locations of its functions, each profile
//! more than the one before, gzipped as Go serves them), twenty debug=2 goroutine dumps
//! from the goroutine fixture's blocks, and a gctrace synthesised from a real one.
//!
//! `GCLENS_WRITE_INCIDENT=DIR [GCLENS_PROFILE_MB=20] [GCLENS_TRACE_MB=1024] cargo bench
//! --bench report` only writes the big incident into DIR (for `scripts/bench-report`,
//! which times the installed binary on it with its peak memory) and exits.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::report::{ReportOptions, build};
use gclens::parse::heap::proto::Profile;
use prost::Message;
use std::hint::black_box;
use std::io::{Read, Write};
use std::path::Path;

#[path = "support/goroutines_synth.rs"]
mod goroutines_synth;
#[allow(dead_code)] // `widen` is the heap bench's
#[path = "support/heap_widen.rs"]
mod heap_widen;
#[path = "support/synth.rs"]
mod synth;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INCIDENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/incident/go1.27/plain"
);

fn env_mb(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes the big incident into `dir`: its total size in bytes.
fn write_incident(dir: &Path, profile_mb: u64, trace_mb: u64) -> u64 {
    std::fs::create_dir_all(dir).unwrap();
    let mut gz = vec![];
    std::fs::File::open(format!("{INCIDENT}/heap-6.pb.gz"))
        .unwrap()
        .read_to_end(&mut gz)
        .unwrap();
    let mut raw = vec![];
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    let base = Profile::decode(&raw[..]).unwrap();
    let per_copy = base.location.len() as u64 * 24 + base.sample.len() as u64 * 40;
    let copies = (profile_mb << 20) / per_copy.max(1);
    let mut total = 0;
    for k in 1..=20u64 {
        let mut p = heap_widen::deepen(&base, copies, k as i64);
        p.time_nanos = base.time_nanos + (k as i64) * 60_000_000_000;
        let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
        e.write_all(&p.encode_to_vec()).unwrap();
        let bytes = e.finish().unwrap();
        total += bytes.len() as u64;
        std::fs::write(dir.join(format!("heap-{k}.pb.gz")), bytes).unwrap();
        let d = goroutines_synth::dump(2000 + 200 * k as usize);
        total += d.len() as u64;
        std::fs::write(dir.join(format!("goroutine-{k}.txt")), d).unwrap();
    }
    let template = std::fs::read(format!("{INCIDENT}/gctrace.log")).unwrap();
    let cycles = (trace_mb << 20) as usize / 150;
    let trace = synth::synth_trace(&template, cycles);
    total += trace.len() as u64;
    std::fs::write(dir.join("gctrace.log"), trace).unwrap();
    total
}

fn report(paths: &[String]) -> usize {
    let ev = gclens::parse::incident::gather(paths, 1 << 30).unwrap();
    let gc = (!ev.traces.is_empty()).then(|| {
        gclens::analyze::long::Long::default()
            .read(&ev.traces, &|_| Box::new(|_| {}))
            .unwrap()
    });
    let r = build(ev, gc, &ReportOptions::default());
    r.verdict.findings.len()
}

fn benches(c: &mut Criterion) {
    if let Ok(dir) = std::env::var("GCLENS_WRITE_INCIDENT") {
        let total = write_incident(
            Path::new(&dir),
            env_mb("GCLENS_PROFILE_MB", 20),
            env_mb("GCLENS_TRACE_MB", 1024),
        );
        eprintln!("report bench: wrote {total} bytes into {dir}");
        std::process::exit(0);
    }
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    let real: u64 = std::fs::read_dir(INCIDENT)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    g.throughput(Throughput::Bytes(real));
    g.bench_function("incident_fixture", |b| {
        b.iter(|| black_box(report(&[INCIDENT.to_string()])))
    });
    // a smaller big incident than the script's, so that criterion's samples stay short:
    // twenty 2 MB profiles, twenty dumps of 2,000–6,000 goroutines, a 100 MB trace
    let dir = std::env::temp_dir().join(format!("gclens-report-bench-{}", std::process::id()));
    let total = write_incident(&dir, 2, 100);
    eprintln!("report bench: big incident of {total} bytes");
    g.throughput(Throughput::Bytes(total));
    g.bench_function("incident_20_profiles_20_dumps_100MB_trace", |b| {
        b.iter(|| black_box(report(&[dir.display().to_string()])))
    });
    g.finish();
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(report_benches, benches);
criterion_main!(report_benches);
