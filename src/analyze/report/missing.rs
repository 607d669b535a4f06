//! Question 6: what is missing? Every kind of evidence the report could not use, why it
//! matters, and the exact command that captures it next time — so a report on partial
//! evidence ends with what to do, not with silence.

use serde::Serialize;

/// What the report had to work with.
#[derive(Clone, Debug, Default)]
pub struct Present {
    pub trace: bool,
    pub heap_profiles: usize,
    /// The profiles carry their times (profile.proto), so growth has a rate.
    pub heap_timed: bool,
    pub dumps: usize,
    pub leak_profile: bool,
    pub memstats: bool,
    pub escape: bool,
    pub budget: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// What is missing, in a few words.
    pub what: String,
    /// What it would answer.
    pub why: String,
    /// The command that captures it (`HOST:PORT` is the service's pprof address).
    pub command: String,
}

fn m(what: &str, why: &str, command: &str) -> Missing {
    Missing {
        what: what.into(),
        why: why.into(),
        command: command.into(),
    }
}

const BASE: &str = "http://HOST:PORT/debug/pprof";

pub fn missing(p: &Present) -> Vec<Missing> {
    let mut out = vec![];
    if !p.trace {
        out.push(m(
            "a gctrace",
            "the GC's own measure of the live heap at every cycle: the growth rate, the time until the limit, and the only input GOGC/GOMEMLIMIT advice is sized from",
            "GODEBUG=gctrace=1 ./app 2> gctrace.log   (or: gclens run --save gctrace.log -- ./app)",
        ));
    }
    match p.heap_profiles {
        0 => out.push(m(
            "heap profiles",
            "which allocation sites grow (take three or more, minutes apart)",
            &format!("for i in 1 2 3; do curl -so heap-$i.pb.gz {BASE}/heap; sleep 60; done"),
        )),
        1 => out.push(m(
            "a second heap profile",
            "one profile is a picture, not a trend: which sites grow needs two or more, minutes apart",
            &format!("curl -so heap-2.pb.gz {BASE}/heap"),
        )),
        _ if !p.heap_timed => out.push(m(
            "the heap profiles' times",
            "profiles without a time (the debug=1 text) give growth but not a rate per minute: take the profile.proto form",
            &format!("curl -so heap-N.pb.gz {BASE}/heap"),
        )),
        _ => {}
    }
    match p.dumps {
        0 => out.push(m(
            "goroutine dumps",
            "whether goroutines pile up, who started them and what they wait for",
            &format!(
                "for i in 1 2 3; do curl -so goroutine-$i.txt '{BASE}/goroutine?debug=2'; sleep 60; done"
            ),
        )),
        1 => out.push(m(
            "a second goroutine dump",
            "growth needs two or more dumps",
            &format!("curl -so goroutine-2.txt '{BASE}/goroutine?debug=2'"),
        )),
        _ => {}
    }
    if p.dumps > 0 && !p.leak_profile {
        out.push(m(
            "the goroutine leak profile (Go 1.26+)",
            "the runtime proves which blocked goroutines can never wake: proof, not suspicion",
            &format!("curl -so goroutineleak-N.txt '{BASE}/goroutineleak?debug=1'"),
        ));
    }
    if !p.memstats {
        out.push(m(
            "MemStats snapshots",
            "the runtime's own totals (HeapAlloc, Sys, stacks) to cross-check the trace and profiles",
            "curl -so vars-N.json http://HOST:PORT/debug/vars   (expvar)",
        ));
    }
    if !p.escape {
        out.push(m(
            "the escape analysis",
            "why the growing sites' allocations are on the heap at all",
            "go build -gcflags=-m=2 ./... 2> escape.txt",
        ));
    }
    if !p.budget {
        out.push(m(
            "the memory budget",
            "GOGC/GOMEMLIMIT advice and the time until the limit need the container's memory limit",
            "gclens report --budget 2Gi …   (the container's limit)",
        ));
    }
    out
}
