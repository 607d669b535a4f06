//! Issue 27: the same stream gives the same cycles however its reads cut it. Fed one
//! line per millisecond, `watch` lost cycle 549 of `go1.19/leak.log` (a record the
//! program's log line cut in two, whose second half was forwarded as program output)
//! and counted two records of `go1.21/leak.log` malformed: the two halves came in two
//! reads. Every gctrace fixture is fed to the live splitter in random pieces with
//! random pauses (shorter than the splitter's hold time), and to `gclens gc` through a
//! pipe; both must give what `gclens gc` gives of the file, and `watch` must forward
//! the same bytes as when the stream comes in one piece.

mod common;

use common::ROOT;
use gclens::live::split::HOLD;
use gclens::live::{Forward, Splitter};
use gclens::model::Timeline;
use gclens::parse::{Builder, load_bytes};
use proptest::prelude::*;
use std::io::Write;
use std::time::{Duration, Instant};

/// Every real trace fixture: the gctrace captures and the saved `gclens run` traces.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    for dir in ["fixtures/gctrace", "fixtures/contention"] {
        let mut stack = vec![std::path::PathBuf::from(ROOT).join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "log") {
                    let name = p.strip_prefix(ROOT).unwrap().display().to_string();
                    out.push((name, std::fs::read(&p).unwrap()));
                }
            }
        }
    }
    out.sort();
    assert!(out.len() >= 60, "{} fixtures", out.len());
    out
}

/// The fixtures whose records the program's output cut in two.
fn leak_fixtures() -> Vec<(String, Vec<u8>)> {
    fixtures()
        .into_iter()
        .filter(|(n, _)| n.ends_with("leak.log"))
        .collect()
}

/// A piece of the stream: its length; whether it is stretched to the end of its line,
/// and then the pause after it. A program writes a line in quick writes (the runtime
/// prints a gc line piece by piece) and pauses between lines: pauses come only after a
/// newline, each shorter than half the hold time (a record's first half waits for at
/// most two more lines).
type Piece = (usize, bool, Duration);

/// Feeds `data` to a splitter in `pieces` (cycled until the data ends), with the
/// session's tick after each one: the timeline and the forwarded bytes.
fn feed(data: &[u8], pieces: &[Piece]) -> (Timeline, Vec<u8>) {
    let mut s = Splitter::new(Forward::Foreign);
    let mut b = Builder::new(0);
    let mut out = vec![];
    let mut now = Instant::now();
    let mut rest = data;
    for &(len, to_line_end, pause) in pieces.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let mut len = len.clamp(1, rest.len());
        if to_line_end {
            len = memchr_nl(&rest[len - 1..]).map_or(rest.len(), |k| len + k);
        }
        let (piece, tail) = rest.split_at(len);
        rest = tail;
        s.push(piece, now, &mut b, &mut out).unwrap();
        if to_line_end {
            now += pause.min(HOLD / 2 - Duration::from_millis(1));
        }
        s.tick(now, &mut b, &mut out).unwrap();
    }
    s.finish(&mut b, &mut out).unwrap();
    let mut t = Timeline {
        sources: vec!["-".into()],
        ..Default::default()
    };
    b.finish_into(&mut t);
    (t, out)
}

fn memchr_nl(s: &[u8]) -> Option<usize> {
    s.iter().position(|b| *b == b'\n')
}

fn assert_same(name: &str, got: &Timeline, want: &Timeline, how: &str) {
    assert_eq!(got.cycles.len(), want.cycles.len(), "{name} {how}: cycles");
    assert_eq!(got.cycles, want.cycles, "{name} {how}");
    assert_eq!(got.events, want.events, "{name} {how}");
    assert_eq!(got.skipped, want.skipped, "{name} {how}");
}

/// A small deterministic generator, so every fixture gets the same cuts each run.
fn pieces(seed: u64, max: usize) -> Vec<Piece> {
    let mut x = seed | 1;
    (0..997)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 1 + (x % max as u64) as usize;
            let pause = Duration::from_millis((x >> 32) % (HOLD.as_millis() as u64 / 2));
            (len, (x >> 20) % 2 == 0, pause)
        })
        .collect()
}

