//! Bytes from a live service over HTTP(S), for `gclens capture`: a blocking client
//! (ureq with rustls: no async runtime for one request at a time, no OpenSSL to link),
//! the system's trusted roots or the CA file given, a timeout per request, a cap on what
//! a response may hold. What goes wrong is said the way a person at 3 a.m. needs it:
//! nothing listening, no such host, no answer in time, a response cut off, too big —
//! each naming the URL. Headers given here (credentials) are sent and never shown.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Sent with every request (`Authorization: Bearer …`); never printed.
    pub headers: Vec<(String, String)>,
    /// PEM certificates to trust instead of the system's roots.
    pub cacert: Option<Vec<u8>>,
    /// The most one request may take, answer and body.
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    headers: Vec<(String, String)>,
    timeout: Duration,
}

/// What went wrong with one request, and at which URL.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError {
    pub url: String,
    pub kind: Failure,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Connection refused: nothing listens there.
    Refused,
    /// The host name does not resolve.
    NoHost,
    /// No complete answer within the timeout.
    Timeout,
    /// The body ended before it was whole.
    CutOff {
        bytes: u64,
    },
    /// The body is bigger than the cap.
    TooBig {
        limit: u64,
    },
    Tls(String),
    /// Writing what came failed (disk full, directory gone).
    Write(String),
    /// Stopped by a signal.
    Interrupted,
    Other(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let u = &self.url;
        match &self.kind {
            Failure::Refused => write!(
                f,
                "nothing answers at {}: is the service running, and does it serve net/http/pprof there?",
                host_of(u)
            ),
            Failure::NoHost => write!(f, "{u}: the host {} is not known (DNS)", host_of(u)),
            Failure::Timeout => write!(
                f,
                "{u} did not answer in time (--timeout raises the limit): the service may be stalled or overloaded"
            ),
            Failure::CutOff { bytes } => write!(
                f,
                "{u}: the response was cut off after {bytes} bytes (the connection closed mid-body)"
            ),
            Failure::TooBig { limit } => write!(
                f,
                "{u}: the response is bigger than {} (the input limit; --max-input SIZE raises it)",
                crate::input::human_size(*limit)
            ),
            Failure::Tls(e) => write!(
                f,
                "{u}: TLS failed: {e} (--cacert FILE trusts a private certificate authority)"
            ),
            Failure::Write(e) => write!(f, "{u}: cannot save the response: {e}"),
            Failure::Interrupted => write!(f, "{u}: interrupted"),
            Failure::Other(e) => write!(f, "{u}: {e}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// `host:port` of a URL, for messages.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    host.rsplit_once('@').map_or(host, |(_, h)| h)
}

/// An answer: its status and headers; the body is written by [`Reply::save`].
pub struct Reply {
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    body: ureq::BodyReader<'static>,
}

impl Client {
    pub fn new(opts: Options) -> Result<Client, String> {
        use ureq::tls::{RootCerts, TlsConfig};
        let roots = match &opts.cacert {
            None => RootCerts::PlatformVerifier,
            Some(pem) => {
                let mut certs = vec![];
                for item in ureq::tls::parse_pem(pem) {
                    if let ureq::tls::PemItem::Certificate(c) =
                        item.map_err(|e| format!("not a PEM certificate file: {e}"))?
                    {
                        certs.push(c);
                    }
                }
                if certs.is_empty() {
                    return Err("no certificate in it (PEM: -----BEGIN CERTIFICATE-----)".into());
                }
                RootCerts::Specific(Arc::new(certs))
            }
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(opts.timeout))
            .user_agent(concat!("gclens/", env!("CARGO_PKG_VERSION")))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build();
        Ok(Client {
            agent: config.into(),
            headers: opts.headers,
            timeout: opts.timeout,
        })
    }

    /// Asks for `url`; any HTTP status is an answer, only transport failures are errors.
    pub fn get(&self, url: &str) -> Result<Reply, FetchError> {
        let mut req = self.agent.get(url);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let resp = req.call().map_err(|e| failure(url, e, 0))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Reply {
            url: url.to_string(),
            status,
            content_type,
            body: resp.into_body().into_reader(),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

impl Reply {
    /// Copies the body into `out` (at most `limit` bytes), checking `stop` between reads;
    /// returns the bytes written.
    pub fn save(
        &mut self,
        out: &mut dyn Write,
        limit: u64,
        stop: &AtomicBool,
    ) -> Result<u64, FetchError> {
        let mut buf = vec![0u8; 64 << 10];
        let mut n: u64 = 0;
        loop {
            if stop.load(Ordering::Relaxed) {
                return Err(self.error(Failure::Interrupted));
            }
            let got = match self.body.read(&mut buf) {
                Ok(0) => return Ok(n),
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(failure(&self.url, ureq::Error::from(e), n)),
            };
            n += got as u64;
            if n > limit {
                return Err(self.error(Failure::TooBig { limit }));
            }
            out.write_all(&buf[..got])
                .map_err(|e| self.error(Failure::Write(e.to_string())))?;
        }
    }

    /// The first bytes of the body (an error page's text), at most `max`.
    pub fn head(&mut self, max: usize) -> Vec<u8> {
        let mut v = vec![];
        let _ = (&mut self.body).take(max as u64).read_to_end(&mut v);
        v
    }

    fn error(&self, kind: Failure) -> FetchError {
        FetchError {
            url: self.url.clone(),
            kind,
        }
    }
}

/// What a ureq error means for a person; `bytes` is what had come of the body.
fn failure(url: &str, e: ureq::Error, bytes: u64) -> FetchError {
    use ureq::Error as E;
    let kind = match e {
        E::HostNotFound => Failure::NoHost,
        E::Timeout(_) => Failure::Timeout,
        E::Tls(m) => Failure::Tls(m.to_string()),
        E::Rustls(r) => Failure::Tls(r.to_string()),
        E::Pem(p) => Failure::Tls(p.to_string()),
        E::BodyExceedsLimit(l) => Failure::TooBig { limit: l },
        E::ConnectionFailed => Failure::Refused,
        E::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => Failure::Refused,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::Timeout,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Failure::CutOff { bytes },
            // std's resolver: "failed to lookup address information: Name or service not known"
            _ if io.to_string().contains("failed to lookup address") => Failure::NoHost,
            // rustls reports a failed handshake through the socket's reader
            io::ErrorKind::InvalidData if is_tls(&io.to_string()) => Failure::Tls(io.to_string()),
            _ => Failure::Other(io.to_string()),
        },
        E::Protocol(p) if bytes > 0 => {
            let _ = p;
            Failure::CutOff { bytes }
        }
        other => Failure::Other(other.to_string()),
    };
    FetchError {
        url: url.to_string(),
        kind,
    }
}

fn is_tls(msg: &str) -> bool {
    ["certificate", "handshake", "tls", "TLS"]
        .iter()
        .any(|w| msg.contains(w))
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn the_host_of_a_url_without_credentials() {
        assert_eq!(
            host_of("http://127.0.0.1:6060/debug/pprof/heap"),
            "127.0.0.1:6060"
        );
        assert_eq!(host_of("https://u:p@svc.local/x?y"), "svc.local");
        assert_eq!(host_of("svc:6060"), "svc:6060");
    }
}
