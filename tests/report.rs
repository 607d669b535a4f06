//! `gclens report` on real incident records (`fixtures/incident/`, made by
//! `fixtures/programs/incident` under Go 1.21 and 1.27, plain and `-trimpath`, captured
//! over its own pprof and expvar endpoints): the verdict against the program's truth in
//! every build, golden reports in every format, partial evidence, and bad input set
//! aside by name.

mod common;
use common::{ROOT, gclens, ok, run};
use serde_json::Value;

const INCIDENTS: [&str; 4] = [
    "fixtures/incident/go1.21/plain",
    "fixtures/incident/go1.21/trimpath",
    "fixtures/incident/go1.27/plain",
    "fixtures/incident/go1.27/trimpath",
];

fn json(args: &[&str]) -> Value {
    let mut a = vec!["report", "--format", "json"];
    a.extend(args);
    serde_json::from_str(&ok(&a)).unwrap()
}

fn truth(dir: &str) -> Value {
    let t: Value =
        serde_json::from_slice(&std::fs::read(format!("{ROOT}/{dir}/truth.json")).unwrap())
            .unwrap();
    t.as_array().unwrap().last().unwrap().clone()
}

fn kinds(v: &Value) -> Vec<&str> {
    v["verdict"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn every_build_is_judged_as_its_truth_says() {
    for dir in INCIDENTS {
        let v = json(&[dir, "--budget", "512Mi"]);
        let t = truth(dir);
        assert_eq!(v["schema"], "gclens.report/v1");
        assert_eq!(v["verdict"]["leaking"], "yes", "{dir}");
        // where: the one growing site is the store that never forgets
        let growing = v["heap"]["growing"].as_array().unwrap();
        assert_eq!(
            growing[0]["function"], "gclens.example/incident/session.(*Store).Remember",
            "{dir}"
        );
        assert_eq!(growing[0]["line"], 21);
        assert!(growing[0]["share_pct"].as_f64().unwrap() > 90.0, "{dir}");
        // the decoys are named for what they are
        let decoys = v["heap"]["decoys"].as_array().unwrap();
        let role = |f: &str| {
            decoys
                .iter()
                .find(|d| d["function"] == f)
                .map(|d| d["role"].as_str().unwrap().to_string())
        };
        assert_eq!(role("main.loadCatalog").as_deref(), Some("flat"), "{dir}");
        assert_eq!(
            role("main.rebuildIndex").as_deref(),
            Some("released"),
            "{dir}"
        );
        assert_eq!(role("main.render").as_deref(), Some("garbage"), "{dir}");
        assert!(growing.iter().all(|g| g["function"] != "main.loadCatalog"));
        // goroutines: the deliveries grow to exactly what the program started
        let groups = v["goroutines"]["groups"].as_array().unwrap();
        let leak = groups
            .iter()
            .find(|g| g["created_by"] == "gclens.example/incident/notify.Send")
            .unwrap();
        assert_eq!(leak["verdict"], "growing");
        assert_eq!(
            leak["counts"].as_array().unwrap().last(),
            Some(&t["leaked_goroutines"])
        );
        let workers = groups
            .iter()
            .find(|g| g["function"] == "main.worker")
            .unwrap();
        assert_eq!(workers["verdict"], "steady");
        assert_eq!(workers["counts"][0], t["pool_workers"]);
        // why: the compiler's diagnostic at the growing line, matched across paths
        let why = v["why"]["at_sites"].as_array().unwrap();
        assert_eq!(why[0]["matched_by"], "line", "{dir}");
        assert_eq!(why[0]["message"], "make([]byte, 4096) escapes to heap");
        assert!(
            !why[0]["explanation"].as_array().unwrap().is_empty(),
            "-m=2 flow"
        );
        // the leak comes before any setting
        assert!(v["time_left"]["minutes_as_running"].as_f64().unwrap() > 0.0);
        let k = kinds(&v);
        for want in ["trace", "heap_site", "goroutine_group", "escape"] {
            assert!(k.contains(&want), "{dir}: {want} in {k:?}");
        }
        // Go 1.27 serves the goroutine leak profile: proven, not suspected
        if dir.contains("1.27") {
            assert!(k.contains(&"proven_goroutine_leak"), "{dir}");
            assert_eq!(
                leak["leaked_counts"].as_array().unwrap().last(),
                Some(&t["leaked_goroutines"])
            );
        } else {
            assert!(!k.contains(&"proven_goroutine_leak"), "{dir}");
        }
        // truth.json is the program's own record, not evidence: set aside, said
        let skipped = v["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), 1, "{dir}: {skipped:?}");
    }
}

#[test]
fn golden_reports_in_every_format() {
    let dir = "fixtures/incident/go1.27/plain";
    insta::assert_snapshot!(
        "report_go1_27_plain_text",
        ok(&["report", dir, "--budget", "512Mi"])
    );
    let md = ok(&["report", dir, "--budget", "512Mi", "--format", "markdown"]);
    assert!(md.len() < 65_536);
    insta::assert_snapshot!("report_go1_27_plain_markdown", md);
    insta::assert_snapshot!(
        "report_go1_27_plain_json",
        ok(&["report", dir, "--budget", "512Mi", "--format", "json"])
    );
    insta::assert_snapshot!(
        "report_go1_21_trimpath_text",
        ok(&["report", "fixtures/incident/go1.21/trimpath"])
    );
}

fn files(dir: &str, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(format!("{ROOT}/{dir}"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    v.sort();
    v
}

#[test]
fn partial_evidence_gets_the_verdict_it_supports_and_the_missing_list() {
    let dir = "fixtures/incident/go1.27/plain";
    let missing = |v: &Value| -> Vec<String> {
        v["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["what"].as_str().unwrap().to_string())
            .collect()
    };
    // only the trace: 54 s is too short for more than "possible"
    let v = json(&[&format!("{dir}/gctrace.log")]);
    assert_eq!(v["verdict"]["leaking"], "possible");
    let m = missing(&v);
    for want in [
        "heap profiles",
        "goroutine dumps",
        "MemStats snapshots",
        "the escape analysis",
    ] {
        assert!(m.iter().any(|x| x == want), "{want} in {m:?}");
    }
    assert!(v["heap"].is_null() && v["goroutines"].is_null());
    // only the profiles: they alone show the growing site
    let heap = files(dir, "heap-");
    let mut a: Vec<&str> = heap.iter().map(String::as_str).collect();
    let v = json(&a);
    assert_eq!(v["verdict"]["leaking"], "yes");
    assert!(missing(&v).iter().any(|x| x == "a gctrace"));
    assert_eq!(v["advice"]["status"], "not_asked");
    // only the dumps (and the leak profiles)
    let dumps = files(dir, "goroutine");
    a = dumps.iter().map(String::as_str).collect();
    let v = json(&a);
    assert_eq!(v["verdict"]["leaking"], "yes");
    assert_eq!(v["verdict"]["heap"], "unknown");
    assert_eq!(v["verdict"]["goroutines"], "growing");
    // one profile is a picture, not a trend
    let v = json(&[&heap[0]]);
    assert_eq!(v["verdict"]["leaking"], "unknown");
    assert!(missing(&v).iter().any(|x| x == "a second heap profile"));
    // profiles without times (the debug=1 text): growth, no rate, said
    let text: Vec<String> = (1..=5)
        .map(|k| format!("fixtures/heap/go1.27/plain/heap-{k}.txt"))
        .collect();
    if text
        .iter()
        .all(|f| std::path::Path::new(&format!("{ROOT}/{f}")).exists())
    {
        a = text.iter().map(String::as_str).collect();
        let v = json(&a);
        assert_eq!(
            v["heap"]["growing"][0]["function"],
            "gclens.example/heapgrow/store.(*Cache).Add"
        );
    }
}

#[test]
fn the_gate_fails_on_a_leak_after_writing_the_report() {
    let (out, code) = run(&[
        "report",
        "fixtures/incident/go1.27/plain",
        "--fail-on",
        "leak",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("Verdict: leaking"));
    let (_, code) = run(&[
        "report",
        "fixtures/incident/go1.27/plain/escape.txt",
        "--fail-on",
        "possible-leak",
    ]);
    assert_eq!(code, 0, "escape output alone is no leak");
}

/// A directory of what goes wrong in a real capture: each file set aside with its reason.
#[test]
fn bad_input_is_set_aside_by_name() {
    let d = tempfile::tempdir().unwrap();
    let src = format!("{ROOT}/fixtures/incident/go1.27/plain");
    for k in 1..=3 {
        std::fs::copy(
            format!("{src}/heap-{k}.pb.gz"),
            d.path().join(format!("heap-{k}.pb.gz")),
        )
        .unwrap();
    }
    let p = |n: &str| d.path().join(n);
    std::fs::copy(format!("{src}/heap-3.pb.gz"), p("heap-3-again.pb.gz")).unwrap();
    let whole = std::fs::read(format!("{src}/heap-4.pb.gz")).unwrap();
    std::fs::write(p("heap-4.pb.gz"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(
        p("heap-5.pb.gz"),
        b"<!DOCTYPE html>\n<html><body>404 page not found</body></html>\n",
    )
    .unwrap();
    std::fs::write(p("empty.txt"), b"").unwrap();
    std::fs::write(
        p("junk.bin"),
        (0..4096u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::copy(
        format!("{ROOT}/fixtures/heap/go1.27/plain/heap-2.pb.gz"),
        p("other.pb.gz"),
    )
    .unwrap();
    let dir = d.path().to_str().unwrap();
    let v = json(&[dir]);
    let reason = |name: &str| -> String {
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"].as_str().unwrap().ends_with(name))
            .map(|s| s["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{name} not set aside: {}", v["skipped"]))
    };
    assert!(
        reason("heap-4.pb.gz").contains("truncated"),
        "{}",
        reason("heap-4.pb.gz")
    );
    assert_eq!(
        reason("heap-5.pb.gz"),
        "this is an HTML page, not a profile: was the URL right?"
    );
    assert_eq!(reason("empty.txt"), "an empty file");
    assert!(reason("junk.bin").starts_with("not recognised"));
    assert!(
        reason("other.pb.gz").contains("different programs"),
        "{}",
        reason("other.pb.gz")
    );
    assert!(
        reason("heap-3.pb.gz").contains("the same snapshot"),
        "{}",
        reason("heap-3.pb.gz")
    );
    // the three good profiles still make the series
    assert_eq!(v["growth"]["profiles"]["profiles"], 3);
    // nothing usable at all: exit 1, each reason on stderr; a path that is not there: 2
    let e = tempfile::tempdir().unwrap();
    std::fs::write(e.path().join("empty.txt"), b"").unwrap();
    gclens()
        .args(["report", e.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("an empty file"));
    gclens().args(["report", "no/such/dir"]).assert().code(2);
}

/// The Go 1.27 incident's page, in a directory of its own.
fn html_page() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let html = d.path().join("report.html");
    let h = html.to_str().unwrap();
    ok(&[
        "report",
        "fixtures/incident/go1.27/plain",
        "--budget",
        "512Mi",
        "--html",
        h,
    ]);
    (d, html)
}

/// The page is self-contained: no script, nothing fetched, every image inline.
#[test]
fn the_html_page_fetches_nothing_and_runs_no_script() {
    let (_d, html) = html_page();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("<script"), "no script of its own");
    assert!(!page.contains("<link") && !page.contains("@import") && !page.contains("url("));
    for (k, _) in page.match_indices("src=\"") {
        assert!(
            page[k + 5..].starts_with("data:"),
            "an image fetched: {}",
            &page[k..k + 60]
        );
    }
    // the six answers, the chart, the sparklines, the flame graph
    for want in [
        "Is memory growing?",
        "Where?",
        "Goroutines?",
        "Why on the heap?",
        "What to set?",
        "<svg width=\"1000\"",
        "class=\"spark\"",
        "data:image/svg+xml;base64,",
        "make([]byte, 4096) escapes to heap",
    ] {
        assert!(page.contains(want), "{want}");
    }
}

/// In a real browser (headless Chromium, installed by scripts/test): the page loads with
/// no console message, and renders (a screenshot of it is written and not blank).
#[test]
fn the_html_page_loads_in_chromium_without_a_console_message() {
    let chromium = std::env::var("GCLENS_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    if std::process::Command::new(&chromium)
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no {chromium} (scripts/test installs Debian's chromium as root)");
        return;
    }
    let (d, html) = html_page();
    let shot = d.path().join("report.png");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,2400",
            &format!("--user-data-dir={}", d.path().join("profile").display()),
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "console: {console:?}");
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}): {err}"));
    assert!(png.len() > 20_000, "a blank page? {} bytes", png.len());
    if let Ok(keep) = std::env::var("GCLENS_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

/// The compiler's logopt files and the `go build -json` wrapper are escape analysis too.
#[test]
fn logopt_files_and_the_build_json_wrapper_are_recognised() {
    let v = json(&[
        "fixtures/escape/go1.27/logopt",
        "fixtures/escape/go1.27/build-json.txt",
    ]);
    let families: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["family"].as_str().unwrap())
        .collect();
    assert_eq!(families.len(), 8);
    assert!(
        families[..7]
            .iter()
            .all(|f| *f == "escape analysis (logopt)")
    );
    assert_eq!(families[7], "escape analysis");
    assert!(v["skipped"].as_array().unwrap().is_empty());
    assert!(v["why"]["diagnostics"].as_u64().unwrap() > 100);
    assert_eq!(v["verdict"]["leaking"], "unknown");
}

/// A capture with each snapshot in two forms (profile.proto and the debug=1 text) and an
/// allocs profile: one profile per moment, the others set aside and said.
#[test]
fn the_forms_of_one_snapshot_are_one_moment() {
    let v = json(&["fixtures/heap/go1.27/plain"]);
    assert_eq!(v["growth"]["profiles"]["profiles"], 5);
    let growing = v["heap"]["growing"].as_array().unwrap();
    assert_eq!(
        growing[0]["function"],
        "gclens.example/heapgrow/store.(*Cache).Add"
    );
    assert_eq!(growing[0]["role"], "growing");
    let reasons: Vec<(String, String)> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["source"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (name, s["reason"].as_str().unwrap().to_string())
        })
        .collect();
    let reason = |n: &str| &reasons.iter().find(|r| r.0 == n).unwrap().1;
    assert!(reason("allocs.pb.gz").starts_with("an allocs profile"));
    for k in 1..=5 {
        assert_eq!(
            reason(&format!("heap-{k}.txt")),
            &format!(
                "of the same moment as fixtures/heap/go1.27/plain/heap-{k}.pb.gz: counted once"
            )
        );
    }
    // the debug=1 trailers still count as MemStats
    assert_eq!(v["growth"]["memstats"]["snapshots"], 5);
}

/// Stdin and endless devices are named, not read forever.
#[test]
fn stdin_and_devices_are_named_not_read() {
    gclens()
        .args(["report", "-"])
        .write_stdin("gc 1 @0.001s 5%: 0.1+0.2+0.01 ms clock\n")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "stdin: the report reads files and directories",
        ));
    gclens()
        .args(["report", "/dev/zero"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/dev/zero: not recognised"));
}

/// A debug=1 twin of each debug=2 dump is no leak profile: without one (Go 1.21), the
/// report still asks for it; with one (Go 1.27), it does not.
#[test]
fn the_leak_profile_is_asked_for_only_when_it_is_missing() {
    let asks = |dir: &str| {
        json(&[dir])["missing"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["what"] == "the goroutine leak profile (Go 1.26+)")
    };
    assert!(asks("fixtures/goroutines/go1.21/plain"));
    assert!(!asks("fixtures/goroutines/go1.27/plain"));
    assert!(!asks("fixtures/incident/go1.27/plain"));
}
