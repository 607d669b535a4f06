//! A real Prometheus for the tests that need one (`prometheus.rs`, `fleet.rs`): Debian's
//! package, which `scripts/test` installs when it can; a test says it skipped where
//! there is none.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The `prometheus` binary (`GCLENS_PROMETHEUS`, else on PATH), if it runs.
pub fn prometheus() -> Option<PathBuf> {
    let p: PathBuf = std::env::var_os("GCLENS_PROMETHEUS")
        .filter(|p| !p.is_empty())
        .map_or_else(|| "prometheus".into(), Into::into);
    Command::new(&p)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(p)
}

/// What a skipping test says.
pub const SKIPPED: &str = "skipped: no prometheus binary (scripts/test installs Debian's package when run as \
     root with apt; or set GCLENS_PROMETHEUS=/path/to/prometheus)";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over HTTP/1.0 (no chunked answers): status and body.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// A query string's value, percent-encoded.
pub fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A running Prometheus, killed when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `prom` on `port` with `config`, its data in `dir/data` and its log in
/// `dir/prometheus.log`, and waits until it is ready.
pub fn start(prom: &Path, dir: &Path, config: &Path, port: u16) -> Server {
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let server = Server(
        Command::new(prom)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let t0 = Instant::now();
    while get(port, "/-/ready").is_none_or(|(s, _)| s != 200) {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "prometheus did not start: {}",
            std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}
