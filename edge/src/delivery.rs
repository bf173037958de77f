//! The delivery queue consumer: renders and signs the webhook for each endpoint of the
//! inquiry's POC, records every attempt, and reschedules itself on the backoff schedule
//! (`retry`) by sending the next round as a new, delayed message. An exhausted schedule is
//! sent to the dead-letter queue.

use crate::dead_letter;
use crate::error::EdgeError;
use crate::formats;
use crate::payload::{self, PayloadInput, WebhookPayload};
use crate::platform::{self, log};
use crate::retry::{self, MAX_HOP_SECONDS, Next, Verdict};
use crate::store::{self, Attempt, InquiryRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use switchboard_shared::api::SubmitAccepted;
use switchboard_shared::config::{Endpoint, SiteConfig};
use wasm_bindgen::JsValue;
use worker::{
    AbortSignal, D1Database, Env, Fetch, Headers, MessageBuilder, Method, QueueRetryOptionsBuilder,
    Request, RequestInit, RequestRedirect,
};

/// How long one POST to an endpoint may take before it counts as failed.
pub const ATTEMPT_TIMEOUT_MS: u32 = 10_000;
/// Bytes of an endpoint's answer kept in the delivery log (cut at a character boundary).
pub const SNIPPET_BYTES: usize = 512;
/// Earlier references of the same submitter listed in the payload.
pub const EARLIER_REFERENCES: u32 = 5;
/// Delay before a message whose handling failed inside the Worker (D1 unavailable, ...) is
/// tried again; these retries count towards the queue's `max_retries`.
pub const INTERNAL_RETRY_SECONDS: u32 = 30;
/// Binding of the producer for the dead-letter queue (exhausted schedules are sent there).
pub const DEAD_LETTER_BINDING: &str = "DEAD_LETTERS";
pub const USER_AGENT: &str = "Switchboard-Webhooks/0.1";

/// A message on the delivery queue (and, once its schedule is used up, on the dead-letter
/// queue).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMessage {
    pub inquiry_id: String,
    pub site: String,
    /// Endpoints that answered 2xx at or after this time are not posted to again. A new
    /// inquiry uses 0; an admin redelivery uses the time it was asked for.
    #[serde(default)]
    pub since_ms: i64,
    /// The delivery round this message starts (1 for the first; 0 reads as 1).
    #[serde(default)]
    pub round: u32,
    /// Seconds still to wait before the round: a wait longer than one queue delay (12 h)
    /// travels as several messages.
    #[serde(default)]
    pub wait_s: u32,
}

impl DeliveryMessage {
    /// The first round of a new inquiry's delivery.
    pub fn new(inquiry_id: &str, site: &str) -> DeliveryMessage {
        DeliveryMessage {
            inquiry_id: inquiry_id.to_owned(),
            site: site.to_owned(),
            ..DeliveryMessage::default()
        }
    }

    /// The message for the next round after `hops` of waiting: sent with the first hop as
    /// its delay, carrying the rest.
    pub fn after(&self, hops: &[u32]) -> (DeliveryMessage, u32) {
        let first = hops.first().copied().unwrap_or(0);
        let rest: u32 = hops.iter().skip(1).fold(0, |a, h| a.saturating_add(*h));
        let next = DeliveryMessage {
            round: self.round.max(1) + 1,
            wait_s: rest,
            ..self.clone()
        };
        (next, first)
    }

    /// Still waiting: the same round, one more hop along.
    pub fn hop(&self) -> (DeliveryMessage, u32) {
        let delay = self.wait_s.min(MAX_HOP_SECONDS);
        let next = DeliveryMessage {
            wait_s: self.wait_s - delay,
            ..self.clone()
        };
        (next, delay)
    }
}

/// What became of one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, or nothing left to do: acknowledge.
    Done,
    /// Some endpoint should be tried again after these hops (seconds).
    Retry(Vec<u32>),
    /// The schedule is used up, or no endpoint can ever accept it: dead-letter queue.
    Exhausted,
}

