//! A capture's manifest (`gclens capture`, `gclens run --capture`): what was asked of a
//! live service, when, and what came back, file by file. It is written next to the files
//! (`manifest.json`, schema `gclens.capture/v1`) after every file, so a capture that is
//! interrupted or killed leaves one that is valid; the readers (`gclens report`) order
//! snapshots by it, and a person reads from it where the gaps are and why.
//!
//! Times are kept twice: Unix nanoseconds for programs, RFC 3339 (UTC, milliseconds) for
//! people. The URL never carries credentials, and headers given with `--header` are never
//! written.

use serde::{Deserialize, Serialize};

/// The schema name of the manifest's JSON.
pub const SCHEMA: &str = "gclens.capture/v1";
/// The manifest's file name in a capture directory.
pub const FILE: &str = "manifest.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Manifest {
    pub schema: String,
    /// Where net/http/pprof was asked (without credentials), ending in `/`.
    pub pprof_url: String,
    /// Where expvar's `/debug/vars` was asked.
    pub vars_url: String,
    /// One entry per `gclens capture` run into this directory (a capture is continued,
    /// never overwritten).
    pub sessions: Vec<Session>,
    /// Every file kept, in the order received.
    pub files: Vec<Entry>,
    /// What was asked and not kept, with the reason: the capture's gaps.
    pub skipped: Vec<Gap>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Session {
    pub started: String,
    pub started_unix_ns: i64,
    /// Seconds between snapshots.
    pub every_seconds: f64,
    /// `None` while it runs (or when it was killed without a chance to say).
    pub ended: Option<String>,
    /// `complete`, `interrupted by SIGINT`, `stopped: <why>`, `program ended`.
    pub ending: Option<String>,
    /// The snapshot indexes this session took, first and last.
    pub first_snapshot: Option<u32>,
    pub last_snapshot: Option<u32>,
}

/// One file kept: a whole response, checked to be what was asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Entry {
    /// The snapshot it belongs to (1, 2, …; continued across sessions).
    pub snapshot: u32,
    /// `heap`, `goroutine`, `goroutineleak`, `vars`, `gctrace`, or another profile's name.
    pub kind: String,
    /// Relative to the manifest's directory.
    pub path: String,
    /// The URL path and query asked (none for a saved trace).
    pub request: Option<String>,
    pub requested: String,
    pub requested_unix_ns: i64,
    pub received: String,
    pub received_unix_ns: i64,
    /// HTTP status (200), none for a saved trace.
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub bytes: u64,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// A file asked for and not kept.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Gap {
    pub snapshot: u32,
    pub kind: String,
    pub request: String,
    pub at: String,
    pub at_unix_ns: i64,
    pub status: Option<u16>,
    pub reason: String,
}

impl Manifest {
    pub fn new(pprof_url: &str, vars_url: &str) -> Manifest {
        Manifest {
            schema: SCHEMA.to_string(),
            pprof_url: pprof_url.to_string(),
            vars_url: vars_url.to_string(),
            ..Manifest::default()
        }
    }

    /// The last snapshot index used (0 when none was).
    pub fn last_snapshot(&self) -> u32 {
        let files = self.files.iter().map(|f| f.snapshot);
        let gaps = self.skipped.iter().map(|g| g.snapshot);
        let sessions = self.sessions.iter().filter_map(|s| s.last_snapshot);
        files.chain(gaps).chain(sessions).max().unwrap_or(0)
    }

    /// The files of one snapshot.
    pub fn snapshot(&self, index: u32) -> impl Iterator<Item = &Entry> {
        self.files.iter().filter(move |f| f.snapshot == index)
    }
}
