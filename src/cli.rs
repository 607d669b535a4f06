//! The command line (clap derive). The doc comments here are the help text.

use clap::{Parser, Subcommand, ValueEnum};

/// Turns the Go runtime's memory diagnostics into answers.
///
/// Reads GODEBUG=gctrace=1 output of any Go release (with scavtrace, gcpacertrace and
/// gctrace=2 lines, behind log prefixes, mixed with the program's own output) and
/// reports GC KPIs, the live-heap trend and what they mean.
#[derive(Debug, Parser)]
#[command(name = "gclens", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report on a GC trace: KPI table and findings, or the timeline as JSON/CSV.
    ///
    /// Capture a trace with `GODEBUG=gctrace=1 ./app 2> trace.log` (add scavtrace=1,
    /// gcpacertrace=1 for more events). Exit status: 0 with results, 1 when the input
    /// held no gc line, 2 for usage or I/O errors.
    #[command(after_help = "Examples:\n  \
        gclens gc trace.log\n  \
        GODEBUG=gctrace=1 ./app 2>&1 >/dev/null | gclens gc\n  \
        kubectl logs --timestamps pod/api | gclens gc - --format json > gc.json\n  \
        gclens gc old.log new.log --format csv -o cycles.csv")]
    Gc(GcArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  gclens completions bash > /etc/bash_completion.d/gclens")]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GcFormatArg {
    /// KPI table and findings for people.
    Text,
    /// The `gclens.gc/v1` document: summary, segments, cycles, events, skipped.
    Json,
    /// One row per cycle.
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct GcArgs {
    /// Trace files; `-` or none reads stdin. Several files are read as one timeline in
    /// the order given.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = GcFormatArg::Text)]
    pub format: GcFormatArg,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Never show a progress bar (it is shown only for big files on a terminal).
    #[arg(long)]
    pub no_progress: bool,
}
