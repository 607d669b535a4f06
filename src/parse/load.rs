//! Reads inputs into a [`Timeline`]: a mapped file is scanned in blocks on every core,
//! a stream (stdin, a pipe) block by block as it arrives. This is the library's way in:
//! [`load`] is what `gclens gc` does before it analyzes, [`load_bytes`] the same for
//! bytes in memory.

use super::{Builder, Scanner};
use crate::input::{self, BLOCK, Chunk, Input, Progress, split_lines};
use crate::model::Timeline;
use anyhow::Context;
use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Scans a stream to its end, block by block; an overlong line is one foreign line.
pub fn scan_reader(
    scanner: &Scanner,
    source: u32,
    r: &mut dyn Read,
    progress: Progress,
) -> io::Result<Builder> {
    let mut b = Builder::new(source);
    input::for_each_block(r, progress, |c| match c {
        Chunk::Lines(lines) => b.feed(scanner, lines),
        Chunk::LongLine => b.skip_lines(1),
    })?;
    Ok(b)
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
    fn overlong_lines_are_one_foreign_line() {
        let mut data = vec![b'x'; BLOCK + 5];
        data.extend_from_slice(b"\nGC forced\n");
        let b = scan_reader(&Scanner::new(), 0, &mut &data[..], &|_| {}).unwrap();
        assert_eq!(b.lines(), 2);
    }
}
