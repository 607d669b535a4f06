//! The one output seam. Every report type gets its formats through [`Format`], text
//! included (`render` holds the formats for people, `export` those for machines), and
//! every command writes through [`emit`]: to stdout or a file, ANSI styles kept only for
//! a colour terminal without `NO_COLOR`, and a closed pipe (`| head`) reported as such
//! whatever layer (serde_json, csv) wrapped the error, so the binary ends quietly.

use anyhow::Context;
use std::io::{self, Write};

/// One way of writing a report of type `R`.
pub trait Format<R: ?Sized> {
    /// Writes the whole report.
    fn write(&self, report: &R, out: &mut dyn Write) -> anyhow::Result<()>;
    /// Does it write ANSI styles (kept only on a colour terminal)?
    fn styled(&self) -> bool {
        false
    }
}

/// Writes `report` in `format` to the named file, or to stdout for `None` and `-`.
pub fn emit<R: ?Sized>(
    path: Option<&str>,
    format: &dyn Format<R>,
    report: &R,
) -> anyhow::Result<()> {
    let to_stdout = matches!(path, None | Some("-"));
    write_to(path, |out| {
        if format.styled() {
            let mut buf = Vec::new();
            format.write(report, &mut buf)?;
            write_styled(out, &buf, to_stdout)
        } else {
            format.write(report, out)
        }
    })
}

/// Runs `f` on a buffered stdout (`None`, `-`) or on the named file, and flushes.
pub fn write_to(
    path: Option<&str>,
    f: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match path {
        None | Some("-") => {
            let stdout = PipeWatch {
                inner: io::stdout().lock(),
                broken: false,
            };
            let mut w = io::BufWriter::with_capacity(1 << 16, stdout);
            let res = f(&mut w).and_then(|()| Ok(w.flush()?));
            if w.get_ref().broken {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe).into());
            }
            res?;
        }
        Some(p) => {
            let file = std::fs::File::create(p).with_context(|| format!("cannot write {p}"))?;
            let mut w = io::BufWriter::with_capacity(1 << 16, file);
            f(&mut w).with_context(|| format!("cannot write {p}"))?;
            w.flush().with_context(|| format!("cannot write {p}"))?;
        }
    }
    Ok(())
}

/// Writes text that may hold ANSI styles: kept only for a terminal stdout without
/// `NO_COLOR` (anstream decides), stripped for files and pipes.
pub fn write_styled(out: &mut dyn Write, text: &[u8], to_stdout: bool) -> anyhow::Result<()> {
    let choice = if to_stdout {
        anstream::AutoStream::choice(&io::stdout())
    } else {
        anstream::ColorChoice::Never
    };
    if choice == anstream::ColorChoice::Never {
        for chunk in anstream::adapter::strip_bytes(text) {
            out.write_all(chunk)?;
        }
    } else {
        out.write_all(text)?;
    }
    Ok(())
}

/// Writes a report in a styled format to stderr (styles only on a colour terminal).
pub fn emit_stderr<R: ?Sized>(format: &dyn Format<R>, report: &R) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    format.write(report, &mut buf)?;
    anstream::stderr().write_all(&buf)?;
    Ok(())
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

impl<W: Write> Write for PipeWatch<W> {
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
