//! What `gclens capture` asks of a service, and how it tells a good answer from a bad
//! one. The service is given as a person has it at hand — `host:port`, a base URL, or the
//! URL of the pprof index when it is mounted elsewhere — and becomes two roots: the
//! pprof prefix and expvar's `/debug/vars` beside it. Each endpoint knows its file
//! name, what its body must start with, and what a 404 from it means.

/// The service's two roots, without credentials (they become a header).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The pprof prefix, ending in `/`: `http://127.0.0.1:6060/debug/pprof/`.
    pub pprof: String,
    /// `http://127.0.0.1:6060/debug/vars`.
    pub vars: String,
    /// `user:password` from the URL, sent as basic authentication, never written.
    pub basic_auth: Option<String>,
}

/// Reads `127.0.0.1:6060`, `:6060` (this machine, as Go's `-addr` flags are written),
/// `http://host:6060`, `https://host/admin/debug/pprof/`, `http://host/admin` (a prefix
/// under which `/debug/pprof/` is mounted).
pub fn resolve(arg: &str) -> Result<Target, String> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Err("no URL given: gclens capture HOST:PORT -o DIR".into());
    }
    let local;
    let arg = match arg.strip_prefix(':') {
        Some(port) => {
            local = format!("127.0.0.1:{port}");
            local.as_str()
        }
        None => arg,
    };
    let (scheme, rest) = match arg.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
            (s.to_ascii_lowercase(), r)
        }
        Some((s, _)) => {
            return Err(format!(
                "{arg}: only http:// and https:// are captured, not {s}://"
            ));
        }
        None => ("http".to_string(), arg),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (basic_auth, host) = match authority.rsplit_once('@') {
        Some((cred, h)) => (Some(cred.to_string()), h),
        None => (None, authority),
    };
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("{arg}: no host in it"));
    }
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    let base = format!("{scheme}://{host}");
    let (pprof, vars) = if let Some(prefix) = path.strip_suffix("/debug/pprof") {
        (
            format!("{base}{path}/"),
            format!("{base}{prefix}/debug/vars"),
        )
    } else if let Some(prefix) = path.strip_suffix("/debug/vars") {
        (
            format!("{base}{prefix}/debug/pprof/"),
            format!("{base}{path}"),
        )
    } else {
        (
            format!("{base}{path}/debug/pprof/"),
            format!("{base}{path}/debug/vars"),
        )
    };
    Ok(Target {
        pprof,
        vars,
        basic_auth,
    })
}

/// What a body must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// A gzipped profile.proto (what net/http/pprof serves at debug=0).
    Profile,
    /// A debug=2 goroutine dump.
    Dump,
    /// A debug=1 goroutine leak profile.
    LeakProfile,
    /// expvar's JSON with `memstats`.
    Vars,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// `heap`, `goroutine`, `goroutineleak`, `vars`, `allocs`, …
    pub kind: String,
    pub url: String,
    /// File name suffix after `KIND-NNNN`.
    pub ext: &'static str,
    pub expect: Expect,
}

impl Endpoint {
    /// The path and query asked, for the manifest.
    pub fn request(&self) -> &str {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        rest.find('/').map_or("/", |i| &rest[i..])
    }

    pub fn file_name(&self, snapshot: u32) -> String {
        format!("{}-{snapshot:04}{}", self.kind, self.ext)
    }

    /// Why a 404 from it matters: `Err` stops a capture that has nothing yet (the heap
    /// profile is what a capture is for), `Ok` leaves this endpoint out from now on.
    pub fn not_found(&self, t: &Target) -> Result<String, String> {
        match self.kind.as_str() {
            "heap" => Err(format!(
                "{}: 404 Not Found: the service does not serve net/http/pprof there: add `import _ \"net/http/pprof\"` to its main package, or give the URL where it is mounted (gclens capture http://HOST:PORT/PREFIX/debug/pprof/)",
                self.url
            )),
            "goroutineleak" => Ok("not served (the goroutine leak profile needs Go 1.26 with GOEXPERIMENT=goroutineleakprofile, or Go 1.27+): left out".into()),
            "vars" => Ok(format!(
                "{} is not served (no expvar): MemStats left out; `import _ \"expvar\"` serves it",
                t.vars
            )),
            "goroutine" => Ok("not served: goroutine dumps left out".into()),
            k => Ok(format!("the service has no profile named {k}: left out")),
        }
    }
}

/// Profiles that block for a duration or are no snapshot: not asked at every tick.
const NOT_SNAPSHOTS: [&str; 4] = ["profile", "trace", "cmdline", "symbol"];

