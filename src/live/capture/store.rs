//! A capture directory: files written whole or not at all, and a manifest that is valid
//! at every moment. A response is written to a hidden `.NAME.part` beside its final
//! name and linked there only when it is complete and checked (a link never replaces an
//! existing file); the manifest is rewritten through a temporary file renamed over it
//! after every change. A directory that holds a capture is continued (snapshot indexes
//! go on), one that holds anything else is refused.

use crate::model::capture::{self, Entry, Gap, Manifest};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Store {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

/// Now, as Unix nanoseconds and RFC 3339.
pub fn now() -> (i64, String) {
    let t = SystemTime::now();
    let ns = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    (ns, humantime::format_rfc3339_millis(t).to_string())
}

impl Store {
    /// Opens `dir` for a capture of `pprof`/`vars`: creates it, or continues the capture
    /// in it. Says why when it cannot.
    pub fn open(dir: &Path, pprof: &str, vars: &str) -> Result<Store, String> {
        let show = dir.display();
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {show}: {e}"))?;
        let path = dir.join(capture::FILE);
        let manifest = match fs::read(&path) {
            Ok(bytes) => {
                let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                    format!(
                        "{}: not a gclens capture manifest ({e}): choose another directory",
                        path.display()
                    )
                })?;
                if m.schema != capture::SCHEMA {
                    return Err(format!(
                        "{}: schema {:?}, not {}: choose another directory",
                        path.display(),
                        m.schema,
                        capture::SCHEMA
                    ));
                }
                m
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let busy = fs::read_dir(dir)
                    .map_err(|e| format!("cannot read {show}: {e}"))?
                    .filter_map(Result::ok)
                    .any(|e| !e.file_name().to_string_lossy().starts_with('.'));
                if busy {
                    return Err(format!(
                        "{show} holds files but no {}: a capture goes into an empty directory or continues one of its own",
                        capture::FILE
                    ));
                }
                Manifest::new(pprof, vars)
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let store = Store {
            dir: dir.to_path_buf(),
            manifest,
        };
        // a first write proves the directory writable before anything is asked
        store
            .save()
            .map_err(|e| format!("cannot write in {show}: {e}"))?;
        Ok(store)
    }

    /// Rewrites the manifest: a temporary file renamed over it.
    pub fn save(&self) -> io::Result<()> {
        let tmp = self.dir.join(format!(".{}.tmp", capture::FILE));
        let mut f = File::create(&tmp)?;
        let text = serde_json::to_vec_pretty(&self.manifest).map_err(io::Error::other)?;
        f.write_all(&text)?;
        f.write_all(b"\n")?;
        f.sync_data()?;
        drop(f);
        fs::rename(&tmp, self.dir.join(capture::FILE))
    }

    /// Where a response to be named `name` is written until it is whole.
    pub fn part(&self, name: &str) -> PathBuf {
        self.dir.join(format!(".{name}.part"))
    }

    /// Gives a finished `.part` its final name (never over an existing file) and records
    /// it; the entry's `path` is filled in here, and its `bytes` and `sha256` when the
    /// writer did not compute them.
    pub fn keep(&mut self, name: &str, mut entry: Entry) -> io::Result<&Entry> {
        let part = self.part(name);
        let mut target = self.dir.join(name);
        let mut n = 1;
        // a file left by a capture killed between its link and its manifest write
        while target.exists() {
            n += 1;
            target = self.dir.join(format!("{n}-{name}"));
        }
        if entry.sha256.is_empty() {
            (entry.bytes, entry.sha256) = digest(&part)?;
        }
        fs::hard_link(&part, &target)?;
        fs::remove_file(&part)?;
        entry.path = target
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.manifest.files.push(entry);
        self.save()?;
        Ok(self.manifest.files.last().expect("just pushed"))
    }

    /// Records a gap (what was asked and not kept), removing any `.part` left.
    pub fn gap(&mut self, name: &str, gap: Gap) -> io::Result<()> {
        let _ = fs::remove_file(self.part(name));
        self.manifest.skipped.push(gap);
        self.save()
    }

    /// Bytes kept so far.
    pub fn bytes(&self) -> u64 {
        self.manifest.files.iter().map(|f| f.bytes).sum()
    }
}

/// Size and hex SHA-256 of a file.
pub fn digest(path: &Path) -> io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut n = 0u64;
    loop {
        let k = io::Read::read(&mut f, &mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex(&h.finalize())))
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_is_continued_and_never_overwritten() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Store::open(d.path(), "http://h/debug/pprof/", "http://h/debug/vars").unwrap();
        let first = || Entry {
            snapshot: 1,
            ..Entry::default()
        };
        fs::write(s.part("heap-0001.pb.gz"), b"abc").unwrap();
        let e = s.keep("heap-0001.pb.gz", first()).unwrap();
        assert_eq!(e.bytes, 3);
        assert_eq!(
            e.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // the same name again (a killed capture's leftover) goes beside it
        fs::write(s.part("heap-0001.pb.gz"), b"x").unwrap();
        let e = s.keep("heap-0001.pb.gz", first()).unwrap();
        assert_eq!(e.path, "2-heap-0001.pb.gz");
        assert_eq!(fs::read(d.path().join("heap-0001.pb.gz")).unwrap(), b"abc");
        let again = Store::open(d.path(), "http://h/debug/pprof/", "").unwrap();
        assert_eq!(again.manifest.last_snapshot(), 1);
        assert_eq!(again.manifest.files.len(), 2);
    }

    #[test]
    fn a_directory_of_other_files_is_refused() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("notes.txt"), b"mine").unwrap();
        let e = Store::open(d.path(), "", "").err().unwrap();
        assert!(e.contains("holds files but no manifest.json"), "{e}");
        fs::write(d.path().join("manifest.json"), b"{\"schema\":\"x\"}").unwrap();
        assert!(Store::open(d.path(), "", "").is_err());
    }
}
