//! The one-line live status on a terminal's stderr: cycles, live heap, goal, GC CPU,
//! last pause, live-heap trend. Redrawn at most once a second, cleared before anything
//! else is written to the same terminal.

use super::Monitor;
use crate::analyze::cycle::{live_mib, pause_us};
use crate::analyze::stats::theil_sen;
use crate::units::num;
use std::io::Write;
use std::time::{Duration, Instant};

/// Cycles the trend in the status line looks at.
const TREND_CYCLES: usize = 4000;

pub struct Status {
    enabled: bool,
    last_draw: Option<Instant>,
    shown: bool,
}

impl Status {
    pub fn new(enabled: bool) -> Self {
        Status {
            enabled,
            last_draw: None,
            shown: false,
        }
    }

    /// The text of the status line.
    pub fn line(m: &Monitor) -> String {
        let cs = m.builder.cycle_slice();
        let Some(c) = cs.last() else {
            return format!("gclens: {} lines, no gc cycle yet", m.builder.lines());
        };
        let recent = &cs[cs.len().saturating_sub(TREND_CYCLES)..];
        let pts: Vec<(f64, f64)> = recent
            .iter()
            .filter_map(|c| Some((c.gc.t_ms? as f64 / 60_000.0, f64::from(live_mib(c)))))
            .collect();
        let trend = theil_sen(&pts).map_or(String::new(), |t| {
            format!(" · trend {:+.1} MiB/min", t.slope)
        });
        format!(
            "gclens: {} cycles · live {} MiB · goal {} · GC CPU {} · last pause {} ms{trend}",
            m.total_cycles(),
            live_mib(c),
            c.gc.goal_mib.map_or("n/a".into(), |g| format!("{g} MiB")),
            c.gc.cpu_pct.map_or("n/a".into(), |p| format!("{p}%")),
            num(pause_us(c) as f64 / 1000.0),
        )
    }

    /// Redraws if a second has passed.
    pub fn maybe_draw(&mut self, m: &Monitor, err: &mut dyn Write) {
        if !self.enabled
            || self
                .last_draw
                .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        let _ = write!(err, "\r\x1b[2K{}", Self::line(m));
        let _ = err.flush();
        self.last_draw = Some(Instant::now());
        self.shown = true;
    }

    /// Clears the line so other output starts at column 0; the next draw (at most once a
    /// second) brings it back.
    pub fn clear(&mut self, err: &mut dyn Write) {
        if self.shown {
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_says_what_matters() {
        let mut m = Monitor::new(0);
        assert_eq!(Status::line(&m), "gclens: 0 lines, no gc cycle yet");
        let trace = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/gctrace/go1.21/leak.log"
        ))
        .unwrap();
        m.builder.feed(&crate::parse::Scanner::new(), &trace);
        let l = Status::line(&m);
        assert!(l.starts_with("gclens: 1554 cycles · live 56 MiB · goal 114 MiB · GC CPU 3% · last pause 0.080 ms · trend +"), "{l}");
        assert!(l.contains("trend +"), "{l}");
    }
}