pub fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The start of an endpoint's answer, for the delivery log: at most [`SNIPPET_BYTES`]
/// bytes, cut at a character boundary.
pub fn snippet(body: &str) -> String {
    let mut end = body.len().min(SNIPPET_BYTES);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_owned()
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

/// What one round did, endpoint by endpoint; [`conclude`] (or `escalation::conclude`)
/// turns it into an outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Endpoints that hold the inquiry (this round or earlier since the message's start).
    pub accepted: usize,
    /// Endpoints that should be tried again.
    pub retry: usize,
    /// Endpoints whose request could not be made (refused URL, bad secret), or one for a
    /// POC without endpoints.
    pub refused: usize,
    /// The largest `Retry-After` (seconds) among endpoints to retry.
    pub retry_after: Option<u32>,
    /// The highest attempt number among endpoints to retry (escalations pace their
    /// retries by it; deliveries by the message's round).
    pub max_attempt: i64,
}

/// The decision after a round. Disabled (410) endpoints count as neither accepted nor
/// pending: an inquiry is delivered once every other endpoint accepted it, and fails (the
/// owner is alerted) when an endpoint refused, or when no endpoint accepted it at all.
pub fn conclude(round: &Round, schedule: &[u32], round_no: u32, jitter: u8) -> Outcome {
    if round.retry > 0 {
        return match retry::next(schedule, round_no, round.retry_after, jitter) {
            Next::Wait(hops) => Outcome::Retry(hops),
            Next::Exhausted => Outcome::Exhausted,
        };
    }
    if round.refused > 0 || round.accepted == 0 {
        Outcome::Exhausted
    } else {
        Outcome::Done
    }
}

/// Consumes one batch of the delivery queue.
pub async fn consume(batch: &worker::MessageBatch<serde_json::Value>, env: &Env) {
    let schedule = retry::parse_schedule(&platform::var(env, "RETRY_SCHEDULE").unwrap_or_default());
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => {
            log(&format!("delivery: no database binding: {e}"));
            batch.retry_all();
            return;
        }
    };
    // The messages of a batch wait on the network and on D1, not on the CPU: handling
    // them side by side is what keeps a backlog (an endpoint that was down) short.
    let messages: Vec<worker::RawMessage> = batch.raw_iter().collect();
    futures_util::future::join_all(
        messages
            .iter()
            .map(|message| handle(message, &db, env, &schedule)),
    )
    .await;
}

/// One message of a batch: a hop of a long wait, or a delivery round.
async fn handle(message: &worker::RawMessage, db: &D1Database, env: &Env, schedule: &[u32]) {
    use worker::MessageExt;
    // Escalation webhooks share this queue (and its attempt log); they keep their own
    // retry handling.
    if let Some(esc) = crate::escalation::decode_message(&message.body()) {
        let outcome = crate::escalation::deliver(db, env, &esc, schedule).await;
        crate::escalation::settle(message, outcome, schedule);
        return;
    }
    let Some(msg) = decode_message(&message.body()) else {
        log(&format!(
            "delivery: dropping malformed message {}",
            message.id()
        ));
        message.ack();
        return;
    };
    let handled = if msg.wait_s > 0 {
        let (next, delay) = msg.hop();
        send_later(env, "DELIVERY", &next, delay).await
    } else {
        match deliver(db, env, &msg, schedule).await {
            Ok(Outcome::Done) => Ok(()),
            Ok(Outcome::Retry(hops)) => {
                let (next, delay) = msg.after(&hops);
                send_later(env, "DELIVERY", &next, delay).await
            }
            Ok(Outcome::Exhausted) => send_later(env, DEAD_LETTER_BINDING, &msg, 0).await,
            Err(e) => Err(e),
        }
    };
    match handled {
        Ok(()) => message.ack(),
        Err(e) => {
            // Nothing was lost: the message comes back; after the queue's max_retries
            // it lands in the dead-letter queue, which marks the inquiry failed.
            log(&format!(
                "delivery: inquiry {}: {}",
                msg.inquiry_id,
                e.log_cause().unwrap_or("client error")
            ));
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(INTERNAL_RETRY_SECONDS)
                    .build(),
            );
        }
    }
}

