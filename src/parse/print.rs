//! Prints a [`GcLine`] exactly as the Go runtime of its format would, using the
//! runtime's own number routines (`itoaDiv`, `fmtNSAsMS`). Used for print → parse round
//! trip tests and to synthesize large benchmark traces from real cycles.

use crate::model::{GcFormat, GcLine};
use std::io::Write;

/// The runtime's `itoaDiv`: `val` with a decimal point `dec` digits from the right.
pub fn itoa_div(out: &mut Vec<u8>, mut val: u64, dec: usize) {
    let mut buf = [0u8; 32];
    let mut i = buf.len() - 1;
    let idec = i as isize - dec as isize;
    while val >= 10 || i as isize >= idec {
        buf[i] = (val % 10) as u8 + b'0';
        i -= 1;
        if i as isize == idec {
            buf[i] = b'.';
            i -= 1;
        }
        val /= 10;
    }
    buf[i] = val as u8 + b'0';
    out.extend_from_slice(&buf[i..]);
}

/// The runtime's `fmtNSAsMS`: whole ms from 10 ms, else two significant digits with at
/// most three decimals.
pub fn fmt_ns_as_ms(out: &mut Vec<u8>, ns: u64) {
    if ns >= 10_000_000 {
        itoa_div(out, ns / 1_000_000, 0);
        return;
    }
    let mut x = ns / 1000;
    if x == 0 {
        out.push(b'0');
        return;
    }
    let mut dec = 3;
    while x >= 100 {
        x /= 10;
        dec -= 1;
    }
    itoa_div(out, x, dec);
}

fn phases(out: &mut Vec<u8>, us: &[u32], seps: &[u8]) {
    for (k, v) in us.iter().enumerate() {
        if k > 0 {
            out.push(seps[k - 1]);
        }
        fmt_ns_as_ms(out, u64::from(*v) * 1000);
    }
}

/// Appends the line (without newline) in the format `g.format` names.
pub fn write_gc_line(out: &mut Vec<u8>, g: &GcLine) {
    if g.format == GcFormat::Go14 {
        let _ = write!(out, "gc{}({}): ", g.cycle, g.procs);
        for (k, v) in g.clock.as_slice().iter().enumerate() {
            let _ = write!(out, "{}{}", if k > 0 { "+" } else { "" }, v);
        }
        let _ = write!(out, " us, {} -> {} MB", g.heap_before_mib, g.heap_after_mib);
        return;
    }
    let _ = write!(out, "gc {} @", g.cycle);
    itoa_div(out, g.t_ms.unwrap_or(0), 3);
    let _ = write!(out, "s {}%", g.cpu_pct.unwrap_or(0));
    if g.leak_check {
        out.extend_from_slice(b" (checking for goroutine leaks)");
    }
    out.extend_from_slice(b": ");
    phases(out, g.clock.as_slice(), b"++++");
    out.extend_from_slice(b" ms clock, ");
    let seps: &[u8] = if g.cpu.len() == 7 { b"+++//+" } else { b"+//+" };
    phases(out, g.cpu.as_slice(), seps);
    let _ = write!(
        out,
        " ms cpu, {}->{}->{} MB, {} MB goal, ",
        g.heap_before_mib,
        g.heap_after_mib,
        g.heap_live_mib.unwrap_or(0),
        g.goal_mib.unwrap_or(0)
    );
    if let (Some(s), Some(gl)) = (g.stacks_mib, g.globals_mib) {
        let _ = write!(out, "{s} MB stacks, {gl} MB globals, ");
    }
    let _ = write!(out, "{} P", g.procs);
    if g.forced {
        out.extend_from_slice(b" (forced)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(ns: u64) -> String {
        let mut v = vec![];
        fmt_ns_as_ms(&mut v, ns);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn matches_the_runtime() {
        assert_eq!(ms(0), "0");
        assert_eq!(ms(999), "0");
        assert_eq!(ms(31_000), "0.031");
        assert_eq!(ms(1_560_000), "1.5");
        assert_eq!(ms(9_999_999), "9.9");
        assert_eq!(ms(87_400_000), "87");
        let mut v = vec![];
        itoa_div(&mut v, 9070, 3);
        assert_eq!(v, b"9.070");
        v.clear();
        itoa_div(&mut v, 5, 3);
        assert_eq!(v, b"0.005");
    }
}
