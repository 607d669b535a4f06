//! The one way bytes come in: files (memory-mapped when they are regular files),
//! stdin and other streams (large reads into a reused buffer, cut at line ends), and
//! the system (`cgroup`: the container's memory limit). Every command reads through
//! here; errors name the file. Bytes all the way: no UTF-8 is assumed.
//!
//! A line longer than [`MAX_LINE`] cannot be a runtime trace line or a compiler
//! diagnostic (those are a few hundred bytes): a stream drops it as it goes by, so an
//! endless line never fills memory.

pub mod cgroup;
pub mod http;
pub mod mapped;
pub mod prometheus;
pub mod sched;
pub mod walk;

pub use mapped::Mapped;

use anyhow::Context;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

/// Longest line a stream reader keeps in memory.
pub const MAX_LINE: usize = 1 << 20;
/// Block size for stream reads (and for splitting mapped files among threads).
pub const BLOCK: usize = 16 << 20;
/// The most a profile, dump or MemStats input may hold by default (read, or inflated
/// from gzip): what `--max-input` raises. Someone else's bytes (a fetched profile, an
/// incident folder, `/dev/zero`) never take more memory than this budget, plus what
/// its parse needs per byte (documented per reader), plus a constant.
pub const MAX_INPUT: u64 = 512 << 20;

/// A limit as the flag would take it: `512 MiB`, `2 GiB`, `1000 bytes`.
pub fn human_size(limit: u64) -> String {
    match limit {
        l if l >= 1 << 30 && l % (1 << 30) == 0 => format!("{} GiB", l >> 30),
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l => format!("{l} bytes"),
    }
}

/// The error for an input over its budget: names the file, the limit and the flag.
pub fn too_big(name: &str, what: &str, limit: u64) -> anyhow::Error {
    let size = human_size(limit);
    anyhow::anyhow!("{name}: {what} more than {size} (the input limit; --max-input SIZE raises it)")
}

/// Called with the number of bytes consumed so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// The inputs to read: the files given, or stdin (`-`) when none are.
pub fn files_or_stdin(files: &[String]) -> Vec<String> {
    if files.is_empty() {
        vec!["-".into()]
    } else {
        files.to_vec()
    }
}

/// How a path is named in messages: `stdin` for `-`.
pub fn display_name(path: &str) -> &str {
    if path == "-" { "stdin" } else { path }
}

/// A whole input in memory: a read-only map of a regular file, or the bytes read.
pub enum Data {
    Mapped(Mapped),
    Owned(Vec<u8>),
}

impl Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m.bytes(),
            Data::Owned(v) => v,
        }
    }
}

impl Data {
    /// Lets the pages of `range` go once they are read (see [`Mapped::release`]).
    pub fn release(&self, range: std::ops::Range<usize>) {
        if let Data::Mapped(m) = self {
            m.release(range);
        }
    }

    /// After reading: an error naming `name` when the file was cut short while it was
    /// read (rotated with `copytruncate`, rewritten), since what was read is not the
    /// file as it was nor as it is.
    pub fn check(&self, name: &str) -> anyhow::Result<()> {
        match self {
            Data::Mapped(m) if m.truncated() => anyhow::bail!(
                "{name} was truncated while it was read (rotated with copytruncate?): read \
                 the rotated copy, or read it again"
            ),
            _ => Ok(()),
        }
    }
}

/// An opened input: all of it at hand (a mapped file), or a stream to read in blocks.
pub enum Input {
    Whole(Data),
    Stream(Box<dyn Read + Send>),
}

/// Opens `path` (`-` is stdin). A regular, non-empty file is memory-mapped; anything
/// else (a pipe, a FIFO, `/dev/stdin`) is a stream. A directory is an error.
pub fn open(path: &str) -> anyhow::Result<Input> {
    if path == "-" {
        return Ok(Input::Stream(Box::new(io::stdin())));
    }
    open_file(Path::new(path))
}

