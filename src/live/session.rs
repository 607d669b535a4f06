//! The loop behind `watch` and `run`: a reader thread sends the stream in chunks, a signal
//! thread sends SIGINT/SIGTERM; the loop forwards the program's bytes at once, keeps the
//! bounded timeline, draws the status line, and stops at end of input or on a signal
//! (a second signal exits at once, from the signal thread).
//!
//! Under `run` a third thread waits for the child. The loop ends when the child has
//! exited and its stderr is drained: at end of input, or after [`GRACE`] without a byte
//! when a grandchild (`sh -c 'server &'`, `go run`'s build) still holds the pipe open.
//! Signals are passed on until the child exits, also after it closed its stderr; to its
//! whole process group when it has its own.

use super::save::Saver;
use super::split::HOLD;
use super::status::Status as StatusLine;
use super::{Forward, Monitor, Splitter};
use crate::input::sched::Sched;
use crate::model::CpuSample;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::{Cause, Origin};
use std::io::{self, Read, Write};
use std::process::{Child, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};

/// How long a child's stderr may stay quiet after the child exited before the loop
/// stops reading it (a grandchild holds it open).
pub const GRACE: Duration = Duration::from_millis(250);

/// How often `run` samples the scheduler's figures.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Bytes asked for per read: a read returns what is there, so this bounds no latency.
const READ_CHUNK: usize = 256 << 10;

pub enum Msg {
    Data(Vec<u8>),
    End(io::Result<()>),
    Signal(Origin),
    /// `run`: the child exited (or could not be waited for).
    Exited(io::Result<ExitStatus>),
    /// `run`: the scheduler's figures for the child's last second.
    Cpu(CpuSample),
}

/// Why the loop stopped.
#[derive(Debug)]
pub enum Ending {
    Eof,
    /// SIGINT or SIGTERM (watch stops on the first one).
    Signal(i32),
    ReadError(io::Error),
    /// Our output went away (a closed pipe): nothing more to forward.
    OutputClosed,
}

pub struct SessionOptions {
    pub forward: Forward,
    /// Draw the live status line on stderr.
    pub status: bool,
    /// `run`: forwarded bytes go to stderr, which the status line shares, and signals are
    /// passed on to the child instead of ending the loop.
    pub to_stderr: bool,
}

pub struct Session {
    rx: Receiver<Msg>,
    tx: SyncSender<Msg>,
    pub monitor: Monitor,
    /// Where to pass signals on to (`run`): the child's pid, or minus its process group;
    /// 0 for none (no child, or it has exited).
    child: Arc<AtomicI32>,
    /// The child has its own process group: every signal we get is passed on to it.
    group: bool,
    /// A child is being waited for.
    running: bool,
    /// `run`: how the child ended.
    pub exit: Option<io::Result<ExitStatus>>,
    /// `--metrics`: what the endpoint serves, updated as cycles arrive.
    pub metrics: Option<super::metrics::Metrics>,
    /// `run --save`: the copy of the child's stderr, with the scheduler's samples.
    pub save: Option<Saver>,
}

/// Reads `r` to its end in a thread, sending chunks.
fn spawn_reader(mut r: Box<dyn Read + Send>, tx: SyncSender<Msg>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            match r.read(&mut buf) {
                Ok(0) => {
                    let _ = tx.send(Msg::End(Ok(())));
                    return;
                }
                Ok(n) => {
                    if tx.send(Msg::Data(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Msg::End(Err(e)));
                    return;
                }
            }
        }
    });
}

