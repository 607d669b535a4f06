//! The `gc N @…` line of every Go release, and the `GC forced` line.
//!
//! One nom parser covers the ≤1.4 `gc%d(%d): …+… us, … -> … MB, …` form, the 1.5
//! five-phase form, 1.6–1.17, 1.18+ (stacks and globals), the 1.26+
//! `(checking for goroutine leaks)` marker and the ` (forced)` suffix. Times are kept
//! exactly as printed, in integer microseconds (see `num`).

use super::num::{fixed, lit, ms_as_us, u32_};
use crate::model::{GcFormat, GcLine, Phases};
use nom::IResult;
use nom::bytes::complete::tag;
use nom::combinator::opt;

/// Does `i` start like a gc line (`gc N @` or `gcN(`)? Used to tell a broken record from
/// foreign text that merely contains "gc".
pub fn looks_like_gc(i: &[u8]) -> bool {
    let Some(rest) = i.strip_prefix(b"gc") else {
        return false;
    };
    if let Some(r) = rest.strip_prefix(b" ") {
        let n = r.iter().take_while(|b| b.is_ascii_digit()).count();
        n > 0 && r.get(n) == Some(&b' ') && r.get(n + 1) == Some(&b'@')
    } else {
        let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        n > 0 && rest.get(n) == Some(&b'(')
    }
}

/// Reads times separated by `seps` into `p` (filled in place: returning the small
/// array by value costs a stalled copy on every line).
#[inline(always)]
fn sep_list<'a, const N: usize>(
    mut i: &'a [u8],
    seps: &[u8],
    p: &mut Phases<N>,
) -> IResult<&'a [u8], ()> {
    let (r, v) = ms_as_us(i)?;
    p.push(v);
    i = r;
    for &s in seps {
        let Some(r) = i.strip_prefix(&[s][..]) else {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Tag,
            )));
        };
        let (r, v) = ms_as_us(r)?;
        p.push(v);
        i = r;
    }
    Ok((i, ()))
}

/// Reads `+`-separated times into `p` (in place, as [`sep_list`]).
#[inline(always)]
fn plus_list<'a>(mut i: &'a [u8], p: &mut Phases<5>) -> IResult<&'a [u8], ()> {
    loop {
        let (r, v) = ms_as_us(i)?;
        if !p.push(v) {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::TooLarge,
            )));
        }
        i = r;
        match i.strip_prefix(b"+") {
            Some(r) => i = r,
            None => return Ok((i, ())),
        }
    }
}

fn modern(i: &[u8]) -> IResult<&[u8], GcLine> {
    let mut g = GcLine {
        format: GcFormat::Go16,
        cycle: 0,
        t_ms: None,
        cpu_pct: None,
        leak_check: false,
        forced: false,
        clock: Phases::default(),
        cpu: Phases::default(),
        heap_before_mib: 0,
        heap_after_mib: 0,
        heap_live_mib: None,
        goal_mib: None,
        stacks_mib: None,
        globals_mib: None,
        procs: 0,
    };
    let (i, _) = lit("gc ")(i)?;
    let (i, cycle) = u32_(i)?;
    let (i, _) = lit(" @")(i)?;
    let (i, t_ms) = fixed(i, 3)?;
    let (i, _) = lit("s ")(i)?;
    let (i, pct) = u32_(i)?;
    let (i, _) = lit("%")(i)?;
    let (i, leak) = opt(lit(" (checking for goroutine leaks)"))(i)?;
    let (i, _) = lit(": ")(i)?;
    let (i, _) = plus_list(i, &mut g.clock)?;
    let (i, _) = lit(" ms clock, ")(i)?;
    let (i, _) = match g.clock.len() {
        3 => sep_list::<7>(i, b"+//+", &mut g.cpu)?,
        5 => sep_list::<7>(i, b"+++//+", &mut g.cpu)?,
        _ => {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Count,
            )));
        }
    };
    let (i, _) = lit(" ms cpu, ")(i)?;
    let (i, before) = u32_(i)?;
    let (i, _) = lit("->")(i)?;
    let (i, after) = u32_(i)?;
    let (i, _) = lit("->")(i)?;
    let (i, live) = u32_(i)?;
    let (i, _) = lit(" MB, ")(i)?;
    let (i, goal) = u32_(i)?;
    let (i, _) = lit(" MB goal, ")(i)?;
    let (i, first) = u32_(i)?;
    let (i, stacks, globals, procs) = if let Some(i) = i.strip_prefix(b" MB stacks, ") {
        let (i, globals) = u32_(i)?;
        let (i, _) = lit(" MB globals, ")(i)?;
        let (i, procs) = u32_(i)?;
        (i, Some(first), Some(globals), procs)
    } else {
        (i, None, None, first)
    };
    let (i, _) = lit(" P")(i)?;
    let (i, forced) = opt(lit(" (forced)"))(i)?;
    g.format = match (g.clock.len(), stacks.is_some()) {
        (5, _) => GcFormat::Go15,
        (_, true) => GcFormat::Go118,
        _ => GcFormat::Go16,
    };
    g.cycle = cycle;
    g.t_ms = Some(t_ms);
    g.cpu_pct = Some(u16::try_from(pct).unwrap_or(u16::MAX));
    g.leak_check = leak.is_some();
    g.forced = forced.is_some();
    g.heap_before_mib = before;
    g.heap_after_mib = after;
    g.heap_live_mib = Some(live);
    g.goal_mib = Some(goal);
    g.stacks_mib = stacks;
    g.globals_mib = globals;
    g.procs = procs;
    Ok((i, g))
}

