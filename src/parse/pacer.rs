//! `GODEBUG=gcpacertrace=1` lines of both pacers.
//!
//! - every release: `pacer: assist ratio=<f> (scan # MB in #-># MB) workers=#+<f>`
//! - the old pacer (≤1.17): `pacer: H_m_prev=… h_t=… H_T=… … u_a/u_g=…`
//! - the new pacer (1.18+): `pacer: #% CPU (# exp.) for #+#+# B work (# B exp.) in # B -> # B
//!   (∆goal #, cons/mark <f>)` with an optional `[controller reset]`
//! - sweep: `pacer: sweep done at heap size #MB; allocated #MB of spans|during sweep; swept # pages[ at <f> pages/byte]`
//!
//! Floats come as `+9.500000e-001` (≤1.25) or shortest decimal (1.26+); `∆` is UTF-8.

use super::num::{float, int, uint};
use crate::model::{LegacyPacer, Pacer};
use nom::IResult;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till1};

pub fn looks_like_pacer(i: &[u8]) -> bool {
    i.starts_with(b"pacer: ")
}

fn assist(i: &[u8]) -> IResult<&[u8], Pacer> {
    let (i, _) = tag("assist ratio=")(i)?;
    let (i, ratio) = float(i)?;
    let (i, _) = tag(" (scan ")(i)?;
    let (i, scan_mib) = uint(i)?;
    let (i, _) = tag(" MB in ")(i)?;
    let (i, heap_from_mib) = uint(i)?;
    let (i, _) = tag("->")(i)?;
    let (i, heap_goal_mib) = uint(i)?;
    let (i, _) = tag(" MB) workers=")(i)?;
    let (i, dedicated_workers) = int(i)?;
    let (i, _) = tag("+")(i)?;
    let (i, fractional_goal) = float(i)?;
    Ok((
        i,
        Pacer::Assist {
            ratio,
            scan_mib,
            heap_from_mib,
            heap_goal_mib,
            dedicated_workers,
            fractional_goal,
        },
    ))
}

fn cycle(i: &[u8]) -> IResult<&[u8], Pacer> {
    let (i, cpu_pct) = int(i)?;
    let (i, _) = tag("% CPU (")(i)?;
    let (i, expected_cpu_pct) = int(i)?;
    let (i, _) = tag(" exp.) for ")(i)?;
    let (i, heap_work_b) = uint(i)?;
    let (i, _) = tag("+")(i)?;
    let (i, stack_work_b) = uint(i)?;
    let (i, _) = tag("+")(i)?;
    let (i, globals_work_b) = uint(i)?;
    let (i, _) = tag(" B work (")(i)?;
    let (i, expected_work_b) = uint(i)?;
    let (i, _) = tag(" B exp.) in ")(i)?;
    let (i, trigger_b) = uint(i)?;
    let (i, _) = tag(" B -> ")(i)?;
    let (i, live_b) = uint(i)?;
    let (i, _) = tag(" B (\u{2206}goal ")(i)?;
    let (i, delta_goal_b) = int(i)?;
    let (i, _) = tag(", cons/mark ")(i)?;
    let (i, cons_mark) = float(i)?;
    let (i, _) = tag(")")(i)?;
    let (i, reset) =
        nom::combinator::opt(alt((tag(" [controller reset]"), tag("[controller reset]"))))(i)?;
    Ok((
        i,
        Pacer::Cycle {
            cpu_pct,
            expected_cpu_pct,
            heap_work_b,
            stack_work_b,
            globals_work_b,
            expected_work_b,
            trigger_b,
            live_b,
            delta_goal_b,
            cons_mark,
            controller_reset: reset.is_some(),
        },
    ))
}

fn legacy(mut i: &[u8]) -> IResult<&[u8], Pacer> {
    let mut p = LegacyPacer::default();
    let mut seen = 0;
    loop {
        let (r, key) = take_till1(|b| b == b'=' || b == b' ')(i)?;
        let (r, _) = tag("=")(r)?;
        let (r, v) = float(r)?;
        let slot = match key {
            b"H_m_prev" => Some(&mut p.heap_marked_prev),
            b"h_t" => Some(&mut p.trigger_ratio),
            b"H_T" => Some(&mut p.trigger),
            b"h_a" => Some(&mut p.actual_ratio),
            b"H_a" => Some(&mut p.actual),
            b"h_g" => Some(&mut p.goal_ratio),
            b"H_g" => Some(&mut p.goal),
            b"u_a" => Some(&mut p.util_actual),
            b"u_g" => Some(&mut p.util_goal),
            b"W_a" => Some(&mut p.scan_work),
            _ => None, // goalΔ, actualΔ, u_a/u_g: derived from the others
        };
        if let Some(s) = slot {
            *s = Some(v);
        }
        seen += 1;
        match r.strip_prefix(b" ") {
            Some(next) if !next.is_empty() => i = next,
            _ => {
                if seen < 2 || p.heap_marked_prev.is_none() {
                    return Err(nom::Err::Error(nom::error::Error::new(
                        r,
                        nom::error::ErrorKind::Tag,
                    )));
                }
                return Ok((r, Pacer::Legacy(p)));
            }
        }
    }
}

