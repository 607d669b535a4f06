//! The `/metrics` endpoint of a live session: a small HTTP server (tiny_http) on its own
//! thread that answers one request at a time. `GET /metrics` gets the Prometheus text
//! format, or OpenMetrics when the `Accept` header asks for it (Prometheus does); `/`
//! says where the metrics are; anything else is 404, a method other than GET or HEAD 405.
//! A client that stalls is cut off after [`TIMEOUT`].

use super::metrics::Metrics;
use prometheus_client::registry::Registry;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a request may take to arrive and its answer to be taken.
pub const TIMEOUT: Duration = Duration::from_secs(10);

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
    let server = tiny_http::Server::http(addr)
        .map_err(|e| io::Error::other(format!("cannot listen on {addr}: {e}")))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("not an IP listener"))?;
    std::thread::Builder::new()
        .name("gclens-metrics".into())
        .spawn(move || {
            loop {
                match server.recv() {
                    Ok(req) => answer(req, &registry),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        })?;
    Ok(bound)
}

fn answer(req: tiny_http::Request, registry: &Mutex<Registry>) {
    use tiny_http::{Header, Method, Response};
    let header = |k: &str, v: &str| Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
    let path = req.url().split('?').next().unwrap_or("").to_string();
    let (status, body, ctype) = match (req.method(), path.as_str()) {
        (Method::Get | Method::Head, "/metrics") => {
            let om = req.headers().iter().any(|h| {
                h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
            });
            let (text, ctype) = Metrics::encode(registry, om);
            (200, text, ctype)
        }
        (Method::Get | Method::Head, "/") => (
            200,
            "gclens: the traced program's GC metrics are at /metrics\n".to_string(),
            "text/plain; charset=utf-8",
        ),
        (Method::Get | Method::Head, _) => (
            404,
            "not found: try /metrics\n".into(),
            "text/plain; charset=utf-8",
        ),
        _ => (
            405,
            "only GET and HEAD\n".into(),
            "text/plain; charset=utf-8",
        ),
    };
    let mut resp = Response::from_string(body).with_status_code(status);
    if let Some(h) = header("Content-Type", ctype) {
        resp.add_header(h);
    }
    // a failed answer (the client went away) changes nothing
    let _ = req.respond(resp);
}