/// ≤1.4: `gc6(5): 0+0+0+1000 us, 0 -> 0 MB, 2118 (2655-537) objects, 85 goroutines, …`.
/// Only the leading fields are modelled; the object/sweep/steal counters that follow are
/// accepted as printed by 1.1–1.4 (their set changed between releases).
fn go14(i: &[u8]) -> IResult<&[u8], GcLine> {
    let (i, _) = tag("gc")(i)?;
    let (i, cycle) = u32_(i)?;
    let (i, _) = tag("(")(i)?;
    let (i, procs) = u32_(i)?;
    let (i, _) = tag("): ")(i)?;
    let mut clock = Phases::<5>::default();
    let mut i = i;
    loop {
        let (r, v) = u32_(i)?;
        if !clock.push(v) {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::TooLarge,
            )));
        }
        i = r;
        match i.strip_prefix(b"+") {
            Some(r) => i = r,
            None => break,
        }
    }
    let (i, unit) = nom::branch::alt((tag(" us, "), tag(" ms, ")))(i)?;
    if unit == b" ms, " {
        for v in clock.as_mut_slice() {
            *v = v.saturating_mul(1000);
        }
    }
    let (i, before) = u32_(i)?;
    let (i, _) = tag(" -> ")(i)?;
    let (i, after) = u32_(i)?;
    let (i, _) = tag(" MB")(i)?;
    // The counters that follow: keep them only if they look like the runtime's.
    let rest = if i.is_empty() || i.starts_with(b", ") || i.starts_with(b" ") {
        &i[i.len()..]
    } else {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        )));
    };
    Ok((
        rest,
        GcLine {
            format: GcFormat::Go14,
            cycle,
            t_ms: None,
            cpu_pct: None,
            leak_check: false,
            forced: false,
            clock,
            cpu: Phases::default(),
            heap_before_mib: before,
            heap_after_mib: after,
            heap_live_mib: None,
            goal_mib: None,
            stacks_mib: None,
            globals_mib: None,
            procs,
        },
    ))
}

/// Parses a whole gc line (without its line ending).
pub fn gc_line(i: &[u8]) -> IResult<&[u8], GcLine> {
    if i.get(2) == Some(&b' ') {
        modern(i)
    } else {
        go14(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 34: `looks_like_gc` (a broken gc line, or the program's own text?) passed
    /// its tests with `&&` turned into `||`: every half of each rule is decided here.
    #[test]
    fn looks_like_gc_needs_number_then_at_or_paren() {
        for yes in [&b"gc 5 @0.1s"[..], b"gc 12 @", b"gc12(forced)", b"gc1("] {
            assert!(looks_like_gc(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"gc 5 files"[..],
            b"gc 5",
            b"gc  @0.1s",
            b"gc @0.1s",
            b"gc12x",
            b"gc(",
            b"gc12",
            b"gcc 5 @",
            b"g 5 @",
        ] {
            assert!(!looks_like_gc(no), "{}", String::from_utf8_lossy(no));
        }
    }

    #[test]
    fn go15_five_phases() {
        let l = b"gc 73 @9.070s 15%: 1.0+5.0+11+64+2.0 ms clock, 8.0+5.0+0+433/76/0+16 ms cpu, 411->417->214 MB, 422 MB goal, 8 P";
        let (rest, g) = gc_line(l).unwrap();
        assert!(rest.is_empty());
        assert_eq!(g.format, GcFormat::Go15);
        assert_eq!(g.clock.as_slice(), &[1000, 5000, 11000, 64000, 2000]);
        assert_eq!(g.cpu.as_slice(), &[8000, 5000, 0, 433000, 76000, 0, 16000]);
        assert_eq!(
            (g.heap_before_mib, g.heap_after_mib, g.heap_live_mib),
            (411, 417, Some(214))
        );
        assert_eq!(
            (g.goal_mib, g.procs, g.t_ms, g.cpu_pct),
            (Some(422), 8, Some(9070), Some(15))
        );
    }

    #[test]
    fn go127_leak_check_forced() {
        let l = b"gc 25 @5.002s 1% (checking for goroutine leaks): 5.6+45+0.006 ms clock, 11+0/23/54+0.013 ms cpu, 63->63->34 MB, 158 MB goal, 94 MB stacks, 0 MB globals, 2 P (forced)";
        let (_, g) = gc_line(l).unwrap();
        assert!(g.leak_check && g.forced);
        assert_eq!(g.format, GcFormat::Go118);
        assert_eq!((g.stacks_mib, g.globals_mib), (Some(94), Some(0)));
        assert_eq!(g.cpu.as_slice(), &[11000, 0, 23000, 54000, 13]);
    }

    #[test]
    fn go14_us_line() {
        let l = b"gc7(3): 0+0+1000+0 us, 0 -> 0 MB, 5640 (7756-2116) objects, 34 goroutines, 208/79/0 sweeps, 0(0) handoff, 7(52) steal, 38/2/0 yields";
        let (_, g) = gc_line(l).unwrap();
        assert_eq!(g.format, GcFormat::Go14);
        assert_eq!((g.cycle, g.procs), (7, 3));
        assert_eq!(g.clock.as_slice(), &[0, 0, 1000, 0]);
    }

    #[test]
    fn lookalikes() {
        assert!(looks_like_gc(b"gc 1 @0.1s"));
        assert!(looks_like_gc(b"gc12(1): "));
        assert!(!looks_like_gc(b"gc done"));
        assert!(!looks_like_gc(b"gcc -O2"));
        assert!(gc_line(b"gc 1 @0.011s 1%: 0.13+16+0.24 ms clock, 0.41+16/1.4/18+0.74 ms cpu, 16->16->16 MB, 17 MB").is_err());
    }
}
