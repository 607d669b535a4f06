//! `gclens run --metrics` scraped by a real Prometheus (issue 20): the test starts a
//! Prometheus server (Debian's package, which `scripts/test` installs when it can; the
//! test says it skipped where there is none), runs a real Go program under `gclens run`
//! with the trace teed to a file, and compares what Prometheus stored (through its HTTP
//! API) with what `gclens gc` reads from the same trace.

mod common;
use common::prom::{self, SKIPPED, encode, free_port, get, prometheus};
use common::{ROOT, bin};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// An instant query (at `time`, Unix seconds, or now): the API's answer.
fn query_at(port: u16, q: &str, time: Option<f64>) -> Value {
    let at = time.map_or(String::new(), |t| format!("&time={t:.3}"));
    let (status, body) = get(port, &format!("/api/v1/query?query={}{at}", encode(q))).unwrap();
    assert_eq!(status, 200, "{q}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// An instant query now: the one series' labels and value.
fn query(port: u16, q: &str) -> (Value, f64) {
    let v = query_at(port, q, None);
    let body = v.to_string();
    let r = &v["data"]["result"];
    assert_eq!(r.as_array().map(Vec::len), Some(1), "{q}: {body}");
    let x = r[0]["value"][1].as_str().unwrap().parse().unwrap();
    (r[0]["metric"].clone(), x)
}

fn gcload(dir: &Path) -> PathBuf {
    let out = dir.join("gcload");
    let st = common::go_command()
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(Path::new(ROOT).join("fixtures/programs/gcload"))
        .env("GOCACHE", dir.join("gocache"))
        .status()
        .unwrap();
    assert!(st.success());
    out
}

/// Kills the server when the test ends, however it ends.
#[test]
fn prometheus_scrapes_gclens_run_and_agrees_with_gclens_gc() {
    let Some(prom) = prometheus() else {
        eprintln!("{SKIPPED}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let program = gcload(tmp.path());
    let (gport, pport) = (free_port(), free_port());
    let config = tmp.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{scrape_interval: 1s, scrape_timeout: 1s}}\n\
             scrape_configs:\n  - job_name: gclens\n    static_configs: [{{targets: ['127.0.0.1:{gport}']}}]\n"
        ),
    )
    .unwrap();
    let _server = prom::start(&prom, tmp.path(), &config, pport);

    // a paced service for 10 s, scraped every second or two; the trace teed to a file
    let trace = tmp.path().join("trace.log");
    let st = Command::new(bin())
        .args(["run", "--no-status", "--tee", "--metrics"])
        .arg(format!("127.0.0.1:{gport}"))
        .args(["--metrics-labels", "service=probe,pod=probe-0", "--"])
        .arg(&program)
        .args([
            "-mode", "service", "-live", "16", "-rate", "100", "-d", "10s",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&trace).unwrap())
        .status()
        .unwrap();
    assert!(st.success());
    let ended = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    std::thread::sleep(Duration::from_secs(2)); // a scrape after the end: the target is down

    // what Prometheus kept of the last scrape, against the trace read by `gclens gc`
    let (labels, n) = query(pport, "last_over_time(gclens_gc_cycles_total[5m])");
    assert_eq!(labels["service"], "probe", "{labels}");
    assert_eq!(labels["pod"], "probe-0", "{labels}");
    assert_eq!(labels["job"], "gclens", "{labels}");
    let o = Command::new(bin())
        .args(["gc", "--format", "json"])
        .arg(&trace)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let cycles = doc["cycles"].as_array().unwrap();
    let n = n as usize;
    assert!(
        n >= 5 && n <= cycles.len(),
        "{n} scraped of {}",
        cycles.len()
    );
    let at = &cycles[n - 1];
    let mib = |k: &str| at[k].as_f64().unwrap() * 1048576.0;
    let last = |m: &str| query(pport, &format!("last_over_time({m}[5m])")).1;
    assert_eq!(last("gclens_heap_live_bytes"), mib("heap_live_mib"));
    assert_eq!(last("gclens_heap_goal_bytes"), mib("goal_mib"));
    assert_eq!(last("gclens_heap_start_bytes"), mib("heap_before_mib"));
    assert_eq!(last("gclens_gomaxprocs"), at["procs"].as_f64().unwrap());
    assert_eq!(last("gclens_gc_pause_seconds_count"), n as f64);
    // sums over the scraped cycles: the trace's ms against the scraped seconds
    for (metric, key) in [
        ("gclens_gc_cpu_seconds_total", "gc_cpu_ms"),
        ("gclens_gc_pause_seconds_sum", "pause_ms"),
    ] {
        let trace: f64 = cycles[..n]
            .iter()
            .map(|c| c[key].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / 1000.0;
        let scraped = last(metric);
        assert!(
            (scraped - trace).abs() < 1e-6,
            "{metric} {scraped} s scraped, {key} {trace} s in the trace"
        );
    }
    // the steady service: no leak, a GC CPU share like the report's
    assert_eq!(last("gclens_leak_verdict"), 0.0);
    assert_eq!(query(pport, "max_over_time(up{job=\"gclens\"}[5m])").1, 1.0);
    // a quantile from the histogram, as the dashboard draws it
    let (_, p99) = query(
        pport,
        "histogram_quantile(0.99, sum by (le) (last_over_time(gclens_gc_pause_seconds_bucket[5m])))",
    );
    assert!(p99 > 0.0 && p99 < 1.0, "{p99}");

    // every query of the Grafana dashboard parses and finds the series, evaluated when the
    // program ended (before the failed scrape that marks the series stale; its variables
    // as Grafana fills them for "All", the rate window over the whole run: this Prometheus
    // scrapes about every 2 s although asked for 1 s)
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("docs/grafana/gclens-dashboard.json"))
            .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            let expr = t["expr"]
                .as_str()
                .unwrap()
                .replace("$job", ".*")
                .replace("$instance", ".*")
                .replace("$__rate_interval", "1m")
                .replace("$__range", "1m");
            let v = query_at(pport, &expr, Some(ended));
            assert_eq!(v["status"], "success", "{expr}: {v}");
            let r = v["data"]["result"].as_array().unwrap();
            if r.is_empty() {
                let around =
                    |q: &str| query_at(pport, q, Some(ended))["data"]["result"].to_string();
                panic!(
                    "{} ({expr}): no series; samples in the last minute: restarts {}, skipped {}, cycles {}; ended {ended}",
                    panel["title"],
                    around("count_over_time(gclens_restarts_total[1m])"),
                    around("count_over_time(gclens_lines_skipped_total[1m])"),
                    around("count_over_time(gclens_gc_cycles_total[1m])"),
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} dashboard queries");

    // `gclens fleet` finds the program by what `gclens run --metrics` exported: its live
    // heap from the gctrace itself, steady
    let o = Command::new(bin())
        .args([
            "fleet",
            "--prometheus",
            &format!("http://127.0.0.1:{pport}"),
        ])
        .args(["--range", "1m", "--step", "1s", "--end", &ended.to_string()])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fleet: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(fleet["instances"], 1, "{fleet:#}");
    let v = &fleet["verdicts"][0];
    assert_eq!(v["labels"]["job"], "gclens", "{v:#}");
    assert_eq!(v["live_source"], "gctrace_live", "{v:#}");
    assert_ne!(v["leak"]["verdict"], "likely_leak", "{v:#}");
    assert!(v["gc"]["cpu_ratio"].as_f64().is_some(), "{v:#}");
}
