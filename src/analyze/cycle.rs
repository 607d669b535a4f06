//! Figures derived from one cycle (and its predecessor in the same segment).
//!
//! - STW pause: sweep termination + mark termination wall clock (1.5+); the whole
//!   collection for ≤1.4, whose collector stopped the world throughout.
//! - concurrent mark: the concurrent clock phases (1.6+: mark; 1.5: scan + install write
//!   barrier + mark).
//! - GC CPU: the cpu phases *without idle marking* — the runtime's own `#%` counts GC CPU
//!   the same way (idle workers only use otherwise idle Ps).

use crate::model::{Cycle, GcFormat};

/// The trailing window of the per-cycle GC CPU figure (`gc_cpu_window_pct` in JSON and
/// CSV, the chart's GC CPU line), in seconds.
pub const CPU_WINDOW_S: f64 = 1.0;

/// What every output shows of one cycle beyond the figures its line printed: computed
/// here once, so the JSON and CSV documents and the chart cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    /// Stop-the-world pause, µs.
    pub pause_us: u64,
    /// Concurrent mark wall time, µs (`None` for ≤1.4).
    pub mark_us: Option<u64>,
    /// GC CPU, idle marking excluded, µs (`None` for ≤1.4).
    pub gc_cpu_us: Option<u64>,
    /// GC CPU % over the trailing [`CPU_WINDOW_S`] (`None` without times or cpu phases).
    pub gc_cpu_window_pct: Option<f64>,
    /// MiB allocated since the previous cycle of the same segment.
    pub alloc_mib: Option<u32>,
    /// Heap at GC end over the goal, % (0 when under).
    pub overshoot_pct: Option<f64>,
}

/// The [`Figures`] of every cycle, in order, without a second copy of the cycles.
pub fn figures(cycles: &[Cycle]) -> impl Iterator<Item = Figures> + '_ {
    let mut stream = FigureStream::default();
    cycles.iter().map(move |c| stream.next(c))
}

/// [`Figures`] of cycles handed over one at a time, in order (a stream that is never
/// held whole: `gc --format csv` on a long trace, issue 31). It keeps the previous
/// cycle and the cycles inside the trailing GC CPU window, nothing more.
pub struct FigureStream {
    prev: Option<Cycle>,
    window: Window,
}

impl Default for FigureStream {
    fn default() -> Self {
        FigureStream {
            prev: None,
            window: Window::new(CPU_WINDOW_S),
        }
    }
}

impl FigureStream {
    /// The figures of `c`, the cycle after the last one handed over.
    pub fn next(&mut self, c: &Cycle) -> Figures {
        let f = Figures {
            pause_us: pause_us(c),
            mark_us: mark_us(c),
            gc_cpu_us: gc_cpu_us(c),
            gc_cpu_window_pct: self.window.next(self.prev.as_ref(), c),
            alloc_mib: alloc_mib(self.prev.as_ref(), c),
            overshoot_pct: overshoot_pct(c),
        };
        self.prev = Some(*c);
        f
    }
}

/// Stop-the-world pause in µs.
pub fn pause_us(c: &Cycle) -> u64 {
    let p = c.gc.clock.as_slice();
    match (c.gc.format, p) {
        (GcFormat::Go14, _) => p.iter().map(|&v| u64::from(v)).sum(),
        (_, [first, .., last]) => u64::from(*first) + u64::from(*last),
        _ => 0,
    }
}

/// Concurrent mark wall time in µs (`None` for ≤1.4).
pub fn mark_us(c: &Cycle) -> Option<u64> {
    let p = c.gc.clock.as_slice();
    match c.gc.format {
        GcFormat::Go14 => None,
        _ if p.len() >= 3 => Some(p[1..p.len() - 1].iter().map(|&v| u64::from(v)).sum()),
        _ => None,
    }
}

/// GC CPU of the cycle in µs, idle marking excluded (`None` for ≤1.4).
pub fn gc_cpu_us(c: &Cycle) -> Option<u64> {
    let p = c.gc.cpu.as_slice();
    if p.is_empty() {
        return None;
    }
    let idle = p.len().checked_sub(2); // idle is always second to last
    Some(
        p.iter()
            .enumerate()
            .filter(|(k, _)| Some(*k) != idle)
            .map(|(_, &v)| u64::from(v))
            .sum(),
    )
}

/// Mark-assist CPU of the cycle in µs: the first of the three concurrent-mark figures
/// (assist/background/idle) in the 1.5+ layouts, where idle is second to last.
pub fn assist_cpu_us(c: &Cycle) -> Option<u32> {
    let p = c.gc.cpu.as_slice();
    (p.len() >= 5).then(|| p[p.len() - 4])
}

