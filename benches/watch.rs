//! Forwarding throughput of the live splitter (what `gclens watch` does per byte) on a
//! mostly-foreign stream, in the 256 KiB chunks the reader thread hands over; and the
//! same through the session's monitor with and without `--metrics` (issue 20: serving
//! metrics must not slow forwarding).

#[path = "support/foreign.rs"]
mod foreign;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::live::metrics::Metrics;
use gclens::live::{Forward, Monitor, Splitter};
use gclens::parse::Builder;
use std::hint::black_box;
use std::time::Instant;

const TRACE: &[u8] = b"gc 549 @0.755s 5%: 0.008+0.16+0.037 ms clock, 0.016+0.026/0.031/0.009+0.074 ms cpu, 28->28->14 MB, 29 MB goal, 0 MB stacks, 0 MB globals, 2 P";

fn benches(c: &mut Criterion) {
    let data = foreign::service_log(TRACE, 64 << 20);
    let mut g = c.benchmark_group("watch");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("forward_mostly_foreign_64MiB", |b| {
        b.iter(|| {
            let mut s = Splitter::new(Forward::Foreign);
            let mut sink = Builder::new(0);
            let mut out = std::io::sink();
            for chunk in data.chunks(256 << 10) {
                s.push(chunk, Instant::now(), &mut sink, &mut out).unwrap();
            }
            s.finish(&mut sink, &mut out).unwrap();
            black_box((s.forwarded, sink.cycles()))
        })
    });
    for metrics in [false, true] {
        let name = if metrics {
            "forward_monitor_metrics_64MiB"
        } else {
            "forward_monitor_64MiB"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut s = Splitter::new(Forward::Foreign);
                let mut m = Monitor::new(0);
                let mut x = metrics.then(|| Metrics::new(&[("service".into(), "api".into())]));
                let mut out = std::io::sink();
                for chunk in data.chunks(256 << 10) {
                    s.push(chunk, Instant::now(), &mut m.builder, &mut out)
                        .unwrap();
                    if let Some(x) = &mut x {
                        x.observe(&m);
                    }
                    m.bound();
                }
                s.finish(&mut m.builder, &mut out).unwrap();
                black_box((s.forwarded, m.total_cycles()))
            })
        });
    }
    g.finish();
}

// Criterion's own report plots would need a system font (see benches/parse.rs).
criterion_group! {
    name = watch;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(watch);