/// Sends `msg` on the queue bound as `binding`, delivered after `delay` seconds.
async fn send_later(
    env: &Env,
    binding: &str,
    msg: &DeliveryMessage,
    delay: u32,
) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
    let mut builder = MessageBuilder::new(msg.clone());
    if delay > 0 {
        builder = builder.delay_seconds(delay);
    }
    env.queue(binding)?.send(builder.build()).await?;
    Ok(())
}

/// A queue message body as a [`DeliveryMessage`], read through JSON.
pub fn decode_message(body: &JsValue) -> Option<DeliveryMessage> {
    let json = js_sys::JSON::stringify(body).ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// One delivery round: posts the inquiry to every endpoint of its POC that has neither
/// accepted it yet nor been disabled, records each attempt, and decides what comes next.
pub async fn deliver(
    db: &D1Database,
    env: &Env,
    msg: &DeliveryMessage,
    schedule: &[u32],
) -> Result<Outcome, EdgeError> {
    // Everything the round reads, in one trip: the inquiry, the submitter's history, the
    // disabled endpoints and the attempt log.
    let Some(reads) = store::round_reads(db, &msg.inquiry_id, EARLIER_REFERENCES).await? else {
        log(&format!(
            "delivery: inquiry {} does not exist",
            msg.inquiry_id
        ));
        return Ok(Outcome::Done);
    };
    let row = reads.row;
    if row.status != "pending" {
        return Ok(Outcome::Done);
    }
    // The config as the submit saw it: cached per isolate for a few seconds.
    let allow_loopback = platform::allow_loopback_http(env);
    let config = crate::http::live_config(db, &row.site_id, allow_loopback)
        .await
        .map_err(|e| match e {
            EdgeError::SiteNotFound => {
                EdgeError::internal(format!("site {} has no config", row.site_id))
            }
            e => e,
        })?;
    let event = event_with_history(
        &config,
        &row,
        crate::ack::link_for(env, &row.id),
        reads.earlier,
    )?;
    let card = formats::inquiry_card(&event);
    let sending = Sending {
        config: &config,
        row: &row,
        escalation: None,
        since_ms: msg.since_ms,
    };
    let disabled: BTreeSet<String> = reads.disabled.into_iter().map(|d| d.endpoint_url).collect();
    let round = sending
        .round_with(db, env, &event, &card, &disabled, &reads.attempts)
        .await?;
    let jitter = platform::random_bytes::<1>().map_or(0, |b| b[0]);
    let outcome = conclude(&round, schedule, msg.round, jitter);
    if outcome == Outcome::Done {
        store::set_status(db, &row.id, "delivered").await?;
    }
    Ok(outcome)
}

/// One round of posting an event to every endpoint of a POC, for [`deliver`] and
/// `escalation::deliver`: endpoints that accepted it since `since_ms` are not posted to
/// again, disabled ones are skipped, every attempt is logged, and a `410` disables its
/// endpoint and alerts the owner.
pub struct Sending<'a> {
    pub config: &'a SiteConfig,
    /// The inquiry, its `poc` set to the POC whose endpoints are posted to (the
    /// escalation step's target for an escalation): alerts about a `410` name that POC.
    pub row: &'a InquiryRow,
    /// The escalation level whose log the attempts go to; `None` for the inquiry's own.
    pub escalation: Option<&'a str>,
    pub since_ms: i64,
}

