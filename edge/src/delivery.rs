//! The delivery queue consumer: signs the webhook payload and posts it to each endpoint of
//! the inquiry's POC, records every attempt, and retries on a backoff schedule.

use crate::error::EdgeError;
use crate::payload::{self, PayloadInput};
use crate::platform::{self, log};
use crate::store::{self, Attempt, InquiryRow};
use crate::{ids, site_config};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use switchboard_shared::api::SubmitAccepted;
use switchboard_shared::config::{Endpoint, SiteConfig};
use wasm_bindgen::JsValue;
use worker::{
    AbortSignal, D1Database, Env, Fetch, Headers, Method, QueueRetryOptionsBuilder, Request,
    RequestInit, RequestRedirect,
};

/// How long one POST to an endpoint may take before it counts as failed.
pub const ATTEMPT_TIMEOUT_MS: u32 = 10_000;
/// Characters of an endpoint's answer kept in the delivery log.
pub const SNIPPET_CHARS: usize = 300;
/// Earlier references of the same submitter listed in the payload.
pub const EARLIER_REFERENCES: u32 = 5;
/// Used when `RETRY_SCHEDULE` is unset or unreadable.
pub const DEFAULT_RETRY_SCHEDULE: &[u32] = &[10, 30, 120, 600, 1800, 3600, 7200];
const USER_AGENT: &str = "Switchboard-Webhooks/0.1";

/// A message on the delivery queue (and, after its retries ran out, on the dead-letter queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    pub inquiry_id: String,
    pub site: String,
    /// Endpoints that answered 2xx at or after this time are not posted to again. A new
    /// inquiry uses 0; an admin redelivery uses the time it was asked for.
    #[serde(default)]
    pub since_ms: i64,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, or nothing left to do: acknowledge.
    Done,
    /// Try again after this many seconds.
    RetryAfter(u32),
}

/// Reads `RETRY_SCHEDULE` ("10,30,120"): seconds before each retry.
pub fn parse_schedule(s: &str) -> Vec<u32> {
    let parsed: Option<Vec<u32>> = s.split(',').map(|p| p.trim().parse().ok()).collect();
    match parsed {
        Some(v) if !v.is_empty() => v,
        _ => DEFAULT_RETRY_SCHEDULE.to_vec(),
    }
}

/// The delay before retry number `round` (1 after the first failed round); the last entry repeats.
pub fn retry_delay(schedule: &[u32], round: u32) -> u32 {
    let i = (round.max(1) - 1) as usize;
    schedule.get(i).or(schedule.last()).copied().unwrap_or(60)
}

pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The start of an endpoint's answer, for the delivery log.
pub fn snippet(body: &str) -> String {
    body.chars().take(SNIPPET_CHARS).collect()
}

/// Endpoints already served since `since_ms`, and the next attempt number per endpoint.
pub fn plan(attempts: &[Attempt], since_ms: i64) -> (BTreeSet<String>, BTreeMap<String, i64>) {
    let mut done = BTreeSet::new();
    let mut next = BTreeMap::new();
    for a in attempts {
        if a.at_ms >= since_ms
            && a.status_code
                .is_some_and(|s| u16::try_from(s).is_ok_and(is_success))
        {
            done.insert(a.endpoint_url.clone());
        }
        let n = next.entry(a.endpoint_url.clone()).or_insert(1);
        *n = (*n).max(a.attempt + 1);
    }
    (done, next)
}

