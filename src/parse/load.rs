//! Reads inputs into a [`Timeline`]: a mapped file is scanned in blocks on every core,
//! a stream (stdin, a pipe) block by block as it arrives. This is the library's way in:
//! [`load`] is what `gclens gc` does before it analyzes, [`load_bytes`] the same for
//! bytes in memory.

use super::{Builder, Scanner};
use crate::input::{self, BLOCK, Chunk, Input, Progress, split_lines};
use crate::model::Timeline;
use anyhow::Context;
use std::cell::Cell;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Reads `files` (`-` is stdin; none means stdin) into one timeline, in the order given.
pub fn load(files: &[String]) -> anyhow::Result<Timeline> {
    load_watched(files, &|_| Box::new(|_| {}))
}

/// Told, for each file as it is started, how to report the bytes read so far; what it
/// returns is dropped when the file is done (a progress bar clears itself then).
pub type Watch<'a> = &'a dyn Fn(&str) -> Box<dyn Fn(u64) + Sync>;

/// [`load`], reporting progress file by file.
pub fn load_watched(files: &[String], watch: Watch) -> anyhow::Result<Timeline> {
    let scanner = Scanner::new();
    let mut t = Timeline::default();
    for (k, path) in input::files_or_stdin(files).iter().enumerate() {
        let tick = watch(path);
        let builder = scan_path(&scanner, k as u32, path, &*tick)?;
        drop(tick);
        t.sources.push(path.clone());
        builder.finish_into(&mut t);
    }
    Ok(t)
}

/// Reads an in-memory input (named `-`) into a timeline.
pub fn load_bytes(data: &[u8]) -> Timeline {
    let b = scan_bytes(&Scanner::new(), 0, data, &|_| {});
    let mut t = Timeline {
        sources: vec!["-".into()],
        ..Default::default()
    };
    b.finish_into(&mut t);
    t
}

/// Scans a whole in-memory input, in parallel when it is big.
pub fn scan_bytes(scanner: &Scanner, source: u32, data: &[u8], progress: Progress) -> Builder {
    scan_blocks(scanner, source, data, BLOCK, progress)
}

fn scan_blocks(
    scanner: &Scanner,
    source: u32,
    data: &[u8],
    block: usize,
    progress: Progress,
) -> Builder {
    let bounds = settle(scanner, data, split_lines(data, block));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(bounds.len());
    if threads <= 1 {
        let mut b = Builder::new(source);
        for (s, e) in bounds {
            b.feed(scanner, &data[s..e]);
            progress(e as u64);
        }
        return b;
    }
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Builder>>> = bounds.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(a, e)) = bounds.get(k) else { break };
                    let mut b = Builder::new(source);
                    b.reserve((e - a) / 128);
                    b.feed(scanner, &data[a..e]);
                    *results[k].lock().unwrap_or_else(|p| p.into_inner()) = Some(b);
                    let d = done.fetch_add(e - a, Ordering::Relaxed) + (e - a);
                    progress(d as u64);
                }
            });
        }
    });
    let results: Vec<Builder> = results
        .into_iter()
        .filter_map(|r| r.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    Builder::concat(source, results, threads)
}

/// Moves each block's end past lines whose record may go on in the next block (a record
/// that another write cut in two), so that no block ends inside one. Only the last
/// lines of a block are looked at.
fn settle(scanner: &Scanner, data: &[u8], bounds: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(bounds.len());
    let mut s = 0;
    for (_, mut e) in bounds {
        if e <= s {
            continue; // swallowed by the block before
        }
        // the rejoin reads at most the two lines after a record's first half
        for _ in 0..8 {
            let from = s + back_lines(&data[s..e], 3);
            if e == data.len()
                || scanner
                    .scan_from(&data[from..e], None, false, |_| {})
                    .consumed
                    == e - from
            {
                break;
            }
            e = memchr::memchr(b'\n', &data[e..]).map_or(data.len(), |n| e + n + 1);
        }
        out.push((s, e));
        s = e;
    }
    out
}

