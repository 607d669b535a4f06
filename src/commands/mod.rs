//! One module per subcommand, each thin: command-line arguments → library calls →
//! output through `output::emit`. A command never imports another; what several
//! share (exit status, MemStats dumps beside a trace, chart settings, the end of a live
//! session) is here.

pub mod advise;
pub mod capture;
pub mod chart;
pub mod escape;
pub mod fleet;
pub mod gc;
pub mod goroutines;
pub mod heap;
pub mod man;
pub mod memstats;
pub mod report;
pub mod run;
pub mod watch;

use crate::analyze::Report;
use crate::analyze::memstats::MemReport;
use crate::cli::{ChartArgs, FailOn, LiveArgs, PanelArg};
use crate::export::{csv::Csv, json::Json};
use crate::live::{Forward, Monitor};
use crate::model::Timeline;
use crate::output::{self, emit};
use crate::render::chart::{Chart, ChartOptions, Panel, is_svg};
use crate::render::text::GcText;
use std::io::{self, IsTerminal};

/// Process exit status, as the README and docs/install.md document it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Nothing found (no gc line), or a gate failed.
    NothingFound,
    /// Usage or I/O error.
    Error,
    /// `run`: the program's own exit status.
    Child(u8),
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::NothingFound => 1,
            Status::Error => 2,
            Status::Child(c) => c,
        }
    }
}

/// `--fail-on` for a profile series' leak verdict (`heap`, `goroutines`): a likely leak
/// is an alert, possible growth a warning. Names the verdict on stderr when it fails.
fn verdict_gate(likely: bool, possible: bool, evidence: &str, level: Option<FailOn>) -> Status {
    let fails = match level {
        None => false,
        Some(FailOn::Alert) => likely,
        Some(FailOn::Warn) => likely || possible,
    };
    if fails {
        let what = if likely {
            "likely leak"
        } else {
            "possible growth"
        };
        crate::note!("gclens: --fail-on: {what}: {evidence}");
        Status::NothingFound
    } else {
        Status::Ok
    }
}

/// `--fail-on`: does a finding of the report reach the level?
fn gate_fails(report: &Report, level: Option<crate::cli::FailOn>) -> bool {
    use crate::analyze::Severity;
    let Some(level) = level else { return false };
    let least = match level {
        crate::cli::FailOn::Warn => Severity::Warn,
        crate::cli::FailOn::Alert => Severity::Alert,
    };
    let rank = |s: Severity| match s {
        Severity::Info => 0,
        Severity::Warn => 1,
        Severity::Alert => 2,
    };
    let failing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| rank(f.severity) >= rank(least))
        .collect();
    for f in &failing {
        crate::note!("gclens: --fail-on: {}", f.message);
    }
    !failing.is_empty()
}

/// Files bigger than this get a progress bar on a terminal.
const PROGRESS_MIN: u64 = 64 << 20;

/// Input names for a message: `trace.log, stdin` (not `-`).
fn names(sources: &[String]) -> String {
    let v: Vec<&str> = sources
        .iter()
        .map(|s| crate::input::display_name(s))
        .collect();
    v.join(", ")
}

/// Says so when stdin is a terminal and is about to be read (no file given, or `-`):
/// otherwise gclens seems to hang.
fn stdin_hint(files: &[String]) {
    if (files.is_empty() || files.iter().any(|f| f == "-")) && io::stdin().is_terminal() {
        crate::note!(
            "gclens: reading stdin (paste or type the input, then Ctrl-D; or give a file)"
        );
    }
}

/// Reads the traces, with a progress bar for big files on a terminal.
fn load_traces(files: &[String], progress: bool) -> anyhow::Result<Timeline> {
    stdin_hint(files);
    crate::parse::load_watched(files, &watch(progress))
}

/// Reads the traces in bounded memory (issue 31): the whole trace's summary, the newest
/// cycles in detail, the older ones folded (`analyze::long`).
fn load_long(files: &[String], progress: bool) -> anyhow::Result<crate::analyze::Report> {
    load_long_with(files, progress, None)
}

