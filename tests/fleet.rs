//! `gclens fleet` against a real Prometheus (issue 32). A week of series for a dozen Go
//! instances is written in OpenMetrics text as client_golang's Go collector, cAdvisor
//! and kube-state-metrics name them — one leaking, one leaking goroutines, one in a
//! container without GOMEMLIMIT that was OOM-killed, one under `gclens run --metrics`,
//! healthy ones with daily load cycles that must not be called leaks — loaded with
//! `promtool tsdb create-blocks-from openmetrics`, and served by Prometheus on
//! 127.0.0.1. `gclens fleet` must name exactly the planted cases.

mod common;
use common::prom::{self, SKIPPED, free_port, prometheus};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const MIB: f64 = 1048576.0;
const DAY: f64 = 86400.0;
/// Seconds between samples, as a scrape interval.
const EVERY: f64 = 120.0;

/// One instance's story: its labels and its figures at `t` seconds into the week.
struct Planted {
    name: &'static str,
    /// Live heap (MiB).
    live: fn(f64) -> f64,
    goroutines: fn(f64) -> f64,
    gomemlimit: f64,
    container_limit: f64,
    /// Only `gclens_heap_live_bytes` (a program under `gclens run --metrics`).
    gclens_only: bool,
    oom_kills: u32,
}

fn daily(t: f64, base: f64, amp: f64) -> f64 {
    base + amp * (std::f64::consts::TAU * t / DAY).sin()
}

fn planted() -> Vec<Planted> {
    let ok = |name| Planted {
        name,
        live: |t| daily(t, 180.0, 60.0),
        goroutines: |t| daily(t, 300.0, 120.0),
        gomemlimit: 900.0 * MIB,
        container_limit: 1024.0 * MIB,
        gclens_only: false,
        oom_kills: 0,
    };
    let mut v: Vec<Planted> = ["web-0", "web-1", "web-2", "web-3", "search-0", "search-1"]
        .into_iter()
        .map(ok)
        .collect();
    v.push(Planted {
        live: |t| 100.0 + 80.0 * t / DAY + daily(t, 0.0, 20.0),
        ..ok("api-leak")
    });
    v.push(Planted {
        live: |t| daily(t, 120.0, 30.0),
        goroutines: |t| 200.0 + 400.0 * t / DAY,
        ..ok("worker-goroutines")
    });
    v.push(Planted {
        gomemlimit: 9_223_372_036_854_775_807.0,
        container_limit: 2048.0 * MIB,
        oom_kills: 2,
        ..ok("cart-nolimit")
    });
    v.push(Planted {
        live: |t| daily(t, 64.0, 16.0),
        gclens_only: true,
        ..ok("batch-traced")
    });
    v
}

/// The labels of the `k`th instance, as Kubernetes service discovery sets them.
fn labels(k: usize, p: &Planted) -> String {
    format!(
        "job=\"{job}\",instance=\"10.1.0.{k}:8080\",namespace=\"shop\",pod=\"{pod}\",container=\"app\"",
        job = p.name.split('-').next().unwrap(),
        pod = p.name,
    )
}

/// The week in OpenMetrics text, each family's samples together, ending at `end`.
fn openmetrics(end: f64) -> String {
    let ps = planted();
    let start = end - 7.0 * DAY;
    let times: Vec<f64> = (0..)
        .map(|k| start + k as f64 * EVERY)
        .take_while(|t| *t <= end)
        .collect();
    let mut s = String::new();
    let mut family =
        |name: &str, kind: &str, f: &dyn Fn(&Planted, f64) -> Option<f64>, extra: &str| {
            let _ = writeln!(s, "# TYPE {name} {kind}");
            let sample = if kind == "counter" {
                format!("{name}_total")
            } else {
                name.to_string()
            };
            for (k, p) in ps.iter().enumerate() {
                for &t in &times {
                    if let Some(v) = f(p, t - start) {
                        let _ = writeln!(s, "{sample}{{{}{extra}}} {v} {t}", labels(k, p));
                    }
                }
            }
        };
    let go = |p: &Planted| !p.gclens_only;
    // the GC's sawtooth: in use between the live heap and the goal
    let saw = |p: &Planted, t: f64| (p.live)(t) * (1.0 + 0.9 * ((t / 600.0).fract()));
    family(
        "go_memstats_next_gc_bytes",
        "gauge",
        &|p, t| go(p).then(|| (p.live)(t) * 2.0 * MIB),
        "",
    );
    family(
        "go_memstats_heap_inuse_bytes",
        "gauge",
        &|p, t| go(p).then(|| saw(p, t) * MIB),
        "",
    );
    family(
        "go_gc_gogc_percent",
        "gauge",
        &|p, _| go(p).then_some(100.0),
        "",
    );
    family(
        "go_gc_gomemlimit_bytes",
        "gauge",
        &|p, _| go(p).then_some(p.gomemlimit),
        "",
    );
    family(
        "go_goroutines",
        "gauge",
        &|p, t| go(p).then(|| (p.goroutines)(t).round()),
        "",
    );
    family(
        "gclens_heap_live_bytes",
        "gauge",
        &|p, t| p.gclens_only.then(|| (p.live)(t) * MIB),
        "",
    );
    family(
        "container_spec_memory_limit_bytes",
        "gauge",
        &|p, _| Some(p.container_limit),
        "",
    );
    family(
        "container_memory_working_set_bytes",
        "gauge",
        &|p, t| Some(saw(p, t) * 1.3 * MIB),
        "",
    );
    family(
        "kube_pod_container_status_restarts",
        "counter",
        &|p, t| {
            Some(
                (t / (7.0 * DAY / (p.oom_kills as f64 + 1.0)))
                    .floor()
                    .min(p.oom_kills as f64),
            )
        },
        "",
    );
    family(
        "kube_pod_container_status_last_terminated_reason",
        "gauge",
        &|p, t| (p.oom_kills > 0 && t > 3.0 * DAY).then_some(1.0),
        ",reason=\"OOMKilled\"",
    );
    s.push_str("# EOF\n");
    s
}

