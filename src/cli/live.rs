//! The arguments of the live commands, `watch` and `run`: what they forward, the files
//! and metrics they write at the end or while the session runs, and `run`'s program,
//! trace saving and incident capture. The chart's own options are `ChartArgs` in mod.rs.

use super::{CaptureSchedule, ChartArgs, FailOn};

/// Outputs and forwarding shared by `watch` and `run`.
#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// A CI gate on the end report: exit 1 when a finding is at least this severe
    /// (`run` keeps the program's own non-zero status).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Forward the runtime's trace lines too.
    #[arg(long, conflicts_with = "quiet")]
    pub tee: bool,
    /// Forward nothing.
    #[arg(long)]
    pub quiet: bool,
    /// At the end, draw the chart to this file (PNG, or SVG when it ends in .svg).
    #[arg(short = 'o', long = "chart", value_name = "FILE")]
    pub chart: Option<String>,
    /// At the end, write the timeline as JSON (schema gclens.gc/v1) to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// At the end, write one CSV row per cycle to this file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,
    /// Never draw the live status line (it is drawn only when stderr is a terminal).
    #[arg(long)]
    pub no_status: bool,
    /// Serve the traced program's GC as Prometheus metrics at http://ADDR/metrics while
    /// the session runs: `:9464` (every interface), `127.0.0.1:9464`, port 0 picks one
    /// (the address is printed on stderr). OpenMetrics when the scraper asks for it.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Constant labels on every metric: `service=api,pod=api-7d9f` (names of letters,
    /// digits and `_`, not starting with a digit or `__`).
    #[arg(long, value_name = "K=V,…", value_parser = labels_arg, requires = "metrics")]
    pub metrics_labels: Option<Labels>,
    #[command(flatten)]
    pub chart_opts: ChartArgs,
}

/// `--metrics-labels`: name=value pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels(pub Vec<(String, String)>);

fn labels_arg(s: &str) -> Result<Labels, String> {
    let mut out: Vec<(String, String)> = vec![];
    for pair in s.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?}: a label is name=value"))?;
        let name_ok = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with("__");
        if !name_ok {
            return Err(format!(
                "{k:?}: a label name is letters, digits and _, not starting with a digit or __"
            ));
        }
        if out.iter().any(|(n, _)| n == k) {
            return Err(format!("{k:?}: given twice"));
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(Labels(out))
}

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Also set scavtrace=1 (scavenger lines).
    #[arg(long)]
    pub scavtrace: bool,
    /// Also set gcpacertrace=1 (pacer lines).
    #[arg(long)]
    pub pacertrace: bool,
    /// Save the program's stderr, byte for byte, to FILE, with the kernel scheduler's view
    /// of its threads each second between its lines (`gclens: cpu …`: time on a CPU and
    /// time waiting for one). `gclens advise FILE` then tells GC CPU time from time GC
    /// workers held a P while descheduled: a trace from a busy machine advises as one
    /// from a quiet machine would.
    #[arg(long, value_name = "FILE", conflicts_with = "capture")]
    pub save: Option<String>,
    /// Capture an incident record into DIR: the program's stderr (as --save writes it)
    /// and, on the --every schedule, its net/http/pprof and /debug/vars at --pprof, with
    /// a manifest, as `gclens capture` does. `gclens report DIR` reads it all.
    #[arg(long, value_name = "DIR", requires = "pprof")]
    pub capture: Option<std::path::PathBuf>,
    /// Where the program serves net/http/pprof: `:6060`, `127.0.0.1:6060`, a URL.
    #[arg(long, value_name = "ADDR", requires = "capture")]
    pub pprof: Option<String>,
    #[command(flatten, next_help_heading = "Capture (with --capture)")]
    pub capture_schedule: CaptureSchedule,
    // a heading of their own: clap would list them under the one above
    #[command(flatten, next_help_heading = "Report, files and metrics")]
    pub live: LiveArgs,
    /// The program and its arguments, after `--`.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROGRAM"
    )]
    pub command: Vec<String>,
}
