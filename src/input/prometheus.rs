//! Answers from a Prometheus HTTP API (`/api/v1/…`; Thanos, Mimir and VictoriaMetrics
//! answer the same), for `gclens fleet`. Prometheus is the store that scales: gclens
//! asks it range queries and never keeps a series of its own. Every way a request can
//! fail is a line a person can act on: nothing answers, the URL is not a Prometheus (an
//! HTML login page, a 404), the query is refused (Prometheus's own `error` text: a bad
//! query, too many samples, a timeout), authentication is needed.

use super::http::{Client, FetchError};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::sync::atomic::AtomicBool;

/// A Prometheus to ask.
pub struct Prometheus {
    base: String,
    client: Client,
    /// The most one answer may hold.
    max_bytes: u64,
}

/// What an API call that was not answered with data came to.
#[derive(Debug)]
pub enum ApiError {
    /// The request did not get an answer (nothing listening, DNS, timeout, TLS, …).
    Fetch(FetchError),
    /// An HTTP status other than 200, with what the body says.
    Status {
        url: String,
        status: u16,
        /// Prometheus's `errorType` and `error` when the body is its JSON, else the
        /// start of the body.
        says: String,
    },
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Fetch(e) if e.kind == super::http::Failure::Refused => write!(
                f,
                "nothing answers at {}: is Prometheus running there?",
                super::http::host_of(&e.url)
            ),
            ApiError::Fetch(e) => write!(f, "{e}"),
            ApiError::Status { url, status, says } => {
                let hint = match status {
                    400 | 422 => "Prometheus refused the query",
                    401 | 403 => {
                        "not allowed: give credentials with --header 'Authorization: Bearer …'"
                    }
                    404 => {
                        "no Prometheus API there: give the base URL, e.g. http://prometheus:9090"
                    }
                    503 | 504 => {
                        "Prometheus gave up on the query (timeout or overload): try a shorter --range, a coarser --step or a smaller --batch"
                    }
                    _ => "Prometheus answered with an error",
                };
                write!(f, "{url}: HTTP {status}: {hint}")?;
                if !says.is_empty() {
                    write!(f, ": {says}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ApiError {}

impl Prometheus {
    /// The API at `base` (`http://prometheus:9090`, or a prefix such as
    /// `https://mimir.example/prometheus`), asked through `client`.
    pub fn new(base: &str, client: Client, max_bytes: u64) -> Self {
        let base = base.trim_end_matches('/');
        let base = base.strip_suffix("/api/v1").unwrap_or(base);
        let base = if base.contains("://") {
            base.to_string()
        } else {
            format!("http://{base}")
        };
        Prometheus {
            base,
            client,
            max_bytes,
        }
    }

    /// The URL of `path` under the API with `params`, encoded.
    pub fn url(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut u = format!("{}/api/v1/{path}", self.base);
        for (i, (k, v)) in params.iter().enumerate() {
            u.push(if i == 0 { '?' } else { '&' });
            u.push_str(k);
            u.push('=');
            u.extend(utf8_percent_encode(v, NON_ALPHANUMERIC));
        }
        u
    }

    /// The body of a 200 answer to `GET path?params` (JSON the caller decodes).
    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Vec<u8>, ApiError> {
        let url = self.url(path, params);
        // a failure names the endpoint, not the whole query
        let fetch = |mut e: FetchError| {
            e.url = redact(&e.url);
            ApiError::Fetch(e)
        };
        let mut reply = self.client.get(&url).map_err(fetch)?;
        if reply.status != 200 {
            let head = reply.head(4096);
            return Err(ApiError::Status {
                url: redact(&url),
                status: reply.status,
                says: error_text(&head),
            });
        }
        let mut body = vec![];
        reply
            .save(&mut body, self.max_bytes, &AtomicBool::new(false))
            .map_err(fetch)?;
        Ok(body)
    }
}

/// The URL without its query (a selector can be long; credentials never are in it).
fn redact(url: &str) -> String {
    url.split_once('?').map_or(url, |(u, _)| u).to_string()
}

/// What an error body says: Prometheus's `errorType: error`, else its first line.
fn error_text(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Err {
        #[serde(rename = "errorType", default)]
        kind: String,
        #[serde(default)]
        error: String,
    }
    if let Ok(e) = serde_json::from_slice::<Err>(body)
        && !e.error.is_empty()
    {
        return if e.kind.is_empty() {
            e.error
        } else {
            format!("{}: {}", e.kind, e.error)
        };
    }
    let text = String::from_utf8_lossy(body);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.starts_with('<') {
        return "an HTML page, not the API's JSON: is this the Prometheus URL?".into();
    }
    first.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prom(base: &str) -> Prometheus {
        let c = Client::new(super::super::http::Options {
            timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        })
        .unwrap();
        Prometheus::new(base, c, 1 << 20)
    }

    #[test]
    fn urls_are_encoded_under_the_api() {
        let p = prom("prometheus:9090/");
        assert_eq!(
            p.url(
                "query_range",
                &[("query", "up{job=~\"a.*\"}"), ("step", "60")]
            ),
            "http://prometheus:9090/api/v1/query_range?query=up%7Bjob%3D%7E%22a%2E%2A%22%7D&step=60"
        );
        assert_eq!(
            prom("https://m.example/prometheus/api/v1").url("series", &[]),
            "https://m.example/prometheus/api/v1/series"
        );
    }

    #[test]
    fn error_bodies_say_what_prometheus_said() {
        let b = br#"{"status":"error","errorType":"bad_data","error":"parse error: unexpected }"}"#;
        assert_eq!(error_text(b), "bad_data: parse error: unexpected }");
        assert!(error_text(b"<!DOCTYPE html><html>login</html>").contains("HTML page"));
        assert_eq!(error_text(b"\n404 page not found\n"), "404 page not found");
    }
}
