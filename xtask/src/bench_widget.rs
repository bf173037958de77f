//! `cargo xtask bench-widget`: what the widget costs a host page. The shipped files and the
//! peer embed bundles from npm, each raw, gzip -9 and brotli -q 11 (Cloudflare serves
//! static assets with brotli to browsers that take it); then the `widget-bench` binary of
//! the test harness (real Worker, loopback, cold cache, headless Chromium): the bytes before
//! and after engagement against their targets, the time until the visible form appears
//! (median of 10), the first interaction to the live form (median of 10), and Lighthouse on
//! the demo page with and without the widget, form above and below the fold (3 runs each,
//! medians).

use crate::build::{brotli_size, gzip_size};
use crate::repo::Repo;
use crate::{Error, Result, process};
use std::path::Path;
use std::process::Command;

/// What a page downloads for the widget: (label, file under widget/dist).
const SHIPPED: [(&str, &str); 2] = [
    ("loader + glue + CSS (widget.js)", "widget.js"),
    (
        "wasm (switchboard_widget_bg.wasm)",
        "switchboard_widget_bg.wasm",
    ),
];

/// Peer embed bundles from npm (package.json devDependencies): (label, file).
const PEERS: [(&str, &str); 3] = [
    (
        "@typeform/embed build/embed.js",
        "node_modules/@typeform/embed/build/embed.js",
    ),
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
    println!("== bench-widget: files (bytes)                  raw    gzip -9  brotli -q 11");
    let mut total = [0; 2];
    for (label, file) in SHIPPED {
        let path = repo.path("widget/dist").join(file);
        if !path.is_file() {
            return Err(Error::new(format!(
                "{} is missing; run `cargo xtask build`",
                path.display()
            )));
        }
        let (raw, gz, br) = sizes(&path)?;
        total = [total[0] + gz, total[1] + br];
        println!("  {label:<42} {raw:>9} {gz:>9} {br:>9}");
    }
    println!(
        "  {:<42} {:>9} {:>9} {:>9}  (the form definition comes on top: see below)",
        "Switchboard, both files", "", total[0], total[1]
    );
    println!("peer embed bundles (npm):");
    for (label, file) in PEERS {
        let path = repo.path(file);
        if !path.is_file() {
            return Err(Error::new(format!(
                "{} is missing; run `npm ci` (cargo xtask setup)",
                path.display()
            )));
        }
        let (raw, gz, br) = sizes(&path)?;
        println!("  {label:<42} {raw:>9} {gz:>9} {br:>9}");
    }
    println!();
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
        .arg("--lighthouse")
        .current_dir(&repo.root)
        .env("PATH", repo.tool_path());
    process::run(&mut bench)
}

fn sizes(path: &Path) -> Result<(u64, u64, u64)> {
    Ok((
        std::fs::metadata(path)?.len(),
        gzip_size(path)?,
        brotli_size(path)?,
    ))
}