/// Opens a file by its path (never stdin), as [`open`] does.
pub fn open_file(path: &Path) -> anyhow::Result<Input> {
    let name = path.display();
    let f = File::open(path).with_context(|| format!("cannot read {name}"))?;
    let meta = f
        .metadata()
        .with_context(|| format!("cannot read {name}"))?;
    if meta.is_dir() {
        anyhow::bail!("cannot read {name}: is a directory");
    }
    if meta.is_file() && meta.len() > 0 {
        // Not populated up front (one thread mapping every page first is slower than
        // the scan threads faulting their own blocks in); WillNeed starts the
        // read-ahead of a file not in the page cache. A file truncated while mapped is
        // handled by `mapped` and reported by `Data::check`.
        if let Ok(map) = Mapped::new(&f) {
            map.advise_will_need();
            return Ok(Input::Whole(Data::Mapped(map)));
        }
    }
    Ok(Input::Stream(Box::new(f)))
}

/// Reads all of `path` (`-` is stdin): mapped when it can be, read otherwise.
pub fn read_all(path: &str) -> anyhow::Result<Data> {
    whole(open(path)?, display_name(path))
}

/// [`read_all`] of at most `limit` bytes: a bigger file, or a stream (stdin,
/// `/dev/zero`) that goes past it, is an error naming the file, the limit and the flag.
pub fn read_limited(path: &str, limit: u64) -> anyhow::Result<Data> {
    let name = display_name(path);
    match open(path)? {
        Input::Whole(d) if d.len() as u64 > limit => Err(too_big(name, "holds", limit)),
        Input::Whole(d) => Ok(d),
        Input::Stream(mut r) => Ok(Data::Owned(gather(&mut r, name, limit)?)),
    }
}

/// Reads the stream `name` to its end into a buffer of exactly its size ([`Gathered`]);
/// more than `limit` bytes is an error naming it, the limit and the flag.
pub fn gather(r: &mut dyn Read, name: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    let mut g = Gathered::default();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = match r.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(stream_error(name, e, limit)),
        };
        g.push(&block[..n]);
        if g.len() > limit {
            return Err(too_big(name, "holds", limit));
        }
    }
    Ok(g.into_vec())
}

/// Bytes gathered from a stream in blocks of their own, joined once at the end into a
/// buffer of exactly their size: never a doubled buffer, nor the trail of outgrown
/// ones an allocator keeps (reading 32 MiB into a growing `Vec` peaked at 123 MiB).
#[derive(Default)]
pub struct Gathered {
    blocks: Vec<Vec<u8>>,
    len: u64,
}

impl Gathered {
    const BLOCK: usize = 1 << 20;

    pub fn push(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        while !bytes.is_empty() {
            if self.blocks.last().is_none_or(|b| b.len() == b.capacity()) {
                self.blocks.push(Vec::with_capacity(Self::BLOCK));
            }
            let b = self.blocks.last_mut().expect("a block was pushed");
            let n = bytes.len().min(b.capacity() - b.len());
            b.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn into_vec(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.len as usize);
        for b in self.blocks {
            v.extend_from_slice(&b);
        }
        v
    }
}

/// A stream that fails once more than `limit` bytes came through it.
pub struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Capped<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Capped {
            inner,
            left: limit,
            limit,
        }
    }
}

/// The error of reading the stream `name` through a [`Capped`] of `limit` bytes.
pub fn stream_error(name: &str, e: io::Error, limit: u64) -> anyhow::Error {
    if e.kind() == io::ErrorKind::FileTooLarge {
        too_big(name, "holds", limit)
    } else {
        anyhow::anyhow!("cannot read {name}: {e}")
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("more than {} bytes", self.limit),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reads all of a file by its path (never stdin).
pub fn read_file(path: &Path) -> anyhow::Result<Data> {
    whole(open_file(path)?, &path.display().to_string())
}

fn whole(input: Input, name: &str) -> anyhow::Result<Data> {
    match input {
        Input::Whole(d) => Ok(d),
        Input::Stream(mut r) => {
            let mut v = vec![];
            r.read_to_end(&mut v)
                .with_context(|| format!("cannot read {name}"))?;
            Ok(Data::Owned(v))
        }
    }
}

/// Largest source file [`read_under`] reads (Go files are a few hundred KiB at most;
/// generated ones a few MiB).
pub const MAX_SOURCE: u64 = 32 << 20;

/// Reads a source file that a diagnostic names, only when it is a regular file inside
/// `root` (after following symbolic links) and at most [`MAX_SOURCE`] bytes: a
/// compiler line may name anything (`/dev/zero`, a FIFO, `/etc/passwd`, `../../x`), and
/// what we read must neither hang, nor fill memory, nor leak a file outside the
/// repository through the annotations.
pub fn read_under(root: &Path, path: &Path) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let outside = || io::Error::new(io::ErrorKind::PermissionDenied, "outside the root");
    let root = std::fs::canonicalize(root)?;
    let real = std::fs::canonicalize(root.join(path))?;
    if !real.starts_with(&root) {
        return Err(outside());
    }
    // O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOFOLLOW: a link put
    // there after the check is not followed
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(&real)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > MAX_SOURCE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "too big for a source file",
        ));
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    f.take(MAX_SOURCE + 1).read_to_end(&mut out)?;
    if out.len() as u64 > MAX_SOURCE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "too big for a source file",
        ));
    }
    Ok(out)
}

