//! `run --save FILE`: the program's stderr as it came, byte for byte, with the
//! scheduler's `gclens: cpu` lines put between its lines — never inside one: a sample
//! that arrives while a line is half written waits for that line's end. The file is
//! then a trace `gclens gc` and `gclens advise` read like any other, and the advice
//! can tell GC CPU time from time GC workers held a P while descheduled.

use crate::model::CpuSample;
use crate::parse::cpu::format_cpu_line;
use std::fs::File;
use std::io::{self, BufWriter, Write};

pub struct Saver {
    w: BufWriter<File>,
    /// The last byte written ended a line (or nothing was written).
    at_line_start: bool,
    /// Sample lines waiting for the end of the program's current line.
    pending: Vec<u8>,
    /// The first write error; nothing more is written after it.
    error: Option<io::Error>,
}

impl Saver {
    pub fn create(path: &str) -> io::Result<Saver> {
        Ok(Saver {
            w: BufWriter::with_capacity(256 << 10, File::create(path)?),
            at_line_start: true,
            pending: Vec::new(),
            error: None,
        })
    }

    fn write(&mut self, b: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.w.write_all(b)
        {
            self.error = Some(e);
        }
    }

    /// Bytes of the program's stderr.
    pub fn data(&mut self, d: &[u8]) {
        if d.is_empty() {
            return;
        }
        match memchr::memrchr(b'\n', d) {
            Some(k) if !self.pending.is_empty() => {
                self.write(&d[..=k]);
                let p = std::mem::take(&mut self.pending);
                self.write(&p);
                self.write(&d[k + 1..]);
            }
            _ => self.write(d),
        }
        self.at_line_start = d.ends_with(b"\n");
    }

    /// A scheduler sample.
    pub fn sample(&mut self, s: &CpuSample) {
        let mut line = format_cpu_line(s).into_bytes();
        line.push(b'\n');
        if self.at_line_start {
            self.write(&line);
        } else {
            self.pending.extend_from_slice(&line);
        }
    }

    /// Writes what waits (after a newline when the program's last line had none) and
    /// flushes; the first error met.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            if !self.at_line_start {
                self.write(b"\n");
            }
            let p = std::mem::take(&mut self.pending);
            self.write(&p);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: u64) -> CpuSample {
        CpuSample {
            t_ms: t,
            window_ms: 1000,
            run_ms: 900,
            wait_ms: 100,
            elsewhere_ms: 0,
            stolen_ms: 0,
            cpus: 0,
        }
    }

    #[test]
    fn samples_go_between_lines_and_bytes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        let mut s = Saver::create(path.to_str().unwrap()).unwrap();
        s.sample(&sample(1000));
        s.data(b"gc 1 @0.1s 1%: half");
        s.sample(&sample(2000));
        s.data(b" a line\nanother ");
        s.data(b"\xff\r\n");
        s.data(b"no newline at the end");
        s.sample(&sample(3000));
        s.finish().unwrap();
        let got = std::fs::read(&path).unwrap();
        let want = [
            &b"gclens: cpu @1.000s 1.000s: 0.900s running, 0.100s waiting, 0.000s elsewhere\n"[..],
            b"gc 1 @0.1s 1%: half a line\n",
            b"gclens: cpu @2.000s 1.000s: 0.900s running, 0.100s waiting, 0.000s elsewhere\n",
            b"another \xff\r\nno newline at the end\n",
            b"gclens: cpu @3.000s 1.000s: 0.900s running, 0.100s waiting, 0.000s elsewhere\n",
        ]
        .concat();
        assert_eq!(got, want);
    }
}
