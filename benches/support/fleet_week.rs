//! A week of a Go fleet's series in OpenMetrics text, as client_golang's Go collector,
//! gclens (`run --metrics`), cAdvisor and kube-state-metrics name them, for
//! `promtool tsdb create-blocks-from openmetrics`: the planted cases of `tests/fleet.rs`
//! (a leak, goroutines that never end, no GOMEMLIMIT in a container that was OOM-killed,
//! a program under `gclens run --metrics`, healthy ones with daily load cycles), and a
//! fleet of any size made of them for `scripts/bench-fleet`.

use std::fmt::Write as _;
use std::io::{self, Write};

pub const MIB: f64 = 1048576.0;
pub const DAY: f64 = 86400.0;

/// One instance's story: its name (its job is what comes before the first `-`) and its
/// figures at `t` seconds into the week.
pub struct Planted {
    pub name: String,
    /// Live heap (MiB).
    pub live: fn(f64) -> f64,
    pub goroutines: fn(f64) -> f64,
    pub gomemlimit: f64,
    pub container_limit: f64,
    /// Only `gclens_heap_live_bytes` (a program under `gclens run --metrics`).
    pub gclens_only: bool,
    pub oom_kills: u32,
}

fn daily(t: f64, base: f64, amp: f64) -> f64 {
    base + amp * (std::f64::consts::TAU * t / DAY).sin()
}

fn ok(name: &str) -> Planted {
    Planted {
        name: name.to_string(),
        live: |t| daily(t, 180.0, 60.0),
        goroutines: |t| daily(t, 300.0, 120.0),
        gomemlimit: 900.0 * MIB,
        container_limit: 1024.0 * MIB,
        gclens_only: false,
        oom_kills: 0,
    }
}

/// The instance of kind `kind % 10` named `name`: six healthy kinds, then the leak, the
/// goroutines, the container without GOMEMLIMIT, the traced program.
fn kind(kind: usize, name: &str) -> Planted {
    match kind % 10 {
        6 => Planted {
            live: |t| 100.0 + 80.0 * t / DAY + daily(t, 0.0, 20.0),
            ..ok(name)
        },
        7 => Planted {
            live: |t| daily(t, 120.0, 30.0),
            goroutines: |t| 200.0 + 400.0 * t / DAY,
            ..ok(name)
        },
        8 => Planted {
            gomemlimit: 9_223_372_036_854_775_807.0,
            container_limit: 2048.0 * MIB,
            oom_kills: 2,
            ..ok(name)
        },
        9 => Planted {
            live: |t| daily(t, 64.0, 16.0),
            gclens_only: true,
            ..ok(name)
        },
        _ => ok(name),
    }
}

/// The planted instances of `tests/fleet.rs`: the ten kinds, and twenty more healthy.
pub fn planted() -> Vec<Planted> {
    [
        "web-0",
        "web-1",
        "web-2",
        "web-3",
        "search-0",
        "search-1",
        "api-leak",
        "worker-goroutines",
        "cart-nolimit",
        "batch-traced",
    ]
    .iter()
    .enumerate()
    .map(|(k, n)| kind(k, n))
    // and twenty more healthy ones with daily load cycles: a few dozen in all
    .chain((0..20).map(|k| kind(0, &format!("shop-{k}"))))
    .collect()
}

/// `n` instances, a tenth of each kind (`svc-K`).
pub fn fleet(n: usize) -> Vec<Planted> {
    (0..n).map(|k| kind(k, &format!("svc-{k}"))).collect()
}

/// The labels of the `k`th instance, as Kubernetes service discovery sets them.
fn labels(k: usize, p: &Planted) -> String {
    format!(
        "job=\"{job}\",instance=\"10.{a}.{b}.{c}:8080\",namespace=\"shop\",pod=\"{pod}\",container=\"app\"",
        job = p.name.split('-').next().unwrap_or("go"),
        a = 1 + k / 65536,
        b = k / 256 % 256,
        c = k % 256,
        pod = p.name,
    )
}

type Figure<'a> = dyn Fn(&Planted, f64) -> Option<f64> + 'a;