/// What a block reader reports, in order.
pub enum Chunk<'a> {
    /// Whole lines (the last one may lack its newline at the end of input).
    Lines(&'a [u8]),
    /// A line longer than [`MAX_LINE`], dropped as it streamed by.
    LongLine,
}

/// Reads a stream to its end in blocks of whole lines, with one reused buffer.
pub fn for_each_block(
    r: &mut dyn Read,
    progress: Progress,
    mut f: impl FnMut(Chunk),
) -> io::Result<()> {
    let mut buf = vec![0u8; BLOCK];
    let mut filled = 0;
    let mut total = 0u64;
    let mut in_long_line = false; // discarding the rest of an overlong line
    loop {
        let n = match r.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        let eof = n == 0;
        filled += n;
        let mut start = 0;
        if in_long_line {
            match memchr::memchr(b'\n', &buf[..filled]) {
                Some(k) => {
                    start = k + 1;
                    in_long_line = false;
                }
                None => {
                    filled = 0;
                    if eof {
                        break;
                    }
                    continue;
                }
            }
        }
        let end = if eof {
            filled
        } else {
            memchr::memrchr(b'\n', &buf[start..filled]).map_or(start, |k| start + k + 1)
        };
        if end > start {
            f(Chunk::Lines(&buf[start..end]));
        }
        if eof {
            break;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
        if filled >= MAX_LINE {
            f(Chunk::LongLine);
            filled = 0;
            in_long_line = true;
        }
        progress(total);
    }
    progress(total);
    Ok(())
}

/// Splits `data` into ranges of about `block` bytes that end after a newline.
pub fn split_lines(data: &[u8], block: usize) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut s = 0;
    while s < data.len() {
        let nominal = (s + block).min(data.len());
        let e = if nominal == data.len() {
            nominal
        } else {
            memchr::memchr(b'\n', &data[nominal..]).map_or(data.len(), |k| nominal + k + 1)
        };
        out.push((s, e));
        s = e;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_newlines() {
        let d = b"aaa\nbbb\nccc";
        assert_eq!(split_lines(d, 2), vec![(0, 4), (4, 8), (8, 11)]);
        assert_eq!(split_lines(b"", 2), vec![]);
    }

    #[test]
    fn overlong_lines_are_dropped_and_counted() {
        let mut data = vec![b'x'; BLOCK + 5];
        data.extend_from_slice(b"\nGC forced\nlast");
        let (mut long, mut text) = (0, vec![]);
        for_each_block(&mut &data[..], &|_| {}, |c| match c {
            Chunk::LongLine => long += 1,
            Chunk::Lines(l) => text.extend_from_slice(l),
        })
        .unwrap();
        assert_eq!(long, 1);
        assert_eq!(text, b"GC forced\nlast");
    }

    #[test]
    fn sources_are_read_only_as_regular_files_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("a.go"), "package a\n").unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("zero.go")).unwrap();
        std::os::unix::fs::symlink("../secret", root.join("out.go")).unwrap();
        let fifo = root.join("fifo.go");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read_under(&root, Path::new("a.go")).unwrap(),
            b"package a\n"
        );
        for bad in [
            "zero.go",
            "out.go",
            "fifo.go",
            "../secret",
            "/dev/zero",
            "/etc/passwd",
        ] {
            assert!(read_under(&root, Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_directory_is_an_error_naming_it() {
        let e = open(env!("CARGO_MANIFEST_DIR")).err().unwrap();
        assert!(format!("{e:#}").contains("is a directory"), "{e:#}");
    }
}
