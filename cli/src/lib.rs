//! `switchboard`: the site owner's command. Checks a config offline, dry-runs routing on a
//! sample inquiry, pushes, pulls and rolls back configs on the edge, and lists, searches,
//! exports and erases inquiries. A library so the integration tests run the online commands against a real edge;
//! `main.rs` only parses the arguments and sets the exit code.

mod online;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use switchboard_shared::api::SubmitRequest;
use switchboard_shared::calendar::expected_response;
use switchboard_shared::config::{ConfigOptions, SiteConfig, parse_config_with};
use switchboard_shared::inquiry::{Draft, parse_inquiry};
use switchboard_shared::locale::Locale;
use switchboard_shared::routing::Router;

pub use online::{EdgeArgs, ExportFormat, Filters};

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Check, dry-run and publish Switchboard site configs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        /// Only if this version is still live (what `pull` or `config-versions` showed):
        /// refused when someone pushed since.
        #[arg(long)]
        if_version: Option<u32>,
    },
    /// Print the live config (or a kept version) as TOML, webhook secrets redacted.
    Pull {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        #[arg(long)]
        version: Option<u32>,
    },
    /// List the kept config versions, newest first.
    ConfigVersions {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
    },
    /// Make a kept config version live again; it is checked again and stored as a new version.
    Rollback {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// The version to restore.
        #[arg(long)]
        to: u32,
        /// Only if this version is still live.
        #[arg(long)]
        if_version: Option<u32>,
    },
    /// Print the JSON Schema of the config file (also published as schema/site-config.schema.json).
    Schema,
    /// List and search a site's inquiries, newest first, one page (or with --all every page).
    Inquiries {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        #[command(flatten)]
        filters: Filters,
        /// Inquiries per page, 1 to 100.
        #[arg(long)]
        limit: Option<u32>,
        /// Start after this page end (`next_cursor` of an earlier answer).
        #[arg(long)]
        cursor: Option<String>,
        /// Follow `next_cursor` to the last page and print every inquiry in one list.
        #[arg(long)]
        all: bool,
    },
    /// Export every matching inquiry, with field values, as CSV or NDJSON.
    Export {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Start the CSV with a UTF-8 byte-order mark, so Excel shows accented and other
        /// non-ASCII text correctly (most other CSV readers do not want it). CSV only.
        #[arg(long)]
        bom: bool,
        /// Write here instead of to standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        filters: Filters,
    },
    /// Send a signed test event to the site's webhook endpoints and show what each answered.
    TestEndpoints {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// Only this POC's endpoints (`alert` for the owner's alert endpoint).
        #[arg(long)]
        poc: Option<String>,
        /// Only the endpoint with this URL.
        #[arg(long)]
        url: Option<String>,
    },
    /// The record of promises kept: per POC (or priority, or week), inquiries,
    /// acknowledgements within target, time to acknowledge (business hours), what is open
    /// past its deadline, escalations and failed deliveries.
    Report {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// How far back: 30d, 2w, 12h, 90m.
        #[arg(long, default_value = "30d")]
        since: String,
        /// poc, priority or week.
        #[arg(long, default_value = "poc")]
        by: String,
    },
    /// Mark a POC away until a time, without a config push: its new inquiries go to the
    /// first of its backups who is present, and the switch ends by itself.
    Away {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// The POC's id.
        poc: String,
        /// When it is back: an RFC 3339 time, or a date in the POC's zone (included whole).
        #[arg(long)]
        until: String,
        /// Why, for the team and the owner ("parental leave"); never shown to visitors.
        #[arg(long)]
        note: Option<String>,
    },
    /// End a POC's away switch now.
    Back {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// The POC's id.
        poc: String,
    },
    /// Erase a submitter's inquiries (by address) or one inquiry (by reference), with their
    /// delivery and escalation logs, for a visitor who asks to be forgotten. Cannot be undone.
    #[command(group(clap::ArgGroup::new("which").required(true).args(["email", "reference"])))]
    Erase {
        #[command(flatten)]
        edge: EdgeArgs,
        #[arg(long)]
        site: String,
        /// Every inquiry sent from this address, however its case was typed.
        #[arg(long)]
        email: Option<String>,
        /// The inquiry with this reference.
        #[arg(long)]
        reference: Option<String>,
        /// Confirm: erasing cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

/// Parses `args` (the program name first) and runs the command: the command line without
/// a process, for embedding and the integration tests.
pub fn run_args<I, T>(args: I, out: &mut dyn Write) -> Result<(), String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = parse_args(args).map_err(|e| e.to_string())?;
    run(cli.command, out)
}

