//! A capture directory's manifest (`gclens capture`), read back: when each of its files
//! was received. Files given on a command line are read in the order given, which a
//! shell's glob makes name order; a capture's own order (by the time each file came) is
//! the truth, so the series commands (`heap`, `goroutines`, `memstats`) and `report` put
//! files that a manifest lists in that order.

use crate::model::capture::{FILE, Manifest, SCHEMA};
use std::collections::HashMap;
use std::path::Path;

/// Reads `data` as a manifest of schema `gclens.capture/v1`.
pub fn parse(data: &[u8]) -> Result<Manifest, String> {
    let m: Manifest =
        serde_json::from_slice(data).map_err(|e| format!("a damaged capture manifest: {e}"))?;
    if m.schema != SCHEMA {
        return Err(format!("schema {:?}, not {SCHEMA}", m.schema));
    }
    Ok(m)
}

/// The receive time (Unix ns) of every file `m` lists, by its path as `dir` + its name.
pub fn times(m: &Manifest, dir: &Path) -> HashMap<String, i64> {
    m.files
        .iter()
        .map(|e| {
            let path = dir.join(&e.path).to_string_lossy().into_owned();
            (path, e.received_unix_ns)
        })
        .collect()
}

/// `files` in the order their captures received them, when a manifest beside each lists
/// it; otherwise as given.
pub fn in_capture_order(files: &[String]) -> Vec<String> {
    let mut known: HashMap<String, i64> = HashMap::new();
    let mut read: Vec<std::path::PathBuf> = vec![];
    for f in files {
        let dir = Path::new(f).parent().unwrap_or(Path::new("")).to_path_buf();
        if read.contains(&dir) {
            continue;
        }
        let Some(m) = std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|d| parse(&d).ok())
        else {
            return files.to_vec();
        };
        known.extend(times(&m, &dir));
        read.push(dir);
    }
    if !files.iter().all(|f| known.contains_key(f)) {
        return files.to_vec();
    }
    let mut out = files.to_vec();
    out.sort_by_key(|f| known[f]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::capture::Entry;

    #[test]
    fn files_a_manifest_lists_go_in_its_order() {
        let d = tempfile::tempdir().unwrap();
        let mut m = Manifest::new("", "");
        for (i, name) in ["heap-9999.pb.gz", "heap-10000.pb.gz"].iter().enumerate() {
            m.files.push(Entry {
                path: name.to_string(),
                received_unix_ns: i as i64,
                ..Entry::default()
            });
        }
        std::fs::write(d.path().join(FILE), serde_json::to_vec(&m).unwrap()).unwrap();
        let p = |n: &str| d.path().join(n).to_string_lossy().into_owned();
        // a glob's name order puts 10000 first
        let glob = vec![p("heap-10000.pb.gz"), p("heap-9999.pb.gz")];
        assert_eq!(
            in_capture_order(&glob),
            [p("heap-9999.pb.gz"), p("heap-10000.pb.gz")]
        );
        // a file the manifest does not list: the order given
        let mixed = vec![p("heap-10000.pb.gz"), p("other.pb.gz")];
        assert_eq!(in_capture_order(&mixed), mixed);
        assert!(parse(b"{\"schema\":\"x\"}").is_err());
    }
}
