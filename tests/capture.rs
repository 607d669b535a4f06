//! `gclens capture` against services on 127.0.0.1: small servers started here that
//! answer what a person meets (nothing listening, no pprof, credentials needed, an HTML
//! page, a stalled body, a body cut off or reset, a huge body, a full disk), and signals
//! mid-capture. Each must end in one clear line, a valid manifest and no half file. The
//! real Go services are in tests/capture_go.rs.

mod common;
use common::fake::{Answer, http, serve};
use common::{bin, path};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Headers promising `len` bytes and only `body` of them.
fn partial(len: usize, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(path("fixtures/incident/go1.27/plain").join(name)).unwrap()
}

/// A well-behaved Go service's answer to `path` (real bodies from the incident fixture).
fn good(path: &str) -> Answer {
    let (ctype, body) = match path.split('?').next().unwrap() {
        "/debug/pprof/heap" => ("application/octet-stream", fixture("heap-1.pb.gz")),
        "/debug/pprof/goroutine" => ("text/plain; charset=utf-8", fixture("goroutine-1.txt")),
        "/debug/pprof/goroutineleak" => {
            ("text/plain; charset=utf-8", fixture("goroutineleak-1.txt"))
        }
        "/debug/vars" => ("application/json; charset=utf-8", fixture("vars-1.json")),
        _ => return Answer::Bytes(http("404 Not Found", "text/plain", b"404 page not found\n")),
    };
    Answer::Bytes(http("200 OK", ctype, &body))
}

fn capture(args: &[&str]) -> Output {
    Command::new(bin())
        .arg("capture")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// No `.part` (or any hidden file) is left, and every file in the manifest is there with
/// its size and SHA-256.
fn whole(dir: &Path) {
    let hidden: Vec<String> = names(dir)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    for f in manifest(dir)["files"].as_array().unwrap() {
        let p = dir.join(f["path"].as_str().unwrap());
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            bytes.len() as u64,
            f["bytes"].as_u64().unwrap(),
            "{}",
            p.display()
        );
        use sha2::Digest;
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, f["sha256"].as_str().unwrap(), "{}", p.display());
    }
}

#[test]
fn nothing_listening_is_one_clear_line() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("cap");
    let o = capture(&[
        &format!("127.0.0.1:{port}"),
        "-o",
        dir.to_str().unwrap(),
        "--count",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "nothing answers at 127.0.0.1:{port}: is the service running, and does it serve net/http/pprof there?"
        )),
        "{e}"
    );
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(names(&dir), ["manifest.json"]);
    assert!(
        manifest(&dir)["sessions"][0]["ending"]
            .as_str()
            .unwrap()
            .starts_with("stopped: nothing answers")
    );
}

