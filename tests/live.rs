//! `gclens watch` and `gclens run` from the outside, with real components: real fixture
//! traces mixed with arbitrary bytes through `watch`, and a real Go program
//! (fixtures/programs/runprobe) under `run`. The `run` tests need a Go toolchain: set
//! GCLENS_GO to a `go` binary or put `go` on PATH (`.ci/run` installs one with
//! ../shared/tools/go-toolchain); without one they fail saying so.

mod common;
use common::{bin, gclens};
use predicates::prelude::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as P, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Real trace files whose every line is either a runtime line or the program's own
/// timestamped line (no split records), so the expected output can be built here.
const TRACES: [&str; 5] = [
    "go1.27/pacer.log",
    "go1.25/gctrace2.log",
    "go1.21/scav.log",
    "go1.26/steady.log",
    "go1.23/idle.log",
];

fn is_runtime_line(l: &[u8]) -> bool {
    let s = String::from_utf8_lossy(l);
    (s.starts_with("gc ") && s.contains(" @"))
        || s.starts_with("scav ")
        || s.starts_with("pacer: ")
        || s.starts_with("scan: ")
        || s == "GC forced"
}

/// A few MB: real trace lines interleaved with random foreign lines (any byte but
/// newline: invalid UTF-8, CR, NUL), one 2 MB line, no final newline. Returns the stream
/// and what `watch` must print.
fn mixed_stream() -> (Vec<u8>, Vec<u8>) {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut input, mut expected) = (Vec::new(), Vec::new());
    for round in 0..4 {
        if round == 1 {
            let long = [vec![b'y'; 2 << 20], b"\n".to_vec()].concat();
            input.extend_from_slice(&long);
            expected.extend_from_slice(&long);
        }
        for f in TRACES {
            let text = std::fs::read(Path::new(ROOT).join("fixtures/gctrace").join(f)).unwrap();
            for line in text.split_inclusive(|b| *b == b'\n') {
                input.extend_from_slice(line);
                if !is_runtime_line(line.strip_suffix(b"\n").unwrap_or(line)) {
                    expected.extend_from_slice(line);
                }
                if rnd() % 3 == 0 {
                    let len = (rnd() % 300) as usize;
                    let mut l: Vec<u8> = (0..len)
                        .map(|_| (rnd() % 255) as u8)
                        .map(|b| if b == b'\n' { 0xff } else { b })
                        .collect();
                    l.push(b'\n');
                    input.extend_from_slice(&l);
                    expected.extend_from_slice(&l);
                }
            }
        }
    }
    input.extend_from_slice(b"\xfe last line without newline \xff");
    expected.extend_from_slice(b"\xfe last line without newline \xff");
    (input, expected)
}

#[test]
fn watch_forwards_every_foreign_byte_exactly() {
    let (input, expected) = mixed_stream();
    assert!(input.len() > 4 << 20, "{}", input.len());
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("gc.json");
    let out = gclens()
        .args(["watch", "--json"])
        .arg(&json)
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == expected,
        "forwarded bytes differ (got {} bytes, want {})",
        out.stdout.len(),
        expected.len()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("gclens gc -") && stderr.contains("Throughput"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["schema"], "gclens.gc/v1");
    assert!(v["summary"]["cycles"].as_u64().unwrap() > 1000);

    let tee = gclens()
        .args(["watch", "--tee"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert!(tee.stdout == input, "--tee must forward everything");
    let quiet = gclens()
        .args(["watch", "--quiet"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(quiet.stdout.is_empty());
}

#[test]
fn watch_without_trace_is_exit_1_and_still_forwards() {
    gclens()
        .arg("watch")
        .write_stdin("just the program\n")
        .assert()
        .code(1)
        .stdout("just the program\n")
        .stderr(predicate::str::contains("no gc line in 1 lines"));
}

/// Reads `r` in a thread; chunks arrive on the returned channel until EOF.
fn reader(mut r: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects chunks until `want` has been seen or `limit` passes.
fn read_until(rx: &std::sync::mpsc::Receiver<Vec<u8>>, want: &[u8], limit: Duration) -> Vec<u8> {
    let start = Instant::now();
    let mut got = Vec::new();
    while start.elapsed() < limit && !got.windows(want.len()).any(|w| w == want) {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            got.extend_from_slice(&chunk);
        }
    }
    got
}

/// Starts `gclens watch ARGS FILE` with piped stdio and feeds it a real trace and then
/// `line`, leaving stdin open.
fn watch_fed(
    args: &[&str],
    file: &Path,
    line: &[u8],
) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = P::new(bin())
        .arg("watch")
        .args(args)
        .arg(file)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let trace = std::fs::read(Path::new(ROOT).join("fixtures/gctrace/go1.21/leak.log")).unwrap();
    stdin.write_all(&trace).unwrap();
    stdin.write_all(line).unwrap();
    stdin.flush().unwrap();
    (child, stdin)
}

#[test]
fn watch_forwards_a_line_while_the_input_is_still_open_then_stops_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("heap.png");
    let (mut child, stdin) = watch_fed(&["-o"], &png, b"hello from the program\n");
    let stdout = reader(child.stdout.take().unwrap());
    // a functional check, not a timing claim: the line comes out before stdin closes
    let got = read_until(
        &stdout,
        b"hello from the program\n",
        Duration::from_secs(10),
    );
    assert!(
        got.ends_with(b"hello from the program\n"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    drop(stdin);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("1554 cycles"), "{err}");
    assert!(image::open(&png).is_ok(), "chart written on SIGINT");
}

#[test]
fn watch_ends_quietly_when_stdout_closes_and_still_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv");
    let (mut child, mut stdin) = watch_fed(&["--csv"], &csv, b"marker\n");
    let stdout = reader(child.stdout.take().unwrap());
    let got = read_until(&stdout, b"marker\n", Duration::from_secs(10));
    assert!(got.ends_with(b"marker\n"));
    drop(stdout); // the reader goes away (like `| head`)
    let writer = std::thread::spawn(move || {
        for _ in 0..2000 {
            if stdin
                .write_all(&[b'x'; 4095])
                .and_then(|()| stdin.write_all(b"\n"))
                .is_err()
            {
                break;
            }
        }
    });
    let status = child.wait().unwrap();
    writer.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("cannot"),
        "{err}"
    );
    assert!(err.contains("1554 cycles"), "{err}");
    let rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(rows, 1555);
}

/// The Go toolchain the `run` tests build their probe with.
fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runprobe");
        let st = common::go_command()
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(Path::new(ROOT).join("fixtures/programs/runprobe"))
            .status()
            .expect("running go build");
        assert!(
            st.success(),
            "go build of fixtures/programs/runprobe failed"
        );
        out
    })
}

