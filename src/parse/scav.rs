//! Scavenger lines: `scvg#:`/`scvg:`/`forced scvg:` (Go 1.5–1.13, printed with gctrace)
//! and `scav …` (1.14+, `GODEBUG=scavtrace=1`) in its three shapes, with the
//! ` (forced)` and ` [controller reset]` suffixes.

use super::num::{u32_, uint};
use crate::model::{Scavenge, ScvgSeq};
use nom::IResult;
use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::combinator::opt;

pub fn looks_like_scvg(i: &[u8]) -> bool {
    let r = i.strip_prefix(b"forced ").unwrap_or(i);
    matches!(
        r.strip_prefix(b"scvg"),
        Some([b'0'..=b'9' | b'-' | b':', ..])
    )
}

pub fn looks_like_scav(i: &[u8]) -> bool {
    matches!(i.strip_prefix(b"scav "), Some([b'0'..=b'9', ..]))
}

fn seq(i: &[u8]) -> IResult<&[u8], ScvgSeq> {
    if let Ok((i, _)) = tag::<_, _, ()>("forced scvg: ")(i) {
        return Ok((i, ScvgSeq::Forced));
    }
    let (i, _) = tag("scvg")(i)?;
    if let Ok((i, _)) = tag::<_, _, ()>(": ")(i) {
        return Ok((i, ScvgSeq::Unnumbered));
    }
    let (i, n) = super::num::int(i)?;
    let (i, _) = tag(": ")(i)?;
    Ok((i, ScvgSeq::Numbered(n)))
}

pub fn scvg_line(i: &[u8]) -> IResult<&[u8], Scavenge> {
    let (i, seq) = seq(i)?;
    if let Ok((i, _)) = tag::<_, _, ()>("inuse: ")(i) {
        let (i, inuse_mib) = uint(i)?;
        let (i, _) = tag(", idle: ")(i)?;
        let (i, idle_mib) = uint(i)?;
        let (i, _) = tag(", sys: ")(i)?;
        let (i, sys_mib) = uint(i)?;
        let (i, _) = tag(", released: ")(i)?;
        let (i, released_mib) = uint(i)?;
        let (i, _) = tag(", consumed: ")(i)?;
        let (i, consumed_mib) = uint(i)?;
        let (i, _) = tag(" (MB)")(i)?;
        return Ok((
            i,
            Scavenge::ScvgSummary {
                seq,
                inuse_mib,
                idle_mib,
                sys_mib,
                released_mib,
                consumed_mib,
            },
        ));
    }
    let (i, released_mib) = uint(i)?;
    let (i, _) = tag(" MB released")(i)?;
    Ok((i, Scavenge::ScvgReleased { seq, released_mib }))
}

pub fn scav_line(i: &[u8]) -> IResult<&[u8], Scavenge> {
    let (i, _) = tag("scav ")(i)?;
    let (i, first) = uint(i)?;
    // 1.15–1.18 print a generation number before the work figure.
    let (i, generation, work_kib) = match tag::<_, _, ()>(" ")(i) {
        Ok((r, _)) if r.first().is_some_and(u8::is_ascii_digit) => {
            let (r, w) = uint(r)?;
            (r, Some(first), w)
        }
        _ => (i, None, first),
    };
    let (i, _) = tag(" KiB work")(i)?;
    let (i, modern) = opt(tag(" (bg)"))(i)?;
    let (i, eager_kib) = if modern.is_some() {
        let (i, _) = tag(", ")(i)?;
        let (i, e) = uint(i)?;
        let (i, _) = tag(" KiB work (eager)")(i)?;
        (i, Some(e))
    } else {
        (i, None)
    };
    let (i, _) = tag(", ")(i)?;
    let (i, released_kib) = uint(i)?;
    let (i, _) = if modern.is_some() {
        tag(" KiB now, ")(i)?
    } else {
        tag(" KiB total, ")(i)?
    };
    let (i, util_pct) = u32_(i)?;
    let (i, _) = tag("% util")(i)?;
    let (i, suffix) = opt(alt((tag(" (forced)"), tag(" [controller reset]"))))(i)?;
    Ok((
        i,
        Scavenge::Scav {
            generation,
            work_kib,
            eager_kib,
            released_kib,
            util_pct,
            forced: suffix == Some(b" (forced)"),
            controller_reset: suffix == Some(b" [controller reset]"),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape() {
        let (_, s) =
            scvg_line(b"scvg0: inuse: 0, idle: 0, sys: 1, released: 0, consumed: 1 (MB)").unwrap();
        assert!(matches!(
            s,
            Scavenge::ScvgSummary {
                seq: ScvgSeq::Numbered(0),
                sys_mib: 1,
                consumed_mib: 1,
                ..
            }
        ));
        let (_, s) = scvg_line(b"scvg-1: 12 MB released").unwrap();
        assert_eq!(
            s,
            Scavenge::ScvgReleased {
                seq: ScvgSeq::Numbered(-1),
                released_mib: 12
            }
        );
        let (_, s) = scvg_line(b"forced scvg: 3 MB released").unwrap();
        assert_eq!(
            s,
            Scavenge::ScvgReleased {
                seq: ScvgSeq::Forced,
                released_mib: 3
            }
        );
        let (_, s) =
            scav_line(b"scav 3 15 KiB work, 1024 KiB total, 99% util [controller reset]").unwrap();
        assert!(matches!(
            s,
            Scavenge::Scav {
                generation: Some(3),
                work_kib: 15,
                controller_reset: true,
                ..
            }
        ));
        let (_, s) =
            scav_line(b"scav 42688 KiB work, 60832 KiB total, 100% util (forced)").unwrap();
        assert!(matches!(
            s,
            Scavenge::Scav {
                generation: None,
                work_kib: 42688,
                released_kib: 60832,
                forced: true,
                ..
            }
        ));
        let (r, s) =
            scav_line(b"scav 0 KiB work (bg), 64 KiB work (eager), 8000 KiB now, 96% util")
                .unwrap();
        assert!(r.is_empty());
        assert!(matches!(
            s,
            Scavenge::Scav {
                eager_kib: Some(64),
                released_kib: 8000,
                util_pct: 96,
                ..
            }
        ));
    }

    #[test]
    fn lookalikes() {
        assert!(looks_like_scvg(b"scvg12: 0 MB released"));
        assert!(looks_like_scvg(b"forced scvg: x"));
        assert!(!looks_like_scvg(b"scvgfoo"));
        assert!(looks_like_scav(b"scav 1 KiB"));
        assert!(!looks_like_scav(b"scav done"));
    }
}
