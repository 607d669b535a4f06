//! `gclens memstats --format json|csv`: the `gclens.memstats/v1` document (snapshots with
//! Go's MemStats field names, derived figures, the pause history) and one CSV row per
//! snapshot.

use crate::analyze::memstats::MemReport;
use crate::model::memstats::U64_FIELDS;
use crate::output::Format;
use serde::Serialize;
use std::io::Write;

pub const SCHEMA: &str = "gclens.memstats/v1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    sources: &'a [String],
    #[serde(flatten)]
    report: &'a MemReport,
}

/// The `gclens.memstats/v1` document.
pub struct MemstatsJson;

impl Format<MemReport> for MemstatsJson {
    fn write(&self, r: &MemReport, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer(
            &mut *out,
            &Doc {
                schema: SCHEMA,
                sources: &r.sources,
                report: r,
            },
        )?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

/// One row per snapshot, Go's field names as columns.
pub struct MemstatsCsv;

impl Format<MemReport> for MemstatsCsv {
    fn write(&self, r: &MemReport, out: &mut dyn Write) -> anyhow::Result<()> {
        csv(r, out)
    }
}

fn csv(r: &MemReport, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = ["source", "shape", "line", "t_s", "approximate"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(U64_FIELDS.iter().map(|s| s.to_string()));
    header.extend(
        [
            "GCCPUFraction",
            "EnableGC",
            "DebugGC",
            "last_pause_ns",
            "alloc_rate_mib_s",
            "fragmentation_bytes",
            "limit_counted_bytes",
            "non_heap_bytes",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    w.write_record(&header)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    for p in &r.points {
        let s = &p.snapshot.stats;
        let mut row = vec![
            p.source.clone(),
            serde_json::to_value(p.snapshot.shape)?
                .as_str()
                .unwrap_or("")
                .to_string(),
            p.snapshot.line.to_string(),
            opt(p.t_s.map(|t| t.to_string())),
            p.snapshot.approximate.join(" "),
        ];
        row.extend(
            U64_FIELDS
                .iter()
                .map(|f| opt(s.get_u64(f).map(|v| v.to_string()))),
        );
        row.push(opt(s.gc_cpu_fraction.map(|v| v.to_string())));
        row.push(opt(s.enable_gc.map(|v| v.to_string())));
        row.push(opt(s.debug_gc.map(|v| v.to_string())));
        row.push(opt(p.snapshot.last_pause_ns.map(|v| v.to_string())));
        row.push(opt(p.alloc_rate_mib_s.map(|v| v.to_string())));
        row.push(opt(p.fragmentation_bytes.map(|v| v.to_string())));
        row.push(opt(p.limit_counted_bytes.map(|v| v.to_string())));
        row.push(opt(p.non_heap_bytes.map(|v| v.to_string())));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}