impl Sending<'_> {
    /// Posts `event` (or, to chat endpoints, a message drawn from `card`) and says what
    /// each endpoint did. Only storage errors fail the round; an endpoint's failure is in
    /// the [`Round`] and the log.
    pub async fn round<T: Serialize>(
        &self,
        db: &D1Database,
        env: &Env,
        event: &payload::Event<T>,
        card: &formats::Card,
    ) -> Result<Round, EdgeError> {
        let disabled = disabled_urls(db, &self.row.site_id).await?;
        let history = store::attempts(db, &self.row.id, self.escalation).await?;
        self.round_with(db, env, event, card, &disabled, &history)
            .await
    }

    /// [`Sending::round`] with the site's disabled endpoints and this log's attempts
    /// already read.
    pub async fn round_with<T: Serialize>(
        &self,
        db: &D1Database,
        env: &Env,
        event: &payload::Event<T>,
        card: &formats::Card,
        disabled: &BTreeSet<String>,
        history: &[Attempt],
    ) -> Result<Round, EdgeError> {
        let row = self.row;
        let allow_loopback = platform::allow_loopback_http(env);
        let endpoints = endpoints_for(self.config, &row.poc);
        let (done, next_attempt) = plan(history, self.since_ms);
        let mut round = Round::default();
        if endpoints.is_empty() {
            let attempt = next_attempt.get("").copied().unwrap_or(1);
            let none = failed_attempt(&row.id, "", attempt, "the poc has no webhook endpoints");
            store::record_attempt(db, &none, self.escalation).await?;
            round.refused += 1;
        }
        for endpoint in &endpoints {
            if done.contains(&endpoint.url) {
                round.accepted += 1;
                continue;
            }
            if disabled.contains(&endpoint.url) {
                continue;
            }
            let attempt = next_attempt.get(&endpoint.url).copied().unwrap_or(1);
            let body = formats::render(endpoint.format, event, card)?;
            let r = post_signed(endpoint, &event.id, &body, allow_loopback).await;
            let logged = r.attempt(&row.id, &endpoint.url, attempt);
            store::record_attempt(db, &logged, self.escalation).await?;
            match retry::verdict(r.status_code, r.sent) {
                Verdict::Delivered => round.accepted += 1,
                Verdict::Refused => round.refused += 1,
                Verdict::Retry => {
                    round.retry += 1;
                    round.retry_after = round.retry_after.max(r.retry_after);
                    round.max_attempt = round.max_attempt.max(attempt);
                }
                Verdict::Gone => {
                    let what = if self.escalation.is_some() {
                        "escalation"
                    } else {
                        "delivery"
                    };
                    let status = r.status_code;
                    disable_gone(db, env, self.config, row, &endpoint.url, status, what).await?;
                }
            }
        }
        Ok(round)
    }
}

/// An endpoint answered `410 Gone`: disables it for the site (naming `row`'s inquiry) and,
/// the first time, alerts the owner about `row` (its `poc` is the one whose endpoint it
/// was). `what` names the caller in the log. An alert that fails is logged; the endpoint
/// is disabled either way.
pub async fn disable_gone(
    db: &D1Database,
    env: &Env,
    config: &SiteConfig,
    row: &store::InquiryRow,
    endpoint_url: &str,
    status_code: Option<u16>,
    what: &str,
) -> Result<(), EdgeError> {
    let newly = store::disable_endpoint(
        db,
        &row.site_id,
        endpoint_url,
        &row.id,
        status_code.map_or(410, i64::from),
        platform::now_ms(),
    )
    .await?;
    log(&format!(
        "{what}: an endpoint of site {} answered 410 and is disabled",
        row.site_id
    ));
    if newly {
        dead_letter::alert_endpoint_disabled(env, config, row, endpoint_url).await;
    }
    Ok(())
}

/// The URLs of the site's endpoints disabled by a 410, which no delivery posts to.
pub async fn disabled_urls(db: &D1Database, site: &str) -> Result<BTreeSet<String>, EdgeError> {
    Ok(store::disabled_endpoints(db, site)
        .await?
        .into_iter()
        .map(|d| d.endpoint_url)
        .collect())
}

/// The endpoints of `poc`, or of the default POC when the config no longer has it.
pub fn endpoints_for(config: &SiteConfig, poc: &str) -> Vec<Endpoint> {
    config
        .poc(poc)
        .or_else(|| config.poc(&config.default_poc))
        .map(|p| p.endpoints.clone())
        .unwrap_or_default()
}

