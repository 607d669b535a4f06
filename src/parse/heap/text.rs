//! The legacy text heap profile (`/debug/pprof/heap?debug=1`, `WriteTo(w, 1)`):
//!
//! ```text
//! heap profile: 75: 13893632 [702: 34701328] @ heap/1048576
//! 64: 8388608 [64: 8388608] @ 0x4ca24b 0x4cb2a5 0x43d3e7
//! #   0x4ca24a    gclens.example/heapgrow/store.(*Cache).Add+0x2a   /src/store/store.go:13  (tabs)
//! ```
//!
//! Each record is `in-use objects: bytes [allocated objects: bytes] @ addresses`, then
//! one `#` line per frame (leaf first, inlined calls included); `# runtime.MemStats`
//! starts the trailer. The counts are the *sampled* ones: each record is unsampled as
//! pprof does, scale = 1 / (1 − e^(−average size / rate)), where the rate is half the
//! number after `heap/` (the runtime prints twice MemProfileRate there; `heap_v2/` prints
//! the rate itself). The protobuf form of the same snapshot holds the same estimates.
//! The text has no time of its own; the `# runtime.MemStats` trailer (read by the
//! memstats parser) gives `LastGC`, the moment the profile describes.

use super::HeapError;
use crate::model::heap::{Frame, FrameRef, HeapProfile, ProfileFormat, Sample, SampleType, Stacks};

/// Does this look like the text form (its header, after blank lines)?
pub fn looks_like(data: &[u8]) -> bool {
    data.iter()
        .position(|b| !b.is_ascii_whitespace())
        .is_some_and(|k| data[k..].starts_with(b"heap profile:"))
}

/// `75: 13893632 [702: 34701328]` → (75, 13893632, 702, 34701328) and the rest.
fn counts(s: &str) -> Option<([i64; 4], &str)> {
    let num = |s: &str| s.trim().parse::<i64>().ok();
    let (inuse, rest) = s.split_once('[')?;
    let (alloc, rest) = rest.split_once(']')?;
    let (io, ib) = inuse.split_once(':')?;
    let (ao, ab) = alloc.split_once(':')?;
    Some(([num(io)?, num(ib)?, num(ao)?, num(ab)?], rest))
}

/// pprof's `scaleHeapSample`: estimated (objects, bytes) from sampled ones.
pub fn unsample(objects: i64, bytes: i64, rate: i64) -> (i64, i64) {
    if objects <= 0 || bytes <= 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (objects, bytes);
    }
    let avg = bytes as f64 / objects as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    (
        (objects as f64 * scale) as i64,
        (bytes as f64 * scale) as i64,
    )
}

/// `#\t0x4ca24a\tmain.f+0x2a\t/src/main.go:13` → the frame.
fn frame(line: &str) -> Option<Frame> {
    let mut parts = line.split('\t').map(str::trim).filter(|p| !p.is_empty());
    let _hash = parts.next()?;
    let addr = parts.next()?;
    let (function, file, line) = match (parts.next(), parts.next()) {
        (Some(f), Some(pos)) => {
            let f = f.rsplit_once("+0x").map_or(f, |(name, _)| name);
            let (file, line) = pos.rsplit_once(':').unwrap_or((pos, "0"));
            (f.to_string(), file.to_string(), line.parse().unwrap_or(0))
        }
        _ => (addr.to_string(), String::new(), 0),
    };
    Some(Frame {
        function,
        file,
        line,
    })
}

/// Parses the text form into a heap profile over `stacks`; its records must add up to
/// its header (a cut file is an error, never a smaller heap).
pub fn parse(source: &str, data: &[u8], stacks: &mut Stacks) -> Result<HeapProfile, HeapError> {
    read(source, data, stacks, true)
}

/// [`parse`] of an excerpt (the header and some records, as the grammar quotes them):
/// the records need not add up to the header.
pub fn parse_excerpt(
    source: &str,
    data: &[u8],
    stacks: &mut Stacks,
) -> Result<HeapProfile, HeapError> {
    read(source, data, stacks, false)
}

