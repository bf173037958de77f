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
//!
//! Before the timings it prints the bytes a page pays (raw, gzip -9 and brotli -q 11):
//! before engagement (the loader with glue and CSS, and the form definition with the
//! prerendered form) and after it (the wasm). After them, the time from the visitor's first
//! interaction to the live form (`data-load="interaction"`, the same running Chromium and
//! fresh host names; download, compile, mount). With `--lighthouse` it then runs Lighthouse
//! (npm `lighthouse`, mobile preset) 3 times on the demo page with and without the widget,
//! with the form above and below the fold, and prints the medians (`SB_LIGHTHOUSE_DIR=DIR`
//! keeps the JSON reports there).

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard_tests::admin::Admin;
use switchboard_tests::browser::Browser;
use switchboard_tests::fixture::{self, SiteParams, TEST_SECRET};
use switchboard_tests::pages::{PageServer, demo_page, host_page};
use switchboard_tests::wrangler::{Worker, WorkerOptions};
use switchboard_tests::{Error, Result, repo};

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = args
        .iter()
        .find_map(|n| n.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_RUNS);
    let lighthouse = args.iter().any(|a| a == "--lighthouse");
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
    if let Err(e) = rt.block_on(bench(runs, lighthouse)) {
        eprintln!("widget-bench: {e}");
        std::process::exit(1);
    }
}

async fn bench(runs: usize, lighthouse: bool) -> Result<()> {
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
    bytes(&worker.origin, &site).await?;
    // A host page for the edge at `edge`, and the script that reads one load's figures:
    // milliseconds from the loader's request start to [visible, then each of `PARTS`].
    // The wasm at once (`eager`), so each load also shows where the live form's time goes.
    let page = |name: &str, edge: &str| {
        let url = pages.put(
            &format!("/{name}.html"),
            host_page(edge, &site, "", "").replace("data-site=", "data-load=\"eager\" data-site="),
        );
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
    warm.report(
        "running Chromium: visible form after loader start",
        "cold loads, a new tab and edge host name each",
    );

    // The first interaction to the live form, in the same running Chromium: each load
    // under a host name of its own, nothing of the wasm fetched before the click.
    let mut engaged = Engagement::default();
    for run in 0..=runs {
        let edge = format!("http://click{run}.{BENCH_DOMAIN}:{port}");
        let url = pages.put(
            &format!("/click{run}.html"),
            host_page(&edge, &site, "", "")
                .replace("data-site=", "data-load=\"interaction\" data-site="),
        );
        let tab = browser.client.new_window(true).await?;
        let first = browser.client.window().await?;
        browser.client.switch_to_window(tab.handle).await?;
        let measured = first_interaction(&browser, &url, &edge).await;
        browser.client.close_window().await?;
        browser.client.switch_to_window(first).await?;
        engaged.add(run, measured?);
    }
    browser.close().await;
    engaged.report();

    if lighthouse {
        lighthouse_runs(&pages, &worker.origin, &site).await?;
    }
    drop(worker);
    Ok(())
}

/// The figure targets (issue 20), in bytes.
const BEFORE_ENGAGEMENT_GZIP: usize = 16_000;
const WASM_GZIP: usize = 100_000;
const AFTER_ENGAGEMENT_GZIP: usize = 115_000;
const AFTER_ENGAGEMENT_BROTLI: usize = 95_000;

/// The bytes a page pays, raw, gzip -9 and brotli -q 11: before engagement (the loader and
/// the definition it asks for first) and after (the wasm).
async fn bytes(edge: &str, site: &str) -> Result<()> {
    let dist = repo::path("widget/dist");
    let read = |name: &str| {
        std::fs::read(dist.join(name)).map_err(|e| {
            Error::msg(format!(
                "widget/dist/{name}: {e}; run `cargo xtask build` first"
            ))
        })
    };
    let loader = read("widget.js")?;
    let wasm = read("switchboard_widget_bg.wasm")?;
    // What the loader asks for first: the definition with the prerendered form.
    let definition = reqwest::get(format!("{edge}/v1/sites/{site}/form?locale=en&prerender=1"))
        .await?
        .bytes()
        .await?
        .to_vec();
    let rows = [
        (
            "loader + glue + CSS (widget.js)",
            sizes("widget.js", &loader)?,
        ),
        (
            "form definition with prerendered form",
            sizes("form.json", &definition)?,
        ),
        (
            "wasm (switchboard_widget_bg.wasm)",
            sizes("switchboard_widget_bg.wasm", &wasm)?,
        ),
    ];
    let sum = |range: std::ops::Range<usize>| {
        rows[range].iter().fold([0; 3], |acc, (_, s)| {
            [acc[0] + s[0], acc[1] + s[1], acc[2] + s[2]]
        })
    };
    let (before, after) = (sum(0..2), sum(0..3));
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("== bytes                                         raw    gzip -9  brotli -q 11");
    let line = |label: &str, s: [usize; 3], note: String| {
        println!("  {label:<42} {:>9} {:>9} {:>9}  {note}", s[0], s[1], s[2]);
    };
    println!("before engagement:");
    line(rows[0].0, rows[0].1, String::new());
    line(rows[1].0, rows[1].1, String::new());
    line(
        "all before engagement",
        before,
        format!(
            "(<= {BEFORE_ENGAGEMENT_GZIP} B gzip: {})",
            verdict(before[1] <= BEFORE_ENGAGEMENT_GZIP)
        ),
    );
    println!("after engagement:");
    line(
        rows[2].0,
        rows[2].1,
        format!(
            "(<= {WASM_GZIP} B gzip: {})",
            verdict(rows[2].1[1] <= WASM_GZIP)
        ),
    );
    line(
        "everything (before engagement + wasm)",
        after,
        format!(
            "(<= {AFTER_ENGAGEMENT_GZIP} B gzip: {}; <= {AFTER_ENGAGEMENT_BROTLI} B brotli: {})",
            verdict(after[1] <= AFTER_ENGAGEMENT_GZIP),
            verdict(after[2] <= AFTER_ENGAGEMENT_BROTLI)
        ),
    );
    println!();
    Ok(())
}

/// `[raw, gzip -9, brotli -q 11]` sizes of `bytes`, compressed as a file called `name`
/// (gzip keeps the name in its header), so they match `cargo xtask build`'s figures.
fn sizes(name: &str, bytes: &[u8]) -> Result<[usize; 3]> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(name);
    std::fs::write(&path, bytes)?;
    let packed = |program: &str, args: &[&str]| -> Result<usize> {
        let out = Command::new(program)
            .args(args)
            .arg(&path)
            .output()
            .map_err(|e| {
                Error::msg(format!(
                    "cannot run {program}: {e}; run `cargo xtask setup`"
                ))
            })?;
        if !out.status.success() {
            return Err(Error::msg(format!("{program} failed")));
        }
        Ok(out.stdout.len())
    };
    Ok([
        bytes.len(),
        packed("gzip", &["-9", "-c"])?,
        packed("brotli", &["-q", "11", "-c"])?,
    ])
}

