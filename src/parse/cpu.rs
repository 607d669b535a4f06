//! `gclens: cpu` lines: what the kernel's scheduler said about a traced program's threads,
//! written by `gclens run --save` into the saved trace between the runtime's lines:
//!
//! ```text
//! gclens: cpu @12.004s 1.002s: 1.520s running, 0.480s waiting, 0.950s elsewhere, 0.120s stolen of 2 CPUs
//! ```
//!
//! At 12.004 s after the program started, over the 1.002 s before, its threads were on
//! a CPU for 1.520 s (summed) and runnable but waiting for a CPU for 0.480 s, while the
//! rest of the machine's processes used 0.950 s of CPU and, in a VM, its host took
//! 0.120 s of its 2 CPUs' time (`steal`; lines written before it was recorded end at
//! `elsewhere`). Times are
//! seconds with up to three decimals. The line is ours, so there is one format; its
//! spec with real lines is `grammars/gclens-cpu.md`.

use super::num::{fixed, lit, u32_};
use crate::model::CpuSample;
use nom::IResult;

const START: &[u8] = b"gclens: cpu @";

pub fn looks_like_cpu(i: &[u8]) -> bool {
    i.starts_with(START)
}

/// Seconds with up to three decimals and an `s`, as milliseconds.
fn secs(i: &[u8]) -> IResult<&[u8], u64> {
    let (i, v) = fixed(i, 3)?;
    let (i, _) = lit("s")(i)?;
    Ok((i, v))
}

pub fn cpu_line(i: &[u8]) -> IResult<&[u8], CpuSample> {
    let (i, _) = lit("gclens: cpu @")(i)?;
    let (i, t_ms) = secs(i)?;
    let (i, _) = lit(" ")(i)?;
    let (i, window_ms) = secs(i)?;
    let (i, _) = lit(": ")(i)?;
    let (i, run_ms) = secs(i)?;
    let (i, _) = lit(" running, ")(i)?;
    let (i, wait_ms) = secs(i)?;
    let (i, _) = lit(" waiting, ")(i)?;
    let (i, elsewhere_ms) = secs(i)?;
    let (i, _) = lit(" elsewhere")(i)?;
    // since the stolen time was recorded: `, S s stolen of N CPUs`
    let (i, stolen_ms, cpus) = match lit(", ")(i) {
        Ok((i, _)) => {
            let (i, st) = secs(i)?;
            let (i, _) = lit(" stolen of ")(i)?;
            let (i, n) = u32_(i)?;
            let (i, _) = lit(" CPUs")(i)?;
            (i, st, n)
        }
        Err(_) => (i, 0, 0),
    };
    Ok((
        i,
        CpuSample {
            t_ms,
            window_ms,
            run_ms,
            wait_ms,
            elsewhere_ms,
            stolen_ms,
            cpus,
        },
    ))
}

fn write_secs(out: &mut String, ms: u64) {
    use std::fmt::Write;
    let _ = write!(out, "{}.{:03}s", ms / 1000, ms % 1000);
}

/// The line (without newline) that [`cpu_line`] reads back.
pub fn format_cpu_line(s: &CpuSample) -> String {
    let mut out = String::from("gclens: cpu @");
    write_secs(&mut out, s.t_ms);
    out.push(' ');
    write_secs(&mut out, s.window_ms);
    out.push_str(": ");
    write_secs(&mut out, s.run_ms);
    out.push_str(" running, ");
    write_secs(&mut out, s.wait_ms);
    out.push_str(" waiting, ");
    write_secs(&mut out, s.elsewhere_ms);
    out.push_str(" elsewhere");
    if s.cpus > 0 {
        out.push_str(", ");
        write_secs(&mut out, s.stolen_ms);
        out.push_str(&format!(" stolen of {} CPUs", s.cpus));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_line() {
        let (rest, s) = cpu_line(
            b"gclens: cpu @12.004s 1.002s: 1.520s running, 0.480s waiting, 0.950s elsewhere",
        )
        .unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            s,
            CpuSample {
                t_ms: 12004,
                window_ms: 1002,
                run_ms: 1520,
                wait_ms: 480,
                elsewhere_ms: 950,
                stolen_ms: 0,
                cpus: 0
            }
        );
        let (_, s) = cpu_line(
            b"gclens: cpu @12.004s 1.002s: 1.520s running, 0.480s waiting, 0.950s elsewhere, 0.501s stolen of 2 CPUs",
        )
        .unwrap();
        assert_eq!((s.stolen_ms, s.cpus), (501, 2));
        assert!(cpu_line(b"gclens: cpu @12.004s 1.002s: 1.520s running, 0.480s waiting").is_err());
    }

    proptest! {
        #[test]
        fn print_parse_round_trip(t in 0u64..1 << 40, w in 0u64..1 << 30, r in 0u64..1 << 40, q in 0u64..1 << 40, e in 0u64..1 << 40, st in 0u64..1 << 40, n in 0u32..512) {
            let s = CpuSample { t_ms: t, window_ms: w, run_ms: r, wait_ms: q, elsewhere_ms: e, stolen_ms: if n > 0 { st } else { 0 }, cpus: n };
            let line = format_cpu_line(&s);
            let (rest, back) = cpu_line(line.as_bytes()).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(back, s);
        }
    }
}
