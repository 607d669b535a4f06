//! Regression tests for issue 19 (hardening), each named after the failure it reproduces:
//! stderr that cannot be written, closed pipes, signals and grandchildren under `run`,
//! atomic outputs, paths outside the root, bounded memory, odd values.

mod common;

use common::{ROOT, bin, gclens, path};
use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LEAK: &str = "fixtures/gctrace/go1.27/leak.log";

fn dev_full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

/// `gclens ARGS…` with stderr on /dev/full and stdin from `input`: the exit code.
fn with_full_stderr(args: &[&str], input: Stdio) -> i32 {
    Command::new(bin())
        .current_dir(ROOT)
        .args(args)
        .stdin(input)
        .stdout(Stdio::null())
        .stderr(dev_full())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

fn file(rel: &str) -> Stdio {
    Stdio::from(File::open(path(rel)).unwrap())
}

#[test]
fn stderr_on_dev_full_panicked_with_exit_101() {
    assert_eq!(
        with_full_stderr(&["gc"], Stdio::from(File::open("/dev/null").unwrap())),
        1
    );
    assert_eq!(with_full_stderr(&["gc", "/no/such/file"], Stdio::null()), 2);
    assert_eq!(with_full_stderr(&["escape", "-"], Stdio::null()), 1);
    assert_eq!(
        with_full_stderr(
            &["advise", "/no/such/file", "--budget", "1G"],
            Stdio::null()
        ),
        2
    );
    assert_eq!(
        with_full_stderr(&["advise", LEAK, "--budget", "1G"], Stdio::null()),
        0
    );
    assert_eq!(
        with_full_stderr(&["run", "--", "sh", "-c", "exit 3"], Stdio::null()),
        3
    );
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.json");
    let code = with_full_stderr(&["watch", "--json", w.to_str().unwrap()], file(LEAK));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&w).unwrap()).unwrap();
    assert_eq!(doc["summary"]["cycles"], 473);
}

/// stderr a pipe whose reader is gone: `run` exited 0 without its files (the first
/// forwarded line failed and the cycles after it were never scanned).
#[test]
fn stderr_closed_pipe_lost_the_files_and_the_childs_status() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.json");
    let script = format!("cat {ROOT}/{LEAK} >&2; exit 3");
    let mut child = Command::new(bin())
        .args([
            "run",
            "--json",
            x.to_str().unwrap(),
            "--",
            "sh",
            "-c",
            &script,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&x).unwrap()).unwrap();
    assert_eq!(doc["summary"]["cycles"], 473);

    let w = dir.path().join("w.json");
    let mut child = Command::new(bin())
        .args(["watch", "--json", w.to_str().unwrap()])
        .stdin(file(LEAK))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(w.exists());
}

fn spawn_run(script: &str) -> std::process::Child {
    Command::new(bin())
        .args(["run", "--no-status", "--", "sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `run` stopped passing signals on once the child closed its stderr: SIGTERM then
/// waited for the child's own end (exit 4 after 5 s).
#[test]
fn run_passed_no_signal_after_the_child_closed_stderr() {
    let mut child = spawn_run("exec 2>&-; sleep 30; exit 4");
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM));
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// `run` waited for a grandchild that held stderr open (`sh -c 'sleep 8 & exit 3'`).
#[test]
fn run_waited_for_grandchildren_holding_stderr() {
    let t = Instant::now();
    let status = spawn_run("sleep 30 & exit 3").wait().unwrap();
    assert_eq!(status.code(), Some(3));
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// Signals reached only the direct child: a grandchild of `sh -c` lived on.
#[test]
fn run_signals_reached_only_the_direct_child() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("sleep 60 & echo $! > {}; wait", pidfile.display());
    let mut child = spawn_run(&script);
    let t = Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(t.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
    let sleeper: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(128 + libc::SIGTERM));
    let t = Instant::now();
    // the grandchild is gone (reaped by init: kill(pid, 0) fails)
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    while unsafe { libc::kill(sleeper, 0) } == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "sleep {sleeper} still runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn run_of_a_missing_program_was_exit_2_not_127() {
    gclens()
        .args(["run", "--", "/no/such/program"])
        .assert()
        .code(127)
        .stderr(predicates::str::contains("cannot start /no/such/program"));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("not-executable");
    std::fs::write(&p, "#!/bin/sh\n").unwrap();
    gclens().args(["run", "--"]).arg(&p).assert().code(126);
}

/// A bad output path was found only at the end of a live session, after the whole run.
#[test]
fn live_output_paths_were_checked_only_at_the_end() {
    for cmd in [&["watch"][..], &["run"]] {
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend(["--json", "/no/such/dir/x.json"]);
        if cmd[0] == "run" {
            args.extend(["--", "sh", "-c", "sleep 30"]);
        }
        let t = Instant::now();
        gclens()
            .args(&args)
            .write_stdin("never read")
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "cannot write /no/such/dir/x.json: No such file or directory",
            ));
        assert!(t.elapsed() < Duration::from_secs(20));
    }
}

