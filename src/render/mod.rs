//! Terminal output, kept apart from the machine formats in `export`.

pub mod text;
