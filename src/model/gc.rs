//! The runtime's trace records as values: the `gc` line of every Go release
//! ([`GcLine`], in the [`GcFormat`] it was printed in), the pacer, scavenger and
//! gctrace=2 `scan:` lines. Parsers in `parse` produce them; everything above reads
//! them. Times are integer microseconds as printed, heap figures whole MiB.

use serde::Serialize;

/// Which shape of the gc line a record was printed in.
/// Serialized as its [`key`](GcFormat::key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcFormat {
    /// Go 1.4 and older: `gc12(4): 0+0+1000+0 us, 0 -> 1 MB, …` (a fully stop-the-world collector).
    Go14,
    /// Go 1.5: five clock phases, seven cpu figures.
    Go15,
    /// Go 1.6 – 1.17: three clock phases, no stacks/globals.
    Go16,
    /// Go 1.18+: `# MB stacks, # MB globals`.
    Go118,
}

impl GcFormat {
    /// Every format, oldest first (`as usize` indexes it).
    pub const ALL: [GcFormat; 4] = [
        GcFormat::Go14,
        GcFormat::Go15,
        GcFormat::Go16,
        GcFormat::Go118,
    ];

    /// Its name in JSON and CSV (`go1.18`), as serialized.
    pub const fn key(self) -> &'static str {
        match self {
            GcFormat::Go14 => "go1.4",
            GcFormat::Go15 => "go1.5",
            GcFormat::Go16 => "go1.6",
            GcFormat::Go118 => "go1.18",
        }
    }

    /// The releases that print it (`Go 1.6–1.17`).
    pub const fn releases(self) -> &'static str {
        match self {
            GcFormat::Go14 => "Go ≤1.4",
            GcFormat::Go15 => "Go 1.5",
            GcFormat::Go16 => "Go 1.6–1.17",
            GcFormat::Go118 => "Go 1.18+",
        }
    }

    /// What sets it apart, for people (`stacks and globals`).
    pub const fn detail(self) -> Option<&'static str> {
        match self {
            GcFormat::Go14 => Some("stop-the-world collector"),
            GcFormat::Go15 => Some("five phases"),
            GcFormat::Go16 => None,
            GcFormat::Go118 => Some("stacks and globals"),
        }
    }

    /// Names of its clock phases, in print order.
    pub const fn clock_names(self) -> &'static [&'static str] {
        match self {
            GcFormat::Go14 => &RAW_PHASES,
            GcFormat::Go15 => &CLOCK_PHASES,
            GcFormat::Go16 | GcFormat::Go118 => &["sweep_term", "mark", "mark_term"],
        }
    }

    /// Names of its cpu phases, in print order (none for ≤1.4).
    pub const fn cpu_names(self) -> &'static [&'static str] {
        match self {
            GcFormat::Go14 => &[],
            GcFormat::Go15 => &CPU_PHASES,
            GcFormat::Go16 | GcFormat::Go118 => {
                &["sweep_term", "assist", "background", "idle", "mark_term"]
            }
        }
    }
}

impl Serialize for GcFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

/// Every named clock phase of any format, in print order (Go 1.5 printed them all).
pub const CLOCK_PHASES: [&str; 5] = ["sweep_term", "scan", "install_wb", "mark", "mark_term"];
/// Every cpu phase of any format, in print order (Go 1.5 printed them all).
pub const CPU_PHASES: [&str; 7] = [
    "sweep_term",
    "scan",
    "install_wb",
    "assist",
    "background",
    "idle",
    "mark_term",
];
/// ≤1.4's unnamed µs phases.
pub const RAW_PHASES: [&str; 5] = ["phase1", "phase2", "phase3", "phase4", "phase5"];

/// Up to N phase times in microseconds, in the order printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phases<const N: usize> {
    len: u8,
    us: [u32; N],
}

impl<const N: usize> Default for Phases<N> {
    fn default() -> Self {
        Phases { len: 0, us: [0; N] }
    }
}

