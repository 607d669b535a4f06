//! `gclens escape` and `gclens escape diff`: their arguments and formats.

use clap::{Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EscapeCmd {
    #[command(subcommand)]
    pub sub: Option<EscapeSub>,
    #[command(flatten)]
    pub args: EscapeArgs,
}

#[derive(Debug, Subcommand)]
pub enum EscapeSub {
    /// Compare two builds: heap allocations the head adds and removes.
    ///
    /// Diagnostics are matched by file, function, kind and expression, so lines that
    /// only moved are not reported as changes. BASE and HEAD are files (text or
    /// `go build -json`) or logopt directories. Exit status: 0, or 1 with --fail-on-new
    /// when the head adds heap allocations; 2 usage or I/O error.
    #[command(help_template = lead!(
        "gclens escape diff base.txt head.txt --fail-on-new",
        "docs/commands/escape.md"
    ))]
    #[command(after_help = "Example:\n  \
        git stash; go build -gcflags=-m ./... 2> base.txt; git stash pop\n  \
        go build -gcflags=-m ./... 2> head.txt\n  \
        gclens escape diff base.txt head.txt --fail-on-new --format markdown")]
    Diff(EscapeDiffArgs),
}

/// `gclens escape --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EscapeOutput {
    /// Totals, rankings and each heap allocation with its reason.
    Text,
    /// The `gclens.escape/v1` document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the PR).
    Github,
    /// reviewdog diagnostics, one JSON per line (`reviewdog -f=rdjsonl`).
    Rdjsonl,
    /// GitLab Code Quality report.
    Codequality,
    /// A Markdown summary for a PR comment.
    Markdown,
}

/// `gclens escape diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffOutput {
    /// New and removed heap allocations, for people.
    Text,
    /// The `gclens.escape-diff/v1` document: added, removed, unchanged, moved.
    Json,
    /// SARIF 2.1.0 of the new allocations, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands on the new allocations.
    Github,
    /// reviewdog diagnostics on the new allocations (`reviewdog -f=rdjsonl`).
    Rdjsonl,
    /// GitLab Code Quality report of the new allocations.
    Codequality,
    /// A Markdown PR comment: what the change adds and removes.
    Markdown,
}

/// How loud review annotations are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Note,
    Warning,
    Error,
}

/// A chart panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PanelArg {
    /// Heap before/after/live, goal, stacks+globals, budget and limit lines.
    Heap,
    /// GC CPU: cumulative as printed, and over a trailing second from the cpu phases.
    Cpu,
    /// Stop-the-world pause per cycle, with p99 and max.
    Pause,
}

/// Where the paths the compiler printed are, relative to the repository.
#[derive(Debug, Clone, clap::Args)]
pub struct EscapePaths {
    /// Repository root: every output's paths are relative to it (default: the
    /// directory with `.git` at or above the build directory, else the current
    /// directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Directory `go build` ran in; relative paths are relative to it (default: the
    /// current directory).
    #[arg(long, value_name = "DIR")]
    pub build_dir: Option<PathBuf>,
    /// Remove this literal prefix from paths (a CI checkout path, a module path);
    /// repeatable.
    #[arg(long, value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,
    /// Which kinds to show, comma-separated (`heap`, `all`, or kind names). Default:
    /// heap for review formats, all for text and json.
    #[arg(long, value_name = "LIST")]
    pub kinds: Option<String>,
    /// Level of review annotations.
    #[arg(long, value_enum, default_value_t = LevelArg::Note)]
    pub level: LevelArg,
}

#[derive(Debug, clap::Args)]
pub struct EscapeArgs {
    /// Compiler output files; `-` or none reads stdin; a directory is read as a logopt
    /// directory.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// A `-gcflags=-json=0,file:///DIR` directory; repeatable.
    #[arg(long, value_name = "DIR")]
    pub logopt: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = EscapeOutput::Text)]
    pub format: EscapeOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Keep only diagnostics on lines this unified diff adds or changes (`git diff -U0
    /// main...`).
    #[arg(long, value_name = "FILE.diff")]
    pub changed: Option<String>,
    /// Rows per ranking in the text report.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub paths: EscapePaths,
}

#[derive(Debug, clap::Args)]
pub struct EscapeDiffArgs {
    /// The build before the change.
    pub base: String,
    /// The build after the change.
    pub head: String,
    /// Exit 1 when the head adds heap allocations.
    #[arg(long)]
    pub fail_on_new: bool,
    /// Output format (review formats annotate the new allocations).
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Text)]
    pub format: DiffOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    #[command(flatten)]
    pub paths: EscapePaths,
}
