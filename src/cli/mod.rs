//! The command line (clap derive). The doc comments here are the help text; one format
//! enum per subcommand lists only what it can write. `escape.rs` and `profiles.rs` hold
//! the arguments of `escape` and of `heap`/`goroutines`, `live.rs` those of `watch` and
//! `run`. Every command's help leads with one example and the page of the book that
//! tells the rest ([`lead!`]).

/// The help layout of a command: what it is, one example, its page in the book
/// (`docs/`), then clap's usage and options (clap's default template otherwise).
macro_rules! lead {
    ($example:literal, $page:literal) => {
        concat!(
            "{about-with-newline}\nExample: ",
            $example,
            "\nMore: ",
            $page,
            " (in the gclens repository; `gclens man` for the manual pages)\n\n",
            "{usage-heading} {usage}\n\n{all-args}{after-help}"
        )
    };
}

mod capture;
mod escape;
mod fleet;
mod live;
mod profiles;
mod report;

pub use capture::*;
pub use escape::*;
pub use fleet::*;
pub use live::*;
pub use profiles::*;
pub use report::*;

use clap::{Parser, Subcommand, ValueEnum};

/// Turns the Go runtime's and compiler's memory diagnostics into answers.
///
/// Is the service leaking, where, why on the heap, what should GOGC and GOMEMLIMIT be?
/// Reads GODEBUG=gctrace=1 output of any Go release, runtime.MemStats dumps, heap
/// profiles, goroutine dumps and -gcflags=-m escape analysis; `gclens report` joins them
/// into one verdict.
#[derive(Debug, Parser)]
#[command(
    name = "gclens",
    version,
    propagate_version = true,
    help_template = lead!(
        "gclens report fixtures/incident/go1.27/plain --budget 512Mi",
        "docs/README.md"
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colours: auto (on a terminal, unless NO_COLOR is set), always (also into a pipe,
    /// e.g. `| less -R`; never into an `-o` file), never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report on a GC trace: KPI table and findings, or the timeline as JSON/CSV.
    ///
    /// Capture a trace with `GODEBUG=gctrace=1 ./app 2> trace.log` (add scavtrace=1,
    /// gcpacertrace=1 for more events). Exit status: 0 with results, 1 when the input
    /// held no gc line, 2 for usage or I/O errors.
    #[command(help_template = lead!("gclens gc fixtures/gctrace/go1.21/leak.log", "docs/commands/gc.md"))]
    #[command(after_help = "Examples:\n  \
        gclens gc trace.log\n  \
        GODEBUG=gctrace=1 ./app 2>&1 >/dev/null | gclens gc\n  \
        kubectl logs --timestamps pod/api | gclens gc - --format json > gc.json\n  \
        gclens gc old.log new.log --format csv -o cycles.csv")]
    Gc(GcArgs),
    /// Draw the GC timeline as a PNG (or SVG) chart: heap, GC CPU and pauses.
    ///
    /// One image with panels sharing the time axis (seconds since start; restarts of the
    /// process are marked). Exit status: 0 written, 1 fewer than 2 gc cycles, 2 usage or
    /// I/O error.
    #[command(help_template = lead!("gclens chart fixtures/gctrace/go1.21/leak.log -o heap.png --budget 128Mi", "docs/commands/chart.md"))]
    #[command(after_help = "Examples:\n  \
        gclens chart trace.log -o heap.png\n  \
        gclens chart trace.log -o heap.svg --budget 512Mi --limit 460MiB\n  \
        gclens chart trace.log -o pauses.png --panels pause --size 1200x400")]
    Chart(ChartCmd),
    /// Report on runtime.MemStats dumps: the series, memory the limit counts, trends, pauses.
    ///
    /// Reads the pprof heap profile with debug=1 (`curl …/debug/pprof/heap?debug=1`), expvar
    /// `/debug/vars` JSON (one or many documents), `fmt.Printf("%+v", m)` and hand-written
    /// prints (`Heap Alloc: 48 MiB`, `Alloc = 12 MiB`), detected automatically; a file may
    /// hold many snapshots. Exit status: 0 with snapshots, 1 without, 2 usage or I/O error.
    #[command(help_template = lead!("gclens memstats fixtures/memstats/go1.27/snapshots.vars.jsonl", "docs/commands/memstats.md"))]
    #[command(after_help = "Examples:\n  \
        while sleep 10; do curl -s localhost:6060/debug/vars; done > vars.json; gclens memstats vars.json\n  \
        gclens memstats heap-debug1.txt --format json\n  \
        gclens gc trace.log --memstats vars.json --chart heap.png")]
    Memstats(MemstatsArgs),
    /// Recommend GOGC and GOMEMLIMIT for a memory budget, with the predicted outcome.
    ///
    /// Measures live heap, GC roots, allocation rate and GC cost from the trace, predicts
    /// every setting with the GC guide's model, and picks GOMEMLIMIT = budget − headroom and
    /// the GOGC with the least GC CPU whose steady peak stays under 90% of that limit.
    /// Prints its arithmetic, a what-if table, warnings and env/Kubernetes/Go snippets.
    #[command(help_template = lead!("gclens advise fixtures/gctrace/go1.27/steady.log --budget 512Mi", "docs/commands/advise.md"))]
    #[command(after_help = "Examples:\n  \
        gclens advise trace.log --budget 512Mi\n  \
        gclens advise trace.log --budget auto --memstats vars.json --format json\n  \
        gclens advise trace.log --budget 1GiB --max-gc-cpu 5")]
    Advise(AdviseArgs),
    /// Sit in a pipe: pass the program's own output through, keep the GC trace, report.
    ///
    /// Every line that is not a runtime trace line goes to stdout byte for byte, at once.
    /// A live status line shows on stderr when it is a terminal. At end of input, or on
    /// SIGINT/SIGTERM, the `gclens gc` report goes to stderr and the requested files are
    /// written; a second Ctrl-C exits at once. Exit status: 0 with cycles, 1 without, 2
    /// usage or I/O error.
    #[command(help_template = lead!("GODEBUG=gctrace=1 ./app 2>&1 | gclens watch -o heap.png", "docs/commands/watch.md"))]
    #[command(after_help = "Examples:\n  \
        GODEBUG=gctrace=1 ./app 2>&1 | gclens watch\n  \
        GODEBUG=gctrace=1 ./app 2>&1 | gclens watch -o heap.png --json gc.json | tee app.log\n  \
        kubectl logs -f pod/api | gclens watch --quiet --csv cycles.csv")]
    Watch(WatchArgs),
    /// Run a program with GODEBUG=gctrace=1 and watch its stderr.
    ///
    /// stdin and stdout are the program's; its stderr is split as in `watch` (its own
    /// lines go to our stderr byte for byte). gctrace=1 is added to the GODEBUG you already
    /// have, replacing only an existing gctrace value. Signals sent to gclens are passed to
    /// the program; gclens waits for it and exits with its exit code (128 + signal when
    /// it was killed by one).
    #[command(help_template = lead!("gclens run --budget 512Mi -o heap.png -- ./app", "docs/commands/run.md"))]
    #[command(after_help = "Examples:\n  \
        gclens run -- ./server -addr :8080\n  \
        gclens run --scavtrace --budget 512Mi -o heap.png -- go test -run TestLoad ./...")]
    Run(Box<RunArgs>),
    /// Report on escape analysis: what goes to the heap and why; annotate code review.
    ///
    /// Reads `go build -gcflags=-m` or `-m=2` output of any Go version (text, or the
    /// `go build -json` wrapper), or the compiler's `-gcflags=-json=0,file:///DIR`
    /// directory (give the directory). Exact repeats are merged and counted; `-m=2`
    /// explanations are attached to the line they explain. Review formats (sarif, github,
    /// rdjsonl, codequality, markdown) show heap findings inside the repository; text
    /// and json show every kind. Exit status: 0 with diagnostics, 1 without, 2 usage or
    /// I/O error. `gclens escape diff BASE HEAD` compares two builds.
    #[command(help_template = lead!("go build -gcflags=-m=2 ./... 2> escape.txt; gclens escape escape.txt", "docs/commands/escape.md"))]
    #[command(after_help = "Examples:\n  \
        go build -gcflags=-m=2 ./... 2> escape.txt; gclens escape escape.txt\n  \
        go build -gcflags=-m ./... 2>&1 | gclens escape --format sarif -o escape.sarif\n  \
        gclens escape escape.txt --format github --changed <(git diff -U0 origin/main...)\n  \
        gclens escape diff base.txt head.txt --fail-on-new\n\n\
        Kinds: moved_to_heap escapes_to_heap does_not_escape leaking_param\n  \
        leaking_param_content leaking_param_to_result leaking_closure_ref captured_by_ref\n  \
        captured_by_value unsafe_uintptr self_assignment zero_copy can_inline cannot_inline\n  \
        inlining_call big_function devirtualized cannot_devirtualize bounds_check_elided\n  \
        bounds_check nil_check other  (heap = the first five that allocate; all = every kind)")]
    Escape(Box<EscapeCmd>),
    /// Name the allocation sites that grow across a series of heap profiles.
    ///
    /// Reads runtime/pprof heap (or allocs) profiles, oldest first, detected by content:
    /// gzipped protobuf (`curl -o heap1.pb.gz localhost:6060/debug/pprof/heap`,
    /// pprof.WriteHeapProfile), plain protobuf, or the debug=1 text (unsampled as pprof
    /// does). A site is the allocating function; each gets its figures in every profile,
    /// its growth and a verdict (growing, jumped, steady, shrinking, transient), and the
    /// series a leak verdict naming the growing sites. Exit status: 0 with a report, 1
    /// when the profiles hold no sample, 2 for usage or I/O errors and unreadable profiles.
    #[command(help_template = lead!("gclens heap heap-1.pb.gz heap-2.pb.gz heap-3.pb.gz", "docs/commands/heap.md"))]
    #[command(after_help = "Examples:\n  \
        for i in 1 2 3 4 5; do curl -so heap$i.pb.gz localhost:6060/debug/pprof/heap; sleep 60; done\n  \
        gclens heap heap1.pb.gz heap2.pb.gz heap3.pb.gz heap4.pb.gz heap5.pb.gz\n  \
        gclens heap --base heap1.pb.gz heap5.pb.gz --flamegraph growth.svg\n  \
        gclens heap heap*.pb.gz --trace trace.log --format markdown")]
    Heap(HeapArgs),
    /// Group the goroutines of one or more dumps and name the groups that grow.
    ///
    /// Reads goroutine dumps, oldest first, detected by content: `?debug=1`
    /// (`goroutine profile: total N`), `?debug=2`, and crash or SIGQUIT tracebacks
    /// (GOTRACEBACK=all), also inside a log. Goroutines with the same top user frame,
    /// state and creator are one group; each gets its count in every dump, its longest
    /// wait, growth, a verdict (growing, steady, shrinking) and what its state means.
    /// Exit status: 0 with a report, 2 for usage or I/O errors and files with no dump.
    #[command(help_template = lead!("gclens goroutines goroutine-1.txt goroutine-2.txt goroutine-3.txt", "docs/commands/goroutines.md"))]
    #[command(after_help = "Examples:\n  \
        for i in 1 2 3; do curl -so g$i.txt 'localhost:6060/debug/pprof/goroutine?debug=2'; sleep 60; done\n  \
        gclens goroutines g1.txt g2.txt g3.txt\n  \
        gclens goroutines crash.log --format markdown\n  \
        gclens goroutines g*.txt --trace trace.log --format json")]
    Goroutines(GoroutinesArgs),
    /// One verdict from everything an incident left: is memory leaking, where, why on
    /// the heap, what to set, what evidence is missing.
    ///
    /// Point it at a capture directory or any mix of files: gctrace logs, heap profiles,
    /// goroutine dumps and leak profiles, MemStats dumps and escape analysis output,
    /// recognised by content. Snapshots are ordered by their own times (else the number
    /// in their names); files of another program or the same snapshot twice are set
    /// aside and listed. Exit status: 0 with a report (1 with --fail-on and that
    /// verdict), 1 when no file held evidence, 2 for usage or I/O errors.
    #[command(help_template = lead!("gclens report fixtures/incident/go1.27/plain --budget 512Mi", "docs/commands/report.md"))]
    #[command(after_help = "Examples:\n  \
        gclens report incident/\n  \
        gclens report incident/ --budget 2Gi --format markdown > report.md\n  \
        gclens report gctrace.log heap-*.pb.gz goroutine-*.txt escape.txt --fail-on leak")]
    Report(ReportArgs),
    /// Capture a live service's evidence on a schedule: heap profiles, goroutine dumps,
    /// goroutine leak profiles, /debug/vars.
    ///
    /// At every tick it asks the service's net/http/pprof and expvar endpoints and keeps
    /// each response whole and checked (a gzipped profile, a debug=2 dump, expvar's
    /// JSON) in DIR, with a manifest (manifest.json, gclens.capture/v1: every file's
    /// snapshot, times, status, size and SHA-256; every gap and why) that `gclens
    /// report` orders snapshots by. A directory holding a capture is continued. Ctrl-C
    /// or SIGTERM removes the file being fetched and leaves the manifest valid. Exit
    /// status: 0 when everything asked was kept, 2 when the capture could not start or
    /// had gaps, 130/143 after Ctrl-C/SIGTERM.
    #[command(help_template = lead!("gclens capture 127.0.0.1:6060 -o incident/ --every 30s --for 10m", "docs/commands/capture.md"))]
    #[command(after_help = "Examples:\n  \
        gclens capture 127.0.0.1:6060 -o incident/ --every 30s --for 10m\n  \
        gclens capture https://svc.example/admin/debug/pprof/ -o incident/ --count 6 \\\n      \
        --header 'Authorization: Bearer TOKEN' --cacert ca.pem --profiles allocs,mutex\n  \
        gclens report incident/ --budget 2Gi")]
    Capture(CaptureArgs),
    /// The leak and settings verdict of every Go instance a Prometheus scrapes.
    ///
    /// Asks the Prometheus HTTP API (Thanos, Mimir and VictoriaMetrics answer the same)
    /// for each instance's live heap (gclens_heap_live_bytes from `gclens run --metrics`,
    /// else the heap goal over 1 + GOGC/100 from client_golang's Go collector, else the
    /// heap in use), goroutines, GOGC and GOMEMLIMIT in force and its container's memory
    /// limit; judges the live-heap trend by the rule of `gclens gc` and flags the
    /// settings. Instances are asked a batch at a time. Exit status: 0 with a table (1
    /// with --fail-on and that verdict), 1 when no Go instance matched, 2 for usage, I/O
    /// or Prometheus errors.
    #[command(help_template = lead!("gclens fleet --prometheus http://prometheus:9090 --match '{namespace=\"shop\"}'", "docs/commands/fleet.md"))]
    #[command(after_help = "Examples:\n  \
        gclens fleet --prometheus http://prometheus:9090\n  \
        gclens fleet --prometheus http://prometheus:9090 --match '{namespace=\"shop\"}' --range 24h\n  \
        gclens fleet --prometheus https://mimir.example/prometheus --header 'X-Scope-OrgID: team' \\\n      \
        --format json --fail-on leak")]
    Fleet(FleetArgs),
    /// Print a manual page (roff), or write them all into a directory.
    ///
    /// Generated from this command line's own help. `gclens man` is gclens(1), `gclens man
    /// gc` is gclens-gc(1); `--dir` writes every page (gclens.1, gclens-gc.1, …).
    #[command(help_template = lead!("gclens man --dir /usr/local/share/man/man1", "docs/install.md"))]
    #[command(after_help = "Examples:\n  \
        gclens man | man -l -\n  \
        gclens man advise | man -l -\n  \
        sudo gclens man --dir /usr/local/share/man/man1")]
    Man {
        /// The command whose page to print (default: the overview, gclens(1)).
        command: Option<String>,
        /// Write every page into this directory instead.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        dir: Option<String>,
    },
    /// Print a shell completion script.
    #[command(help_template = lead!("gclens completions bash > /etc/bash_completion.d/gclens", "docs/install.md"))]
    #[command(after_help = "Example:\n  gclens completions bash > /etc/bash_completion.d/gclens")]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// `gclens gc --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GcOutput {
    /// KPI table and findings for people.
    Text,
    /// The `gclens.gc/v1` document: summary, segments, cycles, events, skipped.
    Json,
    /// One row per cycle.
    Csv,
}

/// `gclens memstats --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemstatsOutput {
    /// The snapshot table and the derived figures, for people.
    Text,
    /// The `gclens.memstats/v1` document: snapshots with Go's field names, derived
    /// figures, the pause history, a summary.
    Json,
    /// One row per snapshot, Go's MemStats field names as columns.
    Csv,
}