fn read(
    source: &str,
    data: &[u8],
    stacks: &mut Stacks,
    whole: bool,
) -> Result<HeapProfile, HeapError> {
    let text = String::from_utf8_lossy(data);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k as u64 + 1, l.trim_end_matches('\r')));
    let (hline, header) = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .ok_or_else(|| HeapError::NotHeap("empty".into()))?;
    let bad = |line: u64, why: &str| HeapError::Text {
        line,
        why: why.to_string(),
    };
    let rest = header
        .trim()
        .strip_prefix("heap profile:")
        .ok_or_else(|| HeapError::NotHeap("no `heap profile:` header".into()))?;
    let (head, after) = counts(rest)
        .ok_or_else(|| bad(hline, "a header `heap profile: N: B [N: B] @ heap/RATE`"))?;
    if let Some(v) = head.iter().find(|v| !super::plausible(**v)) {
        return Err(bad(hline, &format!("counts a heap can hold, not {v}")));
    }
    // the records' raw counts, which add up to the header's when the file is whole
    let mut sum = [0i64; 4];
    let at = after.trim().strip_prefix('@').unwrap_or(after).trim();
    let (kind, number) = at.split_once('/').unwrap_or((at, ""));
    let number: i64 = number.trim().parse().unwrap_or(0);
    let rate = match kind {
        "heap" => number / 2,
        "heap_v2" | "heapz_v2" => number,
        "heapprofile" => 1,
        _ => return Err(bad(hline, "the sampling after `@` (heap/RATE)")),
    };
    let mut samples: Vec<Sample> = vec![];
    let mut record: Option<([i64; 4], Vec<String>)> = None;
    let mut frames: Vec<u32> = vec![];
    let mut finish = |record: &mut Option<([i64; 4], Vec<String>)>,
                      frames: &mut Vec<u32>,
                      stacks: &mut Stacks| {
        if let Some((c, addrs)) = record.take() {
            if frames.is_empty() {
                // stripped binary: the addresses are the frames
                for a in addrs {
                    let (function, file) = (stacks.name(&a), stacks.name(""));
                    frames.push(stacks.frame(FrameRef {
                        function,
                        file,
                        line: 0,
                    }));
                }
            }
            let (io, ib) = unsample(c[0], c[1], rate);
            let (ao, ab) = unsample(c[2], c[3], rate);
            let mut values = [0; 4];
            values[SampleType::AllocObjects as usize] = ao;
            values[SampleType::AllocSpace as usize] = ab;
            values[SampleType::InuseObjects as usize] = io;
            values[SampleType::InuseSpace as usize] = ib;
            samples.push(Sample {
                stack: stacks.stack(&std::mem::take(frames)),
                values,
            });
        }
    };
    for (n, l) in lines {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with("# runtime.MemStats") {
            break;
        }
        if t.starts_with('#') {
            if record.is_none() {
                return Err(bad(n, "a frame line before any record"));
            }
            let f =
                frame(l).ok_or_else(|| bad(n, "a frame line `#\\tADDR\\tFUNC+OFF\\tFILE:LINE`"))?;
            let r = FrameRef {
                function: stacks.name(&f.function),
                file: stacks.name(&f.file),
                line: f.line,
            };
            frames.push(stacks.frame(r));
            continue;
        }
        finish(&mut record, &mut frames, stacks);
        let (c, rest) = counts(t).ok_or_else(|| bad(n, "a record `N: B [N: B] @ ADDR…`"))?;
        if let Some(v) = c.iter().find(|v| !super::plausible(**v)) {
            return Err(bad(n, &format!("counts a heap can hold, not {v}")));
        }
        for (s, v) in sum.iter_mut().zip(c) {
            *s = s.saturating_add(v);
        }
        let addrs = rest
            .trim()
            .strip_prefix('@')
            .ok_or_else(|| bad(n, "a record `N: B [N: B] @ ADDR…`"))?;
        record = Some((c, addrs.split_whitespace().map(str::to_string).collect()));
    }
    finish(&mut record, &mut frames, stacks);
    if whole && sum != head {
        let show = |c: [i64; 4]| format!("{}: {} [{}: {}]", c[0], c[1], c[2], c[3]);
        return Err(bad(
            hline,
            &format!(
                "records that add up to the header's {}, not {}: the profile is cut off or edited",
                show(head),
                show(sum)
            ),
        ));
    }
    // the profile shows the heap as of the last GC: the trailer's LastGC is its time
    let time_unix_ns = crate::parse::memstats::parse(data)
        .snapshots
        .first()
        .and_then(|s| s.stats.last_gc)
        .filter(|&t| t > 0)
        .and_then(|t| i64::try_from(t).ok());
    Ok(HeapProfile {
        source: source.to_string(),
        format: ProfileFormat::Text,
        time_unix_ns,
        period: rate,
        default_sample: SampleType::InuseSpace,
        samples,
        binary: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsamples_as_pprof_does() {
        // one 128 KiB object at the default rate: scale 1 / (1 − e^(−0.25)) ≈ 4.52
        assert_eq!(unsample(1, 131072, 524288), (4, 592_551));
        assert_eq!(unsample(0, 0, 524288), (0, 0));
        assert_eq!(unsample(3, 300, 1), (3, 300));
    }

    #[test]
    fn frames_keep_function_file_and_line() {
        let f = frame("#\t0x4ca24a\tgclens.example/heapgrow/store.(*Cache).Add+0x2a\t\t/src/store/store.go:13").unwrap();
        assert_eq!(f.function, "gclens.example/heapgrow/store.(*Cache).Add");
        assert_eq!((f.file.as_str(), f.line), ("/src/store/store.go", 13));
    }
}
