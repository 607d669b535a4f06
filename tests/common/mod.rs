//! What every test binary shares: the `gclens` binary run from the repository root
//! with colour off (`NO_COLOR`), and where the fixtures are. Each test file says
//! `mod common;` and uses what it needs.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::PathBuf;

/// The repository root: fixtures and programs are named relative to it.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The Go releases and builds the heap and goroutine fixtures were captured with
/// (`fixtures/heap/…`, `fixtures/goroutines/…`).
pub const BUILDS: [&str; 6] = [
    "go1.19/plain",
    "go1.19/trimpath",
    "go1.21/plain",
    "go1.21/trimpath",
    "go1.27/plain",
    "go1.27/trimpath",
];

/// The binary, run in the repository root, without colour.
pub fn gclens() -> Command {
    let mut c = Command::cargo_bin("gclens").unwrap();
    c.current_dir(ROOT).env("NO_COLOR", "1");
    c
}

/// The binary's path, for tests that drive it with std::process.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("gclens")
}

/// Runs `gclens ARGS…`: stdout (UTF-8) and the exit code.
pub fn run(args: &[&str]) -> (String, i32) {
    let out = gclens().args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// Runs `gclens ARGS…`, which must exit 0: its stdout.
pub fn ok(args: &[&str]) -> String {
    let (out, code) = run(args);
    assert_eq!(code, 0, "gclens {args:?}");
    out
}

/// A file under the repository root.
pub fn path(rel: &str) -> PathBuf {
    PathBuf::from(ROOT).join(rel)
}
