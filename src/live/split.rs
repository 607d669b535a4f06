//! Splits a byte stream into runtime trace records (kept) and everything else
//! (forwarded byte for byte, at once). Whole lines are scanned as soon as their newline
//! arrives. Two kinds of bytes are held back, never longer than about [`HOLD`]: an
//! unfinished line (it might still become a trace line) and the last whole lines when
//! they may be the first half of a record that the program's own write cut in two
//! (`gc ` + its log line + `549 @0.755s …`: the lines after decide it). So the same
//! stream gives the same cycles however its reads cut it. Once held bytes have waited
//! [`HOLD`] they are decided as they are: whole lines are scanned, an unfinished line
//! is forwarded, and so is the rest of it when it comes.
//!
//! An output that fails (a closed pipe, a full disk) stops the forwarding, never the
//! scanning: the chunk in hand and every later one are still read into the timeline,
//! and the error is returned once, by the call that met it.

use crate::input::MAX_LINE;
use crate::parse::Builder;
use crate::parse::Scanner;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// Longest an unfinished line is held back.
pub const HOLD: Duration = Duration::from_millis(100);

/// What goes to the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forward {
    /// Every line that is not a runtime trace line (the default).
    Foreign,
    /// Everything, trace lines too (`--tee`).
    All,
    /// Nothing (`--quiet`).
    Nothing,
}

pub struct Splitter {
    scanner: Scanner,
    forward: Forward,
    /// Bytes not scanned yet, from the start of a line: whole lines that the lines to
    /// come decide, then an unfinished line.
    pending: Vec<u8>,
    /// When the bytes at the start of `pending` began to wait.
    pending_since: Option<Instant>,
    /// The current line was already forwarded in part: forward the rest as it comes.
    passing_line: bool,
    /// Bytes forwarded so far.
    pub forwarded: u64,
    /// The output failed: nothing more is forwarded.
    failed: bool,
    /// The failure, until a call returns it.
    error: Option<io::Error>,
}

impl Splitter {
    pub fn new(forward: Forward) -> Self {
        Splitter {
            scanner: Scanner::new(),
            forward,
            pending: Vec::new(),
            pending_since: None,
            passing_line: false,
            forwarded: 0,
            failed: false,
            error: None,
        }
    }

    fn emit(&mut self, out: &mut dyn Write, bytes: &[u8], foreign: bool) {
        let send = match self.forward {
            Forward::Foreign => foreign,
            Forward::All => true,
            Forward::Nothing => false,
        };
        if send && !bytes.is_empty() && !self.failed {
            match out.write_all(bytes) {
                Ok(()) => self.forwarded += bytes.len() as u64,
                Err(e) => {
                    self.failed = true;
                    self.error = Some(e);
                }
            }
        }
    }

    /// The output's failure, once.
    fn outcome(&mut self) -> io::Result<()> {
        self.error.take().map_or(Ok(()), Err)
    }

    /// Scans whole lines `buf`, feeds records to `sink`, forwards the rest; returns the
    /// bytes scanned (unless `at_end`, lines that more lines decide are left).
    fn lines(
        &mut self,
        buf: &[u8],
        at_end: bool,
        sink: &mut Builder,
        out: &mut dyn Write,
    ) -> usize {
        let base = sink.lines();
        let mut hits = Vec::new();
        let scanned = self
            .scanner
            .scan_from(buf, sink.last_gc(), at_end, |h| hits.push(h));
        let buf = &buf[..scanned.consumed];
        let mut pos = 0;
        for h in &hits {
            self.emit(out, &buf[pos..h.line_start], true);
            let end = (h.line_end + 1).min(buf.len()); // with its newline
            match (h.record, h.split) {
                (None, _) => self.emit(out, &buf[h.line_start..end], true), // malformed: never lost
                (Some(_), Some(k)) => {
                    // the program's text that cut the record in two is its own line
                    let a_end = memchr::memchr(b'\n', &buf[k..]).map_or(buf.len(), |e| k + e + 1);
                    self.emit(out, &buf[h.line_start..k], false);
                    self.emit(out, &buf[k..a_end], true);
                    self.emit(out, &buf[a_end..end], false);
                }
                (Some(_), None) => self.emit(out, &buf[h.line_start..end], false),
            }
            sink.add_hit(base, h, buf);
            pos = end;
        }
        self.emit(out, &buf[pos..], true);
        sink.skip_lines(scanned.lines);
        scanned.consumed
    }

    /// Takes the next bytes of the stream, which arrived at `now`.
    pub fn push(
        &mut self,
        mut chunk: &[u8],
        now: Instant,
        sink: &mut Builder,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self.passing_line {
            match memchr::memchr(b'\n', chunk) {
                Some(k) => {
                    self.emit(out, &chunk[..=k], true);
                    self.passing_line = false;
                    sink.skip_lines(1);
                    chunk = &chunk[k + 1..];
                }
                None => {
                    self.emit(out, chunk, true);
                    return self.outcome();
                }
            }
        }
        if self.pending.is_empty() {
            // the common case: scanned where it lies, only a tail is copied
            let used = match memchr::memrchr(b'\n', chunk) {
                Some(k) => self.lines(&chunk[..=k], false, sink, out),
                None => 0,
            };
            if used < chunk.len() {
                self.pending_since = Some(now);
                self.pending.extend_from_slice(&chunk[used..]);
            }
        } else {
            let mut p = std::mem::take(&mut self.pending);
            let old = p.len();
            p.extend_from_slice(chunk);
            let used = match memchr::memrchr(b'\n', &p[old..]) {
                Some(k) => self.lines(&p[..=old + k], false, sink, out),
                None => 0,
            };
            p.drain(..used);
            if used > 0 {
                self.pending_since = Some(now);
            }
            self.pending = p; // keeps the allocation
        }
        if self.pending.is_empty() {
            self.pending_since = None;
        } else if self.pending.len() > MAX_LINE {
            self.release(sink, out);
        }
        self.outcome()
    }