/// One load of `url` (whose widget has `data-load="interaction"`): waits for the
/// prerendered form, checks that nothing of the wasm was asked for, clicks the name field
/// and returns, in ms from the `switchboard:engaged` mark: the live form mounted, the wasm
/// downloaded, the wasm compiled and instantiated.
async fn first_interaction(browser: &Browser, url: &str, edge: &str) -> Result<[f64; 3]> {
    browser.client.goto(url).await?;
    let shown = "const h = document.querySelector('switchboard-form'); \
        return !!(h && h.shadowRoot && h.shadowRoot.querySelector('form[data-prerendered]') \
        && performance.getEntriesByName('switchboard:visible').length);";
    browser
        .wait_for_js(shown, Duration::from_secs(30), "the prerendered form")
        .await?;
    // Long enough for an idle callback to have run, had the loader asked for one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let early = browser
        .eval(
            "return performance.getEntriesByName('switchboard:engaged').length \
             + performance.getEntriesByType('resource').filter(e => /\\.wasm$/.test(e.name)).length;",
            vec![],
        )
        .await?;
    if early != serde_json::json!(0) {
        return Err(Error::msg("the wasm was asked for before any interaction"));
    }
    let host = browser
        .client
        .find(fantoccini::Locator::Css("switchboard-form"))
        .await?
        .shadow_root()
        .await?;
    host.find(fantoccini::Locator::Css("[name=\"name\"]"))
        .await?
        .click()
        .await?;
    let script = format!(
        "const at = n => performance.getEntriesByName(n)[0]; \
         const engaged = at('switchboard:engaged'), mounted = at('switchboard:mounted'); \
         if (!engaged || !mounted) return null; \
         const t = e => e ? (e.responseEnd || e.startTime) - engaged.startTime : -1; \
         return [t(mounted), t(at('{edge}/switchboard_widget_bg.wasm')), t(at('switchboard:wasm-ready'))];"
    );
    let value = browser
        .wait_for_js(&script, Duration::from_secs(30), "the live form")
        .await?;
    let times: Vec<f64> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    match times.as_slice() {
        [mounted, wasm, ready] => Ok([*mounted, *wasm, *ready]),
        _ => Err(Error::msg(format!("not a list of times: {value}"))),
    }
}

