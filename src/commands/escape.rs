//! `gclens escape` and `gclens escape diff`: read compiler output, work out paths and
//! functions, choose (kinds, changed lines), write the report or the annotations.

use crate::analyze::escape::diff::compare;
use crate::analyze::escape::paths::PathMap;
use crate::analyze::escape::{EscapeReport, changed, parse_kinds};
use crate::cli::{EscapeArgs, EscapeCmd, EscapeDiffArgs, EscapeFormat, EscapePaths, EscapeSub};
use crate::commands::Status;
use crate::commands::gc::{write_out, write_styled};
use crate::export::escape::{
    EscapeExporter, Selection, codequality::CodeQuality, github::Github, json::Json,
    markdown::Markdown, rdjsonl::Rdjsonl, sarif::Sarif,
};
use crate::model::escape::{EscapeSet, Kind};
use crate::parse::escape::{TextParser, logopt};
use anyhow::Context;
use std::io::{BufRead, Write};
use std::path::Path;

/// Reads every input (files, stdin, logopt directories) into one set.
pub fn load(files: &[String], logopts: &[String]) -> anyhow::Result<EscapeSet> {
    let stdin = ["-".to_string()];
    let files = if files.is_empty() && logopts.is_empty() {
        &stdin[..]
    } else {
        files
    };
    let mut all = EscapeSet::new();
    for f in files {
        if f != "-" && Path::new(f).is_dir() {
            all.extend(logopt::read_dir(Path::new(f))?);
            continue;
        }
        let mut p = TextParser::new(if f == "-" { "<stdin>" } else { f });
        if f == "-" {
            read_lines(std::io::stdin().lock(), &mut p).context("cannot read stdin")?;
        } else {
            let file = std::fs::File::open(f).with_context(|| format!("cannot read {f}"))?;
            let meta = file
                .metadata()
                .with_context(|| format!("cannot read {f}"))?;
            // SAFETY: read-only map dropped before we return; a file truncated by
            // another process meanwhile is the only risk, as with any mmap reader.
            let map = (meta.is_file() && meta.len() > 0)
                .then(|| unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok())
                .flatten();
            match map {
                Some(map) => p.feed(&map),
                None => read_lines(std::io::BufReader::with_capacity(1 << 20, file), &mut p)
                    .with_context(|| format!("cannot read {f}"))?,
            }
        }
        all.extend(p.finish());
    }
    for d in logopts {
        all.extend(logopt::read_dir(Path::new(d))?);
    }
    for e in all.skipped.examples.iter() {
        eprintln!("gclens: unreadable: {e}");
    }
    Ok(all)
}

/// Feeds lines to the parser with one reused buffer (bytes, not UTF-8).
fn read_lines(mut r: impl BufRead, p: &mut TextParser) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 12);
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        p.line(line);
    }
}

fn path_map(p: &EscapePaths) -> PathMap {
    PathMap::new(
        p.root.as_deref(),
        p.build_dir.as_deref(),
        p.strip_prefix.clone(),
    )
}

fn is_review(f: EscapeFormat) -> bool {
    !matches!(f, EscapeFormat::Text | EscapeFormat::Json)
}

fn kinds(p: &EscapePaths, format: EscapeFormat) -> anyhow::Result<Vec<Kind>> {
    let default = if is_review(format) { "heap" } else { "all" };
    parse_kinds(p.kinds.as_deref().unwrap_or(default)).map_err(anyhow::Error::msg)
}

fn exporter(f: EscapeFormat) -> Option<Box<dyn EscapeExporter>> {
    Some(match f {
        EscapeFormat::Text => return None,
        EscapeFormat::Json => Box::new(Json),
        EscapeFormat::Sarif => Box::new(Sarif),
        EscapeFormat::Github => Box::new(Github),
        EscapeFormat::Rdjsonl => Box::new(Rdjsonl),
        EscapeFormat::Codequality => Box::new(CodeQuality),
        EscapeFormat::Markdown => Box::new(Markdown),
    })
}

