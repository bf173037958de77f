//! `edgebench`: the edge half of `cargo xtask bench`. Runs the real Worker and the no-op
//! floor Worker (bench/noop) under `wrangler dev`, drives both with `wrk`, measures
//! submit-to-webhook delivery and cold starts, and writes Markdown table rows.
//!
//! See BENCHMARKS.md for what each figure means and the targets.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};
use switchboard_tests::admin::Admin;
use switchboard_tests::fixture::{SiteParams, TEST_SECRET, hook_path, site_config};
use switchboard_tests::receiver::{Receiver, Signature};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result, reaper, repo};

const USAGE: &str = "\
usage: edgebench [--runs N] [--seconds S] [--levels 1,8,32] [--deliveries N] [--rate PER_S]
                 [--starts N] [--rtts 0,50] [--rtt-deliveries N] [--rows FILE]

  --runs N          wrk runs per connection level and Worker (default 3)
  --seconds S       length of one wrk run (default 5)
  --levels LIST     concurrent connections (default 1,8,32)
  --deliveries N    inquiries for the end-to-end delivery figure (default 1000)
  --rate PER_S      steady submit rate for those inquiries (default 10)
  --starts N        cold starts of each Worker (default 3)
  --rtts LIST       storage delays (ms, BENCH_STORAGE_RTT_MS) for the submit against the
                    floor with one D1 insert (default 0,50)
  --rtt-deliveries N  inquiries for the delivery figure at each delay above 0, and at 0
                    too with --storage-only (default 200)
  --rows FILE       also write the table rows (Markdown) to FILE
  --delivery-only   only the end-to-end delivery figure (for tuning the queue settings)
  --storage-only    only the submit against the floor at each storage delay
  --preview-only    only the routing preview against the form definition
";

/// Ports from the bench's manual range: the no-op Worker, cold-start Workers, inspectors.
const NOOP_PORT: u16 = 8941;
const COLD_PORT: u16 = 8942;
const FLOOR_PORT: u16 = 8943;
const NOOP_INSPECTOR: u16 = 8946;
const COLD_INSPECTOR: u16 = 8947;
const FLOOR_INSPECTOR: u16 = 8948;
/// Origin the submit requests claim; the bench site allows it.
const PAGE_ORIGIN: &str = "http://bench.localhost";
const SITE: &str = "bench";
/// Targets from BENCHMARKS.md.
const SUBMIT_RATIO_TARGET: f64 = 1.5;
const DELIVERY_P50_TARGET_MS: f64 = 100.0;
/// Issue 21: with a storage delay, submit p50 at 1 connection within 1.2x the floor's.
const FLOOR_RATIO_TARGET: f64 = 1.2;

struct Args {
    runs: usize,
    seconds: u32,
    levels: Vec<u32>,
    deliveries: usize,
    rate: u32,
    starts: usize,
    rtts: Vec<u32>,
    rtt_deliveries: usize,
    rows: Option<PathBuf>,
    delivery_only: bool,
    storage_only: bool,
    preview_only: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        runs: 3,
        seconds: 5,
        levels: vec![1, 8, 32],
        deliveries: 1000,
        rate: 10,
        starts: 3,
        rtts: vec![0, 50],
        rtt_deliveries: 200,
        rows: None,
        delivery_only: false,
        storage_only: false,
        preview_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            print!("{USAGE}");
            std::process::exit(0);
        }
        if flag == "--delivery-only" {
            args.delivery_only = true;
            continue;
        }
        if flag == "--storage-only" {
            args.storage_only = true;
            continue;
        }
        if flag == "--preview-only" {
            args.preview_only = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| Error::msg(format!("{flag} needs a value\n\n{USAGE}")))?;
        let num = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| Error::msg(format!("{flag}: `{v}` is not a number")))
        };
        match flag.as_str() {
            "--runs" => args.runs = num(&value)?.max(1),
            "--seconds" => args.seconds = num(&value)?.max(1) as u32,
            "--levels" => {
                args.levels = value
                    .split(',')
                    .map(|v| num(v.trim()).map(|n| n.max(1) as u32))
                    .collect::<Result<_>>()?
            }
            "--deliveries" => args.deliveries = num(&value)?.max(1),
            "--rate" => args.rate = num(&value)?.max(1) as u32,
            "--starts" => args.starts = num(&value)?.max(1),
            "--rtts" => {
                args.rtts = value
                    .split(',')
                    .map(|v| num(v.trim()).map(|n| n as u32))
                    .collect::<Result<_>>()?
            }
            "--rtt-deliveries" => args.rtt_deliveries = num(&value)?.max(1),
            "--rows" => args.rows = Some(PathBuf::from(value)),
            _ => return Err(Error::msg(format!("unknown flag {flag}\n\n{USAGE}"))),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("edgebench: {e}");
        std::process::exit(1);
    }
}