/// `gclens advise --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdviseOutput {
    /// The advice, its arithmetic, the what-if table, warnings and snippets.
    Text,
    /// The `gclens.advice/v2` document: advice, prediction, inputs, what-if, warnings.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct GcArgs {
    /// Trace files; `-` or none reads stdin. Several files are read in the order given.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GcOutput::Text)]
    pub format: GcOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Never show a progress bar (it is shown only for big files on a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Also draw the chart to this file (PNG, or SVG when it ends in .svg).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<String>,
    /// A CI gate: exit 1 (after writing everything) when a finding is at least this
    /// severe: `alert` (a likely leak…) or `warn` (also possible growth, thrashing…).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// MemStats dumps of the same run, joined to the cycles by GC number (repeatable).
    #[arg(long, value_name = "FILE")]
    pub memstats: Vec<String>,
    #[command(flatten)]
    pub chart_opts: ChartArgs,
}

#[derive(Debug, clap::Args)]
pub struct AdviseArgs {
    /// Trace files; `-` or none reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// The container's memory: 512MiB, 1GiB, bytes (Go), 512Mi, 1Gi, 1G, 500M (Kubernetes),
    /// or `auto` for this process's cgroup limit: the cgroup named in
    /// ROOT/proc/self/cgroup, its ROOT/sys/fs/cgroup/…/memory.max (v2) or
    /// ROOT/sys/fs/cgroup/memory/…/memory.limit_in_bytes (v1) and its ancestors'; the
    /// smallest binds.
    #[arg(long, value_name = "SIZE|auto", value_parser = budget_arg)]
    pub budget: Budget,
    /// Where `--budget auto` reads the cgroup tree from (a container's root mounted
    /// elsewhere, a copy for tests).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub cgroup_root: std::path::PathBuf,
    /// Share of the budget left for memory the runtime does not manage (cgo, mmap, the binary).
    #[arg(long, default_value_t = 0.10)]
    pub headroom: f64,
    /// An objective: the most GC CPU (percent) you accept.
    #[arg(long, value_name = "PCT")]
    pub max_gc_cpu: Option<f64>,
    /// The GOGC the trace was taken under (default: read from the pacer's behaviour).
    #[arg(long, value_name = "N")]
    pub current_gogc: Option<f64>,
    /// MemStats dumps of the same run, for the memory outside the heap.
    #[arg(long, value_name = "FILE")]
    pub memstats: Vec<String>,
    /// What kind of program it is: `paced` (a fixed request rate: GC/s and GC CPU % at
    /// the trace's allocation rate hold) or `batch` (CPU-bound work whose run time
    /// matters: its allocation rate changes with GOGC, so the advice also gives the
    /// change in GC CPU time for the same work).
    #[arg(long, value_enum, default_value_t = WorkloadArg::Paced)]
    pub workload: WorkloadArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AdviseOutput::Text)]
    pub format: AdviseOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct MemstatsArgs {
    /// Dump files; `-` or none reads stdin. Several files are one series, in the order given.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = MemstatsOutput::Text)]
    pub format: MemstatsOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// The most an input may hold, read or inflated from gzip, and what decoding it may
    /// allocate: a bigger one is refused, naming the file (512MiB, 2GiB, …).
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = size_arg)]
    pub max_input: u64,
}

