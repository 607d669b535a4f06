//! gclens: turns the Go runtime's and compiler's memory diagnostics into answers.
//!
//! Data flows one way: [`parse`] (bytes → records) → [`model`] (records → timeline) →
//! [`analyze`] (timeline → figures and findings) → [`render`] (terminal text) and
//! [`export`] (JSON, CSV). [`input`] reads files and streams; [`commands`] wires a
//! subcommand together; [`cli`] is the command line.

pub mod analyze;
pub mod cli;
pub mod commands;
pub mod export;
pub mod input;
pub mod live;
pub mod model;
pub mod output;
pub mod parse;
pub mod render;
pub mod units;