/// One line of the result table.
struct Row {
    figure: String,
    value: String,
    spread: String,
    target: String,
}

impl Row {
    fn new(figure: impl Into<String>, value: impl Into<String>, spread: impl Into<String>) -> Row {
        Row {
            figure: figure.into(),
            value: value.into(),
            spread: spread.into(),
            target: String::new(),
        }
    }

    fn target(mut self, target: impl Into<String>) -> Row {
        self.target = target.into();
        self
    }
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    let mut rows = Vec::new();

    let receiver = Receiver::start(0).await?;
    receiver.set_secret(&format!("/hooks/{SITE}/"), TEST_SECRET);
    if args.storage_only {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        rows.extend(storage_delay_rows(&http, &receiver, &args).await?);
        print!("{}", render(&rows));
        if let Some(path) = &args.rows {
            std::fs::write(path, render(&rows))?;
        }
        return Ok(());
    }
    eprintln!("edgebench: starting the Worker under wrangler dev");
    let worker = Worker::start(WorkerOptions::default()).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let admin = Admin::new(&worker.origin, http.clone())?;
    let config = bench_site_config(&receiver.origin())?;
    admin.provision(SITE, &config).await?;

    if args.preview_only {
        rows.push(preview_row(&worker.origin, &args)?);
        print!("{}", render(&rows));
        return Ok(());
    }

    // Delivery first, on a Worker whose queue holds nothing else.
    eprintln!(
        "edgebench: end-to-end delivery of {} inquiries at {}/s",
        args.deliveries, args.rate
    );
    rows.extend(
        delivery(
            &http,
            &worker.origin,
            &receiver,
            args.deliveries,
            args.rate,
            "",
        )
        .await?,
    );
    if args.delivery_only {
        print!("{}", render(&rows));
        return Ok(());
    }

    eprintln!("edgebench: starting the no-op Worker");
    let noop = Wrangler::start(&repo::path("bench/noop"), NOOP_PORT, NOOP_INSPECTOR, None)?;
    noop.wait_ready(&http, "/").await?;

    let script = repo::path("bench/submit.lua");
    // wrk quietly falls back to plain GETs when it cannot open its script.
    if !script.is_file() {
        return Err(Error::msg(format!("{} is missing", script.display())));
    }
    let submit_url = format!("{}/v1/sites/{SITE}/inquiries", worker.origin);
    let noop_url = format!("{}/v1/sites/{SITE}/inquiries", noop.origin);
    let mut run_id = 0;
    for &conns in &args.levels {
        let mut ours = Vec::new();
        let mut floor = Vec::new();
        for _ in 0..args.runs {
            // Alternate the two so drift on the shared machine hits both alike.
            run_id += 1;
            ours.push(wrk(
                &submit_url,
                conns,
                args.seconds,
                Some(&script),
                run_id,
            )?);
            settle(&receiver, Duration::from_secs(15)).await;
            floor.push(wrk(&noop_url, conns, args.seconds, Some(&script), run_id)?);
        }
        rows.extend(load_rows(conns, &ours, &floor));
    }

    // Where the time goes: the Worker's cheapest route against the floor.
    let health_url = format!("{}/healthz", worker.origin);
    let floor_get = format!("{}/healthz", noop.origin);
    let conns = 8;
    let mut health = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..args.runs {
        health.push(wrk(&health_url, conns, args.seconds.min(5), None, 0)?);
        floor.push(wrk(&floor_get, conns, args.seconds.min(5), None, 0)?);
    }
    let (h, _, _) = spread(health.iter().map(|r| r.p50_ms));
    let (f, _, _) = spread(floor.iter().map(|r| r.p50_ms));
    rows.push(Row::new(
        format!("GET /healthz p50 @{conns} (no-op GET p50 {})", ms(f)),
        ms(h),
        format!("ratio {:.2}x", h / f),
    ));
    rows.push(preview_row(&worker.origin, &args)?);
    drop(noop);
    drop(worker);

    rows.extend(storage_delay_rows(&http, &receiver, &args).await?);

    eprintln!("edgebench: cold starts");
    rows.extend(cold_starts(&http, &receiver, &args).await?);

    let table = render(&rows);
    print!("{table}");
    if let Some(path) = &args.rows {
        std::fs::write(path, &table)?;
    }
    Ok(())
}