fn promtool(prom: &Path) -> std::path::PathBuf {
    prom.with_file_name("promtool")
}

/// A Prometheus over the planted week: (server, port, end of the week).
fn serve(prom: &Path, dir: &Path) -> (prom::Server, u16, f64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    // whole hours, an hour back: the head block is left to Prometheus
    let end = (now / 3600.0).floor() * 3600.0 - 3600.0;
    let om = dir.join("week.om");
    std::fs::write(&om, openmetrics(end)).unwrap();
    let st = Command::new(promtool(prom))
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global: {scrape_interval: 1m}\n").unwrap();
    let port = free_port();
    (prom::start(prom, dir, &config, port), port, end)
}

/// `gclens fleet` on the week in `format`: stdout, exit code, stderr.
fn fleet_as(port: u16, end: f64, format: &str, more: &[&str]) -> (String, i32, String) {
    let url = format!("http://127.0.0.1:{port}");
    let end = end.to_string();
    let out = common::gclens()
        .args([
            "fleet",
            "--prometheus",
            &url,
            "--range",
            "7d",
            "--step",
            "5m",
        ])
        .args(["--end", &end, "--format", format])
        .args(more)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        text(&out.stdout),
        out.status.code().unwrap_or(-1),
        text(&out.stderr),
    )
}

/// The JSON document, exit code and stderr.
fn fleet(port: u16, end: f64, more: &[&str]) -> (Value, i32, String) {
    let (out, code, stderr) = fleet_as(port, end, "json", more);
    (
        serde_json::from_str(&out).unwrap_or(Value::Null),
        code,
        stderr,
    )
}

