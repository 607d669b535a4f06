//! Number parsers for the runtime's print routines, over bytes.
//!
//! The Go runtime does not use `fmt`: it prints integers with `print`, times with
//! `fmtNSAsMS` (whole ms at or above 10 ms, else two significant digits with at most
//! three decimals), seconds with `itoaDiv(…, 3)` and floats either as `+9.500000e-001`
//! (up to Go 1.25) or in shortest decimal form (1.26+). These parsers keep values
//! exact: milliseconds become integer microseconds, seconds become integer milliseconds.

use nom::IResult;
use nom::error::{Error, ErrorKind};

fn fail(i: &[u8]) -> nom::Err<Error<&[u8]>> {
    nom::Err::Error(Error::new(i, ErrorKind::Digit))
}

/// Longest digit run read exactly; longer numbers saturate (the runtime never prints them).
const EXACT_DIGITS: usize = 19;

/// Reads a run of ASCII digits: (value, digits read). Saturates past 19 digits.
#[inline(always)]
fn digits(i: &[u8]) -> (u64, usize) {
    let mut v: u64 = 0;
    let mut n = 0;
    while let Some(&b) = i.get(n) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        n += 1;
    }
    if n > EXACT_DIGITS {
        return (saturating_digits(&i[..n]), n);
    }
    (v, n)
}

/// The value of a long digit run, saturating at `u64::MAX` (kept off the hot path).
#[cold]
fn saturating_digits(i: &[u8]) -> u64 {
    i.iter().fold(0u64, |v, b| {
        v.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    })
}

/// An unsigned decimal integer (saturating at `u64::MAX`).
#[inline(always)]
pub fn uint(i: &[u8]) -> IResult<&[u8], u64> {
    let (v, n) = digits(i);
    if n == 0 {
        return Err(fail(i));
    }
    Ok((&i[n..], v))
}

/// A literal, compared as one slice (nom's `tag` compares byte by byte).
#[inline(always)]
pub fn lit<'a>(t: &'static str) -> impl Fn(&'a [u8]) -> IResult<&'a [u8], &'a [u8]> {
    move |i: &'a [u8]| {
        if i.starts_with(t.as_bytes()) {
            Ok((&i[t.len()..], &i[..t.len()]))
        } else {
            Err(nom::Err::Error(Error::new(i, ErrorKind::Tag)))
        }
    }
}

/// An unsigned integer that fits a `u32`. A bigger one fails the parse, so the line is
/// counted as malformed with its example: a heap of 4 PiB or more (MB fields), 4
/// billion cycles or Ps cannot be a runtime's, and capping it would print a made-up
/// 4294967295 MiB as if it were data.
#[inline(always)]
pub fn u32_(i: &[u8]) -> IResult<&[u8], u32> {
    let (r, v) = uint(i)?;
    let v = u32::try_from(v).map_err(|_| fail(i))?;
    Ok((r, v))
}

/// A signed decimal integer (`-195560`, `+12`).
pub fn int(i: &[u8]) -> IResult<&[u8], i64> {
    let (neg, rest) = match i.first() {
        Some(b'-') => (true, &i[1..]),
        Some(b'+') => (false, &i[1..]),
        _ => (false, i),
    };
    let (r, v) = uint(rest)?;
    let v = i64::try_from(v).unwrap_or(i64::MAX);
    Ok((r, if neg { -v } else { v }))
}

/// `digits[.digits]` scaled by 10^`scale`: `1.5` with scale 3 is 1500. Digits beyond
/// the scale are truncated (the runtime never prints them; other tools might).
#[inline(always)]
pub fn fixed(i: &[u8], scale: u32) -> IResult<&[u8], u64> {
    let (whole, n) = digits(i);
    if n == 0 {
        return Err(fail(i));
    }
    let mult = 10u64.pow(scale);
    let r = &i[n..];
    let [b'.', rest @ ..] = r else {
        return Ok((r, whole.saturating_mul(mult)));
    };
    let (frac, k) = digits(&rest[..rest.len().min(scale as usize)]);
    let frac = frac * 10u64.pow(scale - k as u32);
    // digits beyond the scale are read and dropped
    let (_, more) = digits(&rest[k..]);
    if k + more == 0 {
        return Err(fail(r));
    }
    Ok((
        &rest[k + more..],
        whole.saturating_mul(mult).saturating_add(frac),
    ))
}

/// A `fmtNSAsMS` time in milliseconds, returned as microseconds; one of 71 minutes or
/// more fails the parse (see [`u32_`]).
#[inline(always)]
pub fn ms_as_us(i: &[u8]) -> IResult<&[u8], u32> {
    let (r, v) = fixed(i, 3)?;
    let v = u32::try_from(v).map_err(|_| fail(i))?;
    Ok((r, v))
}