/// One output that fails (`/dev/full`) stopped the others, and replaced `run`'s status.
#[test]
fn a_failing_output_stopped_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv");
    let c = csv.to_str().unwrap();
    gclens()
        .args(["watch", "--json", "/dev/full", "--csv", c])
        .pipe_stdin(path(LEAK))
        .unwrap()
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write /dev/full"));
    assert!(std::fs::read_to_string(&csv).unwrap().lines().count() > 400);
    std::fs::remove_file(&csv).unwrap();
    let script = format!("cat {ROOT}/{LEAK} >&2; exit 5");
    gclens()
        .args([
            "run",
            "--json",
            "/dev/full",
            "--csv",
            c,
            "--",
            "sh",
            "-c",
            &script,
        ])
        .assert()
        .code(5);
    assert!(csv.exists());
}

/// A failure half-way through writing a file left it truncated over the old one.
#[test]
fn a_failed_write_left_a_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    std::fs::write(&target, "old").unwrap();
    let t = target.to_str().unwrap();
    let res = gclens::output::write_to(Some(t), |w| {
        w.write_all(b"{\"half\":")?;
        anyhow::bail!("No space left on device")
    });
    assert!(res.is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "a temporary file was left behind");
    // and a write that succeeds replaces it whole, keeping its permissions
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    gclens::output::write_to(Some(t), |w| Ok(w.write_all(b"new")?)).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
}

/// `escape` read any file a diagnostic named: `/dev/zero` grew without end, a FIFO
/// hung, files outside the root were read (and SARIF's `endColumn` told about them).
#[test]
fn escape_read_dev_zero_a_fifo_and_files_outside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(
        root.join("a.go"),
        "package a\n\nfunc F() *int {\n\tx := 1\n\treturn &x\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.go"), "package s\n\nvar x = 1\n").unwrap();
    let fifo = std::ffi::CString::new(root.join("fifo.go").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.go")).unwrap();
    let lines = "# example.com/a\n\
        ./a.go:4:2: moved to heap: x\n\
        /dev/zero:1:1: moved to heap: y\n\
        ./zero.go:1:1: moved to heap: y\n\
        ./fifo.go:1:1: moved to heap: z\n\
        ../secret.go:3:5: moved to heap: x\n";
    let out = gclens()
        .current_dir(&root)
        .args(["escape", "--format", "sarif", "--root", "."])
        .write_stdin(lines)
        .timeout(Duration::from_secs(60))
        .assert()
        .code(0)
        .stderr(predicates::str::contains("left out"))
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let files = common::sarif_uris(&sarif);
    assert!(files.contains(&"a.go".to_string()), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.contains("secret") || f.contains("/dev")),
        "{files:?}"
    );
}

/// Review outputs named paths outside the root: `..` after a stripped prefix, `..`
/// climbing out of a relative path, a prefix matching part of a directory name.
#[test]
fn review_outputs_named_paths_outside_the_root() {
    let lines = "# example.com/a\n\
        /ci/checkout/../../../etc/passwd:1:1: moved to heap: x\n\
        a/../../../x.go:1:1: moved to heap: y\n\
        /repo-tools/evil.go:1:1: moved to heap: z\n\
        /ci/checkout/ok.go:1:1: moved to heap: w\n";
    let out = gclens()
        .args([
            "escape",
            "--format",
            "github",
            "--strip-prefix",
            "/ci/checkout/",
            "--strip-prefix",
            "/repo",
        ])
        .write_stdin(lines)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("3 diagnostic(s) left out"))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("file=ok.go"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
}

/// `escape diff` exited 2 (usage error) when one side had no diagnostics, while
/// `escape` exits 1 (nothing found) for the same input.
#[test]
fn escape_diff_with_an_empty_side_was_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let e = empty.to_str().unwrap();
    let head = path("fixtures/escape/go1.27/m1.txt");
    let head = head.to_str().unwrap();
    gclens().args(["escape", e]).assert().code(1);
    gclens()
        .args(["escape", "diff", e, head])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no compiler diagnostic in"));
}