/// The command line, with the usage rules clap cannot state: `--bom` only with CSV.
pub fn parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::try_parse_from(args)?;
    if let Command::Export {
        bom: true,
        format: ExportFormat::Ndjson,
        ..
    } = cli.command
    {
        return Err(Cli::command().error(
            clap::error::ErrorKind::ArgumentConflict,
            "--bom applies only to --format csv",
        ));
    }
    Ok(cli)
}

/// Runs one command, writing its output to `out`; the error is the message to print.
pub fn run(command: Command, out: &mut dyn Write) -> Result<(), String> {
    match command {
        Command::Check { file, local } => check(&file, local, out),
        Command::Route {
            file,
            inquiry,
            at,
            locale,
            tz,
            local,
        } => route(
            &file,
            &inquiry,
            &RouteOptions {
                at,
                locale,
                tz,
                local,
            },
            out,
        ),
        Command::Push {
            file,
            edge,
            if_version,
        } => online::push(&file, &edge, if_version, out),
        Command::Pull {
            edge,
            site,
            version,
        } => online::pull(&edge, &site, version, out),
        Command::ConfigVersions { edge, site } => online::config_versions(&edge, &site, out),
        Command::Rollback {
            edge,
            site,
            to,
            if_version,
        } => online::rollback(&edge, &site, to, if_version, out),
        Command::Schema => {
            let schema = switchboard_shared::config::json_schema();
            let text = serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?;
            emit(out, &text)
        }
        Command::Inquiries {
            edge,
            site,
            filters,
            limit,
            cursor,
            all,
        } => online::inquiries(
            &edge,
            &site,
            &online::Page {
                filters,
                limit,
                cursor,
                all,
            },
            out,
        ),
        Command::Export {
            edge,
            site,
            format,
            bom,
            out: file,
            filters,
        } => online::export(
            &edge,
            &site,
            &online::ExportRequest {
                format,
                bom,
                filters,
            },
            file.as_deref(),
            out,
        ),
        Command::TestEndpoints {
            edge,
            site,
            poc,
            url,
        } => online::test_endpoints(&edge, &site, poc.as_deref(), url.as_deref(), out),
        Command::Away {
            edge,
            site,
            poc,
            until,
            note,
        } => online::away(&edge, &site, &poc, Some((&until, note.as_deref())), out),
        Command::Back { edge, site, poc } => online::away(&edge, &site, &poc, None, out),
        Command::Report {
            edge,
            site,
            since,
            by,
        } => online::report(&edge, &site, &since, &by, out),
        Command::Erase {
            edge,
            site,
            email,
            reference,
            yes,
        } => {
            if !yes {
                return Err("erasing cannot be undone: add --yes to erase".to_owned());
            }
            let which = match (email, reference) {
                (Some(email), _) => online::Erase::Submitter(email),
                (None, Some(reference)) => online::Erase::Inquiry(reference),
                (None, None) => return Err("name --email or --reference".to_owned()),
            };
            online::erase(&edge, &site, &which, out)
        }
    }
}

/// Writes one line of output.
fn emit(out: &mut dyn Write, line: &str) -> Result<(), String> {
    writeln!(out, "{line}").map_err(|e| format!("writing the output: {e}"))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn check(file: &Path, local: bool, out: &mut dyn Write) -> Result<(), String> {
    let config = load(file, local)?;
    emit(
        out,
        &format!(
            "{}: ok: site `{}`, {} fields, {} POCs, {} rules",
            file.display(),
            config.site,
            config.form.fields.len(),
            config.pocs.len(),
            config.rules.len()
        ),
    )
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

/// The options of `route` besides its two files.
struct RouteOptions {
    at: Option<String>,
    locale: Option<String>,
    tz: Option<String>,
    local: bool,
}

fn route(
    file: &Path,
    inquiry: &Path,
    opts: &RouteOptions,
    out: &mut dyn Write,
) -> Result<(), String> {
    let config = load(file, opts.local)?;
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
    let locale = opts
        .locale
        .clone()
        .or(body_locale)
        .map_or(config.default_locale, |l| Locale::from_tag(&l));
    let tz = opts.tz.clone().or(body_tz);
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
    let at = match &opts.at {
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
    let mut lines = vec![
        format!("poc:      {} ({})", poc.id, poc.name),
        format!("priority: {}", decision.priority),
    ];
    if !decision.tags.is_empty() {
        lines.push(format!("tags:     {}", decision.tags.join(", ")));
    }
    lines.extend([
        format!("why:      {}", decision.explanation),
        format!(
            "deadline: {} ({})",
            expected.deadline, expected.deadline_local
        ),
        format!("open now: {}", if expected.open_now { "yes" } else { "no" }),
        format!("visitor:  {}", expected.sentence),
    ]);
    emit(out, &lines.join("\n"))
}
