//! `cargo xtask build`: the widget into widget/dist and the Worker into edge/build, then
//! the gzip sizes of what ships and the loader's Subresource Integrity hash.

use crate::process;
use crate::repo::{self, Repo, WASM_TARGET};
use crate::{Error, Result};
use base64::Engine;
use sha2::{Digest, Sha384};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Features of current rustc wasm output that wasm-opt must accept.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Hand-written widget files copied into widget/dist next to the generated ones:
/// (file name, where the widget crate keeps it). The loader is not copied but bundled
/// (see [`bundle_loader`]); the stylesheet also ships alone for browsers without
/// constructed stylesheets.
const WIDGET_STATIC: [(&str, &str); 1] = [("widget.css", "widget/style/widget.css")];

/// Files copied into widget/dist when the widget crate has them: `_headers` sets response
/// headers of the static assets (host pages on other origins need CORS to import the glue).
const WIDGET_OPTIONAL: [&str; 1] = ["_headers"];

pub fn run(repo: &Repo) -> Result<()> {
    println!("== build");
    let wasm_bindgen = repo::find_tool("wasm-bindgen")
        .ok_or_else(|| Error::new("wasm-bindgen is not installed; run `cargo xtask setup`"))?;
    let wasm_opt = repo.npm_bin("wasm-opt");
    if !wasm_opt.exists() {
        return Err(Error::new(
            "node_modules/.bin/wasm-opt is missing; run `cargo xtask setup`",
        ));
    }
    widget(repo, &wasm_bindgen, &wasm_opt)?;
    edge(repo, &wasm_bindgen, &wasm_opt)?;
    report(repo)?;
    Ok(())
}

/// `cargo xtask build-widget`: only widget/dist, for iterating on the form.
pub fn run_widget(repo: &Repo) -> Result<()> {
    println!("== build (widget only)");
    let wasm_bindgen = repo::find_tool("wasm-bindgen")
        .ok_or_else(|| Error::new("wasm-bindgen is not installed; run `cargo xtask setup`"))?;
    let wasm_opt = repo.npm_bin("wasm-opt");
    widget(repo, &wasm_bindgen, &wasm_opt)?;
    report(repo)
}

fn widget(repo: &Repo, wasm_bindgen: &Path, wasm_opt: &Path) -> Result<()> {
    process::run(
        Command::new("cargo")
            .args([
                "build",
                "-p",
                "switchboard-widget",
                "--release",
                "--target",
                WASM_TARGET,
            ])
            .current_dir(&repo.root),
    )?;
    let dist = repo.path("widget/dist");
    // Start empty so files the widget no longer has are not served.
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    std::fs::create_dir_all(&dist)?;
    let wasm = repo
        .target_dir()
        .join(WASM_TARGET)
        .join("release")
        .join("switchboard_widget.wasm");
    process::run(
        Command::new(wasm_bindgen)
            .arg(&wasm)
            .args([
                "--target",
                "web",
                "--out-name",
                "switchboard_widget",
                "--no-typescript",
                "--out-dir",
            ])
            .arg(&dist),
    )?;
    let bg = dist.join("switchboard_widget_bg.wasm");
    process::run(
        Command::new(wasm_opt)
            .arg("-Oz")
            .args(WASM_OPT_FEATURES)
            .arg(&bg)
            .arg("-o")
            .arg(&bg)
            .env("PATH", repo.tool_path()),
    )?;
    // The glue ships unminified; it stays in dist as an ES module for pages that call
    // `validate()` themselves.
    minify(repo, &dist.join("switchboard_widget.js"), &["--format=esm"])?;
    let mut copies = Vec::new();
    for (name, usual) in WIDGET_STATIC {
        copies.push((name, find_widget_file(repo, name, usual)?));
    }
    for name in WIDGET_OPTIONAL {
        let mut found = Vec::new();
        find_named(&repo.path("widget"), name, &mut found);
        copies.extend(found.into_iter().next().map(|source| (name, source)));
    }
    for (name, source) in copies {
        std::fs::copy(&source, dist.join(name))?;
        println!(
            "copied {} -> widget/dist/{name}",
            source.strip_prefix(&repo.root).unwrap_or(&source).display()
        );
    }
    minify(repo, &dist.join("widget.css"), &[])?;
    bundle_loader(repo, &dist)
}

/// Minifies `file` in dist in place with esbuild (`extra` names the format for scripts).
fn minify(repo: &Repo, file: &Path, extra: &[&str]) -> Result<()> {
    process::run(
        Command::new(repo.npm_bin("esbuild"))
            .arg(file)
            .args(["--minify", "--allow-overwrite", "--log-level=warning"])
            .args(extra)
            .arg(format!("--outfile={}", file.display()))
            .env("PATH", repo.tool_path()),
    )
}

