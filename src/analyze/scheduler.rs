//! What the kernel's scheduler said while the trace was taken, and GC CPU as CPU time.
//!
//! The runtime's `ms cpu` figures are time a GC worker held a P. When other processes
//! (or GOMAXPROCS above the cores) take the CPU, the OS deschedules the worker's thread
//! while it holds its P, and the figure goes on counting: a paced service traced beside
//! one CPU hog per core showed GC CPU 2.2× what its idle rerun spent, a CPU-bound batch
//! program 3.1×. Nothing in the trace itself shows it — the worker's P-time and the
//! mark's wall time stretch together, so its utilization looks normal.
//!
//! `gclens run --save` writes the scheduler's view beside the trace (`gclens: cpu` lines,
//! `/proc/PID/task/*/schedstat`): how long the program's threads ran and how long they
//! were runnable but waited for a CPU, and the CPU the rest of the machine used. A GC
//! worker that held its P for a span ran for `run / (run + wait)` of it, so the trace's
//! GC CPU figures are scaled by that share over the measured span. Waits count only in
//! windows where the rest of the machine used a tenth of a core or more: a program
//! waits a little on an idle machine too (each wake-up takes a while; a paced service
//! in this VM ran 82% of its ready time idle) while its CPU-bound GC workers do not, and
//! its rerun waits the same way. Measured here: a paced service's GC CPU per MiB marked
//! read 2.04× its idle run's beside one CPU hog per core, the share 0.459 (2.18×); a
//! CPU-bound batch program's 3.87×, the share 0.447 (2.24×) — beside the hogs its GC
//! also did less per CPU second (shared cores and caches), which no share can see.
//!
//! In a VM the host may run something else while the guest's CPUs want to run (`steal`
//! in `/proc/stat`): the guest's threads, GC workers too, were then off the real CPU
//! although the guest counts them running — a CPU-bound program's base trace taken while
//! the host took 35% of this VM's CPU time predicted GC CPU per GiB +55% over its rerun.
//! The lines record the steal too, and the figures are scaled by (1 − its share) as well.
//!
//! Without such lines the trace's figures are used as they are.

use crate::model::{CpuSample, Cycle, EventKind, Timeline};
use serde::Serialize;

/// Below this share the warning says the trace was contended.
pub const CONTENDED_SHARE: f64 = 0.85;
/// A window is contended when the rest of the machine used this share of a core or more.
pub const ELSEWHERE_MIN: f64 = 0.10;

/// The scheduler's figures over the measured span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CpuShare {
    /// `gclens: cpu` samples used, and those whose windows were contended.
    pub samples: usize,
    pub contended_samples: usize,
    /// Cores the rest of the machine used, on average.
    pub elsewhere_cores: f64,
    /// Summed over the program's threads; waits of the contended windows only.
    pub ran_s: f64,
    pub waited_s: f64,
    /// ran / (ran + waited): the share of its P-time a GC worker was on a CPU.
    pub ran_share: f64,
    /// In a VM, the share of the machine's CPU time its host took (`steal`): a thread
    /// the guest ran was off the real CPU that much of the time. 0 when not recorded.
    pub stolen_share: f64,
    /// What GC CPU figures are scaled by: ran_share × (1 − stolen_share).
    pub scale: f64,
}