/// A float in either of the runtime's styles: `+9.500000e-001`, `-1.158502e-001`,
/// `2.342437744140625`, `0.25`, `0`, `NaN`, `+Inf`.
pub fn float(i: &[u8]) -> IResult<&[u8], f64> {
    for (word, v) in [
        (&b"NaN"[..], f64::NAN),
        (b"+Inf", f64::INFINITY),
        (b"-Inf", f64::NEG_INFINITY),
    ] {
        if i.starts_with(word) {
            return Ok((&i[word.len()..], v));
        }
    }
    let mut n = 0;
    if matches!(i.first(), Some(b'+' | b'-')) {
        n = 1;
    }
    let digits = |from: usize| i[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let w = digits(n);
    n += w;
    let mut f = 0;
    if i.get(n) == Some(&b'.') {
        f = digits(n + 1);
        n += 1 + f;
    }
    if w + f == 0 {
        return Err(fail(i));
    }
    if matches!(i.get(n), Some(b'e' | b'E')) {
        let mut m = n + 1;
        if matches!(i.get(m), Some(b'+' | b'-')) {
            m += 1;
        }
        let e = digits(m);
        if e > 0 {
            n = m + e;
        }
    }
    // The slice is ASCII digits, signs, '.', 'e': valid UTF-8 and a valid Rust float.
    let text = std::str::from_utf8(&i[..n]).map_err(|_| fail(i))?;
    let v: f64 = text.parse().map_err(|_| fail(i))?;
    Ok((&i[n..], v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point() {
        assert_eq!(ms_as_us(b"0.031+").unwrap(), (&b"+"[..], 31));
        assert_eq!(ms_as_us(b"1.5 ").unwrap(), (&b" "[..], 1500));
        assert_eq!(ms_as_us(b"87").unwrap(), (&b""[..], 87_000));
        assert_eq!(fixed(b"9.070s", 3).unwrap(), (&b"s"[..], 9070));
        assert_eq!(fixed(b"0.12345 ", 3).unwrap(), (&b" "[..], 123));
        assert_eq!(fixed(b"7.5", 0).unwrap(), (&b""[..], 7));
        assert_eq!(fixed(b"18446744073709551616.5", 3).unwrap().1, u64::MAX);
        assert!(ms_as_us(b"1.+").is_err());
        assert!(ms_as_us(b"x").is_err());
    }

    #[test]
    fn floats_both_styles() {
        assert_eq!(float(b"+9.500000e-001 ").unwrap().1, 0.95);
        assert_eq!(float(b"-1.158502e-001").unwrap().1, -0.1158502);
        assert_eq!(float(b"2.342437744140625,").unwrap().1, 2.342437744140625);
        assert_eq!(float(b"0++2.5e-001").unwrap(), (&b"++2.5e-001"[..], 0.0));
        assert!(float(b"NaN").unwrap().1.is_nan());
        assert!(float(b"+").is_err());
    }

    #[test]
    fn digit_runs_of_every_length_and_neighbour() {
        // every length 0..=20, followed by every kind of byte, with 8 bytes readable or not
        for len in 0..=20usize {
            let num: String = (0..len).map(|k| char::from(b'1' + (k % 9) as u8)).collect();
            let want: u64 = if len == 0 {
                0
            } else {
                num.parse().unwrap_or(u64::MAX)
            };
            for next in [b' ', b'/', b':', b'.', b'\xff', b'\x80', b'\xba', 0u8] {
                for pad in [0usize, 1, 8] {
                    let mut s = num.clone().into_bytes();
                    s.push(next);
                    s.extend(std::iter::repeat_n(b'9', pad));
                    let got = digits(&s);
                    assert_eq!(got, (want, len), "{:?}", String::from_utf8_lossy(&s));
                    assert_eq!(digits(&s[..len]), (want, len));
                }
            }
        }
    }

    #[test]
    fn integers_saturate() {
        assert_eq!(uint(b"99999999999999999999999").unwrap().1, u64::MAX);
        assert_eq!(int(b"-195560)").unwrap(), (&b")"[..], -195560));
    }

    /// A heap of 10^15 MB read as 4294967295 MiB in text, CSV and chart (issue 19).
    #[test]
    fn values_too_big_for_a_field_were_silently_capped() {
        assert!(u32_(b"1000000000000000->").is_err());
        assert_eq!(u32_(b"4294967295->").unwrap().1, u32::MAX);
        assert!(ms_as_us(b"4294968.000+").is_err());
        assert_eq!(ms_as_us(b"4294967.295+").unwrap().1, u32::MAX);
    }
}
