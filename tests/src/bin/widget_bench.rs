//! `widget-bench`: how long the visible form takes to appear after the loader starts. The
//! real Worker under `wrangler dev` serves the built widget on loopback; each of N runs
//! (default 10) opens a host page in a fresh headless Chromium profile (cold cache) and
//! reads the page's own clock: from the loader's request start (resource timing of
//! widget.js) to the loader's `switchboard:visible` mark, taken when the form is first in
//! the page (the edge's prerendered form, or the live one when there is none). Prints
//! every run and the median; the median from the loader's first statement (its
//! `switchboard:start` mark), which leaves the loader's own download out; and where the
//! time went (medians, from the request start): the loader downloaded and running, the
//! form definition arrived, the wasm downloaded, compiled and instantiated, and the live
//! (wasm) form mounted. `cargo xtask bench-widget` runs it.
//! `SB_TRACE=1` adds each run's timeline (see [`TRACE`]); the edge and the widget assets
//! send `Timing-Allow-Origin`, so it has the connect, request and response times too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_tests::admin::Admin;
use switchboard_tests::browser::Browser;
use switchboard_tests::fixture::{self, SiteParams, TEST_SECRET};
use switchboard_tests::pages::{PageServer, host_page};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result};

const DEFAULT_RUNS: usize = 10;

/// With `SB_TRACE` set, each run also prints the page's timeline, one entry per line: type,
/// name (its end), start, connect start and end, request start, response start and end
/// (or duration), in ms; for long animation frames the scripts that ran in them.
const TRACE: &str = "const r = x => Math.round(x || 0); \
    return performance.getEntries().map(e => [e.entryType, e.name.slice(-40), r(e.startTime), \
      'connect', r(e.connectStart), r(e.connectEnd), 'request', r(e.requestStart), \
      r(e.responseStart), r(e.responseEnd || e.duration), \
      (e.scripts || []).map(s => `${s.sourceURL.slice(-12)} ${s.invoker.slice(0, 30)} at ${r(s.startTime)} for ${r(s.duration)}`).join('; ') \
    ].join(' ')).join('\\n');";

fn main() {
    let runs = std::env::args()
        .nth(1)
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_RUNS);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("widget-bench: no runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(bench(runs)) {
        eprintln!("widget-bench: {e}");
        std::process::exit(1);
    }
}

async fn bench(runs: usize) -> Result<()> {
    let pages = PageServer::start(0).await?;
    let worker = Worker::start(WorkerOptions::default()).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let admin = Admin::new(&worker.origin, http)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let site = format!("bench{stamp}");
    let config = fixture::site_config(&SiteParams {
        site: &site,
        receiver: "http://127.0.0.1:9",
        secret: TEST_SECRET,
        page_origin: &pages.origin(),
    })?;
    admin.provision(&site, &config).await?;
    let url = pages.put("/bench.html", host_page(&worker.origin, &site, "", ""));
    let loader = format!("{}/widget.js", worker.origin);
    let wasm = format!("{}/switchboard_widget_bg.wasm", worker.origin);
    // Milliseconds from the loader's request start: [visible, loader downloaded, loader
    // running, definition arrived, wasm downloaded, wasm ready, live form mounted].
    let script = format!(
        "const at = n => performance.getEntriesByName(n)[0]; \
         const start = at('{loader}'), visible = at('switchboard:visible'); \
         if (!start || !visible || !at('switchboard:mounted')) return null; \
         const t = e => e ? (e.responseEnd || e.startTime) - start.startTime : -1; \
         return [visible.startTime - start.startTime, t(start), t(at('switchboard:start')), \
                 t(at('switchboard:definition')), t(at('{wasm}')), \
                 t(at('switchboard:wasm-ready')), t(at('switchboard:mounted'))];"
    );
    const PARTS: [&str; 6] = [
        "loader downloaded",
        "loader running",
        "form definition arrived",
        "wasm downloaded",
        "wasm compiled and instantiated",
        "live (wasm) form mounted",
    ];
    let mut parts: Vec<Vec<f64>> = vec![Vec::new(); PARTS.len()];

    let trace = std::env::var_os("SB_TRACE").is_some();
    let mut times = Vec::new();
    // From the loader's first statement (its `switchboard:start` mark) to the visible form.
    let mut from_running = Vec::new();
    // One warm-up run outside the figures: wrangler compiles the Worker on first request.
    for run in 0..=runs {
        let browser = Browser::start().await?;
        let measured = async {
            browser.client.goto(&url).await?;
            let value = browser
                .wait_for_js(&script, Duration::from_secs(30), "the mounted form")
                .await;
            match value {
                Ok(v) => v
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_f64()).collect::<Vec<f64>>())
                    .filter(|a| a.len() == PARTS.len() + 1)
                    .ok_or_else(|| Error::msg(format!("not a list of times: {v}"))),
                Err(e) => Err(Error::msg(format!(
                    "{e}; the page reported: {}",
                    browser.page_errors().await
                ))),
            }
        }
        .await;
        if trace {
            println!(
                "{}",
                browser
                    .eval(TRACE, vec![])
                    .await?
                    .as_str()
                    .unwrap_or_default()
            );
        }
        browser.close().await;
        let measured = measured?;
        let ms = measured[0];
        if run == 0 {
            println!("  warm-up (Worker compile)  {ms:>7.1} ms");
        } else {
            println!("  run {run:>2}                    {ms:>7.1} ms");
            times.push(ms);
            from_running.push(ms - measured[2]);
            for (part, value) in parts.iter_mut().zip(&measured[1..]) {
                part.push(*value);
            }
        }
    }
    let middle = median(&mut times);
    println!(
        "visible form after loader start: median {middle:.1} ms over {} cold loads (min {:.1}, max {:.1})",
        times.len(),
        times.first().copied().unwrap_or_default(),
        times.last().copied().unwrap_or_default()
    );
    let running = median(&mut from_running);
    println!(
        "visible form after the loader runs: median {running:.1} ms (min {:.1}, max {:.1})",
        from_running.first().copied().unwrap_or_default(),
        from_running.last().copied().unwrap_or_default()
    );
    println!("where the time went (median ms after the loader's request start):");
    for (name, values) in PARTS.iter().zip(parts.iter_mut()) {
        println!("  {name:<32} {:>7.1} ms", median(values));
    }
    drop(worker);
    Ok(())
}

/// The median of `values` (sorted in place); 0 for none.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
