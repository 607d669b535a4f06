//! `gclens man`: manual pages generated from the clap definition (clap_mangen), so the
//! man pages say what `--help` says and cannot drift from it. One page per command:
//! `gclens(1)` lists the commands, `gclens-gc(1)` and the rest give each one's options.
//! `docs/man/` holds them generated (a test keeps it current).

use super::Status;
use crate::cli::Cli;
use crate::render::man::{Title, tidy};
use clap::{ArgAction, CommandFactory};

/// The date on every page: this version's release (update it with the version).
const DATE: &str = "2026-12-04";

/// Every page: (file name, roff text), `gclens.1` first; `mandoc -Tlint -W all` clean.
pub fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let source = format!("gclens {}", env!("CARGO_PKG_VERSION"));
    let title = Title {
        section: "1",
        date: DATE,
        source: &source,
        manual: "gclens manual",
    };
    let mut out = vec![];
    let mut todo = vec![cmd];
    while let Some(c) = todo.pop() {
        todo.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let synopsis = synopsis(&c);
        let man = clap_mangen::Man::new(lead(c));
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        let page = tidy(&String::from_utf8_lossy(&roff), &title, &synopsis);
        out.push((man.get_filename(), page.into_bytes()));
    }
    out[1..].sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The command with the example and the book's page that lead its help
/// (`Example: …`, `More: docs/…`) at the end of its description, where a manual page
/// has room for them.
fn lead(c: clap::Command) -> clap::Command {
    let help = c.clone().render_long_help().to_string();
    let line = |p: &str| {
        help.lines()
            .find_map(|l| l.strip_prefix(p))
            .map(str::to_string)
    };
    let (Some(example), Some(more)) = (line("Example: "), line("More: ")) else {
        return c;
    };
    let page = more.split(" (").next().unwrap_or(&more);
    let about = c
        .get_long_about()
        .or(c.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    c.long_about(format!(
        "{about}\n\nExample: {example}\n\nMore: {page} in the gclens repository."
    ))
}

/// The SYNOPSIS line in roff: every option with its value (`[-f|--format FORMAT]`),
/// the positionals, and the subcommand.
fn synopsis(cmd: &clap::Command) -> String {
    let bold = |s: &str| format!("\\fB{}\\fR", s.replace('-', "\\-"));
    let italic = |s: &str| format!("\\fI{s}\\fR");
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut parts = vec![bold(name)];
    let value = |a: &clap::Arg| {
        a.get_value_names()
            .and_then(|v| v.first().map(|n| n.to_string()))
            .unwrap_or_else(|| a.get_id().as_str().to_uppercase())
    };
    for a in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
    {
        let flags: Vec<String> = a
            .get_short()
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain(a.get_long().map(|l| format!("--{l}")))
            .map(|f| bold(&f))
            .collect();
        if flags.is_empty() {
            continue;
        }
        let mut p = flags.join("|");
        if a.get_action().takes_values() {
            p = format!("{p} {}", italic(&value(a)));
        }
        let repeat = if matches!(a.get_action(), ArgAction::Append | ArgAction::Count) {
            "..."
        } else {
            ""
        };
        parts.push(if a.is_required_set() {
            format!("{p}{repeat}")
        } else {
            format!("[{p}]{repeat}")
        });
    }
    for a in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
        let v = italic(&value(a));
        let v = if a.is_required_set() {
            v
        } else {
            format!("[{v}]")
        };
        parts.push(if many { format!("{v}...") } else { v });
    }
    if cmd.has_subcommands() {
        let sub = italic("COMMAND");
        parts.push(if cmd.is_subcommand_required_set() {
            sub
        } else {
            format!("[{sub}]")
        });
    }
    parts.join(" ")
}

/// `gclens man [COMMAND] [--dir DIR]`: one page to stdout, or every page into DIR.
pub fn run(command: Option<&str>, dir: Option<&str>) -> anyhow::Result<Status> {
    let pages = pages()?;
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {dir}: {e}"))?;
        for (name, roff) in &pages {
            let path = std::path::Path::new(dir).join(name);
            crate::output::write_to(Some(&path.to_string_lossy()), |w| Ok(w.write_all(roff)?))?;
        }
        crate::note!("gclens: {} manual pages written to {dir}", pages.len());
        return Ok(Status::Ok);
    }
    let want = command.map_or("gclens.1".to_string(), |c| format!("gclens-{c}.1"));
    let Some((_, roff)) = pages.iter().find(|(n, _)| *n == want) else {
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        anyhow::bail!("no manual page {want} (there are {})", names.join(", "));
    };
    crate::output::write_to(None, |w| Ok(w.write_all(roff)?))?;
    Ok(Status::Ok)
}
