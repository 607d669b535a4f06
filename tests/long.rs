//! Issue 31: a long trace in memory that does not grow with it. The repository's
//! generator writes a trace from a real fixture on the fly into `gclens gc`'s stdin (a
//! stream: nothing of it is ever a file), and the process's own peak resident memory is
//! read from the kernel (`wait4`'s rusage) when it exits. Three times the cycles must not
//! cost more memory, and the summary must count every cycle.

mod common;

#[path = "../benches/support/synth.rs"]
#[allow(dead_code)]
mod synth;

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::process::{Command, Stdio};

const TEMPLATE: &str = "fixtures/gctrace/go1.25/steady.log";

/// Runs `gclens ARGS` (reading `-`) on a generated trace of `cycles` cycles: (its
/// stdout, peak RSS in MiB). The output goes to a file, never into this process: a
/// child started while this process holds much memory would count it (the kernel keeps
/// the high-water mark of the memory it shared before `exec`), and tests run at once.
fn on_stream(cycles: usize, args: &[&str]) -> (std::fs::File, f64) {
    let template = std::fs::read(common::path(TEMPLATE)).unwrap();
    let out = tempfile::tempfile().unwrap();
    let mut child = Command::new(common::bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(out.try_clone().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let mut w = std::io::BufWriter::new(&mut stdin);
        synth::write_synth(&template, cycles, &mut w).unwrap();
        w.flush().unwrap();
    });
    writer.join().unwrap();
    finished(child, args, out)
}

/// Waits for `child` (run with `args`), which must exit 0: its stdout `out` from the
/// start, and its peak RSS in MiB.
fn finished(child: std::process::Child, args: &[&str], out: std::fs::File) -> (std::fs::File, f64) {
    // SAFETY: wait4 on our own child, with pointers to locals that outlive the call.
    let (status, usage) = unsafe {
        let mut status = 0;
        let mut usage: libc::rusage = std::mem::zeroed();
        let pid = libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage);
        assert_eq!(pid, child.id() as libc::pid_t);
        (status, usage)
    };
    assert!(libc::WIFEXITED(status), "gclens did not exit: {status}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "{args:?}");
    let mut out = out;
    out.seek(SeekFrom::Start(0)).unwrap();
    // ru_maxrss is in KiB on Linux
    (out, usage.ru_maxrss as f64 / 1024.0)
}

