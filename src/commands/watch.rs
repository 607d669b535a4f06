//! `gclens watch`: stdin → stdout minus the trace; the report and files at the end.

use super::{Status, finish_live, forward_of};
use crate::cli::WatchArgs;
use crate::live::{Ending, Session, SessionOptions};
use std::io::{self, IsTerminal};

pub fn run(args: &WatchArgs) -> anyhow::Result<Status> {
    let a = &args.live;
    let mut session = Session::start(Box::new(io::stdin()), 0)?;
    let opts = SessionOptions {
        forward: forward_of(a),
        status: !a.no_status && io::stderr().is_terminal(),
        to_stderr: false,
    };
    let mut out = io::stdout().lock();
    let ending = session.run(&opts, &mut out, &mut io::stderr());
    if let Ending::ReadError(e) = &ending {
        eprintln!("gclens: cannot read stdin: {e}");
    }
    let seen = finish_live(session.monitor, "-", a)?;
    Ok(match (ending, seen) {
        (Ending::ReadError(_), _) => Status::Error,
        // the reader of our output went away: that ends us quietly
        (Ending::OutputClosed, _) | (_, true) => Status::Ok,
        (_, false) => Status::NothingFound,
    })
}