/// A heap of 10^15 MB became 4294967295 MiB in text, CSV and chart: such a line is now
/// malformed (counted, with its example), never a capped figure.
#[test]
fn a_huge_value_was_silently_capped() {
    let real = std::fs::read_to_string(path(LEAK)).unwrap();
    let line = real.lines().find(|l| l.starts_with("gc 2 ")).unwrap();
    let (head, tail) = line.split_once(" MB,").unwrap();
    let (start, _) = head.split_once("->").unwrap();
    let huge = format!("{start}->1000000000000000->4 MB,{tail}\n");
    let out = gclens()
        .args(["gc", "--format", "json", "-"])
        .write_stdin(format!("{}\n{huge}", real.lines().nth(1).unwrap()))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["summary"]["cycles"], 1);
    assert_eq!(doc["skipped"]["malformed"], 1);
    assert!(!String::from_utf8_lossy(&out).contains("4294967295"));
}

/// `watch` JSON of a long stream held only the newest cycles, and did not say so
/// (1,619,427 cycles seen, 219,427 in the JSON): the older ones are now in `folded`.
#[test]
fn watch_json_dropped_older_cycles_silently() {
    use gclens::output::Format;
    let data = std::fs::read(path(LEAK)).unwrap();
    let mut m = gclens::live::Monitor::with_window(0, 100);
    let scanner = gclens::parse::Scanner::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        m.builder.feed(&scanner, line);
        m.bound();
    }
    let report = m.into_report("-").unwrap();
    let mut out = vec![];
    gclens::export::json::Json.write(&report, &mut out).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let kept = doc["cycles"].as_array().unwrap();
    let folded = doc["folded"]["cycles"].as_u64().unwrap();
    assert_eq!(kept.len() as u64 + folded, 473);
    let buckets = doc["folded"]["buckets"].as_array().unwrap();
    let in_buckets: u64 = buckets.iter().map(|b| b["cycles"].as_u64().unwrap()).sum();
    assert_eq!(in_buckets, folded);
    assert_eq!(buckets[0]["first_gc"], 1);
    let last = buckets.last().unwrap()["last_gc"].as_u64().unwrap();
    assert_eq!(kept[0]["cycle"].as_u64().unwrap(), last + 1);
}

/// SIGBUS (exit 135) when the input file was truncated while mapped (logrotate's
/// `copytruncate`): gclens now either finished before the cut or names the truncation
/// (exit 2), and never dies of a signal.
#[test]
fn a_trace_truncated_while_read_killed_gclens_with_sigbus() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    let one = std::fs::read(path(LEAK)).unwrap();
    let mut f = File::create(&big).unwrap();
    while f.metadata().unwrap().len() < 256 << 20 {
        f.write_all(&one).unwrap();
    }
    drop(f);
    let child = Command::new(bin())
        .args(["gc", big.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(4096)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{:?} {err}",
        out.status
    );
    if out.status.code() == Some(2) {
        assert!(err.contains("truncated while it was read"), "{err}");
    }

    // the same, made certain: mapped, cut, then read
    let mut f = File::create(&big).unwrap();
    for _ in 0..64 {
        f.write_all(&one).unwrap();
    }
    let data = gclens::input::read_all(big.to_str().unwrap()).unwrap();
    f.set_len(4096).unwrap();
    let t = gclens::parse::load_bytes(&data);
    assert!(!t.cycles.is_empty());
    let e = data.check("big.log").unwrap_err();
    assert!(e.to_string().contains("big.log was truncated"), "{e}");
}

/// `memstats -` on a 2 GiB line without a newline peaked at 5.3 GB (and `escape -` of
/// wrapped output that never ends its line grew likewise): the line is now dropped as
/// it streams by and named.
#[test]
fn stdin_with_an_endless_line_filled_memory() {
    let mut big = vec![b'a'; 3 << 20];
    big.extend_from_slice(b"\n");
    let dump = std::fs::read(path("fixtures/memstats/go1.27/snapshots.plusv.txt")).unwrap();
    big.extend_from_slice(&dump);
    let out = gclens()
        .args(["memstats", "--format", "json", "-"])
        .write_stdin(big)
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "stdin:1: a line longer than 1 MiB, skipped",
        ))
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(!doc["snapshots"].as_array().unwrap().is_empty(), "{doc}");

    let piece = r#"{"ImportPath":"x","Action":"build-output","Output":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    let wrapped: String = std::iter::repeat_n(format!("{piece}\n"), 40_000).collect();
    gclens()
        .args(["escape", "-"])
        .write_stdin(wrapped)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "a wrapped line longer than 1 MiB, skipped",
        ));
}

