//! One request of a capture, in a worker thread: the body streamed into the `.part`
//! file the capture loop created (so an abandoned request never creates a file), its
//! first bytes kept to tell what it is, the file synced before it is given its name.

use super::store;
use crate::input::http::{Client, Failure, FetchError};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::sync::atomic::AtomicBool;

/// A fetched response in its `.part` file.
pub(super) struct Fetched {
    pub requested: (i64, String),
    pub status: u16,
    pub content_type: Option<String>,
    pub head: Vec<u8>,
    /// The body's size and hex SHA-256, computed as it was written.
    pub digest: Option<(u64, String)>,
}

pub(super) enum Problem {
    Fetch(FetchError),
    Status(u16, String),
    /// A whole answer that is not what was asked for (an HTML page, a broken profile).
    Content(String),
}

/// The first line of an error page, printable, at most 120 characters.
pub(super) fn first_line(head: &[u8]) -> String {
    let t = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or(b""));
    let t: String = t.chars().filter(|c| !c.is_control()).take(120).collect();
    if t.trim().is_empty() {
        "(no text)".into()
    } else {
        t.trim().to_string()
    }
}

/// The worker: one request, its body written into `file`.
pub(super) fn fetch_into(
    client: &Client,
    url: &str,
    file: File,
    limit: u64,
    quit: &AtomicBool,
) -> Result<Fetched, Problem> {
    let requested = store::now();
    let mut reply = client.get(url).map_err(Problem::Fetch)?;
    if reply.status != 200 {
        let head = reply.head(4096);
        return Ok(Fetched {
            requested,
            status: reply.status,
            content_type: reply.content_type.clone(),
            head,
            digest: None,
        });
    }
    let mut w = Head {
        inner: io::BufWriter::new(file),
        head: Vec::with_capacity(4096),
        sha: Sha256::new(),
    };
    let n = reply.save(&mut w, limit, quit).map_err(Problem::Fetch)?;
    let write_err = |e: io::Error| {
        Problem::Fetch(FetchError {
            url: url.to_string(),
            kind: Failure::Write(e.to_string()),
        })
    };
    w.inner.flush().map_err(write_err)?;
    w.inner.get_ref().sync_data().map_err(write_err)?;
    Ok(Fetched {
        requested,
        status: reply.status,
        content_type: reply.content_type.clone(),
        digest: Some((n, store::hex(&w.sha.finalize()))),
        head: w.head,
    })
}

/// A writer that keeps the first 4 KiB it is given (to check what the body is) and
/// hashes all of it.
struct Head<W: Write> {
    inner: W,
    head: Vec<u8>,
    sha: Sha256,
}

impl<W: Write> Write for Head<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = 4096usize.saturating_sub(self.head.len()).min(buf.len());
        self.head.extend_from_slice(&buf[..room]);
        self.sha.update(buf);
        self.inner.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