/// Runs `gclens report DIR ARGS` on a directory holding a generated trace of `cycles`
/// cycles (a file: mapped, its pages given back as its blocks are read).
fn report_on_file(cycles: usize, args: &[&str]) -> (std::fs::File, f64) {
    let template = std::fs::read(common::path(TEMPLATE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("gctrace.log")).unwrap());
    synth::write_synth(&template, cycles, &mut w).unwrap();
    w.flush().unwrap();
    drop(w);
    let out = tempfile::tempfile().unwrap();
    let d = dir.path().to_str().unwrap();
    let all: Vec<&str> = ["report", d].iter().chain(args).copied().collect();
    let child = Command::new(common::bin())
        .args(&all)
        .stdout(out.try_clone().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    finished(child, &all, out)
}

/// A short output, whole.
fn text(mut f: std::fs::File) -> String {
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

fn counted(out: &str) -> u64 {
    let line = out.lines().find(|l| l.contains(" cycles in ")).unwrap();
    let digits: String = line
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap()
}

/// 600,000 and 1,800,000 cycles (88 and 265 MB of trace): the peak memory of the second
/// is no more than that of the first plus a margin for the allocator, far below what a
/// timeline of every cycle takes (144 bytes each: 260 MB for the longer one).
#[test]
fn a_long_stream_is_read_in_memory_that_does_not_grow_with_it() {
    let (short_out, short_mib) = on_stream(600_000, &["gc", "-"]);
    let (long_out, long_mib) = on_stream(1_800_000, &["gc", "-"]);
    let (short_out, long_out) = (text(short_out), text(long_out));
    eprintln!("peak RSS: {short_mib:.0} MiB for 600k cycles, {long_mib:.0} MiB for 1.8M");
    assert_eq!(counted(&short_out), 600_000, "{short_out}");
    assert_eq!(counted(&long_out), 1_800_000, "{long_out}");
    assert!(
        long_mib <= short_mib * 1.25 + 16.0,
        "{short_mib} → {long_mib} MiB"
    );
    assert!(long_mib < 200.0, "{long_mib} MiB");
    // the older cycles are folded, and the report says so
    assert!(
        long_out.contains("Every figure above counts every cycle"),
        "{long_out}"
    );
}

/// `advise` reads the same stream in the same memory: the leak verdict over the whole
/// trace, the model measured on the newest cycles of the main segment.
#[test]
fn advise_on_a_long_stream_measures_the_newest_cycles() {
    let args = ["advise", "-", "--budget", "512Mi", "--format", "json"];
    let (out, mib) = on_stream(1_200_000, &args);
    let out = text(out);
    eprintln!("peak RSS: {mib:.0} MiB for 1.2M cycles");
    assert!(mib < 200.0, "{mib} MiB");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let used = doc["inputs"]["cycles_used"].as_u64().unwrap();
    // the window's 200,000 cycles (up to twice that between folds), after warm-up
    assert!((100_000..=400_000).contains(&used), "{used}");
    assert!(doc["gogc"].as_u64().is_some(), "{out}");
    assert!(doc["gomemlimit_bytes"].as_u64().is_some(), "{out}");
}

/// `data` through the bounded pass with a window of `window` cycles, in blocks of 61
/// lines, every cycle and event handed to `sink`.
fn bounded(
    data: &[u8],
    window: usize,
    sink: &mut dyn gclens::analyze::long::Sink,
) -> gclens::analyze::Report {
    let mut long = gclens::analyze::long::Long::with_window(window).with_sink(sink);
    long.start("-");
    let s = gclens::parse::Scanner::new();
    for part in data
        .split_inclusive(|&b| b == b'\n')
        .collect::<Vec<_>>()
        .chunks(61)
    {
        let mut b = gclens::parse::Builder::new(0);
        b.feed(&s, &part.concat());
        let _ = long.block(b);
    }
    long.finish()
}

/// The CSV rows written as a long trace is counted are the rows of the whole timeline:
/// the library fed in small blocks with a window of 4 cycles (so nearly every cycle is
/// folded away before the end) against the document of the whole timeline.
#[test]
fn streamed_csv_rows_are_the_whole_timelines_rows() {
    use gclens::output::Format;
    for f in [
        "fixtures/gctrace/go1.21/leak.log",
        "fixtures/gctrace/public/go1.8-issue18896-restart.log",
        "fixtures/gctrace/go1.26/gctrace2.log",
    ] {
        let data = std::fs::read(common::path(f)).unwrap();
        let whole = gclens::analyze::Report::new(gclens::parse::load_bytes(&data));
        let mut want = vec![];
        gclens::export::csv::Csv.write(&whole, &mut want).unwrap();
        let mut got = vec![];
        {
            let names = vec!["-".to_string()];
            let mut rows = gclens::export::csv::rows(&mut got, &names).unwrap();
            let mut push = |c: &gclens::model::Cycle| rows.push(c).unwrap();
            let r = bounded(&data, 4, &mut push);
            assert!(r.folded.is_some(), "{f}");
            rows.finish().unwrap();
        }
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "{f}"
        );
    }
}

/// The JSON document written as a long trace is counted is the whole timeline's
/// document, byte for byte: every cycle and event, the segments (restarts), the summary
/// with its main segment numbered among all of them. The library is fed in small blocks
/// with a window of 1 cycle (the pacer fixture has 3).
#[test]
fn streamed_json_is_the_whole_timelines_document() {
    use gclens::analyze::long::Sink;
    use gclens::export::json::{Json, JsonDoc};
    use gclens::model::{Cycle, Event};
    use gclens::output::Format;
    struct Doc<'w>(JsonDoc<'w>);
    impl Sink for Doc<'_> {
        fn cycle(&mut self, c: &Cycle) {
            self.0.cycle(c).unwrap();
        }
        fn event(&mut self, e: &Event, after_gc: Option<u32>) {
            self.0.event(e, after_gc).unwrap();
        }
    }
    for f in [
        "fixtures/gctrace/go1.21/leak.log",
        "fixtures/gctrace/public/go1.8-issue18896-restart.log",
        "fixtures/gctrace/public/go1.5-issue12228-pacer.log",
        "fixtures/gctrace/go1.27/idle.log",
        "fixtures/gctrace/go1.27/pacer.log",
        "fixtures/gctrace/go1.26/gctrace2.log",
        // a restart, then the main segment: numbered 1 among all, 0 in the last window
        "fixtures/gctrace/public/go1.8-issue18896-restart.log fixtures/gctrace/go1.21/leak.log",
    ] {
        let data: Vec<u8> = f
            .split(' ')
            .flat_map(|f| std::fs::read(common::path(f)).unwrap())
            .collect();
        let mut whole = gclens::analyze::Report::new(gclens::parse::load_bytes(&data));
        whole.timeline.sources = vec!["-".into()];
        let mut want = vec![];
        Json.write(&whole, &mut want).unwrap();
        let mut got = vec![];
        {
            let names = vec!["-".to_string()];
            let mut doc = Doc(JsonDoc::new(&mut got, &names).unwrap());
            let r = bounded(&data, 1, &mut doc);
            assert!(r.folded.is_some(), "{f}");
            doc.0.finish(&r, None).unwrap();
        }
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "{f}"
        );
    }
}

