//! One cycle of `gclens.gc/v1` written by hand: the bytes `serde_json` writes for the
//! documented cycle object (the test holds them equal on every fixture), four times
//! as fast, so that `gc --format json` streams a month of cycles (issue 31). Times are
//! integer µs (or ms) written as exact decimals; other numbers go through `ryu`, as in
//! `serde_json`.

use super::rows::CycleFormat;
use crate::analyze::cycle::Figures;
use crate::model::Cycle;

/// The cycles of the `cycles` array, comma-separated.
#[derive(Default)]
pub struct CycleJson {
    started: bool,
}

/// Below this, `v / 1000` written exactly is the shortest decimal of the nearest
/// double (what `serde_json` writes); above it, a double's spacing nears 0.001.
const EXACT_BELOW: u64 = 1 << 40;

struct Out<'b>(&'b mut Vec<u8>);

impl Out<'_> {
    fn key(&mut self, k: &[u8]) {
        self.0.extend_from_slice(k);
    }
    fn int(&mut self, v: impl itoa::Integer) {
        self.0
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
    fn opt_int<T: itoa::Integer>(&mut self, v: Option<T>) {
        match v {
            Some(v) => self.int(v),
            None => self.0.extend_from_slice(b"null"),
        }
    }
    fn bool(&mut self, v: bool) {
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
    }
    fn float(&mut self, v: f64) {
        if v.is_finite() {
            self.0
                .extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        } else {
            self.0.extend_from_slice(b"null");
        }
    }
    fn opt_float(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.float(v),
            None => self.0.extend_from_slice(b"null"),
        }
    }
    /// `v / 1000` as `serde_json` writes the double: `31` → `0.031`, `2000` → `2.0`.
    fn thousandths(&mut self, v: u64) {
        if v >= EXACT_BELOW {
            return self.float(v as f64 / 1000.0);
        }
        self.int(v / 1000);
        self.0.push(b'.');
        let frac = v % 1000;
        if frac == 0 {
            self.0.push(b'0');
            return;
        }
        let mut d = 100;
        let mut rest = frac;
        while rest != 0 {
            self.0.push(b'0' + (rest / d) as u8);
            rest %= d;
            d /= 10;
        }
    }
    fn opt_thousandths(&mut self, v: Option<u64>) {
        match v {
            Some(v) => self.thousandths(v),
            None => self.0.extend_from_slice(b"null"),
        }
    }
    fn phases(&mut self, vs: &[u32]) {
        self.0.push(b'[');
        for (k, v) in vs.iter().enumerate() {
            if k > 0 {
                self.0.push(b',');
            }
            self.thousandths(u64::from(*v));
        }
        self.0.push(b']');
    }
}

