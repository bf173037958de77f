//! `switchboard`: the site owner's command. Checks a config offline, dry-runs routing on a
//! sample inquiry, pushes a config to the edge and lists inquiries.

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use switchboard_shared::api::SubmitRequest;
use switchboard_shared::calendar::expected_response;
use switchboard_shared::config::{ConfigOptions, SiteConfig, parse_config_with};
use switchboard_shared::inquiry::{Draft, parse_inquiry};
use switchboard_shared::locale::Locale;
use switchboard_shared::routing::Router;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Check, dry-run and publish Switchboard site configs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a site config file and print every problem with its line and column.
    Check {
        file: PathBuf,
        /// Accept plain-http webhooks to loopback (local development only).
        #[arg(long)]
        local: bool,
    },
    /// Route a sample inquiry (JSON: a field map, or a whole submit body) without sending it.
    Route {
        file: PathBuf,
        inquiry: PathBuf,
        /// Submission instant (RFC 3339); defaults to now.
        #[arg(long)]
        at: Option<String>,
        /// The visitor's language.
        #[arg(long)]
        locale: Option<String>,
        /// The visitor's IANA time zone.
        #[arg(long)]
        tz: Option<String>,
        #[arg(long)]
        local: bool,
    },
    /// Upload a config to the edge; the edge checks it again and keeps the old one if it fails.
    Push {
        file: PathBuf,
        #[command(flatten)]
        edge: EdgeArgs,
    },
    /// Print the JSON Schema of the config file (also published as schema/site-config.schema.json).
    Schema,
    /// List a site's inquiries, newest first.
    Inquiries {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// pending, delivered, failed or spam.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        poc: Option<String>,
        /// RFC 3339 instant or date: only inquiries at or after it.
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(clap::Args)]
struct EdgeArgs {
    /// Base URL of the edge, e.g. https://switchboard.example.workers.dev
    #[arg(long, env = "SWITCHBOARD_EDGE")]
    edge: String,
    /// The site's admin key.
    #[arg(long, env = "SWITCHBOARD_ADMIN_KEY", hide_env_values = true)]
    key: String,
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Check { file, local } => {
            let config = load(&file, local)?;
            println!(
                "{}: ok: site `{}`, {} fields, {} POCs, {} rules",
                file.display(),
                config.site,
                config.form.fields.len(),
                config.pocs.len(),
                config.rules.len()
            );
            Ok(())
        }
        Command::Route {
            file,
            inquiry,
            at,
            locale,
            tz,
            local,
        } => route(&file, &inquiry, at, locale, tz, local),
        Command::Push { file, edge } => push(&file, &edge),
        Command::Schema => {
            let schema = switchboard_shared::config::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Inquiries {
            edge,
            site,
            status,
            poc,
            since,
        } => list(&edge, &site, status, poc, since),
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn load(file: &Path, local: bool) -> Result<SiteConfig, String> {
    parse_config_with(
        &read(file)?,
        ConfigOptions {
            allow_loopback_http: local,
        },
    )
    .map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}:{e}", file.display()))
            .collect();
        format!("{}\n{} problem(s) found", lines.join("\n"), errors.len())
    })
}

fn route(
    file: &Path,
    inquiry: &Path,
    at: Option<String>,
    locale: Option<String>,
    tz: Option<String>,
    local: bool,
) -> Result<(), String> {
    let config = load(file, local)?;
    let text = read(inquiry)?;
    // Accept a whole submit body as well as a bare field map.
    let (draft, body_locale, body_tz): (Draft, _, _) =
        match serde_json::from_str::<SubmitRequest>(&text) {
            Ok(req) => (req.fields, req.locale, req.time_zone),
            Err(_) => (
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", inquiry.display()))?,
                None,
                None,
            ),
        };
    let locale = locale
        .or(body_locale)
        .map_or(config.default_locale, |l| Locale::from_tag(&l));
    let tz = tz.or(body_tz);
    let parsed = parse_inquiry(&config.form, &draft)
        .map_err(|errors| {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}: {}", e.field, e.code, e.message(Locale::En)))
                .collect();
            format!("the form would refuse this inquiry:\n{}", lines.join("\n"))
        })?
        // As the edge does before routing: an email domain in A-labels.
        .with_ascii_email();
    let at = match at {
        Some(s) => s
            .parse::<jiff::Timestamp>()
            .map_err(|e| format!("--at {s}: {e}"))?,
        None => jiff::Timestamp::now(),
    };
    let decision = Router::new(&config).route(&parsed, locale);
    let poc = config
        .poc(&decision.poc)
        .ok_or_else(|| format!("POC `{}` is missing", decision.poc))?;
    let expected = expected_response(
        poc,
        decision.priority,
        at.as_millisecond(),
        tz.as_deref(),
        locale,
    );
    println!("poc:      {} ({})", poc.id, poc.name);
    println!("priority: {}", decision.priority);
    if !decision.tags.is_empty() {
        println!("tags:     {}", decision.tags.join(", "));
    }
    println!("why:      {}", decision.explanation);
    println!(
        "deadline: {} ({})",
        expected.deadline, expected.deadline_local
    );
    println!("open now: {}", if expected.open_now { "yes" } else { "no" });
    println!("visitor:  {}", expected.sentence);
    Ok(())
}

fn push(file: &Path, edge: &EdgeArgs) -> Result<(), String> {
    let text = read(file)?;
    // Catch mistakes before the round trip; the edge checks again on its own.
    let site = match parse_config_with(
        &text,
        ConfigOptions {
            allow_loopback_http: true,
        },
    ) {
        Ok(c) => c.site,
        Err(_) => load(file, false).map(|c| c.site)?,
    };
    let url = format!(
        "{}/v1/admin/sites/{site}/config",
        edge.edge.trim_end_matches('/')
    );
    let body = send(
        ureq::put(&url)
            .config()
            .http_status_as_error(false)
            .build()
            .header("authorization", &format!("Bearer {}", edge.key))
            .header("content-type", "application/toml")
            .send(&text),
    )?;
    println!("{body}");
    Ok(())
}

fn list(
    edge: &EdgeArgs,
    site: &str,
    status: Option<String>,
    poc: Option<String>,
    since: Option<String>,
) -> Result<(), String> {
    let url = format!(
        "{}/v1/admin/sites/{site}/inquiries",
        edge.edge.trim_end_matches('/')
    );
    let mut req = ureq::get(&url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("authorization", &format!("Bearer {}", edge.key));
    for (k, v) in [("status", status), ("poc", poc), ("since", since)] {
        if let Some(v) = v {
            req = req.query(k, &v);
        }
    }
    let body = send(req.call())?;
    let value: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("edge answered with invalid JSON: {e}"))?;
    println!("{}", serde_json::to_string_pretty(&value).unwrap_or(body));
    Ok(())
}

/// The response body, or an error carrying the edge's own typed error.
fn send(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<String, String> {
    match result {
        Ok(mut resp) => {
            let status = resp.status();
            let body = resp
                .body_mut()
                .read_to_string()
                .map_err(|e| e.to_string())?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(format!("edge answered {status}: {body}"))
            }
        }
        Err(e) => Err(format!("request failed: {e}")),
    }
}
