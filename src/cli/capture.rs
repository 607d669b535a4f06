//! `gclens capture`'s command line, and the schedule and connection flags that
//! `gclens run --capture` shares with it.

/// When and how to ask the service (shared by `capture` and `run --capture`).
#[derive(Debug, Clone, clap::Args)]
pub struct CaptureSchedule {
    /// Time between snapshots: 30s, 1m, 2m30s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration_arg)]
    pub every: std::time::Duration,
    /// Extra profiles asked at every snapshot, comma-separated: allocs, block, mutex,
    /// threadcreate (heap, goroutine dumps, the goroutine leak profile and /debug/vars
    /// always are).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub profiles: Vec<String>,
    /// A request header, `Name: value` (repeatable): `--header 'Authorization: Bearer …'`.
    /// Sent with every request, never written to disk or printed.
    #[arg(long = "header", value_name = "HEADER", value_parser = header_arg)]
    pub headers: Vec<(String, String)>,
    /// Trust the certificates in this PEM file for HTTPS instead of the system's roots
    /// (a private certificate authority, a self-signed service).
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// The most one request may take, answer and body.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration_arg)]
    pub timeout: std::time::Duration,
    /// The most one response may hold (the input limit the readers keep): a bigger one
    /// is left out, naming the limit.
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = super::size_arg)]
    pub max_input: u64,
}

#[derive(Debug, clap::Args)]
pub struct CaptureArgs {
    /// The service: `HOST:PORT` (`:PORT` is this machine), a base URL (`https://svc.example:6060`), or the URL of
    /// its pprof index when it is mounted elsewhere (`http://svc/admin/debug/pprof/`).
    /// `/debug/vars` is asked beside `/debug/pprof/`.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The capture directory: created, or continued when it holds a capture.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub dir: std::path::PathBuf,
    /// Take this many snapshots, then stop (default: until Ctrl-C or SIGTERM).
    #[arg(long, value_name = "N", conflicts_with = "duration",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub count: Option<u32>,
    /// Take snapshots for this long (the first at once, the last at the end): 10m, 1h.
    #[arg(long = "for", value_name = "DURATION", value_parser = duration_arg)]
    pub duration: Option<std::time::Duration>,
    #[command(flatten)]
    pub schedule: CaptureSchedule,
}

/// A duration as Go and people write it: `30s`, `1m30s`, `500ms`, `2h`.
pub fn duration_arg(s: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{s:?}: {e} (a duration such as 30s, 1m30s, 500ms, 2h)"))?;
    if d.is_zero() {
        return Err(format!("{s:?}: must be more than zero"));
    }
    Ok(d)
}

/// `Name: value`, with a header name HTTP allows.
pub fn header_arg(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| "expected 'Name: value', e.g. 'Authorization: Bearer TOKEN'".to_string())?;
    let name = name.trim();
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!("{name:?} is not a header name"));
    }
    let value = value.trim();
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!("the value of {name} holds a line break"));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_headers_as_written() {
        assert_eq!(duration_arg("1m30s").unwrap().as_secs(), 90);
        assert_eq!(duration_arg("500ms").unwrap().as_millis(), 500);
        assert!(duration_arg("0s").is_err());
        assert!(duration_arg("soon").is_err());
        assert_eq!(
            header_arg("Authorization: Bearer x:y").unwrap(),
            ("Authorization".into(), "Bearer x:y".into())
        );
        assert!(header_arg("no colon").is_err());
        assert!(header_arg("Bad Name: v").is_err());
    }
}