fn sweep(i: &[u8]) -> IResult<&[u8], Pacer> {
    let (i, _) = tag("sweep done at heap size ")(i)?;
    let (i, heap_mib) = uint(i)?;
    let (i, _) = tag("MB; allocated ")(i)?;
    let (i, allocated_mib) = uint(i)?;
    let (i, _) = alt((tag("MB of spans; swept "), tag("MB during sweep; swept ")))(i)?;
    let (i, pages) = uint(i)?;
    let (i, _) = tag(" pages")(i)?;
    let (i, pages_per_byte) = match tag::<_, _, ()>(" at ")(i) {
        Ok((r, _)) => {
            let (r, v) = float(r)?;
            let (r, _) = tag(" pages/byte")(r)?;
            (r, Some(v))
        }
        Err(_) => (i, None),
    };
    Ok((
        i,
        Pacer::SweepDone {
            heap_mib,
            allocated_mib,
            pages,
            pages_per_byte,
        },
    ))
}

pub fn pacer_line(i: &[u8]) -> IResult<&[u8], Pacer> {
    let (i, _) = tag("pacer: ")(i)?;
    alt((assist, sweep, cycle, legacy))(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_pacers_both_float_styles() {
        let (r, p) = pacer_line(
            b"pacer: assist ratio=+1.620519e+000 (scan 0 MB in 3->4 MB) workers=0++2.500000e-001",
        )
        .unwrap();
        assert!(r.is_empty());
        assert_eq!(
            p,
            Pacer::Assist {
                ratio: 1.620519,
                scan_mib: 0,
                heap_from_mib: 3,
                heap_goal_mib: 4,
                dedicated_workers: 0,
                fractional_goal: 0.25
            }
        );
        let (_, p) = pacer_line(
            b"pacer: assist ratio=2.342437744140625 (scan 1 MB in 3->4 MB) workers=0+0.25",
        )
        .unwrap();
        assert!(matches!(
            p,
            Pacer::Assist {
                fractional_goal: 0.25,
                ..
            }
        ));
        let l = "pacer: 31% CPU (25 exp.) for 45152+2080+225680 B work (271672 B exp.) in 8083697 B -> 9191976 B (∆goal -195560, cons/mark +1.599772e+000)";
        let (r, p) = pacer_line(l.as_bytes()).unwrap();
        assert!(r.is_empty());
        assert!(matches!(
            p,
            Pacer::Cycle {
                cpu_pct: 31,
                delta_goal_b: -195560,
                live_b: 9191976,
                controller_reset: false,
                ..
            }
        ));
        let l = "pacer: H_m_prev=238509512 h_t=+9.500000e-001 H_T=431954218 h_a=+8.341498e-001 H_a=437462176 h_g=+1.000000e+000 H_g=477019024 u_a=+9.265638e-001 u_g=+2.500000e-001 W_a=152566176 goalΔ=+5.000000e-002 actualΔ=-1.158502e-001 u_a/u_g=+3.706255e+000";
        let (r, p) = pacer_line(l.as_bytes()).unwrap();
        assert!(r.is_empty());
        let Pacer::Legacy(lp) = p else {
            panic!("{p:?}")
        };
        assert_eq!(
            (lp.heap_marked_prev, lp.trigger_ratio, lp.scan_work),
            (Some(238509512.0), Some(0.95), Some(152566176.0))
        );
        let (_, p) = pacer_line(b"pacer: sweep done at heap size 4MB; allocated 0MB during sweep; swept 121 pages at +0.000000e+000 pages/byte").unwrap();
        assert!(matches!(
            p,
            Pacer::SweepDone {
                heap_mib: 4,
                pages: 121,
                pages_per_byte: Some(_),
                ..
            }
        ));
    }
}