/// [`load_long`], handing every cycle to `sink` as it is counted.
fn load_long_with(
    files: &[String],
    progress: bool,
    sink: Option<&mut dyn crate::analyze::long::Sink>,
) -> anyhow::Result<crate::analyze::Report> {
    stdin_hint(files);
    let mut long = crate::analyze::long::Long::default();
    if let Some(sink) = sink {
        long = long.with_sink(sink);
    }
    long.read(&crate::input::files_or_stdin(files), &watch(progress))
}

/// What tells a file's reading progress: a bar for big files on a terminal.
fn watch(progress: bool) -> impl Fn(&str) -> Box<dyn Fn(u64) + Sync> {
    let show = progress && io::stderr().is_terminal();
    move |path: &str| {
        let size = if path == "-" {
            0
        } else {
            std::fs::metadata(path).map_or(0, |m| m.len())
        };
        if !show || size < PROGRESS_MIN {
            return Box::new(|_| {});
        }
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                // the bar takes what the terminal's width leaves (a fixed 40 cells
                // wrapped in 80 columns behind a long path)
                "{wide_msg} {bar:20} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(path.to_string());
        let bar = ClearOnDrop(bar);
        Box::new(move |n| bar.0.set_position(n))
    }
}

/// A bar over `n` instances (or other things) on a terminal's stderr; hidden elsewhere
/// and with `progress` off.
fn instance_bar(n: u64, progress: bool) -> indicatif::ProgressBar {
    if !progress || !io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{wide_msg} {bar:20} {pos}/{len} instances")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A progress bar that clears itself when its file is done.
struct ClearOnDrop(indicatif::ProgressBar);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Reads MemStats dumps into one series (`None` when no file is given), naming on
/// stderr the parts that did not parse.
fn load_memstats(files: &[String]) -> anyhow::Result<Option<MemReport>> {
    if files.is_empty() {
        return Ok(None);
    }
    Ok(Some(memstats_series(files, crate::input::MAX_INPUT)?))
}

/// Reads MemStats dumps (`-` or none: stdin) into one series, naming on stderr the
/// parts that did not parse.
fn memstats_series(files: &[String], limit: u64) -> anyhow::Result<MemReport> {
    stdin_hint(files);
    let loaded = crate::parse::memstats::load(files, limit)?;
    for (f, p) in &loaded {
        let f = crate::input::display_name(f);
        for (line, why) in p.errors.iter().take(5) {
            crate::note!("gclens: {f}:{line}: {why}");
        }
        if p.errors.len() > 5 {
            crate::note!(
                "gclens: {f}: {} more unreadable dump parts",
                p.errors.len() - 5
            );
        }
    }
    crate::analyze::memstats::report(loaded.into_iter().map(|(f, p)| (f, p.snapshots)).collect())
        .map_err(anyhow::Error::msg)
}

/// A chart is PNG, or SVG when the name ends in `.svg`: any other extension (`.jpg`)
/// is refused rather than given PNG bytes.
fn check_chart_path(path: &str) -> anyhow::Result<()> {
    let name = std::path::Path::new(path);
    match name.extension().and_then(|e| e.to_str()) {
        None => Ok(()),
        Some(e) if e.eq_ignore_ascii_case("png") || e.eq_ignore_ascii_case("svg") => Ok(()),
        Some(e) => {
            anyhow::bail!("{path}: a chart is PNG or SVG; name the file .png or .svg (not .{e})")
        }
    }
}

/// The chart of `--chart`/`-o`, drawn to `path` as PNG, or SVG by its extension.
fn chart_format(a: &ChartArgs, path: &str) -> Chart {
    Chart(ChartOptions {
        width: a.width.unwrap_or(a.size.0),
        height: a.height.unwrap_or(a.size.1),
        panels: a
            .panels
            .iter()
            .map(|p| match p {
                PanelArg::Heap => Panel::Heap,
                PanelArg::Cpu => Panel::Cpu,
                PanelArg::Pause => Panel::Pause,
            })
            .collect(),
        budget_bytes: a.budget,
        limit_bytes: a.limit,
        joined: vec![],
        svg: is_svg(path),
        from_s: a.from,
        to_s: a.to,
    })
}

/// Draws the chart a [`ChartStream`] gathered while `report` was read and writes it to
/// `path` (with the report's MemStats snapshots, when it has them).
fn write_chart(
    stream: crate::render::chart::ChartStream,
    report: &crate::analyze::Report,
    mut opts: ChartOptions,
    path: &str,
) -> anyhow::Result<()> {
    if let Some(m) = &report.memstats {
        opts.joined = m.joined.clone();
    }
    let s = &report.summary;
    let model = stream
        .with_joined(opts.joined.clone())
        .finish(
            s,
            s.main_segment_of_trace,
            &report.timeline.sources,
            report.timeline.cycles.len(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes = if opts.svg {
        crate::render::chart::draw::svg(&model, &opts)?
    } else {
        crate::render::chart::draw::png(&model, &opts)?
    };
    crate::output::write_to(Some(path), |out| Ok(out.write_all(&bytes)?))
}

/// How many of the newest cycles' x a chart keeps for MemStats snapshots joined to them:
/// the report's detailed window (fewer than twice [`crate::analyze::long::WINDOW`]), when there are snapshots.
fn keep_for(memstats: bool) -> usize {
    if memstats {
        2 * crate::analyze::long::WINDOW
    } else {
        0
    }
}

/// How `--tee`/`--quiet` choose what a live session forwards.
fn forward_of(a: &LiveArgs) -> Forward {
    if a.quiet {
        Forward::Nothing
    } else if a.tee {
        Forward::All
    } else {
        Forward::Foreign
    }
}

/// `--metrics ADDR`: starts serving the session's metrics (before the program starts, so a
/// busy port is an error at once) and says where.
fn start_metrics(a: &LiveArgs) -> anyhow::Result<Option<crate::live::metrics::Metrics>> {
    let Some(addr) = &a.metrics else {
        return Ok(None);
    };
    let addr =
        crate::live::exporter::parse_addr(addr).map_err(|e| anyhow::anyhow!("--metrics {e}"))?;
    let labels = a.metrics_labels.as_ref().map_or(&[][..], |l| &l.0[..]);
    let m = crate::live::metrics::Metrics::new(labels);
    let bound = crate::live::exporter::serve(addr, m.registry.clone())?;
    crate::note!("gclens: metrics at http://{bound}/metrics");
    Ok(Some(m))
}

/// How a live session (`watch`, `run`) ended for gclens itself.
pub(crate) struct LiveEnd {
    /// Any gc cycle seen.
    pub seen: bool,
    /// Every file asked for was written.
    pub files_ok: bool,
    /// `--fail-on`: a finding reached the level.
    pub gate_failed: bool,
}

/// The end of a live session (`watch`, `run`): the files asked for first, each on its
/// own (one that fails is named and does not stop the others), then the report on
/// stderr, whose failure (full, closed) changes nothing. `why_none`: what to suggest
/// when no gc line came.
fn finish_live(monitor: Monitor, source: &str, a: &LiveArgs, why_none: &str) -> LiveEnd {
    let lines = monitor.builder.lines();
    let Some(report) = monitor.into_report(source) else {
        crate::note!("gclens: no gc line in {lines} lines from {source} ({why_none})");
        return LiveEnd {
            seen: false,
            files_ok: true,
            gate_failed: false,
        };
    };
    let files_ok = write_files(&report, a);
    let _ = output::emit_stderr(&GcText, &report);
    LiveEnd {
        seen: true,
        files_ok,
        gate_failed: gate_fails(&report, a.fail_on),
    }
}

/// Checks before a live session starts that its files can be written.
fn check_live_outputs(a: &LiveArgs) -> anyhow::Result<()> {
    if let Some(p) = &a.chart {
        check_chart_path(p)?;
    }
    for p in [&a.chart, &a.json, &a.csv].into_iter().flatten() {
        output::check_writable(p)?;
    }
    Ok(())
}

fn write_files(report: &Report, a: &LiveArgs) -> bool {
    let mut ok = true;
    let mut write = |res: anyhow::Result<()>| {
        if let Err(e) = res {
            crate::note!("gclens: {e:#}");
            ok = false;
        }
    };
    if let Some(p) = &a.chart {
        write(emit(Some(p), &chart_format(&a.chart_opts, p), report));
    }
    if let Some(p) = &a.json {
        write(emit(Some(p), &Json, report));
    }
    if let Some(p) = &a.csv {
        write(emit(Some(p), &Csv, report));
        if let (Some(f), Some(first)) = (&report.folded, report.timeline.cycles.first()) {
            crate::note!(
                "gclens: {p} holds the newest {} cycles (from gc {}); the {} before them are \
                 folded into time buckets (the JSON's `folded`)",
                report.timeline.cycles.len(),
                first.gc.cycle,
                f.cycles
            );
        }
    }
    ok
}

/// `--budget`: the size given, or this process's cgroup limit.
fn budget(b: &crate::cli::Budget, root: &std::path::Path) -> anyhow::Result<u64> {
    match b {
        crate::cli::Budget::Bytes(n, _) => Ok(*n),
        crate::cli::Budget::Auto => crate::input::cgroup::memory_limit(root)
            .map_err(|e| anyhow::anyhow!("--budget auto: {e}"))?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--budget auto: this process's cgroup sets no memory limit; give --budget SIZE"
                )
            }),
    }
}

