//! Headless Chromium driven over WebDriver: chromedriver on a free port, a fresh profile
//! per browser, and helpers to reach into the widget's open shadow root.

use crate::{Error, Result, free_port, reaper};
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Tag of the element the loader mounts the widget in.
pub const HOST_TAG: &str = "switchboard-form";

/// The widget's live form, not the prerendered one the loader shows until the wasm runs.
pub const LIVE_FORM: &str = "form[part=\"form\"]:not([data-prerendered])";

/// One browser session; dropping it ends chromedriver and its Chromium.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Result<Browser> {
        Browser::start_with(&[]).await
    }

    /// Like [`Browser::start`], with more Chromium command-line switches.
    pub async fn start_with(extra_args: &[String]) -> Result<Browser> {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            if !Path::new(tool).exists() {
                return Err(Error::msg(format!(
                    "{tool} is missing; run `cargo xtask setup` (apt-get install -y chromium chromium-driver)"
                )));
            }
        }
        let port = free_port()?;
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::msg(format!("cannot start chromedriver: {e}")))?;
        reaper::track(driver.id());
        let profile = tempfile::Builder::new()
            .prefix("switchboard-chromium-")
            .tempdir()?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1200,1000".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.extend_from_slice(extra_args);
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        let Value::Object(caps) = caps else {
            return Err(Error::msg("capabilities are not an object"));
        };
        match session(port, caps).await {
            Ok(client) => Ok(Browser {
                client,
                driver,
                _profile: profile,
            }),
            Err(e) => {
                reaper::stop(&mut driver);
                Err(e)
            }
        }
    }

    /// Ends the session politely, then the driver's process group.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Runs a script and returns its value.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Polls `script` until it returns something other than `null`/`false`.
    pub async fn wait_for_js(&self, script: &str, timeout: Duration, what: &str) -> Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.eval(script, vec![]).await?;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return Ok(value);
            }
            if started.elapsed() > timeout {
                return Err(Error::msg(format!(
                    "timed out after {} s waiting for {what}",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the widget's own (live) form is drawn inside its shadow root, past the
    /// prerendered one the loader shows first; returns that root. The wasm waits for the
    /// visitor (`data-load`), so until the live form is there, each poll passes a pointer
    /// over the form (a `pointerover` event in its shadow root), as a visitor about to use
    /// it would. A submit made before the live form took over shows the success view in its
    /// place as soon as it is answered, so that counts as live too (the form may be gone
    /// before a poll sees it). [`Browser::live_widget`] only waits.
    pub async fn widget(&self, timeout: Duration) -> Result<ShadowRoot> {
        self.wait_for_widget(timeout, true).await
    }

    /// Like [`Browser::widget`], without engaging: for trials of what brings the wasm.
    pub async fn live_widget(&self, timeout: Duration) -> Result<ShadowRoot> {
        self.wait_for_widget(timeout, false).await
    }

    async fn wait_for_widget(&self, timeout: Duration, engage: bool) -> Result<ShadowRoot> {
        let hover = if engage {
            "const f = h.shadowRoot.firstElementChild; \
             if (f) f.dispatchEvent(new PointerEvent('pointerover', { bubbles: true, composed: true }));"
        } else {
            ""
        };
        let script = format!(
            "const h = document.querySelector('{HOST_TAG}'); if (!h || !h.shadowRoot) return false; \
             if (h.shadowRoot.querySelector('{LIVE_FORM}') || h.shadowRoot.querySelector('[part=\"success\"]')) return true; \
             {hover} return false;"
        );
        if let Err(e) = self
            .wait_for_js(&script, timeout, "the widget's form in its shadow root")
            .await
        {
            let errors = self.page_errors().await;
            return Err(Error::msg(format!("{e}; the page reported: {errors}")));
        }
        let host = self.client.find(Locator::Css(HOST_TAG)).await?;
        Ok(host.shadow_root().await?)
    }

    /// What the page's error capture (`pages::ERROR_CAPTURE`) collected, for failure messages.
    pub async fn page_errors(&self) -> String {
        match self.eval("return window.__sbErrors || null;", vec![]).await {
            Ok(Value::Array(errors)) if errors.is_empty() => "no errors".to_owned(),
            Ok(Value::Array(errors)) => errors
                .iter()
                .map(|e| e.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" | "),
            Ok(_) => "nothing (no error capture on this page)".to_owned(),
            Err(e) => format!("nothing readable ({e})"),
        }
    }

    /// Finds an element in the shadow root, waiting for it to appear.
    pub async fn find_in(
        &self,
        root: &ShadowRoot,
        css: &str,
        timeout: Duration,
    ) -> Result<Element> {
        let started = Instant::now();
        loop {
            match root.find(Locator::Css(css)).await {
                Ok(element) => return Ok(element),
                Err(e) if started.elapsed() > timeout => {
                    let errors = self.page_errors().await;
                    return Err(Error::msg(format!(
                        "no `{css}` in the widget after {} s: {e}; the page reported: {errors}",
                        timeout.as_secs()
                    )));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Computed values of `properties` for the first element `selector_js` (an expression
    /// evaluated in the page) returns.
    pub async fn computed_style(&self, selector_js: &str, properties: &[&str]) -> Result<Value> {
        let script = format!(
            "const el = {selector_js}; if (!el) return null; const cs = getComputedStyle(el); \
             const out = {{}}; for (const p of arguments[0]) out[p] = cs.getPropertyValue(p); return out;"
        );
        let value = self.eval(&script, vec![json!(properties)]).await?;
        if value.is_null() {
            return Err(Error::msg(format!("no element for `{selector_js}`")));
        }
        Ok(value)
    }
}

/// Opens a WebDriver session, retrying while chromedriver starts up.
async fn session(port: u16, caps: serde_json::Map<String, Value>) -> Result<Client> {
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Ok(client),
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                return Err(Error::msg(format!(
                    "no WebDriver session from chromedriver at {url}: {e}"
                )));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        reaper::stop(&mut self.driver);
    }
}