    /// Decides what waited too long (or grew too long) as it is: held whole lines are
    /// scanned without the lines after them, an unfinished line is forwarded as the
    /// program's (a runtime line is never left half-written), and its rest after it.
    fn release(&mut self, sink: &mut Builder, out: &mut dyn Write) {
        let mut p = std::mem::take(&mut self.pending);
        let whole = memchr::memrchr(b'\n', &p).map_or(0, |k| k + 1);
        if whole > 0 {
            self.lines(&p[..whole], true, sink, out);
        }
        if whole < p.len() {
            self.emit(out, &p[whole..], true);
            self.passing_line = true;
        }
        p.clear();
        self.pending = p;
        self.pending_since = None;
    }

    /// Called when no data came for a while: decides what was held longer than [`HOLD`].
    pub fn tick(
        &mut self,
        now: Instant,
        sink: &mut Builder,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        if self
            .pending_since
            .is_some_and(|t| now.saturating_duration_since(t) >= HOLD)
        {
            self.release(sink, out);
        }
        self.outcome()
    }

    /// End of stream: what is held is scanned like any other lines.
    pub fn finish(&mut self, sink: &mut Builder, out: &mut dyn Write) -> io::Result<()> {
        if self.passing_line {
            self.passing_line = false;
            sink.skip_lines(1);
        }
        let p = std::mem::take(&mut self.pending);
        if !p.is_empty() {
            self.lines(&p, true, sink, out);
        }
        self.pending_since = None;
        self.outcome()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GC: &[u8] = b"gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB goal, 40 P\n";

    fn run(chunks: &[&[u8]], forward: Forward) -> (Vec<u8>, Builder) {
        let mut s = Splitter::new(forward);
        let mut b = Builder::new(0);
        let mut out = vec![];
        for c in chunks {
            s.push(c, Instant::now(), &mut b, &mut out).unwrap();
        }
        s.finish(&mut b, &mut out).unwrap();
        (out, b)
    }

    #[test]
    fn trace_lines_are_removed_the_rest_kept_exactly() {
        let (out, b) = run(
            &[
                b"a\xff\r\n",
                GC,
                b"x\x00y",
                b"z\n",
                &GC[..20],
                &GC[20..],
                b"no newline",
            ],
            Forward::Foreign,
        );
        assert_eq!(out, b"a\xff\r\nx\x00yz\nno newline");
        assert_eq!(b.cycles(), 2);
        assert_eq!(b.lines(), 5);
    }

    /// A writer that fails after `left` bytes, as a closed pipe does.
    struct Closing {
        left: usize,
        got: Vec<u8>,
    }

    impl Write for Closing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// stderr as a closed pipe under `run`: the first line failed to forward and the
    /// cycles after it in the same chunk were lost ("no gc line in 0 lines").
    #[test]
    fn closed_output_stops_forwarding_but_not_scanning() {
        let input: Vec<u8> = [&b"app: start\n"[..], GC, b"more\n", GC].concat();
        let mut s = Splitter::new(Forward::Foreign);
        let mut b = Builder::new(0);
        let mut out = Closing {
            left: 3,
            got: vec![],
        };
        let e = s
            .push(&input, Instant::now(), &mut b, &mut out)
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        s.push(GC, Instant::now(), &mut b, &mut out).unwrap();
        s.finish(&mut b, &mut out).unwrap();
        assert_eq!((b.cycles(), b.lines()), (3, 5));
        assert_eq!(out.got, b"app");
    }

    #[test]
    fn tee_and_quiet() {
        let input: Vec<u8> = [&b"hello\n"[..], GC].concat();
        assert_eq!(run(&[&input], Forward::All).0, input);
        assert!(run(&[&input], Forward::Nothing).0.is_empty());
    }

    #[test]
    fn a_held_line_is_released_after_the_hold_time_and_its_rest_follows() {
        let mut s = Splitter::new(Forward::Foreign);
        let mut b = Builder::new(0);
        let mut out = vec![];
        s.push(b"prompt> ", Instant::now(), &mut b, &mut out)
            .unwrap();
        assert!(out.is_empty());
        s.tick(Instant::now() + HOLD, &mut b, &mut out).unwrap();
        assert_eq!(out, b"prompt> ");
        s.push(b"typed\n", Instant::now(), &mut b, &mut out)
            .unwrap();
        s.push(GC, Instant::now(), &mut b, &mut out).unwrap();
        s.finish(&mut b, &mut out).unwrap();
        assert_eq!(out, b"prompt> typed\n");
        assert_eq!((b.cycles(), b.lines()), (1, 2));
    }

    #[test]
    fn a_split_record_forwards_only_the_programs_line() {
        let input = b"gc 2026/11/26 05:40:33 app: leak: cache holds 6 MiB\n549 @0.755s 5%: 0.008+0.16+0.037 ms clock, 0.016+0.026/0.031/0.009+0.074 ms cpu, 28->28->14 MB, 29 MB goal, 0 MB stacks, 0 MB globals, 2 P\nbye\n";
        let (out, b) = run(&[input], Forward::Foreign);
        assert_eq!(
            out,
            b"2026/11/26 05:40:33 app: leak: cache holds 6 MiB\nbye\n"
        );
        assert_eq!(b.cycles(), 1);
    }
}
