//! `switchboard`: the site owner's command (see the library for what each command does).

use std::process::ExitCode;
use switchboard_cli::{parse_args, run};

fn main() -> ExitCode {
    // A usage error prints clap's message and exits with 2.
    let cli = parse_args(std::env::args_os()).unwrap_or_else(|e| e.exit());
    match run(cli.command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