/// The generic JSON event of an inquiry, with the submitter's history, the confirmation
/// the visitor saw and the signed acknowledgement link.
pub async fn event_for(
    db: &D1Database,
    config: &SiteConfig,
    row: &InquiryRow,
    acknowledge_url: Option<String>,
) -> Result<WebhookPayload, EdgeError> {
    let earlier = match &row.email_hash {
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
    event_with_history(config, row, acknowledge_url, earlier)
}

/// [`event_for`] with the submitter's history already read: how many earlier inquiries,
/// and the references of the latest of them.
pub fn event_with_history(
    config: &SiteConfig,
    row: &InquiryRow,
    acknowledge_url: Option<String>,
    (earlier_inquiries, earlier_references): (u32, Vec<String>),
) -> Result<WebhookPayload, EdgeError> {
    let accepted: SubmitAccepted = serde_json::from_str(&row.response_json)?;
    let fields: serde_json::Value = serde_json::from_str(&row.fields_json)?;
    let email = config
        .form
        .email_field()
        .and_then(|f| fields.get(&f.id))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let p = payload::build(PayloadInput {
        inquiry_id: row.id.clone(),
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
    Ok(p)
}

/// A delivery-log row for an attempt that was never sent (no endpoint, a refused URL).
pub fn failed_attempt(inquiry_id: &str, url: &str, attempt: i64, error: &str) -> Attempt {
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
    /// False when the request was never made (refused URL, unusable secret).
    pub sent: bool,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub response_snippet: Option<String>,
    /// The answer's `Retry-After`, in seconds.
    pub retry_after: Option<u32>,
    pub started_ms: i64,
    pub latency_ms: i64,
}

impl PostResult {
    pub fn ok(&self) -> bool {
        self.status_code.is_some_and(is_success)
    }

    /// The result as a row of the delivery log.
    pub fn attempt(&self, inquiry_id: &str, url: &str, attempt: i64) -> Attempt {
        Attempt {
            inquiry_id: inquiry_id.to_owned(),
            endpoint_url: url.to_owned(),
            attempt,
            status_code: self.status_code.map(i64::from),
            error: self.error.clone(),
            latency_ms: self.latency_ms,
            response_snippet: self.response_snippet.clone(),
            at_ms: self.started_ms,
        }
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
    let refused = |error: String| PostResult {
        sent: false,
        status_code: None,
        error: Some(error),
        response_snippet: None,
        retry_after: None,
        started_ms,
        latency_ms: 0,
    };
    // The config was checked on upload, but the guard runs again: the rules may have
    // tightened since, and a POST to a private address must never happen.
    if let Err(e) = switchboard_shared::url_guard::check_webhook_url(&endpoint.url, allow_loopback)
    {
        return refused(format!("refused url: {e}"));
    }
    let timestamp = started_ms / 1000;
    let signature = match switchboard_shared::signing::signature_header(
        &endpoint.secrets,
        msg_id,
        timestamp,
        body.as_bytes(),
    ) {
        Ok(s) => s,
        Err(e) => return refused(format!("signing failed: {e}")),
    };
    let result = send(&endpoint.url, msg_id, timestamp, &signature, body).await;
    let latency_ms = platform::now_ms() - started_ms;
    match result {
        Ok(answer) => PostResult {
            sent: true,
            status_code: Some(answer.status),
            error: (!is_success(answer.status))
                .then(|| format!("endpoint answered {}", answer.status)),
            response_snippet: Some(snippet(&answer.text)),
            retry_after: answer
                .retry_after
                .and_then(|v| retry::parse_retry_after(&v, started_ms)),
            started_ms,
            latency_ms,
        },
        Err(e) => PostResult {
            sent: true,
            status_code: None,
            error: Some(e),
            response_snippet: None,
            retry_after: None,
            started_ms,
            latency_ms,
        },
    }
}

struct Answer {
    status: u16,
    text: String,
    retry_after: Option<String>,
}

async fn send(
    url: &str,
    msg_id: &str,
    timestamp: i64,
    signature: &str,
    body: &str,
) -> Result<Answer, String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| format!("header {k}: {e}"));
    set("content-type", "application/json")?;
    set("user-agent", USER_AGENT)?;
    set("webhook-id", msg_id)?;
    set("webhook-timestamp", &timestamp.to_string())?;
    // A chat endpoint may have no secret (its service checks none): no empty header then.
    if !signature.is_empty() {
        set("webhook-signature", signature)?;
    }
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
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let text = response.text().await.unwrap_or_default();
    Ok(Answer {
        status,
        text,
        retry_after,
    })
}

/// Sends a delivery message (admin redelivery; a new inquiry's goes through [`enqueue_new`]).
pub async fn enqueue(env: &Env, msg: &DeliveryMessage) -> Result<(), EdgeError> {
    crate::bench_timing::storage_delay().await;
    env.queue("DELIVERY")?.send(msg).await?;
    Ok(())
}

/// Sends the first message of a new inquiry, after its answer. With the var
/// `TEST_FAIL_INTAKE_SENDS = "true"`, which only the integration tests set, the send fails
/// without reaching the queue, as a lost send would: the sweeper trials count on it.
pub async fn enqueue_new(env: &Env, msg: &DeliveryMessage) -> Result<(), EdgeError> {
    if platform::var(env, "TEST_FAIL_INTAKE_SENDS")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Err(EdgeError::internal(
            "queue send refused: TEST_FAIL_INTAKE_SENDS is set",
        ));
    }
    enqueue(env, msg).await
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
    fn rounds_conclude() {
        let r = |accepted, retry, refused, retry_after| Round {
            accepted,
            retry,
            refused,
            retry_after,
            max_attempt: 0,
        };
        let s = [1, 1, 2];
        assert_eq!(conclude(&r(1, 0, 0, None), &s, 1, 0), Outcome::Done);
        assert_eq!(
            conclude(&r(1, 1, 0, None), &s, 1, 0),
            Outcome::Retry(vec![1])
        );
        assert_eq!(
            conclude(&r(0, 1, 0, Some(9)), &s, 3, 0),
            Outcome::Retry(vec![9])
        );
        assert_eq!(conclude(&r(0, 1, 0, None), &s, 4, 0), Outcome::Exhausted);
        // Refused (URL guard) is not retried: the owner hears about it at once.
        assert_eq!(conclude(&r(1, 0, 1, None), &s, 1, 0), Outcome::Exhausted);
        // Every endpoint disabled: nobody has it.
        assert_eq!(conclude(&r(0, 0, 0, None), &s, 1, 0), Outcome::Exhausted);
    }

    #[test]
    fn messages_carry_rounds_and_long_waits() {
        let m = DeliveryMessage::new("i", "demo");
        let (next, delay) = m.after(&[43_200, 43_200, 100]);
        assert_eq!((next.round, next.wait_s, delay), (2, 43_300, 43_200));
        let (hop, delay) = next.hop();
        assert_eq!((hop.round, hop.wait_s, delay), (2, 100, 43_200));
        let (hop, delay) = hop.hop();
        assert_eq!((hop.round, hop.wait_s, delay), (2, 0, 100));
        let (third, delay) = hop.after(&[5]);
        assert_eq!((third.round, third.wait_s, delay), (3, 0, 5));
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
        assert_eq!((m.since_ms, m.round, m.wait_s), (0, 0, 0));
        assert!(is_success(204) && !is_success(302) && !is_success(199));
        assert_eq!(snippet(&"é".repeat(400)).len(), SNIPPET_BYTES);
        assert_eq!(
            snippet(&format!("a{}", "é".repeat(400))).len(),
            SNIPPET_BYTES - 1
        );
        assert_eq!(snippet("short"), "short");
    }
}