#[derive(Debug, clap::Args)]
pub struct ChartCmd {
    /// Trace files; `-` or none reads stdin.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// The image to write: PNG, or SVG when the name ends in .svg; `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    #[command(flatten)]
    pub chart_opts: ChartArgs,
    /// MemStats dumps of the same run: the heap panel gains Sys − HeapReleased and
    /// HeapInuse, joined by GC number (repeatable).
    #[arg(long, value_name = "FILE")]
    pub memstats: Vec<String>,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// Chart settings shared by `gclens chart` and `gclens gc --chart`.
#[derive(Debug, Clone, clap::Args)]
pub struct ChartArgs {
    /// Draw the memory budget (container limit) as a line: 512MiB, 1GiB, 512Mi, 1G, bytes.
    #[arg(long, value_name = "SIZE", value_parser = size_arg)]
    pub budget: Option<u64>,
    /// Draw GOMEMLIMIT as a line, same syntax.
    #[arg(long, value_name = "SIZE", value_parser = size_arg)]
    pub limit: Option<u64>,
    /// Image size in pixels, WIDTHxHEIGHT (640x400 to 10000x10000).
    #[arg(long, value_name = "WxH", default_value = "1600x1000", value_parser = dims_arg)]
    pub size: (u32, u32),
    /// Image width in pixels (overrides --size's).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(640..=10_000))]
    pub width: Option<u32>,
    /// Image height in pixels (overrides --size's).
    #[arg(long, value_name = "PX", value_parser = clap::value_parser!(u32).range(400..=10_000))]
    pub height: Option<u32>,
    /// Draw only from this time on: seconds since the trace's start, or with a unit
    /// (90, 90s, 2.5min, 1h).
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    pub from: Option<f64>,
    /// Draw only up to this time, same syntax.
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    pub to: Option<f64>,
    /// Panels to draw, top to bottom.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "heap,cpu,pause"
    )]
    pub panels: Vec<PanelArg>,
}

