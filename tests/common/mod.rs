//! What every test binary shares: the `gclens` binary run from the repository root
//! with colour off (`NO_COLOR`), and where the fixtures are. Each test file says
//! `mod common;` and uses what it needs.
#![allow(dead_code)]

pub mod docs;
pub mod fake;
pub mod prom;

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

/// Starts `gclens ARGS…` in the repository root, its stdin, stdout and stderr piped.
pub fn spawn(args: &[&str]) -> std::process::Child {
    use std::process::Stdio;
    std::process::Command::new(bin())
        .current_dir(ROOT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads the first bytes `child` writes, then closes its stdout, as `| head` does.
pub fn close_stdout_after_a_little(child: &mut std::process::Child) {
    use std::io::Read;
    let mut first = [0u8; 16];
    let out = child.stdout.as_mut().unwrap();
    out.read_exact(&mut first).unwrap();
    drop(child.stdout.take());
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

/// The Go toolchain the tests that build Go code use: `GCLENS_GO` (scripts/test sets it),
/// else `go` on PATH.
pub fn go() -> PathBuf {
    if let Some(p) = std::env::var_os("GCLENS_GO").filter(|p| !p.is_empty()) {
        return p.into();
    }
    if std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return "go".into();
    }
    panic!(
        "this test builds Go code and no Go toolchain was found: set GCLENS_GO to a go binary \
         (e.g. GOROOT=$(../shared/tools/go-toolchain 1.27.3); GCLENS_GO=$GOROOT/bin/go) or run scripts/test"
    );
}

/// The environment a Go build of the fixtures runs in: this toolchain's GOROOT, no
/// toolchain switching, no network.
pub fn go_env() -> Vec<(&'static str, std::ffi::OsString)> {
    let go = go();
    let mut env = vec![
        ("GOTOOLCHAIN", "local".into()),
        ("GOFLAGS", "-mod=mod".into()),
        ("GOPROXY", "off".into()),
    ];
    if let Some(root) = go
        .parent()
        .and_then(std::path::Path::parent)
        .filter(|r| r.join("src/runtime").is_dir())
    {
        env.push(("GOROOT", root.into()));
    }
    env
}

/// `go` with [`go_env`].
pub fn go_command() -> std::process::Command {
    let mut c = std::process::Command::new(go());
    c.envs(go_env());
    c
}

/// The file of every result of a SARIF document, in order.
pub fn sarif_uris(sarif: &serde_json::Value) -> Vec<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}