/// The routing preview (`POST …/preview`: parse, route, deadline, nothing stored) against
/// the form definition (`GET …/form`, which also routes every topic) at 8 connections.
fn preview_row(origin: &str, args: &Args) -> Result<Row> {
    const CONNS: u32 = 8;
    let script = repo::path("bench/preview.lua");
    if !script.is_file() {
        return Err(Error::msg(format!("{} is missing", script.display())));
    }
    let form_url = format!("{origin}/v1/sites/{SITE}/form?locale=en&tz=Europe/London");
    let preview_url = format!("{origin}/v1/sites/{SITE}/preview");
    let mut forms = Vec::new();
    let mut previews = Vec::new();
    for _ in 0..args.runs {
        forms.push(wrk(&form_url, CONNS, args.seconds.min(5), None, 0)?);
        previews.push(wrk(
            &preview_url,
            CONNS,
            args.seconds.min(5),
            Some(&script),
            0,
        )?);
    }
    let (f, _, _) = spread(forms.iter().map(|r| r.p50_ms));
    let (p, lo, hi) = spread(previews.iter().map(|r| r.p50_ms));
    let errors: u64 = previews.iter().chain(&forms).map(|r| r.errors).sum();
    Ok(Row::new(
        format!("POST preview p50 @{CONNS} (form definition p50 {})", ms(f)),
        ms(p),
        format!(
            "{}-{}, ratio {:.2}x, {errors} errors",
            ms(lo),
            ms(hi),
            p / f
        ),
    )
    .target("<= 1.3x the form definition"))
}

/// Waits (bounded) until the receiver stops getting deliveries, so the queue consumer's
/// backlog from one load run does not slow the next.
async fn settle(receiver: &Receiver, limit: Duration) {
    let started = Instant::now();
    let mut last = receiver.deliveries("/").len();
    while started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = receiver.deliveries("/").len();
        if now == last {
            return;
        }
        last = now;
    }
}

fn render(rows: &[Row]) -> String {
    let mut out = String::from("| figure | median | spread (min-max of runs) | target |\n");
    out.push_str("|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.figure, r.value, r.spread, r.target
        ));
    }
    out
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.2} ms")
    }
}

/// Median, minimum and maximum.
fn spread(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// What wrk reported for one run.
#[derive(Debug, Clone)]
struct WrkRun {
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
    requests: u64,
    /// Non-2xx/3xx answers plus socket errors.
    errors: u64,
}

fn wrk(url: &str, conns: u32, seconds: u32, script: Option<&Path>, run: u32) -> Result<WrkRun> {
    let threads = conns.min(2);
    let mut cmd = Command::new("wrk");
    cmd.args(["-t", &threads.to_string(), "-c", &conns.to_string()])
        .args([
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
        ]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    cmd.arg(url);
    if script.is_some() {
        // Unique idempotency keys across runs and across bench invocations.
        let stamp = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        cmd.args(["--", &format!("r{stamp}-{run}"), PAGE_ORIGIN]);
    }
    let out = cmd
        .output()
        .map_err(|e| Error::msg(format!("cannot run wrk ({e}); run `cargo xtask setup`")))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(Error::msg(format!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    parse_wrk(&text).ok_or_else(|| Error::msg(format!("cannot read wrk's output:\n{text}")))
}

fn parse_wrk(text: &str) -> Option<WrkRun> {
    let mut p50 = None;
    let mut p99 = None;
    let mut rps = None;
    let mut requests = None;
    let mut errors = 0u64;
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => p50 = duration_ms(v),
            ["99%", v] => p99 = duration_ms(v),
            ["Requests/sec:", v] => rps = v.parse().ok(),
            [n, "requests", "in", ..] => requests = n.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => errors += n.parse::<u64>().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>()
            }
            _ => {}
        }
    }
    Some(WrkRun {
        p50_ms: p50?,
        p99_ms: p99?,
        rps: rps?,
        requests: requests?,
        errors,
    })
}

/// wrk's "635.91us", "1.23ms", "2.01s" in milliseconds.
fn duration_ms(v: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|n| n * scale)
}