/// Consumes one batch of the delivery queue.
pub async fn consume(batch: &worker::MessageBatch<serde_json::Value>, env: &Env) {
    use worker::MessageExt;
    let schedule = parse_schedule(&platform::var(env, "RETRY_SCHEDULE").unwrap_or_default());
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => {
            log(&format!("delivery: no database binding: {e}"));
            batch.retry_all();
            return;
        }
    };
    for message in batch.raw_iter() {
        // Escalation webhooks share this queue (and its retries and attempt log).
        if let Some(esc) = crate::escalation::decode_message(&message.body()) {
            let outcome = crate::escalation::deliver(&db, env, &esc, &schedule).await;
            crate::escalation::settle(&message, outcome, &schedule);
            continue;
        }
        let Some(msg) = decode_message(&message.body()) else {
            log(&format!(
                "delivery: dropping malformed message {}",
                message.id()
            ));
            message.ack();
            continue;
        };
        match deliver(&db, env, &msg, &schedule).await {
            Ok(Outcome::Done) => message.ack(),
            Ok(Outcome::RetryAfter(secs)) => message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(secs)
                    .build(),
            ),
            Err(e) => {
                log(&format!(
                    "delivery: inquiry {}: {}",
                    msg.inquiry_id,
                    e.log_cause().unwrap_or("client error")
                ));
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(retry_delay(&schedule, 1))
                        .build(),
                );
            }
        }
    }
}

