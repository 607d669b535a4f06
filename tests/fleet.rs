//! `gclens fleet` against a real Prometheus (issue 32). A week of series for a dozen Go
//! instances is written in OpenMetrics text as client_golang's Go collector, cAdvisor
//! and kube-state-metrics name them — one leaking, one leaking goroutines, one in a
//! container without GOMEMLIMIT that was OOM-killed, one under `gclens run --metrics`,
//! healthy ones with daily load cycles that must not be called leaks — loaded with
//! `promtool tsdb create-blocks-from openmetrics`, and served by Prometheus on
//! 127.0.0.1. `gclens fleet` must name exactly the planted cases.

mod common;
use common::docs;
use common::prom::{self, SKIPPED, free_port, prometheus};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[path = "../benches/support/fleet_week.rs"]
#[allow(dead_code)] // a fleet of any size is for scripts/bench-fleet
mod fleet_week;
use fleet_week::openmetrics;

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
    assert_eq!(v["instances"], 30, "{v:#}");
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
    // the leak's sawtooth peaks past its container's limit already
    assert_eq!(pods_where(&v, flag("working_set_near_limit")), ["api-leak"]);
    let cart = v["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["labels"]["pod"] == "cart-nolimit")
        .unwrap();
    assert_eq!(cart["advised_gomemlimit_bytes"], 1843.0 * 1048576.0);
    let quiet = |x: &Value| {
        x["leak"]["verdict"] == "no_leak_signal" && x["flags"].as_array().unwrap().is_empty()
    };
    assert_eq!(
        pods_where(&v, quiet),
        pods_where(&v, |x| {
            !["api-leak", "cart-nolimit"].contains(&x["labels"]["pod"].as_str().unwrap())
        })
    );
    assert_eq!(pods_where(&v, quiet).len(), 28);
    // each instance says which live-heap series it was judged on
    let traced = pods_where(&v, |x| x["live_source"] == "gctrace_live");
    assert_eq!(traced, ["batch-traced"]);
    let leaking = &v["verdicts"][0];
    assert_eq!(leaking["live_source"], "goal_over_gogc");
    let slope_h = leaking["trend"]["slope_mib_per_min"].as_f64().unwrap() * 60.0;
    assert!((slope_h - 80.0 / 24.0).abs() < 0.5, "{slope_h} MiB/h");
    // the GC's pauses and pace from go_gc_duration_seconds; its CPU only from gclens
    let gc = &leaking["gc"];
    assert_eq!(gc["pause_max_s"], 0.0005);
    assert!(
        (gc["pause_mean_s"].as_f64().unwrap() - 0.0002).abs() < 1e-9,
        "{gc}"
    );
    assert!(
        (gc["cycles_per_min"].as_f64().unwrap() - 6.0).abs() < 0.1,
        "{gc}"
    );
    assert_eq!(gc["cpu_ratio"], Value::Null);
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
    assert!(text.starts_with("30 Go instance(s): 1 leaking"), "{text}");
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
    assert_eq!(csv.lines().count(), 31);
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

    // the book's examples (docs/commands/fleet.md, tests/docs.rs leaves them here) against
    // this Prometheus, their "now" the planted week's end
    let replace = [(
        docs::PROMETHEUS.to_string(),
        format!("http://127.0.0.1:{port} --end {end}"),
    )];
    let wd = docs::workdir();
    let mut shown = 0;
    for e in docs::console_examples()
        .iter()
        .filter(|e| docs::needs_prometheus(e))
    {
        shown += 1;
        docs::check(e, wd.path(), &replace).unwrap_or_else(|why| panic!("{why}"));
    }
    assert!(shown >= 1, "no fleet example found in the documents");
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

/// Kills a program when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Live: a real Prometheus scraping real Go programs (`fixtures/programs/gometrics`, the
/// Go collector's names read from the runtime) every second: one that keeps 4 MiB a
/// second, one whose goroutines never end, one steady. Half a minute later `gclens
/// fleet` over the last minute names the two.
#[test]
fn fleet_judges_go_programs_prometheus_scrapes() {
    let Some(prom) = prometheus() else {
        eprintln!("{SKIPPED}");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let program = d.join("gometrics");
    let st = common::go_command()
        .args(["build", "-o"])
        .arg(&program)
        .arg(".")
        .current_dir(common::path("fixtures/programs/gometrics"))
        .env("GOCACHE", d.join("gocache"))
        .status()
        .unwrap();
    assert!(st.success());
    let kinds = [
        ("leaking", "-leak=4"),
        ("stuck", "-goroutines=60"),
        ("steady", "-leak=0"),
    ];
    let mut targets = vec![];
    let mut running = vec![];
    for (job, flag) in kinds {
        let port = free_port();
        targets.push(format!(
            "{{targets: ['127.0.0.1:{port}'], labels: {{job: {job}}}}}"
        ));
        running.push(Running(
            Command::new(&program)
                .arg(format!("-addr=127.0.0.1:{port}"))
                .arg(flag)
                .spawn()
                .unwrap(),
        ));
    }
    // the fleet rules evaluated every second, for the fleet dashboard's panels
    let rules = d.join("gclens-rules.yml");
    common::gclens()
        .args(["fleet", "rules", "-o", rules.to_str().unwrap()])
        .assert()
        .success();
    let config = d.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
             rule_files: ['{}']\n\
             scrape_configs:\n  - job_name: go\n    static_configs: [{}]\n",
            rules.display(),
            targets.join(", ")
        ),
    )
    .unwrap();
    let port = free_port();
    let _server = prom::start(&prom, d, &config, port);
    std::thread::sleep(std::time::Duration::from_secs(30));
    let url = format!("http://127.0.0.1:{port}");
    let out = common::ok(&[
        "fleet",
        "--prometheus",
        &url,
        "--range",
        "1m",
        "--step",
        "1s",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let by_job = |job: &str| {
        v["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["labels"]["job"] == job)
            .unwrap_or_else(|| panic!("no {job} in {v:#}"))
            .clone()
    };
    assert_eq!(v["instances"], 3, "{v:#}");
    let leaking = by_job("leaking");
    assert_eq!(leaking["leak"]["verdict"], "likely_leak", "{leaking:#}");
    assert_eq!(leaking["live_source"], "goal_over_gogc");
    let slope_s = leaking["trend"]["slope_mib_per_min"].as_f64().unwrap() / 60.0;
    assert!(
        (2.0..6.0).contains(&slope_s),
        "{slope_s} MiB/s kept, 4 asked"
    );
    assert_eq!(by_job("stuck")["goroutines"]["growing"], true);
    let steady = by_job("steady");
    assert_eq!(steady["leak"]["verdict"], "no_leak_signal", "{steady:#}");
    assert_eq!(steady["goroutines"]["growing"], false);
    // GOGC as the runtime reports it; no GOMEMLIMIT set, and no container to hold it to
    assert_eq!(steady["gogc"], 100.0);
    assert_eq!(steady["gomemlimit_bytes"], Value::Null);
    assert!(steady["flags"].as_array().unwrap().is_empty());
    assert!(
        steady["gc"]["cycles_per_min"].as_f64().unwrap() > 1.0,
        "{steady:#}"
    );

    // every query of the fleet dashboard parses and finds the recorded series (the
    // alerts' table only once one is pending: none is in half a minute)
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(common::path("docs/grafana/gclens-fleet-dashboard.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            let expr = t["expr"].as_str().unwrap().replace("$job", ".*");
            let path = format!("/api/v1/query?query={}", prom::encode(&expr));
            let (status, body) = prom::get(port, &path).unwrap();
            assert_eq!(status, 200, "{expr}: {body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            let found = v["data"]["result"].as_array().unwrap().len();
            if panel["title"] != "Alerts" {
                assert!(found > 0, "{} ({expr}): no series", panel["title"]);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
    drop(running);
}

/// What a Prometheus (or what stands in front of it) answers when things go wrong, from
/// a small server: each a clear line and exit 2, credentials never shown.
#[test]
fn every_prometheus_failure_is_one_clear_line() {
    use common::fake::{Answer, http, serve};
    let json = "application/json";
    let cases: Vec<(Answer, &str)> = vec![
        (
            Answer::Bytes(http("401 Unauthorized", "text/plain", b"Unauthorized\n")),
            "HTTP 401: not allowed: give credentials with --header",
        ),
        (
            Answer::Bytes(http(
                "503 Service Unavailable",
                json,
                br#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#,
            )),
            "HTTP 503: Prometheus gave up on the query (timeout or overload): try a shorter --range, a coarser --step or a smaller --batch: timeout: query timed out",
        ),
        (
            Answer::Bytes(http(
                "422 Unprocessable Entity",
                json,
                br#"{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}"#,
            )),
            "HTTP 422: Prometheus refused the query: execution: query processing would load too many samples",
        ),
        (
            Answer::Bytes(http("200 OK", "text/html", b"<!DOCTYPE html><html>Sign in</html>")),
            "the answer is not the Prometheus API's JSON",
        ),
        (
            Answer::Stall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{".to_vec()),
            "did not answer in time",
        ),
        (
            Answer::Bytes(http("200 OK", json, &vec![b' '; 100_000])),
            "/api/v1/series: the response is bigger than 65536 bytes (the input limit; --max-input SIZE raises it)",
        ),
    ];
    for (answer, says) in cases {
        let answer = std::sync::Mutex::new(Some(answer));
        let addr = serve(move |_, _, _| {
            answer.lock().unwrap().take().unwrap_or(Answer::Bytes(http(
                "500 Internal Server Error",
                "text/plain",
                b"",
            )))
        });
        let out = common::gclens()
            .args(["fleet", "--prometheus", &format!("http://{addr}")])
            .args([
                "--timeout",
                "1s",
                "--header",
                "Authorization: Bearer s3cret",
            ])
            .args(["--max-input", "64KiB"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{says}: {stderr}");
        assert!(stderr.contains(says), "want {says:?}, got {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!stderr.contains("s3cret"), "{stderr}");
    }
}