fn load_rows(conns: u32, ours: &[WrkRun], floor: &[WrkRun]) -> Vec<Row> {
    let mut rows = Vec::new();
    let (p50, p50_lo, p50_hi) = spread(ours.iter().map(|r| r.p50_ms));
    let (p99, p99_lo, p99_hi) = spread(ours.iter().map(|r| r.p99_ms));
    let (rps, rps_lo, rps_hi) = spread(ours.iter().map(|r| r.rps));
    let (fp50, fp50_lo, fp50_hi) = spread(floor.iter().map(|r| r.p50_ms));
    let (fp99, fp99_lo, fp99_hi) = spread(floor.iter().map(|r| r.p99_ms));
    let (frps, frps_lo, frps_hi) = spread(floor.iter().map(|r| r.rps));
    let errors: u64 = ours.iter().map(|r| r.errors).sum();
    let requests: u64 = ours.iter().map(|r| r.requests).sum();
    let floor_errors: u64 = floor.iter().map(|r| r.errors).sum();
    let ratio = p50 / fp50;
    let met = ratio <= SUBMIT_RATIO_TARGET && errors == 0;
    rows.push(
        Row::new(
            format!("submit p50 @{conns} conn"),
            ms(p50),
            format!("{}-{}", ms(p50_lo), ms(p50_hi)),
        )
        .target(format!(
            "ratio {ratio:.2}x no-op (<= {SUBMIT_RATIO_TARGET}x, 0 errors: {errors}/{requests}): {}",
            if met { "met" } else { "NOT met" }
        )),
    );
    rows.push(Row::new(
        format!("submit p99 @{conns} conn"),
        ms(p99),
        format!("{}-{}", ms(p99_lo), ms(p99_hi)),
    ));
    rows.push(Row::new(
        format!("submit req/s @{conns} conn"),
        format!("{rps:.0}"),
        format!("{rps_lo:.0}-{rps_hi:.0}"),
    ));
    rows.push(Row::new(
        format!("no-op p50 @{conns} conn"),
        ms(fp50),
        format!("{}-{}", ms(fp50_lo), ms(fp50_hi)),
    ));
    rows.push(Row::new(
        format!("no-op p99 @{conns} conn"),
        ms(fp99),
        format!("{}-{}", ms(fp99_lo), ms(fp99_hi)),
    ));
    rows.push(
        Row::new(
            format!("no-op req/s @{conns} conn"),
            format!("{frps:.0}"),
            format!("{frps_lo:.0}-{frps_hi:.0}"),
        )
        .target(format!("errors {floor_errors}")),
    );
    rows
}

/// Submits `deliveries` inquiries at a steady rate and times each until the receiver holds
/// its signed webhook, matched by the reference in the 202 answer and in the payload.
async fn delivery(
    http: &reqwest::Client,
    origin: &str,
    receiver: &Receiver,
    count: usize,
    rate: u32,
    label: &str,
) -> Result<Vec<Row>> {
    let url = format!("{origin}/v1/sites/{SITE}/inquiries");
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    // Arrivals from an earlier run (another Worker on the same receiver) are not this one's.
    let earlier = receiver.deliveries(&hook_path(SITE, "support")).len();
    let mut ticker = tokio::time::interval(interval);
    let mut tasks = Vec::new();
    for i in 0..count {
        ticker.tick().await;
        let http = http.clone();
        let url = url.clone();
        let key = format!("e2e{stamp}-{i}");
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "idempotency_key": key,
                "locale": "en",
                "time_zone": "Europe/London",
                "fields": {
                    "name": "Bench Visitor",
                    "email": format!("v{key}@bench.example"),
                    "topic": "support",
                    "message": format!("Delivery benchmark inquiry {i}, please ignore."),
                },
            });
            let sent = SystemTime::now();
            let resp = http
                .post(&url)
                .header("origin", PAGE_ORIGIN)
                .json(&body)
                .send()
                .await?;
            let status = resp.status().as_u16();
            let answer: serde_json::Value = resp.json().await.unwrap_or_default();
            let reference = answer["reference"].as_str().unwrap_or_default().to_owned();
            Ok::<_, Error>((status, reference, sent))
        }));
    }
    let mut sent_at = HashMap::new();
    let mut failed = 0usize;
    for task in tasks {
        match task.await {
            Ok(Ok((202, reference, sent))) if !reference.is_empty() => {
                sent_at.insert(reference, sent);
            }
            _ => failed += 1,
        }
    }
    let path = hook_path(SITE, "support");
    // Generous: a slow machine must still finish, and a miss shows up as a count.
    let _ = receiver
        .wait_for(&path, earlier + sent_at.len(), Duration::from_secs(60))
        .await;
    let mut latencies = Vec::new();
    let mut bad_signatures = 0usize;
    for d in receiver.deliveries(&path).into_iter().skip(earlier) {
        if d.signature != Signature::Valid {
            bad_signatures += 1;
        }
        let Some(reference) = d.json().ok().as_ref().and_then(find_reference) else {
            continue;
        };
        // The first arrival counts; a retry would arrive later.
        if let Some(sent) = sent_at.remove(&reference)
            && let Ok(took) = d.at.duration_since(sent)
        {
            latencies.push(took.as_secs_f64() * 1000.0);
        }
    }
    let missing = sent_at.len();
    let mut all = latencies.clone();
    all.sort_by(f64::total_cmp);
    // Spread: the same percentile over each quarter of the inquiries, in submit order.
    let quarters: Vec<Vec<f64>> = latencies
        .chunks(latencies.len().div_ceil(4).max(1))
        .map(|c| {
            let mut c = c.to_vec();
            c.sort_by(f64::total_cmp);
            c
        })
        .collect();
    let (_, p50_lo, p50_hi) = spread(quarters.iter().map(|q| percentile(q, 0.5)));
    let (_, p99_lo, p99_hi) = spread(quarters.iter().map(|q| percentile(q, 0.99)));
    let p50 = percentile(&all, 0.5);
    let n = all.len();
    Ok(vec![
        Row::new(
            format!("delivery p50, submit to signed webhook ({n} inquiries{label})"),
            ms(p50),
            format!("{}-{} (quarters)", ms(p50_lo), ms(p50_hi)),
        )
        .target(format!(
            "<= {DELIVERY_P50_TARGET_MS:.0} ms: {}; failed submits {failed}, undelivered {missing}, bad signatures {bad_signatures}",
            if p50 <= DELIVERY_P50_TARGET_MS && missing == 0 && failed == 0 {
                "met"
            } else {
                "NOT met"
            }
        )),
        Row::new(
            format!("delivery p99 ({n} inquiries{label})"),
            ms(percentile(&all, 0.99)),
            format!("{}-{} (quarters)", ms(p99_lo), ms(p99_hi)),
        ),
    ])
}