/// The endpoints of one snapshot: heap, goroutines (debug=2), the goroutine leak
/// profile, `/debug/vars`, and the extra profiles named.
pub fn endpoints(t: &Target, extra: &[String]) -> Result<Vec<Endpoint>, String> {
    let ep = |kind: &str, q: &str, ext, expect| Endpoint {
        kind: kind.to_string(),
        url: format!("{}{kind}{q}", t.pprof),
        ext,
        expect,
    };
    let mut out = vec![
        ep("heap", "", ".pb.gz", Expect::Profile),
        ep("goroutine", "?debug=2", ".txt", Expect::Dump),
        ep("goroutineleak", "?debug=1", ".txt", Expect::LeakProfile),
    ];
    out.push(Endpoint {
        kind: "vars".into(),
        url: t.vars.clone(),
        ext: ".json",
        expect: Expect::Vars,
    });
    for name in extra.iter().flat_map(|s| s.split(',')).map(str::trim) {
        if name.is_empty() || out.iter().any(|e| e.kind == name) {
            continue;
        }
        if NOT_SNAPSHOTS.contains(&name) {
            return Err(format!(
                "--profiles {name}: not a snapshot profile (it runs for a duration or is no profile); snapshot profiles: allocs, block, mutex, threadcreate"
            ));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(format!("--profiles {name}: not a profile name"));
        }
        out.push(ep(name, "", ".pb.gz", Expect::Profile));
    }
    Ok(out)
}

/// Whether a body that starts with `head` is what `expect` asks for, or what it is.
pub fn check(expect: Expect, head: &[u8]) -> Result<(), String> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err("an empty response".into());
    };
    let text = &head[start..];
    let lower: Vec<u8> = text.iter().take(16).map(u8::to_ascii_lowercase).collect();
    let what = match expect {
        Expect::Profile => "a profile",
        Expect::Dump => "a goroutine dump",
        Expect::LeakProfile => "a goroutine leak profile",
        Expect::Vars => "/debug/vars",
    };
    let good = match expect {
        Expect::Profile => head.starts_with(&[0x1f, 0x8b]),
        Expect::Dump => text.starts_with(b"goroutine "),
        Expect::LeakProfile => text.starts_with(b"goroutineleak profile:"),
        Expect::Vars => {
            text.starts_with(b"{") && memchr::memmem::find(head, b"\"memstats\"").is_some()
        }
    };
    if good {
        return Ok(());
    }
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Err(format!(
            "an HTML page where {what} should be: is the URL right?"
        ));
    }
    if text.starts_with(b"{") {
        let why = if expect == Expect::Vars {
            " without \"memstats\""
        } else {
            ""
        };
        return Err(format!("a JSON document{why} where {what} should be"));
    }
    let line: String = String::from_utf8_lossy(text.split(|&b| b == b'\n').next().unwrap_or(b""))
        .chars()
        .take(60)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    Err(format!("not {what}: it starts with «{line}»"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_given_as_people_have_it() {
        let t = resolve("127.0.0.1:6060").unwrap();
        assert_eq!(t.pprof, "http://127.0.0.1:6060/debug/pprof/");
        assert_eq!(t.vars, "http://127.0.0.1:6060/debug/vars");
        let t = resolve("https://u:p@svc.example/admin/debug/pprof/").unwrap();
        assert_eq!(t.pprof, "https://svc.example/admin/debug/pprof/");
        assert_eq!(t.vars, "https://svc.example/admin/debug/vars");
        assert_eq!(t.basic_auth.as_deref(), Some("u:p"));
        let t = resolve("http://svc:8080/admin").unwrap();
        assert_eq!(t.pprof, "http://svc:8080/admin/debug/pprof/");
        assert_eq!(
            resolve(":6060").unwrap().pprof,
            "http://127.0.0.1:6060/debug/pprof/"
        );
        assert!(resolve("ftp://x").is_err());
        assert!(resolve("http://:80").is_err());
    }

    #[test]
    fn bodies_are_told_apart() {
        assert!(check(Expect::Profile, &[0x1f, 0x8b, 8]).is_ok());
        let e = check(Expect::Profile, b"<!DOCTYPE html><html>").unwrap_err();
        assert!(e.contains("HTML page"), "{e}");
        assert!(check(Expect::Vars, b"{\"cmdline\":[],\"memstats\":{}}").is_ok());
        assert!(
            check(Expect::Vars, b"{\"x\":1}")
                .unwrap_err()
                .contains("without")
        );
        assert_eq!(check(Expect::Dump, b"").unwrap_err(), "an empty response");
        assert!(check(Expect::Dump, b"goroutine 1 [running]:\n").is_ok());
        assert!(
            check(Expect::Profile, b"404 page not found\n")
                .unwrap_err()
                .contains("«404 page not found»")
        );
    }

    #[test]
    fn extra_profiles_are_snapshots_only() {
        let t = resolve("h:1").unwrap();
        let e = endpoints(&t, &["allocs,mutex".into()]).unwrap();
        assert_eq!(e.len(), 6);
        assert_eq!(e[4].file_name(3), "allocs-0003.pb.gz");
        assert_eq!(e[1].request(), "/debug/pprof/goroutine?debug=2");
        assert!(endpoints(&t, &["profile".into()]).is_err());
    }
}
