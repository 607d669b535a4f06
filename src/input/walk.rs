//! The files under the paths a person names (`gclens report incident/ extra.log`): a
//! directory stands for every regular file beneath it, in name order, so a capture
//! directory is read the same way on every machine; a named file is taken as given.
//! Hidden entries (`.name`) beneath a directory are left out: editors' swap files and
//! `.git` are not evidence.

use anyhow::Context;
use std::path::Path;

/// Every regular file under `paths`: a file as given, a directory's files recursively
/// in name order (symbolic links to files followed, links to directories not, so a
/// loop cannot make the walk endless). A path that does not exist is an error naming it.
pub fn walk(paths: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = vec![];
    for p in paths {
        if p == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {p}"))?;
        if meta.is_dir() {
            under(Path::new(p), &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn under(dir: &Path, out: &mut Vec<String>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = e.path();
        let ty = e
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if ty.is_dir() {
            under(&path, out)?;
        } else if ty.is_file() || (ty.is_symlink() && path.is_file()) {
            out.push(path.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_its_files_in_name_order_without_hidden_ones() {
        let d = std::env::temp_dir().join(format!("gclens-walk-{}", std::process::id()));
        std::fs::create_dir_all(d.join("sub")).unwrap();
        for f in ["b.txt", "a.txt", ".swp", "sub/c.txt"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let got = walk(&[d.display().to_string()]).unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|p| {
                p.strip_prefix(&d.display().to_string())
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["/a.txt", "/b.txt", "/sub/c.txt"]);
        assert!(walk(&[d.join("nope").display().to_string()]).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
