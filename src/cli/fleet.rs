//! `gclens fleet`'s command line: which Prometheus, which instances, which range.

use clap::ValueEnum;

/// `gclens fleet --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetOutput {
    /// The ranked table, worst first, for people.
    Text,
    /// The same table for an issue or a chat.
    Markdown,
    /// The `gclens.fleet/v1` document: every instance with its figures and flags.
    Json,
    /// One row per instance.
    Csv,
}

/// `gclens fleet --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetGate {
    /// Exit 1 when an instance's live heap likely leaks.
    Leak,
    /// Exit 1 when an instance leaks or its settings are flagged (no GOMEMLIMIT under
    /// a container limit, GOMEMLIMIT above it, heap thrashing near it).
    Settings,
}

/// `--budget-from`: what each instance's memory is measured against.
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetFrom {
    /// The container's limit as cAdvisor or kube-state-metrics export it.
    Limits,
    /// One size for every instance.
    Bytes(u64),
}

fn budget_from_arg(s: &str) -> Result<BudgetFrom, String> {
    if s == "limits" {
        return Ok(BudgetFrom::Limits);
    }
    super::size_arg(s)
        .map(BudgetFrom::Bytes)
        .map_err(|e| format!("{e} (or `limits`: each container's memory limit)"))
}

#[derive(Debug, clap::Args)]
#[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub action: Option<FleetAction>,
    /// The Prometheus (or Thanos, Mimir, VictoriaMetrics) to ask: its base URL, as in
    /// `http://prometheus:9090` (the HTTP API is under /api/v1).
    #[arg(long, value_name = "URL", required = true)]
    pub prometheus: Option<String>,
    /// Which instances, as a PromQL label matcher: `{job=~"api.*"}`,
    /// `{namespace="shop"}`. Every Go instance by default.
    #[arg(long = "match", value_name = "SELECTOR", default_value = "{}")]
    pub selector: String,
    /// How far back to look: 7d, 24h, 90m.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = super::duration_arg)]
    pub range: std::time::Duration,
    /// The resolution of the range queries: 1m, 5m.
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = super::duration_arg)]
    pub step: std::time::Duration,
    /// The end of the range: Unix seconds or RFC 3339 (`2026-12-01T00:00:00Z`); now by
    /// default.
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    pub end: Option<f64>,
    /// What memory is measured against: `limits` (each container's limit, from
    /// cAdvisor's container_spec_memory_limit_bytes or kube-state-metrics), or one size
    /// for all (2Gi, 512MiB).
    #[arg(long, value_name = "limits|SIZE", default_value = "limits", value_parser = budget_from_arg)]
    pub budget_from: BudgetFrom,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FleetOutput::Text)]
    pub format: FleetOutput,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
    /// Instances listed in the text and Markdown tables (all are in JSON and CSV).
    #[arg(long, default_value_t = 30)]
    pub top: usize,
    /// A scheduled job's gate: exit 1 (after writing the table) when an instance has
    /// this verdict.
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub fail_on: Option<FleetGate>,
    /// A request header, `Name: value` (repeatable): `--header 'Authorization: Bearer …'`.
    /// Sent with every request, never printed.
    #[arg(long = "header", value_name = "HEADER", value_parser = super::header_arg)]
    pub headers: Vec<(String, String)>,
    /// Trust the certificates in this PEM file for HTTPS instead of the system's roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// The most one query may take.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = super::duration_arg)]
    pub timeout: std::time::Duration,
    /// The most one answer may hold: a bigger one is an error naming the limit (a
    /// smaller --batch or a coarser --step makes answers smaller).
    #[arg(long, value_name = "SIZE", default_value = "512MiB", value_parser = super::size_arg)]
    pub max_input: u64,
    /// Instances asked about in one query (smaller: smaller answers, more queries).
    #[arg(long, value_name = "N", default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Do not show the progress bar over instances.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum FleetAction {
    /// Prometheus recording and alerting rules that make the same checks continuously.
    ///
    /// Recorded: each instance's live heap (the best series it has), its floor per hour
    /// and the floor's slope, R², start and growth over the window; the goroutines' the
    /// same way. Alerts: GoLiveHeapLeak and GoLiveHeapGrowing (the thresholds of
    /// `gclens gc`'s leak verdict), GoGoroutineLeak, GoNoMemoryLimit,
    /// GoMemoryLimitAboveContainerLimit, GoLiveHeapNearMemoryLimit. Load the file with
    /// `rule_files:`; check it with `promtool check rules`.
    #[command(help_template = lead!("gclens fleet rules -o gclens-rules.yml", "docs/commands/fleet.md"))]
    #[command(after_help = "Examples:\n  \
        gclens fleet rules > gclens-rules.yml && promtool check rules gclens-rules.yml\n  \
        gclens fleet rules --match '{namespace=\"shop\"}' --window 12h --for 30m -o shop.yml")]
    Rules(FleetRulesArgs),
}

#[derive(Debug, clap::Args)]
pub struct FleetRulesArgs {
    /// Which instances, as a PromQL label matcher: `{job=~"api.*"}`. Every Go instance
    /// by default.
    #[arg(long = "match", value_name = "SELECTOR", default_value = "{}")]
    pub selector: String,
    /// The window each trend is fitted over: 24h, 12h, 7d.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = super::duration_arg)]
    pub window: std::time::Duration,
    /// How long a condition holds before its alert fires.
    #[arg(long = "for", value_name = "DURATION", default_value = "1h", value_parser = super::duration_arg)]
    pub for_: std::time::Duration,
    /// Write to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// Unix seconds, or an RFC 3339 time.
fn time_arg(s: &str) -> Result<f64, String> {
    if let Ok(t) = s.parse::<f64>() {
        return Ok(t);
    }
    humantime::parse_rfc3339_weak(s)
        .map_err(|e| format!("{s:?}: {e} (Unix seconds, or a time such as 2026-12-01T00:00:00Z)"))
        .and_then(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .map_err(|_| format!("{s:?}: before 1970"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_budgets_as_written() {
        assert_eq!(time_arg("1764547200").unwrap(), 1_764_547_200.0);
        assert_eq!(time_arg("2025-12-01T00:00:00Z").unwrap(), 1_764_547_200.0);
        assert!(time_arg("yesterday").is_err());
        assert_eq!(budget_from_arg("limits").unwrap(), BudgetFrom::Limits);
        assert_eq!(budget_from_arg("2Gi").unwrap(), BudgetFrom::Bytes(2 << 30));
        assert!(budget_from_arg("lots").unwrap_err().contains("limits"));
    }
}
