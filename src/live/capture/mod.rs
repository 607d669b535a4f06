//! `gclens capture` and `gclens run --capture`: at every tick, ask a live service for its
//! heap profile, goroutine dump, goroutine leak profile and `/debug/vars` (and the extra
//! profiles named), keep each whole and checked in a capture directory, and keep its
//! manifest true after every file. A failure before anything was kept that means the
//! capture cannot work (nothing listening, no such host, no pprof there, credentials
//! needed, a page that is no profile) stops it with that line; later failures are gaps,
//! recorded, and the next snapshot is still tried. A signal abandons the file being
//! fetched (its `.part` removed) and leaves the manifest valid.

mod fetch;
mod progress;
pub mod store;
pub mod target;

use crate::input::http::{Client, Failure, FetchError};
use crate::model::capture::{Entry, Gap, Session};
use fetch::{Fetched, Problem, fetch_into, first_line};
pub use progress::size_text;
use progress::{StatusLine, mib_text};
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
pub use store::Store;
pub use target::{Endpoint, Expect, Target};

/// When to take snapshots.
#[derive(Debug, Clone)]
pub struct Plan {
    pub every: Duration,
    /// At most this many snapshots (`--count`; `--for` becomes a count).
    pub count: Option<u32>,
    /// The most one response may hold.
    pub limit: u64,
    /// `run --capture`: the service is starting; nothing answering is not an error yet.
    pub wait_for_service: bool,
    /// A status line on a terminal's stderr.
    pub status: bool,
    /// A plain line on stderr per snapshot (when there is no status line).
    pub lines: bool,
}

/// What ends a capture.
#[derive(Clone, Default)]
pub struct Stop {
    pub sigint: Arc<AtomicBool>,
    pub sigterm: Arc<AtomicBool>,
    /// Set from outside (`run`: the program ended).
    pub done: Arc<AtomicBool>,
}

impl Stop {
    fn any(&self) -> bool {
        [&self.sigint, &self.sigterm, &self.done]
            .iter()
            .any(|f| f.load(Ordering::Relaxed))
    }

