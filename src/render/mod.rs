//! Terminal output, kept apart from the machine formats in `export`.

pub mod advice;
pub mod chart;
pub mod escape;
pub mod memstats;
pub mod text;
