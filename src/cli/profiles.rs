//! `gclens heap` and `gclens goroutines`: the "where" of a leak, their arguments and
//! formats.

use clap::ValueEnum;

/// `gclens heap --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeapOutput {
    /// The series, the top sites by growth, the leak verdict, for people.
    Text,
    /// The `gclens.heap/v1` document: profiles, every site with its figures per profile,
    /// growth and verdict, the leak verdict.
    Json,
    /// One row per site and profile.
    Csv,
    /// A summary and the top sites as a Markdown table (a PR or an incident ticket).
    Markdown,
}

/// A figure of a heap profile (named as in the profile: `inuse_space`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum SampleArg {
    /// Bytes in use (live at the last GC).
    InuseSpace,
    /// Objects in use.
    InuseObjects,
    /// Bytes allocated since the program started.
    AllocSpace,
    /// Objects allocated since the program started.
    AllocObjects,
}

#[derive(Debug, clap::Args)]
pub struct HeapArgs {
    /// Heap profiles, oldest first (`-` reads one from stdin).
    #[arg(value_name = "PROFILE", required = true)]
    pub files: Vec<String>,
    /// A profile to compare against (like pprof's -base): the series starts with it.
    #[arg(long, value_name = "FILE")]
    pub base: Option<String>,
    /// The figure sites are ranked and their growth measured by.
    #[arg(long, value_enum, default_value_t = SampleArg::InuseSpace)]
    pub sample: SampleArg,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = HeapOutput::Text)]
    pub format: HeapOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Sites listed in the text and Markdown reports.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// A CI gate: exit 1 (after writing everything) on a `likely_leak` verdict (`alert`),
    /// or also on `possible_growth` (`warn`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<super::FailOn>,
    /// Also draw a differential flame graph of the growth, first → last profile (SVG).
    #[arg(long, value_name = "FILE.svg")]
    pub flamegraph: Option<String>,
    /// A GC trace of the same run: its live-heap slope beside the growth the profiles explain.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<String>,
    /// The most an input may hold, read or inflated from gzip, and what decoding it may
    /// allocate: a bigger one is refused, naming the file (512MiB, 2GiB, …).
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = super::size_arg)]
    pub max_input: u64,
}

/// `gclens goroutines --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GoroutinesOutput {
    /// The dumps, the groups by growth and size, the leak verdict, for people.
    Text,
    /// The `gclens.goroutines/v1` document: dumps, groups with their count per dump,
    /// creator, state, wait, growth and verdict, the leak verdict.
    Json,
    /// One row per group and dump.
    Csv,
    /// A summary and the top groups as a Markdown table.
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct GoroutinesArgs {
    /// Goroutine dumps, oldest first (`-` reads one from stdin).
    #[arg(value_name = "DUMP", required = true)]
    pub files: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GoroutinesOutput::Text)]
    pub format: GoroutinesOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Groups listed in the text and Markdown reports.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// A CI gate: exit 1 (after writing everything) on a `likely_leak` verdict (`alert`),
    /// or also on `possible_growth` (`warn`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<super::FailOn>,
    /// A GC trace of the same run: its goroutine stacks (MiB, Go 1.18+) beside the counts.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<String>,
    /// The most an input may hold, read or inflated from gzip, and what decoding it may
    /// allocate: a bigger one is refused, naming the file (512MiB, 2GiB, …).
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = super::size_arg)]
    pub max_input: u64,
}