/// A program that exits before its first collection: `run` set GODEBUG itself, so the
/// hint says what else it can be (issue 18: it asked "is GODEBUG=gctrace=1 set?").
#[test]
fn run_of_a_program_without_a_gc_says_why() {
    let o = gclens()
        .args(["run", "--no-status", "--"])
        .arg(probe())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("ended before its first collection"), "{err}");
    assert!(!err.contains("is GODEBUG=gctrace=1 set"), "{err}");
}

#[test]
fn run_propagates_the_exit_code_and_forwards_stderr_exactly() {
    let o = gclens()
        .args(["run", "--no-status", "--"])
        .arg(probe())
        .args(["-alloc", "300ms", "-exit", "7", "-stderr", r"x\xffy\r\nz\n"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7));
    assert!(
        o.stderr.starts_with(b"x\xffy\r\nz\n"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gclens gc ") && err.contains("cycles in 1 segment"),
        "{err}"
    );
    assert!(
        !err.contains("\ngc 1 @"),
        "trace lines must not be forwarded"
    );
}

#[test]
fn run_merges_godebug_and_writes_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("run.png");
    let o = gclens()
        .env("GODEBUG", "madvdontneed=1,gctrace=2")
        .args(["run", "--scavtrace", "-o"])
        .arg(&png)
        .arg("--")
        .arg(probe())
        .args(["-alloc", "300ms", "-godebug"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "GODEBUG=madvdontneed=1,gctrace=1,scavtrace=1\n"
    );
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 1000));
}

fn run_and_signal(wait: &str, sig: i32) -> (Option<i32>, String, String) {
    let mut child = P::new(bin())
        .args(["run", "--no-status", "--"])
        .arg(probe())
        .args(["-alloc", "200ms", "-wait", wait])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = reader(child.stdout.take().unwrap());
    let got = read_until(&stdout, b"ready\n", Duration::from_secs(20));
    assert!(
        got.ends_with(b"ready\n"),
        "probe never got ready: {}",
        String::from_utf8_lossy(&got)
    );
    // SAFETY: kill(2) on our own child (gclens), which passes the signal on.
    unsafe { libc::kill(child.id() as i32, sig) };
    let status = child.wait().unwrap();
    let rest = String::from_utf8(stdout.iter().flatten().collect()).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), rest, err)
}

#[test]
fn run_passes_sigterm_on_and_returns_the_programs_status() {
    let (code, out, err) = run_and_signal("handle", libc::SIGTERM);
    assert_eq!(code, Some(3), "{err}");
    assert_eq!(out, "got terminated\n");
    assert!(err.contains("cycles in 1 segment"), "{err}");
}

#[test]
fn run_reports_death_by_signal_as_128_plus_signal() {
    let (code, _, err) = run_and_signal("raw", libc::SIGTERM);
    assert_eq!(code, Some(128 + libc::SIGTERM), "{err}");
}

/// `GET path` with an `Accept` header over HTTP/1.0: the answer's head and body.
fn http(port: u16, method: &str, path: &str, accept: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "{method} {path} HTTP/1.0\r\nAccept: {accept}\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.to_string(), body.to_string())
}

