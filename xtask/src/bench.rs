//! `cargo xtask bench`: builds, then measures everything BENCHMARKS.md reports in one run
//! (edge latency and throughput against a no-op Worker, and against a floor with one D1
//! insert at 0 and 50 ms of storage delay with trips per submit, delivery time, cold starts, sizes,
//! routing and deadline cost, the widget's time to a visible form) and prints one report,
//! also saved to `<target>/bench-report.md`.

use crate::process;
use crate::repo::Repo;
use crate::{Error, Result, build};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The widget's budget for a visible form after the loader starts (issue 7).
const VISIBLE_FORM_TARGET_MS: f64 = 100.0;

pub fn run(repo: &Repo, args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    if !args.iter().any(|a| a == "--no-build") {
        build::run(repo)?;
    }
    println!("\n== bench: routing and deadlines (native)");
    let (ok, decisions) = process::run_teed(
        Command::new("cargo")
            .args(["bench", "-p", "switchboard-shared", "--features", "server"])
            .args(["--bench", "decisions"])
            .current_dir(&repo.root),
    )?;
    if !ok {
        return Err(Error::new("the decisions benchmark failed"));
    }

    println!("\n== bench: the edge under wrangler dev");
    let rows_file = repo.target_dir().join("bench-edge-rows.md");
    let _ = std::fs::remove_file(&rows_file);
    let mut edge = Command::new("cargo");
    edge.args([
        "run",
        "-q",
        "-p",
        "switchboard-tests",
        "--bin",
        "edgebench",
        "--",
    ])
    .arg("--rows")
    .arg(&rows_file)
    .current_dir(&repo.root);
    if quick {
        // A smoke run of the whole pipeline, not figures to report.
        edge.args(["--runs", "1", "--seconds", "2", "--deliveries", "100"])
            .args(["--starts", "1", "--rtt-deliveries", "50"]);
    }
    process::run(&mut edge)?;
    let edge_rows = std::fs::read_to_string(&rows_file)?;
    let widget_rows = widget_time_to_visible(repo, if quick { "3" } else { "10" })?;

    let mut report = String::new();
    report.push_str(&machine()?);
    report.push_str("\n### Edge, sizes and the widget\n\n");
    report.push_str(&edge_rows);
    for row in size_rows(repo)? {
        report.push_str(&row);
    }
    report.push_str(&widget_rows);
    report
        .push_str("\n### Routing and deadlines (native, `cargo bench ... --bench decisions`)\n\n");
    report.push_str("```\n");
    for line in decisions
        .iter()
        .filter(|l| !l.starts_with("Running") && !l.trim().is_empty())
    {
        report.push_str(line);
        report.push('\n');
    }
    report.push_str("```\n");
    let saved = repo.target_dir().join("bench-report.md");
    std::fs::write(&saved, &report)?;
    println!(
        "\n== bench report (saved to {})\n\n{report}",
        saved.display()
    );
    Ok(())
}

/// CPU model, cores and memory: the machine every figure belongs to.
fn machine() -> Result<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let nproc = process::probe(&mut Command::new("nproc")).unwrap_or_default();
    let free = process::probe(Command::new("free").arg("-g")).unwrap_or_default();
    // The machine is shared: the load average says how much else ran during the bench.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    Ok(format!(
        "### Machine\n\nCPU: {model}, nproc: {}, load average at the end: {}\n\n```\n$ free -g\n{}```\n",
        nproc.trim(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        free
    ))
}

/// gzip -9 sizes: the Worker (wasm plus its JS glue) and every file the widget ships.
fn size_rows(repo: &Repo) -> Result<Vec<String>> {
    let mut rows = Vec::new();
    let worker = [
        repo.path("edge/build/index_bg.wasm"),
        repo.path("edge/build/index.js"),
    ];
    let mut total = (0, 0);
    for file in &worker {
        let (raw, gz) = sizes(file)?;
        total = (total.0 + raw, total.1 + gz);
        rows.push(size_row(repo, file, raw, gz));
    }
    rows.push(format!(
        "| Worker total (index_bg.wasm + index.js), gzip -9 | {} | raw {} | |\n",
        kib(total.1),
        kib(total.0)
    ));
    let mut widget: Vec<PathBuf> = std::fs::read_dir(repo.path("widget/dist"))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    widget.sort();
    let mut total = (0, 0);
    for file in &widget {
        let (raw, gz) = sizes(file)?;
        total = (total.0 + raw, total.1 + gz);
        rows.push(size_row(repo, file, raw, gz));
    }
    rows.push(format!(
        "| widget transfer (all of widget/dist), gzip -9 | {} | raw {} | |\n",
        kib(total.1),
        kib(total.0)
    ));
    Ok(rows)
}