/// A queue message body as a [`DeliveryMessage`], read through JSON.
pub fn decode_message(body: &JsValue) -> Option<DeliveryMessage> {
    let json = js_sys::JSON::stringify(body).ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// Delivers one inquiry to every endpoint of its POC that has not yet accepted it.
pub async fn deliver(
    db: &D1Database,
    env: &Env,
    msg: &DeliveryMessage,
    schedule: &[u32],
) -> Result<Outcome, EdgeError> {
    let Some(row) = store::inquiry(db, &msg.inquiry_id).await? else {
        log(&format!(
            "delivery: inquiry {} does not exist",
            msg.inquiry_id
        ));
        return Ok(Outcome::Done);
    };
    if row.status != "pending" {
        return Ok(Outcome::Done);
    }
    let config = match store::site(db, &row.site_id).await? {
        Some(site) => site_config::decode(&site, platform::allow_loopback_http(env))?,
        None => None,
    };
    let Some(config) = config else {
        return Err(EdgeError::internal(format!(
            "site {} has no config",
            row.site_id
        )));
    };
    let endpoints = endpoints_for(&config, &row.poc);
    let history = store::attempts(db, &row.id).await?;
    let (done, next_attempt) = plan(&history, msg.since_ms);
    let body = payload_json(db, &config, &row, crate::ack::link_for(env, &row.id)).await?;
    let allow_loopback = platform::allow_loopback_http(env);
    let msg_id = ids::webhook_id(&row.id);

    let mut failed_rounds = Vec::new();
    if endpoints.is_empty() {
        let attempt = next_attempt.get("").copied().unwrap_or(1);
        store::record_attempt(
            db,
            &failed_attempt(&row.id, "", attempt, "the poc has no webhook endpoints"),
        )
        .await?;
        failed_rounds.push(attempt);
    }
    for endpoint in endpoints.iter().filter(|e| !done.contains(&e.url)) {
        let attempt = next_attempt.get(&endpoint.url).copied().unwrap_or(1);
        let record = post(endpoint, &msg_id, &body, allow_loopback, &row.id, attempt).await;
        let ok = record
            .status_code
            .is_some_and(|s| u16::try_from(s).is_ok_and(is_success));
        store::record_attempt(db, &record).await?;
        if !ok {
            failed_rounds.push(attempt);
        }
    }
    match failed_rounds.iter().max() {
        None => {
            store::set_status(db, &row.id, "delivered").await?;
            Ok(Outcome::Done)
        }
        Some(round) => Ok(Outcome::RetryAfter(retry_delay(
            schedule,
            u32::try_from(*round).unwrap_or(u32::MAX),
        ))),
    }
}

/// The endpoints of `poc`, or of the default POC when the config no longer has it.
fn endpoints_for(config: &SiteConfig, poc: &str) -> Vec<Endpoint> {
    config
        .poc(poc)
        .or_else(|| config.poc(&config.default_poc))
        .map(|p| p.endpoints.clone())
        .unwrap_or_default()
}

/// The `inquiry.routed` body of a stored inquiry; escalations embed its `data`.
pub async fn payload_json(
    db: &D1Database,
    config: &SiteConfig,
    row: &InquiryRow,
    acknowledge_url: Option<String>,
) -> Result<String, EdgeError> {
    let accepted: SubmitAccepted = serde_json::from_str(&row.response_json)?;
    let fields: serde_json::Value = serde_json::from_str(&row.fields_json)?;
    let (earlier_inquiries, earlier_references) = match &row.email_hash {
        Some(hash) => {
            store::earlier_inquiries(
                db,
                &row.site_id,
                hash,
                row.submitted_ms,
                &row.id,
                EARLIER_REFERENCES,
            )
            .await?
        }
        None => (0, Vec::new()),
    };
    let email = config
        .form
        .email_field()
        .and_then(|f| fields.get(&f.id))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let p = payload::build(PayloadInput {
        reference: row.reference.clone(),
        site: row.site_id.clone(),
        poc: row.poc.clone(),
        team: accepted.team,
        priority: row.priority.clone(),
        tags: serde_json::from_str(&row.tags)?,
        topic: row.topic.clone(),
        fields,
        email,
        submitted_ms: row.submitted_ms,
        expected: accepted.expected,
        routing: serde_json::from_str(&row.routing_explanation_json)?,
        earlier_inquiries,
        earlier_references,
        confirmation: accepted.confirmation,
        acknowledge_url,
    });
    Ok(serde_json::to_string(&p)?)
}

fn failed_attempt(inquiry_id: &str, url: &str, attempt: i64, error: &str) -> Attempt {
    Attempt {
        inquiry_id: inquiry_id.to_owned(),
        endpoint_url: url.to_owned(),
        attempt,
        status_code: None,
        error: Some(error.to_owned()),
        latency_ms: 0,
        response_snippet: None,
        at_ms: platform::now_ms(),
    }
}

/// What one signed POST came to.
#[derive(Debug, Clone, PartialEq)]
pub struct PostResult {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
    pub started_ms: i64,
    pub latency_ms: i64,
}

impl PostResult {
    pub fn ok(&self) -> bool {
        self.status_code.is_some_and(is_success)
    }
}

/// One signed Standard Webhooks POST of `body` to `endpoint`. Never fails: whatever
/// happens (refused URL, bad secret, network error, non-2xx) is in the result.
pub async fn post_signed(
    endpoint: &Endpoint,
    msg_id: &str,
    body: &str,
    allow_loopback: bool,
) -> PostResult {
    let started_ms = platform::now_ms();
    let failed = |error: String| PostResult {
        status_code: None,
        error: Some(error),
        response_snippet: None,
        started_ms,
        latency_ms: 0,
    };
    // The config was checked on upload, but the guard runs again: the rules may have
    // tightened since, and a POST to a private address must never happen.
    if let Err(e) = switchboard_shared::url_guard::check_webhook_url(&endpoint.url, allow_loopback)
    {
        return failed(format!("refused url: {e}"));
    }
    let timestamp = started_ms / 1000;
    let signature = match switchboard_shared::signing::signature_header(
        &endpoint.secrets,
        msg_id,
        timestamp,
        body.as_bytes(),
    ) {
        Ok(s) => s,
        Err(e) => return failed(format!("signing failed: {e}")),
    };
    let result = send(&endpoint.url, msg_id, timestamp, &signature, body).await;
    let latency_ms = platform::now_ms() - started_ms;
    match result {
        Ok((status, text)) => PostResult {
            status_code: Some(status),
            error: (!is_success(status)).then(|| format!("endpoint answered {status}")),
            response_snippet: Some(snippet(&text)),
            started_ms,
            latency_ms,
        },
        Err(e) => PostResult {
            status_code: None,
            error: Some(e),
            response_snippet: None,
            started_ms,
            latency_ms,
        },
    }
}

/// One delivery attempt to one endpoint, as it is recorded.
async fn post(
    endpoint: &Endpoint,
    msg_id: &str,
    body: &str,
    allow_loopback: bool,
    inquiry_id: &str,
    attempt: i64,
) -> Attempt {
    let r = post_signed(endpoint, msg_id, body, allow_loopback).await;
    Attempt {
        inquiry_id: inquiry_id.to_owned(),
        endpoint_url: endpoint.url.clone(),
        attempt,
        status_code: r.status_code.map(i64::from),
        error: r.error,
        latency_ms: r.latency_ms,
        response_snippet: r.response_snippet,
        at_ms: r.started_ms,
    }
}

async fn send(
    url: &str,
    msg_id: &str,
    timestamp: i64,
    signature: &str,
    body: &str,
) -> Result<(u16, String), String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| format!("header {k}: {e}"));
    set("content-type", "application/json")?;
    set("user-agent", USER_AGENT)?;
    set("webhook-id", msg_id)?;
    set("webhook-timestamp", &timestamp.to_string())?;
    set("webhook-signature", signature)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(JsValue::from_str(body)))
        // A redirect could lead anywhere, past the URL guard: it counts as a failure.
        .with_redirect(RequestRedirect::Manual);
    let request = Request::new_with_init(url, &init).map_err(|e| format!("bad request: {e}"))?;
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(ATTEMPT_TIMEOUT_MS));
    let mut response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| {
            if signal.aborted() {
                format!("timed out after {ATTEMPT_TIMEOUT_MS} ms")
            } else {
                format!("network error: {e}")
            }
        })?;
    let status = response.status_code();
    let text = response.text().await.unwrap_or_default();
    Ok((status, text))
}