/// `gc --format json` on a long stream: every cycle in the document, in the same
/// bounded memory.
#[test]
fn json_of_a_long_stream_has_every_cycle_in_bounded_memory() {
    let args = ["gc", "-", "--format", "json"];
    // beyond twice the detailed window (400,000 cycles) both, as in the other tests
    let (short, short_mib) = on_stream(600_000, &args);
    let (out, mib) = on_stream(1_500_000, &args);
    eprintln!("peak RSS: {short_mib:.0} MiB for the JSON of 600k cycles, {mib:.0} MiB for 1.5M");
    assert!(mib <= short_mib * 1.25 + 16.0, "{short_mib} → {mib} MiB");
    assert!(mib < 260.0, "{mib} MiB");
    for (doc, n) in [(short, 600_000), (out, 1_500_000)] {
        // read as it streams: the document is valid JSON, every cycle in it, in order
        let doc: Doc = serde_json::from_reader(std::io::BufReader::new(doc)).unwrap();
        assert_eq!(doc.schema, "gclens.gc/v1");
        assert_eq!(doc.summary.cycles, n);
        assert_eq!(doc.cycles, (n, n as u32));
        assert!(doc.folded.is_none());
    }
}

/// What the long JSON test reads of a document, without holding its cycles.
#[derive(serde::Deserialize)]
struct Doc {
    schema: String,
    summary: DocSummary,
    #[serde(deserialize_with = "count_cycles")]
    cycles: (usize, u32),
    folded: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
struct DocSummary {
    cycles: usize,
}

#[derive(serde::Deserialize)]
struct CycleNumber {
    cycle: u32,
}

/// (how many cycles, the last one's number), reading one at a time.
fn count_cycles<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(usize, u32), D::Error> {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = (usize, u32);
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of cycles")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let (mut n, mut last) = (0, 0);
            while let Some(c) = seq.next_element::<CycleNumber>()? {
                n += 1;
                last = c.cycle;
            }
            Ok((n, last))
        }
    }
    d.deserialize_seq(Count)
}

