//! What a live session (`watch`/`run --metrics ADDR`) serves to Prometheus: the GC of the
//! traced program as metrics, updated as its cycles arrive. Fleets watch Go services
//! through Prometheus, and many of them (third-party binaries, services without runtime
//! metrics) print gctrace and nothing else.
//!
//! Every metric is `gclens_…`, with the constant labels of `--metrics-labels` and no
//! other label (no cardinality to grow). Per cycle: counters and the last cycle's gauges,
//! one pause observation. Once a second: the figures over recent cycles (GC CPU and the
//! allocation rate over the last minute of trace time, the live-heap trend and leak
//! verdict over the newest [`TREND_CYCLES`] cycles by the report's own rule). The
//! registry is fixed at start, so memory stays the same however long the session runs.
//! Updates and scrapes take the same lock: a scrape sees whole cycles.

use super::Monitor;
use crate::analyze::cycle::{alloc_mib, gc_cpu_us, live_mib, pause_us, trailing_gc_cpu_pct};
use crate::analyze::summary::{LeakVerdict, live_leak};
use crate::model::Cycle;
use crate::parse::timeline::continues;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::borrow::Cow;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Cycles the live-heap trend looks at (as the status line does).
pub const TREND_CYCLES: usize = 4000;
/// Trace time the windowed figures cover.
pub const WINDOW_MS: u64 = 60_000;
const MIB: f64 = 1048576.0;

type GaugeF = Gauge<f64, AtomicU64>;

/// The metrics and the registry a scrape encodes, behind one lock.
pub struct Metrics {
    pub registry: Arc<Mutex<Registry>>,
    cycles: Counter,
    forced: Counter,
    restarts: Counter,
    skipped: Counter,
    gc_cpu: Counter<f64, AtomicU64>,
    heap_start: Gauge,
    heap_end: Gauge,
    heap_live: Gauge,
    heap_goal: Gauge,
    stacks: Gauge,
    globals: Gauge,
    procs: Gauge,
    gc_cpu_ratio: GaugeF,
    alloc_rate: GaugeF,
    live_slope: GaugeF,
    leak: Gauge,
    pause: Histogram,
    seen: u64,
    last: Option<Cycle>,
    windowed_at: Option<Instant>,
}

/// Registers a metric (name without the `gclens_` prefix) and hands it back.
fn reg<M: Clone + prometheus_client::registry::Metric>(
    r: &mut Registry,
    name: &str,
    help: &str,
    m: M,
) -> M {
    r.register(name, help, m.clone());
    m
}

impl Metrics {
    /// The metrics, with `labels` on every series.
    pub fn new(labels: &[(String, String)]) -> Self {
        let labels = labels
            .iter()
            .map(|(k, v)| (Cow::Owned(k.clone()), Cow::Owned(v.clone())));
        let mut owned = Registry::with_prefix_and_labels("gclens", labels);
        let r = &mut owned;
        Metrics {
            cycles: reg(
                r,
                "gc_cycles",
                "GC cycles seen (gc N lines of the trace)",
                Counter::default(),
            ),
            forced: reg(
                r,
                "gc_forced_cycles",
                "GC cycles forced (runtime.GC, debug.FreeOSMemory, the 2-minute GC)",
                Counter::default(),
            ),
            restarts: reg(
                r,
                "restarts",
                "Times the traced process started over (gc numbering or time went back)",
                Counter::default(),
            ),
            skipped: reg(
                r,
                "lines_skipped",
                "Lines that looked like runtime trace lines but did not parse",
                Counter::default(),
            ),
            gc_cpu: reg(
                r,
                "gc_cpu_seconds",
                "GC CPU of the cycles' cpu phases: stop-the-world, assists and background marking (idle workers left out)",
                Counter::default(),
            ),
            heap_start: reg(
                r,
                "heap_start_bytes",
                "Heap when the last cycle started (MiB as the trace prints them)",
                Gauge::default(),
            ),
            heap_end: reg(
                r,
                "heap_end_bytes",
                "Heap when the last cycle ended",
                Gauge::default(),
            ),
            heap_live: reg(
                r,
                "heap_live_bytes",
                "Heap marked live by the last cycle",
                Gauge::default(),
            ),
            heap_goal: reg(
                r,
                "heap_goal_bytes",
                "Heap goal of the last cycle",
                Gauge::default(),
            ),
            stacks: reg(
                r,
                "stacks_bytes",
                "Goroutine stacks the last cycle scanned (Go 1.18+)",
                Gauge::default(),
            ),
            globals: reg(
                r,
                "globals_bytes",
                "Globals the last cycle scanned (Go 1.18+)",
                Gauge::default(),
            ),
            procs: reg(
                r,
                "gomaxprocs",
                "GOMAXPROCS of the last cycle",
                Gauge::default(),
            ),
            gc_cpu_ratio: reg(
                r,
                "gc_cpu_ratio",
                "GC CPU over the last minute of trace time, as a share of that time × GOMAXPROCS",
                GaugeF::default(),
            ),
            alloc_rate: reg(
                r,
                "alloc_rate_bytes_per_second",
                "Allocation over the last minute of trace time, per second",
                GaugeF::default(),
            ),
            live_slope: reg(
                r,
                "live_heap_slope_bytes_per_second",
                "Trend of the live heap's floor over the newest 4000 cycles of the current process",
                GaugeF::default(),
            ),
            leak: reg(
                r,
                "leak_verdict",
                "The live-heap trend's verdict: 0 no leak signal or too little data, 1 possible growth, 2 likely leak",
                Gauge::default(),
            ),
            pause: reg(
                r,
                "gc_pause_seconds",
                "Stop-the-world pause time of each cycle (sweep and mark termination together)",
                Histogram::new(exponential_buckets(1e-5, 2.0, 16)),
            ),
            seen: 0,
            last: None,
            windowed_at: None,
            // last: every metric above is registered in it
            registry: Arc::new(Mutex::new(owned)),
        }
    }

