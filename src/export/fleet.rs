//! `gclens fleet` for machines: the `gclens.fleet/v1` JSON document (the counts, then
//! every instance worst first with its labels, verdict, trend, settings and flags) and
//! CSV, one row per instance, for a spreadsheet or a scheduled job's history.

use crate::analyze::fleet::FleetReport;
use crate::output::Format;
use std::io::Write;

pub struct FleetJson;

impl Format<FleetReport> for FleetJson {
    fn write(&self, r: &FleetReport, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut *out, r)?;
        writeln!(out)?;
        Ok(())
    }
}

pub struct FleetCsv;

const HEADER: [&str; 24] = [
    "job",
    "instance",
    "namespace",
    "pod",
    "container",
    "verdict",
    "live_source",
    "live_start_mib",
    "live_end_mib",
    "live_slope_mib_per_h",
    "live_r2",
    "goroutines_first",
    "goroutines_last",
    "goroutines_growing",
    "gogc",
    "gomemlimit_bytes",
    "container_limit_bytes",
    "budget_bytes",
    "hours_to_budget",
    "gc_pause_max_ms",
    "gc_pause_mean_ms",
    "gc_per_min",
    "gc_cpu_pct",
    "flags",
];

impl Format<FleetReport> for FleetCsv {
    fn write(&self, r: &FleetReport, out: &mut dyn Write) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        let n = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
        for v in &r.verdicts {
            let l = |k: &str| v.labels.get(k).cloned().unwrap_or_default();
            let t = v.trend.as_ref();
            let g = v.goroutines.as_ref();
            let verdict = serde_json::to_value(v.leak.verdict)?;
            w.write_record([
                l("job"),
                l("instance"),
                l("namespace"),
                l("pod"),
                l("container"),
                verdict.as_str().unwrap_or("").to_string(),
                v.live_source
                    .map_or(String::new(), |s| s.label().to_string()),
                n(t.map(|t| t.start_mib)),
                n(t.map(|t| t.end_mib)),
                n(t.map(|t| t.slope_mib_per_min * 60.0)),
                n(t.map(|t| t.r2)),
                n(g.map(|g| g.first)),
                n(g.map(|g| g.last)),
                g.map_or(String::new(), |g| g.growing.to_string()),
                n(v.gogc),
                n(v.gomemlimit_bytes),
                n(v.container_limit_bytes),
                n(v.budget_bytes),
                n(v.hours_to_budget),
                n(v.gc.pause_max_s.map(|s| s * 1000.0)),
                n(v.gc.pause_mean_s.map(|s| s * 1000.0)),
                n(v.gc.cycles_per_min),
                n(v.gc.cpu_ratio.map(|r| r * 100.0)),
                v.flags.iter().map(|f| f.code).collect::<Vec<_>>().join(" "),
            ])?;
        }
        w.flush()?;
        Ok(())
    }
}
