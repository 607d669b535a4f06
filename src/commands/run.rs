//! `gclens run -- PROGRAM…`: start the program with gctrace on, split its stderr, pass
//! signals on, and exit with its status (127 when it is not found, 126 when it cannot
//! be run, 128+N when signal N ended it, as shells say). The files asked for are
//! written whatever happens to stderr, and never change that status.

use super::{Status, check_live_outputs, finish_live, forward_of};
use crate::cli::RunArgs;
use crate::live::capture::{Capture, Outcome, Plan, Stop, Store, target};
use crate::live::{Ending, Session, SessionOptions};
use anyhow::Context;
use std::io::{self, IsTerminal};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

/// The GODEBUG to run with: the user's settings in their order, `gctrace=1` replacing
/// an existing gctrace (and likewise scavtrace/gcpacertrace when asked for).
pub fn godebug(existing: Option<&str>, scavtrace: bool, pacertrace: bool) -> String {
    let mut ours = vec!["gctrace=1"];
    if scavtrace {
        ours.push("scavtrace=1");
    }
    if pacertrace {
        ours.push("gcpacertrace=1");
    }
    let key = |kv: &str| kv.split('=').next().unwrap_or("").trim().to_string();
    let replaced: Vec<String> = ours.iter().map(|kv| key(kv)).collect();
    let mut out: Vec<String> = existing
        .unwrap_or("")
        .split(',')
        .filter(|kv| !kv.trim().is_empty() && !replaced.contains(&key(kv)))
        .map(str::to_string)
        .collect();
    out.extend(ours.iter().map(|s| s.to_string()));
    out.join(",")
}

pub fn run(args: &RunArgs) -> anyhow::Result<Status> {
    let a = &args.live;
    let (prog, rest) = args
        .command
        .split_first()
        .context("no program given (gclens run -- PROGRAM ARGS…)")?;
    check_live_outputs(a)?;
    let mut capture = match &args.capture {
        Some(dir) => Some(Recording::open(dir, args)?),
        None => None,
    };
    let save_path = capture
        .as_ref()
        .map(|c| c.trace.clone())
        .or(args.save.clone());
    let save = match &save_path {
        Some(p) => Some(
            crate::live::save::Saver::create(p).with_context(|| format!("cannot create {p}"))?,
        ),
        None => None,
    };
    let metrics = super::start_metrics(a)?;
    let env = std::env::var("GODEBUG").ok();
    // Its own process group, so that a signal reaches what it starts too (`sh -c`, `go
    // run`, `go test`): except on a terminal, where the program must stay in the
    // terminal's foreground group to read it and to get Ctrl-C and Ctrl-Z from it.
    let group = !io::stdin().is_terminal();
    let mut cmd = Command::new(prog);
    cmd.args(rest)
        .env(
            "GODEBUG",
            godebug(env.as_deref(), args.scavtrace, args.pacertrace),
        )
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    if group {
        cmd.process_group(0);
    }
    let started = std::time::Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            crate::note!("gclens: cannot start {prog}: {e}");
            // as shells do: 127 not found, 126 found but not runnable
            return Ok(Status::Child(match e.kind() {
                io::ErrorKind::NotFound => 127,
                _ => 126,
            }));
        }
    };
    let stderr = child.stderr.take().context("the program's stderr")?;
    let mut session = Session::start(Box::new(stderr), 0)?;
    let recorder = capture.as_mut().map(Recording::start);
    session.metrics = metrics;
    session.save = save;
    session.sample_child(child.id(), started);
    session.watch_child(child, group);
    let opts = SessionOptions {
        forward: forward_of(a),
        status: !a.no_status && io::stderr().is_terminal(),
        to_stderr: true,
    };
    let mut err = io::stderr();
    let mut out = io::stderr();
    let ending = session.run(&opts, &mut out, &mut err);
    if let Ending::ReadError(e) = &ending {
        crate::note!("gclens: cannot read the output of {prog}: {e}");
    }
    let status = session.exit.take();
    if let (Some(sv), Some(p)) = (session.save.take(), &save_path)
        && let Err(e) = sv.finish()
    {
        crate::note!("gclens: cannot write {p}: {e}");
    }
    if let (Some(c), Some(r)) = (capture, recorder) {
        c.finish(r);
    }
    let end = finish_live(
        session.monitor,
        prog,
        a,
        "gclens set GODEBUG=gctrace=1: the program ended before its first collection (the first comes at a 4 MiB heap), or is not a Go program, or overrode GODEBUG",
    );
    let code = match status {
        Some(Ok(s)) => match (s.code(), s.signal()) {
            (Some(c), _) => c,
            (None, Some(sig)) => 128 + sig,
            _ => 1,
        },
        Some(Err(e)) => {
            crate::note!("gclens: waiting for {prog}: {e}");
            1
        }
        None => 1,
    };
    let code = u8::try_from(code & 0xff).unwrap_or(1);
    // the gate fails a run that itself succeeded; a failing program keeps its status
    Ok(Status::Child(if code == 0 && end.gate_failed {
        1
    } else {
        code
    }))
}