pub fn run(cmd: &EscapeCmd) -> anyhow::Result<Status> {
    match &cmd.sub {
        Some(EscapeSub::Diff(a)) => diff(a),
        None => report(&cmd.args),
    }
}

fn report(a: &EscapeArgs) -> anyhow::Result<Status> {
    let kinds = kinds(&a.paths, a.format)?;
    let changed = match &a.changed {
        Some(f) => {
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {f}"))?;
            Some(changed::parse(&bytes).map_err(|e| anyhow::anyhow!("{f}: {e}"))?)
        }
        None => None,
    };
    let set = load(&a.files, &a.logopt)?;
    if set.diagnostics.is_empty() {
        eprintln!(
            "gclens: no compiler diagnostic in {} (build with -gcflags=-m or -m=2; a cached build prints nothing for -json)",
            set.sources.join(", ")
        );
        return Ok(Status::NothingFound);
    }
    let map = path_map(&a.paths);
    let root = map.root.clone();
    let report = EscapeReport::new(set, &map, Some(&|p| std::fs::read(p).ok()));
    let chosen: Vec<_> = report
        .set
        .diagnostics
        .iter()
        .filter(|d| kinds.contains(&d.kind))
        .filter(|d| {
            changed
                .as_ref()
                .is_none_or(|c| c.contains(&d.pos.file, d.pos.line))
        })
        .collect();
    let sel = Selection {
        report: &report,
        chosen,
        level: a.paths.level,
        root,
    };
    write_out(a.output.as_deref(), |out| match exporter(a.format) {
        None => {
            let mut buf = Vec::new();
            crate::render::escape::write_report(&mut buf, &report, &sel.chosen, a.top)?;
            write_styled(out, &buf, a.output.is_none())
        }
        Some(e) => e.export(&sel, out),
    })?;
    Ok(Status::Ok)
}

fn diff(a: &EscapeDiffArgs) -> anyhow::Result<Status> {
    let kinds =
        parse_kinds(a.paths.kinds.as_deref().unwrap_or("heap")).map_err(anyhow::Error::msg)?;
    let map = path_map(&a.paths);
    // The source on disk is at most the head's: name functions from the compiler's
    // own lines on both sides, so that both are named alike.
    let base = EscapeReport::new(
        load(std::slice::from_ref(&a.base), &[])?,
        &map,
        None,
    );
    let head = EscapeReport::new(
        load(std::slice::from_ref(&a.head), &[])?,
        &map,
        None,
    );
    for (name, r) in [(&a.base, &base), (&a.head, &head)] {
        if r.set.diagnostics.is_empty() {
            anyhow::bail!("no compiler diagnostic in {name}");
        }
    }
    let d = compare(&base.set.diagnostics, &head.set.diagnostics, &kinds);
    write_out(a.output.as_deref(), |out: &mut dyn Write| match a.format {
        EscapeFormat::Text => {
            let mut buf = Vec::new();
            crate::render::escape::write_diff(&mut buf, &d, &a.base, &a.head)?;
            write_styled(out, &buf, a.output.is_none())
        }
        EscapeFormat::Json => {
            crate::export::escape::json::diff(&d, &base.set.sources, &head.set.sources, out)
        }
        EscapeFormat::Markdown => crate::export::escape::markdown::diff(&d, out),
        f => {
            let e = exporter(f).expect("review format");
            let sel = Selection {
                report: &head,
                chosen: d.added.iter().collect(),
                level: a.paths.level,
                root: map.root.clone(),
            };
            e.export(&sel, out)
        }
    })?;
    Ok(if a.fail_on_new && !d.added.is_empty() {
        eprintln!("gclens: {} new heap allocation(s)", d.added.len());
        Status::NothingFound
    } else {
        Status::Ok
    })
}
