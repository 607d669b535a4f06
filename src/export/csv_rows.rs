//! The rows of `--format csv` written as cycles are handed over, in order (`gc --format
//! csv` on a trace of any length, issue 31): the header first, then each cycle's row,
//! in constant memory. A cycle's derived figures need the ones before it, so they are
//! taken here as the cycles come ([`FigureStream`]); formatting the rows, most of the
//! work, runs on a thread of its own, batch by batch, beside the parsing, and its bytes
//! are written here in the order the batches went out (at most [`IN_FLIGHT`] batches
//! are on their way at once).

use super::csv::{Layout, Row, header};
use crate::analyze::cycle::{FigureStream, Figures};
use crate::model::Cycle;
use std::io::Write;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// Cycles formatted together.
const BATCH: usize = 16_384;

/// Batches sent and not yet written.
const IN_FLIGHT: usize = 3;

/// The CSV rows of cycles handed over one at a time (see the module doc).
pub struct CsvRows<'w> {
    out: &'w mut dyn Write,
    figures: FigureStream,
    batch: Vec<(Cycle, Figures)>,
    to_format: Option<Sender<Vec<(Cycle, Figures)>>>,
    formatted: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<()>>,
    in_flight: usize,
    started: bool,
}

impl<'w> CsvRows<'w> {
    /// The rows of the cycles of `sources` (the input names their `source` indexes);
    /// nothing is written before the first row or [`finish`](CsvRows::finish).
    pub fn new(out: &'w mut dyn Write, sources: &[String]) -> anyhow::Result<Self> {
        let layout = Layout::new(sources)?;
        let (to_format, batches) = channel::<Vec<(Cycle, Figures)>>();
        let (done, formatted) = channel();
        let worker = std::thread::Builder::new()
            .name("csv rows".into())
            .spawn(move || {
                for batch in batches {
                    let mut row = Row {
                        buf: Vec::with_capacity(batch.len() * 192),
                    };
                    for (c, f) in &batch {
                        layout.row(&mut row, c, f);
                    }
                    if done.send(row.buf).is_err() {
                        return;
                    }
                }
            })?;
        Ok(CsvRows {
            out,
            figures: FigureStream::default(),
            batch: Vec::with_capacity(BATCH),
            to_format: Some(to_format),
            formatted,
            worker: Some(worker),
            in_flight: 0,
            started: false,
        })
    }

    fn start(&mut self) -> anyhow::Result<()> {
        if !self.started {
            self.started = true;
            let mut w = csv::Writer::from_writer(&mut *self.out);
            w.write_record(header())?;
            w.flush()?;
        }
        Ok(())
    }

    /// Writes the next formatted batch, waiting for it.
    fn write_one(&mut self) -> anyhow::Result<()> {
        let bytes = self
            .formatted
            .recv()
            .map_err(|_| anyhow::anyhow!("the CSV formatting thread stopped"))?;
        self.in_flight -= 1;
        self.out.write_all(&bytes)?;
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
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.to_format
            .as_ref()
            .and_then(|t| t.send(batch).ok())
            .ok_or_else(|| anyhow::anyhow!("the CSV formatting thread stopped"))?;
        self.in_flight += 1;
        Ok(())
    }

    /// Takes `c`, the cycle after the last one pushed; its row is written soon after.
    pub fn push(&mut self, c: &Cycle) -> anyhow::Result<()> {
        self.start()?;
        let f = self.figures.next(c);
        self.batch.push((*c, f));
        if self.batch.len() >= BATCH {
            self.send()?;
        }
        Ok(())
    }

    /// Writes every row that is left (the header alone when there were none).
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.start()?;
        self.send()?;
        while self.in_flight > 0 {
            self.write_one()?;
        }
        Ok(())
    }
}

impl Drop for CsvRows<'_> {
    /// Stops the formatting thread (rows not yet written are dropped with it).
    fn drop(&mut self) {
        self.to_format = None;
        while self.in_flight > 0 && self.formatted.recv().is_ok() {
            self.in_flight -= 1;
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