/// `gc --format csv` on a long stream: a row per cycle, in the same bounded memory.
#[test]
fn csv_of_a_long_stream_has_every_row_in_bounded_memory() {
    let (short, short_mib) = on_stream(600_000, &["gc", "-", "--format", "csv"]);
    let (out, mib) = on_stream(1_500_000, &["gc", "-", "--format", "csv"]);
    eprintln!("peak RSS: {short_mib:.0} MiB for the CSV of 600k cycles, {mib:.0} MiB for 1.5M");
    let lines = |f| std::io::BufReader::new(f).lines().map(Result::unwrap);
    assert_eq!(lines(short).count(), 600_001);
    let (n, last) = lines(out).fold((0, String::new()), |(n, _), l| (n + 1, l));
    assert_eq!(n, 1_500_001);
    // rows formatted on their own thread, a few batches of cycles on their way
    assert!(mib <= short_mib * 1.25 + 16.0, "{short_mib} → {mib} MiB");
    assert!(mib < 240.0, "{mib} MiB");
    assert!(last.starts_with("-,0,"), "{last}");
}

/// `chart` on a long stream: the picture gathered as the cycles are counted (bands per
/// slice of the axis, not every cycle), in the same bounded memory, naming every cycle.
#[test]
fn a_chart_of_a_long_stream_is_drawn_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("long.png");
    let png_s = png.to_str().unwrap();
    let args = ["chart", "-", "-o", png_s, "--no-progress"];
    let (_, short_mib) = on_stream(400_000, &args);
    let (_, long_mib) = on_stream(1_600_000, &args);
    eprintln!(
        "peak RSS: {short_mib:.0} MiB for the chart of 400k cycles, {long_mib:.0} MiB for 1.6M"
    );
    assert!(
        long_mib <= short_mib * 1.25 + 16.0,
        "{short_mib} → {long_mib} MiB"
    );
    assert!(long_mib < 260.0, "{long_mib} MiB");
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 1000));
}

/// Regression: `gc -f csv | head` read the whole of a long trace after `head` had
/// closed the pipe. Once the export cannot be written the input is read no further: the
/// generator's writes into gclens's stdin fail long before its 2M cycles (290 MB) are
/// written, and gclens ends quietly, as on any closed pipe.
#[test]
fn a_closed_output_ends_the_reading() {
    let template = std::fs::read(common::path(TEMPLATE)).unwrap();
    for format in ["csv", "json"] {
        let mut child = common::spawn(&["gc", "-", "--format", format]);
        let mut stdin = child.stdin.take().unwrap();
        let template = template.clone();
        let writer = std::thread::spawn(move || {
            let mut w = std::io::BufWriter::new(&mut stdin);
            synth::write_synth(&template, 2_000_000, &mut w).and_then(|()| w.flush())
        });
        common::close_stdout_after_a_little(&mut child);
        let written = writer.join().unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(written.is_err(), "{format}: the whole trace was read");
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Issue 29: `gclens report` reads its gctraces in the same bounded pass (it held the
/// whole timeline: 3.5 GiB on the report bench's 1.17 GB trace). Three times the cycles
/// in a file cost no more memory (a mapped file's pages count until its blocks are read),
/// and the verdict counts every cycle.
#[test]
fn a_report_reads_a_long_trace_in_memory_that_does_not_grow_with_it() {
    let args = ["--format", "json", "--html", "/dev/null"];
    let (short, short_mib) = report_on_file(500_000, &args);
    let (long, mib) = report_on_file(1_500_000, &args);
    eprintln!("peak RSS: {short_mib:.0} MiB for a report on 500k cycles, {mib:.0} MiB on 1.5M");
    let cycles = |f| {
        let v: serde_json::Value = serde_json::from_str(&text(f)).unwrap();
        v["growth"]["trace"]["cycles"].as_u64().unwrap()
    };
    assert_eq!(cycles(short), 500_000);
    assert_eq!(cycles(long), 1_500_000);
    assert!(mib <= short_mib * 1.25 + 16.0, "{short_mib} → {mib} MiB");
    // the whole timeline (144 bytes a cycle) and the whole mapped file would be 436 MB
    assert!(mib < 360.0, "{mib} MiB");
}
