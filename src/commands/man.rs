//! `gclens man`: manual pages generated from the clap definition (clap_mangen), so the
//! man pages say what `--help` says and cannot drift from it. One page per command:
//! `gclens(1)` lists the commands, `gclens-gc(1)` and the rest give each one's options.
//! `docs/man/` holds them generated (a test keeps it current).

use super::Status;
use crate::cli::Cli;
use clap::CommandFactory;

/// Every page: (file name, roff text), `gclens.1` first.
pub fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = vec![];
    let mut todo = vec![cmd];
    while let Some(c) = todo.pop() {
        todo.extend(c.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let man = clap_mangen::Man::new(c).manual("gclens manual");
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        out.push((man.get_filename(), roff));
    }
    out[1..].sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
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
