//! A local webhook endpoint: records every request (headers and body), checks its Standard
//! Webhooks signature with the `standardwebhooks` crate (an implementation independent of
//! `shared::signing`), and answers as a test tells it to (down for N attempts, 500, 410, ...).

use crate::{Error, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// How an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// 200 to everything.
    Accept,
    /// 500 to the first `n` requests on the path, 200 after that.
    DownFor(u32),
    /// This status to every request (e.g. 500, or 410 Gone).
    Always(u16),
}

/// Outcome of checking a delivery's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    Valid,
    Invalid(String),
    /// No secret is known for the path, so nothing was checked.
    Unchecked,
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: String,
    pub method: String,
    /// Header names in lowercase, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub signature: Signature,
    /// The status the receiver answered.
    pub answered: u16,
    pub at: SystemTime,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Called with each request as it is recorded.
type Observer = Box<dyn Fn(&Delivery) + Send + Sync>;

#[derive(Default)]
struct Ledger {
    deliveries: Vec<Delivery>,
    /// Per path prefix; the longest matching prefix wins.
    behaviors: Vec<(String, Behavior)>,
    secrets: Vec<(String, String)>,
    attempts: HashMap<String, u32>,
    observer: Option<Observer>,
}

impl Ledger {
    fn longest<'a, T>(rules: &'a [(String, T)], path: &str) -> Option<&'a T> {
        rules
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, t)| t)
    }
}

type Shared = Arc<Mutex<Ledger>>;

fn lock(ledger: &Shared) -> MutexGuard<'_, Ledger> {
    // A panicking test thread must not take the receiver down with it.
    ledger
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The receiver; it serves until dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    ledger: Shared,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    /// Listens on 127.0.0.1:`port` (0 for any free port). Must be called inside a tokio runtime.
    pub async fn start(port: u16) -> Result<Receiver> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let ledger: Shared = Arc::default();
        let app = axum::Router::new()
            .fallback(record)
            .with_state(ledger.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Receiver {
            addr,
            ledger,
            _stop: stop,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Checks signatures of requests under `path_prefix` with this `whsec_...` secret.
    pub fn set_secret(&self, path_prefix: &str, secret: &str) {
        let mut ledger = lock(&self.ledger);
        ledger.secrets.retain(|(p, _)| p != path_prefix);
        ledger
            .secrets
            .push((path_prefix.to_owned(), secret.to_owned()));
    }

    /// Makes requests under `path_prefix` answer as `behavior` from now on.
    pub fn set_behavior(&self, path_prefix: &str, behavior: Behavior) {
        let mut ledger = lock(&self.ledger);
        ledger.behaviors.retain(|(p, _)| p != path_prefix);
        ledger.behaviors.push((path_prefix.to_owned(), behavior));
    }

    /// Every request so far whose path starts with `path_prefix`.
    pub fn deliveries(&self, path_prefix: &str) -> Vec<Delivery> {
        lock(&self.ledger)
            .deliveries
            .iter()
            .filter(|d| d.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }

    /// Waits until at least `count` requests under `path_prefix` arrived.
    pub async fn wait_for(
        &self,
        path_prefix: &str,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Delivery>> {
        let started = Instant::now();
        loop {
            let found = self.deliveries(path_prefix);
            if found.len() >= count {
                return Ok(found);
            }
            if started.elapsed() > timeout {
                return Err(Error::msg(format!(
                    "expected {count} webhook request(s) under {path_prefix} within {} s, got {}",
                    timeout.as_secs(),
                    found.len()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `observer` on every request as it is recorded (devhost prints them with it).
    pub fn observe(&self, observer: impl Fn(&Delivery) + Send + Sync + 'static) {
        lock(&self.ledger).observer = Some(Box::new(observer));
    }
}

async fn record(
    State(ledger): State<Shared>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let path = uri.path().to_owned();
    let mut ledger = lock(&ledger);
    let attempt = {
        let n = ledger.attempts.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let answered = match Ledger::longest(&ledger.behaviors, &path)
        .copied()
        .unwrap_or(Behavior::Accept)
    {
        Behavior::Accept => 200,
        Behavior::DownFor(n) if attempt <= n => 500,
        Behavior::DownFor(_) => 200,
        Behavior::Always(status) => status,
    };
    let signature = match Ledger::longest(&ledger.secrets, &path) {
        Some(secret) => verify(secret, &headers, &body),
        None => Signature::Unchecked,
    };
    let delivery = Delivery {
        path,
        method: method.to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        signature,
        answered,
        at: SystemTime::now(),
    };
    if let Some(observer) = &ledger.observer {
        observer(&delivery);
    }
    ledger.deliveries.push(delivery);
    StatusCode::from_u16(answered).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Standard Webhooks verification: `webhook-id`, `webhook-timestamp` (within 5 minutes) and
/// `webhook-signature` (`v1,<base64 HMAC-SHA256>`).
pub fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> Signature {
    let webhook = match standardwebhooks::Webhook::new(secret) {
        Ok(w) => w,
        Err(e) => return Signature::Invalid(format!("bad secret: {e}")),
    };
    match webhook.verify(body, headers) {
        Ok(()) => Signature::Valid,
        Err(e) => Signature::Invalid(e.to_string()),
    }
}