fn size_row(repo: &Repo, file: &Path, raw: u64, gz: u64) -> String {
    let shown = file.strip_prefix(&repo.root).unwrap_or(file);
    format!(
        "| {}, gzip -9 | {} | raw {} | |\n",
        shown.display(),
        kib(gz),
        kib(raw)
    )
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn sizes(file: &Path) -> Result<(u64, u64)> {
    let raw = std::fs::metadata(file)
        .map_err(|e| Error::new(format!("{}: {e}; run `cargo xtask build`", file.display())))?
        .len();
    let out = Command::new("gzip").args(["-9", "-c"]).arg(file).output()?;
    if !out.status.success() {
        return Err(Error::new(format!("gzip -9 {} failed", file.display())));
    }
    Ok((raw, out.stdout.len() as u64))
}

/// The widget's time to a visible form: `widget-bench` (also behind `cargo xtask
/// bench-widget`) over `runs` cold loads in headless Chromium, as table rows: the median
/// with its range, then where the time went.
fn widget_time_to_visible(repo: &Repo, runs: &str) -> Result<String> {
    println!("\n== bench: the widget's time to a visible form (headless Chromium)");
    let (ok, lines) = process::run_teed(
        Command::new("cargo")
            .args([
                "run",
                "-q",
                "-p",
                "switchboard-tests",
                "--bin",
                "widget-bench",
                "--",
            ])
            .arg(runs)
            .current_dir(&repo.root)
            .env("PATH", repo.tool_path()),
    )?;
    if !ok {
        return Err(Error::new("the widget benchmark failed"));
    }
    let rows = widget_rows(&lines, runs);
    if rows.is_empty() {
        return Err(Error::new("the widget benchmark printed no median"));
    }
    Ok(rows)
}

/// Table rows from `widget-bench`'s output.
fn widget_rows(lines: &[String], runs: &str) -> String {
    // widget-bench prints two series (a new Chromium per load, then one running
    // Chromium), each as a headline, the median from the loader's first statement, and
    // where the time went.
    const SERIES: [(&str, &str); 2] = [
        (
            "visible form after loader start: median ",
            "a new Chromium per load",
        ),
        (
            "running Chromium: visible form after loader start: median ",
            "one running Chromium",
        ),
    ];
    let mut rows = String::new();
    let mut series = "";
    let mut parts = false;
    for line in lines {
        let headline = SERIES
            .iter()
            .find_map(|(prefix, name)| line.strip_prefix(prefix).map(|rest| (rest, *name)));
        if let Some((rest, name)) = headline {
            series = name;
            parts = false;
            // "240.0 ms over 10 cold loads, a new Chromium each (min 202.1, max 428.5)"
            let number = |s: &str| s.trim().trim_end_matches(')').parse::<f64>().ok();
            let median = rest.split(" ms").next().and_then(number);
            let min = rest
                .split("(min ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .and_then(number);
            let max = rest.split("max ").nth(1).and_then(number);
            if let (Some(median), Some(min), Some(max)) = (median, min, max) {
                let verdict = if median <= VISIBLE_FORM_TARGET_MS {
                    "met"
                } else {
                    "NOT met"
                };
                rows.push_str(&format!(
                    "| widget time to visible form, {name} ({runs} cold loads) | {median:.1} ms | {min:.1} ms-{max:.1} ms | <= {VISIBLE_FORM_TARGET_MS:.0} ms: {verdict} |\n"
                ));
            }
        } else if let Some(rest) = line.strip_prefix("visible form after the loader runs: median ")
        {
            // "98.4 ms (min 80.2, max 130.0)": the loader's own download left out.
            rows.push_str(&format!(
                "| widget ({series}): visible form from the loader's first statement | {} | | |\n",
                rest.split(" (").next().unwrap_or(rest)
            ));
        } else if line.starts_with("where the time went") {
            parts = true;
        } else if line.trim_start().starts_with("warm-up") {
            parts = false;
        } else if parts && let Some((name, ms)) = line.trim().rsplit_once("  ") {
            rows.push_str(&format!(
                "| widget ({series}): {} (median, after the loader's request start) | {} | | |\n",
                name.trim(),
                ms.trim()
            ));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_rows_name_each_series() {
        let out = "  warm-up                     173.0 ms
  run  1                      169.1 ms
visible form after loader start: median 152.9 ms over 10 cold loads, a new Chromium each (min 109.4, max 197.5)
visible form after the loader runs: median 70.7 ms (min 50.3, max 122.7)
where the time went (median ms after the loader's request start):
  loader downloaded                   67.9 ms
  warm-up                     145.6 ms
  run  1                      122.1 ms
running Chromium: visible form after loader start: median 77.8 ms over 10 cold loads, a new tab and edge host name each (min 71.8, max 110.7)
visible form after the loader runs: median 42.6 ms (min 39.9, max 69.7)
where the time went (median ms after the loader's request start):
  loader downloaded                   31.5 ms";
        let lines: Vec<String> = out.lines().map(str::to_owned).collect();
        let rows = widget_rows(&lines, "10");
        let rows: Vec<&str> = rows.lines().collect();
        assert_eq!(
            rows,
            [
                "| widget time to visible form, a new Chromium per load (10 cold loads) | 152.9 ms | 109.4 ms-197.5 ms | <= 100 ms: NOT met |",
                "| widget (a new Chromium per load): visible form from the loader's first statement | 70.7 ms | | |",
                "| widget (a new Chromium per load): loader downloaded (median, after the loader's request start) | 67.9 ms | | |",
                "| widget time to visible form, one running Chromium (10 cold loads) | 77.8 ms | 71.8 ms-110.7 ms | <= 100 ms: met |",
                "| widget (one running Chromium): visible form from the loader's first statement | 42.6 ms | | |",
                "| widget (one running Chromium): loader downloaded (median, after the loader's request start) | 31.5 ms | | |",
            ]
        );
    }
}