#[test]
fn every_fixture_gives_the_same_cycles_in_any_pieces() {
    for (name, data) in fixtures() {
        let want = load_bytes(&data);
        let (whole, forwarded) = feed(&data, &[(data.len(), false, Duration::ZERO)]);
        assert_same(&name, &whole, &want, "in one piece");
        for (seed, max) in [(1, 64), (7, 700), (42, 9000)] {
            let (got, out) = feed(&data, &pieces(seed, max));
            assert_same(&name, &got, &want, &format!("in pieces of 1..={max}"));
            assert_eq!(
                out, forwarded,
                "{name}: forwarded bytes in pieces of 1..={max}"
            );
        }
    }
}

/// Runs `gclens ARGS` with `file` written to its stdin one line per millisecond, as a
/// live program writes.
fn slow_feed(args: &[&str], file: &str) -> std::process::Output {
    let data = std::fs::read(common::path(file)).unwrap();
    let mut child = std::process::Command::new(common::bin())
        .current_dir(ROOT)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for line in data.split_inclusive(|b| *b == b'\n') {
            stdin.write_all(line).unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// The reproduction through the binary: `watch` fed one line per millisecond.
#[test]
fn watch_fed_line_by_line_keeps_every_cycle() {
    for name in ["go1.19/leak.log", "go1.21/leak.log"] {
        let file = format!("fixtures/gctrace/{name}");
        let data = std::fs::read(common::path(&file)).unwrap();
        let want = load_bytes(&data);
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("w.json");
        let json_arg = json.to_str().unwrap();
        let out = slow_feed(&["watch", "--json", json_arg], &file);
        assert!(out.status.success(), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(
            v["summary"]["cycles"].as_u64(),
            Some(want.cycles.len() as u64),
            "{name}"
        );
        assert_eq!(v["skipped"]["malformed"].as_u64(), Some(0), "{name}");
        // the program's own lines, and no half of a runtime line among them
        let lines = out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty());
        for l in lines {
            assert!(
                l.windows(4).any(|w| w == b"app:"),
                "{name}: forwarded {:?}",
                String::from_utf8_lossy(l)
            );
        }
    }
}

/// `gclens gc` reading a pipe sees the stream in the pipe's pieces: one line per read.
#[test]
fn gc_from_a_slow_pipe_equals_gc_of_the_file() {
    let name = "fixtures/gctrace/go1.21/leak.log";
    let from_file = common::ok(&["gc", "--format", "json", name]);
    let from_pipe = slow_feed(&["gc", "--format", "json"], name);
    assert!(from_pipe.status.success());
    let mut a: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&from_pipe.stdout).unwrap();
    // the input's name differs (a path, stdin); nothing else may
    for v in [&mut a, &mut b] {
        v["summary"]["worst_pause"]["source"].take();
    }
    for part in ["summary", "skipped", "cycles", "events", "findings"] {
        assert_eq!(a[part], b[part], "{name}: {part}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any cut points, any pauses below the hold time, in the fixtures with cut records.
    #[test]
    fn split_records_survive_any_cut(
        which in 0usize..8,
        cuts in proptest::collection::vec((1usize..400, any::<bool>(), 0u64..100), 1..64),
    ) {
        let all = leak_fixtures();
        let (name, data) = &all[which % all.len()];
        let want = load_bytes(data);
        let pieces: Vec<Piece> = cuts.iter().map(|&(l, e, p)| (l, e, Duration::from_millis(p))).collect();
        let (got, _) = feed(data, &pieces);
        prop_assert_eq!(got.cycles.len(), want.cycles.len(), "{}", name);
        prop_assert_eq!(&got.cycles, &want.cycles, "{}", name);
        prop_assert_eq!(&got.skipped, &want.skipped, "{}", name);
    }
}