/// Where the last `n` lines of `buf` (whole lines) start.
fn back_lines(buf: &[u8], n: usize) -> usize {
    let body = buf.strip_suffix(b"\n").unwrap_or(buf);
    memchr::memrchr_iter(b'\n', body)
        .nth(n - 1)
        .map_or(0, |k| k + 1)
}

/// Scans a stream to its end, block by block; an overlong line is one foreign line.
pub fn scan_reader(
    scanner: &Scanner,
    source: u32,
    r: &mut dyn Read,
    progress: Progress,
) -> io::Result<Builder> {
    let mut all = Builder::new(source);
    reader_blocks(scanner, source, r, progress, &mut |b| {
        all.append(b);
        ControlFlow::Continue(())
    })?;
    Ok(all)
}

/// Lines of a stream handed over at once (about 9 MiB of gc lines).
const STREAM_BLOCK_LINES: u64 = 1 << 16;

/// Scans a stream block by block, handing over each block's builder as it is done,
/// until `each` says to stop (the stream is then read no further).
fn reader_blocks(
    scanner: &Scanner,
    source: u32,
    r: &mut dyn Read,
    progress: Progress,
    each: &mut dyn FnMut(Builder) -> ControlFlow<()>,
) -> io::Result<()> {
    let mut b = Builder::new(source);
    // the lines of a block whose record may continue in the next block
    let mut carry: Vec<u8> = Vec::new();
    let stop = Cell::new(false);
    let mut r = Until { r, stop: &stop };
    input::for_each_block(&mut r, progress, |c| {
        if stop.get() {
            return;
        }
        match c {
            Chunk::Lines(lines) if carry.is_empty() => {
                let used = b.feed_from(scanner, lines, false);
                carry.extend_from_slice(&lines[used..]);
            }
            Chunk::Lines(lines) => {
                carry.extend_from_slice(lines);
                let used = b.feed_from(scanner, &carry, false);
                carry.drain(..used);
            }
            Chunk::LongLine => {
                // a dropped line ends what came before it
                b.feed(scanner, &carry);
                carry.clear();
                b.skip_lines(1);
            }
        }
        // a pipe reads 64 KiB at a time: blocks of many reads, so that a kept block is
        // not a few hundred cycles in an allocation of its own
        if b.lines() >= STREAM_BLOCK_LINES {
            let full = std::mem::replace(&mut b, Builder::new(source));
            stop.set(each(full).is_break());
        }
    })?;
    if !stop.get() {
        b.feed(scanner, &carry);
        let _ = each(b);
    }
    Ok(())
}

/// A stream that ends once `stop` is set.
struct Until<'a> {
    r: &'a mut dyn Read,
    stop: &'a Cell<bool>,
}

impl Read for Until<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.get() {
            return Ok(0);
        }
        self.r.read(buf)
    }
}

/// Reads one input (`-` is stdin) in blocks, in order, handing each block's builder to
/// `each` and forgetting it: a long trace is read in memory bounded by a few blocks
/// (issue 31). A mapped file's blocks are scanned on every core, and the pages of each
/// are given back once it is handed over; a stream is read as it comes. Once `each`
/// says to stop (its output was closed: `gc -f csv | head`), nothing more is scanned.
pub fn stream_path(
    scanner: &Scanner,
    source: u32,
    path: &str,
    progress: Progress,
    each: &mut dyn FnMut(Builder) -> ControlFlow<()>,
) -> anyhow::Result<()> {
    match input::open(path)? {
        Input::Whole(data) => {
            let bounds = settle(scanner, &data, split_lines(&data, BLOCK));
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let stop = AtomicBool::new(false);
            super::ordered::map_in_order(
                &bounds,
                threads,
                2 * threads,
                |&(a, e)| {
                    let mut b = Builder::new(source);
                    if !stop.load(Ordering::Relaxed) {
                        b.reserve((e - a) / 128);
                        b.feed(scanner, &data[a..e]);
                    }
                    b
                },
                |k, b| {
                    if !stop.load(Ordering::Relaxed) && each(b).is_break() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let (a, e) = bounds[k];
                    data.release(a..e);
                    progress(e as u64);
                },
            );
            data.check(path)
        }
        Input::Stream(mut r) => {
            free_at_once();
            reader_blocks(scanner, source, &mut r, progress, each)
                .with_context(|| format!("cannot read {}", input::display_name(path)))
        }
    }
}