/// `advise` took a budget of 0 or 1 byte (and advised `GOMEMLIMIT=0MiB`), printed a
/// goal below the live heap for a budget under it, and refused `--headroom 0.9` while
/// saying "between 0 and 0.9".
#[test]
fn advise_accepted_budgets_that_cannot_hold_the_program() {
    let steady = "fixtures/gctrace/go1.27/steady.log";
    for b in ["0", "1"] {
        gclens()
            .args(["advise", steady, "--budget", b])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "a memory budget is at least 1 MiB",
            ));
    }
    gclens()
        .args(["advise", steady, "--budget", "40Mi"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains(
            "the program's live heap alone takes",
        ))
        .stderr(predicates::str::contains("A budget of at least"));
    gclens()
        .args(["advise", steady, "--budget", "1G", "--headroom", "0.9"])
        .assert()
        .code(0);
    gclens()
        .args(["advise", steady, "--budget", "1G", "--headroom", "0.95"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("between 0 and 0.9"));
}

/// Inputs the fuzzers found (fuzz/regressions/TARGET/NAME, named after the failure),
/// run through the commands the target exercises: none may panic (exit 101).
/// - gctrace/advice-time-goes-backwards.log: times going backwards inside a segment
///   overflowed the warm-up arithmetic of `advise`.
/// - gctrace/summary-duration-overflow.log: `@` times near 2^64 ms overflowed the
///   summary's duration sum.
#[test]
fn fuzz_findings_stay_fixed() {
    let commands: &[(&str, &[&[&str]])] = &[
        (
            "gctrace",
            &[
                &["gc"],
                &["gc", "--format", "json"],
                &["advise", "--budget", "512Mi"],
                &["chart", "-o", "/dev/null"],
            ],
        ),
        (
            "escape_text",
            &[&["escape"], &["escape", "--format", "sarif"]],
        ),
        ("memstats", &[&["memstats"]]),
        ("heap", &[&["heap"]]),
        ("goroutines", &[&["goroutines"]]),
    ];
    let mut seen = 0;
    for (target, runs) in commands {
        let Ok(dir) = std::fs::read_dir(path(&format!("fuzz/regressions/{target}"))) else {
            continue;
        };
        for f in dir {
            let f = f.unwrap().path();
            for args in *runs {
                let out = gclens().args(*args).arg(&f).output().unwrap();
                let code = out.status.code();
                assert!(
                    matches!(code, Some(0..=2)),
                    "gclens {args:?} {}: {code:?}\n{}",
                    f.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

/// `gclens completions bash | head -1` panicked inside clap_complete (exit 101), and so
/// did a full stdout.
#[test]
fn completions_to_a_closed_pipe_panicked() {
    let status = |stdout: Stdio| {
        Command::new(bin())
            .args(["completions", "bash"])
            .stdout(stdout)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(status(dev_full()), Some(2));
    let mut child = Command::new(bin())
        .args(["completions", "zsh"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// A likely-leak ALERT exited 0: no CI gate outside `escape diff` (issue 18). Now
/// `--fail-on` fails `gc`, `watch` and `run` (a run that itself succeeded) with exit 1,
/// after writing everything.
#[test]
fn a_likely_leak_passed_every_ci_gate() {
    let leak = "fixtures/gctrace/go1.21/leak.log";
    gclens()
        .args(["gc", leak, "--fail-on", "alert"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("likely leak"))
        .stderr(predicates::str::contains(
            "--fail-on: live heap floor grows",
        ));
    gclens().args(["gc", leak]).assert().code(0);
    gclens()
        .args([
            "gc",
            "fixtures/gctrace/go1.27/steady.log",
            "--fail-on",
            "alert",
        ])
        .assert()
        .code(0);
    gclens()
        .args(["watch", "--fail-on", "warn"])
        .pipe_stdin(path(leak))
        .unwrap()
        .assert()
        .code(1);
    let script = format!("cat {ROOT}/{leak} >&2");
    gclens()
        .args(["run", "--fail-on", "alert", "--", "sh", "-c", &script])
        .assert()
        .code(1);
    gclens()
        .args([
            "run",
            "--fail-on",
            "alert",
            "--",
            "sh",
            "-c",
            &format!("{script}; exit 7"),
        ])
        .assert()
        .code(7);
}

/// `--budget auto` could not be pointed at a cgroup tree (the root was hard-coded).
#[test]
fn budget_auto_read_only_the_real_cgroup_root() {
    gclens()
        .args([
            "advise",
            "fixtures/gctrace/go1.27/steady.log",
            "--budget",
            "auto",
            "--cgroup-root",
            "fixtures/cgroup/v2-container",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("budget 125 MiB"));
}
