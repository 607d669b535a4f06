//! The memory limit of this process's cgroup, for `--budget auto`: cgroup v2
//! `memory.max` or cgroup v1 `memory.limit_in_bytes`, read for the process's own cgroup
//! (from `/proc/self/cgroup`) and every ancestor up to the mount: the smallest limit
//! binds. `max` (v2) and the v1 "no limit" value (≥ 2^62) mean no limit.

use std::path::{Path, PathBuf};

/// v1 reports "no limit" as a huge page-rounded number (9223372036854771712).
const V1_UNLIMITED: u64 = 1 << 62;

/// A limit file's value: `None` when there is no such file, `Some(Ok(None))` for no
/// limit, an error naming the file when it holds anything but a byte count or `max`.
fn read_limit(file: &Path) -> Option<Result<Option<u64>, String>> {
    let text = std::fs::read_to_string(file).ok()?;
    let t = text.trim();
    if t == "max" {
        return Some(Ok(None));
    }
    Some(match t.parse::<u64>() {
        Ok(v) => Ok((v < V1_UNLIMITED).then_some(v)),
        // v1 writes -1 for "no limit" when set by hand
        Err(_) if t == "-1" => Ok(None),
        Err(_) => Err(format!(
            "{} holds {:?}, not a byte count or \"max\"",
            file.display(),
            t.chars().take(40).collect::<String>()
        )),
    })
}

/// Smallest limit in `dir` and its ancestors up to `top`: (any file found, the limit).
fn walk(top: &Path, rel: &str, file: &str) -> Result<(bool, Option<u64>), String> {
    let mut found = false;
    let mut best: Option<u64> = None;
    let mut dir: PathBuf = top.join(rel.trim_start_matches('/'));
    loop {
        if let Some(limit) = read_limit(&dir.join(file)) {
            found = true;
            if let Some(l) = limit? {
                best = Some(best.map_or(l, |b| b.min(l)));
            }
        }
        if dir == top || !dir.pop() || !dir.starts_with(top) {
            break;
        }
    }
    Ok((found, best))
}

/// The memory limit seen from `root` (normally `/`): `Ok(Some(bytes))`, `Ok(None)` when
/// the cgroup sets none, `Err` when no cgroup memory controller can be read.
pub fn memory_limit(root: &Path) -> Result<Option<u64>, String> {
    let cg = root.join("proc/self/cgroup");
    let text =
        std::fs::read_to_string(&cg).map_err(|e| format!("cannot read {}: {e}", cg.display()))?;
    let mut answers = vec![];
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_id), Some(ctrl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (top, file) = if ctrl.is_empty() {
            (root.join("sys/fs/cgroup"), "memory.max")
        } else if ctrl.split(',').any(|c| c == "memory") {
            (root.join("sys/fs/cgroup/memory"), "memory.limit_in_bytes")
        } else {
            continue;
        };
        let (found, limit) = walk(&top, path, file)?;
        if found {
            answers.push(limit);
        }
    }
    if answers.is_empty() {
        return Err(
            "no cgroup memory limit file found (not in a cgroup with the memory controller?)"
                .into(),
        );
    }
    Ok(answers.into_iter().flatten().min())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/cgroup")
            .join(name)
    }

    #[test]
    fn real_layouts() {
        assert_eq!(memory_limit(&fixture("v1-limited")), Ok(Some(536_870_912)));
        assert_eq!(memory_limit(&fixture("v1-unlimited")), Ok(None));
        assert_eq!(
            memory_limit(&fixture("v2-nested")),
            Ok(Some(4_194_304_000)),
            "the parent's limit binds"
        );
        assert_eq!(
            memory_limit(&fixture("v2-container")),
            Ok(Some(131_072_000))
        );
        assert!(
            memory_limit(&fixture("missing"))
                .unwrap_err()
                .contains("cannot read")
        );
    }

    /// A `memory.max` of garbage, `-1` or `1.5G` was reported as "no cgroup memory limit
    /// file found" (issue 19).
    #[test]
    fn a_limit_file_of_garbage_was_called_missing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("proc/self")).unwrap();
        std::fs::create_dir_all(root.join("sys/fs/cgroup/app")).unwrap();
        std::fs::write(root.join("proc/self/cgroup"), "0::/app\n").unwrap();
        for (content, want) in [
            ("1.5G\n", Err("holds \"1.5G\", not a byte count")),
            ("garbage\n", Err("holds \"garbage\"")),
            ("-1\n", Ok(None)),
            ("max\n", Ok(None)),
            ("536870912\n", Ok(Some(536_870_912))),
        ] {
            std::fs::write(root.join("sys/fs/cgroup/app/memory.max"), content).unwrap();
            let got = memory_limit(root);
            match want {
                Ok(w) => assert_eq!(got, Ok(w), "{content}"),
                Err(w) => assert!(got.as_ref().unwrap_err().contains(w), "{content}: {got:?}"),
            }
        }
    }
}
