//! `wrangler deploy --dry-run` on the built Worker: wrangler checks `edge/wrangler.toml`
//! and bundles the Worker as it would upload it, without uploading. The check fails on an
//! invalid config and on a bundle over Cloudflare's 3 MB (after compression) limit for a
//! Worker on the Free plan, and prints the size either way.

use crate::repo::Repo;
use crate::{Error, Result};
use std::process::Command;

/// Cloudflare's limit on a Worker's compressed size on the Free plan.
pub const MAX_GZIP_BYTES: u64 = 3_000_000;

pub fn run(repo: &Repo) -> Result<()> {
    let outdir = repo.target_dir().join("deploy-dry-run");
    let mut cmd = Command::new(repo.npm_bin("wrangler"));
    cmd.args(["deploy", "--dry-run", "--outdir"])
        .arg(&outdir)
        .current_dir(repo.edge())
        .env("PATH", repo.tool_path())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true");
    println!("$ {}", crate::process::describe(&cmd));
    let out = cmd
        .output()
        .map_err(|e| Error::new(format!("could not start wrangler: {e}")))?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(Error::new(format!(
            "wrangler deploy --dry-run failed ({}):\n{printed}",
            out.status
        )));
    }
    let (total, gzip) = upload_size(&printed).ok_or_else(|| {
        Error::new(format!(
            "wrangler deploy --dry-run printed no upload size:\n{printed}"
        ))
    })?;
    println!(
        "deploy dry run: upload {:.1} KiB, gzip {:.1} KiB ({gzip} bytes; limit {MAX_GZIP_BYTES})",
        total as f64 / 1024.0,
        gzip as f64 / 1024.0
    );
    if gzip > MAX_GZIP_BYTES {
        return Err(Error::new(format!(
            "the Worker is {gzip} bytes gzip, over the {MAX_GZIP_BYTES}-byte limit"
        )));
    }
    Ok(())
}

/// Bytes of the upload and of its gzip from wrangler's line
/// `Total Upload: 1943.50 KiB / gzip: 750.13 KiB`.
pub fn upload_size(printed: &str) -> Option<(u64, u64)> {
    let line = printed.lines().find(|l| l.contains("Total Upload:"))?;
    let (total, gzip) = line.split_once("Total Upload:")?.1.split_once("/ gzip:")?;
    Some((bytes(total)?, bytes(gzip)?))
}

/// `750.13 KiB` (or B, MiB) as bytes.
fn bytes(figure: &str) -> Option<u64> {
    let mut words = figure.split_whitespace();
    let n: f64 = words.next()?.parse().ok()?;
    let scale = match words.next()? {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * scale).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wranglers_size_line() {
        let printed = "Your Worker has access to the following bindings:\n\
                       Total Upload: 1943.50 KiB / gzip: 750.13 KiB\n--dry-run: exiting now.";
        assert_eq!(upload_size(printed), Some((1_990_144, 768_133)));
        assert_eq!(
            upload_size("Total Upload: 10.50 MiB / gzip: 3.10 MiB"),
            Some((11_010_048, 3_250_586))
        );
        assert_eq!(upload_size("no size here"), None);
        assert_eq!(upload_size("Total Upload: 12 parsecs / gzip: 1 KiB"), None);
    }
}