/// First interaction to live form over several loads.
#[derive(Default)]
struct Engagement {
    mounted: Vec<f64>,
    downloaded: Vec<f64>,
    ready: Vec<f64>,
}

impl Engagement {
    fn add(&mut self, run: usize, [mounted, downloaded, ready]: [f64; 3]) {
        if run == 0 {
            println!("  warm-up                   {mounted:>7.1} ms");
            return;
        }
        println!("  run {run:>2}                    {mounted:>7.1} ms");
        self.mounted.push(mounted);
        self.downloaded.push(downloaded);
        self.ready.push(ready);
    }

    fn report(mut self) {
        let middle = median(&mut self.mounted);
        println!(
            "first interaction to live form: median {middle:.1} ms over {} loads (min {:.1}, max {:.1}; <= 150 ms: {})",
            self.mounted.len(),
            self.mounted.first().copied().unwrap_or_default(),
            self.mounted.last().copied().unwrap_or_default(),
            if middle <= 150.0 { "met" } else { "NOT met" }
        );
        println!(
            "  after the interaction: wasm downloaded {:.1} ms, compiled and instantiated {:.1} ms, live form mounted {middle:.1} ms",
            median(&mut self.downloaded),
            median(&mut self.ready)
        );
    }
}

/// Lighthouse runs per page.
const LIGHTHOUSE_RUNS: usize = 3;

/// Content that puts the form below the fold of a phone's screen (and a desktop's).
const STORY: &str = "<section style=\"min-height:160vh\"><h2>Our robots</h2>\
    <p>Acme Robotics builds warehouse robots that lift, sort and carry. Each one leaves the \
    factory tested for a thousand hours, with a service plan and a person who answers.</p>\
    <p>Tell us about your site, the loads you move and the hours you work; we answer with a \
    plan, a price and the time it takes to set up.</p></section>\n    ";

/// One Lighthouse report's figures: score (0-100), TBT ms, CLS, LCP ms, bytes, and
/// whether the wasm was fetched.
type Figures = (f64, f64, f64, f64, f64, bool);