impl<const N: usize> Phases<N> {
    pub fn from_slice(v: &[u32]) -> Self {
        let mut p = Phases {
            len: v.len().min(N) as u8,
            us: [0; N],
        };
        p.us[..p.len as usize].copy_from_slice(&v[..p.len as usize]);
        p
    }
    pub fn as_slice(&self) -> &[u32] {
        &self.us[..self.len as usize]
    }
    pub fn as_mut_slice(&mut self) -> &mut [u32] {
        &mut self.us[..self.len as usize]
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Appends a phase; false when all N are taken.
    pub fn push(&mut self, v: u32) -> bool {
        if (self.len as usize) < N {
            self.us[self.len as usize] = v;
            self.len += 1;
            true
        } else {
            false
        }
    }
}

/// One gc line, every field it carries; `None` where this Go version does not print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GcLine {
    pub format: GcFormat,
    pub cycle: u32,
    /// `@#s`: milliseconds since program start.
    pub t_ms: Option<u64>,
    /// `#%`: GC CPU since program start (cumulative), integer percent.
    pub cpu_pct: Option<u16>,
    pub leak_check: bool,
    pub forced: bool,
    /// Wall-clock phases (µs): 3 for 1.6+, 5 for 1.5, 1–5 in µs as printed for ≤1.4.
    pub clock: Phases<5>,
    /// CPU phases (µs) flattened in print order: 5 for 1.6+, 7 for 1.5, none for ≤1.4.
    pub cpu: Phases<7>,
    pub heap_before_mib: u32,
    pub heap_after_mib: u32,
    pub heap_live_mib: Option<u32>,
    pub goal_mib: Option<u32>,
    pub stacks_mib: Option<u32>,
    pub globals_mib: Option<u32>,
    /// `# P` (GOMAXPROCS), or for ≤1.4 the `(%d)` count of procs that helped.
    pub procs: u32,
}

/// The old pacer's cycle summary; keys the line did not carry stay `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LegacyPacer {
    pub heap_marked_prev: Option<f64>,
    pub trigger_ratio: Option<f64>,
    pub trigger: Option<f64>,
    pub actual_ratio: Option<f64>,
    pub actual: Option<f64>,
    pub goal_ratio: Option<f64>,
    pub goal: Option<f64>,
    pub util_actual: Option<f64>,
    pub util_goal: Option<f64>,
    pub scan_work: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Pacer {
    Assist {
        ratio: f64,
        scan_mib: u64,
        heap_from_mib: u64,
        heap_goal_mib: u64,
        dedicated_workers: i64,
        fractional_goal: f64,
    },
    Cycle {
        cpu_pct: i64,
        expected_cpu_pct: i64,
        heap_work_b: u64,
        stack_work_b: u64,
        globals_work_b: u64,
        expected_work_b: u64,
        trigger_b: u64,
        live_b: u64,
        delta_goal_b: i64,
        cons_mark: f64,
        controller_reset: bool,
    },
    Legacy(LegacyPacer),
    SweepDone {
        heap_mib: u64,
        allocated_mib: u64,
        pages: u64,
        pages_per_byte: Option<f64>,
    },
}

/// Which scvg line printed a record: `scvg3:`, `scvg-1:` (FreeOSMemory, ≤1.12), `scvg:` (1.13)
/// or `forced scvg:` (FreeOSMemory, 1.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScvgSeq {
    Numbered(i64),
    Unnumbered,
    Forced,
}

/// One scavenger line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Scavenge {
    /// `scvg#: # MB released`.
    ScvgReleased { seq: ScvgSeq, released_mib: u64 },
    /// `scvg#: inuse: #, idle: #, sys: #, released: #, consumed: # (MB)`.
    ScvgSummary {
        seq: ScvgSeq,
        inuse_mib: u64,
        idle_mib: u64,
        sys_mib: u64,
        released_mib: u64,
        consumed_mib: u64,
    },
    /// `scav [gen] # KiB work, # KiB total, #% util` (1.14–1.20; the generation number 1.15–1.18)
    /// and `scav # KiB work (bg), # KiB work (eager), # KiB now, #% util` (1.21+).
    Scav {
        generation: Option<u64>,
        /// Background scavenger work this period (`work` / `work (bg)`).
        work_kib: u64,
        /// Eager (allocation-path) work, 1.21+.
        eager_kib: Option<u64>,
        /// Released memory: cumulative `total` before 1.21, current `now` from 1.21.
        released_kib: u64,
        util_pct: u32,
        forced: bool,
        controller_reset: bool,
    },
}

/// A gctrace=2 `scan:` line: the `total` line or one size class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// `None` for the `total` line; the size class in bytes for a `class` line.
    pub class_bytes: Option<u32>,
    pub objs: u64,
    /// 1.26+ only.
    pub spans: Option<u64>,
}
