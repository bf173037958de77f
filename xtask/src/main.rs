//! Developer commands: `cargo xtask setup | build | dev | test | bench`.
//!
//! Everything a new clone needs goes through here, so the README, CI (`.ci/run`) and a
//! developer's terminal run the same steps.

mod bench;
mod bench_widget;
mod build;
mod deploy_check;
mod dev;
mod http;
mod process;
mod repo;
mod setup;
mod suite;
mod wasm_names;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup   install the toolchain pieces (wasm target, wasm-bindgen, worker-build, npm tools,
          Chromium, wrk, brotli) and create edge/.dev.vars; skips what is already there
  build   build the widget (widget/dist) and the Worker (edge/build), print sizes and SRI
  build-widget  build only the widget (widget/dist), print sizes and SRI
  bench-widget [N]  widget and peer bytes (gzip, brotli), bytes before and after
          engagement, time to the visible form and from the first interaction to the live
          form (medians of N cold loads, default 10), Lighthouse with and without the widget
  dev     setup, build, then run the Worker on :8787, the webhook receiver on :8788 and
          the demo page on :8790 until Ctrl-C
  test    setup, build, fmt, clippy (host and wasm32), unit tests, integration tests
  bench   build, then measure the edge, delivery, cold starts, sizes and routing; one
          report (see BENCHMARKS.md; --no-build, --quick for a smoke run)
";

/// An error that ends the command: what went wrong and, where there is one, what to run.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error(message.into())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let root = repo::Repo::locate();
    let result = match command.as_str() {
        "setup" => setup::run(&root),
        "build" => build::run(&root),
        "build-widget" => build::run_widget(&root),
        "bench-widget" => bench_widget::run(&root, args.get(1).map(String::as_str)),
        "dev" => dev::run(&root),
        "test" => suite::run(&root),
        "bench" => bench::run(&root, &args[1..]),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => {
            eprint!("unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask {command}: error: {e}");
            ExitCode::FAILURE
        }
    }
}
