//! `gclens advise --format json`: the `gclens.advice/v2` document — the advice, what the
//! model predicts for it, the inputs it measured, the what-if table, the warnings and
//! the arithmetic, as `analyze::advice::Advice` holds them.

use crate::analyze::advice::{Advice, Refusal};
use crate::output::Format;
use std::io::Write;

/// The `gclens.advice/v2` document, pretty-printed.
pub struct AdviceJson;

impl Format<Advice> for AdviceJson {
    fn write(&self, a: &Advice, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut *out, a)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

impl Format<Refusal> for AdviceJson {
    fn write(&self, r: &Refusal, out: &mut dyn Write) -> anyhow::Result<()> {
        serde_json::to_writer_pretty(&mut *out, r)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}