/// Sends SIGINT/SIGTERM to the loop; on the second one, kills the child (if any) and
/// exits at once with 128 + signal.
fn spawn_signals(tx: SyncSender<Msg>, child: Arc<AtomicI32>) -> io::Result<()> {
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        let mut seen = 0;
        for info in signals.forever() {
            seen += 1;
            if seen >= 2 {
                let pid = child.load(Ordering::SeqCst);
                if pid != 0 {
                    // SAFETY: kill(2) with a pid we started; no memory is involved.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                let _ = writeln!(
                    io::stderr(),
                    "\ngclens: second {}, exiting now",
                    signal_hook::low_level::signal_name(info.signal).unwrap_or("signal")
                );
                std::process::exit(128 + info.signal);
            }
            if tx.send(Msg::Signal(info)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

impl Session {
    /// Starts reading `input` (and listening for signals).
    pub fn start(input: Box<dyn Read + Send>, source: u32) -> io::Result<Session> {
        let (tx, rx) = sync_channel(16);
        let child = Arc::new(AtomicI32::new(0));
        spawn_signals(tx.clone(), child.clone())?;
        spawn_reader(input, tx.clone());
        Ok(Session {
            rx,
            tx,
            monitor: Monitor::new(source),
            child,
            group: false,
            running: false,
            exit: None,
            metrics: None,
            save: None,
        })
    }

    /// Waits for `child` in a thread and passes signals on to it: with `group` (the
    /// child leads its own process group) every signal we get, to the whole group;
    /// otherwise only those sent by other processes (`kill`), since a terminal's reach
    /// the child through the process group we share.
    pub fn watch_child(&mut self, mut child: Child, group: bool) {
        let pid = i32::try_from(child.id()).unwrap_or(0);
        self.child
            .store(if group { -pid } else { pid }, Ordering::SeqCst);
        self.group = group;
        self.running = true;
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(Msg::Exited(child.wait()));
        });
    }

    /// Samples the scheduler's figures for `pid` and its descendants every
    /// [`SAMPLE_EVERY`] in a thread, timed from `start` (when the child was started),
    /// until they are gone: into the timeline (the report's scheduler row) and `save`.
    pub fn sample_child(&mut self, pid: u32, start: Instant) {
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            let mut sched = Sched::new(pid);
            // the baseline: the threads' time so far is not in a window
            let _ = sched.read();
            let mut last = Instant::now();
            loop {
                std::thread::sleep(SAMPLE_EVERY);
                let Some(d) = sched.read() else { return };
                let now = Instant::now();
                let ms = |ns: u64| ns / 1_000_000;
                let s = CpuSample {
                    t_ms: now.duration_since(start).as_millis() as u64,
                    window_ms: now.duration_since(last).as_millis() as u64,
                    run_ms: ms(d.run_ns),
                    wait_ms: ms(d.wait_ns),
                    elsewhere_ms: ms(d.elsewhere_ns),
                    stolen_ms: ms(d.stolen_ns),
                    cpus: d.cpus,
                };
                last = now;
                if tx.send(Msg::Cpu(s)).is_err() {
                    return;
                }
            }
        });
    }

    /// Runs until the input ends, a signal (watch), or the output closes.
    pub fn run(
        &mut self,
        opts: &SessionOptions,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Ending {
        let mut split = Splitter::new(opts.forward);
        let mut status = StatusLine::new(opts.status);
        // run: the end of the child's stderr (or a read error) seen while it still runs
        let mut input_end: Option<Ending> = None;
        let mut exited_at: Option<Instant> = None;
        let mut last_data = Instant::now();
        let ending = loop {
            if let Some(t) = exited_at
                && t.max(last_data).elapsed() >= GRACE
            {
                break Ending::Eof;
            }
            let msg = self.rx.recv_timeout(HOLD);
            let res = match msg {
                Ok(Msg::Data(d)) => {
                    if let Some(sv) = &mut self.save {
                        sv.data(&d);
                    }
                    if opts.to_stderr {
                        status.clear(err);
                    }
                    let r = split
                        .push(&d, Instant::now(), &mut self.monitor.builder, out)
                        .and_then(|()| out.flush());
                    // before old cycles are folded away
                    if let Some(m) = &mut self.metrics {
                        m.observe(&self.monitor);
                    }
                    self.monitor.bound();
                    last_data = Instant::now();
                    r
                }
                Ok(Msg::End(end)) => {
                    let end = match end {
                        Ok(()) => Ending::Eof,
                        Err(e) => Ending::ReadError(e),
                    };
                    if !self.running {
                        break end;
                    }
                    input_end = Some(end);
                    Ok(())
                }
                Err(RecvTimeoutError::Disconnected) => break Ending::Eof,
                Ok(Msg::Exited(status)) => {
                    self.exit = Some(status);
                    self.running = false;
                    self.child.store(0, Ordering::SeqCst);
                    if let Some(end) = input_end.take() {
                        break end;
                    }
                    exited_at = Some(Instant::now());
                    Ok(())
                }
                Ok(Msg::Signal(o)) => {
                    if !opts.to_stderr {
                        break Ending::Signal(o.signal);
                    }
                    let pid = self.child.load(Ordering::SeqCst);
                    if pid != 0 && (self.group || matches!(o.cause, Cause::Sent(_))) {
                        // SAFETY: kill(2) on the child (or its group) we started.
                        unsafe { libc::kill(pid, o.signal) };
                    }
                    Ok(())
                }
                Ok(Msg::Cpu(c)) => {
                    if let Some(sv) = &mut self.save {
                        sv.sample(&c);
                    }
                    self.monitor
                        .builder
                        .add_record(crate::parse::Record::Cpu(c));
                    Ok(())
                }
                Err(RecvTimeoutError::Timeout) => Ok(()),
            };
            let res = res
                .and_then(|()| split.tick(Instant::now(), &mut self.monitor.builder, out))
                .and_then(|()| out.flush());
            if let Err(e) = res {
                if e.kind() != io::ErrorKind::BrokenPipe {
                    let _ = writeln!(err, "gclens: cannot forward output: {e}");
                }
                if !opts.to_stderr {
                    break Ending::OutputClosed;
                }
                // run: keep draining the child's stderr so it never blocks; the
                // splitter forwards nothing more and scans on
            }
            status.maybe_draw(&self.monitor, err);
            if let Some(m) = &mut self.metrics {
                m.observe(&self.monitor);
            }
        };
        let _ = split
            .finish(&mut self.monitor.builder, out)
            .and_then(|()| out.flush());
        if let Some(m) = &mut self.metrics {
            m.observe(&self.monitor);
        }
        status.clear(err);
        ending
    }
}
