//! `devhost`: the local stand-ins around the Worker during `cargo xtask dev`. A webhook
//! receiver (default :8788) that verifies and prints every delivery, and the demo host page
//! (default :8790) with the widget pointed at the local edge. With `--provision FILE` it
//! first mints the site's admin key and pushes FILE as the site config.

use std::time::{SystemTime, UNIX_EPOCH};
use switchboard_shared::config::{ConfigOptions, parse_config_with};
use switchboard_tests::admin::Admin;
use switchboard_tests::pages::{PageServer, demo_page};
use switchboard_tests::receiver::{Delivery, Receiver, Signature};
use switchboard_tests::{Error, Result};

const USAGE: &str = "\
usage: devhost [--edge URL] [--receiver-port N] [--page-port N] [--site ID]
               [--secret whsec_...] [--provision SITE.toml]

  --edge URL          origin of the Worker (default http://127.0.0.1:8787)
  --receiver-port N   webhook receiver port (default 8788)
  --page-port N       demo page port (default 8790)
  --site ID           site the demo page embeds (default: the provisioned site, else demo)
  --secret whsec_...  secret to verify webhook signatures with (default: the first
                      endpoint secret of the provisioned config)
  --provision FILE    mint the site's admin key (OPERATOR_KEY from edge/.dev.vars) and
                      push FILE as its config before serving
";

struct Args {
    edge: String,
    receiver_port: u16,
    page_port: u16,
    site: Option<String>,
    secret: Option<String>,
    provision: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        edge: "http://127.0.0.1:8787".to_owned(),
        receiver_port: 8788,
        page_port: 8790,
        site: None,
        secret: None,
        provision: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        }
        let value = it
            .next()
            .ok_or_else(|| Error::msg(format!("{flag} needs a value\n\n{USAGE}")))?;
        let port = |v: &str| {
            v.parse::<u16>()
                .map_err(|_| Error::msg(format!("{flag}: `{v}` is not a port")))
        };
        match flag.as_str() {
            "--edge" => args.edge = value.trim_end_matches('/').to_owned(),
            "--receiver-port" => args.receiver_port = port(&value)?,
            "--page-port" => args.page_port = port(&value)?,
            "--site" => args.site = Some(value),
            "--secret" => args.secret = Some(value),
            "--provision" => args.provision = Some(value),
            _ => return Err(Error::msg(format!("unknown flag {flag}\n\n{USAGE}"))),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("devhost: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let mut args = parse_args()?;
    if let Some(file) = args.provision.clone() {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::msg(format!("cannot read {file}: {e}")))?;
        let config = parse_config_with(
            &text,
            ConfigOptions {
                allow_loopback_http: true,
            },
        )
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {file}:{e}")).collect();
            Error::msg(format!(
                "{file} is not a valid site config:\n{}",
                lines.join("\n")
            ))
        })?;
        let admin = Admin::new(&args.edge, reqwest::Client::new())?;
        let site = admin.provision(&config.site, &text).await?;
        println!(
            "devhost: site `{}` provisioned from {file}; admin key: {}",
            site.id, site.admin_key
        );
        args.site.get_or_insert(config.site.clone());
        if args.secret.is_none() {
            args.secret = config
                .pocs
                .iter()
                .flat_map(|p| &p.endpoints)
                .flat_map(|e| &e.secrets)
                .next()
                .cloned();
        }
    }
    let site = args.site.unwrap_or_else(|| "demo".to_owned());

    let receiver = Receiver::start(args.receiver_port).await?;
    match &args.secret {
        Some(secret) => receiver.set_secret("/", secret),
        None => println!("devhost: no --secret given; signatures are not checked"),
    }
    receiver.observe(print_delivery);

    let pages = PageServer::start(args.page_port).await?;
    let url = pages.put("/", demo_page(&args.edge, &site)?);
    println!(
        "devhost: webhook receiver on {}/hooks/...",
        receiver.origin()
    );
    println!("devhost: demo page for site `{site}` at {url}");

    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn print_delivery(d: &Delivery) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |t| t.as_secs());
    let signature = match &d.signature {
        Signature::Valid => "signature valid".to_owned(),
        Signature::Invalid(why) => format!("SIGNATURE INVALID ({why})"),
        Signature::Unchecked => "signature not checked".to_owned(),
    };
    println!(
        "\n[{now}] {} {} -> {}  {signature}\n  webhook-id: {}\n  webhook-timestamp: {}",
        d.method,
        d.path,
        d.answered,
        d.header("webhook-id").unwrap_or("-"),
        d.header("webhook-timestamp").unwrap_or("-"),
    );
    match d.json() {
        Ok(json) => println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_else(|_| d.body_text())
        ),
        Err(_) => println!("{}", d.body_text()),
    }
}
