//! Machine-readable outputs of a GC report, one file per format behind [`Exporter`].

pub mod csv;
pub mod escape;
pub mod json;
pub mod memstats;

use crate::analyze::Report;
use std::io::Write;

/// Writes a whole report in one format.
pub trait Exporter {
    fn export(&self, report: &Report, out: &mut dyn Write) -> anyhow::Result<()>;
}

/// `t` in seconds with the three decimals the runtime prints.
pub(crate) fn ms_to_s(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// µs → ms as printed (`31` → `0.031`).
pub(crate) fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}
