//! The `/metrics` endpoint of a live session: a small HTTP/1.1 server on its own thread,
//! one connection at a time, each bounded — the request head must arrive within
//! [`TIMEOUT`] and fit in [`MAX_HEAD`] bytes (httparse reads it), the answer must be taken
//! within [`TIMEOUT`], then the connection is closed. `GET /metrics` gets the Prometheus
//! text format, or OpenMetrics when the `Accept` header asks for it (Prometheus does); `/`
//! says where the metrics are; other paths are 404, methods other than GET and HEAD 405,
//! a request that does not parse 400. A stalled client delays the next scrape by at most
//! [`TIMEOUT`] and costs no thread or memory beyond its one buffer.

use super::metrics::Metrics;
use prometheus_client::registry::Registry;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a request may take to arrive, and its answer to be taken.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request head read.
pub const MAX_HEAD: usize = 16 << 10;

/// `:9464` (Go's style: every interface), `localhost:9464`, `127.0.0.1:0`, `[::1]:9464`.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let full = if s.starts_with(':') {
        format!("0.0.0.0{s}")
    } else {
        s.to_string()
    };
    full.to_socket_addrs()
        .map_err(|e| {
            format!("{s:?}: not an address to listen on (e.g. :9464, 127.0.0.1:9464): {e}")
        })?
        .next()
        .ok_or_else(|| format!("{s:?}: no address"))
}

/// Starts serving `registry` on `addr`; returns the address it listens on (the port
/// chosen when `addr` asked for port 0).
pub fn serve(addr: SocketAddr, registry: Arc<Mutex<Registry>>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    let bound = listener.local_addr()?;
    std::thread::Builder::new()
        .name("gclens-metrics".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    // a failed answer (the client went away, timed out) changes nothing
                    Ok(s) => drop(answer(s, &registry)),
                    // out of descriptors and the like: do not spin
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })?;
    Ok(bound)
}

/// Reads one request head (within the time and size bounds) and answers it.
fn answer(mut s: TcpStream, registry: &Mutex<Registry>) -> io::Result<()> {
    s.set_write_timeout(Some(TIMEOUT))?;
    let deadline = Instant::now() + TIMEOUT;
    let mut buf = vec![0u8; MAX_HEAD];
    let mut n = 0;
    let (method, path, openmetrics) = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || n == buf.len() {
            return respond(
                &mut s,
                400,
                "text/plain; charset=utf-8",
                "request too slow or too large\n",
                true,
            );
        }
        s.set_read_timeout(Some(left))?;
        let got = s.read(&mut buf[n..])?;
        if got == 0 {
            return Ok(());
        }
        n += got;
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf[..n]) {
            Ok(httparse::Status::Complete(_)) => {
                let om = req.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("accept")
                        && String::from_utf8_lossy(h.value).contains("application/openmetrics-text")
                });
                let path = req.path.unwrap_or("").split('?').next().unwrap_or("");
                break (req.method.unwrap_or("").to_string(), path.to_string(), om);
            }
            Ok(httparse::Status::Partial) => continue,
            Err(_) => {
                return respond(
                    &mut s,
                    400,
                    "text/plain; charset=utf-8",
                    "bad request\n",
                    true,
                );
            }
        }
    };
    let text = "text/plain; charset=utf-8";
    let body_too = method != "HEAD";
    match (method.as_str(), path.as_str()) {
        ("GET" | "HEAD", "/metrics") => {
            let (body, ctype) = Metrics::encode(registry, openmetrics);
            respond(&mut s, 200, ctype, &body, body_too)
        }
        ("GET" | "HEAD", "/") => respond(
            &mut s,
            200,
            text,
            "gclens: the traced program's GC metrics are at /metrics\n",
            body_too,
        ),
        ("GET" | "HEAD", _) => respond(&mut s, 404, text, "not found: try /metrics\n", body_too),
        _ => respond(&mut s, 405, text, "only GET and HEAD\n", true),
    }
}

fn respond(
    s: &mut TcpStream,
    code: u16,
    ctype: &str,
    body: &str,
    with_body: bool,
) -> io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if code == 405 {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    out.push_str("\r\n");
    if with_body {
        out.push_str(body);
    }
    s.write_all(out.as_bytes())?;
    s.flush()
}