/// The HTTP client `capture` and `run --capture` ask with: the headers given (and basic
/// authentication from the URL), the CA file, the timeout.
fn capture_client(
    s: &crate::cli::CaptureSchedule,
    target: &crate::live::capture::Target,
) -> anyhow::Result<crate::input::http::Client> {
    use base64::Engine;
    let mut headers = s.headers.clone();
    if let Some(cred) = &target.basic_auth
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    {
        let b64 = base64::engine::general_purpose::STANDARD.encode(cred);
        headers.push(("Authorization".into(), format!("Basic {b64}")));
    }
    http_client(headers, s.cacert.as_deref(), s.timeout)
}

/// An HTTP client sending `headers`, trusting the certificates in `cacert` (`--cacert`)
/// instead of the system's, each request within `timeout`.
fn http_client(
    headers: Vec<(String, String)>,
    cacert: Option<&std::path::Path>,
    timeout: std::time::Duration,
) -> anyhow::Result<crate::input::http::Client> {
    use anyhow::Context;
    let pem = match cacert {
        Some(p) => Some(
            std::fs::read(p).with_context(|| format!("cannot read --cacert {}", p.display()))?,
        ),
        None => None,
    };
    let opts = crate::input::http::Options {
        headers,
        cacert: pem,
        timeout,
    };
    crate::input::http::Client::new(opts).map_err(|e| match cacert {
        Some(p) => anyhow::anyhow!("--cacert {}: {e}", p.display()),
        None => anyhow::anyhow!("{e}"),
    })
}

