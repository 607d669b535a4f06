//! Terminal output, kept apart from the machine formats in `export`.

pub mod advice;
pub mod chart;
pub mod escape;
pub mod flamegraph;
pub mod fleet;
pub mod goroutines;
pub mod heap;
pub mod man;
pub mod memstats;
pub mod report;
pub mod report_html;
pub mod text;
