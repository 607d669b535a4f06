//! `gclens report`'s command line.

use clap::ValueEnum;

/// `gclens report --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// The verdict paragraph, then the six answers with their evidence, for people.
    Text,
    /// The same for a pull request, an issue or a chat: under 65,536 characters, the
    /// details folded.
    Markdown,
    /// The `gclens.report/v1` document: `verdict` (with its findings) first, then every
    /// section.
    Json,
}

/// `gclens report --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportGate {
    /// Exit 1 when the verdict is `leaking`.
    Leak,
    /// Exit 1 when it is `leaking` or `possibly leaking`.
    PossibleLeak,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Files and directories, any mix: gctrace logs, heap profiles, goroutine dumps and
    /// leak profiles, MemStats dumps (/debug/vars, debug=1), escape analysis output
    /// (`-gcflags=-m`, `-m=2`, logopt files). Recognised by content; directories are read
    /// whole, in name order.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportOutput::Text)]
    pub format: ReportOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Also write the report as one self-contained HTML page (inline CSS and SVG, no
    /// script, nothing fetched): the heap timeline, sparklines, the growth flame graph.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<String>,
    /// The container's memory budget: GOGC/GOMEMLIMIT advice and the time until the
    /// leak reaches it (512MiB, 2Gi, bytes; `auto` reads this process's cgroup limit).
    #[arg(long, value_name = "SIZE|auto", value_parser = super::budget_arg)]
    pub budget: Option<super::Budget>,
    /// Growing sites and goroutine groups listed.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// A CI or alert gate: exit 1 (after writing the report) on this verdict.
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub fail_on: Option<ReportGate>,
    /// The most one input (other than a gctrace, which is mapped) may hold, read or
    /// inflated from gzip: a bigger one is set aside, naming the limit.
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = super::size_arg)]
    pub max_input: u64,
    /// The cgroup filesystem `--budget auto` reads (for tests and containers).
    #[arg(long, value_name = "DIR", default_value = "/", hide = true)]
    pub cgroup_root: std::path::PathBuf,
}