/// The end of a capture: what was kept, the next command, the exit status. `trace` is
/// the gctrace `run --capture` saved beside the snapshots.
fn end_capture(
    cap: &crate::live::capture::Capture,
    out: &crate::live::capture::Outcome,
    trace: Option<&str>,
) -> Status {
    use crate::live::capture::Ending;
    let dir = cap.store.dir.display();
    let manifest = cap.store.dir.join(crate::model::capture::FILE);
    if let Ending::Failed(line) = &out.ending {
        crate::note!("gclens: {line}");
    }
    let size = crate::live::capture::size_text(out.bytes);
    let failed = match out.failures {
        0 => String::new(),
        1 => format!("; 1 request failed, listed in {}", manifest.display()),
        n => format!("; {n} requests failed, listed in {}", manifest.display()),
    };
    let trace = trace.map_or(String::new(), |t| format!(" and the gctrace in {t}"));
    if out.files > 0 || out.snapshots > 0 {
        crate::note!(
            "gclens: captured {} snapshot{} ({} files, {size}) into {dir}{trace}{failed}",
            out.snapshots,
            if out.snapshots == 1 { "" } else { "s" },
            out.files
        );
    }
    if !cap.store.manifest.files.is_empty() {
        crate::note!(
            "next: gclens report {dir} --budget SIZE   (SIZE: the container's memory limit)"
        );
    }
    match &out.ending {
        Ending::Signal(sig) => Status::Child(u8::try_from(128 + sig).unwrap_or(130)),
        Ending::Failed(_) => Status::Error,
        Ending::Complete | Ending::Done if out.failures > 0 || out.files == 0 => Status::Error,
        Ending::Complete | Ending::Done => Status::Ok,
    }
}