/// The submit against the floor with storage (`bench/floor`: reads the body, one D1
/// insert, answers 202) at each storage delay of `--rtts`. Both Workers wait
/// `BENCH_STORAGE_RTT_MS` before every storage trip, so trips made one after another show
/// in the latency as they would with the database far away. Our Worker also runs with
/// `BENCH_TIMING`, and its step log says how many trips each submit made before its answer.
async fn storage_delay_rows(
    http: &reqwest::Client,
    receiver: &Receiver,
    args: &Args,
) -> Result<Vec<Row>> {
    let script = repo::path("bench/submit.lua");
    let mut rows = Vec::new();
    let mut run_id = 1000;
    for &rtt in &args.rtts {
        eprintln!("edgebench: storage delay {rtt} ms: the Worker against the floor");
        let worker = Worker::start(WorkerOptions {
            vars: vec![
                ("BENCH_STORAGE_RTT_MS".into(), rtt.to_string()),
                ("BENCH_TIMING".into(), "true".into()),
            ],
            test_scheduled: false,
        })
        .await?;
        Admin::new(&worker.origin, http.clone())?
            .provision(SITE, &bench_site_config(&receiver.origin())?)
            .await?;
        let floor = Wrangler::start_with(
            &repo::path("bench/floor"),
            FLOOR_PORT,
            FLOOR_INSPECTOR,
            None,
            &[&format!("BENCH_STORAGE_RTT_MS:{rtt}")],
        )?;
        floor.wait_ready(http, "/").await?;
        // The full run measures delivery without delay first, on a Worker of its own.
        if rtt > 0 || args.storage_only {
            let label = format!(", {rtt} ms storage delay");
            rows.extend(
                delivery(
                    http,
                    &worker.origin,
                    receiver,
                    args.rtt_deliveries,
                    args.rate,
                    &label,
                )
                .await?,
            );
        }
        let submit_url = format!("{}/v1/sites/{SITE}/inquiries", worker.origin);
        let floor_url = format!("{}/v1/sites/{SITE}/inquiries", floor.origin);
        for &conns in &args.levels {
            let mut ours = Vec::new();
            let mut fl = Vec::new();
            for _ in 0..args.runs {
                run_id += 1;
                ours.push(wrk(
                    &submit_url,
                    conns,
                    args.seconds,
                    Some(&script),
                    run_id,
                )?);
                settle(receiver, Duration::from_secs(15)).await;
                fl.push(wrk(&floor_url, conns, args.seconds, Some(&script), run_id)?);
            }
            rows.extend(floor_rows(rtt, conns, &ours, &fl));
        }
        // Log lines reach the file a moment after the answers.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let log = std::fs::read_to_string(worker.log_path()).unwrap_or_default();
        let trips = trips_per_submit(&log);
        let (median, lo, hi) = spread(trips.iter().copied());
        rows.push(
            Row::new(
                format!(
                    "storage trips before the answer, per submit ({} submits, {rtt} ms delay, the Worker's step log)",
                    trips.len()
                ),
                format!("{median}"),
                format!("{lo}-{hi}"),
            )
            .target(format!(
                "1: {}",
                if hi == 1.0 { "met" } else { "NOT met" }
            )),
        );
    }
    Ok(rows)
}

