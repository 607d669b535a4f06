//! Goroutine dumps as values: the groups of a `debug=1` goroutine profile, or the
//! goroutines of a `debug=2` dump or a crash traceback, each with its state, wait,
//! frames (top first) and creator.

use super::heap::Frame;
use serde::Serialize;

/// How a dump was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DumpFormat {
    /// `?debug=1`, `WriteTo(w, 1)`: `goroutine profile: total N`, counted groups.
    Debug1,
    /// `?debug=2`, `WriteTo(w, 2)`: every goroutine with its state and creator.
    Debug2,
    /// A crash or SIGQUIT traceback: the debug=2 shape after `panic:`/`fatal error:`,
    /// found inside other output.
    Traceback,
    /// `/debug/pprof/goroutine` without `?debug=`: a gzipped profile.proto of counted
    /// stacks (the debug=1 groups without addresses).
    Proto,
}

/// Goroutines that share a stack (debug=1: a counted group; debug=2: one goroutine).
#[derive(Clone, Debug, PartialEq)]
pub struct Goroutines {
    pub count: u64,
    /// `chan send`, `select`, `IO wait`, … (debug=2 and tracebacks only).
    pub state: Option<String>,
    /// `N minutes` waited (printed once a goroutine has waited a minute or more).
    pub wait_min: Option<u64>,
    pub locked_to_thread: bool,
    /// Top (innermost) first.
    pub frames: Vec<Frame>,
    /// `created by F [in goroutine N]` and where.
    pub created_by: Option<Frame>,
}

/// One dump.
#[derive(Clone, Debug, PartialEq)]
pub struct Dump {
    pub source: String,
    pub format: DumpFormat,
    /// Goroutines in the dump (the `total` of debug=1; counted for the others).
    pub total: u64,
    /// The goroutine leak profile (Go 1.26+, `/debug/pprof/goroutineleak`): in its
    /// debug=1 form every group is a leaked one; its debug=2 form marks them in the
    /// state (`chan send (leaked)`).
    pub leak_profile: bool,
    pub goroutines: Vec<Goroutines>,
}