fn pods_where(v: &Value, f: impl Fn(&Value) -> bool) -> Vec<String> {
    let mut p: Vec<String> = v["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| f(x))
        .map(|x| x["labels"]["pod"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[test]
fn fleet_names_exactly_the_planted_cases() {
    let Some(prom) = prometheus() else {
        eprintln!("{SKIPPED}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, port, end) = serve(&prom, dir.path());
    let (v, code, stderr) = fleet(port, end, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(v["schema"], "gclens.fleet/v1");
    assert_eq!(v["instances"], 10, "{v:#}");
    let leak = |x: &Value| x["leak"]["verdict"] == "likely_leak";
    assert_eq!(pods_where(&v, leak), ["api-leak"], "{v:#}");
    assert_eq!(v["verdicts"][0]["labels"]["pod"], "api-leak");
    let growing = |x: &Value| x["goroutines"]["growing"] == true;
    assert_eq!(pods_where(&v, growing), ["worker-goroutines"]);
    let flag = |code: &'static str| {
        move |x: &Value| {
            x["flags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == code)
        }
    };
    assert_eq!(pods_where(&v, flag("no_gomemlimit")), ["cart-nolimit"]);
    assert_eq!(pods_where(&v, flag("oom_killed")), ["cart-nolimit"]);
    let quiet = |x: &Value| {
        x["leak"]["verdict"] == "no_leak_signal" && x["flags"].as_array().unwrap().is_empty()
    };
    assert_eq!(
        pods_where(&v, quiet),
        [
            "batch-traced",
            "search-0",
            "search-1",
            "web-0",
            "web-1",
            "web-2",
            "web-3",
            "worker-goroutines"
        ]
    );
    // each instance says which live-heap series it was judged on
    let traced = pods_where(&v, |x| x["live_source"] == "gctrace_live");
    assert_eq!(traced, ["batch-traced"]);
    let leaking = &v["verdicts"][0];
    assert_eq!(leaking["live_source"], "goal_over_gogc");
    let slope_h = leaking["trend"]["slope_mib_per_min"].as_f64().unwrap() * 60.0;
    assert!((slope_h - 80.0 / 24.0).abs() < 0.5, "{slope_h} MiB/h");
    // from ~650 MiB to its 900 MiB GOMEMLIMIT at 3.3 MiB/h: about three days
    let hours = leaking["hours_to_budget"].as_f64().unwrap();
    assert!((60.0..90.0).contains(&hours), "{hours} h");

    // the gate, and the other formats
    let (_, code, _) = fleet(port, end, &["--fail-on", "leak"]);
    assert_eq!(code, 1);
    let (_, code, _) = fleet(
        port,
        end,
        &["--match", "{job=\"web\"}", "--fail-on", "settings"],
    );
    assert_eq!(code, 0);
    let (text, code, _) = fleet_as(port, end, "text", &[]);
    assert_eq!(code, 0);
    eprintln!("{text}");
    assert!(text.starts_with("10 Go instance(s): 1 leaking"), "{text}");
    assert!(
        text.contains(
            "no_gomemlimit: runs in a 2 GiB container without GOMEMLIMIT: set GOMEMLIMIT=1843MiB"
        ),
        "{text}"
    );
    let (md, _, _) = fleet_as(port, end, "markdown", &["--top", "3"]);
    assert!(md.contains("| instance | verdict | live heap |"), "{md}");
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        4,
        "{md}"
    );
    assert!(md.contains("<details>") && md.contains("api-leak"), "{md}");
    let (csv, _, _) = fleet_as(port, end, "csv", &[]);
    assert_eq!(csv.lines().count(), 11);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("api-leak,app,likely_leak"),
        "{csv}"
    );
    // a batch of one asks once per instance and finds the same
    let (one, _, _) = fleet(port, end, &["--batch", "1"]);
    assert_eq!(one["verdicts"], v["verdicts"]);
}

#[test]
fn prometheus_errors_are_one_clear_line() {
    let dead = free_port();
    let (_, code, stderr) = fleet(dead, 1.7e9, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nothing answers at 127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("is Prometheus running there?"), "{stderr}");
    let (_, code, stderr) = fleet(dead, 1.7e9, &["--match", "job=\"x\""]);
    assert_eq!(code, 2);
    assert!(stderr.contains("give label matchers in braces"), "{stderr}");
    let Some(prom) = prometheus() else {
        eprintln!("{SKIPPED}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global: {scrape_interval: 1m}\n").unwrap();
    let port = free_port();
    let _server = prom::start(&prom, dir.path(), &config, port);
    // a query Prometheus refuses, with its own words
    let (_, code, stderr) = fleet(port, 1.7e9, &["--match", "{job=~\"(\"}"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HTTP 400: Prometheus refused the query: bad_data"),
        "{stderr}"
    );
    // not the API's base URL
    let url = format!("http://127.0.0.1:{port}/nothere/");
    let out = common::gclens()
        .args(["fleet", "--prometheus", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("HTTP 404: no Prometheus API there"),
        "{stderr}"
    );
    // nothing matches: exit 1, said why
    let (_, code, stderr) = fleet(port, 1.7e9, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no Go instance matches {}"), "{stderr}");
}

/// `gclens fleet rules`: Prometheus takes the file (`promtool check rules`) and its
/// alerts fire for exactly the planted cases of `fixtures/prometheus/fleet-rules.test.yml`
/// (`promtool test rules`): a leak, goroutines that never end, no GOMEMLIMIT under a
/// limit, GOMEMLIMIT above it and a live heap near it; a daily load cycle never.
#[test]
fn the_rules_pass_promtool_and_their_own_tests() {
    let Some(prom) = prometheus() else {
        eprintln!("{SKIPPED}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = d.join("gclens-rules.yml");
    common::gclens()
        .args(["fleet", "rules", "-o", rules.to_str().unwrap()])
        .assert()
        .success();
    let test = d.join("fleet-rules.test.yml");
    std::fs::copy(
        common::path("fixtures/prometheus/fleet-rules.test.yml"),
        &test,
    )
    .unwrap();
    let promtool = |args: &[&std::ffi::OsStr]| {
        let out = Command::new(promtool(&prom)).args(args).output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "promtool {args:?}: {said}");
    };
    promtool(&["check".as_ref(), "rules".as_ref(), rules.as_os_str()]);
    promtool(&["test".as_ref(), "rules".as_ref(), test.as_os_str()]);
    // other options make rules Prometheus takes too
    let other = d.join("shop.yml");
    common::gclens()
        .args([
            "fleet",
            "rules",
            "--match",
            "{namespace=\"shop\",job=~\"api|cart\"}",
        ])
        .args([
            "--window",
            "12h",
            "--for",
            "30m",
            "-o",
            other.to_str().unwrap(),
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(&other).unwrap();
    assert!(
        text.contains("go_goroutines{namespace=\"shop\",job=~\"api|cart\"}[1h]"),
        "{text}"
    );
    assert!(
        text.contains("deriv(gclens:go_live_heap_floor_bytes:1h[12h])"),
        "{text}"
    );
    promtool(&["check".as_ref(), "rules".as_ref(), other.as_os_str()]);
}