/// Bundles widget/loader/widget.js with the glue and the stylesheet (both minified in dist
/// already, which the loader imports from) into one minified
/// classic script, dist/widget.js, with the SHA-384 of the wasm (and of widget.css, the
/// fallback stylesheet) written in: the loader's own integrity hash covers everything.
fn bundle_loader(repo: &Repo, dist: &Path) -> Result<()> {
    let wasm_sri = sri(&std::fs::read(dist.join("switchboard_widget_bg.wasm"))?);
    let css_sri = sri(&std::fs::read(dist.join("widget.css"))?);
    let loader = find_widget_file(repo, "widget.js", "widget/loader/widget.js")?;
    process::run(
        Command::new(repo.npm_bin("esbuild"))
            .arg(&loader)
            .args([
                "--bundle",
                "--minify",
                "--format=iife",
                "--target=es2020",
                "--loader:.css=text",
                "--log-level=warning",
                // The glue's default wasm URL (import.meta.url) is never used: the loader
                // always hands it the integrity-checked fetch.
                "--log-override:empty-import-meta=silent",
            ])
            .arg(format!("--define:SB_WASM_SRI=\"{wasm_sri}\""))
            .arg(format!("--define:SB_CSS_SRI=\"{css_sri}\""))
            .arg(format!("--outfile={}", dist.join("widget.js").display()))
            .current_dir(&repo.root)
            .env("PATH", repo.tool_path()),
    )?;
    println!(
        "bundled widget/loader/widget.js + glue + widget.css -> widget/dist/widget.js (wasm {wasm_sri})"
    );
    Ok(())
}

/// A Subresource Integrity value (`sha384-<base64>`) of `bytes`.
pub fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// The hand-written file at its usual place, or else the one file of that name under widget/.
fn find_widget_file(repo: &Repo, name: &str, usual: &str) -> Result<PathBuf> {
    let usual = repo.path(usual);
    if usual.is_file() {
        return Ok(usual);
    }
    let mut found = Vec::new();
    find_named(&repo.path("widget"), name, &mut found);
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::new(format!(
            "the widget has no {name} (looked for {} and under widget/)",
            usual.display()
        ))),
        many => Err(Error::new(format!(
            "several widget files are named {name}: {many:?}"
        ))),
    }
}

fn find_named(dir: &Path, name: &str, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let skip = matches!(
            entry.file_name().to_str(),
            Some("dist" | "target" | "node_modules")
        );
        if path.is_dir() && !skip {
            find_named(&path, name, found);
        } else if entry.file_name().to_str() == Some(name) {
            found.push(path);
        }
    }
}

fn edge(repo: &Repo, wasm_bindgen: &Path, wasm_opt: &Path) -> Result<()> {
    let worker_build = repo::find_tool("worker-build")
        .ok_or_else(|| Error::new("worker-build is not installed; run `cargo xtask setup`"))?;
    // worker-build would download wasm-bindgen, wasm-opt and esbuild; hand it ours instead.
    process::run(
        Command::new(worker_build)
            .arg("--release")
            .current_dir(repo.edge())
            .env("WASM_BINDGEN_BIN", wasm_bindgen)
            .env("WASM_OPT_BIN", wasm_opt)
            .env("ESBUILD_BIN", repo.npm_bin("esbuild"))
            .env("PATH", repo.tool_path()),
    )?;
    let saved = crate::wasm_names::strip_names(&repo.path("edge/build/index_bg.wasm"))?;
    println!("dropped the wasm name section: {saved} bytes");
    Ok(())
}

/// Prints gzip -9 and brotli -q 11 sizes of every shipped file and the loader's SRI hash.
fn report(repo: &Repo) -> Result<()> {
    println!("\nsize (bytes)                                         raw   gzip -9 brotli -q 11");
    let mut files = listed(&repo.path("widget/dist"), &["js", "wasm", "css"]);
    files.extend(listed(&repo.path("edge/build"), &["wasm", "mjs", "js"]));
    for file in &files {
        let raw = std::fs::metadata(file)?.len();
        let gz = gzip_size(file)?;
        let br = brotli_size(file)?;
        let shown = file.strip_prefix(&repo.root).unwrap_or(file);
        println!("  {:<46} {raw:>9} {gz:>9} {br:>9}", shown.display());
    }
    let loader = std::fs::read(repo.path("widget/dist/widget.js"))?;
    println!("\nloader SRI: {}", sri(&loader));
    Ok(())
}

/// Files under `dir` (recursively) with one of `extensions`, sorted.
fn listed(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for path in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
        {
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The size of `file` compressed with brotli at its highest quality, as Cloudflare serves
/// static assets to browsers that accept it.
pub fn brotli_size(file: &Path) -> Result<u64> {
    let out = Command::new("brotli")
        .args(["-q", "11", "-c"])
        .arg(file)
        .output()
        .map_err(|e| Error::new(format!("cannot run brotli ({e}); run `cargo xtask setup`")))?;
    if !out.status.success() {
        return Err(Error::new(format!("brotli {} failed", file.display())));
    }
    Ok(out.stdout.len() as u64)
}

pub fn gzip_size(file: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(file).output()?;
    if !out.status.success() {
        return Err(Error::new(format!("gzip -9 {} failed", file.display())));
    }
    Ok(out.stdout.len() as u64)
}