/// The week ending at `end` (Unix seconds), a sample every `every` seconds, each
/// family's samples together, into `out`.
pub fn write_week(out: &mut dyn Write, ps: &[Planted], end: f64, every: f64) -> io::Result<()> {
    let start = end - 7.0 * DAY;
    let at = |every: f64| -> Vec<f64> {
        (0..)
            .map(|k| start + k as f64 * every)
            .take_while(|t| *t <= end)
            .collect()
    };
    // what `fleet` reads as a series every `every` seconds; what it reads only at the
    // ends of the range (settings, limits, counters) every six hours
    let (dense, sparse) = (at(every), at(21600.0_f64.max(every)));
    let series = [
        "go_memstats_next_gc_bytes",
        "go_memstats_heap_inuse_bytes",
        "go_goroutines",
        "gclens_heap_live_bytes",
        // its peak is what counts, and the peaks come between the hours
        "container_memory_working_set_bytes",
    ];
    let go = |p: &Planted| !p.gclens_only;
    // the GC's sawtooth: in use between the live heap and the goal
    let saw = |p: &Planted, t: f64| (p.live)(t) * (1.0 + 0.9 * ((t / 600.0).fract()));
    let restarts = |p: &Planted, t: f64| {
        (t / (7.0 * DAY / (p.oom_kills as f64 + 1.0)))
            .floor()
            .min(p.oom_kills as f64)
    };
    // a cycle every 10 s, 0.2 ms of pause each on average, 0.5 ms at most
    let cycles = |t: f64| (t / 10.0).floor();
    let families: [(&str, &str, &Figure, &str); 13] = [
        (
            "go_memstats_next_gc_bytes",
            "gauge",
            &|p, t| go(p).then(|| (p.live)(t) * 2.0 * MIB),
            "",
        ),
        (
            "go_memstats_heap_inuse_bytes",
            "gauge",
            &|p, t| go(p).then(|| saw(p, t) * MIB),
            "",
        ),
        (
            "go_gc_gogc_percent",
            "gauge",
            &|p, _| go(p).then_some(100.0),
            "",
        ),
        (
            "go_gc_gomemlimit_bytes",
            "gauge",
            &|p, _| go(p).then_some(p.gomemlimit),
            "",
        ),
        (
            "go_goroutines",
            "gauge",
            &|p, t| go(p).then(|| (p.goroutines)(t).round()),
            "",
        ),
        (
            "go_gc_duration_seconds",
            "summary",
            &|p, _| go(p).then_some(0.0005),
            ",quantile=\"1\"",
        ),
        (
            "go_gc_duration_seconds_sum",
            "summary",
            &|p, t| go(p).then(|| cycles(t) * 0.0002),
            "",
        ),
        (
            "go_gc_duration_seconds_count",
            "summary",
            &|p, t| go(p).then(|| cycles(t)),
            "",
        ),
        (
            "gclens_heap_live_bytes",
            "gauge",
            &|p, t| p.gclens_only.then(|| (p.live)(t) * MIB),
            "",
        ),
        (
            "container_spec_memory_limit_bytes",
            "gauge",
            &|p, _| Some(p.container_limit),
            "",
        ),
        (
            "container_memory_working_set_bytes",
            "gauge",
            &|p, t| Some(saw(p, t) * 1.3 * MIB),
            "",
        ),
        (
            "kube_pod_container_status_restarts",
            "counter",
            &|p, t| Some(restarts(p, t)),
            "",
        ),
        (
            "kube_pod_container_status_last_terminated_reason",
            "gauge",
            &|p, t| (p.oom_kills > 0 && t > 3.0 * DAY).then_some(1.0),
            ",reason=\"OOMKilled\"",
        ),
    ];
    let mut line = String::new();
    for (name, kind, f, extra) in families {
        // a summary's _sum and _count follow its quantiles under one TYPE line
        if !name.ends_with("_sum") && !name.ends_with("_count") {
            writeln!(out, "# TYPE {name} {kind}")?;
        }
        let sample = if kind == "counter" {
            format!("{name}_total")
        } else {
            name.to_string()
        };
        for (k, p) in ps.iter().enumerate() {
            let l = labels(k, p);
            let times = if series.contains(&name) {
                &dense
            } else {
                &sparse
            };
            for &t in times {
                if let Some(v) = f(p, t - start) {
                    line.clear();
                    let _ = writeln!(line, "{sample}{{{l}{extra}}} {v} {t}");
                    out.write_all(line.as_bytes())?;
                }
            }
        }
    }
    out.write_all(b"# EOF\n")
}

/// The planted week, a sample every two minutes, as text.
pub fn openmetrics(end: f64) -> String {
    let mut v = vec![];
    write_week(&mut v, &planted(), end, 120.0).expect("writing to memory");
    String::from_utf8(v).expect("UTF-8")
}