/// Lighthouse (mobile preset, performance only) on the demo page with and without the
/// widget, form above and below the fold, `LIGHTHOUSE_RUNS` each, interleaved; prints each
/// run and the medians, and what the widget adds.
async fn lighthouse_runs(pages: &PageServer, edge: &str, site: &str) -> Result<()> {
    let cli = repo::path("node_modules/lighthouse/cli/index.js");
    if !cli.is_file() {
        return Err(Error::msg(format!(
            "{} is missing; run `cargo xtask setup` (npm ci)",
            cli.display()
        )));
    }
    let demo = demo_page(edge, site)?;
    let below = demo.replacen(
        "<h2>Contact us</h2>",
        &format!("{STORY}<h2>Contact us</h2>"),
        1,
    );
    let without = |page: &str| {
        page.lines()
            .filter(|l| !l.contains("/widget.js") && !l.contains("<switchboard-form"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // The default (`interaction`) and, above the fold, `visible` for comparison.
    let on_visible = demo.replacen(
        "/widget.js\" data-site=",
        "/widget.js\" data-load=\"visible\" data-site=",
        1,
    );
    let variants = [
        ("without the widget, form above the fold", without(&demo)),
        ("with the widget, form above the fold", demo.clone()),
        ("without the widget, form below the fold", without(&below)),
        ("with the widget, form below the fold", below.clone()),
        ("with data-load=visible, form above", on_visible),
    ];
    let urls: Vec<String> = variants
        .iter()
        .enumerate()
        .map(|(i, (_, html))| pages.put(&format!("/lighthouse{i}.html"), html.clone()))
        .collect();
    // The JSON reports go to a temporary directory, or to `SB_LIGHTHOUSE_DIR` to keep them.
    let out = tempfile::tempdir()?;
    let dir =
        std::env::var_os("SB_LIGHTHOUSE_DIR").map_or_else(|| out.path().to_path_buf(), Into::into);
    let mut figures: Vec<Vec<Figures>> = vec![Vec::new(); variants.len()];
    println!("\n== Lighthouse 12 (mobile preset, performance), {LIGHTHOUSE_RUNS} runs per page");
    for run in 1..=LIGHTHOUSE_RUNS {
        for (i, url) in urls.iter().enumerate() {
            let report = dir.join(format!("lh{i}-{run}.json"));
            let f = lighthouse(&cli, url, &report)?;
            println!(
                "  run {run} {:<42} score {:>3.0}  TBT {:>5.0} ms  CLS {:.3}  LCP {:>5.0} ms  {:>7.0} B  wasm {}",
                variants[i].0,
                f.0,
                f.1,
                f.2,
                f.3,
                f.4,
                if f.5 { "fetched" } else { "not fetched" }
            );
            figures[i].push(f);
        }
    }
    let medians: Vec<[f64; 5]> = figures
        .iter()
        .map(|runs| {
            let mut m = [0.0; 5];
            for (k, slot) in m.iter_mut().enumerate() {
                let mut values: Vec<f64> =
                    runs.iter().map(|f| [f.0, f.1, f.2, f.3, f.4][k]).collect();
                *slot = median(&mut values);
            }
            m
        })
        .collect();
    println!("medians:");
    for ((label, _), m) in variants.iter().zip(&medians) {
        println!(
            "  {label:<42} score {:>3.0}  TBT {:>5.0} ms  CLS {:.3}  LCP {:>5.0} ms  {:>7.0} B",
            m[0], m[1], m[2], m[3], m[4]
        );
    }
    for (fold, (bare, with)) in [
        ("above the fold", (0, 1)),
        ("below the fold", (2, 3)),
        ("above the fold, data-load=visible", (0, 4)),
    ] {
        let (a, b) = (medians[bare], medians[with]);
        let below = fold.starts_with("below");
        let bytes_ok = !below || b[4] - a[4] <= 20_000.0;
        let ok = b[0] >= a[0] && b[1] - a[1] <= 10.0 && b[2] - a[2] <= 0.01 && bytes_ok;
        println!(
            "the widget adds, form {fold}: score {:+.0}, TBT {:+.0} ms, CLS {:+.3}, LCP {:+.0} ms, {:+.0} B \
             (score equal, TBT <= +10 ms, CLS <= +0.01{}: {})",
            b[0] - a[0],
            b[1] - a[1],
            b[2] - a[2],
            b[3] - a[3],
            b[4] - a[4],
            if below { ", bytes <= +20 KB" } else { "" },
            if ok { "met" } else { "NOT met" }
        );
    }
    Ok(())
}

/// One Lighthouse run on `url` (a fresh Chromium profile each, so a cold cache), its JSON
/// report written to `report`.
fn lighthouse(cli: &Path, url: &str, report: &Path) -> Result<Figures> {
    let out = Command::new("node")
        .arg(cli)
        .arg(url)
        .args([
            "--only-categories=performance",
            "--output=json",
            "--quiet",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ])
        .arg(format!("--output-path={}", report.display()))
        .env("CHROME_PATH", switchboard_tests::browser::CHROMIUM)
        .output()
        .map_err(|e| Error::msg(format!("cannot run lighthouse: {e}")))?;
    if !out.status.success() {
        return Err(Error::msg(format!(
            "lighthouse failed on {url}: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let json: Value = serde_json::from_slice(&std::fs::read(report)?)?;
    let audit = |id: &str| {
        json["audits"][id]["numericValue"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    let wasm = json["audits"]["network-requests"]["details"]["items"]
        .as_array()
        .is_some_and(|items| {
            items
                .iter()
                .any(|i| i["url"].as_str().is_some_and(|u| u.ends_with(".wasm")))
        });
    let score = json["categories"]["performance"]["score"]
        .as_f64()
        .map_or(f64::NAN, |s| s * 100.0);
    Ok((
        score,
        audit("total-blocking-time"),
        audit("cumulative-layout-shift"),
        audit("largest-contentful-paint"),
        audit("total-byte-weight"),
        wasm,
    ))
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
