//! A differential flame graph of a heap series' growth, first profile → last, drawn by
//! inferno (the field's flame-graph library, a port of Brendan Gregg's FlameGraph):
//! widths are the last profile's figure, red where a stack grew, blue where it shrank.
//! Stacks are folded root first, one line per stack with both figures.

use crate::model::heap::{HeapSeries, SampleType};
use crate::output::Format;
use std::collections::BTreeMap;
use std::io::Write;

/// The growth of `sample` from the first profile to the last, as SVG.
pub struct GrowthFlameGraph {
    pub sample: SampleType,
}

/// The folded lines: `root;…;leaf first last`, sorted (inferno wants them sorted).
pub fn folded(series: &HeapSeries, sample: SampleType) -> Vec<String> {
    let mut by_stack: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let (Some(first), Some(last)) = (series.profiles.first(), series.profiles.last()) else {
        return vec![];
    };
    for (k, p) in [(0, first), (1, last)] {
        for s in &p.samples {
            let v = s.values[sample as usize].max(0);
            if v == 0 {
                continue;
            }
            let st = &series.stacks;
            let mut names: Vec<String> = st.stacks[s.stack as usize]
                .iter()
                .map(|&f| st.function(f).replace([' ', ';'], "_"))
                .collect();
            names.reverse();
            let e = by_stack.entry(names.join(";")).or_default();
            if k == 0 {
                e.0 += v;
            } else {
                e.1 += v;
            }
        }
    }
    by_stack
        .into_iter()
        .filter(|(stack, _)| !stack.is_empty())
        .map(|(stack, (a, b))| format!("{stack} {a} {b}"))
        .collect()
}

impl Format<HeapSeries> for GrowthFlameGraph {
    fn write(&self, series: &HeapSeries, out: &mut dyn Write) -> anyhow::Result<()> {
        let lines = folded(series, self.sample);
        if lines.is_empty() {
            anyhow::bail!(
                "nothing to draw: no {} in the first or last profile",
                self.sample.name()
            );
        }
        let mut opt = inferno::flamegraph::Options::default();
        let name = |s: &str| {
            std::path::Path::new(s)
                .file_name()
                .map_or(s.to_string(), |n| n.to_string_lossy().into_owned())
        };
        opt.title = format!(
            "gclens heap: {} growth, {} → {}",
            self.sample.name(),
            name(&series.profiles[0].source),
            name(&series.profiles[series.profiles.len() - 1].source)
        );
        opt.count_name = if self.sample.is_bytes() {
            "bytes".into()
        } else {
            "objects".into()
        };
        opt.deterministic = true;
        inferno::flamegraph::from_lines(&mut opt, lines.iter().map(String::as_str), out)?;
        Ok(())
    }
}