/// `watch --metrics 127.0.0.1:0` (issue 20): the chosen address on stderr, the metrics of
/// what came in so far while the stream is open, Prometheus text or OpenMetrics by
/// `Accept`, 404 and 405 elsewhere; the session ends as usual.
#[test]
fn watch_serves_metrics_while_the_stream_is_open() {
    use std::io::{BufRead, BufReader};
    let mut child = P::new(bin())
        .args([
            "watch",
            "--no-status",
            "--quiet",
            "--metrics",
            "127.0.0.1:0",
        ])
        .args(["--metrics-labels", "service=api"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("gclens: metrics at http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("{line}"))
        .parse()
        .unwrap();
    let trace = std::fs::read(Path::new(ROOT).join("fixtures/gctrace/go1.21/leak.log")).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&trace).unwrap();
    stdin.flush().unwrap();
    let t0 = Instant::now();
    let text = loop {
        let (head, body) = http(port, "GET", "/metrics", "text/plain");
        assert!(head.contains("text/plain; version=0.0.4"), "{head}");
        if body.contains("gclens_gc_cycles_total{service=\"api\"} 1554") {
            break body;
        }
        assert!(t0.elapsed().as_secs() < 20, "{body}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        text.contains("gclens_heap_live_bytes{service=\"api\"} 58720256"),
        "{text}"
    );
    let (head, om) = http(
        port,
        "GET",
        "/metrics",
        "application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1",
    );
    assert!(head.contains("application/openmetrics-text"), "{head}");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(http(port, "GET", "/nope", "*/*").0.contains(" 404 "));
    assert!(http(port, "POST", "/metrics", "*/*").0.contains(" 405 "));
    // bounded: garbage and an oversized head are refused; a client that stalls holds
    // the server for at most its 5 s timeout, then the next scrape is answered
    let raw = |bytes: &[u8]| {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = c.write_all(bytes);
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    };
    assert!(raw(b"\x00\xff garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
    let big = format!(
        "GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(20 << 10)
    );
    assert!(raw(big.as_bytes()).starts_with("HTTP/1.1 400"));
    let mut stalled = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled.write_all(b"GET /metr").unwrap();
    let t0 = Instant::now();
    let (head, _) = http(port, "GET", "/metrics", "*/*");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(t0.elapsed() < Duration::from_secs(8), "{:?}", t0.elapsed());
    drop(stalled);
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Bad `--metrics` arguments are usage errors, found before anything runs; a port in use
/// stops `run` before it starts the program.
#[test]
fn metrics_arguments_are_checked_first() {
    for args in [
        &["watch", "--metrics", "nowhere"][..],
        &["watch", "--metrics", ":1", "--metrics-labels", "1a=b"],
        &["watch", "--metrics", ":1", "--metrics-labels", "a"],
        &["watch", "--metrics", ":1", "--metrics-labels", "__a=b"],
        &["watch", "--metrics-labels", "a=b"],
    ] {
        let o = gclens().args(args).write_stdin("").output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let o = gclens()
        .args([
            "run",
            "--metrics",
            &addr,
            "--",
            "sh",
            "-c",
            "echo started >&2",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot listen on") && !err.contains("started"),
        "{err}"
    );
}

/// `run --save FILE` (issue 14): the program's stderr byte for byte — here a Go program
/// under `sh -c`, so the scheduler's figures must follow it to a grandchild — with a
/// `gclens: cpu` line each second between its lines; `gclens advise FILE` reads them.
#[test]
fn run_save_keeps_the_stderr_and_the_schedulers_figures() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("trace.log");
    let o = gclens()
        .args(["run", "--no-status", "--save"])
        .arg(&saved)
        .args(["--", "sh", "-c"])
        .arg(format!(
            "{} -alloc 3500ms -stderr 'x\\xffy\\r\\nz\\n'",
            probe().display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let file = std::fs::read(&saved).unwrap();
    let lines: Vec<&[u8]> = file.split_inclusive(|b| *b == b'\n').collect();
    let cpu: Vec<&[u8]> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with(b"gclens: cpu @"))
        .collect();
    assert!(cpu.len() >= 3, "{} samples", cpu.len());
    assert!(lines.iter().filter(|l| l.starts_with(b"gc ")).count() >= 10);
    // without the trace and our lines, the file is what gclens forwarded
    let program: Vec<u8> = lines
        .iter()
        .filter(|l| !l.starts_with(b"gc ") && !l.starts_with(b"gclens: cpu @"))
        .flat_map(|l| l.iter().copied())
        .collect();
    assert_eq!(program, b"x\xffy\r\nz\n");
    assert!(o.stderr.starts_with(&program));
    // the end report shows the scheduler's figures
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Scheduler (gclens run)   "), "{err}");
    // the probe allocates on one CPU all the time: it ran most of each second
    let text = String::from_utf8_lossy(&file);
    let t = gclens::parse::load_bytes(&file);
    let runs: Vec<u64> = t
        .events
        .iter()
        .filter_map(|e| match e.kind {
            gclens::model::EventKind::Cpu(c) => Some(c.run_ms),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), cpu.len(), "{text}");
    assert!(runs.iter().skip(1).all(|r| *r >= 300), "{runs:?}");
    let a = gclens()
        .arg("advise")
        .arg(&saved)
        .args(["--budget", "256Mi", "--format", "json"])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let share = &a["inputs"]["cpu_share"];
    assert!(share["samples"].as_u64().unwrap() >= 2, "{share}");
}