/// `--fail-on`: the least severe finding that fails the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Warn,
    Alert,
}

/// `advise --workload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkloadArg {
    Paced,
    Batch,
}

/// `--budget`: a size (and how the user wrote it, as a Kubernetes quantity), or `auto`
/// for this process's cgroup limit (read by the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    Bytes(u64, String),
    Auto,
}

fn budget_arg(s: &str) -> Result<Budget, String> {
    if s == "auto" {
        Ok(Budget::Auto)
    } else {
        let n = size_arg(s)?;
        Ok(Budget::Bytes(n, crate::units::k8s_quantity(s, n)))
    }
}

fn size_arg(s: &str) -> Result<u64, String> {
    crate::units::parse_size(s)
}

/// A time: seconds, or a number with `s`, `min`/`m` or `h`.
fn time_arg(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a time such as 90, 90s, 2.5min or 1h"))?;
    let per = match unit.trim() {
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        u => return Err(format!("{s:?}: unknown unit {u:?} (s, min or h)")),
    };
    Ok(v * per)
}

fn dims_arg(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{s:?}: expected WIDTHxHEIGHT, e.g. 1600x1000"))?;
    let n = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("{s:?}: expected WIDTHxHEIGHT, e.g. 1600x1000"))
    };
    let (w, h) = (n(w)?, n(h)?);
    if !(640..=10_000).contains(&w) || !(400..=10_000).contains(&h) {
        return Err(format!(
            "{s:?}: width must be 640 to 10000 pixels and height 400 to 10000 (smaller leaves no room to read)"
        ));
    }
    Ok((w, h))
}
