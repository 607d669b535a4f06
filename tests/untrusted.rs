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
