//! `gclens watch`: stdin → stdout minus the trace; the report and files at the end.

use super::{Status, check_live_outputs, finish_live, forward_of};
use crate::cli::WatchArgs;
use crate::live::{Ending, Session, SessionOptions};
use std::io::{self, IsTerminal};

pub fn run(args: &WatchArgs) -> anyhow::Result<Status> {
    let a = &args.live;
    check_live_outputs(a)?;
    let metrics = super::start_metrics(a)?;
    let mut session = Session::start(Box::new(io::stdin()), 0)?;
    session.metrics = metrics;
    let opts = SessionOptions {
        forward: forward_of(a),
        status: !a.no_status && io::stderr().is_terminal(),
        to_stderr: false,
    };
    let mut out = io::stdout().lock();
    let ending = session.run(&opts, &mut out, &mut io::stderr());
    if let Ending::ReadError(e) = &ending {
        crate::note!("gclens: cannot read stdin: {e}");
    }
    let end = finish_live(
        session.monitor,
        "-",
        a,
        "is GODEBUG=gctrace=1 set in the program's environment, and its stderr piped (2>&1)?",
    );
    let seen = end.seen;
    Ok(match (ending, seen) {
        (Ending::ReadError(_), _) => Status::Error,
        _ if !end.files_ok => Status::Error,
        _ if end.gate_failed => Status::NothingFound,
        // the reader of our output went away: that ends us quietly
        (Ending::OutputClosed, _) | (_, true) => Status::Ok,
        (_, false) => Status::NothingFound,
    })
}
