//! The real Worker under `wrangler dev` on a free port, with its own fresh local state
//! (D1, Queues) in a temporary `--persist-to` directory that has the migrations applied.

use crate::{Error, Result, free_port, reaper, repo};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a cold `wrangler dev` may take to answer /healthz on a busy 2-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// Options for one Worker instance.
#[derive(Debug, Clone, Default)]
pub struct WorkerOptions {
    /// Extra `--var NAME:VALUE` pairs (ALLOW_LOOPBACK_HTTP:true is always set).
    pub vars: Vec<(String, String)>,
    /// Adds `--test-scheduled` so tests can fire cron via `GET /__scheduled`.
    pub test_scheduled: bool,
}

/// A running Worker; dropping it stops wrangler and workerd (the whole process group).
pub struct Worker {
    /// e.g. `http://127.0.0.1:41234`
    pub origin: String,
    child: Child,
    log: PathBuf,
    // Kept for the lifetime of the Worker: its D1 and queue state live here.
    state: tempfile::TempDir,
}

impl Worker {
    pub async fn start(options: WorkerOptions) -> Result<Worker> {
        let shim = repo::path("edge/build/worker/shim.mjs");
        if !shim.exists() {
            return Err(Error::msg(format!(
                "{} is missing; run `cargo xtask build`",
                shim.display()
            )));
        }
        if !repo::wrangler_bin().exists() {
            return Err(Error::msg(
                "node_modules/.bin/wrangler is missing; run `cargo xtask setup`",
            ));
        }
        let state = tempfile::Builder::new()
            .prefix("switchboard-worker-")
            .tempdir()?;
        let persist = state.path().join("state");
        apply_migrations(&persist).await?;

        let port = free_port()?;
        let inspector = free_port()?;
        let log = state.path().join("wrangler.log");
        let log_file = std::fs::File::create(&log)?;
        let mut cmd = wrangler();
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector.to_string()])
            .arg("--persist-to")
            .arg(&persist)
            .args([
                "--show-interactive-dev-session=false",
                "--live-reload=false",
            ])
            .args(["--var", "ALLOW_LOOPBACK_HTTP:true"]);
        for (name, value) in &options.vars {
            cmd.args(["--var", &format!("{name}:{value}")]);
        }
        if options.test_scheduled {
            cmd.arg("--test-scheduled");
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .map_err(|e| Error::msg(format!("cannot start wrangler dev: {e}")))?;
        reaper::track(child.id());
        let mut worker = Worker {
            origin: format!("http://127.0.0.1:{port}"),
            child,
            log,
            state,
        };
        worker.wait_healthy().await?;
        Ok(worker)
    }

    async fn wait_healthy(&mut self) -> Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let url = format!("{}/healthz", self.origin);
        let started = Instant::now();
        loop {
            if let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::msg(format!(
                    "wrangler dev exited ({status}) before answering:\n{}",
                    self.log_tail()
                )));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(Error::msg(format!(
                    "wrangler dev did not answer {url} within {} s:\n{}",
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The last lines wrangler printed: the first place to look when a test fails.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Where this instance keeps its local D1 and queue state.
    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// Runs one SQL statement against this instance's local D1 (`wrangler d1 execute`),
    /// beside the running Worker, and returns the result rows. The Worker (or another
    /// trial's statement) may hold SQLite's write lock for a moment; a statement refused
    /// with `SQLITE_BUSY` changed nothing and is tried again, a few times.
    pub async fn d1_query(&self, sql: &str) -> Result<Vec<serde_json::Value>> {
        const BUSY_RETRIES: u32 = 5;
        let mut tries = 0;
        loop {
            match self.d1_query_once(sql).await {
                Err(e) if tries < BUSY_RETRIES && e.to_string().contains("SQLITE_BUSY") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 * u64::from(tries)))
                        .await;
                }
                other => return other,
            }
        }
    }

    async fn d1_query_once(&self, sql: &str) -> Result<Vec<serde_json::Value>> {
        let mut cmd = wrangler();
        cmd.args([
            "d1",
            "execute",
            "switchboard",
            "--local",
            "--json",
            "--persist-to",
        ])
        .arg(self.state.path().join("state"))
        .args(["--command", sql])
        .stdin(Stdio::null());
        let out = tokio::process::Command::from(cmd).output().await?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(Error::msg(format!(
                "wrangler d1 execute failed ({}): {text}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let parsed: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::msg(format!("d1 execute printed no json ({e}): {text}")))?;
        Ok(parsed[0]["results"].as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        reaper::stop(&mut self.child);
    }
}

/// wrangler with Node 22, run from edge/, with no metrics and no prompts.
fn wrangler() -> Command {
    let mut cmd = Command::new(repo::wrangler_bin());
    cmd.current_dir(repo::path("edge"))
        .env("PATH", repo::tool_path())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true");
    cmd
}

async fn apply_migrations(persist: &Path) -> Result<()> {
    let mut cmd = wrangler();
    cmd.args([
        "d1",
        "migrations",
        "apply",
        "switchboard",
        "--local",
        "--persist-to",
    ])
    .arg(persist)
    .stdin(Stdio::null());
    let out = tokio::process::Command::from(cmd).output().await?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "wrangler d1 migrations apply failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
