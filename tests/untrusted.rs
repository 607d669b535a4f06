//! Issue 28: profiles, dumps and MemStats are someone else's bytes. Each hostile input
//! is generated here (never a multi-megabyte file in the repository), given to the
//! binary, and the process is measured: its peak resident memory stays within the
//! input budget (`--max-input`) plus a constant, and the error names the file, the
//! limit and the flag.

mod common;

use common::bin;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a run of the binary left: exit code, stderr, peak RSS in MiB.
struct Run {
    code: i32,
    stderr: String,
    peak_mib: u64,
}

/// Runs `gclens ARGS` (stdin from `stdin` when given) and measures its peak RSS with
/// wait4(2).
fn measured(args: &[&str], stdin: Option<&Path>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let mut c = Command::new(bin());
    c.args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap());
    c.stdin(match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).unwrap()),
        None => Stdio::null(),
    });
    #[allow(clippy::zombie_processes)] // reaped by wait4 below, which also measures it
    let child = c.spawn().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child we spawned; status and usage are valid for writing.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    Run {
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        },
        stderr: std::fs::read_to_string(&err).unwrap(),
        peak_mib: usage.ru_maxrss as u64 / 1024,
    }
}

/// The same gzip member of `member` repeated `times` times (a multi-member gzip stream,
/// which the readers take whole): a small file that inflates to `member × times`.
fn gzip_bomb(path: &Path, member: &[u8], times: usize) {
    let mut z = flate2::write::GzEncoder::new(vec![], flate2::Compression::best());
    z.write_all(member).unwrap();
    let one = z.finish().unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for _ in 0..times {
        f.write_all(&one).unwrap();
    }
    f.flush().unwrap();
}

fn tmp_file(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// What the process may take besides its input budget: the binary, its libraries and
/// the allocator's slack (the debug build reading a small real profile peaks near 20 MiB, an allocs one near 48).
const CONSTANT_MIB: u64 = 64;

fn assert_refused(r: &Run, file: &str, limit: &str) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(file), "names the file: {}", r.stderr);
    assert!(r.stderr.contains(limit), "names the limit: {}", r.stderr);
    assert!(
        r.stderr.contains("--max-input"),
        "names the flag: {}",
        r.stderr
    );
}

/// A 1 MiB `.pb.gz` that inflates to 1 GiB of zeros took the machine's memory up to
/// the old 2 GiB cap (5.3 GB RSS for a 5 GiB one): now it stops at 64 times its size.
#[test]
fn a_gzip_bomb_is_refused_at_64_times_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let f = tmp_file(&dir, "bomb.pb.gz");
    gzip_bomb(&f, &vec![0u8; 1 << 20], 1024);
    let size = std::fs::metadata(&f).unwrap().len();
    assert!(size < 2 << 20, "{size}");
    let r = measured(&["heap", f.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("64×") && r.stderr.contains("bomb.pb.gz"),
        "{}",
        r.stderr
    );
    let cap_mib = (size * 64) >> 20;
    assert!(
        r.peak_mib < cap_mib * 5 / 4 + CONSTANT_MIB,
        "peak {} MiB for a cap of {cap_mib} MiB",
        r.peak_mib
    );
    // under a smaller budget the budget is what stops it, and is named
    let r = measured(&["heap", f.to_str().unwrap(), "--max-input", "24MiB"], None);
    assert_refused(&r, "bomb.pb.gz", "24 MiB");
    assert!(
        r.peak_mib < 24 * 5 / 4 + CONSTANT_MIB,
        "peak {} MiB",
        r.peak_mib
    );
}

