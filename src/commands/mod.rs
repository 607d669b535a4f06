//! One module per subcommand: reads the inputs, runs the pipeline, writes the outputs.

pub mod advise;
pub mod chart;
pub mod escape;
pub mod gc;
pub mod memstats;
pub mod run;
pub mod watch;

use std::io;

/// Process exit status, as the README documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Nothing found (no gc line), or a gate failed.
    NothingFound,
    /// Usage or I/O error.
    Error,
    /// `run`: the program's own exit status.
    Child(u8),
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::NothingFound => 1,
            Status::Error => 2,
            Status::Child(c) => c,
        }
    }
}

/// Is this error (anywhere in its chain) a closed pipe on our output?
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A writer that remembers whether the reader went away, whatever layer (serde_json,
/// csv) later wraps the error.
pub struct PipeWatch<W> {
    pub inner: W,
    pub broken: bool,
}

impl<W: io::Write> io::Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner
            .write(buf)
            .inspect_err(|e| self.broken |= e.kind() == io::ErrorKind::BrokenPipe)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .flush()
            .inspect_err(|e| self.broken |= e.kind() == io::ErrorKind::BrokenPipe)
    }
}
