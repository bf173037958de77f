//! `cargo xtask bench-widget`: what the widget costs a host page. The total transfer
//! (gzip -9 of the loader bundle, which carries the glue and the stylesheet, plus the wasm)
//! against the 50 KB budget, the gzip sizes of two peer embed bundles from npm side by side,
//! and the time until the visible form appears after the loader starts (the `widget-bench`
//! binary of the test harness: real Worker, loopback, cold cache, headless Chromium,
//! median of 10).

use crate::build::gzip_size;
use crate::repo::Repo;
use crate::{Error, Result, process};
use std::path::PathBuf;
use std::process::Command;

/// Transfer budget of the widget (loader + glue + wasm + CSS, gzip -9), in bytes.
const BUDGET: u64 = 50 * 1024;

/// What a page downloads to show the form: (label, file under widget/dist).
const SHIPPED: [(&str, &str); 2] = [
    ("loader + glue + CSS (widget.js)", "widget.js"),
    (
        "wasm (switchboard_widget_bg.wasm)",
        "switchboard_widget_bg.wasm",
    ),
];

/// Peer embed bundles from npm (package.json devDependencies): (label, file).
const PEERS: [(&str, &str); 2] = [
    (
        "@formbricks/surveys dist/index.umd.js",
        "node_modules/@formbricks/surveys/dist/index.umd.js",
    ),
    (
        "@typebot.io/js dist/web.js",
        "node_modules/@typebot.io/js/dist/web.js",
    ),
];

pub fn run(repo: &Repo, runs: Option<&str>) -> Result<()> {
    println!("== bench-widget: transfer (bytes)           raw     gzip -9");
    let mut total = 0;
    for (label, file) in SHIPPED {
        let path = repo.path("widget/dist").join(file);
        if !path.is_file() {
            return Err(Error::new(format!(
                "{} is missing; run `cargo xtask build`",
                path.display()
            )));
        }
        let (raw, gz) = sizes(&path)?;
        total += gz;
        println!("  {label:<38} {raw:>9} {gz:>9}");
    }
    println!(
        "  {:<38} {:>9} {total:>9}  ({:.1} KB of the {} KB budget: {})",
        "Switchboard total",
        "",
        total as f64 / 1024.0,
        BUDGET / 1024,
        if total <= BUDGET { "within" } else { "OVER" }
    );
    for (label, file) in PEERS {
        let path = repo.path(file);
        if !path.is_file() {
            return Err(Error::new(format!(
                "{} is missing; run `npm ci` (cargo xtask setup)",
                path.display()
            )));
        }
        let (raw, gz) = sizes(&path)?;
        println!(
            "  {label:<38} {raw:>9} {gz:>9}  ({:.1}x Switchboard)",
            gz as f64 / total.max(1) as f64
        );
    }
    println!("\n== bench-widget: visible form after the loader starts");
    let mut bench = Command::new("cargo");
    bench
        .args([
            "run",
            "--quiet",
            "-p",
            "switchboard-tests",
            "--bin",
            "widget-bench",
            "--",
        ])
        .arg(runs.unwrap_or("10"))
        .current_dir(&repo.root)
        .env("PATH", repo.tool_path());
    process::run(&mut bench)
}

fn sizes(path: &PathBuf) -> Result<(u64, u64)> {
    Ok((std::fs::metadata(path)?.len(), gzip_size(path)?))
}
