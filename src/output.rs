//! The one output seam. Every report type gets its formats through [`Format`], text
//! included (`render` holds the formats for people, `export` those for machines), and
//! every command writes through [`emit`]: to stdout or a file, ANSI styles kept only for
//! a colour terminal without `NO_COLOR`, and a closed pipe (`| head`) reported as such
//! whatever layer (serde_json, csv) wrapped the error, so the binary ends quietly.
//!
//! Files are written atomically: into a temporary file beside the target, renamed over
//! it only when everything was written and synced, so a full disk or a failure half-way
//! leaves the old file as it was (`ENOSPC` never leaves a truncated JSON). Messages for
//! people go through [`note!`], which never panics on a stderr that is full or closed
//! (Rust's `eprintln!` does, exit 101).

use anyhow::Context;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `eprintln!` that never panics: a message line on stderr, dropped when stderr cannot
/// take it (`2>/dev/full`, a closed pipe). What gclens was asked to do (files, exit
/// status) never depends on stderr.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::output::note_line(::std::format_args!($($arg)*))
    };
}

/// The body of [`note!`]: one write of the whole line, errors ignored.
pub fn note_line(args: std::fmt::Arguments) {
    let mut line = args.to_string();
    line.push('\n');
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

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
            res.context("cannot write stdout")?;
        }
        Some(p) => write_file(Path::new(p), f).with_context(|| format!("cannot write {p}"))?,
    }
    Ok(())
}

/// Writes a file through `f`: atomically for a regular file (or a new one), in place
/// for anything else (`/dev/null`, a FIFO, `/dev/stdout`), which cannot be renamed over.
fn write_file(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let target = resolve(path);
    match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            let file = std::fs::OpenOptions::new().write(true).open(&target)?;
            let mut w = io::BufWriter::with_capacity(1 << 16, file);
            f(&mut w)?;
            w.flush()?;
            return Ok(());
        }
        Ok(_) | Err(_) => {}
    }
    let mut tmp = temp_beside(&target)?;
    {
        let mut w = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        f(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_data()?;
    tmp.as_file().set_permissions(permissions_for(&target))?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// The file a path names: a symbolic link's target, so that the rename replaces the
/// file and keeps the link.
fn resolve(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&p) {
            Ok(t) if t.is_relative() => p = dir_of(&p).join(t),
            Ok(t) => p = t,
            Err(_) => break,
        }
    }
    p
}

/// A temporary file in the target's directory (so that the rename stays on one file
/// system); its error names the target's problem, not the temporary name.
fn temp_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".gclens-")
        .tempfile_in(dir_of(target))
        .map_err(|e| {
            // tempfile appends ` at path "DIR/.gclens-XXXX"`: a name the user never gave
            let text = e.to_string();
            match text.split_once(" at path ") {
                Some((why, _)) => io::Error::new(e.kind(), why.to_string()),
                None => e,
            }
        })
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// An existing file's permissions, or what `creat(2)` would give a new one (0666 less
/// the umask): the temporary file starts as 0600.
fn permissions_for(target: &Path) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(target) {
        return m.permissions();
    }
    // SAFETY: umask(2) cannot fail; it is set back at once.
    let mask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    };
    std::fs::Permissions::from_mode(0o666 & !(mask as u32))
}

/// Can `path` be written (`-` and none: stdout)? Checked before a live session starts,
/// so that a typo is told at once and not after hours of watching.
pub fn check_writable(path: &str) -> anyhow::Result<()> {
    if path == "-" {
        return Ok(());
    }
    let target = resolve(Path::new(path));
    let res = match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => Err(io::Error::other("is a directory")),
        Ok(m) if !m.is_file() => std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .map(drop),
        _ => temp_beside(&target).map(drop),
    };
    res.with_context(|| format!("cannot write {path}"))
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
    anstream::stderr().flush()?;
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