    /// Takes in the cycles `m` gained since the last call (call it before the monitor
    /// folds old cycles away), and once a second the windowed figures.
    pub fn observe(&mut self, m: &Monitor) {
        let total = m.total_cycles();
        let fresh = total.saturating_sub(self.seen) as usize;
        let due = self
            .windowed_at
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if fresh == 0 && !due {
            return;
        }
        let registry = Arc::clone(&self.registry);
        let _held = registry.lock().unwrap_or_else(|e| e.into_inner());
        let cs = m.builder.cycle_slice();
        for c in &cs[cs.len().saturating_sub(fresh)..] {
            self.cycle(c);
        }
        self.seen = total;
        let skipped = m.builder.malformed();
        self.skipped
            .inc_by(skipped.saturating_sub(self.skipped.get()));
        if due {
            self.windowed(cs);
            self.windowed_at = Some(Instant::now());
        }
    }

    fn cycle(&mut self, c: &Cycle) {
        let g = &c.gc;
        let bytes = |mib: u32| i64::from(mib) << 20;
        if self.last.as_ref().is_some_and(|p| !continues(p, c)) {
            self.restarts.inc();
        }
        self.heap_start.set(bytes(g.heap_before_mib));
        self.heap_end.set(bytes(g.heap_after_mib));
        self.heap_live.set(bytes(live_mib(c)));
        if let Some(goal) = g.goal_mib {
            self.heap_goal.set(bytes(goal));
        }
        if let Some(s) = g.stacks_mib {
            self.stacks.set(bytes(s));
        }
        if let Some(s) = g.globals_mib {
            self.globals.set(bytes(s));
        }
        self.procs.set(i64::from(g.procs));
        if let Some(us) = gc_cpu_us(c) {
            self.gc_cpu.inc_by(us as f64 / 1e6);
        }
        self.pause.observe(pause_us(c) as f64 / 1e6);
        if g.forced {
            self.forced.inc();
        }
        self.cycles.inc();
        self.last = Some(*c);
    }

    /// GC CPU, allocation rate, live-heap trend and verdict over the newest cycles of the
    /// current process.
    fn windowed(&self, cs: &[Cycle]) {
        let Some(newest) = cs.last() else { return };
        // the current process: back to the last restart (within the monitor's window)
        let from = (1..cs.len())
            .rev()
            .find(|&i| !continues(&cs[i - 1], &cs[i]))
            .unwrap_or(0);
        let current = &cs[from..];
        if let Some(t1) = newest.gc.t_ms {
            // the cycles of the last minute, and the one before them
            let start = current
                .iter()
                .rposition(|c| c.gc.t_ms.is_some_and(|t| t + WINDOW_MS <= t1))
                .unwrap_or(0);
            let w = &current[start..];
            if let Some(pct) = trailing_gc_cpu_pct(w, WINDOW_MS as f64 / 1000.0) {
                self.gc_cpu_ratio.set(pct / 100.0);
            }
            let secs = (t1 - w[0].gc.t_ms.unwrap_or(t1)) as f64 / 1000.0;
            if secs > 0.0 {
                let alloc: u64 = w
                    .windows(2)
                    .filter_map(|p| alloc_mib(Some(&p[0]), &p[1]))
                    .map(u64::from)
                    .sum();
                self.alloc_rate.set(alloc as f64 * MIB / secs);
            }
        }
        let recent = &current[current.len().saturating_sub(TREND_CYCLES)..];
        let pts: Vec<(f64, f64)> = recent
            .iter()
            .filter_map(|c| Some((c.gc.t_ms? as f64 / 60_000.0, f64::from(live_mib(c)))))
            .collect();
        let (trend, leak) = live_leak(&pts);
        self.live_slope
            .set(trend.map_or(0.0, |t| t.slope_mib_per_min * MIB / 60.0));
        self.leak.set(match leak.verdict {
            LeakVerdict::LikelyLeak => 2,
            LeakVerdict::PossibleGrowth => 1,
            _ => 0,
        });
    }

