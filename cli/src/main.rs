//! `switchboard`: the site owner's command (see the library for what each command does).

use clap::Parser;
use std::process::ExitCode;
use switchboard_cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse().command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
