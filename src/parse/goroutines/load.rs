//! Reading dump files: each one whole (two dumps in a file, or a debug=1 dump whose
//! groups do not add up to its header, is an error naming the file), within the input
//! budget, in whichever form it came (text, or the gzipped profile.proto); then the
//! series checked for dumps of one program before anything is compared.

use super::{Reader, parse_checked};
use crate::model::goroutines::Dump;

/// Reads dumps (`-` is stdin), in the order given: mapped files at once, streams line
/// block by line block; an input over `limit` bytes is an error naming the file and the
/// limit. A file with no goroutine dump is an error naming it.
pub fn load(files: &[String], limit: u64) -> anyhow::Result<Vec<Dump>> {
    let dumps = files
        .iter()
        .map(|f| read_one(f, limit))
        .collect::<anyhow::Result<Vec<Dump>>>()?;
    same_kind(&dumps)?;
    Ok(dumps)
}

/// Reads one dump file (`-` is stdin) within `limit` bytes; a file with no goroutine
/// dump, or not one whole dump, is an error naming it.
pub fn read_one(f: &str, limit: u64) -> anyhow::Result<Dump> {
    use crate::input::{self, Input};
    let name = input::display_name(f);
    let dump = match input::open(f)? {
        Input::Whole(data) if data.len() as u64 > limit => {
            return Err(input::too_big(name, "holds", limit));
        }
        Input::Whole(data) => {
            let dump = parse_whole(f, &data, limit);
            data.check(name)?;
            dump
        }
        Input::Stream(s) => {
            let mut s = std::io::BufReader::new(input::Capped::new(s, limit));
            let head = std::io::BufRead::fill_buf(&mut s)
                .map_err(|e| input::stream_error(name, e, limit))?;
            if super::proto::looks_like(head) {
                let data = input::gather(&mut s, name, limit)?;
                super::proto::parse(f, &data, limit).map(Some)
            } else {
                read_lines(f, &mut s, limit)?
            }
        }
    };
    let dump = dump.map_err(|why| anyhow::anyhow!("{name}: {why}"))?;
    dump.ok_or_else(|| {
        anyhow::anyhow!(
            "{name}: no goroutine dump (neither `goroutine profile: total N` nor `goroutine N [state]:` blocks)"
        )
    })
}

/// A dump held whole: the gzipped profile.proto or the text.
pub fn parse_whole(f: &str, data: &[u8], limit: u64) -> Result<Option<Dump>, String> {
    if super::proto::looks_like(data) {
        super::proto::parse(f, data, limit).map(Some)
    } else {
        parse_checked(f, data)
    }
}

/// A text dump streamed line block by line block (bounded by the reader's own merging
/// and the `limit` of its [`crate::input::Capped`] stream).
fn read_lines(
    f: &str,
    s: &mut dyn std::io::Read,
    limit: u64,
) -> anyhow::Result<Result<Option<Dump>, String>> {
    use crate::input::{self, Chunk};
    let mut r = Reader::new(f);
    input::for_each_block(s, &|_| {}, |c| {
        if let Chunk::Lines(l) = c {
            for line in l.strip_suffix(b"\n").unwrap_or(l).split(|&b| b == b'\n') {
                r.line(line);
            }
        }
    })
    .map_err(|e| input::stream_error(input::display_name(f), e, limit))?;
    Ok(r.finish_checked())
}

/// Where the program's `main.main` is (file:line), the mark of which program a dump
/// is of: `None` when no goroutine runs it (it returned, or a leak profile).
pub fn main_of(d: &Dump) -> Option<String> {
    d.goroutines
        .iter()
        .flat_map(|g| &g.frames)
        .find(|f| f.function == "main.main")
        .map(|f| f.file.clone())
}

/// A series is of one program: two programs' dumps would read as growth or loss that is
/// none. (Dumps of several kinds — `debug=1`, `debug=2`, leak profiles — are sorted into
/// moments by `analyze::goroutines`.)
fn same_kind(dumps: &[Dump]) -> anyhow::Result<()> {
    let mains: Vec<(String, &Dump)> = dumps
        .iter()
        .filter_map(|d| Some((main_of(d)?, d)))
        .collect();
    if let Some((m0, d0)) = mains.first()
        && let Some((m, d)) = mains.iter().find(|(m, _)| m != m0)
    {
        anyhow::bail!(
            "{} is of the program whose main.main is in {m0}, {} of one whose main.main is in {m}: a series is of one program",
            crate::input::display_name(&d0.source),
            crate::input::display_name(&d.source)
        );
    }
    Ok(())
}
