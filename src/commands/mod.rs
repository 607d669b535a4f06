//! One module per subcommand: reads the inputs, runs the pipeline, writes the outputs.

pub mod gc;

use std::io;

/// Process exit status, as the README documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    /// Nothing found (no gc line), or a gate failed.
    NothingFound = 1,
    /// Usage or I/O error.
    Error = 2,
}

/// Is this error (anywhere in its chain) a closed pipe on our output?
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
