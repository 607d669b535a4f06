//! The `gclens` binary: parse the command line, run the subcommand, map errors to exit codes.

use clap::{CommandFactory, Parser};
use gclens::cli::{Cli, ColorWhen, Command};
use gclens::commands::{self, Status};
use std::process::ExitCode;

/// mimalloc: the escape parser makes millions of small strings; glibc's allocator
/// spent a third of its time freeing them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.color {
        ColorWhen::Auto => {}
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
    }
    let result = match &cli.command {
        Command::Gc(args) => commands::gc::run(args),
        Command::Chart(args) => commands::chart::run(args),
        Command::Watch(args) => commands::watch::run(args),
        Command::Advise(args) => commands::advise::run(args),
        Command::Memstats(args) => commands::memstats::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Escape(args) => commands::escape::run(args),
        Command::Heap(args) => commands::heap::run(args),
        Command::Goroutines(args) => commands::goroutines::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Fleet(args) => commands::fleet::run(args),
        Command::Capture(args) => commands::capture::run(args),
        Command::Man { command, dir } => commands::man::run(command.as_deref(), dir.as_deref()),
        Command::Completions { shell } => {
            // generated in memory: clap_complete panics on a write error (`| head`)
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "gclens", &mut script);
            gclens::output::write_to(None, |out| Ok(out.write_all(&script)?)).map(|()| Status::Ok)
        }
    };
    match result {
        Ok(s) => ExitCode::from(s.code()),
        Err(e) if gclens::output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            gclens::note!("gclens: {e:#}");
            ExitCode::from(Status::Error.code())
        }
    }
}
