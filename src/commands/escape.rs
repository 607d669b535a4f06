//! `gclens escape` and `gclens escape diff`: read compiler output, work out paths and
//! functions, choose (kinds, changed lines), write the report or the annotations.

use super::Status;
use crate::analyze::escape::diff::compare;
use crate::analyze::escape::paths::PathMap;
use crate::analyze::escape::{DiffReport, EscapeReport, Level, Selection, changed, parse_kinds};
use crate::cli::{
    DiffOutput, EscapeArgs, EscapeCmd, EscapeDiffArgs, EscapeOutput, EscapePaths, EscapeSub,
    LevelArg,
};
use crate::export::escape::{
    Added, SelectionFormat, codequality::CodeQuality, github::Github, json::DiffJson, json::Json,
    markdown::DiffMarkdown, markdown::Markdown, rdjsonl::Rdjsonl, sarif::Sarif,
};
use crate::model::escape::{EscapeSet, Kind};
use crate::output::{Format, emit};
use crate::render::escape::{DiffText, EscapeText};
use std::path::Path;

/// Reads the inputs, naming unreadable records on stderr.
fn load(files: &[String], logopts: &[String]) -> anyhow::Result<EscapeSet> {
    if logopts.is_empty() {
        super::stdin_hint(files);
    }
    let set = crate::parse::escape::load(files, logopts)?;
    for e in &set.skipped.examples {
        crate::note!("gclens: unreadable: {e}");
    }
    Ok(set)
}

/// A repository file's bytes, for naming functions from their declarations: only a
/// regular file under the root (the current directory without `--root`).
fn source_reader(map: &PathMap) -> impl Fn(&Path) -> Option<Vec<u8>> + use<> {
    let root = map.root.clone().or_else(|| std::env::current_dir().ok());
    move |p: &Path| crate::input::read_under(root.as_deref()?, p).ok()
}

fn path_map(p: &EscapePaths) -> PathMap {
    PathMap::new(
        p.root.as_deref(),
        p.build_dir.as_deref(),
        p.strip_prefix.clone(),
    )
}

fn level(l: LevelArg) -> Level {
    match l {
        LevelArg::Note => Level::Note,
        LevelArg::Warning => Level::Warning,
        LevelArg::Error => Level::Error,
    }
}

/// `--kinds`, by default `heap` for review formats and `all` for text and JSON.
fn kinds(p: &EscapePaths, review: bool) -> anyhow::Result<Vec<Kind>> {
    let default = if review { "heap" } else { "all" };
    parse_kinds(p.kinds.as_deref().unwrap_or(default)).map_err(anyhow::Error::msg)
}

pub fn run(cmd: &EscapeCmd) -> anyhow::Result<Status> {
    match &cmd.sub {
        Some(EscapeSub::Diff(a)) => diff(a),
        None => report(&cmd.args),
    }
}

fn report(a: &EscapeArgs) -> anyhow::Result<Status> {
    let format: Box<dyn for<'s> Format<Selection<'s>>> = match a.format {
        EscapeOutput::Text => Box::new(EscapeText { top: a.top }),
        EscapeOutput::Json => Box::new(Json),
        EscapeOutput::Sarif => Box::new(Sarif),
        EscapeOutput::Github => Box::new(Github),
        EscapeOutput::Rdjsonl => Box::new(Rdjsonl),
        EscapeOutput::Codequality => Box::new(CodeQuality),
        EscapeOutput::Markdown => Box::new(Markdown),
    };
    let review = !matches!(a.format, EscapeOutput::Text | EscapeOutput::Json);
    let kinds = kinds(&a.paths, review)?;
    let changed = match &a.changed {
        Some(f) => {
            let bytes = crate::input::read_all(f)?;
            let c = changed::parse(&bytes).map_err(|e| anyhow::anyhow!("{f}: {e}"))?;
            bytes.check(f)?;
            Some(c)
        }
        None => None,
    };
    let set = load(&a.files, &a.logopt)?;
    if set.diagnostics.is_empty() {
        crate::note!(
            "gclens: no compiler diagnostic in {} (build with -gcflags=-m or -m=2 and 2>&1: the compiler writes to stderr; a cached build prints nothing for -json)",
            super::names(&set.sources)
        );
        if !review {
            return Ok(Status::NothingFound);
        }
        // a review format still writes its (empty) document: an upload-sarif or
        // artifact step after this one must find a valid file
    }
    let map = path_map(&a.paths);
    let report = EscapeReport::new(set, &map, Some(&source_reader(&map)));
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
        level: level(a.paths.level),
        root: map.root.clone(),
    };
    if review {
        note_outside(&sel);
    }
    emit(a.output.as_deref(), &*format, &sel)?;
    Ok(Status::Ok)
}

/// Says how many chosen diagnostics the review formats leave out because their file is
/// outside the root (GOROOT, `..` past the checkout): they are never named there.
fn note_outside(sel: &Selection) {
    let left = sel.chosen.len() - sel.placeable().count();
    if left > 0 {
        crate::note!(
            "gclens: {left} diagnostic(s) left out: in files outside the root or without a line ({} file(s) outside)",
            sel.report.outside.len()
        );
    }
}

fn diff(a: &EscapeDiffArgs) -> anyhow::Result<Status> {
    let review = |f: SelectionFormat| -> Box<dyn Format<DiffReport>> { Box::new(Added(f)) };
    let format: Box<dyn Format<DiffReport>> = match a.format {
        DiffOutput::Text => Box::new(DiffText),
        DiffOutput::Json => Box::new(DiffJson),
        DiffOutput::Markdown => Box::new(DiffMarkdown),
        DiffOutput::Sarif => review(Box::new(Sarif)),
        DiffOutput::Github => review(Box::new(Github)),
        DiffOutput::Rdjsonl => review(Box::new(Rdjsonl)),
        DiffOutput::Codequality => review(Box::new(CodeQuality)),
    };
    let kinds = kinds(&a.paths, true)?;
    let map = path_map(&a.paths);
    // The source on disk is at most the head's: name functions from the compiler's
    // own lines on both sides, so that both are named alike.
    let base = EscapeReport::new(load(std::slice::from_ref(&a.base), &[])?, &map, None);
    let head = EscapeReport::new(load(std::slice::from_ref(&a.head), &[])?, &map, None);
    for (name, r) in [(&a.base, &base), (&a.head, &head)] {
        if r.set.diagnostics.is_empty() {
            // as `escape` on the same input: nothing found, not a usage error
            crate::note!("gclens: no compiler diagnostic in {name}");
            return Ok(Status::NothingFound);
        }
    }
    let d = DiffReport {
        diff: compare(&base.set.diagnostics, &head.set.diagnostics, &kinds),
        base_name: a.base.clone(),
        head_name: a.head.clone(),
        base_sources: base.set.sources.clone(),
        head,
        level: level(a.paths.level),
        root: map.root.clone(),
    };
    emit(a.output.as_deref(), &*format, &d)?;
    Ok(if a.fail_on_new && !d.diff.added.is_empty() {
        crate::note!("gclens: {} new heap allocation(s)", d.diff.added.len());
        Status::NothingFound
    } else {
        Status::Ok
    })
}
