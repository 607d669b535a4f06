//! Every-cycle exports written as cycles are handed over, in order (`gc --format csv`
//! and `--format json` on a trace of any length, issue 31): a head first, then each
//! cycle's bytes, in constant memory. A cycle's derived figures need the ones before
//! it, so they are taken here as the cycles come ([`FigureStream`]); formatting, most of
//! the work, runs on a thread of its own, batch by batch, beside the parsing, and its
//! bytes are written here in the order the batches went out (at most [`IN_FLIGHT`]
//! batches are on their way at once). The format is a function of one cycle: the CSV
//! row (`csv.rs`) or the JSON object (`json_cycle.rs`).

use crate::analyze::cycle::{FigureStream, Figures};
use crate::model::Cycle;
use std::io::Write;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// Cycles formatted together.
const BATCH: usize = 16_384;

/// Batches sent and not yet written.
const IN_FLIGHT: usize = 3;

/// A batch of cycles on its way to be formatted, with the buffer its bytes go into; both
/// come back and are used again, so the two threads never free what the other
/// allocated and memory stays what [`IN_FLIGHT`] batches take.
type Job = (Vec<(Cycle, Figures)>, Vec<u8>);

/// Appends one cycle's bytes, given its derived figures; called in cycle order.
pub trait CycleFormat: Send + 'static {
    fn write(&mut self, buf: &mut Vec<u8>, c: &Cycle, f: &Figures);
}

/// The formatted cycles handed over one at a time (see the module doc).
pub struct Rows<'w> {
    /// Taken back by [`finish`](Rows::finish).
    out: Option<&'w mut dyn Write>,
    figures: FigureStream,
    batch: Vec<(Cycle, Figures)>,
    to_format: Option<Sender<Job>>,
    formatted: Receiver<Job>,
    /// Batches and buffers back from the formatting thread, to use again.
    spare: Vec<Job>,
    worker: Option<JoinHandle<()>>,
    in_flight: usize,
    head: Option<Vec<u8>>,
    what: &'static str,
}

impl<'w> Rows<'w> {
    /// Cycles written to `out` by `format` (`what` names it in errors), after `head`;
    /// nothing is written before the first cycle or [`finish`](Rows::finish).
    pub fn new(
        out: &'w mut dyn Write,
        head: Vec<u8>,
        what: &'static str,
        mut format: impl CycleFormat,
    ) -> anyhow::Result<Self> {
        let (to_format, batches) = channel::<Job>();
        let (done, formatted) = channel();
        let worker = std::thread::Builder::new()
            .name(format!("{what} rows"))
            .spawn(move || {
                for (mut batch, mut buf) in batches {
                    buf.clear();
                    for (c, f) in &batch {
                        format.write(&mut buf, c, f);
                    }
                    batch.clear();
                    if done.send((batch, buf)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Rows {
            out: Some(out),
            figures: FigureStream::default(),
            batch: Vec::with_capacity(BATCH),
            to_format: Some(to_format),
            formatted,
            spare: vec![],
            worker: Some(worker),
            in_flight: 0,
            head: Some(head),
            what,
        })
    }

    fn out(&mut self) -> anyhow::Result<&mut dyn Write> {
        let what = self.what;
        match self.out.as_mut() {
            Some(out) => Ok(&mut **out),
            None => Err(stopped(what)),
        }
    }

    fn start(&mut self) -> anyhow::Result<()> {
        if let Some(head) = self.head.take() {
            self.out()?.write_all(&head)?;
        }
        Ok(())
    }

    fn stopped(&self) -> anyhow::Error {
        stopped(self.what)
    }

    /// Writes the next formatted batch, waiting for it.
    fn write_one(&mut self) -> anyhow::Result<()> {
        let job = self.formatted.recv().map_err(|_| self.stopped())?;
        self.in_flight -= 1;
        self.out()?.write_all(&job.1)?;
        self.spare.push(job);
        Ok(())
    }

    /// Sends the held cycles to be formatted (writing what is ready meanwhile).
    fn send(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        while self.in_flight >= IN_FLIGHT {
            self.write_one()?;
        }
        let (next, buf) = self
            .spare
            .pop()
            .unwrap_or_else(|| (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH * 192)));
        let batch = std::mem::replace(&mut self.batch, next);
        self.to_format
            .as_ref()
            .and_then(|t| t.send((batch, buf)).ok())
            .ok_or_else(|| self.stopped())?;
        self.in_flight += 1;
        Ok(())
    }

    /// Takes `c`, the cycle after the last one pushed; its bytes are written soon after.
    pub fn push(&mut self, c: &Cycle) -> anyhow::Result<()> {
        self.start()?;
        let f = self.figures.next(c);
        self.batch.push((*c, f));
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    /// Writes every cycle that is left (the head alone when there were none); gives the
    /// output back for what follows.
    pub fn finish(mut self) -> anyhow::Result<&'w mut dyn Write> {
        self.start()?;
        self.send()?;
        while self.in_flight > 0 {
            self.write_one()?;
        }
        self.stop();
        self.out.take().ok_or_else(|| self.stopped())
    }

    /// Stops the formatting thread (cycles not yet written are dropped with it).
    fn stop(&mut self) {
        self.to_format = None;
        while self.in_flight > 0 && self.formatted.recv().is_ok() {
            self.in_flight -= 1;
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn stopped(what: &str) -> anyhow::Error {
    anyhow::anyhow!("the {what} formatting thread stopped")
}

impl Drop for Rows<'_> {
    /// Stops the formatting thread (cycles not yet written are dropped with it).
    fn drop(&mut self) {
        self.stop();
    }
}