#[test]
fn an_unknown_host_is_named() {
    let d = tempfile::tempdir().unwrap();
    let o = capture(&[
        "no-such-host.invalid:6060",
        "-o",
        d.path().to_str().unwrap(),
        "--count",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("http://no-such-host.invalid:6060/debug/pprof/heap: the host no-such-host.invalid:6060 is not known (DNS)"),
        "{e}"
    );
    // it stops at once: one line, not one per endpoint and snapshot
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn a_service_without_pprof_is_told_how_to_add_it() {
    let addr = serve(|_, _, _| {
        Answer::Bytes(http("404 Not Found", "text/plain", b"404 page not found\n"))
    });
    let d = tempfile::tempdir().unwrap();
    let o = capture(&[&addr, "-o", d.path().to_str().unwrap(), "--count", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(
            "the service does not serve net/http/pprof there: add `import _ \"net/http/pprof\"`"
        ),
        "{e}"
    );
    whole(d.path());
}

#[test]
fn credentials_are_asked_for_and_never_written() {
    let addr = serve(|p, _, head| {
        if head
            .to_ascii_lowercase()
            .contains("authorization: bearer s3cret-token")
        {
            good(p)
        } else {
            Answer::Bytes(http("401 Unauthorized", "text/plain", b"unauthorized\n"))
        }
    });
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("cap");
    let o = capture(&[&addr, "-o", dir.to_str().unwrap(), "--count", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(
            "answered 401 Unauthorized: give credentials with --header 'Authorization: Bearer …'"
        ),
        "{e}"
    );
    // the same directory is continued, with the header
    let o = capture(&[
        &addr,
        "-o",
        dir.to_str().unwrap(),
        "--count",
        "2",
        "--every",
        "200ms",
        "--header",
        "Authorization: Bearer s3cret-token",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("s3cret"));
    let m = manifest(&dir);
    assert_eq!(m["files"].as_array().unwrap().len(), 8);
    assert_eq!(m["sessions"].as_array().unwrap().len(), 2);
    // the first session's snapshot 1 failed: the second goes on at 2
    assert_eq!(m["sessions"][1]["first_snapshot"], 2);
    for n in names(&dir) {
        let text = std::fs::read(dir.join(&n)).unwrap();
        assert!(
            memchr_find(&text, b"s3cret").is_none(),
            "{n} holds the token"
        );
    }
    whole(&dir);
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn an_html_page_where_a_profile_should_be_is_not_kept() {
    let addr = serve(|p, _, _| {
        if p.starts_with("/debug/pprof/heap") {
            Answer::Bytes(http(
                "200 OK",
                "text/html",
                b"<!DOCTYPE html><html><body>Sign in</body></html>",
            ))
        } else {
            good(p)
        }
    });
    let d = tempfile::tempdir().unwrap();
    let o = capture(&[&addr, "-o", d.path().to_str().unwrap(), "--count", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("/debug/pprof/heap: an HTML page where a profile should be: is the URL right?"),
        "{e}"
    );
    assert_eq!(names(d.path()), ["manifest.json"]);
}

#[test]
fn a_stalled_answer_is_a_gap_and_later_snapshots_are_still_tried() {
    let addr = serve(|p, n, _| {
        if p.starts_with("/debug/pprof/heap") && n == 2 {
            let body = fixture("heap-1.pb.gz");
            Answer::Stall(partial(body.len(), &body[..100]))
        } else {
            good(p)
        }
    });
    let d = tempfile::tempdir().unwrap();
    let o = capture(&[
        &addr,
        "-o",
        d.path().to_str().unwrap(),
        "--count",
        "3",
        "--every",
        "1500ms",
        "--timeout",
        "1s",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!(
            "http://{addr}/debug/pprof/heap did not answer in time"
        )),
        "{e}"
    );
    assert!(e.contains("1 request failed, listed in"), "{e}");
    let m = manifest(d.path());
    let heaps: Vec<u64> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "heap")
        .map(|f| f["snapshot"].as_u64().unwrap())
        .collect();
    assert_eq!(heaps, [1, 3]);
    let gap = &m["skipped"][0];
    assert_eq!(
        (gap["snapshot"].as_u64(), gap["kind"].as_str()),
        (Some(2), Some("heap"))
    );
    assert!(
        gap["reason"]
            .as_str()
            .unwrap()
            .contains("did not answer in time")
    );
    whole(d.path());
}

#[test]
fn bodies_cut_off_reset_or_too_big_are_gaps_with_their_reason() {
    let addr = serve(|p, n, _| match (p.split('?').next().unwrap(), n) {
        ("/debug/pprof/heap", 2) => Answer::Bytes(partial(5000, &fixture("heap-1.pb.gz")[..100])),
        ("/debug/pprof/goroutine", 2) => Answer::Reset(partial(50_000, &[b'g'; 2000])),
        ("/debug/vars", 2) => {
            let mut big = b"{\"memstats\": \"".to_vec();
            big.resize(2 << 20, b'x');
            Answer::Bytes(http("200 OK", "application/json", &big))
        }
        _ => good(p),
    });
    let d = tempfile::tempdir().unwrap();
    let o = capture(&[
        &addr,
        "-o",
        d.path().to_str().unwrap(),
        "--count",
        "2",
        "--every",
        "300ms",
        "--max-input",
        "1MiB",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("/debug/pprof/heap: the response was cut off after 100 bytes"),
        "{e}"
    );
    assert!(
        e.contains("/debug/pprof/goroutine?debug=2: the response was cut off after"),
        "{e}"
    );
    assert!(e.contains("/debug/vars: the response is bigger than 1 MiB (the input limit; --max-input SIZE raises it)"), "{e}");
    let m = manifest(d.path());
    assert_eq!(m["skipped"].as_array().unwrap().len(), 3, "{m:#}");
    assert_eq!(m["files"].as_array().unwrap().len(), 5);
    whole(d.path());
}

/// Starts a capture whose second heap answer never ends, waits until its `.part` is
/// there, sends `sig`, and returns the exit status and the directory.
fn interrupt(sig: i32) -> (Option<i32>, tempfile::TempDir, Duration) {
    let addr = serve(|p, n, _| {
        if p.starts_with("/debug/pprof/heap") && n >= 2 {
            let body = fixture("heap-1.pb.gz");
            Answer::Stall(partial(body.len(), &body[..200]))
        } else {
            good(p)
        }
    });
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args([
            "capture",
            &addr,
            "-o",
            d.path().to_str().unwrap(),
            "--every",
            "300ms",
            "--timeout",
            "60s",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !names(d.path()).iter().any(|n| n == ".heap-0002.pb.gz.part") {
        assert!(t0.elapsed() < Duration::from_secs(20), "no .part appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    // SAFETY: signalling our own child
    unsafe { libc::kill(child.id() as i32, sig) };
    let status = child.wait().unwrap();
    (status.code(), d, sent.elapsed())
}

#[test]
fn ctrl_c_mid_capture_removes_the_partial_file_and_leaves_a_valid_manifest() {
    for (sig, code, name) in [
        (libc::SIGINT, 130, "SIGINT"),
        (libc::SIGTERM, 143, "SIGTERM"),
    ] {
        let (status, d, took) = interrupt(sig);
        assert_eq!(status, Some(code), "{name}");
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        let m = manifest(d.path());
        assert_eq!(m["sessions"][0]["ending"], format!("interrupted by {name}"));
        let gap = m["skipped"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (gap["snapshot"].as_u64(), gap["kind"].as_str()),
            (Some(2), Some("heap"))
        );
        assert!(gap["reason"].as_str().unwrap().starts_with("interrupted"));
        assert!(!d.path().join("heap-0002.pb.gz").exists());
        whole(d.path());
    }
}

#[test]
fn a_directory_that_cannot_hold_the_capture_is_said() {
    let addr = serve(|p, _, _| good(p));
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let o = capture(&[
        &addr,
        "-o",
        file.join("cap").to_str().unwrap(),
        "--count",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot create"), "{}", stderr(&o));
    // a directory of someone else's files is never written into
    let o = capture(&[&addr, "-o", d.path().to_str().unwrap(), "--count", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds files but no manifest.json"),
        "{}",
        stderr(&o)
    );
    assert_eq!(names(d.path()), ["a-file"]);
}

#[test]
fn a_full_disk_keeps_what_was_captured() {
    let d = tempfile::tempdir().unwrap();
    let mnt = d.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=96k",
            "tmpfs",
            mnt.to_str().unwrap(),
        ])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "a_full_disk_keeps_what_was_captured: cannot mount a small tmpfs here (needs root): skipped"
        );
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let addr = serve(|p, n, _| {
        if p.starts_with("/debug/pprof/goroutine?") && n == 2 {
            let mut dump = fixture("goroutine-1.txt");
            while dump.len() < 400 << 10 {
                dump.extend_from_slice(&fixture("goroutine-1.txt"));
            }
            Answer::Bytes(http("200 OK", "text/plain", &dump))
        } else {
            good(p)
        }
    });
    let o = capture(&[
        &addr,
        "-o",
        mnt.to_str().unwrap(),
        "--count",
        "3",
        "--every",
        "200ms",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("No space left on device"), "{e}");
    assert!(
        e.contains("what was captured so far is kept and listed in"),
        "{e}"
    );
    let m = manifest(&mnt);
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["snapshot"] == 1 && f["kind"] == "heap")
    );
    whole(&mnt);
}

#[test]
fn usage_errors_exit_2() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    for (args, says) in [
        (vec!["ftp://x", "-o", dir], "only http:// and https://"),
        (
            vec!["127.0.0.1:1", "-o", dir, "--profiles", "profile"],
            "not a snapshot profile",
        ),
        (
            vec!["127.0.0.1:1", "-o", dir, "--every", "0s"],
            "must be more than zero",
        ),
        (
            vec!["127.0.0.1:1", "-o", dir, "--header", "nocolon"],
            "Name: value",
        ),
        (
            vec!["127.0.0.1:1", "-o", dir, "--cacert", "/nonexistent.pem"],
            "cannot read --cacert",
        ),
        (
            vec!["127.0.0.1:1", "-o", dir, "--count", "2", "--for", "1m"],
            "cannot be used with",
        ),
    ] {
        let o = capture(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
}

/// The series commands read a capture's files in the order they came, not the glob's
/// name order (`goroutine-10000` sorts before `goroutine-9999`).
#[test]
fn series_commands_follow_the_manifest_order() {
    let d = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for (i, (src, name)) in [
        ("goroutine-1.txt", "goroutine-9999.txt"),
        ("goroutine-6.txt", "goroutine-10000.txt"),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(d.path().join(name), fixture(src)).unwrap();
        files.push(serde_json::json!({"snapshot": 9999 + i, "kind": "goroutine", "path": name, "received_unix_ns": 1000 + i}));
    }
    let m = serde_json::json!({"schema": "gclens.capture/v1", "files": files});
    std::fs::write(d.path().join("manifest.json"), m.to_string()).unwrap();
    let p = |n: &str| d.path().join(n).to_string_lossy().into_owned();
    let o = Command::new(bin())
        .args([
            "goroutines",
            "--format",
            "json",
            &p("goroutine-10000.txt"),
            &p("goroutine-9999.txt"),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["dumps"][0]["source"], p("goroutine-9999.txt"));
    assert_eq!(j["dumps"][1]["source"], p("goroutine-10000.txt"));
}

/// Continuing a capture whose service is gone stops at once, as a new one would: the
/// files kept by the earlier run do not make every later failure a mere gap.
#[test]
fn a_continued_capture_of_a_service_that_is_gone_stops_at_once() {
    let addr = serve(|p, _, _| good(p));
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    assert_eq!(
        capture(&[&addr, "-o", dir, "--count", "1"]).status.code(),
        Some(0)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = capture(&[
        &format!("127.0.0.1:{port}"),
        "-o",
        dir,
        "--count",
        "3",
        "--every",
        "100ms",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    // one line of failure (no gap per endpoint and snapshot), then the earlier files' next step
    assert!(
        e.lines().next().unwrap().contains("nothing answers at"),
        "{e}"
    );
    assert!(!e.contains("gclens: snapshot"), "{e}");
    assert!(e.contains("next: gclens report"), "{e}");
    let m = manifest(d.path());
    assert_eq!(m["files"].as_array().unwrap().len(), 4);
    whole(d.path());
}