/// Has the allocator give freed memory back to the system at once rather than 10 ms
/// later. A stream's blocks are scanned and dropped on one thread, and the delayed frees
/// added 40-60 MiB to its peak; a mapped file's blocks come back to be reused (giving
/// them back costs the kernel 0.1-0.3 s of zeroing pages on 8M cycles), so it is left.
fn free_at_once() {
    // SAFETY: sets one of mimalloc's options (15 is `mi_option_purge_delay` in mimalloc
    // 2; the bindings do not name it), an integer the allocator reads as it purges.
    unsafe { libmimalloc_sys::mi_option_set(15, 0) };
}

/// Scans a file by name (`-` is stdin): mapped files on every core, streams as they come.
pub fn scan_path(
    scanner: &Scanner,
    source: u32,
    path: &str,
    progress: Progress,
) -> anyhow::Result<Builder> {
    match input::open(path)? {
        Input::Whole(data) => {
            let b = scan_bytes(scanner, source, &data, progress);
            data.check(path)?;
            Ok(b)
        }
        Input::Stream(mut r) => scan_reader(scanner, source, &mut r, progress)
            .with_context(|| format!("cannot read {}", input::display_name(path))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many small blocks on every core give the timeline one pass gives: line numbers
    /// shifted right, scan class lines that run across a block boundary counted once.
    #[test]
    fn parallel_blocks_give_the_same_timeline() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "go1.26/gctrace2.log",
            "go1.25/steady.log",
            "go1.21/scav.log",
            // records the program's output cut in two (issue 27): no block ends inside one
            "go1.19/leak.log",
            "go1.21/leak.log",
            "go1.26/leak.log",
        ] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            let s = Scanner::new();
            let timeline = |b: Builder| {
                let mut t = Timeline::default();
                b.finish_into(&mut t);
                t
            };
            let mut one = Builder::new(0);
            one.feed(&s, &data);
            let one = timeline(one);
            for block in [1000, 4096, 65536] {
                let many = timeline(scan_blocks(&s, 0, &data, block, &|_| {}));
                assert_eq!(many.cycles, one.cycles, "{f} in {block}-byte blocks");
                assert_eq!(many.events, one.events, "{f} in {block}-byte blocks");
                assert_eq!(many.skipped, one.skipped, "{f} in {block}-byte blocks");
            }
            assert!(one.cycles.len() > 10);
        }
    }

    /// A reader that hands over one line per read, as a pipe from a live program does.
    struct LineByLine<'a>(&'a [u8]);

    impl Read for LineByLine<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = memchr::memchr(b'\n', self.0).map_or(self.0.len(), |k| k + 1);
            let n = n.min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Issue 27: `gclens gc` reading a pipe rejoined a cut record only when both halves
    /// came in one read.
    #[test]
    fn a_stream_read_line_by_line_gives_the_file_timeline() {
        let root = env!("CARGO_MANIFEST_DIR");
        for f in ["go1.19/leak.log", "go1.21/leak.log", "go1.26/leak.log"] {
            let data = std::fs::read(format!("{root}/fixtures/gctrace/{f}")).unwrap();
            let s = Scanner::new();
            let mut one = Builder::new(0);
            one.feed(&s, &data);
            let b = scan_reader(&s, 0, &mut LineByLine(&data), &|_| {}).unwrap();
            assert_eq!(b.lines(), one.lines(), "{f}");
            let (mut x, mut y) = (Timeline::default(), Timeline::default());
            one.finish_into(&mut x);
            b.finish_into(&mut y);
            assert_eq!(y.cycles.len(), x.cycles.len(), "{f}");
            assert_eq!(y.cycles, x.cycles, "{f}");
            assert_eq!(y.skipped, x.skipped, "{f}");
        }
    }

    #[test]
    fn overlong_lines_are_one_foreign_line() {
        let mut data = vec![b'x'; BLOCK + 5];
        data.extend_from_slice(b"\nGC forced\n");
        let b = scan_reader(&Scanner::new(), 0, &mut &data[..], &|_| {}).unwrap();
        assert_eq!(b.lines(), 2);
    }
}