/// Live heap after marking: the `live` figure (1.5+), or the heap after a ≤1.4 STW
/// collection (which is the live heap).
pub fn live_mib(c: &Cycle) -> u32 {
    c.gc.heap_live_mib.unwrap_or(c.gc.heap_after_mib)
}

/// MiB allocated since the previous cycle: the heap at this cycle's end minus the
/// previous cycle's live heap (sweeping frees the rest; what is allocated during the
/// concurrent mark counts too). For ≤1.4's stop-the-world collector: heap at this start
/// minus heap after the previous one.
pub fn alloc_mib(prev: Option<&Cycle>, c: &Cycle) -> Option<u32> {
    let p = prev.filter(|p| p.segment == c.segment)?;
    Some(alloc_since(p, c))
}

/// [`alloc_mib`] of a cycle `p` known to be the one before `c` in its process.
#[inline]
pub fn alloc_since(p: &Cycle, c: &Cycle) -> u32 {
    match p.gc.heap_live_mib {
        Some(live) => c.gc.heap_after_mib.saturating_sub(live),
        None => c.gc.heap_before_mib.saturating_sub(p.gc.heap_after_mib),
    }
}

/// How far the heap at GC end went over the goal, in percent (0 when under).
pub fn overshoot_pct(c: &Cycle) -> Option<f64> {
    let g = c.gc.goal_mib?;
    if g == 0 {
        return Some(0.0);
    }
    Some((f64::from(c.gc.heap_after_mib) - f64::from(g)).max(0.0) / f64::from(g) * 100.0)
}

/// GC CPU % over a trailing window of `window_s` seconds ending at each cycle's end,
/// computed from the cpu phases: Σ GC CPU / (span × P), where the span is the window or,
/// early in a run, the time from the start to the cycle's end (a window that holds less
/// than its span is never divided as if it held all of it). At most 100: GC workers
/// cannot hold more than every P. Fed the cycles in order; holds the (time, GC CPU) of
/// the timed cycles of the current segment not yet out of the window.
struct Window {
    w_ms: u64,
    window_s: f64,
    held: std::collections::VecDeque<(u64, u64)>,
    sum: u64,
}

impl Window {
    fn new(window_s: f64) -> Self {
        Window {
            w_ms: (window_s * 1000.0) as u64,
            window_s,
            held: std::collections::VecDeque::new(),
            sum: 0,
        }
    }

    fn next(&mut self, prev: Option<&Cycle>, c: &Cycle) -> Option<f64> {
        if prev.is_some_and(|p| p.segment != c.segment) {
            self.held.clear();
            self.sum = 0;
        }
        // a cycle without a time or cpu phases adds nothing and is not held (a Go 1.4
        // trace holds nothing at all)
        let (t, cpu) = (c.gc.t_ms?, gc_cpu_us(c)?);
        while let Some(&(t0, cpu0)) = self.held.front()
            && t0.saturating_add(self.w_ms) <= t
        {
            self.sum -= cpu0;
            self.held.pop_front();
        }
        self.held.push_back((t, cpu));
        self.sum += cpu;
        let clock_us: u64 = c.gc.clock.as_slice().iter().map(|&v| u64::from(v)).sum();
        let end_ms = t as f64 + clock_us as f64 / 1000.0;
        let span_ms = end_ms.min(self.window_s * 1000.0).max(1.0);
        let procs = f64::from(c.gc.procs.max(1));
        Some(((self.sum as f64 / 1000.0) / (span_ms * procs) * 100.0).min(100.0))
    }
}

/// GC CPU % over the trailing `window_s` seconds ending at the last of `cycles` (one
/// process's, in order), as [`Figures::gc_cpu_window_pct`] computes it; the cycles before
/// the window may be left out.
pub fn trailing_gc_cpu_pct(cycles: &[Cycle], window_s: f64) -> Option<f64> {
    let mut w = Window::new(window_s);
    let mut last = None;
    for (i, c) in cycles.iter().enumerate() {
        last = w.next(i.checked_sub(1).map(|k| &cycles[k]), c);
    }
    last
}

/// [`Figures::gc_cpu_window_pct`] of every cycle, for a series drawn by index.
pub fn windowed_gc_cpu_pct(cycles: &[Cycle]) -> Vec<Option<f64>> {
    let mut w = Window::new(CPU_WINDOW_S);
    (0..cycles.len())
        .map(|i| w.next(i.checked_sub(1).map(|k| &cycles[k]), &cycles[i]))
        .collect()
}
