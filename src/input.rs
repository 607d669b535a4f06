//! Reads inputs into a [`Builder`]: files through a memory map, scanned in blocks on
//! every core; stdin and other streams in large reads with a reused buffer. Bytes all
//! the way: no UTF-8 is assumed anywhere.
//!
//! A line longer than [`MAX_LINE`] cannot be a runtime trace line (those are a few
//! hundred bytes): in a stream it is counted as one foreign line without being held in
//! memory.

use crate::parse::Builder;
use crate::parse::Scanner;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest line a stream reader keeps in memory.
pub const MAX_LINE: usize = 1 << 20;
/// Block size for reads and for splitting files among threads.
const BLOCK: usize = 16 << 20;

/// Called with the number of bytes consumed so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

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
    let bounds = split_lines(data, block);
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

/// Splits `data` into ranges of about `block` bytes that end after a newline.
fn split_lines(data: &[u8], block: usize) -> Vec<(usize, usize)> {
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

/// Scans a stream to its end, `BLOCK` bytes at a time.
pub fn scan_reader(
    scanner: &Scanner,
    source: u32,
    r: &mut dyn Read,
    progress: Progress,
) -> io::Result<Builder> {
    let mut b = Builder::new(source);
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
            b.feed(scanner, &buf[start..end]);
        }
        if eof {
            break;
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
        if filled >= MAX_LINE {
            // an overlong line: one foreign line, dropped as it streams by
            b.skip_lines(1);
            filled = 0;
            in_long_line = true;
        }
        progress(total);
    }
    progress(total);
    Ok(b)
}

/// Scans a file by name (`-` is stdin). Regular files are memory-mapped.
pub fn scan_path(
    scanner: &Scanner,
    source: u32,
    path: &str,
    progress: Progress,
) -> io::Result<Builder> {
    if path == "-" {
        return scan_reader(scanner, source, &mut io::stdin().lock(), progress);
    }
    let f = File::open(Path::new(path))?;
    let meta = f.metadata()?;
    if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is read-only and dropped before we return; a file truncated
        // by another process while we read it is the only risk, as with any mmap reader.
        // Not populated up front (one thread mapping every page first is slower than
        // the scan threads faulting their own blocks in); WillNeed starts the read-ahead
        // of a file that is not in the page cache.
        if let Ok(map) = unsafe { memmap2::MmapOptions::new().map(&f) } {
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::WillNeed);
            return Ok(scan_bytes(scanner, source, &map, progress));
        }
    }
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory",
        ));
    }
    let mut f = f;
    scan_reader(scanner, source, &mut f, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many small blocks on every core give the timeline one pass gives: line numbers
    /// shifted right, scan class lines that run across a block boundary counted once.
    #[test]
    fn parallel_blocks_give_the_same_timeline() {
        use crate::model::Timeline;
        let root = env!("CARGO_MANIFEST_DIR");
        for f in [
            "go1.26/gctrace2.log",
            "go1.25/steady.log",
            "go1.21/scav.log",
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

    #[test]
    fn blocks_end_at_newlines() {
        let d = b"aaa\nbbb\nccc";
        assert_eq!(split_lines(d, 2), vec![(0, 4), (4, 8), (8, 11)]);
        assert_eq!(split_lines(b"", 2), vec![]);
    }

    #[test]
    fn overlong_lines_are_one_foreign_line() {
        let mut data = vec![b'x'; MAX_LINE * 3 + 5];
        data.extend_from_slice(b"\nGC forced\n");
        let b = scan_reader(&Scanner::new(), 0, &mut &data[..], &|_| {}).unwrap();
        assert_eq!(b.lines(), 2);
    }
}
