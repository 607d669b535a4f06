//! `gclens fleet`'s own share of the work (Prometheus's is measured by
//! `scripts/bench-fleet`): decoding a batch's range-query answer (40 instances × a week
//! at a 1-minute step, 10,080 points each, in the API's JSON) and judging the instances.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gclens::analyze::fleet::judge;
use gclens::model::fleet::{Instance, LiveSource, key_of};
use std::fmt::Write as _;
use std::hint::black_box;

const POINTS: usize = 10_080;
const BATCH: usize = 40;

/// A matrix answer as Prometheus writes it: the live heap of `BATCH` instances, half
/// of them growing.
fn answer() -> Vec<u8> {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for k in 0..BATCH {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"metric":{{"job":"svc","instance":"10.0.0.{k}:8080","namespace":"shop","pod":"svc-{k}","container":"app"}},"values":["#
        );
        for i in 0..POINTS {
            let t = 1_764_547_200 + i * 60;
            let day = (i as f64 / 1440.0 * std::f64::consts::TAU).sin();
            let grow = if k % 2 == 0 { i as f64 * 8000.0 } else { 0.0 };
            let v = (200.0e6 + 50.0e6 * day + grow).round();
            let _ = write!(s, "{}[{t},\"{v}\"]", if i > 0 { "," } else { "" });
        }
        s.push_str("]}");
    }
    s.push_str("]}}");
    s.into_bytes()
}

fn benches(c: &mut Criterion) {
    let body = answer();
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("matrix_40x10080", |b| {
        b.iter(|| black_box(gclens::parse::prom_api::matrix(&body).unwrap().len()))
    });
    let instances: Vec<Instance> = gclens::parse::prom_api::matrix(&body)
        .unwrap()
        .into_iter()
        .map(|s| Instance {
            labels: key_of(&s.labels),
            live: Some((LiveSource::GoalOverGogc, s.points.clone())),
            goroutines: s.points.iter().map(|(t, v)| (*t, v / 1e6)).collect(),
            ..Instance::default()
        })
        .collect();
    g.throughput(Throughput::Elements(instances.len() as u64));
    g.bench_function("judge_40_instances", |b| {
        b.iter(|| {
            black_box(
                instances
                    .iter()
                    .map(|i| judge(i, Some(1e9)).flags.len())
                    .sum::<usize>(),
            )
        })
    });
    g.finish();
}

// Criterion's own report plots would need a system font; the numbers are what matter.
criterion_group! {
    name = fleet;
    config = Criterion::default().without_plots();
    targets = benches
}
criterion_main!(fleet);
