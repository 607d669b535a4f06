//! The kernel scheduler's view of a process and its descendants: how long their threads
//! ran on a CPU and how long they were runnable but waited for one, summed over every
//! thread (`/proc/PID/task/TID/schedstat`: run ns, wait ns, timeslices). `gclens run`
//! samples it beside the trace, because the runtime's GC CPU figures are time a worker
//! held a P — which goes on counting while the OS has descheduled the thread.
//!
//! Beside it, the CPU the rest of the machine used meanwhile (`/proc/stat`'s busy time
//! less the tree's): a program waits for a CPU a little even on an idle machine (each
//! wake-up takes a while, more so in a VM), and only waits while others use the CPU
//! are contention.
//!
//! Descendants count too: under `sh -c` or `go run` the Go program is a grandchild.
//! A thread's time is counted from the sample it was first seen in (one that started
//! and ended between two samples is missed; Go's threads live long).

use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// Successive readings of one process tree.
#[derive(Debug)]
pub struct Sched {
    proc_root: std::path::PathBuf,
    root: u32,
    /// The last reading of each thread seen: (run ns, wait ns).
    last: HashMap<u32, (u64, u64)>,
    /// The machine's busy and stolen time at the last reading.
    machine: Option<Machine>,
}

/// Run and wait time since the previous reading, in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    pub run_ns: u64,
    pub wait_ns: u64,
    /// Threads read.
    pub threads: usize,
    /// CPU time the rest of the machine used (all its CPUs), ns; 0 on the first reading.
    pub elsewhere_ns: u64,
    /// Time a VM's host ran something else while its CPUs wanted to run (`steal`), ns.
    pub stolen_ns: u64,
    /// The machine's CPUs (the lines `cpuN` of `/proc/stat`).
    pub cpus: u32,
}

/// The first line of `/proc/stat`, in ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Machine {
    busy: u64,
    stolen: u64,
    cpus: u32,
}

fn numeric_dirs(dir: &Path) -> Vec<u32> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The parent pid from `/proc/PID/stat` (after the command name, which may hold spaces
/// and parentheses: the last `)` ends it).
fn parent(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The machine's busy time (user, nice, system, irq, softirq of every CPU) and stolen
/// time from `/proc/stat`'s first line, in ns, and its CPUs.
fn machine(stat: &str, tick_ns: u64) -> Option<Machine> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let ticks = v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)?;
    let cpus = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    Some(Machine {
        busy: ticks.saturating_mul(tick_ns),
        stolen: v.get(7).copied().unwrap_or(0).saturating_mul(tick_ns),
        cpus: u32::try_from(cpus).unwrap_or(u32::MAX).max(1),
    })
}

fn tick_ns() -> u64 {
    // SAFETY: sysconf reads a constant of the system; no memory is involved.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 {
        1_000_000_000 / hz as u64
    } else {
        10_000_000
    }
}

/// `run wait slices`.
fn schedstat(text: &str) -> Option<(u64, u64)> {
    let mut f = text.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some((f.next()??, f.next()??))
}

impl Sched {
    /// Readings of `root` and its descendants, from `/proc`.
    pub fn new(root: u32) -> Sched {
        Sched::with_proc(Path::new("/proc"), root)
    }

    /// The same from another proc file system root (tests).
    pub fn with_proc(proc_root: &Path, root: u32) -> Sched {
        Sched {
            proc_root: proc_root.to_path_buf(),
            root,
            last: HashMap::new(),
            machine: None,
        }
    }

    /// `root` and its descendants, while it exists.
    fn tree(&self) -> Vec<u32> {
        if !self.proc_root.join(self.root.to_string()).exists() {
            return vec![];
        }
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for pid in numeric_dirs(&self.proc_root) {
            let stat = fs::read_to_string(self.proc_root.join(format!("{pid}/stat")));
            if let Some(pp) = stat.ok().as_deref().and_then(parent) {
                children.entry(pp).or_default().push(pid);
            }
        }
        let mut out = vec![self.root];
        let mut k = 0;
        while k < out.len() {
            if let Some(c) = children.get(&out[k]) {
                out.extend(c.iter().filter(|p| **p != self.root));
            }
            k += 1;
        }
        out
    }

    /// Reads every thread of the tree; the time since the previous reading (None when the
    /// tree is gone or the kernel keeps no schedstat). The first reading is counted from
    /// each thread's start.
    pub fn read(&mut self) -> Option<Delta> {
        let mut now = HashMap::new();
        let mut d = Delta::default();
        for pid in self.tree() {
            let tasks = self.proc_root.join(format!("{pid}/task"));
            for tid in numeric_dirs(&tasks) {
                let Some((run, wait)) = fs::read_to_string(tasks.join(format!("{tid}/schedstat")))
                    .ok()
                    .as_deref()
                    .and_then(schedstat)
                else {
                    continue;
                };
                let (r0, w0) = self.last.get(&tid).copied().unwrap_or((0, 0));
                d.run_ns += run.saturating_sub(r0);
                d.wait_ns += wait.saturating_sub(w0);
                d.threads += 1;
                now.insert(tid, (run, wait));
            }
        }
        self.last = now;
        let now = fs::read_to_string(self.proc_root.join("stat"))
            .ok()
            .and_then(|t| machine(&t, tick_ns()));
        if let (Some(m0), Some(m1)) = (self.machine, now) {
            d.elsewhere_ns = m1.busy.saturating_sub(m0.busy).saturating_sub(d.run_ns);
            d.stolen_ns = m1.stolen.saturating_sub(m0.stolen);
            d.cpus = m1.cpus;
        }
        self.machine = now;
        (d.threads > 0).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_schedstat() {
        assert_eq!(parent("42 (a (b) c) S 7 42 42 0"), Some(7));
        assert_eq!(
            schedstat("54375310 3487694 123\n"),
            Some((54375310, 3487694))
        );
        assert_eq!(schedstat("54375310"), None);
        let stat = "cpu  2790221 0 280344 2777581 19877 0 3180 79041 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2 3 4 5 6 7 8 9 10\nintr 1\n";
        assert_eq!(
            machine(stat, 10_000_000),
            Some(Machine {
                busy: (2790221 + 280344 + 3180) * 10_000_000,
                stolen: 79041 * 10_000_000,
                cpus: 2
            })
        );
        assert_eq!(machine("intr 1 2", 1), None);
    }

    #[test]
    fn reads_a_real_process_tree() {
        // a child shell whose own child burns CPU: both are counted from the shell
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; :",
            ])
            .spawn()
            .unwrap();
        let mut s = Sched::new(child.id());
        // on a loaded machine the grandchild may start late: wait for it (at most 10 s)
        let start = std::time::Instant::now();
        let mut first = s.read().expect("schedstat of the child");
        let mut seen = first;
        while (seen.threads < 2 || first.run_ns <= 100_000_000)
            && start.elapsed() < std::time::Duration::from_secs(10)
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
            seen = s.read().expect("schedstat of the child");
            first.run_ns += seen.run_ns;
        }
        assert!(seen.threads >= 2, "{seen:?}");
        assert!(first.run_ns > 100_000_000, "{first:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
        let second = s.read().expect("a second reading");
        assert!(second.run_ns < 200_000_000, "a delta of 100 ms: {second:?}");
        child.kill().ok();
        child.wait().unwrap();
        assert!(Sched::new(u32::MAX - 1).read().is_none());
    }
}