/// The `trips=N` of every submit's `bench-timing` line (not the `bench-timing-after` lines
/// of work done after the answer).
fn trips_per_submit(log: &str) -> Vec<f64> {
    log.lines()
        .filter_map(|l| l.split("bench-timing ").nth(1))
        .filter_map(|rest| {
            rest.split_whitespace()
                .find_map(|pair| pair.strip_prefix("trips="))
                .and_then(|v| v.parse().ok())
        })
        .collect()
}

fn floor_rows(rtt: u32, conns: u32, ours: &[WrkRun], floor: &[WrkRun]) -> Vec<Row> {
    let (p50, p50_lo, p50_hi) = spread(ours.iter().map(|r| r.p50_ms));
    let (p99, p99_lo, p99_hi) = spread(ours.iter().map(|r| r.p99_ms));
    let (rps, rps_lo, rps_hi) = spread(ours.iter().map(|r| r.rps));
    let (fp50, fp50_lo, fp50_hi) = spread(floor.iter().map(|r| r.p50_ms));
    let (fp99, _, _) = spread(floor.iter().map(|r| r.p99_ms));
    let (frps, _, _) = spread(floor.iter().map(|r| r.rps));
    let errors: u64 = ours.iter().map(|r| r.errors).sum();
    let requests: u64 = ours.iter().map(|r| r.requests).sum();
    let floor_errors: u64 = floor.iter().map(|r| r.errors).sum();
    let ratio = p50 / fp50;
    let verdict = if rtt > 0 && conns == 1 {
        let met = ratio <= FLOOR_RATIO_TARGET && errors == 0;
        format!(
            "<= {FLOOR_RATIO_TARGET}x, 0 errors: {}",
            if met { "met" } else { "NOT met" }
        )
    } else {
        "reported".to_owned()
    };
    let at = format!("@{conns} conn, {rtt} ms delay");
    vec![
        Row::new(
            format!("submit p50 {at}"),
            ms(p50),
            format!("{}-{}", ms(p50_lo), ms(p50_hi)),
        )
        .target(format!(
            "ratio {ratio:.2}x the floor ({verdict}); errors {errors}/{requests}"
        )),
        Row::new(
            format!("submit p99 {at}"),
            ms(p99),
            format!("{}-{}", ms(p99_lo), ms(p99_hi)),
        ),
        Row::new(
            format!("submit req/s {at}"),
            format!("{rps:.0}"),
            format!("{rps_lo:.0}-{rps_hi:.0}"),
        ),
        Row::new(
            format!("floor (one D1 insert) p50 {at}"),
            ms(fp50),
            format!("{}-{}", ms(fp50_lo), ms(fp50_hi)),
        )
        .target(format!(
            "p99 {}, {frps:.0} req/s, errors {floor_errors}",
            ms(fp99)
        )),
    ]
}

/// The inquiry reference anywhere in a webhook payload.
fn find_reference(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Object(map) => map
            .get("reference")
            .and_then(|r| r.as_str().map(str::to_owned))
            .or_else(|| map.values().find_map(find_reference)),
        _ => None,
    }
}

/// A `wrangler dev` the bench starts itself (the no-op Worker, and restarts on kept state
/// for cold starts); dropping it stops the whole process group.
struct Wrangler {
    origin: String,
    child: Child,
    log: PathBuf,
    spawned: Instant,
    _logdir: tempfile::TempDir,
}

impl Wrangler {
    fn start(dir: &Path, port: u16, inspector: u16, persist: Option<&Path>) -> Result<Wrangler> {
        Wrangler::start_with(dir, port, inspector, persist, &[])
    }