/// `run --capture DIR`: the program's endpoints captured beside its saved stderr.
struct Recording {
    capture: Option<Capture>,
    stop: Stop,
    trace: String,
    started: (i64, String),
}

impl Recording {
    fn open(dir: &std::path::Path, args: &RunArgs) -> anyhow::Result<Recording> {
        let s = &args.capture_schedule;
        let addr = args.pprof.as_deref().unwrap_or_default();
        let target = target::resolve(addr).map_err(anyhow::Error::msg)?;
        let endpoints = target::endpoints(&target, &s.profiles).map_err(anyhow::Error::msg)?;
        let client = super::capture_client(s, &target)?;
        let store = Store::open(dir, &target.pprof, &target.vars).map_err(anyhow::Error::msg)?;
        let mut n = 1;
        let mut name = "gctrace.log".to_string();
        while dir.join(&name).exists() {
            n += 1;
            name = format!("gctrace-{n}.log");
        }
        let plan = Plan {
            every: s.every,
            count: None,
            limit: s.max_input,
            wait_for_service: true,
            status: false,
            lines: false,
        };
        Ok(Recording {
            capture: Some(Capture::new(client, target, endpoints, store, plan)),
            stop: Stop::default(),
            trace: dir.join(name).to_string_lossy().into_owned(),
            started: crate::live::capture::store::now(),
        })
    }

    /// Starts the snapshots (a thread that ends when the program does).
    fn start(&mut self) -> std::thread::JoinHandle<(Capture, Outcome)> {
        let mut cap = self.capture.take().expect("started once");
        let stop = self.stop.clone();
        std::thread::spawn(move || {
            let out = cap.run(&stop);
            (cap, out)
        })
    }

    /// After the program ended: the snapshots stopped, the trace in the manifest, the summary.
    fn finish(self, handle: std::thread::JoinHandle<(Capture, Outcome)>) {
        self.stop
            .done
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let Ok((mut cap, out)) = handle.join() else {
            crate::note!("gclens: the capture's thread failed");
            return;
        };
        let path = std::path::Path::new(&self.trace);
        if let Ok((bytes, sha256)) = crate::live::capture::store::digest(path) {
            let (ns, at) = crate::live::capture::store::now();
            let m = &mut cap.store.manifest;
            m.files.push(crate::model::capture::Entry {
                snapshot: m
                    .sessions
                    .last()
                    .and_then(|s| s.first_snapshot)
                    .unwrap_or(1),
                kind: "gctrace".into(),
                path: path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                requested: self.started.1.clone(),
                requested_unix_ns: self.started.0,
                received: at,
                received_unix_ns: ns,
                bytes,
                sha256,
                ..Default::default()
            });
            if let Err(e) = cap.store.save() {
                crate::note!("gclens: cannot write the capture's manifest: {e}");
            }
        }
        let _ = super::end_capture(&cap, &out, Some(&self.trace));
    }
}

#[cfg(test)]
mod tests {
    use super::godebug;

    #[test]
    fn keeps_the_users_godebug_and_replaces_only_gctrace() {
        assert_eq!(godebug(None, false, false), "gctrace=1");
        assert_eq!(godebug(Some(""), false, false), "gctrace=1");
        assert_eq!(
            godebug(Some("madvdontneed=1,gctrace=2,x=y"), false, false),
            "madvdontneed=1,x=y,gctrace=1"
        );
        assert_eq!(
            godebug(Some("scavtrace=0"), true, true),
            "gctrace=1,scavtrace=1,gcpacertrace=1"
        );
        assert_eq!(
            godebug(Some("scavtrace=0"), false, false),
            "scavtrace=0,gctrace=1"
        );
    }
}
