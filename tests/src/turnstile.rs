//! A local stand-in for Cloudflare's Turnstile: its siteverify endpoint, so tests can drive
//! every answer the Worker must handle, and its browser script ([`SCRIPT`]), so the
//! widget's challenge can be solved in headless Chromium. The token names the outcome:
//!
//! - `pass-…`: success, hostname `127.0.0.1`; a second use of the same token under a
//!   different idempotency key fails with `timeout-or-duplicate`, as Cloudflare's does
//!   (the same key gets the first answer again)
//! - `fail-…`: `invalid-input-response`
//! - `elsewhere-…`: success, but solved on `evil.example`
//! - `slow-…`: answers after [`SLOW_FOR`], past the Worker's timeout
//!
//! A request with another secret gets `invalid-input-secret`.

use crate::Result;
use axum::body::Bytes;
use axum::extract::State;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The secret the fake accepts; the test Worker gets it as `TURNSTILE_SECRET`.
pub const TEST_TURNSTILE_SECRET: &str = "0x4AAAAAAAfake-switchboard-test-secret";
/// How long a `slow-` token takes.
pub const SLOW_FOR: Duration = Duration::from_secs(8);

#[derive(Default)]
struct Ledger {
    /// token -> idempotency key of its first use
    used: HashMap<String, String>,
    /// every request body received
    requests: Vec<Value>,
}

type Shared = Arc<Mutex<Ledger>>;

pub struct TurnstileFake {
    pub addr: SocketAddr,
    ledger: Shared,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TurnstileFake {
    /// Listens on a free port of 127.0.0.1. Must be called inside a tokio runtime.
    pub async fn start() -> Result<TurnstileFake> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let ledger: Shared = Arc::default();
        let app = axum::Router::new()
            .route("/turnstile/v0/api.js", axum::routing::get(script))
            .fallback(siteverify)
            .with_state(ledger.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(TurnstileFake {
            addr,
            ledger,
            _stop: stop,
        })
    }

    /// The URL the Worker's `TURNSTILE_SCRIPT_URL` points at.
    pub fn script_url(&self) -> String {
        format!("http://{}/turnstile/v0/api.js?render=explicit", self.addr)
    }

    /// The URL the Worker's `TURNSTILE_VERIFY_URL` points at.
    pub fn url(&self) -> String {
        format!("http://{}/turnstile/v0/siteverify", self.addr)
    }

    /// Request bodies received whose `response` (the token) starts with `prefix`.
    pub fn requests_for(&self, prefix: &str) -> Vec<Value> {
        self.ledger
            .lock()
            .map(|l| {
                l.requests
                    .iter()
                    .filter(|r| {
                        r["response"]
                            .as_str()
                            .is_some_and(|t| t.starts_with(prefix))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The part of Cloudflare's `turnstile` object the widget's loader uses (`render`, `reset`,
/// `remove`), drawing what Turnstile draws into the element: a hidden
/// `cf-turnstile-response` input that holds the answer. A challenge is solved at once with a
/// `pass-` token, unless the site key starts with `hold`: then it waits for
/// `__sbTurnstile.solve(prefix)`, which solves every open one with a `{prefix}…` token.
/// `__sbTurnstile` also counts renders, resets and removes.
pub const SCRIPT: &str = r#"(function () {
  var open = {}, n = 0;
  var log = (window.__sbTurnstile = { renders: 0, resets: 0, removes: 0 });
  function give(id, prefix) {
    var w = open[id];
    if (!w) return;
    w.input.value = prefix + id + "-" + Math.random().toString(36).slice(2);
    if (w.params.callback) w.params.callback(w.input.value);
  }
  function start(id) {
    open[id].input.value = "";
    if (open[id].params.sitekey.indexOf("hold") !== 0) setTimeout(function () { give(id, "pass-"); }, 0);
  }
  log.solve = function (prefix) {
    Object.keys(open).forEach(function (id) { give(id, prefix); });
  };
  window.turnstile = {
    render: function (el, params) {
      var id = "w" + ++n;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "cf-turnstile-response";
      el.appendChild(input);
      open[id] = { input: input, params: params };
      log.renders++;
      start(id);
      return id;
    },
    reset: function (id) {
      if (!open[id]) return;
      log.resets++;
      start(id);
    },
    remove: function (id) {
      if (!open[id]) return;
      open[id].input.remove();
      delete open[id];
      log.removes++;
    },
    getResponse: function (id) {
      return open[id] && open[id].input.value;
    }
  };
})();
"#;

async fn script() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/javascript")],
        SCRIPT,
    )
}

async fn siteverify(State(ledger): State<Shared>, body: Bytes) -> String {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = request["response"].as_str().unwrap_or("").to_owned();
    let key = request["idempotency_key"].as_str().unwrap_or("").to_owned();
    let secret_ok = request["secret"].as_str() == Some(TEST_TURNSTILE_SECRET);
    let repeated = {
        let mut l = match ledger.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        l.requests.push(request);
        match l.used.get(&token) {
            Some(first_key) => first_key != &key,
            None => {
                l.used.insert(token.clone(), key);
                false
            }
        }
    };
    let failure = |code: &str| json!({"success": false, "error-codes": [code]}).to_string();
    let success = |host: &str| {
        json!({"success": true, "hostname": host, "challenge_ts": "2026-01-01T00:00:00Z",
            "error-codes": [], "action": "", "cdata": ""})
        .to_string()
    };
    if !secret_ok {
        return failure("invalid-input-secret");
    }
    if let Some(_rest) = token.strip_prefix("slow-") {
        tokio::time::sleep(SLOW_FOR).await;
        return success("127.0.0.1");
    }
    if repeated {
        return failure("timeout-or-duplicate");
    }
    if token.starts_with("pass-") {
        success("127.0.0.1")
    } else if token.starts_with("elsewhere-") {
        success("evil.example")
    } else {
        failure("invalid-input-response")
    }
}