    /// As [`Wrangler::start`], with extra `--var NAME:VALUE` arguments.
    fn start_with(
        dir: &Path,
        port: u16,
        inspector: u16,
        persist: Option<&Path>,
        vars: &[&str],
    ) -> Result<Wrangler> {
        let logdir = tempfile::Builder::new()
            .prefix("switchboard-bench-")
            .tempdir()?;
        let log = logdir.path().join("wrangler.log");
        let file = std::fs::File::create(&log)?;
        let mut cmd = wrangler_cmd(dir);
        // A dev registry of its own, as in the test harness (tests/src/wrangler.rs).
        cmd.env("WRANGLER_REGISTRY_PATH", logdir.path().join("registry"));
        cmd.args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector.to_string()])
            .args([
                "--show-interactive-dev-session=false",
                "--live-reload=false",
            ]);
        match persist {
            Some(persist) => {
                cmd.arg("--persist-to")
                    .arg(persist)
                    .args(["--var", "ALLOW_LOOPBACK_HTTP:true"]);
            }
            // Fresh state for the no-op too, and none left in the checkout.
            None => {
                cmd.arg("--persist-to").arg(logdir.path().join("state"));
            }
        }
        for var in vars {
            cmd.args(["--var", var]);
        }
        let spawned = Instant::now();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .process_group(0)
            .spawn()
            .map_err(|e| Error::msg(format!("cannot start wrangler dev: {e}")))?;
        reaper::track(child.id());
        Ok(Wrangler {
            origin: format!("http://127.0.0.1:{port}"),
            child,
            log,
            spawned,
            _logdir: logdir,
        })
    }

    /// Polls `path` every 5 ms until it answers 2xx. Returns the time from spawn to that
    /// answer, and how long the answering request itself took (the first request the new
    /// Worker served). wrangler logs "Ready on" only after it already answers, so the log
    /// line is no useful mark.
    async fn wait_ready(&self, http: &reqwest::Client, path: &str) -> Result<(Duration, Duration)> {
        let url = format!("{}{path}", self.origin);
        loop {
            let asked = Instant::now();
            if let Ok(resp) = http.get(&url).send().await
                && resp.status().is_success()
            {
                let answered = Instant::now();
                return Ok((answered - self.spawned, answered - asked));
            }
            if self.spawned.elapsed() > Duration::from_secs(180) {
                return Err(Error::msg(format!(
                    "wrangler dev did not answer {url} within 180 s:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                )));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Everything wrangler printed so far.
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Wrangler {
    fn drop(&mut self) {
        reaper::stop(&mut self.child);
    }
}

fn wrangler_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new(repo::wrangler_bin());
    cmd.current_dir(dir)
        .env("PATH", repo::tool_path())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true");
    cmd
}

/// Restarts of both Workers: spawn to the first /healthz 200, that request, and the first
/// submits right after; then the bench-mode profile on the same state. The real Worker restarts on a kept state directory that
/// already holds the provisioned site, so its first POST is a real submit.
async fn cold_starts(http: &reqwest::Client, receiver: &Receiver, args: &Args) -> Result<Vec<Row>> {
    let state = tempfile::Builder::new()
        .prefix("switchboard-bench-state-")
        .tempdir()?;
    let persist = state.path().join("state");
    let edge = repo::path("edge");
    let out = wrangler_cmd(&edge)
        .args(["d1", "migrations", "apply", "switchboard", "--local"])
        .arg("--persist-to")
        .arg(&persist)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(Error::msg(format!(
            "wrangler d1 migrations apply failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    {
        let w = Wrangler::start(&edge, COLD_PORT, COLD_INSPECTOR, Some(&persist))?;
        w.wait_ready(http, "/healthz").await?;
        let config = bench_site_config(&receiver.origin())?;
        Admin::new(&w.origin, http.clone())?
            .provision(SITE, &config)
            .await?;
    }
    let mut boot = Vec::new();
    let mut first_health = Vec::new();
    let mut first_post = Vec::new();
    let mut second_post = Vec::new();
    let mut floor_boot = Vec::new();
    let mut floor_first = Vec::new();
    for i in 0..args.starts {
        let w = Wrangler::start(&edge, COLD_PORT, COLD_INSPECTOR, Some(&persist))?;
        let (b, h) = w.wait_ready(http, "/healthz").await?;
        boot.push(ms_of(b));
        first_health.push(ms_of(h));
        let url = format!("{}/v1/sites/{SITE}/inquiries", w.origin);
        for posts in [&mut first_post, &mut second_post] {
            let body = serde_json::json!({
                "idempotency_key": format!("cold-{}-{i}-{}", std::process::id(), posts.len()),
                "fields": {"name": "Bench Visitor", "email": "cold@bench.example",
                           "topic": "support", "message": "Cold start inquiry, please ignore."},
            });
            let started = Instant::now();
            let resp = http
                .post(&url)
                .header("origin", PAGE_ORIGIN)
                .json(&body)
                .send()
                .await?;
            let took = ms_of(started.elapsed());
            if resp.status().as_u16() != 202 {
                return Err(Error::msg(format!(
                    "cold-start submit answered {}",
                    resp.status()
                )));
            }
            posts.push(took);
        }
        drop(w);
        let noop = Wrangler::start(&repo::path("bench/noop"), NOOP_PORT, NOOP_INSPECTOR, None)?;
        let (b, h) = noop.wait_ready(http, "/").await?;
        floor_boot.push(ms_of(b));
        floor_first.push(ms_of(h));
    }
    let mut profiled = profile(http, &edge, &persist, 200).await?;
    let row = |figure: &str, v: &[f64]| {
        let (m, lo, hi) = spread(v.iter().copied());
        Row::new(
            format!("{figure} ({} starts)", v.len()),
            ms(m),
            format!("{}-{}", ms(lo), ms(hi)),
        )
    };
    Ok(vec![
        row("cold: wrangler dev spawn to first /healthz 200", &boot),
        row("cold: that first /healthz request", &first_health),
        row("cold: first submit after start", &first_post),
        row("cold: second submit after start", &second_post),
        row("no-op cold: spawn to first 200", &floor_boot),
        row("no-op cold: that first request", &floor_first),
    ]
    .into_iter()
    .chain(profiled.drain(..))
    .collect())
}

/// Where a submit's time goes: `count` sequential submits to a Worker in bench mode
/// (`BENCH_TIMING`, see edge/src/bench_timing.rs), the median of each logged step next to
/// the median the client saw.
async fn profile(
    http: &reqwest::Client,
    edge: &Path,
    persist: &Path,
    count: usize,
) -> Result<Vec<Row>> {
    let w = Wrangler::start_with(
        edge,
        COLD_PORT,
        COLD_INSPECTOR,
        Some(persist),
        &["BENCH_TIMING:true"],
    )?;
    w.wait_ready(http, "/healthz").await?;
    let url = format!("{}/v1/sites/{SITE}/inquiries", w.origin);
    let mut client_ms = Vec::new();
    for i in 0..count {
        let body = serde_json::json!({
            "idempotency_key": format!("profile-{}-{i}", std::process::id()),
            "fields": {"name": "Bench Visitor", "email": format!("p{i}@bench.example"),
                       "topic": "support", "message": "Profiled inquiry, please ignore."},
        });
        let started = Instant::now();
        let resp = http
            .post(&url)
            .header("origin", PAGE_ORIGIN)
            .json(&body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let _ = resp.bytes().await?;
        client_ms.push(ms_of(started.elapsed()));
        if status != 202 {
            return Err(Error::msg(format!("profiled submit answered {status}")));
        }
    }
    // Log lines reach the file a moment after the answers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut steps: Vec<(String, Vec<f64>)> = Vec::new();
    for line in w.log_text().lines() {
        let (rest, after) = match line.split("bench-timing").nth(1) {
            Some(rest) => match rest.strip_prefix("-after") {
                Some(rest) => (rest, true),
                None => (rest, false),
            },
            None => continue,
        };
        for pair in rest.split_whitespace() {
            let Some((name, v)) = pair.split_once('=') else {
                continue;
            };
            // Trips are counted by the storage-delay rows; here only milliseconds.
            if name == "trips" {
                continue;
            }
            let name = if after {
                format!("{name} (after the answer)")
            } else {
                name.to_owned()
            };
            let name = name.as_str();
            let Ok(v) = v.parse::<f64>() else { continue };
            match steps.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => values.push(v),
                None => steps.push((name.to_owned(), vec![v])),
            }
        }
    }
    let (median, lo, hi) = spread(client_ms.iter().copied());
    let mut rows = vec![Row::new(
        format!("profile: submit as the client sees it ({count} sequential, bench mode)"),
        ms(median),
        format!("{}-{}", ms(lo), ms(hi)),
    )];
    for (name, values) in steps {
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        rows.push(Row::new(
            format!(
                "profile: step `{name}` inside the Worker ({} samples)",
                values.len()
            ),
            ms(percentile(&sorted, 0.5)),
            format!("p90 {}", ms(percentile(&sorted, 0.9))),
        ));
    }
    Ok(rows)
}

fn ms_of(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The test site config with the 12-hour count per visitor at its ceiling. Under wrangler
/// dev every request comes from 127.0.0.1, so one "visitor" sends the whole bench: the
/// count stays in the measured path (one D1 statement per submit) without answering 429,
/// and the burst limit is off as in the test fixture.
fn bench_site_config(receiver: &str) -> Result<String> {
    let config = site_config(&SiteParams {
        site: SITE,
        receiver,
        secret: TEST_SECRET,
        page_origin: PAGE_ORIGIN,
    })?;
    Ok(config.replacen(
        "max_inquiries_per_12h = 10000",
        "max_inquiries_per_12h = 1000000",
        1,
    ))
}
