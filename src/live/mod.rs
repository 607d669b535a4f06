//! Live modes (`gclens watch`, `gclens run`): a reader thread and a signal thread feed
//! one loop that splits the stream (forwarding the program's own bytes at once), keeps a
//! bounded timeline, shows a status line, and writes the report at the end.

pub mod capture;
pub mod exporter;
pub mod metrics;
pub mod monitor;
pub mod save;
pub mod session;
pub mod split;
pub mod status;

pub use monitor::Monitor;
pub use session::{Ending, Session, SessionOptions};
pub use split::{Forward, Splitter};
