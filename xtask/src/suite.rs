//! `cargo xtask test`: everything CI checks, in the order that fails fastest, with a
//! summary of each step's time and the total test count at the end.

use crate::process;
use crate::repo::{Repo, WASM_TARGET};
use crate::{Error, Result, build, deploy_check, setup};
use std::process::Command;
use std::time::{Duration, Instant};

struct Outcome {
    step: &'static str,
    took: Duration,
    ok: bool,
}

#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Counts {
    /// Adds up libtest's `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines.
    fn add(&mut self, lines: &[String]) {
        for line in lines
            .iter()
            .filter_map(|l| l.trim().strip_prefix("test result: "))
        {
            for part in line.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(kind), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match kind {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    "ignored" => self.ignored += n,
                    _ => {}
                }
            }
        }
    }
}

pub fn run(repo: &Repo) -> Result<()> {
    let started = Instant::now();
    let mut outcomes = Vec::new();
    let mut counts = Counts::default();

    // Without the tools and the built artifacts nothing below means anything: stop early.
    for (step, f) in [
        ("setup", setup::run as fn(&Repo) -> Result<()>),
        ("build", build::run),
    ] {
        let t = Instant::now();
        let result = f(repo);
        outcomes.push(Outcome {
            step,
            took: t.elapsed(),
            ok: result.is_ok(),
        });
        if let Err(e) = result {
            summary(&outcomes, &counts, started);
            return Err(e);
        }
    }

    // The Worker as Cloudflare would take it: a valid config and a bundle within the limit.
    println!("== deploy dry run");
    let t = Instant::now();
    let dry_run = deploy_check::run(repo);
    if let Err(e) = &dry_run {
        println!("{e}");
    }
    outcomes.push(Outcome {
        step: "deploy dry run",
        took: t.elapsed(),
        ok: dry_run.is_ok(),
    });

    let cargo = |args: &[&str]| {
        let mut cmd = Command::new("cargo");
        cmd.args(args).current_dir(&repo.root);
        cmd
    };
    let checks: [(&'static str, Command); 4] = [
        ("fmt", cargo(&["fmt", "--all", "--check"])),
        (
            "clippy (host)",
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ),
        (
            "clippy (wasm32)",
            cargo(&[
                "clippy",
                "-p",
                "switchboard-widget",
                "-p",
                "switchboard-edge",
                "-p",
                "switchboard-shared",
                "--target",
                WASM_TARGET,
                "--",
                "-D",
                "warnings",
            ]),
        ),
        (
            "unit tests",
            cargo(&["test", "--workspace", "--exclude", "switchboard-tests"]),
        ),
    ];
    for (step, mut cmd) in checks {
        println!("== {step}");
        let t = Instant::now();
        let ok = if step.ends_with("tests") {
            let (ok, lines) = process::run_teed(&mut cmd)?;
            counts.add(&lines);
            ok
        } else {
            process::run(&mut cmd).is_ok()
        };
        outcomes.push(Outcome {
            step,
            took: t.elapsed(),
            ok,
        });
    }

    println!("== integration tests");
    let t = Instant::now();
    let (ok, lines) = process::run_teed(&mut cargo(&["test", "-p", "switchboard-tests"]))?;
    counts.add(&lines);
    outcomes.push(Outcome {
        step: "integration tests",
        took: t.elapsed(),
        ok,
    });

    summary(&outcomes, &counts, started);
    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.ok).map(|o| o.step).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::new(format!("failed: {}", failed.join(", "))))
    }
}

fn summary(outcomes: &[Outcome], counts: &Counts, started: Instant) {
    println!("\n== summary");
    for o in outcomes {
        println!(
            "  {:<20} {:>7.1} s  {}",
            o.step,
            o.took.as_secs_f64(),
            if o.ok { "ok" } else { "FAILED" }
        );
    }
    println!(
        "  {:<20} {:>7.1} s",
        "total",
        started.elapsed().as_secs_f64()
    );
    let ignored = if counts.ignored > 0 {
        format!(", {} skipped", counts.ignored)
    } else {
        String::new()
    };
    println!(
        "tests: {} passed, {} failed{ignored}",
        counts.passed, counts.failed
    );
}