impl CycleFormat for CycleJson {
    fn write(&mut self, buf: &mut Vec<u8>, c: &Cycle, f: &Figures) {
        if self.started {
            buf.push(b',');
        }
        self.started = true;
        let g = &c.gc;
        let mut o = Out(buf);
        o.key(b"{\"segment\":");
        o.int(c.segment);
        o.key(b",\"source\":");
        o.int(c.source);
        o.key(b",\"line\":");
        o.int(c.line);
        o.key(b",\"cycle\":");
        o.int(g.cycle);
        o.key(b",\"format\":\"");
        o.key(g.format.key().as_bytes());
        o.key(b"\",\"t_s\":");
        o.opt_thousandths(g.t_ms);
        o.key(b",\"cpu_pct\":");
        o.opt_int(g.cpu_pct);
        o.key(b",\"forced\":");
        o.bool(g.forced);
        o.key(b",\"leak_check\":");
        o.bool(g.leak_check);
        o.key(b",\"clock_ms\":");
        o.phases(g.clock.as_slice());
        o.key(b",\"cpu_ms\":");
        o.phases(g.cpu.as_slice());
        o.key(b",\"heap_before_mib\":");
        o.int(g.heap_before_mib);
        o.key(b",\"heap_after_mib\":");
        o.int(g.heap_after_mib);
        o.key(b",\"heap_live_mib\":");
        o.opt_int(g.heap_live_mib);
        o.key(b",\"goal_mib\":");
        o.opt_int(g.goal_mib);
        o.key(b",\"stacks_mib\":");
        o.opt_int(g.stacks_mib);
        o.key(b",\"globals_mib\":");
        o.opt_int(g.globals_mib);
        o.key(b",\"procs\":");
        o.int(g.procs);
        o.key(b",\"pause_ms\":");
        o.thousandths(f.pause_us);
        o.key(b",\"mark_ms\":");
        o.opt_thousandths(f.mark_us);
        o.key(b",\"gc_cpu_ms\":");
        o.opt_thousandths(f.gc_cpu_us);
        o.key(b",\"gc_cpu_window_pct\":");
        o.opt_float(f.gc_cpu_window_pct);
        o.key(b",\"alloc_mib\":");
        o.opt_int(f.alloc_mib);
        o.key(b",\"overshoot_pct\":");
        o.opt_float(f.overshoot_pct);
        o.key(b"}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::cycle::figures;
    use crate::export::ms_to_s;
    use crate::model::GcFormat;
    use proptest::prelude::*;
    use serde::Serialize;

    /// The cycle object as `serde_json` writes it (what `gclens.gc/v1` documents).
    #[derive(Serialize)]
    struct CycleOut<'a> {
        segment: u32,
        source: u32,
        line: u64,
        cycle: u32,
        format: GcFormat,
        t_s: Option<f64>,
        cpu_pct: Option<u16>,
        forced: bool,
        leak_check: bool,
        clock_ms: &'a [f64],
        cpu_ms: &'a [f64],
        heap_before_mib: u32,
        heap_after_mib: u32,
        heap_live_mib: Option<u32>,
        goal_mib: Option<u32>,
        stacks_mib: Option<u32>,
        globals_mib: Option<u32>,
        procs: u32,
        pause_ms: f64,
        mark_ms: Option<f64>,
        gc_cpu_ms: Option<f64>,
        gc_cpu_window_pct: Option<f64>,
        alloc_mib: Option<u32>,
        overshoot_pct: Option<f64>,
    }

    /// µs → ms, as the document defines it.
    fn us_to_ms(us: u64) -> f64 {
        us as f64 / 1000.0
    }

    fn serde_cycle(c: &Cycle, f: &Figures) -> String {
        let g = &c.gc;
        let ms = |v: &[u32]| v.iter().map(|v| us_to_ms(u64::from(*v))).collect();
        let (clock, cpu): (Vec<f64>, Vec<f64>) = (ms(g.clock.as_slice()), ms(g.cpu.as_slice()));
        serde_json::to_string(&CycleOut {
            segment: c.segment,
            source: c.source,
            line: c.line,
            cycle: g.cycle,
            format: g.format,
            t_s: g.t_ms.map(ms_to_s),
            cpu_pct: g.cpu_pct,
            forced: g.forced,
            leak_check: g.leak_check,
            clock_ms: &clock,
            cpu_ms: &cpu,
            heap_before_mib: g.heap_before_mib,
            heap_after_mib: g.heap_after_mib,
            heap_live_mib: g.heap_live_mib,
            goal_mib: g.goal_mib,
            stacks_mib: g.stacks_mib,
            globals_mib: g.globals_mib,
            procs: g.procs,
            pause_ms: us_to_ms(f.pause_us),
            mark_ms: f.mark_us.map(us_to_ms),
            gc_cpu_ms: f.gc_cpu_us.map(us_to_ms),
            gc_cpu_window_pct: f.gc_cpu_window_pct,
            alloc_mib: f.alloc_mib,
            overshoot_pct: f.overshoot_pct,
        })
        .unwrap()
    }

    /// Every cycle of every gctrace fixture is written byte for byte as `serde_json`
    /// writes the documented object.
    #[test]
    fn every_fixture_cycle_as_serde_json_writes_it() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/gctrace");
        let mut n = 0;
        for dir in std::fs::read_dir(root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_none_or(|e| e != "log") {
                    continue;
                }
                let t = crate::parse::load_bytes(&std::fs::read(&path).unwrap());
                let mut w = CycleJson::default();
                for (c, f) in t.cycles.iter().zip(figures(&t.cycles)) {
                    let mut buf = vec![];
                    w.write(&mut buf, c, &f);
                    let want = serde_cycle(c, &f);
                    let got = String::from_utf8(buf).unwrap();
                    assert_eq!(got.trim_start_matches(','), want, "{}", path.display());
                    n += 1;
                }
            }
        }
        assert!(n > 10_000, "{n} cycles");
    }

    proptest! {
        /// Exact thousandths are the shortest decimal of the double, as `ryu` writes it.
        #[test]
        fn thousandths_as_ryu_writes_them(v in prop_oneof![0u64..5000, 0u64..EXACT_BELOW, EXACT_BELOW - 5000..EXACT_BELOW + 5000, 0u64..u64::MAX]) {
            let mut buf = vec![];
            Out(&mut buf).thousandths(v);
            let want = ryu::Buffer::new().format_finite(v as f64 / 1000.0).to_string();
            prop_assert_eq!(String::from_utf8(buf).unwrap(), want);
        }
    }
}
