//! `gclens capture URL -o DIR`: snapshots of a live service's profiles, dumps and
//! MemStats into a capture directory, until the count, the duration, or Ctrl-C. Exit
//! status: 0 when every request of the plan was kept, 2 when the capture could not start
//! or had gaps (listed in the manifest), 128 + N after signal N.

use super::Status;
use crate::cli::CaptureArgs;
use crate::live::capture::{self, Capture, Plan, Stop, Store};
use anyhow::Context;
use std::io::{self, IsTerminal};

pub fn run(args: &CaptureArgs) -> anyhow::Result<Status> {
    let s = &args.schedule;
    let target = capture::target::resolve(&args.url).map_err(anyhow::Error::msg)?;
    let endpoints = capture::target::endpoints(&target, &s.profiles).map_err(anyhow::Error::msg)?;
    let client = super::capture_client(s, &target)?;
    let store = Store::open(&args.dir, &target.pprof, &target.vars).map_err(anyhow::Error::msg)?;
    let count = args.count.or_else(|| {
        args.duration
            .map(|d| (d.as_secs_f64() / s.every.as_secs_f64()).floor() as u32 + 1)
    });
    let stop = Stop::default();
    for (sig, flag) in [(libc::SIGINT, &stop.sigint), (libc::SIGTERM, &stop.sigterm)] {
        // a second signal while the first is being handled ends at once
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, flag.clone())
            .and_then(|_| signal_hook::flag::register(sig, flag.clone()))
            .context("cannot install the signal handlers")?;
    }
    let terminal = io::stderr().is_terminal();
    let plan = Plan {
        every: s.every,
        count,
        limit: s.max_input,
        wait_for_service: false,
        status: terminal,
        lines: !terminal,
    };
    let mut cap = Capture::new(client, target, endpoints, store, plan);
    let out = cap.run(&stop);
    Ok(super::end_capture(&cap, &out, None))
}