/// 64 MiB of empty samples (`0x12 0x00` repeated, a plain profile.proto) decoded to
/// 32 M samples of 48 bytes each (4.9 GB RSS for 128 MiB; 1 GiB aborted the process):
/// the elements are counted before anything is decoded.
#[test]
fn a_profile_of_empty_samples_is_counted_before_it_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let f = tmp_file(&dir, "empty-samples.pb");
    let chunk: Vec<u8> = [0x12u8, 0x00].repeat(1 << 19);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    for _ in 0..64 {
        w.write_all(&chunk).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let r = measured(
        &["heap", f.to_str().unwrap(), "--max-input", "128MiB"],
        None,
    );
    assert_refused(&r, "empty-samples.pb", "128 MiB");
    assert!(r.stderr.contains("decode"), "{}", r.stderr);
    // the file is mapped: its 64 MiB of pages are touched once, nothing is decoded
    assert!(r.peak_mib < 64 + CONSTANT_MIB, "peak {} MiB", r.peak_mib);
    // gzipped (130 KB for 128 MiB), it is a bomb by its ratio before it is decoded
    let gz = tmp_file(&dir, "empty-samples.pb.gz");
    gzip_bomb(&gz, &chunk, 128);
    let r = measured(&["heap", gz.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.peak_mib < 16 * 5 / 4 + CONSTANT_MIB,
        "peak {} MiB",
        r.peak_mib
    );
}

/// `/dev/zero` (a file or stdin) read until the machine ran out of memory.
#[test]
fn endless_inputs_stop_at_the_budget() {
    for cmd in ["heap", "goroutines", "memstats"] {
        let r = measured(&[cmd, "/dev/zero", "--max-input", "32MiB"], None);
        assert_refused(&r, "/dev/zero", "32 MiB");
        assert!(
            r.peak_mib < 32 * 2 + CONSTANT_MIB,
            "{cmd}: peak {} MiB",
            r.peak_mib
        );
        let r = measured(
            &[cmd, "-", "--max-input", "32MiB"],
            Some(Path::new("/dev/zero")),
        );
        assert_refused(&r, "stdin", "32 MiB");
        assert!(
            r.peak_mib < 32 * 2 + CONSTANT_MIB,
            "{cmd} stdin: peak {} MiB",
            r.peak_mib
        );
    }
}

/// A real profile and dump still read under the default budget, and a too-small
/// budget refuses even them, naming it.
#[test]
fn real_inputs_fit_the_default_budget() {
    let heap = common::path("fixtures/heap/go1.27/plain");
    let first = std::fs::read_dir(&heap)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pb.gz"))
        .min()
        .unwrap();
    let r = measured(&["heap", first.to_str().unwrap()], None);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(r.peak_mib < CONSTANT_MIB, "peak {} MiB", r.peak_mib);
    let r = measured(
        &["heap", first.to_str().unwrap(), "--max-input", "1KiB"],
        None,
    );
    assert_refused(
        &r,
        first.file_name().unwrap().to_str().unwrap(),
        "1024 bytes",
    );
}

// ---- answers that were wrong and looked right: refused, or named ----

fn gclens_run(args: &[&str]) -> (i32, String, String) {
    let o = common::gclens().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A debug=1 heap profile cut at a third reported "0 B in use" with exit 0: its records
/// are checked against its header.
#[test]
fn a_cut_text_heap_profile_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(common::path("fixtures/heap/go1.27/plain/heap-3.txt")).unwrap();
    let cut = tmp_file(&dir, "heap-cut.txt");
    std::fs::write(&cut, &whole[..whole.len() / 3]).unwrap();
    let (code, _, err) = gclens_run(&["heap", cut.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("heap-cut.txt: line 1") && err.contains("cut off"),
        "{err}"
    );
}

fn real_profile() -> gclens::parse::heap::proto::Profile {
    use prost::Message;
    use std::io::Read;
    let gz = std::fs::read(common::path("fixtures/heap/go1.27/plain/heap-5.pb.gz")).unwrap();
    let mut raw = vec![];
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    gclens::parse::heap::proto::Profile::decode(&raw[..]).unwrap()
}

fn write_profile(p: &gclens::parse::heap::proto::Profile, path: &Path) {
    use prost::Message;
    std::fs::write(path, p.encode_to_vec()).unwrap();
}

/// Two samples of i64::MAX bytes summed to "−1 TiB" at a site; a function name with a
/// newline forged a line of the text report.
#[test]
fn impossible_sample_values_and_forged_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = real_profile();
    for s in p.sample.iter_mut().take(2) {
        s.value.iter_mut().for_each(|v| *v = i64::MAX);
    }
    let f = tmp_file(&dir, "overflow.pb");
    write_profile(&p, &f);
    let (code, out, err) = gclens_run(&["heap", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no heap holds that"), "{err}");

    let mut p = real_profile();
    let forged = "FORGED LINE: 999 TiB in use";
    // every function and file name of the profile carries the forgery
    for name in p.string_table.iter_mut().filter(|s| s.contains(&b'.')) {
        let mut forged_name = name.to_vec();
        forged_name.extend_from_slice(format!("\n{forged}\x1b[31m").as_bytes());
        *name = forged_name.into();
    }
    let f = tmp_file(&dir, "forged.pb");
    write_profile(&p, &f);
    for format in ["text", "markdown", "csv"] {
        let (code, out, err) =
            gclens_run(&["heap", f.to_str().unwrap(), "-f", format, "--top", "100"]);
        assert_eq!(code, 0, "{err}");
        assert!(
            !out.lines().any(|l| l.starts_with(forged)),
            "{format}: {out}"
        );
        assert!(
            !out.contains('\x1b'),
            "{format}: an escape sequence came through"
        );
        assert!(
            out.contains("\\nFORGED LINE"),
            "{format}: the name is shown escaped: {out}"
        );
    }
}

/// Two dumps in one file (debug=2, and debug=1) were merged into one; a debug=1 dump
/// cut short was taken as a smaller one; dumps of different kinds were a growth series.
#[test]
fn goroutine_dumps_that_are_not_one_whole_dump() {
    let dir = tempfile::tempdir().unwrap();
    let real = |n: &str| {
        std::fs::read(common::path(&format!(
            "fixtures/goroutines/go1.27/plain/{n}"
        )))
        .unwrap()
    };
    let write = |name: &str, bytes: &[u8]| {
        let f = tmp_file(&dir, name);
        std::fs::write(&f, bytes).unwrap();
        f.to_str().unwrap().to_string()
    };
    let two2 = write(
        "two.debug2.txt",
        &[
            real("goroutines-1.debug2.txt"),
            real("goroutines-2.debug2.txt"),
        ]
        .concat(),
    );
    let (code, _, err) = gclens_run(&["goroutines", &two2]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("two dumps in one file"), "{err}");
    let two1 = write(
        "two.txt",
        &[real("goroutines-1.txt"), real("goroutines-2.txt")].concat(),
    );
    let (code, _, err) = gclens_run(&["goroutines", &two1]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a second goroutine profile"), "{err}");
    let whole = real("goroutines-3.txt");
    let cut = write("cut.txt", &whole[..whole.len() / 3]);
    let (code, _, err) = gclens_run(&["goroutines", &cut]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cut off"), "{err}");
    let d = "fixtures/goroutines/go1.27/plain";
    // dumps of two kinds at two moments are not compared: the richer kind is the series,
    // the other set aside and said (a leak profile is not a count of the population)
    for (a, b, aside) in [
        (
            "goroutines-1.txt",
            "goroutines-2.debug2.txt",
            "goroutines-1.txt",
        ),
        (
            "goroutines-1.txt",
            "goroutineleak-2.txt",
            "goroutineleak-2.txt",
        ),
    ] {
        let (code, out, err) =
            gclens_run(&["goroutines", &format!("{d}/{a}"), &format!("{d}/{b}")]);
        assert_eq!(code, 0, "{a} {b}: {err}");
        assert!(
            out.contains(&format!("set aside: {d}/{aside}: its moment has no")),
            "{out}"
        );
        assert!(out.contains("1 dump(s)"), "{out}");
    }
    // another program: its main.main elsewhere (the real dump with its path changed)
    let other = String::from_utf8(real("goroutines-2.txt"))
        .unwrap()
        .replace("/tmp/gclens-goleak/main.go", "/srv/other/main.go");
    let other = write("other-program.txt", other.as_bytes());
    let (code, _, err) = gclens_run(&["goroutines", &format!("{d}/goroutines-1.txt"), &other]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a series is of one program"), "{err}");
}

/// MemStats across a process restart (NumGC 33 → 24) gave a rate over both processes;
/// dumps out of order a negative span; HeapAlloc = 2^64 − 1 "16777216 TiB".
#[test]
fn memstats_restarts_order_and_impossible_values() {
    let (a, b) = (
        "fixtures/memstats/go1.21/snapshots.vars.jsonl",
        "fixtures/memstats/go1.27/snapshots.vars.jsonl",
    );
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = gclens_run(args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let both = json(&["memstats", a, b, "-f", "json"]);
    assert_eq!(both["summary"]["restarts"], 1);
    let rate = |v: &serde_json::Value| v["summary"]["alloc_rate_mib_s"].as_f64().unwrap();
    let (ra, rb) = (
        json(&["memstats", a, "-f", "json"]),
        json(&["memstats", b, "-f", "json"]),
    );
    // within each process, never across the 12 s between them
    assert!(
        rate(&both) > rate(&ra).min(rate(&rb)) * 0.9,
        "{} vs {} {}",
        rate(&both),
        rate(&ra),
        rate(&rb)
    );
    let (code, out, _) = gclens_run(&["memstats", a, b]);
    assert_eq!(code, 0);
    assert!(out.contains("1 process restart"), "{out}");
    let (code, _, err) = gclens_run(&["memstats", b, a]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("older than the one before it"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::path(b)).unwrap();
    let first = text.lines().next().unwrap();
    let v: serde_json::Value = serde_json::from_str(first).unwrap();
    let heap_alloc = v["memstats"]["HeapAlloc"].as_u64().unwrap().to_string();
    let forged = first.replacen(
        &format!("\"HeapAlloc\":{heap_alloc}"),
        "\"HeapAlloc\":18446744073709551615",
        1,
    );
    assert_ne!(forged, first);
    let f = tmp_file(&dir, "vars.json");
    std::fs::write(&f, forged).unwrap();
    let (code, out, err) = gclens_run(&["memstats", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("HeapAlloc = 18446744073709551615: no process holds that"),
        "{err}"
    );
    assert!(!out.contains("16777216"), "{out}");
}

/// Heap profiles of two programs (their binaries differ in the profile's first
/// mapping) were compared site by site; now refused, naming both.
#[test]
fn heap_profiles_of_two_programs_are_not_a_series() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = real_profile();
    assert!(!p.mapping.is_empty(), "the real profile names its binary");
    p.string_table
        .push(bytes::Bytes::from_static(b"/srv/other/bin"));
    p.mapping[0].filename = (p.string_table.len() - 1) as i64;
    let other = tmp_file(&dir, "other.pb");
    write_profile(&p, &other);
    let first = common::path("fixtures/heap/go1.27/plain/heap-4.pb.gz");
    let (code, _, err) = gclens_run(&["heap", first.to_str().unwrap(), other.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/srv/other/bin") && err.contains("a series is of one program"),
        "{err}"
    );
    // the same program's profiles are one series
    let (code, _, err) = gclens_run(&["heap", first.to_str().unwrap(), first.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}