    /// The exposition of the metrics now: OpenMetrics when `openmetrics`, else the
    /// Prometheus text format 0.0.4. With its content type.
    pub fn encode(registry: &Mutex<Registry>, openmetrics: bool) -> (String, &'static str) {
        let r = registry.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        if openmetrics {
            let _ = prometheus_client::encoding::text::encode(&mut out, &r);
            (
                out,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
        } else {
            let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &r);
            (
                out,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Scanner;

    /// The value of a sample line `name{…} value` in the Prometheus text.
    fn value(text: &str, name: &str) -> f64 {
        text.lines()
            .find(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} not in\n{text}"))
    }

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn a_real_trace_as_metrics() {
        let mut m = Monitor::new(0);
        let mut x = Metrics::new(&[("service".into(), "api".into())]);
        let trace = fixture("fixtures/gctrace/go1.21/leak.log");
        // fed in pieces of whole lines, as the splitter hands a stream on
        let mut rest = &trace[..];
        while !rest.is_empty() {
            let cut = rest[..rest.len().min(64 << 10)]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(rest.len(), |k| k + 1);
            m.builder.feed(&Scanner::new(), &rest[..cut]);
            x.observe(&m);
            rest = &rest[cut..];
        }
        x.windowed_at = None;
        x.observe(&m);
        let (text, ctype) = Metrics::encode(&x.registry, false);
        assert!(ctype.starts_with("text/plain; version=0.0.4"));
        // `gclens gc` on the same file: 1554 cycles, live 56 MiB, goal 114 MiB, GC CPU
        // 3.47% of 2 P over 6 s, pauses 103 ms in all, a likely leak growing ~475 MiB/min
        assert_eq!(value(&text, "gclens_gc_cycles_total"), 1554.0);
        assert_eq!(value(&text, "gclens_heap_live_bytes"), 56.0 * MIB);
        assert_eq!(value(&text, "gclens_heap_goal_bytes"), 114.0 * MIB);
        assert_eq!(value(&text, "gclens_gc_pause_seconds_count"), 1554.0);
        assert!((value(&text, "gclens_gc_pause_seconds_sum") - 0.103).abs() < 0.001);
        assert!((value(&text, "gclens_gc_cpu_ratio") - 0.0347).abs() < 0.0005);
        assert_eq!(value(&text, "gclens_leak_verdict"), 2.0);
        let slope = value(&text, "gclens_live_heap_slope_bytes_per_second") / MIB * 60.0;
        assert!((400.0..550.0).contains(&slope), "{slope} MiB/min");
        assert_eq!(value(&text, "gclens_restarts_total"), 0.0);
        assert!(
            text.contains("gclens_heap_live_bytes{service=\"api\"}"),
            "{text}"
        );
        let (om, ctype) = Metrics::encode(&x.registry, true);
        assert!(ctype.starts_with("application/openmetrics-text"));
        assert!(om.ends_with("# EOF\n") && om.contains("# TYPE gclens_gc_cycles counter"));
    }

    #[test]
    fn restarts_and_skipped_lines_are_counted() {
        let mut m = Monitor::new(0);
        let mut x = Metrics::new(&[]);
        let steady = fixture("fixtures/gctrace/go1.27/steady.log");
        m.builder.feed(&Scanner::new(), &steady);
        x.observe(&m);
        // the process starts over, and a line is cut short
        m.builder.feed(&Scanner::new(), &steady);
        m.builder.feed(
            &Scanner::new(),
            b"gc 9 @1.0s 1%: 0.1+0.2+0.1 ms clock, 0.2+0.1/0.1/0+0.2 ms cpu, 4->4\n",
        );
        x.observe(&m);
        let (text, _) = Metrics::encode(&x.registry, false);
        assert_eq!(value(&text, "gclens_restarts_total"), 1.0);
        assert_eq!(value(&text, "gclens_lines_skipped_total"), 1.0);
        let n = m.total_cycles() as f64;
        assert_eq!(value(&text, "gclens_gc_cycles_total"), n);
    }
}
