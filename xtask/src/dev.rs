//! `cargo xtask dev`: the whole product on this machine. The Worker under `wrangler dev` on
//! :8787 with local D1 and Queues, the demo site provisioned, a webhook receiver on :8788
//! that verifies and prints every delivery, and the demo host page on :8790.

use crate::process::{self, Service};
use crate::repo::Repo;
use crate::{Error, Result, build, http, setup};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Command;
use std::time::Duration;

const EDGE_PORT: u16 = 8787;
const RECEIVER_PORT: u16 = 8788;
const PAGE_PORT: u16 = 8790;

pub fn run(repo: &Repo) -> Result<()> {
    setup::run(repo)?;
    build::run(repo)?;
    for (port, what) in [
        (EDGE_PORT, "the Worker"),
        (RECEIVER_PORT, "the webhook receiver"),
        (PAGE_PORT, "the demo page"),
    ] {
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            return Err(Error::new(format!(
                "port {port} (for {what}) is in use; stop whatever holds it first"
            )));
        }
    }
    println!("== dev");
    process::run(&mut wrangler(
        repo,
        &["d1", "migrations", "apply", "switchboard", "--local"],
    ))?;
    process::run(
        Command::new("cargo")
            .args(["build", "-p", "switchboard-tests", "--bin", "devhost"])
            .current_dir(&repo.root),
    )?;
    process::catch_interrupts()?;

    let port = EDGE_PORT.to_string();
    let mut services = vec![Service::spawn(
        "wrangler dev",
        &mut wrangler(
            repo,
            &[
                "dev",
                "--ip",
                "127.0.0.1",
                "--port",
                &port,
                "--var",
                "ALLOW_LOOPBACK_HTTP:true",
                "--show-interactive-dev-session=false",
            ],
        ),
    )?];
    let edge = format!("http://127.0.0.1:{EDGE_PORT}");
    let up = http::wait_for_ok(
        SocketAddr::from((Ipv4Addr::LOCALHOST, EDGE_PORT)),
        "/healthz",
        Duration::from_secs(120),
        || !process::interrupted() && services.iter_mut().all(|s| s.exited().is_none()),
    );
    if process::interrupted() {
        // Dropping `services` stops what was started.
        return Ok(());
    }
    if !up {
        return Err(Error::new(format!(
            "the Worker did not answer {edge}/healthz within 120 s (see wrangler's output above)"
        )));
    }

    let devhost = repo.target_dir().join("debug").join("devhost");
    services.push(Service::spawn(
        "devhost",
        Command::new(devhost)
            .args(["--edge", &edge, "--provision", "demo/site.toml"])
            .args([
                "--receiver-port",
                &RECEIVER_PORT.to_string(),
                "--page-port",
                &PAGE_PORT.to_string(),
            ])
            .current_dir(&repo.root),
    )?);
    let page_up = http::wait_for_ok(
        SocketAddr::from((Ipv4Addr::LOCALHOST, PAGE_PORT)),
        "/",
        Duration::from_secs(60),
        || !process::interrupted() && services.iter_mut().all(|s| s.exited().is_none()),
    );
    if page_up {
        println!("\n  Demo page:         http://127.0.0.1:{PAGE_PORT}/");
        println!("  Worker:            {edge}  (GET /healthz, /v1/...)");
        println!(
            "  Webhook receiver:  http://127.0.0.1:{RECEIVER_PORT}/hooks/<poc>  (deliveries are printed here)"
        );
        println!("\nCtrl-C stops everything.\n");
    }

    let outcome = loop {
        if process::interrupted() {
            println!("\nstopping ...");
            break Ok(());
        }
        if let Some((name, status)) = services
            .iter_mut()
            .find_map(|s| s.exited().map(|st| (s.name, st)))
        {
            break Err(Error::new(format!(
                "{name} exited ({status}); stopping the rest"
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // Stop in reverse order of start: the receiver before the Worker that posts to it.
    while let Some(mut service) = services.pop() {
        service.stop();
    }
    outcome
}

/// wrangler run from edge/ with Node 22, metrics off and no prompts.
fn wrangler(repo: &Repo, args: &[&str]) -> Command {
    let mut cmd = Command::new(repo.npm_bin("wrangler"));
    cmd.args(args)
        .current_dir(repo.edge())
        .env("PATH", repo.tool_path())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true");
    cmd
}
