//! `widget-bench`: how long the visible form takes to appear after the loader starts. The
//! real Worker under `wrangler dev` serves the built widget on loopback. Each run opens a
//! host page on a cold cache and reads the page's own clock: from the loader's request
//! start (resource timing of widget.js) to the loader's `switchboard:visible` mark, taken
//! when the form is first painted (the edge's prerendered form, or the live one when
//! there is none). Two series of N runs each (default 10):
//! - a new headless Chromium with a fresh profile per run: Chromium's own start-up runs
//!   alongside the page;
//! - one running Chromium, each run in a new tab with the edge under a new host name
//!   (`runN.switchboard.test`, mapped to loopback): a first visit, as a visitor's
//!   already running browser makes it.
//!
//! A run whose page got anything of the edge's from the cache (no body on the wire) fails
//! the bench. Each series prints every run and the median; the median from the loader's
//! first statement (its `switchboard:start` mark), which leaves the loader's own download
//! out; and where the time went (medians, from the request start): the loader downloaded
//! and running, the form definition arrived, the wasm downloaded, compiled and
//! instantiated, and the live (wasm) form mounted. `cargo xtask bench-widget` runs it.
//! `SB_TRACE=1` adds each run's timeline (see [`TRACE`]); the edge and the widget assets
//! send `Timing-Allow-Origin`, so it has the connect, request and response times too.

use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_tests::admin::Admin;
use switchboard_tests::browser::Browser;
use switchboard_tests::fixture::{self, SiteParams, TEST_SECRET};
use switchboard_tests::pages::{PageServer, host_page};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result};

const DEFAULT_RUNS: usize = 10;
/// Host names under it resolve to loopback in the running-Chromium series.
const BENCH_DOMAIN: &str = "switchboard.test";

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
    // A host page for the edge at `edge`, and the script that reads one load's figures:
    // milliseconds from the loader's request start to [visible, then each of `PARTS`].
    let page = |name: &str, edge: &str| {
        let url = pages.put(&format!("/{name}.html"), host_page(edge, &site, "", ""));
        let script = format!(
            "const at = n => performance.getEntriesByName(n)[0]; \
             const start = at('{edge}/widget.js'), visible = at('switchboard:visible'); \
             if (!start || !visible || !at('switchboard:mounted')) return null; \
             const cached = performance.getEntriesByType('resource') \
               .filter(e => e.name.startsWith('{edge}/') && !(e.transferSize > e.encodedBodySize)); \
             if (cached.length) return 'from the cache: ' + cached.map(e => e.name).join(', '); \
             const t = e => e ? (e.responseEnd || e.startTime) - start.startTime : -1; \
             return [visible.startTime - start.startTime, t(start), t(at('switchboard:start')), \
                     t(at('switchboard:definition')), t(at('{edge}/switchboard_widget_bg.wasm')), \
                     t(at('switchboard:wasm-ready')), t(at('switchboard:mounted'))];"
        );
        (url, script)
    };
    let trace = std::env::var_os("SB_TRACE").is_some();

    // One warm-up run outside the figures in each series: wrangler compiles the Worker on
    // its first request, and the loads must not share a cache or a connection.
    let mut fresh = Series::default();
    let (url, script) = page("bench", &worker.origin);
    for run in 0..=runs {
        let browser = Browser::start().await?;
        let measured = measure(&browser, &url, &script, trace).await;
        browser.close().await;
        fresh.add(run, measured?);
    }
    fresh.report(
        "visible form after loader start",
        "cold loads, a new Chromium each",
    );

    // A visitor's browser is already running. The same loads in one Chromium, each in a
    // new tab, with the edge under a new host name (all mapped to loopback): nothing of
    // the last load is in the cache and no connection to the edge is open, as on a first
    // visit to a site with the widget.
    let port = worker.origin.rsplit(':').next().unwrap_or_default();
    let resolve = format!("--host-resolver-rules=MAP *.{BENCH_DOMAIN} 127.0.0.1");
    let browser = Browser::start_with(&[resolve]).await?;
    let mut warm = Series::default();
    for run in 0..=runs {
        let (url, script) = page(
            &format!("warm{run}"),
            &format!("http://run{run}.{BENCH_DOMAIN}:{port}"),
        );
        let tab = browser.client.new_window(true).await?;
        let first = browser.client.window().await?;
        browser.client.switch_to_window(tab.handle).await?;
        let measured = measure(&browser, &url, &script, trace).await;
        browser.client.close_window().await?;
        browser.client.switch_to_window(first).await?;
        warm.add(run, measured?);
    }
    browser.close().await;
    warm.report(
        "running Chromium: visible form after loader start",
        "cold loads, a new tab and edge host name each",
    );
    drop(worker);
    Ok(())
}

/// What one load's `script` returned, in ms from the loader's request start: the visible
/// form, then each of [`PARTS`].
async fn measure(browser: &Browser, url: &str, script: &str, trace: bool) -> Result<Vec<f64>> {
    browser.client.goto(url).await?;
    let value = browser
        .wait_for_js(script, Duration::from_secs(30), "the mounted form")
        .await;
    if trace {
        let timeline = browser.eval(TRACE, vec![]).await?;
        println!("{}", timeline.as_str().unwrap_or_default());
    }
    match value {
        // A load that found anything of the edge's in the cache is not a cold load.
        Ok(Value::String(cached)) => Err(Error::msg(format!("not a cold load: {cached}"))),
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

/// Where a load's time went, each in ms from the loader's request start.
const PARTS: [&str; 6] = [
    "loader downloaded",
    "loader running",
    "form definition arrived",
    "wasm downloaded",
    "wasm compiled and instantiated",
    "live (wasm) form mounted",
];

/// The figures of one series of loads.
#[derive(Default)]
struct Series {
    /// From the loader's request start to the visible form.
    times: Vec<f64>,
    /// From the loader's first statement (its `switchboard:start` mark) to the visible form.
    from_running: Vec<f64>,
    parts: [Vec<f64>; PARTS.len()],
}

impl Series {
    /// Records run `run` (0 is the warm-up, printed but left out).
    fn add(&mut self, run: usize, measured: Vec<f64>) {
        let ms = measured[0];
        if run == 0 {
            println!("  warm-up                   {ms:>7.1} ms");
            return;
        }
        println!("  run {run:>2}                    {ms:>7.1} ms");
        self.times.push(ms);
        self.from_running.push(ms - measured[2]);
        for (part, value) in self.parts.iter_mut().zip(&measured[1..]) {
            part.push(*value);
        }
    }

    fn report(mut self, headline: &str, loads: &str) {
        let middle = median(&mut self.times);
        println!(
            "{headline}: median {middle:.1} ms over {} {loads} (min {:.1}, max {:.1})",
            self.times.len(),
            self.times.first().copied().unwrap_or_default(),
            self.times.last().copied().unwrap_or_default()
        );
        let running = median(&mut self.from_running);
        println!(
            "visible form after the loader runs: median {running:.1} ms (min {:.1}, max {:.1})",
            self.from_running.first().copied().unwrap_or_default(),
            self.from_running.last().copied().unwrap_or_default()
        );
        println!("where the time went (median ms after the loader's request start):");
        for (name, values) in PARTS.iter().zip(self.parts.iter_mut()) {
            println!("  {name:<32} {:>7.1} ms", median(values));
        }
    }
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