/// Sends a delivery message; used by the submit handler, the sweeper and redelivery.
pub async fn enqueue(env: &Env, msg: &DeliveryMessage) -> Result<(), EdgeError> {
    env.queue("DELIVERY")?.send(msg).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(url: &str, n: i64, status: Option<i64>, at: i64) -> Attempt {
        Attempt {
            inquiry_id: "i".into(),
            endpoint_url: url.into(),
            attempt: n,
            status_code: status,
            error: None,
            latency_ms: 1,
            response_snippet: None,
            at_ms: at,
        }
    }

    #[test]
    fn schedules() {
        assert_eq!(parse_schedule("5, 20,60"), vec![5, 20, 60]);
        assert_eq!(parse_schedule(""), DEFAULT_RETRY_SCHEDULE);
        assert_eq!(parse_schedule("5,x"), DEFAULT_RETRY_SCHEDULE);
        assert_eq!(retry_delay(&[5, 20, 60], 1), 5);
        assert_eq!(retry_delay(&[5, 20, 60], 3), 60);
        assert_eq!(retry_delay(&[5, 20, 60], 9), 60);
        assert_eq!(retry_delay(&[5, 20, 60], 0), 5);
    }

    #[test]
    fn plan_skips_served_endpoints_and_counts_attempts() {
        let history = [
            attempt("https://a", 1, Some(500), 10),
            attempt("https://a", 2, None, 20),
            attempt("https://b", 1, Some(204), 10),
            attempt("https://c", 1, Some(302), 10),
        ];
        let (done, next) = plan(&history, 0);
        assert_eq!(
            done.into_iter().collect::<Vec<_>>(),
            vec!["https://b".to_owned()]
        );
        assert_eq!(next.get("https://a"), Some(&3));
        assert_eq!(next.get("https://c"), Some(&2));
        // A redelivery asked for at 15 posts to b again.
        let (done, _) = plan(&history, 15);
        assert!(done.is_empty());
    }

    #[test]
    fn messages_and_snippets() {
        let m: DeliveryMessage =
            serde_json::from_str(r#"{"inquiry_id":"x","site":"demo"}"#).unwrap();
        assert_eq!(m.since_ms, 0);
        assert!(is_success(204) && !is_success(302) && !is_success(199));
        assert_eq!(snippet(&"é".repeat(400)).chars().count(), SNIPPET_CHARS);
    }
}
