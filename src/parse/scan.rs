//! `GODEBUG=gctrace=2` `scan:` lines: Go 1.25 prints `scan: total N objs` and
//! `scan: class 48B N objs` after each gc line; Go 1.26+ (Green Tea GC) splits the
//! counts: `scan: total 24+27+15=66 objs, 7+2=9 spans`,
//! `scan: class 480B 0+0+15=15 objs, 0+2=2 spans`. Only the totals after `=` are kept.

use super::num::{u32_, uint};
use crate::model::Scan;
use nom::IResult;
use nom::bytes::complete::tag;

pub fn looks_like_scan(i: &[u8]) -> bool {
    i.starts_with(b"scan: total ") || i.starts_with(b"scan: class ")
}

/// `N` or `a+b+…=N`: the total.
fn sum(mut i: &[u8]) -> IResult<&[u8], u64> {
    loop {
        let (r, v) = uint(i)?;
        match r.first() {
            Some(b'+') => i = &r[1..],
            Some(b'=') => return uint(&r[1..]),
            _ => return Ok((r, v)),
        }
    }
}

pub fn scan_line(i: &[u8]) -> IResult<&[u8], Scan> {
    let (i, _) = tag("scan: ")(i)?;
    let (i, class_bytes) = if let Ok((i, _)) = tag::<_, _, ()>("total ")(i) {
        (i, None)
    } else {
        let (i, _) = tag("class ")(i)?;
        let (i, b) = u32_(i)?;
        let (i, _) = tag("B ")(i)?;
        (i, Some(b))
    };
    let (i, objs) = sum(i)?;
    let (i, _) = tag(" objs")(i)?;
    let (i, spans) = if let Ok((i, _)) = tag::<_, _, ()>(", ")(i) {
        let (i, s) = sum(i)?;
        let (i, _) = tag(" spans")(i)?;
        (i, Some(s))
    } else {
        (i, None)
    };
    Ok((
        i,
        Scan {
            class_bytes,
            objs,
            spans,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_releases() {
        assert_eq!(
            scan_line(b"scan: total 120 objs").unwrap().1,
            Scan {
                class_bytes: None,
                objs: 120,
                spans: None
            }
        );
        assert_eq!(
            scan_line(b"scan: class 48B 7 objs").unwrap().1,
            Scan {
                class_bytes: Some(48),
                objs: 7,
                spans: None
            }
        );
        assert_eq!(
            scan_line(b"scan: total 24+27+15=66 objs, 7+2=9 spans")
                .unwrap()
                .1,
            Scan {
                class_bytes: None,
                objs: 66,
                spans: Some(9)
            }
        );
        assert_eq!(
            scan_line(b"scan: class 480B 0+0+15=15 objs, 0+2=2 spans")
                .unwrap()
                .1,
            Scan {
                class_bytes: Some(480),
                objs: 15,
                spans: Some(2)
            }
        );
    }
}
