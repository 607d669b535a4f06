//! What a capture shows while it runs: on a terminal, one status line redrawn in place
//! (snapshots, files, the heap in use so far and its trend, the next tick); elsewhere a
//! plain line per snapshot. Notes (gaps) clear the status line before they are written.

use std::io::{self, Write};

pub(super) fn mib_text(mib: f64) -> String {
    match mib {
        m if m <= 0.0 => "0 B".to_string(),
        m if m < 1.0 => format!("{:.0} KiB", (m * 1024.0).max(1.0)),
        m if m < 10.0 => format!("{m:.2} MiB"),
        m => format!("{m:.1} MiB"),
    }
}

/// A byte count for people.
pub fn size_text(bytes: u64) -> String {
    mib_text(bytes as f64 / (1 << 20) as f64)
}

/// The status line on a terminal's stderr, or plain lines.
pub(super) struct StatusLine {
    on: bool,
    shown: bool,
}

impl StatusLine {
    pub(super) fn new(on: bool) -> StatusLine {
        StatusLine { on, shown: false }
    }

    pub(super) fn draw(&mut self, line: &str) {
        if self.on {
            let mut e = io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K{line}");
            let _ = e.flush();
            self.shown = true;
        }
    }

    pub(super) fn clear(&mut self) {
        if self.shown {
            let _ = write!(io::stderr(), "\r\x1b[2K");
            self.shown = false;
        }
    }

    pub(super) fn note(&mut self, line: &str) {
        self.clear();
        crate::note!("{line}");
    }
}