/// The `gclens: cpu` samples of `source`.
fn samples_of(t: &Timeline, source: u32) -> Vec<CpuSample> {
    t.events
        .iter()
        .filter(|e| e.source == source)
        .filter_map(|e| match e.kind {
            EventKind::Cpu(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// The figures over `samples`; None without any running time.
pub fn share_of(samples: &[CpuSample]) -> Option<CpuShare> {
    let contended = |c: &&CpuSample| c.elsewhere_ms as f64 >= ELSEWHERE_MIN * c.window_ms as f64;
    let ran: u64 = samples.iter().map(|c| c.run_ms).sum();
    let waited: u64 = samples.iter().filter(contended).map(|c| c.wait_ms).sum();
    let window: u64 = samples.iter().map(|c| c.window_ms).sum();
    let elsewhere: u64 = samples.iter().map(|c| c.elsewhere_ms).sum();
    let stolen: u64 = samples.iter().map(|c| c.stolen_ms).sum();
    let machine: u64 = samples
        .iter()
        .map(|c| c.window_ms * u64::from(c.cpus))
        .sum();
    let stolen_share = if machine > 0 {
        (stolen as f64 / machine as f64).min(1.0)
    } else {
        0.0
    };
    let ran_share = ran as f64 / (ran + waited).max(1) as f64;
    (ran > 0).then(|| CpuShare {
        samples: samples.len(),
        contended_samples: samples.iter().filter(contended).count(),
        elsewhere_cores: if window > 0 {
            elsewhere as f64 / window as f64
        } else {
            0.0
        },
        ran_s: ran as f64 / 1000.0,
        waited_s: waited as f64 / 1000.0,
        ran_share,
        stolen_share,
        scale: ran_share * (1.0 - stolen_share),
    })
}

/// The figures over all samples of `source` (a report's: the whole trace).
pub fn whole(t: &Timeline, source: u32) -> Option<CpuShare> {
    share_of(&samples_of(t, source))
}

/// The figures over the samples of the main segment's source whose windows overlap the
/// measured cycles `used` of `cs` (all of that source's samples when none do: a wrapper
/// such as `go run` starts the program later than `gclens run` started timing).
pub fn cpu_share(t: &Timeline, cs: &[Cycle], used: &[usize]) -> Option<CpuShare> {
    let first = *used.first()?;
    let source = cs[first].source;
    let t0 = cs[first.saturating_sub(1)].gc.t_ms.unwrap_or(0);
    let t1 = used
        .iter()
        .filter_map(|&i| cs[i].gc.t_ms)
        .max()
        .unwrap_or(t0);
    let all = samples_of(t, source);
    let inside: Vec<_> = all
        .iter()
        .filter(|c| c.t_ms >= t0 && c.t_ms.saturating_sub(c.window_ms) <= t1)
        .copied()
        .collect();
    share_of(if inside.is_empty() { &all } else { &inside })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::load_bytes;

    #[test]
    fn share_over_the_measured_span() {
        let text = b"gc 1 @0.100s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.5/1.0/0+0.020 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gclens: cpu @1.000s 1.000s: 0.900s running, 0.100s waiting, 1.000s elsewhere
gc 2 @1.100s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.5/1.0/0+0.020 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gclens: cpu @2.000s 1.000s: 0.500s running, 0.500s waiting, 1.000s elsewhere
gc 3 @2.100s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.5/1.0/0+0.020 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gclens: cpu @9.000s 1.000s: 0.100s running, 0.900s waiting, 0.050s elsewhere
gc 4 @20.100s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.5/1.0/0+0.020 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 5 @21.100s 1%: 0.010+1.0+0.010 ms clock, 0.020+0.5/1.0/0+0.020 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
";
        let t = load_bytes(text);
        let cs = &t.cycles;
        // cycles 2 and 3 measured: from gc 1 (0.1 s) to gc 3 (2.1 s)
        let s = cpu_share(&t, cs, &[1, 2]).unwrap();
        assert_eq!(s.samples, 2);
        assert!((s.ran_share - 1.4 / 2.0).abs() < 1e-9);
        let s = cpu_share(&t, cs, &[2]).unwrap();
        assert_eq!((s.samples, s.ran_share), (1, 0.5));
        // no sample overlaps (the program started after gclens began timing): all; the
        // last window's waits do not count (the rest of the machine was idle)
        let s = cpu_share(&t, cs, &[4]).unwrap();
        assert_eq!((s.samples, s.contended_samples), (3, 2));
        assert!((s.ran_share - 1.5 / 2.1).abs() < 1e-9);
        assert!((s.elsewhere_cores - 2.05 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_hosts_steal_scales_too() {
        let busy = CpuSample {
            t_ms: 1000,
            window_ms: 1000,
            run_ms: 1500,
            wait_ms: 500,
            elsewhere_ms: 300,
            stolen_ms: 700,
            cpus: 2,
        };
        let old = CpuSample {
            stolen_ms: 0,
            cpus: 0,
            ..busy
        };
        let s = share_of(&[busy, old]).unwrap();
        // 3 s ran, 1 s waited; 0.7 s stolen of the 2 CPUs' 2 s (the old line has none)
        assert!((s.ran_share - 0.75).abs() < 1e-12);
        assert!((s.stolen_share - 0.35).abs() < 1e-12);
        assert!((s.scale - 0.75 * 0.65).abs() < 1e-12);
        // the line of grammars/gclens-cpu.md's format: one sample's shares
        let (_, one) = crate::parse::cpu::cpu_line(
            b"gclens: cpu @12.004s 1.002s: 1.520s running, 0.480s waiting, 0.950s elsewhere, 0.501s stolen of 2 CPUs",
        )
        .unwrap();
        let s = share_of(&[one]).unwrap();
        assert!((s.ran_share - 1520.0 / 2000.0).abs() < 1e-12);
        assert!((s.stolen_share - 0.25).abs() < 1e-12);
    }
}