    fn signal(&self) -> Option<i32> {
        if self.sigint.load(Ordering::Relaxed) {
            Some(libc::SIGINT)
        } else if self.sigterm.load(Ordering::Relaxed) {
            Some(libc::SIGTERM)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    Complete,
    Signal(i32),
    /// Stopped from outside (`run`: the program ended).
    Done,
    /// It cannot go on: the line that says why.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub ending: Ending,
    pub snapshots: u32,
    pub files: usize,
    pub bytes: u64,
    /// Requests of this session that failed (endpoints the service does not serve are
    /// not counted: they are left out once, cleanly).
    pub failures: usize,
}

pub struct Capture {
    client: Client,
    endpoints: Vec<Endpoint>,
    target: Target,
    pub store: Store,
    plan: Plan,
    /// (minutes since the first, heap in use MiB) of every heap profile kept.
    trend: Vec<(f64, f64)>,
    first_ns: Option<i64>,
    left_out: Vec<bool>,
    /// Files this run kept.
    kept: usize,
    status: StatusLine,
}

impl Capture {
    pub fn new(
        client: Client,
        target: Target,
        endpoints: Vec<Endpoint>,
        store: Store,
        plan: Plan,
    ) -> Capture {
        let n = endpoints.len();
        Capture {
            client,
            endpoints,
            target,
            store,
            status: StatusLine::new(plan.status),
            plan,
            trend: vec![],
            first_ns: None,
            left_out: vec![false; n],
            kept: 0,
        }
    }

    /// Takes the snapshots of the plan (or until `stop`), then records how it ended.
    pub fn run(&mut self, stop: &Stop) -> Outcome {
        let (ns, at) = store::now();
        self.store.manifest.sessions.push(Session {
            started: at,
            started_unix_ns: ns,
            every_seconds: self.plan.every.as_secs_f64(),
            ..Session::default()
        });
        let _ = self.store.save();
        let files_before = self.store.manifest.files.len();
        let bytes_before = self.store.bytes();
        let mut start = Instant::now();
        let mut out = Outcome {
            ending: Ending::Complete,
            snapshots: 0,
            files: 0,
            bytes: 0,
            failures: 0,
        };
        let mut k: u32 = 0;
        loop {
            if self.plan.count.is_some_and(|c| k >= c) {
                break;
            }
            let due = start + self.plan.every * k;
            if let Some(e) = self.wait_until(due, stop, k) {
                out.ending = e;
                break;
            }
            let index = self.store.manifest.last_snapshot() + 1;
            match self.snapshot(index, stop, &mut out.failures) {
                Ok(true) => {}
                Ok(false) => {
                    // the service is still starting: ask again soon, the schedule
                    // starts at its first answer
                    std::thread::sleep(Duration::from_millis(200));
                    start = Instant::now();
                    continue;
                }
                Err(e) => {
                    out.ending = e;
                    break;
                }
            }
            out.snapshots += 1;
            k += 1;
            if let Some(s) = self.store.manifest.sessions.last_mut() {
                s.first_snapshot.get_or_insert(index);
                s.last_snapshot = Some(index);
            }
            self.report_snapshot(index);
        }
        self.status.clear();
        if let Some(s) = self.store.manifest.sessions.last_mut() {
            s.ended = Some(store::now().1);
            s.ending = Some(match &out.ending {
                Ending::Complete => "complete".to_string(),
                Ending::Signal(sig) => format!(
                    "interrupted by {}",
                    signal_hook::low_level::signal_name(*sig).unwrap_or("a signal")
                ),
                Ending::Done => "the program ended".to_string(),
                Ending::Failed(why) => format!("stopped: {why}"),
            });
        }
        if let Err(e) = self.store.save()
            && out.ending == Ending::Complete
        {
            out.ending = Ending::Failed(format!("cannot write the manifest: {e}"));
        }
        out.files = self.store.manifest.files.len() - files_before;
        out.bytes = self.store.bytes() - bytes_before;
        out
    }

    /// Sleeps until `due`, drawing the status line; `Some` when told to stop.
    fn wait_until(&mut self, due: Instant, stop: &Stop, k: u32) -> Option<Ending> {
        loop {
            if let Some(e) = self.stopped(stop) {
                return Some(e);
            }
            let now = Instant::now();
            if now >= due {
                return None;
            }
            if k > 0 {
                let left = due - now;
                let line = self.progress(Some(left));
                self.status.draw(&line);
            }
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
        }
    }

    fn stopped(&self, stop: &Stop) -> Option<Ending> {
        if let Some(sig) = stop.signal() {
            return Some(Ending::Signal(sig));
        }
        stop.done.load(Ordering::Relaxed).then_some(Ending::Done)
    }

    /// One snapshot: every endpoint once; `Ok(false)` when a service being waited for
    /// does not answer yet (nothing recorded). `Err` ends the capture.
    fn snapshot(&mut self, index: u32, stop: &Stop, failures: &mut usize) -> Result<bool, Ending> {
        for i in 0..self.endpoints.len() {
            if self.left_out[i] {
                continue;
            }
            let ep = self.endpoints[i].clone();
            let name = ep.file_name(index);
            let result = self.fetch(&ep, &name, stop);
            if let Some(e) = self.stopped(stop).filter(|_| result.is_err()) {
                let reason = match &e {
                    Ending::Signal(_) => "interrupted: the partial response was removed",
                    _ => "the program ended: the partial response was removed",
                };
                self.record_gap(&ep, &name, index, None, reason.into())?;
                return Err(e);
            }
            let problem = match result.and_then(|f| self.accept(&ep, &name, index, f)) {
                Ok(()) => continue,
                Err(p) => p,
            };
            // nothing kept by this run (a continued capture's earlier files do not count)
            let nothing_yet = self.kept == 0;
            let (status, line, fatal, clean) = match &problem {
                Problem::Status(404, _) => match ep.not_found(&self.target) {
                    Err(line) => (Some(404), line, true, false),
                    Ok(line) => {
                        self.left_out[i] = true;
                        (Some(404), line, false, true)
                    }
                },
                Problem::Status(s @ (401 | 403), _) => (
                    Some(*s),
                    format!(
                        "{} answered {s} {}: give credentials with --header 'Authorization: Bearer …' (or the scheme the service uses)",
                        ep.url,
                        if *s == 401 {
                            "Unauthorized"
                        } else {
                            "Forbidden"
                        }
                    ),
                    true,
                    false,
                ),
                Problem::Status(s, body) => (
                    Some(*s),
                    format!("{} answered {s}: {body}", ep.url),
                    false,
                    false,
                ),
                Problem::Content(why) => (Some(200), format!("{}: {why}", ep.url), true, false),
                Problem::Fetch(e) => {
                    let fatal = match &e.kind {
                        Failure::Refused => !self.plan.wait_for_service,
                        Failure::NoHost | Failure::Tls(_) => true,
                        _ => false,
                    };
                    if let Failure::Write(_) = e.kind {
                        let line = format!(
                            "{e}; what was captured so far is kept and listed in {}",
                            self.store.dir.join(crate::model::capture::FILE).display()
                        );
                        let _ = self.store.gap(&name, gap(&ep, index, None, e.to_string()));
                        return Err(Ending::Failed(line));
                    }
                    (None, e.to_string(), fatal, false)
                }
            };
            let waiting = self.plan.wait_for_service
                && matches!(&problem, Problem::Fetch(e) if e.kind == Failure::Refused);
            if waiting && nothing_yet {
                let _ = std::fs::remove_file(self.store.part(&name));
                return Ok(false);
            }
            if fatal
                && nothing_yet
                && (ep.kind == "heap" || !matches!(problem, Problem::Status(404, _)))
            {
                let _ = self.store.gap(&name, gap(&ep, index, status, line.clone()));
                return Err(Ending::Failed(line));
            }
            if !clean && !waiting {
                *failures += 1;
            }
            if !waiting {
                self.status
                    .note(&format!("gclens: snapshot {index}: {line}"));
            }
            self.record_gap(&ep, &name, index, status, line)?;
        }
        Ok(true)
    }

    fn record_gap(
        &mut self,
        ep: &Endpoint,
        name: &str,
        index: u32,
        status: Option<u16>,
        reason: String,
    ) -> Result<(), Ending> {
        self.store
            .gap(name, gap(ep, index, status, reason))
            .map_err(|e| {
                Ending::Failed(format!(
                    "cannot write {}: {e}",
                    self.store.dir.join(crate::model::capture::FILE).display()
                ))
            })
    }

    /// Asks `ep` in a worker thread, into `name`'s `.part`; gives up (returning the
    /// interruption) as soon as `stop` is set, without waiting for the worker.
    fn fetch(&mut self, ep: &Endpoint, name: &str, stop: &Stop) -> Result<Fetched, Problem> {
        let part = self.store.part(name);
        let file = File::create(&part).map_err(|e| {
            Problem::Fetch(FetchError {
                url: ep.url.clone(),
                kind: Failure::Write(format!("{}: {e}", part.display())),
            })
        })?;
        let (tx, rx) = std::sync::mpsc::channel();
        let abandon = Arc::new(AtomicBool::new(false));
        let (client, url, limit, quit) = (
            self.client.clone(),
            ep.url.clone(),
            self.plan.limit,
            abandon.clone(),
        );
        std::thread::spawn(move || {
            let _ = tx.send(fetch_into(&client, &url, file, limit, &quit));
        });
        loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => return r,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Problem::Fetch(FetchError {
                        url: ep.url.clone(),
                        kind: Failure::Other("the request's thread ended without an answer".into()),
                    }));
                }
                Err(_) if stop.any() => {
                    abandon.store(true, Ordering::Relaxed);
                    let _ = std::fs::remove_file(&part);
                    return Err(Problem::Fetch(FetchError {
                        url: ep.url.clone(),
                        kind: Failure::Interrupted,
                    }));
                }
                Err(_) => {
                    let line = self.progress(None);
                    self.status.draw(&line);
                }
            }
        }
    }

    /// Checks a fetched body and keeps it, or says what it is instead.
    fn accept(&mut self, ep: &Endpoint, name: &str, index: u32, f: Fetched) -> Result<(), Problem> {
        if f.status != 200 {
            return Err(Problem::Status(f.status, first_line(&f.head)));
        }
        let bad = Problem::Content;
        target::check(ep.expect, &f.head).map_err(bad)?;
        let mut heap_mib = None;
        if ep.kind == "heap" {
            let data = std::fs::read(self.store.part(name)).map_err(|e| {
                Problem::Fetch(FetchError {
                    url: ep.url.clone(),
                    kind: Failure::Write(e.to_string()),
                })
            })?;
            let mut stacks = Default::default();
            let p = crate::parse::heap::parse_within(name, &data, &mut stacks, self.plan.limit)
                .map_err(|e| bad(format!("not a heap profile that reads: {e}")))?;
            let inuse = p.total(crate::model::heap::SampleType::InuseSpace);
            heap_mib = Some(inuse as f64 / (1 << 20) as f64);
        }
        let (received_ns, received) = store::now();
        let entry = Entry {
            snapshot: index,
            kind: ep.kind.clone(),
            request: Some(ep.request().to_string()),
            requested: f.requested.1,
            requested_unix_ns: f.requested.0,
            received,
            received_unix_ns: received_ns,
            status: Some(f.status),
            content_type: f.content_type,
            bytes: f.digest.as_ref().map_or(0, |d| d.0),
            sha256: f.digest.map(|d| d.1).unwrap_or_default(),
            ..Entry::default()
        };
        self.store.keep(name, entry).map_err(|e| {
            Problem::Fetch(FetchError {
                url: ep.url.clone(),
                kind: Failure::Write(e.to_string()),
            })
        })?;
        self.kept += 1;
        if let Some(mib) = heap_mib {
            let first = *self.first_ns.get_or_insert(received_ns);
            self.trend.push(((received_ns - first) as f64 / 60e9, mib));
        }
        Ok(())
    }

    /// The progress text: snapshots, files, the heap in use so far and its trend.
    fn progress(&self, next: Option<Duration>) -> String {
        let m = &self.store.manifest;
        let taken = m
            .sessions
            .last()
            .map_or(0, |s| match (s.first_snapshot, s.last_snapshot) {
                (Some(a), Some(b)) => b + 1 - a,
                _ => 0,
            });
        let of = self
            .plan
            .count
            .map_or(String::new(), |c| format!(" of {c}"));
        let mut s = format!(
            "gclens capture: snapshot {taken}{of} · {} files, {}",
            m.files.len(),
            mib_text(self.store.bytes() as f64 / (1 << 20) as f64)
        );
        s.push_str(&self.heap_text());
        match next {
            Some(d) => s.push_str(&format!(" · next in {} s", d.as_secs() + 1)),
            None => s.push_str(" · fetching"),
        }
        s
    }

    fn heap_text(&self) -> String {
        match (self.trend.first(), self.trend.last()) {
            (Some(a), Some(b)) if self.trend.len() > 1 => {
                let slope = crate::analyze::stats::theil_sen(&self.trend)
                    .map_or(String::new(), |t| format!(" ({:+.1} MiB/min)", t.slope));
                format!(
                    " · heap in use {} → {}{slope}",
                    mib_text(a.1),
                    mib_text(b.1)
                )
            }
            (Some(a), _) => format!(" · heap in use {}", mib_text(a.1)),
            _ => String::new(),
        }
    }

    fn report_snapshot(&mut self, index: u32) {
        if !self.plan.lines {
            return;
        }
        let kinds: Vec<&str> = self
            .store
            .manifest
            .snapshot(index)
            .map(|e| e.kind.as_str())
            .collect();
        let bytes: u64 = self.store.manifest.snapshot(index).map(|e| e.bytes).sum();
        let kept = if kinds.is_empty() {
            "nothing kept".to_string()
        } else {
            kinds.join(", ")
        };
        self.status.note(&format!(
            "gclens: snapshot {index}: {kept} ({}){}",
            mib_text(bytes as f64 / (1 << 20) as f64),
            self.heap_text()
        ));
    }
}

fn gap(ep: &Endpoint, index: u32, status: Option<u16>, reason: String) -> Gap {
    let (ns, at) = store::now();
    Gap {
        snapshot: index,
        kind: ep.kind.clone(),
        request: ep.request().to_string(),
        at,
        at_unix_ns: ns,
        status,
        reason,
    }
}
